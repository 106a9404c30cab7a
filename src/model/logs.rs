//! `logs ENV`: which pods and containers of an environment's workloads to stream, what to say
//! about the workloads and containers that have no log to show, and how a dropped stream is
//! picked up again without repeating or losing a line. Pure: the shell lists and watches the
//! pods and opens the streams.
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod};

use crate::model::environments::Environment;
use crate::model::inventory::ObjectRef;
use crate::model::objects::{Identity, LabelSelector, ObjectSpec, ObjectStatus};
use crate::model::sleep::REPLICAS_ANNOTATION;
use crate::model::snapshot::{Kind, Snapshot};

/// The labels the job controller puts on a Job's pods (the second one before Kubernetes 1.27).
pub const JOB_NAME_LABELS: [&str; 2] = ["batch.kubernetes.io/job-name", "job-name"];

/// How a workload's pods are found.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    /// A Deployment's or StatefulSet's `spec.selector`.
    Labels(LabelSelector),
    /// A Job's pods carry its name in a label.
    Job(String),
}

impl Selector {
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match self {
            Selector::Labels(s) => s.matches(labels),
            Selector::Job(name) => JOB_NAME_LABELS.iter().any(|k| labels.get(*k) == Some(name)),
        }
    }
}

/// A Deployment, StatefulSet or Job of the environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub reference: ObjectRef,
    /// `None`: its pods cannot be found (not read, or a selector that would select everything).
    pub selector: Option<Selector>,
    /// What its spec and status say about why it may have no pods.
    pub status_says: Option<String>,
}

/// The environment's Deployments, StatefulSets (from the snapshot, for their selectors) and Jobs
/// (by name: the snapshot does not read Jobs), as its inventories list them.
pub fn workloads(env: &Environment, snapshot: &Snapshot) -> Vec<Workload> {
    let mut out: Vec<Workload> = Vec::new();
    for o in &env.objects {
        let r = &o.reference;
        let workload = match (r.group.as_str(), r.kind.as_str()) {
            ("batch", "Job") => Workload {
                reference: r.clone(),
                selector: Some(Selector::Job(r.name.clone())),
                status_says: None,
            },
            _ => {
                let Some(kind @ (Kind::Deployment | Kind::StatefulSet)) =
                    Kind::of(&r.group, &r.kind)
                else {
                    continue;
                };
                let object = snapshot
                    .objects_of(kind)
                    .iter()
                    .find(|w| w.metadata.namespace() == r.namespace && w.metadata.name() == r.name);
                let selector = object
                    .and_then(|w| w.spec.selector.clone())
                    .filter(|s| !s.match_labels.is_empty() || !s.match_expressions.is_empty())
                    .map(Selector::Labels);
                Workload {
                    reference: r.clone(),
                    selector,
                    status_says: object
                        .and_then(|w| why_no_pods(&w.spec, &w.status, w.metadata.annotations())),
                }
            }
        };
        if !out.iter().any(|w| w.reference == workload.reference) {
            out.push(workload);
        }
    }
    out
}

/// A workload scaled to 0 (by `suspend --scale-to-zero` or by hand), or the message of a
/// condition that is not as it should be.
fn why_no_pods(
    spec: &ObjectSpec,
    status: &ObjectStatus,
    annotations: &BTreeMap<String, String>,
) -> Option<String> {
    if spec.replicas() == Some(0) {
        return Some(match annotations.get(REPLICAS_ANNOTATION) {
            Some(n) => {
                format!("scaled to 0 by `suspend --scale-to-zero` (resume scales it back to {n})")
            }
            None => "scaled to 0".into(),
        });
    }
    let bad = |type_: &str, value: &str| {
        status
            .conditions
            .iter()
            .find(|c| c.type_ == type_ && c.status == value)
    };
    let c = bad("ReplicaFailure", "True")
        .or_else(|| bad("Progressing", "False"))
        .or_else(|| bad("Available", "False"))?;
    Some(format!("{}: {}", c.reason, c.message))
}

