//! A small HTTP/1.1 server on loopback for tests: the controllers of the real stack fetch from it
//! (artifacts, Helm repository indexes; next, a fake Git host's APIs). One request per connection
//! (`Connection: close`), each connection on its own thread; requests come from local controllers
//! and tests, but are still parsed defensively (bounded header size, no panics on malformed input).
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Largest request head (request line and headers) and body the server reads.
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target as sent: path and query, e.g. `/api/v3/repos/o/r/pulls?state=open`.
    pub target: String,
    /// Header names in lower case, values trimmed, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The query string's raw `name=value` pairs (not percent-decoded).
    pub fn query(&self) -> Vec<(&str, &str)> {
        self.target
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once('=').unwrap_or((p, "")))
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn not_found() -> Response {
        Response::new(404, "text/plain", "not found\n")
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }
}

type Handler = dyn Fn(&Request) -> Response + Send + Sync + 'static;

/// A running server; dropping it stops accepting connections.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Listens on a free loopback port and answers every request with `handler`.
    pub fn start(
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> std::io::Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let handler = handler.clone();
                    std::thread::spawn(move || serve(conn, &*handler));
                }
            })
        };
        Ok(Server {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// Serves fixed files: `GET /<name>` answers the bytes of `name`, anything else 404.
    pub fn files(files: Vec<(String, Vec<u8>)>) -> std::io::Result<Server> {
        Server::start(move |req| {
            let name = req.path().trim_start_matches('/');
            match files.iter().find(|(n, _)| n == name) {
                Some((_, bytes)) if req.method == "GET" || req.method == "HEAD" => {
                    Response::new(200, "application/octet-stream", bytes.clone())
                }
                _ => Response::not_found(),
            }
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the blocking accept so the loop sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(conn: TcpStream, handler: &Handler) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(write_half) = conn.try_clone() else {
        return;
    };
    let response = match read_request(conn) {
        Ok(Some(req)) => {
            let mut resp = handler(&req);
            if req.method == "HEAD" {
                resp.body.clear();
            }
            resp
        }
        Ok(None) => return,
        Err(msg) => Response::new(400, "text/plain", format!("{msg}\n")),
    };
    let _ = write_response(write_half, &response);
}

fn read_request(conn: TcpStream) -> Result<Option<Request>, String> {
    let mut reader = BufReader::new(conn);
    let mut head = Vec::new();
    let mut lines = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = reader
            .by_ref()
            .take((MAX_HEAD - head.len().min(MAX_HEAD)) as u64)
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            // Closed before a full head (e.g. the wake-up connection of Drop).
            return if lines.is_empty() {
                Ok(None)
            } else {
                Err("incomplete request".into())
            };
        }
        head.extend_from_slice(&line);
        let text = String::from_utf8(line).map_err(|_| "header is not UTF-8".to_string())?;
        let text = text.trim_end_matches(['\r', '\n']).to_string();
        if text.is_empty() {
            break;
        }
        if head.len() >= MAX_HEAD {
            return Err("request head too large".into());
        }
        lines.push(text);
    }
    let mut it = lines.into_iter();
    let request_line = it.next().ok_or("empty request")?;
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(format!("bad request line: {request_line}"));
    };
    let headers: Vec<(String, String)> = it
        .filter_map(|l| {
            l.split_once(':')
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect();
    let len = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse::<usize>())
        .transpose()
        .map_err(|_| "bad Content-Length".to_string())?
        .unwrap_or(0);
    if len > MAX_BODY {
        return Err("request body too large".into());
    }
    let mut body = vec![0; len];
    reader
        .read_exact(&mut body)
        .map_err(|e| format!("read body: {e}"))?;
    Ok(Some(Request {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        body,
    }))
}

fn write_response(mut conn: TcpStream, resp: &Response) -> std::io::Result<()> {
    let reason = match resp.status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    };
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", resp.status);
    for (n, v) in &resp.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        resp.body.len()
    ));
    conn.write_all(head.as_bytes())?;
    conn.write_all(&resp.body)?;
    conn.flush()
}

/// A plain `GET` of an `http://` URL (loopback servers of the test world: source-controller's
/// artifact server, the test servers): the status code and the body.
pub fn get(url: &str) -> anyhow::Result<(u16, Vec<u8>)> {
    use anyhow::Context;
    let rest = url
        .strip_prefix("http://")
        .with_context(|| format!("not an http:// URL: {url}"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let mut conn = TcpStream::connect(authority).with_context(|| format!("connect {authority}"))?;
    conn.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("response without a header end")?;
    let (head, body) = raw.split_at(split);
    let status = String::from_utf8_lossy(head)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .context("response without a status code")?;
    let body = body.get(4..).unwrap_or_default();
    // Chunked bodies are not decoded: the servers of the test world send Content-Length.
    Ok((status, body.to_vec()))
}
