//! The seed document's `api` service as a fixture: the `api-prs` provider and the `api-pr-envs`
//! ResourceSet exactly as the seed writes them, three exported pull requests, the Kustomizations
//! the ResourceSet rendered for them and the objects those applied, all with realistic status.
use serde_json::{Value, json};

/// One exported pull request of the fixture and what the cluster shows for it.
#[derive(Debug, Clone)]
pub struct SeedPr {
    pub id: &'static str,
    /// The head commit the provider exports.
    pub sha: &'static str,
    /// The commit rendered into the environment's Kustomization (`postBuild.substitute.COMMIT_SHA`).
    pub rendered_sha: &'static str,
    pub branch: &'static str,
    pub title: &'static str,
    pub author: &'static str,
    /// `None`: Ready. `Some(message)`: Ready=False with a health-check failure.
    pub failure: Option<&'static str>,
}

pub const SEED_PRS: [SeedPr; 3] = [
    SeedPr {
        id: "1234",
        sha: "3f9c1e2a7b8d4c6e0f1a2b3c4d5e6f7a8b9c0d1e",
        rendered_sha: "3f9c1e2a7b8d4c6e0f1a2b3c4d5e6f7a8b9c0d1e",
        branch: "feature/checkout-redesign",
        title: "Redesign the checkout flow",
        author: "frontend-dev",
        failure: None,
    },
    SeedPr {
        id: "1289",
        sha: "9a8b7c6d5e4f30211f2e3d4c5b6a79881726354a",
        rendered_sha: "9a8b7c6d5e4f30211f2e3d4c5b6a79881726354a",
        branch: "fix/rate-limits",
        title: "Tighten API rate limits",
        author: "backend-dev",
        failure: Some(
            "health check failed after 5m0s: timeout waiting for: [Deployment/{ns}/api-deployment-1289 status: 'InProgress']",
        ),
    },
    SeedPr {
        id: "1301",
        sha: "c0ffee4b1d2e3f405162738495a6b7c8d9e0f1a2",
        rendered_sha: "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f",
        branch: "feat/bulk-export",
        title: "Bulk export endpoint",
        author: "backend-dev",
        failure: None,
    },
];

pub const GIT_REVISION: &str = "main@sha1:7d1f0c3b2a4e5f60718293a4b5c6d7e8f9a0b1c2";
pub const LOAD_BALANCER_IP: &str = "203.0.113.10";

pub fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

pub fn condition(type_: &str, status: &str, reason: &str, message: &str) -> Value {
    json!({"type": type_, "status": status, "reason": reason, "message": message,
           "lastTransitionTime": now(), "observedGeneration": 1})
}

/// `<namespace>_<name>_<group>_<kind>`, the inventory id format of the Flux Operator and Flux.
pub fn inventory_id(namespace: &str, name: &str, group: &str, kind: &str) -> String {
    format!("{namespace}_{}_{group}_{kind}", name.replace(':', "__"))
}

pub fn owner_labels(rset: &str, ns: &str) -> Value {
    json!({"resourceset.fluxcd.controlplane.io/name": rset, "resourceset.fluxcd.controlplane.io/namespace": ns})
}

/// The seed scenario in `ns` (the seed uses `app-dev`), with the shared `app-common-dev`
/// Kustomization in `infra_ns` (the seed uses `flux-system`).
pub fn api_scenario(ns: &str, infra_ns: &str) -> Vec<Value> {
    let mut objects = vec![
        json!({"apiVersion": "v1", "kind": "Secret",
               "metadata": {"name": "azure-devops-auth", "namespace": ns},
               "type": "Opaque", "stringData": {"username": "git", "password": "not-a-real-token"}}),
        common_kustomization(infra_ns),
        provider(ns),
        resource_set(ns, infra_ns),
    ];
    for pr in &SEED_PRS {
        objects.extend(environment(ns, infra_ns, pr));
    }
    objects
}

/// Objects that must exist before the scenario (namespaces are created by the caller).
pub fn flux_report(ns: &str, operator_version: &str) -> Value {
    json!({"apiVersion": "fluxcd.controlplane.io/v1", "kind": "FluxReport",
           "metadata": {"name": "flux", "namespace": ns},
           "spec": {"distribution": {"entitlement": "Issued by controlplane", "status": "Installed", "version": "v2.9.4"},
                    "operator": {"apiVersion": "fluxcd.controlplane.io/v1", "version": operator_version, "platform": "linux/amd64"}}})
}

fn common_kustomization(infra_ns: &str) -> Value {
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "app-common-dev", "namespace": infra_ns},
        "spec": {"interval": "10m", "prune": true, "wait": true, "path": "./clusters/eks/apps/common",
                 "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
        "status": {"observedGeneration": 1, "lastAppliedRevision": GIT_REVISION, "lastAttemptedRevision": GIT_REVISION,
                   "conditions": [condition("Ready", "True", "ReconciliationSucceeded", &format!("Applied revision: {GIT_REVISION}"))]}})
}

fn provider(ns: &str) -> Value {
    let inputs: Vec<Value> = SEED_PRS
        .iter()
        .map(|pr| json!({"id": pr.id, "sha": pr.sha, "branch": pr.branch, "title": pr.title, "author": pr.author,
                          "labels": ["build/image-ready"]}))
        .collect();
    json!({"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSetInputProvider",
        "metadata": {"name": "api-prs", "namespace": ns, "annotations": {"fluxcd.controlplane.io/reconcileEvery": "5m"}},
        "spec": {"type": "AzureDevOpsPullRequest", "url": "https://dev.azure.com/{org}/{project}/_git/api",
                 "secretRef": {"name": "azure-devops-auth"}, "skip": {"labels": ["!build/image-ready"]}},
        "status": {"conditions": [condition("Ready", "True", "ReconciliationSucceeded", "Reconciliation finished in 812ms")],
                   "exportedInputs": inputs,
                   "lastExportedRevision": "sha256:6f1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f30211f2e3d4c5b6a79881"}})
}

