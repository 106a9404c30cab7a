//! A loopback kubelet for `pods/log`. The API server proxies a pod's log request to the kubelet
//! of the pod's node (`GET https://<InternalIP>:<daemonEndpoints.kubeletEndpoint.Port>/
//! containerLogs/<ns>/<pod>/<container>?follow=…&sinceTime=…`); a Node registered with
//! [`register_node`] sends those here. It answers from the lines a test gives it, with the
//! kubelet's query semantics (`tailLines`, `sinceTime`, `sinceSeconds`, `timestamps`,
//! `previous`, `follow`), and can drop a follow stream part-way: what KWOK, the kubelet of the
//! real stack, cannot do. Any certificate is accepted by the API server (no
//! `--kubelet-certificate-authority`), so it serves a self-signed one.
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use jiff::Timestamp;
use kube::Client;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::json;

type Container = (String, String, String);

#[derive(Default)]
struct State {
    /// The lines of each container, and of its previous instance.
    logs: BTreeMap<(Container, bool), Vec<(Timestamp, String)>>,
    /// A follow stream of these containers is cut after this many lines, once.
    drop_after: BTreeMap<Container, usize>,
    /// Containers that have terminated: a follow stream of them ends after the last line.
    finished: BTreeSet<Container>,
    /// Every request target received, in order.
    requests: Vec<String>,
}

pub struct Kubelet {
    pub port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

fn key(ns: &str, pod: &str, container: &str) -> Container {
    (ns.to_string(), pod.to_string(), container.to_string())
}

impl Kubelet {
    pub fn start() -> Result<Kubelet> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])?;
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
        let config = Arc::new(
            rustls::ServerConfig::builder()
                .with_no_client_auth()
                .with_single_cert(vec![cert.cert.der().clone()], key)?,
        );
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                let (config, s, st) = (config.clone(), s.clone(), st.clone());
                std::thread::spawn(move || {
                    let _ = serve(conn, config, &s, &st);
                });
            }
        });
        Ok(Kubelet { port, state, stop })
    }

    /// Appends lines to a container's log (or its previous instance's).
    pub fn log(
        &self,
        ns: &str,
        pod: &str,
        container: &str,
        previous: bool,
        lines: &[(Timestamp, &str)],
    ) {
        let mut s = self.state.lock().unwrap();
        s.logs
            .entry((key(ns, pod, container), previous))
            .or_default()
            .extend(lines.iter().map(|(t, l)| (*t, l.to_string())));
    }

    /// The next follow stream of the container is cut after `lines` lines, as a dropped
    /// connection would cut it.
    pub fn drop_once_after(&self, ns: &str, pod: &str, container: &str, lines: usize) {
        self.state
            .lock()
            .unwrap()
            .drop_after
            .insert(key(ns, pod, container), lines);
    }

    /// The container has terminated: a follow stream of it ends after its last line.
    pub fn finished(&self, ns: &str, pod: &str, container: &str) {
        self.state
            .lock()
            .unwrap()
            .finished
            .insert(key(ns, pod, container));
    }

    /// The request targets received (path and query), in order.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }
}

impl Drop for Kubelet {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

fn serve(
    conn: TcpStream,
    config: Arc<rustls::ServerConfig>,
    state: &Mutex<State>,
    stop: &AtomicBool,
) -> Result<()> {
    let tcp = conn.try_clone()?;
    let tls = rustls::ServerConnection::new(config)?;
    let mut stream = rustls::StreamOwned::new(tls, conn);
    let mut reader = BufReader::new(&mut stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    drop(reader);
    let target = request_line
        .split_whitespace()
        .nth(1)
        .context("no request target")?
        .to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let [_, ns, pod, container] = parts[..] else {
        write!(
            stream,
            "HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\nnot a log path"
        )?;
        return Ok(());
    };
    let c = key(ns, pod, container);
    let previous = param(query, "previous") == Some("true");
    let follow = param(query, "follow") == Some("true");
    let timestamps = param(query, "timestamps") == Some("true");
    let since: Option<Timestamp> = match (param(query, "sinceTime"), param(query, "sinceSeconds")) {
        (Some(t), _) => Some(t.replace("%3A", ":").parse()?),
        (None, Some(s)) => Some(Timestamp::now() - jiff::SignedDuration::from_secs(s.parse()?)),
        _ => None,
    };
    let tail: Option<usize> = param(query, "tailLines").and_then(|t| t.parse().ok());
    let (lines, drop_after, finished) = {
        let mut s = state.lock().unwrap();
        s.requests.push(target.clone());
        let Some(all) = s.logs.get(&(c.clone(), previous)).cloned() else {
            drop(s);
            write!(
                stream,
                "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\ncontainer \"{container}\" in pod \"{pod}\" has no log"
            )?;
            return Ok(());
        };
        let drop_after = if follow {
            s.drop_after.remove(&c)
        } else {
            None
        };
        (all, drop_after, s.finished.contains(&c))
    };
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
    )?;
    let selected: Vec<usize> = (0..lines.len())
        .filter(|i| since.is_none_or(|s| lines[*i].0 >= s))
        .collect();
    let from = tail.map_or(0, |t| selected.len().saturating_sub(t));
    let line = |(t, l): &(Timestamp, String)| {
        if timestamps {
            format!("{t} {l}\n")
        } else {
            format!("{l}\n")
        }
    };
    for (sent, i) in selected[from..].iter().enumerate() {
        if drop_after.is_some_and(|n| sent >= n) {
            stream.flush()?;
            // Cut, as a dropped connection is: no TLS close_notify, the socket just closes.
            let _ = tcp.shutdown(Shutdown::Both);
            return Ok(());
        }
        stream.write_all(line(&lines[*i]).as_bytes())?;
    }
    stream.flush()?;
    if !follow || finished || previous {
        stream.conn.send_close_notify();
        stream.flush()?;
        return Ok(());
    }
    // Following: lines appended later are sent as they come, until the kubelet stops.
    let mut next = lines.len();
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
        let more: Vec<(Timestamp, String)> = {
            let s = state.lock().unwrap();
            s.logs
                .get(&(c.clone(), false))
                .map(|l| l[next.min(l.len())..].to_vec())
                .unwrap_or_default()
        };
        for l in &more {
            stream.write_all(line(l).as_bytes())?;
        }
        next += more.len();
        stream.flush()?;
    }
    Ok(())
}

/// A Node whose kubelet is the loopback one: the API server reaches it at 127.0.0.1:`port`.
pub async fn register_node(client: &Client, name: &str, port: u16) -> Result<()> {
    let nodes: Api<k8s_openapi::api::core::v1::Node> = Api::all(client.clone());
    nodes
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": name, "labels": {"kubectl-preview/test": "loopback-kubelet"}}}))?,
        )
        .await?;
    nodes
        .patch_status(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {
                "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": port}}}})),
        )
        .await?;
    Ok(())
}
