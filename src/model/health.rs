//! The STATUS of an environment, worst first: Failed, Progressing, Outdated, Suspended, Pending,
//! Ready; Unknown when the cluster would not tell (e.g. forbidden to read).
use std::fmt;

use serde::Serialize;

use crate::model::flux::RECONCILE_ANNOTATION;
use crate::model::inventory::ObjectRef;
use crate::model::objects::{Condition, FluxObject, Identity, Object, ResourceSet, find_condition};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Status {
    Failed,
    Progressing,
    Outdated,
    Suspended,
    Pending,
    Ready,
    Unknown,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Failed,
        Status::Progressing,
        Status::Outdated,
        Status::Suspended,
        Status::Pending,
        Status::Ready,
        Status::Unknown,
    ];

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL
            .into_iter()
            .find(|s| s.to_string().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Status::Failed => "Failed",
            Status::Progressing => "Progressing",
            Status::Outdated => "Outdated",
            Status::Suspended => "Suspended",
            Status::Pending => "Pending",
            Status::Ready => "Ready",
            Status::Unknown => "Unknown",
        };
        f.pad(s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    pub status: Status,
    pub message: String,
    #[serde(skip)]
    pub cause: Cause,
}

/// What the status is about: this environment, or its ResourceSet (a broken template fails every
/// PR of it, whatever commit each runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cause {
    #[default]
    Environment,
    ResourceSet,
}

impl Health {
    fn new(status: Status, message: impl Into<String>) -> Self {
        Health {
            status,
            message: message.into(),
            cause: Cause::Environment,
        }
    }
}

/// State of a `dependsOn` target, looked up in the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dependency {
    Ready,
    NotReady(String),
    /// Not in the snapshot (out of scope, forbidden or absent).
    Unknown,
}

/// A pod's terminal waiting reason for a workload (`get` lists pods).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodProblem {
    pub workload: ObjectRef,
    pub pod: String,
    pub reason: String,
}

pub const TERMINAL_POD_REASONS: [&str; 5] = [
    "ImagePullBackOff",
    "ErrImagePull",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "InvalidImageName",
];

/// Everything health needs to know of one environment.
pub struct Input<'a> {
    pub resource_set: Option<&'a ResourceSet>,
    /// The environment's own Kustomizations/HelmReleases (attributed from the ResourceSet).
    pub flux: Vec<&'a FluxObject>,
    /// Whether anything of the ResourceSet's inventory was attributed to the PR.
    pub rendered: bool,
    pub dependency: &'a dyn Fn(&str, &str) -> Dependency,
    /// Deployments and StatefulSets found in nested inventories.
    pub workloads: Vec<(&'a ObjectRef, &'a Object)>,
    pub pod_problems: Vec<PodProblem>,
    pub head_sha: Option<&'a str>,
    pub deployed_sha: Option<&'a str>,
    /// Why the environment's objects could not be read, if they could not.
    pub unreadable: Option<String>,
}

fn disabled(annotations: &std::collections::BTreeMap<String, String>) -> bool {
    annotations
        .get(RECONCILE_ANNOTATION)
        .is_some_and(|v| v.eq_ignore_ascii_case("disabled"))
}

fn stalled_build(rset: &ResourceSet) -> Option<String> {
    let c = &rset.status.conditions;
    let ready = find_condition(c, "Ready");
    let stalled = find_condition(c, "Stalled").is_some_and(|s| s.status == "True");
    let build_failed = ready.is_some_and(|r| {
        r.status == "False" && (r.reason == "BuildFailed" || r.reason == "InvalidCELExpression")
    });
    (stalled || build_failed).then(|| {
        let cond = ready
            .filter(|r| r.status == "False")
            .or_else(|| find_condition(c, "Stalled"));
        match cond {
            Some(r) => format!("ResourceSet {}: {}", r.reason, r.message),
            None => "ResourceSet is stalled".to_string(),
        }
    })
}

