//! A stand-in for the Flux Operator and kustomize-controller, for tests and the demo: it reacts to
//! the `reconcile.fluxcd.io/requestedAt` annotation by writing status the way the controllers do
//! (`lastHandledReconcileAt`, conditions at the object's generation, exported inputs, inventory,
//! garbage collection and pruning). It polls its namespaces; it is not a real controller.
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use kube::Client;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use serde_json::{Value, json};

use crate::fixture::{api_resource, set_status};
use crate::seed::{self, SeedPr, condition};

/// How a Flux object answers a reconcile request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    Ready,
    /// Ready=False with this reason and message.
    Fail(String, String),
    /// First Ready=False HealthCheckCanceled (not final), then Ready.
    CanceledThenReady,
    /// Never handles the request (for timeouts).
    Ignore,
}

/// A Kustomization's `prune` and its inventory entries (id, version).
type Applied = (bool, Vec<(String, String)>);

#[derive(Default)]
struct State {
    /// Provider name → the inputs it exports at its next refresh.
    next_inputs: HashMap<String, Vec<Value>>,
    /// Object name → behaviour (default Ready).
    behaviours: HashMap<String, Behaviour>,
    /// ResourceSet name → build failure message.
    build_failures: HashMap<String, String>,
    /// Kustomization inventories seen, for pruning when one is deleted.
    inventories: BTreeMap<(String, String), Applied>,
}

#[derive(Clone)]
pub struct StandIn {
    client: Client,
    namespace: String,
    infra: String,
    state: Arc<Mutex<State>>,
}

fn annotation<'a>(o: &'a DynamicObject, key: &str) -> Option<&'a str> {
    o.metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

fn status_str<'a>(o: &'a DynamicObject, key: &str) -> Option<&'a str> {
    o.data.get("status")?.get(key)?.as_str()
}

impl StandIn {
    /// Reacts to requests in `namespace`; per-PR objects it renders depend on `infra`.
    pub fn new(client: Client, namespace: &str, infra: &str) -> StandIn {
        StandIn {
            client,
            namespace: namespace.into(),
            infra: infra.into(),
            state: Arc::default(),
        }
    }

    pub fn export_next(&self, provider: &str, inputs: Vec<Value>) {
        self.state
            .lock()
            .unwrap()
            .next_inputs
            .insert(provider.into(), inputs);
    }

    pub fn behave(&self, object: &str, behaviour: Behaviour) {
        self.state
            .lock()
            .unwrap()
            .behaviours
            .insert(object.into(), behaviour);
    }

    pub fn fail_build(&self, rset: &str, message: &str) {
        self.state
            .lock()
            .unwrap()
            .build_failures
            .insert(rset.into(), message.into());
    }

    /// Runs until the task is dropped/aborted.
    pub fn spawn(&self) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = me.tick().await {
                    eprintln!("controller stand-in: {e:#}");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    }

    fn api(&self, api_version: &str, kind: &str) -> Api<DynamicObject> {
        Api::namespaced_with(
            self.client.clone(),
            &self.namespace,
            &api_resource(api_version, kind),
        )
    }

    async fn tick(&self) -> Result<()> {
        self.providers().await?;
        self.resource_sets().await?;
        for (av, kind) in [
            ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
            ("helm.toolkit.fluxcd.io/v2", "HelmRelease"),
            ("source.toolkit.fluxcd.io/v1", "GitRepository"),
        ] {
            self.appliers(av, kind).await?;
        }
        self.prune().await
    }

    fn obj(&self, av: &str, kind: &str, name: &str) -> Value {
        json!({"apiVersion": av, "kind": kind, "metadata": {"name": name, "namespace": self.namespace}})
    }

    async fn providers(&self) -> Result<()> {
        let av = "fluxcd.controlplane.io/v1";
        for p in self
            .api(av, "ResourceSetInputProvider")
            .list(&ListParams::default())
            .await?
        {
            let Some(token) = annotation(&p, "reconcile.fluxcd.io/requestedAt") else {
                continue;
            };
            if status_str(&p, "lastHandledReconcileAt") == Some(token) {
                continue;
            }
            let name = p.metadata.name.clone().unwrap_or_default();
            let inputs = self.state.lock().unwrap().next_inputs.get(&name).cloned();
            let mut status = json!({"lastHandledReconcileAt": token,
                "conditions": [condition("Ready", "True", "ReconciliationSucceeded", "Reconciliation finished in 640ms")]});
            if let Some(force) = annotation(&p, "reconcile.fluxcd.io/forceAt") {
                status["lastHandledForceAt"] = json!(force);
            }
            if let Some(inputs) = inputs {
                status["exportedInputs"] = json!(inputs);
            }
            set_status(
                &self.client,
                &self.obj(av, "ResourceSetInputProvider", &name),
                status,
            )
            .await?;
        }
        Ok(())
    }