/// The label pairs every workload of `namespace` selects by: a server-side selector for the pod
/// LIST and watch of that namespace, when they share one (the seed's `pr-env`, or the one
/// workload's own). `None`: the namespace's pods are listed whole and matched here.
pub fn common_labels(workloads: &[Workload], namespace: &str) -> Option<String> {
    let mut common: Option<BTreeMap<String, String>> = None;
    for w in workloads
        .iter()
        .filter(|w| w.reference.namespace == namespace)
    {
        let pairs: BTreeMap<String, String> = match &w.selector {
            Some(Selector::Labels(s)) => s.match_labels.clone(),
            // A Job's pods are selected by one of two labels: no single pair holds for all.
            Some(Selector::Job(_)) | None => return None,
        };
        common = Some(match common {
            None => pairs,
            Some(c) => c
                .into_iter()
                .filter(|(k, v)| pairs.get(k) == Some(v))
                .collect(),
        });
    }
    let common = common.filter(|c| !c.is_empty())?;
    // Only keys and values the API server would take in a selector: anything else, list whole.
    let valid = |s: &str, key: bool| {
        !s.is_empty()
            && s.len() <= if key { 317 } else { 63 }
            && s.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') || (key && c == '/')
            })
    };
    common
        .iter()
        .all(|(k, v)| valid(k, true) && (v.is_empty() || valid(v, false)))
        .then(|| {
            common
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
}

/// What `logs` is asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only containers of this name (`-c`).
    pub container: Option<String>,
    /// The previous instance of each container (`--previous`).
    pub previous: bool,
}

/// One container whose log is streamed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stream {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// The pod's uid and the container's restart count: a restarted container is a new stream.
    pub pod_uid: String,
    pub restarts: i32,
    pub workload: ObjectRef,
    /// The container runs now (a follow stream of it should not end yet).
    pub running: bool,
}

impl Stream {
    /// `pod/container`, the prefix of its lines.
    pub fn label(&self) -> String {
        format!("{}/{}", self.pod, self.container)
    }

    /// What identifies one instance of a container.
    pub fn key(&self) -> (String, String, String, i32) {
        (
            self.namespace.clone(),
            self.pod_uid.clone(),
            self.container.clone(),
            self.restarts,
        )
    }
}

/// Why something of the environment has no log to show.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Note {
    /// A workload without any pod (with what its status says, when it says something).
    NoPods {
        workload: ObjectRef,
        why: Option<String>,
    },
    /// A workload whose pods cannot be looked for (not read).
    Unknown { workload: ObjectRef },
    /// A container that has not started: ImagePullBackOff, CrashLoopBackOff, ContainerCreating…
    Waiting {
        pod: String,
        container: String,
        reason: String,
        message: String,
    },
    /// A pod no container of which has started yet (not scheduled, for example).
    Pending { pod: String, why: String },
    /// `-c NAME`: a pod without a container of that name.
    NoContainer { pod: String, container: String },
    /// `--previous`: a container that has not restarted.
    NoPrevious { pod: String, container: String },
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::NoPods {
                workload,
                why: Some(why),
            } => write!(f, "{workload}: no pods: {why}"),
            Note::NoPods {
                workload,
                why: None,
            } => write!(f, "{workload}: no pods"),
            Note::Unknown { workload } => {
                write!(
                    f,
                    "{workload}: its pods cannot be found (the workload was not read)"
                )
            }
            Note::Waiting {
                pod,
                container,
                reason,
                message,
            } if message.is_empty() => {
                write!(f, "{pod}/{container}: waiting: {reason}")
            }
            Note::Waiting {
                pod,
                container,
                reason,
                message,
            } => {
                write!(f, "{pod}/{container}: waiting: {reason}: {message}")
            }
            Note::Pending { pod, why } => write!(f, "{pod}: not started: {why}"),
            Note::NoContainer { pod, container } => write!(f, "{pod}: no container {container:?}"),
            Note::NoPrevious { pod, container } => {
                write!(
                    f,
                    "{pod}/{container}: no previous instance (it has not restarted)"
                )
            }
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub streams: Vec<Stream>,
    pub notes: Vec<Note>,
}

/// The workload a pod belongs to: the first whose selector selects it, in its namespace.
pub fn owner<'a>(workloads: &'a [Workload], pod: &Pod) -> Option<&'a Workload> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or_default();
    let labels = pod.metadata.labels.clone().unwrap_or_default();
    workloads.iter().find(|w| {
        w.reference.namespace == ns && w.selector.as_ref().is_some_and(|s| s.matches(&labels))
    })
}

