//! The real stack is real: on its control plane (`testenv.sh up --stack`), the controllers the
//! plugin meets in a user's cluster do the work. No test here writes a status a controller owns;
//! each creates objects and waits for what the real controllers make of them.
//! - kube-controller-manager, kube-scheduler and KWOK: Deployments get ReplicaSets and pods that
//!   are scheduled, Running and Ready; a rollout replaces pods; a namespace really goes away.
//! - the Flux Operator: a ResourceSet renders an object per provider input, lists them in its
//!   inventory, and collects the object of an input that is gone.
//! - source-controller and kustomize-controller: a missing source is reported with Flux's reason;
//!   a Helm repository index is fetched from a loopback server and served by the artifact server;
//!   an artifact is built, applied, health-checked and pruned.
use std::collections::BTreeSet;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::{Client, ResourceExt};
use serde_json::{Value, json};
use testkit::fixture;
use testkit::http::{self, Server};
use testkit::stack::{Check, eventually, tarball};

const WAIT: Duration = Duration::from_secs(60);

fn dynamic(client: &Client, ns: &str, api_version: &str, kind: &str) -> Api<DynamicObject> {
    Api::namespaced_with(
        client.clone(),
        ns,
        &fixture::api_resource(api_version, kind),
    )
}

/// `type=status reason` of a condition, for comparisons and failure messages.
fn condition(obj: &DynamicObject, kind: &str) -> Option<(String, String, String)> {
    obj.data["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
        .map(|c| {
            (
                c["status"].as_str().unwrap_or_default().to_string(),
                c["reason"].as_str().unwrap_or_default().to_string(),
                c["message"].as_str().unwrap_or_default().to_string(),
            )
        })
}

fn inventory_ids(obj: &DynamicObject) -> BTreeSet<String> {
    obj.data["status"]["inventory"]["entries"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn pod_is_running_and_ready(pod: &Pod) -> bool {
    let status = pod.status.as_ref();
    status.and_then(|s| s.phase.as_deref()) == Some("Running")
        && status
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
        && pod.metadata.deletion_timestamp.is_none()
}

fn template_hash(pod: &Pod) -> String {
    pod.labels()
        .get("pod-template-hash")
        .cloned()
        .unwrap_or_default()
}

async fn gone<K>(api: &Api<K>, name: &str) -> Check<()>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    Ok(match api.get_opt(name).await? {
        None => Ok(()),
        Some(obj) => Err(format!(
            "{name} still there (deleting: {})",
            obj.meta().deletion_timestamp.is_some()
        )),
    })
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn deployments_get_replicasets_and_running_pods_roll_out_and_namespaces_delete() {
    let stack = testkit::require_stack!();
    let client = stack.admin().await.unwrap();
    let ns = fixture::namespace(&client, "stack-deploy").await.unwrap();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    let replicasets: Api<ReplicaSet> = Api::namespaced(client.clone(), &ns);
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
    // minReadySeconds keeps a new pod unavailable for 2 s after it is Ready, so the rolling update
    // (one extra pod at a time, none unavailable) has old and new pods side by side for a while.
    let deployment: Deployment = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {
            "replicas": 2,
            "minReadySeconds": 2,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "registry.invalid/web:1"}]}
            }
        }
    }))
    .unwrap();
    deployments
        .create(&PostParams::default(), &deployment)
        .await
        .unwrap();

    let first_hash = eventually("2 pods Running and Ready, the Deployment available", WAIT, || async {
        let d = deployments.get("web").await?;
        let s = d.status.clone().unwrap_or_default();
        let rs = replicasets.list(&ListParams::default()).await?.items;
        let ps = pods.list(&ListParams::default()).await?.items;
        let ready: Vec<&Pod> = ps.iter().filter(|p| pod_is_running_and_ready(p)).collect();
        let on_kwok = ready.iter().all(|p| {
            p.spec
                .as_ref()
                .and_then(|s| s.node_name.as_deref())
                .is_some_and(|n| n.starts_with("kwok-node-"))
                && p.status.as_ref().and_then(|s| s.pod_ip.as_deref()).is_some()
        });
        if s.available_replicas == Some(2) && rs.len() == 1 && ready.len() == 2 && ps.len() == 2 && on_kwok {
            Ok(Ok(template_hash(ready[0])))
        } else {
            Ok(Err(format!(
                "available {:?}, {} ReplicaSets, {} pods, {} Running and Ready, on KWOK nodes with IPs: {on_kwok}",
                s.available_replicas,
                rs.len(),
                ps.len(),
                ready.len()
            )))
        }
    })
    .await
    .unwrap();
    let rs = replicasets
        .list(&ListParams::default())
        .await
        .unwrap()
        .items;
    let owner = rs[0].owner_references();
    assert_eq!(owner.len(), 1);
    assert_eq!(
        (owner[0].kind.as_str(), owner[0].name.as_str()),
        ("Deployment", "web")
    );

    // A rollout: a new pod template gets a new ReplicaSet; while it rolls, both generations run.
    deployments
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"template": {"metadata": {"annotations": {"kubectl-preview.test/revision": "2"}}}}})),
        )
        .await
        .unwrap();
    let side_by_side = std::cell::Cell::new(false);
    let new_hash = eventually("the rollout to finish with only new pods", WAIT, || {
        let (deployments, replicasets, pods, first_hash) =
            (&deployments, &replicasets, &pods, &first_hash);
        let side_by_side = &side_by_side;
        async move {
            let d = deployments.get("web").await?;
            let s = d.status.clone().unwrap_or_default();
            let rs = replicasets.list(&ListParams::default()).await?.items;
            let ps = pods.list(&ListParams::default()).await?.items;
            let hashes: BTreeSet<String> = ps
                .iter()
                .filter(|p| pod_is_running_and_ready(p))
                .map(template_hash)
                .collect();
            if hashes.len() == 2 {
                side_by_side.set(true);
            }
            let finished = s.observed_generation == d.metadata.generation
                && s.updated_replicas == Some(2)
                && s.available_replicas == Some(2)
                && s.replicas == Some(2);
            let new: Vec<String> = ps.iter().map(template_hash).collect();
            if finished && rs.len() == 2 && ps.len() == 2 && new.iter().all(|h| h != first_hash) {
                Ok(Ok(new[0].clone()))
            } else {
                Ok(Err(format!(
                    "status {s:?}; {} ReplicaSets; pods of templates {new:?}",
                    rs.len()
                )))
            }
        }
    })
    .await
    .unwrap();
    assert!(
        side_by_side.get(),
        "old and new pods were never Running side by side during the rolling update"
    );
    let rs = replicasets
        .list(&ListParams::default())
        .await
        .unwrap()
        .items;
    let replicas = |hash: &str| {
        rs.iter()
            .find(|r| r.labels().get("pod-template-hash").map(String::as_str) == Some(hash))
            .and_then(|r| r.spec.as_ref().and_then(|s| s.replicas))
    };
    assert_eq!(
        replicas(&first_hash),
        Some(0),
        "the old ReplicaSet is scaled to 0 and kept"
    );
    assert_eq!(replicas(&new_hash), Some(2));

    // Deleting the namespace really deletes it: its pods go (KWOK lets them), then the namespace.
    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces
        .delete(&ns, &DeleteParams::default())
        .await
        .unwrap();
    eventually("the namespace to be deleted", WAIT, || {
        gone(&namespaces, &ns)
    })
    .await
    .unwrap();
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn flux_operator_renders_an_object_per_input_and_collects_a_removed_one() {
    let stack = testkit::require_stack!();
    let client = stack.admin().await.unwrap();
    let ns = fixture::namespace(&client, "stack-rset").await.unwrap();
    for tenant in ["a", "b"] {
        fixture::create(
            &client,
            &json!({
                "apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSetInputProvider",
                "metadata": {"name": format!("tenant-{tenant}"), "namespace": ns, "labels": {"smoke": "tenants"}},
                "spec": {"type": "Static", "defaultValues": {"tenant": tenant}}
            }),
        )
        .await
        .unwrap();
    }
    fixture::create(
        &client,
        &json!({
            "apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSet",
            "metadata": {"name": "tenants", "namespace": ns},
            "spec": {
                "inputsFrom": [{"kind": "ResourceSetInputProvider", "selector": {"matchLabels": {"smoke": "tenants"}}}],
                "resources": [{
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "tenant-<< inputs.tenant >>", "namespace": ns},
                    // The rendered text is parsed as YAML again: an id of digits needs quoting
                    // to stay a string (unquoted, the API server rejects the ConfigMap).
                    "data": {"tenant": "<< inputs.tenant >>", "id": "<< inputs.id | quote >>"}
                }]
            }
        }),
    )
    .await
    .unwrap();
    let rsets = dynamic(&client, &ns, "fluxcd.controlplane.io/v1", "ResourceSet");
    let providers = dynamic(
        &client,
        &ns,
        "fluxcd.controlplane.io/v1",
        "ResourceSetInputProvider",
    );
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let id = |name: &str| format!("{ns}_{name}__ConfigMap");

    let want: BTreeSet<String> = [id("tenant-a"), id("tenant-b")].into();
    let rset = eventually(
        "the ResourceSet Ready with both ConfigMaps in its inventory",
        WAIT,
        || async {
            let r = rsets.get("tenants").await?;
            let ready = condition(&r, "Ready");
            if ready.as_ref().is_some_and(|(s, _, _)| s == "True") && inventory_ids(&r) == want {
                Ok(Ok(r))
            } else {
                Ok(Err(format!(
                    "Ready {ready:?}, inventory {:?}",
                    inventory_ids(&r)
                )))
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(
        condition(&rset, "Ready")
            .map(|(_, reason, _)| reason)
            .as_deref(),
        Some("ReconciliationSucceeded")
    );
    for tenant in ["a", "b"] {
        let cm = configmaps.get(&format!("tenant-{tenant}")).await.unwrap();
        let labels = cm.labels();
        assert_eq!(
            labels
                .get("resourceset.fluxcd.controlplane.io/name")
                .map(String::as_str),
            Some("tenants")
        );
        assert_eq!(
            labels
                .get("resourceset.fluxcd.controlplane.io/namespace")
                .map(String::as_str),
            Some(ns.as_str())
        );
        let data = cm.data.clone().unwrap_or_default();
        assert_eq!(data.get("tenant").map(String::as_str), Some(tenant));
        // The Static provider's input id is the operator's (a checksum of the provider's UID),
        // exported in its status: the rendered id is that one.
        let provider = providers.get(&format!("tenant-{tenant}")).await.unwrap();
        let exported = &provider.data["status"]["exportedInputs"];
        assert_eq!(exported[0]["tenant"], tenant, "{exported}");
        assert_eq!(
            data.get("id").map(String::as_str),
            exported[0]["id"].as_str()
        );
    }

    // The input of tenant b goes away and the ResourceSet is asked to reconcile (as `render`
    // does): the operator garbage-collects tenant b's ConfigMap. (Without the request it usually
    // notices the provider's deletion by itself, but once in about ten loaded runs it had not
    // after 60 s, so the test does not rely on it.)
    providers
        .delete("tenant-b", &DeleteParams::default())
        .await
        .unwrap();
    rsets
        .patch(
            "tenants",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"annotations": {
                "reconcile.fluxcd.io/requestedAt": jiff::Timestamp::now().to_string()}}})),
        )
        .await
        .unwrap();
    eventually("tenant b's ConfigMap to be collected", WAIT, || {
        gone(&configmaps, "tenant-b")
    })
    .await
    .unwrap();
    let want: BTreeSet<String> = [id("tenant-a")].into();
    eventually("the inventory to list only tenant a", WAIT, || async {
        let r = rsets.get("tenants").await?;
        Ok(if inventory_ids(&r) == want {
            Ok(())
        } else {
            Err(format!("inventory {:?}", inventory_ids(&r)))
        })
    })
    .await
    .unwrap();
    assert!(configmaps.get_opt("tenant-a").await.unwrap().is_some());
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn flux_controllers_fetch_serve_build_apply_health_check_and_prune() {
    let stack = testkit::require_stack!();
    for component in ["source-controller", "kustomize-controller"] {
        assert!(stack.is_running(component), "{component} is not running");
    }
    let client = stack.admin().await.unwrap();
    let ns = fixture::namespace(&client, "stack-flux").await.unwrap();
    let kustomizations = dynamic(
        &client,
        &ns,
        "kustomize.toolkit.fluxcd.io/v1",
        "Kustomization",
    );
    let helmrepos = dynamic(
        &client,
        &ns,
        "source.toolkit.fluxcd.io/v1",
        "HelmRepository",
    );

    // A Kustomization whose source does not exist: kustomize-controller says so, with Flux's reason.
    fixture::create(
        &client,
        &json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "orphan", "namespace": ns},
            "spec": {"interval": "10m", "path": "./", "prune": true,
                     "sourceRef": {"kind": "GitRepository", "name": "missing"}}
        }),
    )
    .await
    .unwrap();
    let (_, reason, message) = eventually("the orphan Kustomization not Ready", WAIT, || async {
        let k = kustomizations.get("orphan").await?;
        Ok(match condition(&k, "Ready") {
            Some(c) if c.0 == "False" => Ok(c),
            other => Err(format!("Ready {other:?}")),
        })
    })
    .await
    .unwrap();
    assert_eq!(reason, "ArtifactFailed");
    assert!(
        message.contains("GitRepository") && message.contains("\"missing\" not found"),
        "{message}"
    );

    // What the loopback server offers: a Helm repository index, and an artifact with a ConfigMap
    // and a Deployment (kustomize-controller generates the kustomization.yaml).
    let manifests = r#"apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data: {greeting: hello}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  replicas: 2
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers: [{name: app, image: registry.invalid/app:1}]
"#;
    let (artifact, digest) = tarball(&[("app.yaml", manifests)]).unwrap();
    let index = "apiVersion: v1\nentries: {}\ngenerated: \"2026-01-01T00:00:00Z\"\n";
    let server = Server::files(vec![
        ("index.yaml".into(), index.as_bytes().to_vec()),
        ("app.tar.gz".into(), artifact),
    ])
    .unwrap();

    // source-controller fetches the index over loopback, stores it and serves it.
    fixture::create(
        &client,
        &json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmRepository",
            "metadata": {"name": "charts", "namespace": ns},
            "spec": {"interval": "10m", "url": format!("{}/", server.url())}
        }),
    )
    .await
    .unwrap();
    let url = eventually(
        "the HelmRepository Ready with an artifact",
        WAIT,
        || async {
            let h = helmrepos.get("charts").await?;
            let ready = condition(&h, "Ready");
            let url = h.data["status"]["artifact"]["url"]
                .as_str()
                .map(str::to_string);
            Ok(match (ready, url) {
                (Some((s, _, _)), Some(url)) if s == "True" => Ok(url),
                (ready, url) => Err(format!("Ready {ready:?}, artifact {url:?}")),
            })
        },
    )
    .await
    .unwrap();
    assert!(url.starts_with(&stack.artifact_server), "{url}");
    let (status, body) = http::get(&url).unwrap();
    assert_eq!(status, 200);
    let stored = json_of(&body);
    assert_eq!(stored["apiVersion"], "v1", "{stored}");

    // An ExternalArtifact: its status is written by whatever produces the artifact (here, this
    // test), not by a Flux controller. kustomize-controller downloads it, checks its digest,
    // builds it, applies it into the namespace, and waits until the Deployment's pods (KWOK's)
    // make it healthy.
    let external = json!({
        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "ExternalArtifact",
        "metadata": {"name": "app", "namespace": ns}, "spec": {}
    });
    fixture::create(&client, &external).await.unwrap();
    fixture::set_status(
        &client,
        &external,
        json!({"artifact": {
            "url": format!("{}/app.tar.gz", server.url()),
            "path": format!("externalartifact/{ns}/app/app.tar.gz"),
            "revision": format!("v1@{digest}"),
            "digest": digest,
            "lastUpdateTime": jiff::Timestamp::now().to_string(),
        }}),
    )
    .await
    .unwrap();
    fixture::create(
        &client,
        &json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "app", "namespace": ns},
            "spec": {"interval": "10m", "path": "./", "prune": true, "wait": true, "timeout": "1m",
                     "targetNamespace": ns, "sourceRef": {"kind": "ExternalArtifact", "name": "app"}}
        }),
    )
    .await
    .unwrap();
    let want: BTreeSet<String> = [
        format!("{ns}_app-config__ConfigMap"),
        format!("{ns}_app_apps_Deployment"),
    ]
    .into();
    // Ready and Healthy can be read a moment before lastAppliedRevision is (seen once in about
    // twenty runs): wait for all three.
    let k = eventually("the Kustomization Ready and Healthy", WAIT, || async {
        let k = kustomizations.get("app").await?;
        let (ready, healthy) = (condition(&k, "Ready"), condition(&k, "Healthy"));
        let applied = k.data["status"]["lastAppliedRevision"].as_str().is_some();
        Ok(match (&ready, &healthy) {
            (Some(r), Some(h)) if r.0 == "True" && h.0 == "True" && applied => Ok(k),
            _ => Err(format!(
                "Ready {ready:?}, Healthy {healthy:?}, lastAppliedRevision set: {applied}"
            )),
        })
    })
    .await
    .unwrap();
    assert_eq!(inventory_ids(&k), want);
    assert_eq!(
        k.data["status"]["lastAppliedRevision"].as_str(),
        Some(format!("v1@{digest}").as_str())
    );
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    let d = deployments.get("app").await.unwrap();
    assert_eq!(d.status.and_then(|s| s.available_replicas), Some(2));

    // Deleting the Kustomization prunes what it applied (its finalizer runs the garbage collection).
    kustomizations
        .delete("app", &DeleteParams::default())
        .await
        .unwrap();
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    eventually("the applied objects to be pruned", WAIT, || async {
        Ok(
            match (
                gone(&configmaps, "app-config").await?,
                gone(&deployments, "app").await?,
            ) {
                (Ok(()), Ok(())) => Ok(()),
                (a, b) => Err(format!("ConfigMap {a:?}, Deployment {b:?}")),
            },
        )
    })
    .await
    .unwrap();
    eventually("the Kustomization to be gone", WAIT, || {
        gone(&kustomizations, "app")
    })
    .await
    .unwrap();
    drop(server);
}

/// source-controller stores a Helm repository index as JSON (which is YAML too).
fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!(
            "stored index is not JSON ({e}): {}",
            String::from_utf8_lossy(body)
        )
    })
}
