//! The STATUS of an environment, worst first: Failed, Progressing, Outdated, Suspended, Pending,
//! Ready; Unknown when the cluster would not tell (e.g. forbidden to read).
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::flux::RECONCILE_ANNOTATION;
use crate::inventory::ObjectRef;
use crate::objects::{Condition, FluxObject, Object, ResourceSet, find_condition};

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
}

impl Health {
    fn new(status: Status, message: impl Into<String>) -> Self {
        Health {
            status,
            message: message.into(),
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
    let name = format!("{}/{}/{}", o.kind, o.metadata.namespace, o.metadata.name);
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

fn workload_health(r: &ObjectRef, w: &Object) -> Option<Health> {
    let conditions = w.status.get("conditions").and_then(Value::as_array);
    if let Some(c) = conditions.and_then(|cs| {
        cs.iter().find(|c| {
            c.get("type").and_then(Value::as_str) == Some("Progressing")
                && c.get("reason").and_then(Value::as_str) == Some("ProgressDeadlineExceeded")
        })
    }) {
        let msg = c
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("progress deadline exceeded");
        return Some(Health::new(Status::Failed, format!("{r}: {msg}")));
    }
    let want = w.spec.get("replicas").and_then(Value::as_i64).unwrap_or(1);
    let field = if r.kind == "StatefulSet" {
        "readyReplicas"
    } else {
        "availableReplicas"
    };
    let have = w.status.get(field).and_then(Value::as_i64).unwrap_or(0);
    let observed = w.status.get("observedGeneration").and_then(Value::as_i64);
    if generation_behind(w.metadata.generation, observed) {
        return Some(Health::new(
            Status::Progressing,
            format!("{r}: rollout not observed yet"),
        ));
    }
    (have < want).then(|| Health::new(Status::Progressing, format!("{r}: {have}/{want} available")))
}

pub fn evaluate(input: &Input<'_>) -> Health {
    let mut findings: Vec<Health> = Vec::new();
    if let Some(msg) = input.resource_set.and_then(stalled_build) {
        findings.push(Health::new(Status::Failed, msg));
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
        && !crate::deployed::same_commit(head, deployed)
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
        .any(|o| o.suspended() || disabled(&o.metadata.annotations))
        || input
            .resource_set
            .is_some_and(|r| disabled(&r.metadata.annotations));
    if suspended {
        let what: Vec<String> = input
            .flux
            .iter()
            .filter(|o| o.suspended() || disabled(&o.metadata.annotations))
            .map(|o| format!("{}/{}/{}", o.kind, o.metadata.namespace, o.metadata.name))
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

pub fn short(sha: &str) -> &str {
    &sha[..sha.len().min(7)]
}

#[cfg(test)]
mod tests {
    use super::*;
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
            "status": {"observedGeneration": 1, "availableReplicas": 1}}),
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
