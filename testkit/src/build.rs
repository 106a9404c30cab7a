//! Builders for fixtures beyond the seed: providers of every change-request type, ResourceSets
//! by name or selector, Flux objects with status and inventory, and the objects they apply.
use serde_json::{Value, json};

use crate::seed::{condition, inventory_id, now, owner_labels};

pub fn provider(ns: &str, name: &str, type_: &str, inputs: Vec<Value>) -> Value {
    json!({"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSetInputProvider",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"type": type_, "url": "https://git.example.com/org/app"},
        "status": {"conditions": [condition("Ready", "True", "ReconciliationSucceeded", "Reconciliation finished in 1s")],
                   "exportedInputs": inputs}})
}

/// A PR input with every optional key; drop keys with `Value::as_object_mut().remove`.
pub fn pr(id: &str, sha: &str, branch: &str) -> Value {
    json!({"id": id, "sha": sha, "branch": branch, "title": format!("PR {id}"), "author": "dev", "labels": ["preview"]})
}

/// A 40-hex sha derived from a number (distinct per number).
pub fn sha(n: u32) -> String {
    format!(
        "{:08x}{:032x}",
        n,
        (n as u128).wrapping_mul(0x9e3779b97f4a7c15)
    )
}

pub fn resource_set(
    ns: &str,
    name: &str,
    inputs_from: Value,
    resources: Vec<Value>,
    status: Value,
) -> Value {
    json!({"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSet",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"inputsFrom": inputs_from, "resources": resources},
        "status": status})
}

/// Ready ResourceSet status with an inventory of `(namespace, name, group, kind, version)`.
pub fn rset_ready(entries: &[(&str, &str, &str, &str, &str)]) -> Value {
    json!({"conditions": [condition("Ready", "True", "ReconciliationSucceeded", "Reconciliation finished in 2s")],
           "inventory": {"entries": inventory(entries)},
           "lastAppliedRevision": "sha256:0000000000000000000000000000000000000000000000000000000000000001"})
}

pub fn rset_stalled(message: &str, entries: &[(&str, &str, &str, &str, &str)]) -> Value {
    json!({"conditions": [condition("Ready", "False", "BuildFailed", message), condition("Stalled", "True", "BuildFailed", message)],
           "inventory": {"entries": inventory(entries)}})
}

pub fn inventory(entries: &[(&str, &str, &str, &str, &str)]) -> Vec<Value> {
    entries
        .iter()
        .map(
            |(ns, name, group, kind, v)| json!({"id": inventory_id(ns, name, group, kind), "v": v}),
        )
        .collect()
}

/// The Kustomization template of the seed, for `spec.resources`.
pub fn kustomization_template(ns: &str) -> Value {
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "web-<< inputs.id >>", "namespace": ns},
        "spec": {"interval": "10m", "prune": true, "path": "./deploy",
                 "sourceRef": {"kind": "GitRepository", "name": "repo"},
                 "postBuild": {"substitute": {"PR_NUMBER": "<< inputs.id | quote >>", "COMMIT_SHA": "<< inputs.sha >>"}}}})
}

pub struct Ks<'a> {
    pub ns: &'a str,
    pub name: &'a str,
    pub rset: &'a str,
    pub commit: &'a str,
    pub ready: (&'a str, &'a str, &'a str),
    pub suspend: bool,
    pub inventory: &'a [(&'a str, &'a str, &'a str, &'a str, &'a str)],
}

pub fn kustomization(k: Ks<'_>) -> Value {
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": k.name, "namespace": k.ns, "labels": owner_labels(k.rset, k.ns)},
        "spec": {"interval": "10m", "prune": true, "path": "./deploy", "suspend": k.suspend,
                 "sourceRef": {"kind": "GitRepository", "name": "repo"},
                 "postBuild": {"substitute": {"COMMIT_SHA": k.commit}}},
        "status": {"observedGeneration": 1, "conditions": [condition("Ready", k.ready.0, k.ready.1, k.ready.2)],
                   "inventory": {"entries": inventory(k.inventory)}}})
}

pub fn ingress(ns: &str, name: &str, host: &str, tls: bool) -> Value {
    let mut spec = json!({"rules": [{"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix",
        "backend": {"service": {"name": name, "port": {"number": 80}}}}]}}]});
    if tls {
        spec["tls"] = json!([{"hosts": [host]}]);
    }
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": name, "namespace": ns}, "spec": spec})
}

pub fn http_route(ns: &str, name: &str, hostnames: &[&str]) -> Value {
    json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": name, "namespace": ns},
        "spec": {"parentRefs": [{"name": "preview-gateway"}], "hostnames": hostnames,
                 "rules": [{"backendRefs": [{"name": name, "port": 80}]}]}})
}

pub fn deployment(ns: &str, name: &str, available: bool) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:1"}]}}},
        "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1,
                   "readyReplicas": if available { 1 } else { 0 }, "availableReplicas": if available { 1 } else { 0 }}})
}

pub fn config_map(ns: &str, name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns, "labels": labels}, "data": {"k": "v"}})
}

pub fn warning_event(
    ns: &str,
    kind: &str,
    api_version: &str,
    name: &str,
    reason: &str,
    message: &str,
) -> Value {
    json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{name}.{:x}", rand::random::<u32>()), "namespace": ns},
        "involvedObject": {"kind": kind, "name": name, "namespace": ns, "apiVersion": api_version},
        "type": "Warning", "reason": reason, "message": message, "count": 3,
        "firstTimestamp": now(), "lastTimestamp": now(), "source": {"component": "kustomize-controller"}})
}