    /// Renders the seed's template (`api-pr-<id>` Kustomization and its objects) for each
    /// exported PR, updates moved shas, garbage-collects the rest (unless `prune: disabled`).
    async fn resource_sets(&self) -> Result<()> {
        let av = "fluxcd.controlplane.io/v1";
        let providers = self
            .api(av, "ResourceSetInputProvider")
            .list(&ListParams::default())
            .await?;
        for r in self
            .api(av, "ResourceSet")
            .list(&ListParams::default())
            .await?
        {
            let Some(token) = annotation(&r, "reconcile.fluxcd.io/requestedAt").map(str::to_string)
            else {
                continue;
            };
            if status_str(&r, "lastHandledReconcileAt") == Some(token.as_str()) {
                continue;
            }
            let name = r.metadata.name.clone().unwrap_or_default();
            let failure = self
                .state
                .lock()
                .unwrap()
                .build_failures
                .get(&name)
                .cloned();
            if let Some(msg) = failure {
                let status = json!({"lastHandledReconcileAt": token,
                    "conditions": [condition("Ready", "False", "BuildFailed", &msg), condition("Stalled", "True", "BuildFailed", &msg)]});
                set_status(&self.client, &self.obj(av, "ResourceSet", &name), status).await?;
                continue;
            }
            let provider_names: Vec<String> = r.data["spec"]["inputsFrom"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|i| i["name"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let mut inputs = Vec::new();
            for p in providers
                .iter()
                .filter(|p| provider_names.contains(p.metadata.name.as_ref().unwrap()))
            {
                inputs.extend(
                    p.data["status"]["exportedInputs"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default(),
                );
            }
            let ks_api = self.api("kustomize.toolkit.fluxcd.io/v1", "Kustomization");
            let mut entries = Vec::new();
            for input in &inputs {
                let (Some(id), Some(sha)) = (input["id"].as_str(), input["sha"].as_str()) else {
                    continue;
                };
                let ks_name = format!("api-pr-{id}");
                entries.push(json!({"id": seed::inventory_id(&self.namespace, &ks_name, "kustomize.toolkit.fluxcd.io", "Kustomization"), "v": "v1"}));
                match ks_api.get_opt(&ks_name).await? {
                    None => {
                        let pr = SeedPr {
                            id: Box::leak(id.to_string().into_boxed_str()),
                            sha: Box::leak(sha.to_string().into_boxed_str()),
                            rendered_sha: Box::leak(sha.to_string().into_boxed_str()),
                            branch: "feat/new",
                            title: "new",
                            author: "dev",
                            failure: None,
                        };
                        for o in seed::environment(&self.namespace, &self.infra, &pr) {
                            crate::fixture::create(&self.client, &o).await?;
                        }
                    }
                    Some(ks) => {
                        if ks.data["spec"]["postBuild"]["substitute"]["COMMIT_SHA"].as_str()
                            != Some(sha)
                        {
                            let patch =
                                json!({"spec": {"postBuild": {"substitute": {"COMMIT_SHA": sha}}}});
                            let patched = ks_api
                                .patch(&ks_name, &PatchParams::default(), &Patch::Merge(&patch))
                                .await?;
                            // kustomize-controller applies the new generation.
                            let generation = patched.metadata.generation.unwrap_or(1);
                            let mut c = condition(
                                "Ready",
                                "True",
                                "ReconciliationSucceeded",
                                &format!("Applied revision: {}", seed::GIT_REVISION),
                            );
                            c["observedGeneration"] = json!(generation);
                            let target = self.obj(
                                "kustomize.toolkit.fluxcd.io/v1",
                                "Kustomization",
                                &ks_name,
                            );
                            set_status(
                                &self.client,
                                &target,
                                json!({"observedGeneration": generation, "conditions": [c]}),
                            )
                            .await?;
                        }
                    }
                }
            }
            // Garbage collection of stale entries, Flux objects first; prune-disabled objects stay.
            let old: Vec<String> = r.data["status"]["inventory"]["entries"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|e| e["id"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let new_ids: Vec<&str> = entries.iter().filter_map(|e| e["id"].as_str()).collect();
            for id in old.iter().filter(|id| !new_ids.contains(&id.as_str())) {
                let parts: Vec<&str> = id.splitn(2, '_').collect();
                let (rest, kind) = parts[1].rsplit_once('_').unwrap();
                let (obj_name, group) = rest.rsplit_once('_').unwrap();
                let av = match (group, kind) {
                    ("kustomize.toolkit.fluxcd.io", _) => {
                        "kustomize.toolkit.fluxcd.io/v1".to_string()
                    }
                    ("", _) => "v1".to_string(),
                    (g, _) => format!("{g}/v1"),
                };
                let api = self.api(&av, kind);
                if let Some(o) = api.get_opt(obj_name).await? {
                    let keep = o
                        .metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get("fluxcd.controlplane.io/prune"))
                        .map(|v| v == "disabled")
                        .unwrap_or(false)
                        || annotation(&o, "fluxcd.controlplane.io/prune") == Some("disabled");
                    if !keep {
                        api.delete(obj_name, &DeleteParams::background()).await?;
                    }
                }
            }
            let status = json!({"lastHandledReconcileAt": token,
                "conditions": [condition("Ready", "True", "ReconciliationSucceeded", "Reconciliation finished in 1.1s")],
                "inventory": {"entries": entries}});
            set_status(&self.client, &self.obj(av, "ResourceSet", &name), status).await?;
        }
        Ok(())
    }

    async fn appliers(&self, av: &str, kind: &str) -> Result<()> {
        for o in self.api(av, kind).list(&ListParams::default()).await? {
            let name = o.metadata.name.clone().unwrap_or_default();
            if kind == "Kustomization" {
                // kustomize-controller skips garbage collection when a suspended Kustomization
                // is deleted, as when `prune` is false.
                let prune = o.data["spec"]["prune"].as_bool().unwrap_or(false)
                    && !o.data["spec"]["suspend"].as_bool().unwrap_or(false);
                let inv: Vec<(String, String)> = o.data["status"]["inventory"]["entries"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|e| {
                                Some((
                                    e["id"].as_str()?.to_string(),
                                    e["v"].as_str().unwrap_or("v1").to_string(),
                                ))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                self.state
                    .lock()
                    .unwrap()
                    .inventories
                    .insert((self.namespace.clone(), name.clone()), (prune, inv));
            }
            let Some(token) = annotation(&o, "reconcile.fluxcd.io/requestedAt").map(str::to_string)
            else {
                continue;
            };
            if status_str(&o, "lastHandledReconcileAt") == Some(token.as_str()) {
                continue;
            }
            let behaviour = self
                .state
                .lock()
                .unwrap()
                .behaviours
                .get(&name)
                .cloned()
                .unwrap_or(Behaviour::Ready);
            let generation = o.metadata.generation.unwrap_or(1);
            let ready = |status: &str, reason: &str, msg: &str| {
                let mut c = condition("Ready", status, reason, msg);
                c["observedGeneration"] = json!(generation);
                json!({"lastHandledReconcileAt": token, "observedGeneration": generation, "conditions": [c]})
            };
            let target = self.obj(av, kind, &name);
            match behaviour {
                Behaviour::Ignore => {}
                Behaviour::Ready => {
                    set_status(
                        &self.client,
                        &target,
                        ready(
                            "True",
                            "ReconciliationSucceeded",
                            &format!("Applied revision: {}", seed::GIT_REVISION),
                        ),
                    )
                    .await?;
                }
                Behaviour::Fail(reason, msg) => {
                    set_status(&self.client, &target, ready("False", &reason, &msg)).await?;
                }
                Behaviour::CanceledThenReady => {
                    set_status(
                        &self.client,
                        &target,
                        ready(
                            "False",
                            "HealthCheckCanceled",
                            "New reconciliation triggered",
                        ),
                    )
                    .await?;
                    self.behave(&name, Behaviour::Ready);
                    let me = self.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(800)).await;
                        let mut c = condition(
                            "Ready",
                            "True",
                            "ReconciliationSucceeded",
                            "Applied after the canceled health check",
                        );
                        c["observedGeneration"] = json!(generation);
                        let _ = set_status(&me.client, &target, json!({"conditions": [c]})).await;
                    });
                }
            }
        }
        Ok(())
    }

    /// kustomize-controller's finalizer: a deleted Kustomization with `prune: true` that is not
    /// suspended removes what it applied.
    async fn prune(&self) -> Result<()> {
        let live: Vec<String> = self
            .api("kustomize.toolkit.fluxcd.io/v1", "Kustomization")
            .list(&ListParams::default())
            .await?
            .into_iter()
            .filter_map(|k| k.metadata.name)
            .collect();
        let gone: Vec<((String, String), Applied)> = {
            let mut st = self.state.lock().unwrap();
            let keys: Vec<(String, String)> = st
                .inventories
                .keys()
                .filter(|(_, n)| !live.contains(n))
                .cloned()
                .collect();
            keys.into_iter()
                .filter_map(|k| st.inventories.remove(&k).map(|v| (k, v)))
                .collect()
        };
        for (_, (prune, entries)) in gone {
            if !prune {
                continue;
            }
            for (id, v) in entries {
                let parts: Vec<&str> = id.splitn(2, '_').collect();
                let Some((rest, kind)) = parts.get(1).and_then(|p| p.rsplit_once('_')) else {
                    continue;
                };
                let Some((obj_name, group)) = rest.rsplit_once('_') else {
                    continue;
                };
                let av = if group.is_empty() {
                    v.clone()
                } else {
                    format!("{group}/{v}")
                };
                let api = Api::<DynamicObject>::namespaced_with(
                    self.client.clone(),
                    parts[0],
                    &api_resource(&av, kind),
                );
                let _ = api.delete(obj_name, &DeleteParams::background()).await;
            }
        }
        Ok(())
    }
}
