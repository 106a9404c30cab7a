//! `logs ENV`: the logs of every pod of the environment's Deployments, StatefulSets and Jobs,
//! each line prefixed with `pod/container`.
//!
//! Reads: the environment's snapshot, then one LIST of pods per namespace (a watch with `-f`),
//! selected server-side by the labels the workloads share, and one log stream per container.
//! Without `-f` the streams are merged in timestamp order. With `-f` lines are printed as they
//! come; a pod a rollout starts is picked up from the watch, and a stream that ends while its
//! container still runs (a dropped connection) is opened again from the second of its last line,
//! without repeating a line (`model::logs::Resume`).
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::pin::Pin;
use std::process::ExitCode;
use std::time::Duration;

use futures::{AsyncBufRead, AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use kube::runtime::{WatchStreamExt, watcher};
use tokio::sync::mpsc;

use crate::cli::{GlobalArgs, LogOutput, LogsArgs};
use crate::cluster::client::{self, Session};
use crate::error::{Error, Result};
use crate::model::logs::{self, Note, Options, Resume, Stream, Workload};
use crate::ui::logs::{Printer, colour_wanted};
use crate::ui::select;

type Reader = Pin<Box<dyn AsyncBufRead + Send>>;
type Key = (String, String, String, i32);

pub async fn run(global: &GlobalArgs, args: &LogsArgs) -> Result<ExitCode> {
    let session = client::connect(&global.into()).await?;
    let loaded = select::load(session, args.env.env.as_deref()).await?;
    let env = select::choose(&loaded).await?;
    let workloads = logs::workloads(env, &loaded.snapshot);
    if workloads.is_empty() {
        return Err(Error::Other(format!(
            "{}: no Deployment, StatefulSet or Job in its inventories",
            env.name
        )));
    }
    let printer = Printer {
        colour: args.output == LogOutput::Text && colour_wanted(),
        timestamps: args.timestamps,
        json: args.output == LogOutput::Json,
    };
    let opts = Options {
        container: args.container.clone(),
        previous: args.previous,
    };
    if args.follow {
        follow(&loaded.session, &workloads, &opts, args, &printer).await
    } else {
        once(
            &loaded.session,
            &env.name,
            &workloads,
            &opts,
            args,
            &printer,
        )
        .await
    }
}

fn namespaces(workloads: &[Workload]) -> BTreeSet<String> {
    workloads
        .iter()
        .map(|w| w.reference.namespace.clone())
        .collect()
}

fn pod_list_params(workloads: &[Workload], ns: &str) -> ListParams {
    match logs::common_labels(workloads, ns) {
        Some(selector) => ListParams::default().labels(&selector),
        None => ListParams::default(),
    }
}

/// The parameters of a stream's first request: the user's `--since`/`--tail`, or none for a pod
/// that started after `logs -f` did (all of it is new); always with timestamps, which order the
/// merge and place a reconnect.
fn params(s: &Stream, args: &LogsArgs, first: bool) -> LogParams {
    LogParams {
        container: Some(s.container.clone()),
        follow: args.follow,
        previous: args.previous,
        since_seconds: args
            .since
            .filter(|_| first)
            .map(|d| i64::try_from(d.as_secs().max(1)).unwrap_or(i64::MAX)),
        tail_lines: (first && args.tail >= 0).then_some(args.tail),
        timestamps: true,
        ..LogParams::default()
    }
}

async fn open(session: &Session, s: &Stream, lp: &LogParams) -> Result<Reader> {
    let api: Api<Pod> = Api::namespaced(session.watch_client.clone(), &s.namespace);
    let reader = api
        .log_stream(&s.pod, lp)
        .await
        .map_err(|e| session.error(format!("read the log of {}", s.label()), e))?;
    Ok(Box::pin(reader))
}

/// The next line of a reader, without its newline; `None` at the end.
async fn next_line(reader: &mut Reader) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    if reader.read_until(b'\n', &mut buf).await? == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// Prints a line; `false` when stdout is closed (`| head`): time to stop.
fn emit(printer: &Printer, s: &Stream, line: &str) -> bool {
    let (ts, text) = match logs::split_timestamp(line) {
        Some((ts, text)) => (Some(ts), text),
        None => (None, line),
    };
    let mut out = std::io::stdout().lock();
    printer.line(&mut out, s, ts, text).is_ok() && out.flush().is_ok()
}

async fn list_pods(session: &Session, workloads: &[Workload]) -> Result<Vec<Pod>> {
    let mut pods = Vec::new();
    for ns in namespaces(workloads) {
        let api: Api<Pod> = Api::namespaced(session.client.clone(), &ns);
        let list = api
            .list(&pod_list_params(workloads, &ns))
            .await
            .map_err(|e| session.error(format!("list pods in namespace {ns}"), e))?;
        pods.extend(list.items);
    }
    Ok(pods)
}

/// Everything there is now, merged by timestamp, then exit.
async fn once(
    session: &Session,
    name: &str,
    workloads: &[Workload],
    opts: &Options,
    args: &LogsArgs,
    printer: &Printer,
) -> Result<ExitCode> {
    let pods = list_pods(session, workloads).await?;
    let plan = logs::plan(workloads, &pods, opts);
    for note in &plan.notes {
        crate::safe_eprintln!("{note}");
    }
    if plan.streams.is_empty() {
        return Err(Error::Other(format!(
            "{name}: no container has a log to show"
        )));
    }
    let opened = futures::future::join_all(
        plan.streams
            .iter()
            .map(|s| async move { open(session, s, &params(s, args, true)).await }),
    )
    .await;
    let mut failed = false;
    // One pending line per stream; the earliest is printed next.
    let mut sources: Vec<(&Stream, Option<Reader>, Option<String>)> = Vec::new();
    for (s, reader) in plan.streams.iter().zip(opened) {
        match reader {
            Ok(r) => sources.push((s, Some(r), None)),
            Err(e) => {
                crate::safe_eprintln!("{}", e.one_line());
                failed = true;
            }
        }
    }
    loop {
        for (s, reader, next) in &mut sources {
            if next.is_some() {
                continue;
            }
            let Some(r) = reader else { continue };
            match next_line(r).await {
                Ok(Some(line)) => *next = Some(line),
                Ok(None) => *reader = None,
                Err(e) => {
                    crate::safe_eprintln!("{}: the log stream broke: {e}", s.label());
                    *reader = None;
                    failed = true;
                }
            }
        }
        let earliest = sources
            .iter_mut()
            .filter(|(_, _, next)| next.is_some())
            .min_by_key(|(_, _, next)| {
                next.as_deref()
                    .and_then(logs::split_timestamp)
                    .map(|(ts, _)| ts)
            });
        let Some((s, _, next)) = earliest else { break };
        let Some(line) = next.take() else { break };
        if !emit(printer, s, &line) {
            return Ok(ExitCode::SUCCESS);
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

enum Message {
    Line(Key, String),
    /// A stream ended: normally, or with the error that ended it.
    Ended(Key, Option<String>),
}

/// One connection of one stream, after `delay`: its lines, then how it ended.
fn spawn_stream(
    session: &Session,
    s: &Stream,
    lp: LogParams,
    delay: Duration,
    tx: mpsc::Sender<Message>,
) {
    let session = session.clone();
    let s = s.clone();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let key = s.key();
        let mut reader = match open(&session, &s, &lp).await {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.send(Message::Ended(key, Some(e.one_line()))).await;
                return;
            }
        };
        loop {
            match next_line(&mut reader).await {
                Ok(Some(line)) => {
                    if tx.send(Message::Line(key.clone(), line)).await.is_err() {
                        return;
                    }
                }
                Ok(None) => {
                    let _ = tx.send(Message::Ended(key, None)).await;
                    return;
                }
                Err(e) => {
                    let _ = tx.send(Message::Ended(key, Some(e.to_string()))).await;
                    return;
                }
            }
        }
    });
}

/// A stream being followed.
struct Active {
    stream: Stream,
    resume: Resume,
    /// Reconnects since the last line: the delay before the next one grows with it.
    retries: u32,
    /// Whether it was there when `logs -f` started (the user's --since/--tail apply).
    first: bool,
}

/// `-f`: a pod watch per namespace drives which containers are streamed.
async fn follow(
    session: &Session,
    workloads: &[Workload],
    opts: &Options,
    args: &LogsArgs,
    printer: &Printer,
) -> Result<ExitCode> {
    let watches = namespaces(workloads).into_iter().map(|ns| {
        let api: Api<Pod> = Api::namespaced(session.watch_client.clone(), &ns);
        let config = match logs::common_labels(workloads, &ns) {
            Some(selector) => watcher::Config::default().labels(&selector),
            None => watcher::Config::default(),
        };
        watcher(api, config).default_backoff().boxed()
    });
    let mut events = futures::stream::select_all(watches);
    let mut listing = namespaces(workloads).len();
    let (tx, mut rx) = mpsc::channel::<Message>(1024);
    let mut pods: BTreeMap<(String, String), Pod> = BTreeMap::new();
    let mut active: BTreeMap<Key, Active> = BTreeMap::new();
    let mut done: BTreeSet<Key> = BTreeSet::new();
    let mut noted: BTreeSet<Note> = BTreeSet::new();
    let mut started = false;
    loop {
        tokio::select! {
            event = events.next() => {
                let Some(event) = event else { break };
                match event {
                    Ok(watcher::Event::Apply(pod) | watcher::Event::InitApply(pod)) => {
                        let key = (pod.metadata.namespace.clone().unwrap_or_default(), pod.metadata.name.clone().unwrap_or_default());
                        pods.insert(key, pod);
                    }
                    Ok(watcher::Event::Delete(pod)) => {
                        pods.remove(&(pod.metadata.namespace.clone().unwrap_or_default(), pod.metadata.name.clone().unwrap_or_default()));
                    }
                    Ok(watcher::Event::Init) => {}
                    Ok(watcher::Event::InitDone) => {
                        listing = listing.saturating_sub(1);
                    }
                    Err(e) => crate::safe_eprintln!("warning: watching pods: {e}"),
                }
                if listing > 0 {
                    continue;
                }
                // The first time every namespace is listed: the user's --since/--tail apply.
                let first = !started;
                started = true;
                let all: Vec<Pod> = pods.values().cloned().collect();
                let plan = logs::plan(workloads, &all, opts);
                for note in plan.notes {
                    // Workloads without pods are said once, at the start; a container's wait
                    // once per reason.
                    if (first || !matches!(note, Note::NoPods { .. } | Note::Unknown { .. }))
                        && noted.insert(note.clone())
                    {
                        crate::safe_eprintln!("{note}");
                    }
                }
                for s in plan.streams {
                    let key = s.key();
                    if active.contains_key(&key) || done.contains(&key) {
                        continue;
                    }
                    spawn_stream(session, &s, params(&s, args, first), Duration::ZERO, tx.clone());
                    active.insert(key, Active { stream: s, resume: Resume::default(), retries: 0, first });
                }
            }
            Some(message) = rx.recv() => match message {
                Message::Line(key, line) => {
                    let Some(a) = active.get_mut(&key) else { continue };
                    let admit = match logs::split_timestamp(&line) {
                        Some((ts, _)) => a.resume.admit(ts),
                        None => true,
                    };
                    a.retries = 0;
                    if admit && !emit(printer, &a.stream, &line) {
                        return Ok(ExitCode::SUCCESS);
                    }
                }
                Message::Ended(key, error) => {
                    let Some(mut a) = active.remove(&key) else { continue };
                    // Still running, as the watch last saw it: the connection dropped, not the
                    // container. Open it again from where it was.
                    let running = pods
                        .get(&(a.stream.namespace.clone(), a.stream.pod.clone()))
                        .map(|pod| logs::containers(pod, &a.stream.workload, opts).0)
                        .is_some_and(|now| now.iter().any(|s| s.key() == key && s.running));
                    if !running {
                        if let Some(e) = error {
                            crate::safe_eprintln!("{}: {e}", a.stream.label());
                        }
                        done.insert(key);
                        continue;
                    }
                    if let Some(e) = error.filter(|_| a.retries >= 2) {
                        crate::safe_eprintln!("warning: {}: {e} (trying again)", a.stream.label());
                    }
                    let lp = match a.resume.reconnect() {
                        Some(since) => LogParams { since_time: Some(since), ..params(&a.stream, args, false) },
                        None => params(&a.stream, args, a.first),
                    };
                    let delay = Duration::from_millis(250 << a.retries.min(5));
                    a.retries += 1;
                    spawn_stream(session, &a.stream, lp, delay, tx.clone());
                    active.insert(key, a);
                }
            },
        }
    }
    Ok(ExitCode::SUCCESS)
}