/// The streams of every pod of every workload, and a note for each workload without pods.
pub fn plan(workloads: &[Workload], pods: &[Pod], opts: &Options) -> Plan {
    let mut plan = Plan::default();
    let mut with_pods: Vec<&ObjectRef> = Vec::new();
    for pod in pods {
        let Some(w) = owner(workloads, pod) else {
            continue;
        };
        if pod.metadata.deletion_timestamp.is_some() && !has_started(pod) {
            continue;
        }
        with_pods.push(&w.reference);
        let (streams, notes) = containers(pod, &w.reference, opts);
        plan.streams.extend(streams);
        plan.notes.extend(notes);
    }
    for w in workloads {
        if with_pods.contains(&&w.reference) {
            continue;
        }
        plan.notes.push(match w.selector {
            Some(_) => Note::NoPods {
                workload: w.reference.clone(),
                why: w.status_says.clone(),
            },
            None => Note::Unknown {
                workload: w.reference.clone(),
            },
        });
    }
    plan.streams.sort();
    plan
}

fn has_started(pod: &Pod) -> bool {
    statuses(pod).iter().any(|(_, s)| {
        s.as_ref()
            .and_then(|s| s.state.as_ref())
            .is_some_and(|st| st.waiting.is_none())
    })
}

/// Init containers then containers, each with its status when the kubelet reported one.
fn statuses(pod: &Pod) -> Vec<(&Container, Option<&ContainerStatus>)> {
    fn pair<'a>(
        cs: Option<&'a Vec<Container>>,
        ss: Option<&'a Vec<ContainerStatus>>,
    ) -> impl Iterator<Item = (&'a Container, Option<&'a ContainerStatus>)> {
        cs.into_iter()
            .flatten()
            .map(move |c| (c, ss.into_iter().flatten().find(|s| s.name == c.name)))
    }
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    pair(
        spec.and_then(|s| s.init_containers.as_ref()),
        status.and_then(|s| s.init_container_statuses.as_ref()),
    )
    .chain(pair(
        spec.map(|s| &s.containers),
        status.and_then(|s| s.container_statuses.as_ref()),
    ))
    .collect()
}

/// A pod's containers to stream, and notes for those that have nothing to show.
pub fn containers(pod: &Pod, workload: &ObjectRef, opts: &Options) -> (Vec<Stream>, Vec<Note>) {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let all = statuses(pod);
    let mut streams = Vec::new();
    let mut notes = Vec::new();
    let chosen: Vec<_> = all
        .iter()
        .filter(|(c, _)| opts.container.as_ref().is_none_or(|n| *n == c.name))
        .collect();
    if let (Some(wanted), true) = (&opts.container, chosen.is_empty()) {
        notes.push(Note::NoContainer {
            pod: name,
            container: wanted.clone(),
        });
        return (streams, notes);
    }
    if !opts.previous && all.iter().all(|(_, s)| s.is_none()) {
        notes.push(Note::Pending {
            pod: name,
            why: pending_why(pod),
        });
        return (streams, notes);
    }
    for (c, status) in chosen {
        let stream = |restarts: i32, running: bool| Stream {
            namespace: namespace.clone(),
            pod: name.clone(),
            container: c.name.clone(),
            pod_uid: uid.clone(),
            restarts,
            workload: workload.clone(),
            running,
        };
        let Some(s) = status else { continue };
        if opts.previous {
            if s.last_state
                .as_ref()
                .and_then(|l| l.terminated.as_ref())
                .is_some()
            {
                streams.push(stream(s.restart_count, false));
            } else {
                notes.push(Note::NoPrevious {
                    pod: name.clone(),
                    container: c.name.clone(),
                });
            }
            continue;
        }
        let state = s.state.as_ref();
        match state.and_then(|st| st.waiting.as_ref()) {
            Some(w) if state.is_some_and(|st| st.running.is_none() && st.terminated.is_none()) => {
                notes.push(Note::Waiting {
                    pod: name.clone(),
                    container: c.name.clone(),
                    reason: w.reason.clone().unwrap_or_default(),
                    message: w.message.clone().unwrap_or_default(),
                })
            }
            _ if state.is_none() => {}
            _ => streams.push(stream(
                s.restart_count,
                state.is_some_and(|st| st.running.is_some()),
            )),
        }
    }
    (streams, notes)
}