fn generation_behind(generation: Option<i64>, observed: Option<i64>) -> bool {
    matches!((generation, observed), (Some(g), Some(o)) if o < g)
        || (generation.is_some() && observed.is_none())
}

/// Health of one Flux object: `None` when it is Ready at its generation.
fn flux_health(o: &FluxObject, dependency: &dyn Fn(&str, &str) -> Dependency) -> Option<Health> {
    let name = format!(
        "{}/{}/{}",
        o.kind,
        o.metadata.namespace(),
        o.metadata.name()
    );
    let ready = find_condition(&o.status.conditions, "Ready");
    let reconciling =
        find_condition(&o.status.conditions, "Reconciling").is_some_and(|c| c.status == "True");
    let waiting = || {
        o.depends_on()
            .into_iter()
            .find_map(|(ns, dep)| match dependency(&ns, &dep) {
                Dependency::NotReady(why) => Some(Health::new(
                    Status::Progressing,
                    format!(
                        "waiting for {ns}/{dep}{}",
                        if why.is_empty() {
                            String::new()
                        } else {
                            format!(": {why}")
                        }
                    ),
                )),
                _ => None,
            })
    };
    match ready {
        Some(Condition {
            status,
            reason,
            message,
            ..
        }) if status == "False" => {
            if reason == "DependencyNotReady" {
                return Some(waiting().unwrap_or_else(|| {
                    Health::new(Status::Progressing, format!("{name}: {message}"))
                }));
            }
            if reason == "HealthCheckCanceled" {
                return Some(Health::new(
                    Status::Progressing,
                    format!("{name}: {message}"),
                ));
            }
            Some(Health::new(Status::Failed, format!("{name}: {message}")))
        }
        Some(c) if c.status == "True" && !reconciling => {
            let observed = o.status.observed_generation.or(c.observed_generation);
            if generation_behind(o.metadata.generation, observed) {
                return Some(Health::new(
                    Status::Progressing,
                    format!("{name}: new generation not reconciled yet"),
                ));
            }
            waiting()
        }
        Some(c) => Some(waiting().unwrap_or_else(|| {
            let msg = if c.message.is_empty() {
                "reconciliation in progress"
            } else {
                c.message.as_str()
            };
            Health::new(Status::Progressing, format!("{name}: {msg}"))
        })),
        None => Some(waiting().unwrap_or_else(|| {
            Health::new(Status::Progressing, format!("{name}: not reconciled yet"))
        })),
    }
}

/// Where a Deployment's or StatefulSet's rollout stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollout {
    /// Every replica runs the current spec and is ready: the new commit serves. The message
    /// says how many (`2/2 available`).
    Complete(String),
    /// Not there yet; the message says what is missing (`1/2 updated`).
    Progressing(String),
    /// The controller gave up (`ProgressDeadlineExceeded`).
    Failed(String),
}

impl Rollout {
    pub fn is_complete(&self) -> bool {
        matches!(self, Rollout::Complete(_))
    }

    pub fn message(&self) -> &str {
        match self {
            Rollout::Complete(m) | Rollout::Progressing(m) | Rollout::Failed(m) => m,
        }
    }
}

