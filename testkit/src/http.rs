//! A small HTTP/1.1 server on loopback for tests: the controllers of the real stack fetch from it
//! (artifacts, Helm repository indexes, the fake Git host of [`crate::githost`]). One request per
//! connection (`Connection: close`), each connection on its own thread; requests come from local
//! controllers and tests, but are still parsed defensively (bounded head and body, no panics on
//! malformed input). Request bodies may come with a Content-Length or chunked (`git` sends large
//! upload-pack requests chunked); responses are sent whole, with a Content-Length.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Largest request head (request line and headers) and body the server reads.
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 16 * 1024 * 1024;
/// Longest chunk-size line and trailer section of a chunked body.
const MAX_CHUNK_LINE: usize = 1024;

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

    /// The first query parameter named `name`, percent-decoded (`+` as a space, as HTML forms and
    /// Go's `url.Values` encode it); `None` when absent or not decodable to UTF-8.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(n, _)| percent_decode(n, true).as_deref() == Some(name))
            .and_then(|(_, v)| percent_decode(v, true))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_as_space`); `None` for a malformed escape
/// or a result that is not UTF-8.
pub fn percent_decode(s: &str, plus_as_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
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

    /// A JSON body.
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response::new(status, "application/json; charset=utf-8", value.to_string())
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
        Server::start_on(0, handler)
    }

    /// Like [`Server::start`], on the given loopback port (0: a free one).
    pub fn start_on(
        port: u16,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> std::io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
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
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    // A client that waits for an interim response before sending its body (curl does for large
    // POSTs) would otherwise stall until its own timeout.
    if header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        let _ = reader.get_mut().write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let chunked = header("transfer-encoding").is_some_and(|v| {
        v.split(',')
            .any(|coding| coding.trim().eq_ignore_ascii_case("chunked"))
    });
    let body = if chunked {
        read_chunked(&mut reader)?
    } else {
        let len = header("content-length")
            .map(|v| v.parse::<usize>())
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
        body
    };
    Ok(Some(Request {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        body,
    }))
}

/// One line of a chunked body's framing (size line or trailer), without its line end; `None` at
/// the end of the stream.
fn read_framing_line(reader: &mut impl BufRead) -> Result<Option<String>, String> {
    let mut line = Vec::new();
    let n = reader
        .by_ref()
        .take(MAX_CHUNK_LINE as u64)
        .read_until(b'\n', &mut line)
        .map_err(|e| format!("read body: {e}"))?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err("chunk framing line too long".into());
    }
    let text = String::from_utf8(line).map_err(|_| "chunk framing is not UTF-8".to_string())?;
    Ok(Some(text.trim_end_matches(['\r', '\n']).to_string()))
}

/// A `Transfer-Encoding: chunked` body, decoded; trailers are read and dropped.
fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line = read_framing_line(reader)?.ok_or("chunked body ends early")?;
        let size = line.split(';').next().unwrap_or_default().trim();
        if size.is_empty() || size.len() > 8 || !size.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("bad chunk size {size:?}"));
        }
        let size = usize::from_str_radix(size, 16).map_err(|_| "bad chunk size".to_string())?;
        if size == 0 {
            break;
        }
        if body.len() + size > MAX_BODY {
            return Err("request body too large".into());
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader
            .read_exact(&mut body[start..])
            .map_err(|e| format!("read body: {e}"))?;
        if read_framing_line(reader)?.as_deref() != Some("") {
            return Err("chunk without its line end".into());
        }
    }
    let mut trailers = 0;
    loop {
        match read_framing_line(reader)? {
            None => break,
            Some(l) if l.is_empty() => break,
            Some(_) => {
                trailers += 1;
                if trailers > 64 {
                    return Err("too many trailers".into());
                }
            }
        }
    }
    Ok(body)
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
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        504 => "Gateway Timeout",
        _ => "Status",
    };
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", resp.status);
    for (n, v) in &resp.headers {
        // The framing headers are the server's own; a header that would split the head is dropped.
        let framing = n.eq_ignore_ascii_case("content-length")
            || n.eq_ignore_ascii_case("connection")
            || n.eq_ignore_ascii_case("transfer-encoding");
        let splits = |s: &str| s.contains(['\r', '\n']);
        if framing || n.is_empty() || splits(n) || splits(v) {
            continue;
        }
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
    let reply = request("GET", url, &[], b"")?;
    Ok((reply.status, reply.body))
}

/// An answer to [`request`].
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// Header names in lower case, values trimmed, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One request to an `http://` URL with extra `headers` and a `body` (sent with a Content-Length
/// when not empty). Chunked answers are not decoded: the servers of the test world send a
/// Content-Length.
pub fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> anyhow::Result<Reply> {
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
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    if !body.is_empty() {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes())?;
    conn.write_all(body)?;
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("response without a header end")?;
    let (head, body) = raw.split_at(split);
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .context("response without a status code")?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Reply {
        status,
        headers,
        body: body.get(4..).unwrap_or_default().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `raw` as is and reads the whole answer.
    fn exchange(server: &Server, raw: &[u8]) -> String {
        let mut conn = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        conn.write_all(raw).unwrap();
        // A truncated request then ends instead of waiting for the server's read timeout.
        let _ = conn.shutdown(std::net::Shutdown::Write);
        let mut out = Vec::new();
        let _ = conn.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    fn echo() -> Server {
        Server::start(|req| {
            let body = format!(
                "{} {} {}",
                req.method,
                req.body.len(),
                String::from_utf8_lossy(&req.body)
            );
            Response::new(200, "text/plain", body)
                .with_header("X-Evil", "a\r\nSet-Cookie: x")
                .with_header("Content-Length", "999")
        })
        .unwrap()
    }

    #[test]
    fn chunked_bodies_are_decoded() {
        let server = echo();
        let out = exchange(
            &server,
            b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
        );
        assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
        assert!(out.ends_with("\r\n\r\nPOST 11 hello world"), "{out}");
        // The handler's framing and header-splitting headers are dropped.
        assert!(!out.contains("999") && !out.contains("X-Evil"), "{out}");
    }

    #[test]
    fn malformed_chunks_are_refused() {
        let server = echo();
        for raw in [
            &b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"[..],
            b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
            b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
            b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffff\r\n",
            b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n",
            b"POST /x HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
            b"POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        ] {
            let out = exchange(&server, raw);
            assert!(out.starts_with("HTTP/1.1 400 "), "{raw:?}: {out}");
        }
        // Still serving.
        assert!(exchange(&server, b"GET / HTTP/1.1\r\n\r\n").contains("GET 0 "));
    }

    #[test]
    fn expect_continue_gets_an_interim_answer() {
        let server = echo();
        let out = exchange(
            &server,
            b"POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
        );
        assert!(
            out.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"),
            "{out}"
        );
        assert!(out.ends_with("POST 2 ok"), "{out}");
    }

    #[test]
    fn query_parameters_are_decoded() {
        let req = Request {
            method: "GET".into(),
            target: "/p?labels=a%2Cb+c&x&bad=%zz&state=open".into(),
            headers: vec![],
            body: vec![],
        };
        assert_eq!(req.query_param("labels").as_deref(), Some("a,b c"));
        assert_eq!(req.query_param("x").as_deref(), Some(""));
        assert_eq!(req.query_param("bad"), None);
        assert_eq!(req.query_param("state").as_deref(), Some("open"));
        assert_eq!(req.query_param("missing"), None);
        assert_eq!(percent_decode("a%2Fb%2Ec", false).as_deref(), Some("a/b.c"));
        assert_eq!(percent_decode("a+b", false).as_deref(), Some("a+b"));
        assert_eq!(percent_decode("%ff", false), None);
        assert_eq!(percent_decode("%4", false), None);
    }
}