/// A pending pod's PodScheduled message, or its phase.
fn pending_why(pod: &Pod) -> String {
    let status = pod.status.as_ref();
    status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| {
            c.iter()
                .find(|c| c.type_ == "PodScheduled" && c.status == "False")
        })
        .map(|c| {
            format!(
                "{}: {}",
                c.reason.as_deref().unwrap_or("Unschedulable"),
                c.message.as_deref().unwrap_or_default()
            )
        })
        .unwrap_or_else(|| {
            status
                .and_then(|s| s.phase.clone())
                .unwrap_or_else(|| "Pending".into())
        })
}

/// A line as the kubelet sends it with `timestamps=true`: the RFC 3339 time, a space, the text.
pub fn split_timestamp(line: &str) -> Option<(jiff::Timestamp, &str)> {
    let (ts, rest) = line.split_once(' ')?;
    Some((ts.parse().ok()?, rest))
}

/// Picks a follow stream up again where it dropped: the next request asks for lines since the
/// second of the last line seen (the API takes whole seconds), and the lines of that second
/// already printed are skipped. A line's identity is its timestamp and its place among the
/// lines of the same timestamp.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resume {
    last: Option<jiff::Timestamp>,
    /// Lines printed with the timestamp `last`.
    at_last: usize,
    /// While replaying after a reconnect: the lines of `last` still to skip.
    skip: Option<(jiff::Timestamp, usize)>,
}

impl Resume {
    /// Whether a line with this timestamp is new (and then counts it as printed).
    pub fn admit(&mut self, ts: jiff::Timestamp) -> bool {
        if let Some((t, n)) = self.skip {
            if ts < t {
                return false;
            }
            if ts == t && n > 0 {
                self.skip = Some((t, n - 1));
                return false;
            }
            self.skip = None;
        }
        if self.last == Some(ts) {
            self.at_last += 1;
        } else if self.last.is_none_or(|l| ts > l) {
            self.last = Some(ts);
            self.at_last = 1;
        }
        true
    }