/// The one readiness rule for workloads, the kstatus rules Flux uses: the controller has observed
/// the current generation, and every wanted replica is updated, ready and (Deployments)
/// available, with no old replica left over; a StatefulSet has also rolled its update revision
/// out. Counting available replicas alone would call a Deployment ready in the middle of a
/// rollout, while old pods still serve the previous commit. `spec.replicas` defaults to 1.
pub fn rollout(kind: &str, w: &Object) -> Rollout {
    let status = &w.status;
    if let Some(c) = status
        .conditions
        .iter()
        .find(|c| c.type_ == "Progressing" && c.reason == "ProgressDeadlineExceeded")
    {
        let msg = if c.message.is_empty() {
            "progress deadline exceeded"
        } else {
            &c.message
        };
        return Rollout::Failed(msg.to_string());
    }
    let observed = status.observed_generation;
    if generation_behind(w.metadata.generation, observed) {
        return Rollout::Progressing("rollout not observed yet".into());
    }
    let want = w.spec.replicas().unwrap_or(1);
    let total = status.replicas.unwrap_or(0);
    let updated = status.updated_replicas.unwrap_or(0);
    let ready = status.ready_replicas.unwrap_or(0);
    let stateful = kind == "StatefulSet";
    if stateful {
        let strategy = w.spec.update_strategy.as_ref();
        let on_delete = strategy.and_then(|s| s.type_.as_deref()) == Some("OnDelete");
        let partition = strategy
            .and_then(|s| s.rolling_update.as_ref())
            .and_then(|r| r.partition)
            .unwrap_or(0);
        fn text(f: &Option<String>) -> Option<&str> {
            f.as_deref().filter(|s| !s.is_empty())
        }
        // OnDelete replaces pods only when someone deletes them, and a partition holds the
        // lower ordinals back on purpose: the revisions then differ by design.
        let rolling = !on_delete;
        let to_update = want.saturating_sub(partition.max(0));
        if rolling && partition > 0 && updated < to_update {
            return Rollout::Progressing(format!(
                "{updated}/{to_update} updated above partition {partition}"
            ));
        }
        if rolling
            && partition <= 0
            && let Some(update) = text(&status.update_revision)
            && text(&status.current_revision) != Some(update)
        {
            return Rollout::Progressing(format!("{updated}/{want} updated to revision {update}"));
        }
    } else if updated != want {
        return Rollout::Progressing(format!("{updated}/{want} updated"));
    }
    if !stateful {
        let available = status.available_replicas.unwrap_or(0);
        if available != want {
            return Rollout::Progressing(format!("{available}/{want} available"));
        }
    }
    if ready != want {
        return Rollout::Progressing(format!("{ready}/{want} ready"));
    }
    if total > want {
        return Rollout::Progressing(format!(
            "{} old replica(s) still running",
            total.saturating_sub(want)
        ));
    }
    if total < want {
        return Rollout::Progressing(format!("{total}/{want} replicas"));
    }
    Rollout::Complete(if stateful {
        format!("{ready}/{want} ready")
    } else {
        format!("{want}/{want} available")
    })
}

fn workload_health(r: &ObjectRef, w: &Object) -> Option<Health> {
    match rollout(&r.kind, w) {
        Rollout::Complete(_) => None,
        Rollout::Progressing(why) => Some(Health::new(Status::Progressing, format!("{r}: {why}"))),
        Rollout::Failed(why) => Some(Health::new(Status::Failed, format!("{r}: {why}"))),
    }
}

pub fn evaluate(input: &Input<'_>) -> Health {
    let mut findings: Vec<Health> = Vec::new();
    if let Some(msg) = input.resource_set.and_then(stalled_build) {
        findings.push(Health {
            cause: Cause::ResourceSet,
            ..Health::new(Status::Failed, msg)
        });
    }
    if let Some(why) = &input.unreadable
        && findings.is_empty()
    {
        return Health::new(Status::Unknown, why.clone());
    }
    if !input.rendered {
        if let Some(f) = findings.into_iter().next() {
            return f;
        }
        return Health::new(
            Status::Pending,
            "exported by the provider, nothing rendered for it yet",
        );
    }
    for o in &input.flux {
        if let Some(h) = flux_health(o, input.dependency) {
            findings.push(h);
        }
    }
    for p in &input.pod_problems {
        findings.push(Health::new(
            Status::Failed,
            format!("{}: pod {} is in {}", p.workload, p.pod, p.reason),
        ));
    }
    for (r, w) in &input.workloads {
        if let Some(h) = workload_health(r, w) {
            findings.push(h);
        }
    }
    if let (Some(head), Some(deployed)) = (input.head_sha, input.deployed_sha)
        && !crate::model::deployed::same_commit(head, deployed)
    {
        findings.push(Health::new(
            Status::Outdated,
            format!(
                "runs {} but the PR head is {}",
                short(deployed),
                short(head)
            ),
        ));
    }
    let suspended = input
        .flux
        .iter()
        .any(|o| o.suspended() || disabled(o.metadata.annotations()))
        || input
            .resource_set
            .is_some_and(|r| disabled(r.metadata.annotations()));
    if suspended {
        let what: Vec<String> = input
            .flux
            .iter()
            .filter(|o| o.suspended() || disabled(o.metadata.annotations()))
            .map(|o| {
                format!(
                    "{}/{}/{}",
                    o.kind,
                    o.metadata.namespace(),
                    o.metadata.name()
                )
            })
            .collect();
        let msg = if what.is_empty() {
            "reconciliation of the ResourceSet is disabled".to_string()
        } else {
            format!("suspended: {}", what.join(", "))
        };
        findings.push(Health::new(Status::Suspended, msg));
    }
    findings.sort_by_key(|h| h.status);
    findings
        .into_iter()
        .next()
        .unwrap_or_else(|| Health::new(Status::Ready, ""))
}