fn resource_set(ns: &str, infra_ns: &str) -> Value {
    let entries: Vec<Value> = SEED_PRS
        .iter()
        .map(|pr| json!({"id": inventory_id(ns, &format!("api-pr-{}", pr.id), "kustomize.toolkit.fluxcd.io", "Kustomization"), "v": "v1"}))
        .collect();
    let digest = "sha256:2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a190807f6e5d4c3b2a1908f7e6d5c4";
    // The seed's ResourceSet as the real-stack story applies it, with the status the operator
    // writes.
    let mut rset = crate::story::Story::new(ns, infra_ns).resource_set();
    rset["status"] = json!({
            "conditions": [condition("Ready", "True", "ReconciliationSucceeded", "Reconciliation finished in 1.8s")],
            "inventory": {"entries": entries},
            "lastAppliedRevision": digest,
            "history": [{"digest": digest, "firstReconciled": now(), "lastReconciled": now(),
                         "lastReconciledDuration": "1.8s", "lastReconciledStatus": "ReconciliationSucceeded",
                         "totalReconciliations": 12, "metadata": {"inputs": "3", "resources": "3"}}]});
    rset
}

/// The Kustomization rendered for one PR and the Deployment, Service and Ingress it applied.
pub fn environment(ns: &str, infra_ns: &str, pr: &SeedPr) -> Vec<Value> {
    let id = pr.id;
    let ks_name = format!("api-pr-{id}");
    let host = format!("api-{id}.preview.example.com");
    let applied_labels = json!({"app": "api", "pr-env": format!("pr-{id}"),
        "kustomize.toolkit.fluxcd.io/name": ks_name, "kustomize.toolkit.fluxcd.io/namespace": ns});
    let ready = match pr.failure {
        None => condition(
            "Ready",
            "True",
            "ReconciliationSucceeded",
            &format!("Applied revision: {GIT_REVISION}"),
        ),
        Some(msg) => condition(
            "Ready",
            "False",
            "HealthCheckFailed",
            &msg.replace("{ns}", ns),
        ),
    };
    let mut labels = owner_labels("api-pr-envs", ns);
    labels
        .as_object_mut()
        .unwrap()
        .insert("pr-env".into(), json!(format!("pr-{id}")));
    let kustomization = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": ks_name, "namespace": ns, "labels": owner_labels("api-pr-envs", ns)},
        "spec": {"dependsOn": [{"name": "app-common-dev", "namespace": infra_ns}],
                 "interval": "10m", "retryInterval": "1m", "prune": true, "wait": false,
                 "sourceRef": {"kind": "GitRepository", "name": "flux-system", "namespace": infra_ns},
                 "path": "./clusters/eks/apps/api/pr-template",
                 "postBuild": {"substitute": {"PR_NUMBER": id, "COMMIT_SHA": pr.rendered_sha}}},
        "status": {"observedGeneration": 1, "lastAppliedRevision": GIT_REVISION, "lastAttemptedRevision": GIT_REVISION,
                   "conditions": [ready],
                   "inventory": {"entries": [
                       {"id": inventory_id(ns, &format!("api-{id}"), "", "Service"), "v": "v1"},
                       {"id": inventory_id(ns, &format!("api-deployment-{id}"), "apps", "Deployment"), "v": "v1"},
                       {"id": inventory_id(ns, &format!("api-ingress-{id}"), "networking.k8s.io", "Ingress"), "v": "v1"}]}}});
    let available = pr.failure.is_none();
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": format!("api-deployment-{id}"), "namespace": ns, "labels": applied_labels},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "api", "pr-env": format!("pr-{id}")}},
             "template": {"metadata": {"labels": {"app": "api", "pr-env": format!("pr-{id}")},
                                       "annotations": {"app/commit-sha": pr.rendered_sha}},
                          "spec": {"containers": [{"name": "api", "image": format!("registry.example.com/api:pr-{id}"),
                                    "env": [{"name": "PUBLIC_URL", "value": format!("https://{host}")}]}]}}},
    "status": if available {
        json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1,
               "conditions": [
                   {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability.", "lastUpdateTime": now(), "lastTransitionTime": now()},
                   {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "message": format!("ReplicaSet \"api-deployment-{id}-6d4cf56db6\" has successfully progressed."), "lastUpdateTime": now(), "lastTransitionTime": now()}]})
    } else {
        json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "unavailableReplicas": 1,
               "conditions": [
                   {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability.", "lastUpdateTime": now(), "lastTransitionTime": now()},
                   {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "message": format!("ReplicaSet \"api-deployment-{id}-7f9b8c6d5\" is progressing."), "lastUpdateTime": now(), "lastTransitionTime": now()}]})
    }});
    let service = json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": format!("api-{id}"), "namespace": ns, "labels": applied_labels},
        "spec": {"selector": {"app": "api", "pr-env": format!("pr-{id}")}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}});
    let ingress = json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": format!("api-ingress-{id}"), "namespace": ns, "labels": applied_labels},
        "spec": {"rules": [{"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix",
                  "backend": {"service": {"name": format!("api-{id}"), "port": {"number": 80}}}}]}}],
                 "tls": [{"hosts": [host]}]},
        "status": {"loadBalancer": {"ingress": [{"ip": LOAD_BALANCER_IP}]}}});
    vec![kustomization, deployment, service, ingress]
}