    /// The `sinceTime` of the next request (the last line's second, rounded down), and from
    /// then on, skip what was printed already. `None`: nothing was printed, start over.
    pub fn reconnect(&mut self) -> Option<jiff::Timestamp> {
        let last = self.last?;
        self.skip = Some((last, self.at_last));
        let second = last.as_second();
        jiff::Timestamp::from_second(second).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::attribution::Rule;
    use crate::model::environments::EnvObject;
    use proptest::prelude::*;
    use serde_json::Value;
    use serde_json::json;

    fn pod(name: &str, labels: Value, containers: &[&str], statuses: Value) -> Pod {
        let cs: Vec<Value> = containers
            .iter()
            .map(|c| json!({"name": c, "image": "x"}))
            .collect();
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "app-dev", "uid": format!("uid-{name}"), "labels": labels},
            "spec": {"containers": cs},
            "status": statuses,
        }))
        .unwrap()
    }

    fn running(name: &str) -> Value {
        json!({"name": name, "image": "x", "imageID": "", "ready": true, "restartCount": 0, "state": {"running": {}}})
    }

    fn deployment(name: &str, app: &str) -> Workload {
        Workload {
            reference: ObjectRef::new("apps", "Deployment", "app-dev", name),
            selector: Some(Selector::Labels(
                serde_json::from_value(json!({"matchLabels": {"app": app, "pr-env": "pr-1"}}))
                    .unwrap(),
            )),
            status_says: None,
        }
    }

    #[test]
    fn workloads_come_from_the_environments_objects() {
        let entry = |group: &str, kind: &str, name: &str| EnvObject {
            reference: ObjectRef::new(group, kind, "app-dev", name),
            attributed_by: Rule::Inventory {
                parent: "Kustomization/app-dev/api-pr-1".into(),
            },
            ready: None,
            message: None,
            found: true,
        };
        let mut snapshot = Snapshot::default();
        snapshot.objects.insert(
            Kind::Deployment,
            vec![
                serde_json::from_value(json!({
                    "metadata": {"name": "api-1", "namespace": "app-dev", "annotations": {REPLICAS_ANNOTATION: "2"}},
                    "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "api"}}}}))
                .unwrap(),
                serde_json::from_value(json!({
                    "metadata": {"name": "web-1", "namespace": "app-dev"},
                    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}},
                    "status": {"conditions": [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability."}]}}))
                .unwrap(),
            ],
        );
        let mut env = test_env();
        env.objects = vec![
            entry("apps", "Deployment", "api-1"),
            entry("apps", "Deployment", "web-1"),
            entry("apps", "StatefulSet", "db-1"),
            entry("batch", "Job", "migrate-1"),
            entry("", "Service", "api-1"),
        ];
        let ws = workloads(&env, &snapshot);
        let names: Vec<&str> = ws.iter().map(|w| w.reference.name.as_str()).collect();
        assert_eq!(names, ["api-1", "web-1", "db-1", "migrate-1"]);
        assert!(
            ws[0]
                .status_says
                .as_deref()
                .unwrap()
                .contains("resume scales it back to 2")
        );
        assert_eq!(
            ws[1].status_says.as_deref(),
            Some("MinimumReplicasUnavailable: Deployment does not have minimum availability.")
        );
        assert_eq!(ws[2].selector, None, "a StatefulSet that was not read");
        assert_eq!(ws[3].selector, Some(Selector::Job("migrate-1".into())));
    }

    fn test_env() -> Environment {
        let provider = serde_json::from_value(json!({
            "metadata": {"name": "p", "namespace": "app-dev"},
            "spec": {"type": "GitHubPullRequest"},
            "status": {"exportedInputs": [{"id": "1", "sha": "abc", "branch": "b"}]}
        }))
        .unwrap();
        let rset = serde_json::from_value(json!({
            "metadata": {"name": "api", "namespace": "app-dev"},
            "spec": {"inputsFrom": [{"kind": "ResourceSetInputProvider", "name": "p"}]},
        }))
        .unwrap();
        let s = Snapshot {
            providers: vec![provider],
            resource_sets: vec![rset],
            ..Default::default()
        };
        crate::model::environments::build(&s, &Vec::new())
            .environments
            .remove(0)
    }

    #[test]
    fn the_plan_streams_started_containers_and_says_why_others_have_nothing() {
        let ws = vec![
            deployment("api-1", "api"),
            deployment("web-1", "web"),
            Workload {
                reference: ObjectRef::new("batch", "Job", "app-dev", "migrate-1"),
                selector: Some(Selector::Job("migrate-1".into())),
                status_says: None,
            },
        ];
        let labels = |app: &str| json!({"app": app, "pr-env": "pr-1"});
        let pods = vec![
            pod(
                "api-1-a",
                labels("api"),
                &["api", "sidecar"],
                json!({"phase": "Running", "containerStatuses": [
                running("api"),
                {"name": "sidecar", "image": "x", "imageID": "", "ready": false, "restartCount": 3,
                 "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}},
                 "lastState": {"terminated": {"exitCode": 1}}}]}),
            ),
            pod(
                "web-1-a",
                labels("web"),
                &["web"],
                json!({"phase": "Pending", "containerStatuses": [
                {"name": "web", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]}),
            ),
            pod("other", labels("other"), &["x"], json!({})),
            pod(
                "migrate-1-z",
                json!({"batch.kubernetes.io/job-name": "migrate-1"}),
                &["migrate"],
                json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/2 nodes are available"}]}),
            ),
        ];
        let p = plan(&ws, &pods, &Options::default());
        assert_eq!(
            p.streams.iter().map(Stream::label).collect::<Vec<_>>(),
            ["api-1-a/api"]
        );
        assert!(p.streams[0].running);
        assert_eq!(
            p.notes.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "api-1-a/sidecar: waiting: CrashLoopBackOff: back-off 40s",
                "web-1-a/web: waiting: ImagePullBackOff: Back-off pulling image",
                "migrate-1-z: not started: Unschedulable: 0/2 nodes are available",
            ]
        );
        // --previous: the sidecar that restarted; the others say they have none.
        let p = plan(
            &ws,
            &pods,
            &Options {
                previous: true,
                ..Options::default()
            },
        );
        assert_eq!(
            p.streams.iter().map(Stream::label).collect::<Vec<_>>(),
            ["api-1-a/sidecar"]
        );
        assert!(p.notes.contains(&Note::NoPrevious {
            pod: "api-1-a".into(),
            container: "api".into()
        }));
        // -c: only that container; a pod without it says so.
        let p = plan(
            &ws[..2],
            &pods,
            &Options {
                container: Some("api".into()),
                ..Options::default()
            },
        );
        assert_eq!(
            p.streams.iter().map(Stream::label).collect::<Vec<_>>(),
            ["api-1-a/api"]
        );
        assert!(p.notes.contains(&Note::NoContainer {
            pod: "web-1-a".into(),
            container: "api".into()
        }));
        // Without pods.
        let mut scaled = deployment("api-1", "api");
        scaled.status_says = Some("scaled to 0".into());
        let p = plan(&[scaled], &[], &Options::default());
        assert_eq!(
            p.notes[0].to_string(),
            "Deployment/app-dev/api-1: no pods: scaled to 0"
        );
    }

    #[test]
    fn a_shared_label_selects_server_side() {
        let ws = vec![deployment("api-1", "api"), deployment("web-1", "web")];
        assert_eq!(
            common_labels(&ws, "app-dev").as_deref(),
            Some("pr-env=pr-1")
        );
        assert_eq!(
            common_labels(&ws[..1], "app-dev").as_deref(),
            Some("app=api,pr-env=pr-1")
        );
        assert_eq!(common_labels(&ws, "elsewhere"), None);
        let mut job = ws.clone();
        job.push(Workload {
            reference: ObjectRef::new("batch", "Job", "app-dev", "m"),
            selector: Some(Selector::Job("m".into())),
            status_says: None,
        });
        assert_eq!(common_labels(&job, "app-dev"), None);
    }

    fn ts(s: i64, n: i32) -> jiff::Timestamp {
        jiff::Timestamp::new(1_790_000_000 + s, n).unwrap()
    }

    #[test]
    fn timestamps_split_from_the_line() {
        let (t, rest) = split_timestamp("2026-11-26T03:04:05.123456789Z hello world").unwrap();
        assert_eq!(t.to_string(), "2026-11-26T03:04:05.123456789Z");
        assert_eq!(rest, "hello world");
        assert_eq!(split_timestamp("no timestamp here"), None);
    }

    proptest! {
        /// Lines with non-decreasing timestamps (several in one second, several with the same
        /// timestamp), a stream dropped after any of them: what the reconnect sends from the
        /// requested second on, filtered by `Resume`, completes the lines exactly.
        #[test]
        fn a_reconnect_neither_repeats_nor_loses_a_line(
            steps in proptest::collection::vec((0i64..3, 0i32..3), 1..40),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
        ) {
            let mut t = (0i64, 0i32);
            let lines: Vec<jiff::Timestamp> = steps.iter().map(|(ds, dn)| {
                t = if *ds == 0 { (t.0, t.1 + dn * 100_000_000) } else { (t.0 + ds, *dn) };
                ts(t.0, t.1.min(999_999_999))
            }).collect();
            let mut cut_at: Vec<usize> = cuts.iter().map(|i| i.index(lines.len())).collect();
            cut_at.sort();
            let mut printed = Vec::new();
            let mut resume = Resume::default();
            let mut from = 0usize;
            for cut in cut_at.into_iter().chain([lines.len()]) {
                // The server sends every line from `from` on, until the stream drops after `cut`.
                for (i, l) in lines.iter().enumerate().skip(from) {
                    if i > cut { break; }
                    if resume.admit(*l) { printed.push(i); }
                }
                let since = resume.reconnect();
                from = match since {
                    Some(s) => lines.iter().position(|l| *l >= s).unwrap_or(lines.len()),
                    None => 0,
                };
            }
            prop_assert_eq!(printed, (0..lines.len()).collect::<Vec<_>>());
        }
    }
}