/// The first seven characters of a commit id, as git abbreviates it. Characters, not bytes: the
/// sha comes from the provider's exported inputs and may be anything.
pub fn short(sha: &str) -> &str {
    match sha.char_indices().nth(7) {
        Some((end, _)) => sha.get(..end).unwrap_or(sha),
        None => sha,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;

    fn flux(v: Value) -> FluxObject {
        serde_json::from_value(v).unwrap()
    }

    fn ks(ready: &str, reason: &str, message: &str) -> FluxObject {
        flux(
            json!({"kind": "Kustomization", "metadata": {"name": "api-pr-1", "namespace": "ns", "generation": 1},
            "spec": {"dependsOn": [{"name": "common", "namespace": "infra"}]},
            "status": {"observedGeneration": 1, "conditions": [{"type": "Ready", "status": ready, "reason": reason, "message": message}]}}),
        )
    }

    fn eval_with(
        objs: &[&FluxObject],
        dep: Dependency,
        head: Option<&str>,
        deployed: Option<&str>,
    ) -> Health {
        let dep_fn = move |_: &str, _: &str| dep.clone();
        evaluate(&Input {
            resource_set: None,
            flux: objs.to_vec(),
            rendered: !objs.is_empty(),
            dependency: &dep_fn,
            workloads: vec![],
            pod_problems: vec![],
            head_sha: head,
            deployed_sha: deployed,
            unreadable: None,
        })
    }

    const HEAD: &str = "c0ffee4b1d2e3f405162738495a6b7c8d9e0f1a2";
    const OLD: &str = "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f";

    #[test]
    fn table_of_states() {
        let ready = ks("True", "ReconciliationSucceeded", "Applied");
        let failed = ks("False", "HealthCheckFailed", "health check failed");
        let canceled = ks(
            "False",
            "HealthCheckCanceled",
            "New reconciliation triggered",
        );
        let unknown = ks("Unknown", "Progressing", "Reconciliation in progress");
        let dep = ks(
            "False",
            "DependencyNotReady",
            "dependency 'infra/common' is not ready",
        );
        let mut behind = ks("True", "ReconciliationSucceeded", "Applied");
        behind.metadata.generation = Some(2);
        let mut suspended = ks("True", "ReconciliationSucceeded", "Applied");
        suspended.spec["suspend"] = json!(true);
        let cases: Vec<(&str, Health, Status, &str)> = vec![
            (
                "ready",
                eval_with(&[&ready], Dependency::Ready, Some(HEAD), Some(HEAD)),
                Status::Ready,
                "",
            ),
            (
                "failed",
                eval_with(&[&failed], Dependency::Ready, Some(HEAD), Some(HEAD)),
                Status::Failed,
                "health check failed",
            ),
            (
                "canceled is not final",
                eval_with(&[&canceled], Dependency::Ready, None, None),
                Status::Progressing,
                "New reconciliation",
            ),
            (
                "unknown",
                eval_with(&[&unknown], Dependency::Ready, None, None),
                Status::Progressing,
                "in progress",
            ),
            (
                "dependency",
                eval_with(
                    &[&dep],
                    Dependency::NotReady("not ready".into()),
                    None,
                    None,
                ),
                Status::Progressing,
                "waiting for infra/common",
            ),
            (
                "ready but dependency down",
                eval_with(&[&ready], Dependency::NotReady(String::new()), None, None),
                Status::Progressing,
                "waiting for infra/common",
            ),
            (
                "generation behind",
                eval_with(&[&behind], Dependency::Ready, None, None),
                Status::Progressing,
                "new generation",
            ),
            (
                "outdated",
                eval_with(&[&ready], Dependency::Ready, Some(HEAD), Some(OLD)),
                Status::Outdated,
                "runs 5e6f7a8 but the PR head is c0ffee4",
            ),
            (
                "short deployed sha is the head",
                eval_with(&[&ready], Dependency::Ready, Some(HEAD), Some("c0ffee4")),
                Status::Ready,
                "",
            ),
            (
                "suspended",
                eval_with(&[&suspended], Dependency::Ready, Some(HEAD), Some(HEAD)),
                Status::Suspended,
                "suspended: Kustomization/ns/api-pr-1",
            ),
            (
                "failed beats outdated",
                eval_with(&[&failed], Dependency::Ready, Some(HEAD), Some(OLD)),
                Status::Failed,
                "",
            ),
            (
                "pending",
                eval_with(&[], Dependency::Ready, Some(HEAD), None),
                Status::Pending,
                "nothing rendered",
            ),
            (
                "unknown dependency is not a wait",
                eval_with(&[&ready], Dependency::Unknown, None, None),
                Status::Ready,
                "",
            ),
        ];
        for (name, got, status, msg) in cases {
            assert_eq!(got.status, status, "{name}: {got:?}");
            assert!(got.message.contains(msg), "{name}: {got:?}");
        }
    }

    #[test]
    fn stalled_resourceset_fails_every_pr() {
        let rset: ResourceSet = serde_json::from_value(json!({"metadata": {"name": "r"}, "status": {"conditions": [
            {"type": "Ready", "status": "False", "reason": "BuildFailed", "message": "build failed: map has no entry for key \"labels\""},
            {"type": "Stalled", "status": "True", "reason": "BuildFailed", "message": "x"}]}}))
        .unwrap();
        let dep_fn = |_: &str, _: &str| Dependency::Ready;
        for rendered in [true, false] {
            let h = evaluate(&Input {
                resource_set: Some(&rset),
                flux: vec![],
                rendered,
                dependency: &dep_fn,
                workloads: vec![],
                pod_problems: vec![],
                head_sha: None,
                deployed_sha: None,
                unreadable: None,
            });
            assert_eq!(h.status, Status::Failed);
            assert!(h.message.contains("BuildFailed"), "{h:?}");
        }
    }

    #[test]
    fn workloads_and_pods() {
        let ready = ks("True", "ReconciliationSucceeded", "Applied");
        let r = ObjectRef::new("apps", "Deployment", "ns", "api");
        let unavailable: Object = serde_json::from_value(
            json!({"metadata": {"generation": 1}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 1, "availableReplicas": 1}}),
        )
        .unwrap();
        let dep_fn = |_: &str, _: &str| Dependency::Ready;
        let mut input = Input {
            resource_set: None,
            flux: vec![&ready],
            rendered: true,
            dependency: &dep_fn,
            workloads: vec![(&r, &unavailable)],
            pod_problems: vec![],
            head_sha: None,
            deployed_sha: None,
            unreadable: None,
        };
        let h = evaluate(&input);
        assert_eq!(
            (h.status, h.message.as_str()),
            (Status::Progressing, "Deployment/ns/api: 1/2 available")
        );
        input.pod_problems.push(PodProblem {
            workload: r.clone(),
            pod: "api-x".into(),
            reason: "ImagePullBackOff".into(),
        });
        let h = evaluate(&input);
        assert_eq!(h.status, Status::Failed);
        assert!(h.message.contains("ImagePullBackOff"));
    }

    fn workload(v: Value) -> Object {
        serde_json::from_value(v).unwrap()
    }

    /// A Deployment of `want` replicas at generation 2 with these status counts.
    fn deployment(want: i64, replicas: i64, updated: i64, ready: i64, available: i64) -> Object {
        workload(
            json!({"metadata": {"generation": 2}, "spec": {"replicas": want},
            "status": {"observedGeneration": 2, "replicas": replicas, "updatedReplicas": updated,
                       "readyReplicas": ready, "availableReplicas": available}}),
        )
    }

    #[test]
    fn deployments_are_ready_only_when_the_rollout_is_complete() {
        let cases: Vec<(&str, Object, Option<&str>)> = vec![
            ("steady", deployment(2, 2, 2, 2, 2), None),
            (
                // The old ReplicaSet still serves every request: availableReplicas >= replicas
                // held here, and this used to count as Ready.
                "old pods available, new ones not yet",
                deployment(2, 3, 1, 2, 2),
                Some("1/2 updated"),
            ),
            (
                "updated but not available yet",
                deployment(2, 2, 2, 2, 1),
                Some("1/2 available"),
            ),
            (
                "updated and available but not ready",
                deployment(2, 2, 2, 1, 2),
                Some("1/2 ready"),
            ),
            (
                "surplus old replicas terminating",
                deployment(2, 3, 2, 2, 2),
                Some("1 old replica(s) still running"),
            ),
            (
                "more available than wanted (old pods still up)",
                deployment(2, 4, 2, 4, 4),
                Some("4/2 available"),
            ),
            (
                "too few replicas",
                deployment(2, 1, 2, 2, 2),
                Some("1/2 replicas"),
            ),
            (
                "generation not observed",
                workload(
                    json!({"metadata": {"generation": 3}, "spec": {"replicas": 1},
                    "status": {"observedGeneration": 2, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1}}),
                ),
                Some("rollout not observed yet"),
            ),
            (
                "spec.replicas missing means 1",
                workload(json!({"metadata": {"generation": 1}, "spec": {},
                    "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1}})),
                None,
            ),
            (
                "spec.replicas missing, nothing up",
                workload(
                    json!({"metadata": {"generation": 1}, "status": {"observedGeneration": 1}}),
                ),
                Some("0/1 updated"),
            ),
            ("scaled to zero", deployment(0, 0, 0, 0, 0), None),
        ];
        for (name, w, want) in cases {
            let got = rollout("Deployment", &w);
            match want {
                None => assert!(got.is_complete(), "{name}: {got:?}"),
                Some(msg) => assert_eq!(got, Rollout::Progressing(msg.into()), "{name}"),
            }
        }
        let stuck = workload(
            json!({"metadata": {"generation": 1}, "spec": {"replicas": 1},
            "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 1, "availableReplicas": 1,
                       "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                                       "message": "ReplicaSet \"api-7f\" has timed out progressing."}]}}),
        );
        assert_eq!(
            rollout("Deployment", &stuck),
            Rollout::Failed("ReplicaSet \"api-7f\" has timed out progressing.".into())
        );
    }

    #[test]
    fn statefulsets_are_ready_when_the_update_revision_is_current() {
        let sts = |spec: Value, status: Value| {
            let mut status = status;
            status["observedGeneration"] = json!(1);
            workload(json!({"metadata": {"generation": 1}, "spec": spec, "status": status}))
        };
        let steady = sts(
            json!({"replicas": 2}),
            json!({"replicas": 2, "readyReplicas": 2, "updatedReplicas": 2,
                   "currentRevision": "db-5d8f", "updateRevision": "db-5d8f"}),
        );
        assert_eq!(
            rollout("StatefulSet", &steady),
            Rollout::Complete("2/2 ready".into())
        );
        let mismatch = sts(
            json!({"replicas": 2}),
            json!({"replicas": 2, "readyReplicas": 2, "updatedReplicas": 1,
                   "currentRevision": "db-5d8f", "updateRevision": "db-7c9a"}),
        );
        assert_eq!(
            rollout("StatefulSet", &mismatch),
            Rollout::Progressing("1/2 updated to revision db-7c9a".into()),
            "every pod ready, but one still runs the old revision"
        );
        let no_revision_yet = sts(json!({}), json!({"replicas": 1, "readyReplicas": 1}));
        assert!(rollout("StatefulSet", &no_revision_yet).is_complete());
        let not_ready = sts(
            json!({"replicas": 3}),
            json!({"replicas": 3, "readyReplicas": 2, "currentRevision": "a", "updateRevision": "a"}),
        );
        assert_eq!(
            rollout("StatefulSet", &not_ready),
            Rollout::Progressing("2/3 ready".into())
        );
        let surplus = sts(
            json!({"replicas": 1}),
            json!({"replicas": 2, "readyReplicas": 1, "currentRevision": "a", "updateRevision": "a"}),
        );
        assert!(!rollout("StatefulSet", &surplus).is_complete());
        let on_delete = sts(
            json!({"replicas": 1, "updateStrategy": {"type": "OnDelete"}}),
            json!({"replicas": 1, "readyReplicas": 1, "currentRevision": "a", "updateRevision": "b"}),
        );
        assert!(
            rollout("StatefulSet", &on_delete).is_complete(),
            "OnDelete waits for a person"
        );
        let partitioned = |updated: i64| {
            sts(
                json!({"replicas": 3, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}}),
                json!({"replicas": 3, "readyReplicas": 3, "updatedReplicas": updated,
                       "currentRevision": "a", "updateRevision": "b"}),
            )
        };
        assert!(rollout("StatefulSet", &partitioned(1)).is_complete());
        assert_eq!(
            rollout("StatefulSet", &partitioned(0)),
            Rollout::Progressing("0/1 updated above partition 2".into())
        );
    }

    #[test]
    fn mid_rollout_is_progressing_not_ready() {
        let ready = ks("True", "ReconciliationSucceeded", "Applied");
        let r = ObjectRef::new("apps", "Deployment", "ns", "api");
        // The new commit is rendered and applied (deployed == head), the old pods still serve.
        let rolling = deployment(1, 2, 1, 1, 1);
        let dep_fn = |_: &str, _: &str| Dependency::Ready;
        let h = evaluate(&Input {
            resource_set: None,
            flux: vec![&ready],
            rendered: true,
            dependency: &dep_fn,
            workloads: vec![(&r, &rolling)],
            pod_problems: vec![],
            head_sha: Some(HEAD),
            deployed_sha: Some(HEAD),
            unreadable: None,
        });
        assert_eq!(
            (h.status, h.message.as_str()),
            (
                Status::Progressing,
                "Deployment/ns/api: 1 old replica(s) still running"
            )
        );
    }

    #[test]
    fn short_shas_cut_characters_not_bytes() {
        assert_eq!(short(HEAD), "c0ffee4");
        assert_eq!(short("abc"), "abc");
        assert_eq!(short(""), "");
        assert_eq!(short("ééééééééé"), "ééééééé");
        assert_eq!(short("a\u{1F600}b"), "a\u{1F600}b");
    }

    #[test]
    fn unreadable_is_unknown() {
        let dep_fn = |_: &str, _: &str| Dependency::Ready;
        let h = evaluate(&Input {
            resource_set: None,
            flux: vec![],
            rendered: true,
            dependency: &dep_fn,
            workloads: vec![],
            pod_problems: vec![],
            head_sha: None,
            deployed_sha: None,
            unreadable: Some("forbidden to list kustomizations".into()),
        });
        assert_eq!(h.status, Status::Unknown);
    }
}
