//! The functional core: a snapshot of cluster objects in, preview environments out. One
//! environment is one PR (an entry of a preview provider's `status.exportedInputs`) as consumed
//! by one preview ResourceSet.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::attribution::{self, PrKey, Rule};
use crate::deployed;
use crate::flux::{self, OWNER_NAME_LABEL, OWNER_NAMESPACE_LABEL};
use crate::health::{self, Dependency, Health, PodProblem, Status};
use crate::inventory::{self, ObjectRef};
use crate::objects::{FluxObject, Meta, Object, Provider, ResourceSet, find_condition};
use crate::snapshot::{Kind, Snapshot};
use crate::template;
use crate::urls::{self, Url, UrlSource};

/// What `-o json|yaml` prints for an environment; field names are part of the interface.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    /// The reference that names it: `namespace/resourceset/id` (plus `@provider` when two
    /// providers of the ResourceSet export the same id).
    pub name: String,
    pub namespace: String,
    pub resource_set: String,
    pub pr: PullRequest,
    pub provider: ProviderInfo,
    pub status: Status,
    pub message: String,
    /// The first URL, as the table shows it.
    pub url: Option<String>,
    pub urls: Vec<Url>,
    /// The commit rendered into the environment's Flux objects.
    pub deployed_sha: Option<String>,
    /// Whether `deployedSha` is the PR head (null when unknown).
    pub up_to_date: Option<bool>,
    /// Creation time of the environment's oldest Flux object.
    pub created_at: Option<String>,
    pub objects: Vec<EnvObject>,
    /// Columns that could not be read (`url`, `deployed`, `status`, `resourceSet`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forbidden: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequest {
    pub id: String,
    pub sha: Option<String>,
    pub branch: Option<String>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub labels: Vec<String>,
    /// Every exported key, as the provider exports it (including `defaultValues`).
    pub inputs: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderInfo {
    pub namespace: String,
    pub name: String,
    #[serde(rename = "type")]
    pub type_: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvObject {
    #[serde(flatten)]
    pub reference: ObjectRef,
    /// How it was attributed to the environment.
    pub attributed_by: Rule,
    /// `Ready` condition status for Flux objects, availability for workloads, when known.
    pub ready: Option<String>,
    pub message: Option<String>,
    /// Whether the object was found in the cluster (inventories can list objects of kinds that
    /// are not read, or objects already gone).
    pub found: bool,
}

/// A preview ResourceSet with the objects that belong to no environment.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewSet {
    pub namespace: String,
    pub name: String,
    pub providers: Vec<ProviderInfo>,
    pub shared_objects: Vec<ObjectRef>,
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub environments: Vec<Environment>,
    pub preview_sets: Vec<PreviewSet>,
    pub preview_providers: usize,
    pub exported_prs: usize,
    /// Providers whose PRs no readable ResourceSet consumes.
    pub unconsumed_providers: Vec<ProviderInfo>,
}

impl fmt::Display for ProviderInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

#[derive(Clone, Copy)]
enum Item<'a> {
    Flux(&'a FluxObject),
    Object(&'a Object),
}

impl<'a> Item<'a> {
    fn meta(self) -> &'a Meta {
        match self {
            Item::Flux(f) => &f.metadata,
            Item::Object(o) => &o.metadata,
        }
    }
}

/// (group, kind, namespace, name), borrowed from the snapshot: building the index allocates
/// nothing per object.
type Key<'a> = (&'a str, &'a str, &'a str, &'a str);

/// Lookup of snapshot objects by identity.
struct Index<'a> {
    items: HashMap<Key<'a>, Item<'a>>,
}

impl<'a> Index<'a> {
    fn new(snapshot: &'a Snapshot) -> Self {
        let mut items = HashMap::with_capacity(
            snapshot.flux.len() + snapshot.objects.values().map(Vec::len).sum::<usize>(),
        );
        for f in &snapshot.flux {
            let group = if f.kind == "HelmRelease" {
                flux::HELM_GROUP
            } else {
                flux::KUSTOMIZE_GROUP
            };
            items.insert(
                (
                    group,
                    f.kind.as_str(),
                    f.metadata.namespace.as_str(),
                    f.metadata.name.as_str(),
                ),
                Item::Flux(f),
            );
        }
        for (kind, objects) in &snapshot.objects {
            let (group, _, _) = kind.api();
            for o in objects {
                items.insert(
                    (
                        group,
                        kind.kind_name(),
                        o.metadata.namespace.as_str(),
                        o.metadata.name.as_str(),
                    ),
                    Item::Object(o),
                );
            }
        }
        Index { items }
    }

    fn get(&self, r: &ObjectRef) -> Option<Item<'a>> {
        // The map is covariant in its key: a shorter-lived borrowed key looks it up.
        let items: &HashMap<Key<'_>, Item<'a>> = &self.items;
        items
            .get(&(
                r.group.as_str(),
                r.kind.as_str(),
                r.namespace.as_str(),
                r.name.as_str(),
            ))
            .copied()
    }

    fn flux(&self, r: &ObjectRef) -> Option<&'a FluxObject> {
        match self.get(r) {
            Some(Item::Flux(f)) => Some(f),
            _ => None,
        }
    }
}

fn input_string(input: &BTreeMap<String, Value>, key: &str) -> Option<String> {
    match input.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn pull_request(input: &BTreeMap<String, Value>) -> Option<PullRequest> {
    Some(PullRequest {
        id: input_string(input, "id")?,
        sha: input_string(input, "sha"),
        branch: input_string(input, "branch"),
        title: input_string(input, "title"),
        author: input_string(input, "author"),
        labels: input
            .get("labels")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        inputs: input.clone(),
    })
}

fn provider_info(p: &Provider) -> ProviderInfo {
    ProviderInfo {
        namespace: p.metadata.namespace.clone(),
        name: p.metadata.name.clone(),
        type_: p.spec.type_.clone(),
    }
}

/// The providers a ResourceSet's `inputsFrom` resolves to, as the Flux Operator resolves them:
/// by name or by label selector, in the ResourceSet's namespace, deduplicated.
pub fn resolve_inputs<'a>(rset: &ResourceSet, providers: &'a [Provider]) -> Vec<&'a Provider> {
    let ns = &rset.metadata.namespace;
    let mut out: Vec<&Provider> = Vec::new();
    for r in &rset.spec.inputs_from {
        if r.kind
            .as_deref()
            .is_some_and(|k| k != "ResourceSetInputProvider")
        {
            continue;
        }
        let matched: Vec<&Provider> = providers
            .iter()
            .filter(|p| &p.metadata.namespace == ns)
            .filter(|p| match (&r.name, &r.selector) {
                (Some(name), _) => &p.metadata.name == name,
                (None, Some(sel)) => sel.matches(&p.metadata.labels),
                (None, None) => false,
            })
            .collect();
        for p in matched {
            if !out.iter().any(|o| o.metadata.name == p.metadata.name) {
                out.push(p);
            }
        }
    }
    out
}

/// Pod problems by workload, supplied by `get` (which lists pods); empty for `list`.
pub type PodProblems = Vec<PodProblem>;

pub fn build(snapshot: &Snapshot, pods: &PodProblems) -> Catalog {
    let index = Index::new(snapshot);
    let preview: Vec<&Provider> = snapshot
        .providers
        .iter()
        .filter(|p| flux::is_change_request_type(&p.spec.type_))
        .collect();
    let mut catalog = Catalog {
        preview_providers: preview.len(),
        exported_prs: preview.iter().map(|p| p.status.exported_inputs.len()).sum(),
        ..Default::default()
    };
    let preview_owned: Vec<Provider> = preview.iter().map(|p| (*p).clone()).collect();
    let mut consumed: BTreeSet<(String, String)> = BTreeSet::new();
    let mut rsets: Vec<&ResourceSet> = snapshot.resource_sets.iter().collect();
    rsets.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    for rset in rsets {
        let providers = resolve_inputs(rset, &preview_owned);
        if providers.is_empty() {
            continue;
        }
        for p in &providers {
            consumed.insert((p.metadata.namespace.clone(), p.metadata.name.clone()));
        }
        let (envs, set) = build_set(snapshot, &index, rset, &providers, pods);
        catalog.environments.extend(envs);
        catalog.preview_sets.push(set);
    }
    // Providers whose ResourceSets could not be read still show their PRs, marked unknown.
    for p in &preview {
        let key = (p.metadata.namespace.clone(), p.metadata.name.clone());
        if consumed.contains(&key) {
            continue;
        }
        if snapshot.unreadable(Kind::ResourceSet, &p.metadata.namespace) {
            for pr in p.status.exported_inputs.iter().filter_map(pull_request) {
                catalog.environments.push(unreadable_env(p, pr));
            }
        } else if !p.status.exported_inputs.is_empty() {
            catalog.unconsumed_providers.push(provider_info(p));
        }
    }
    catalog
}

fn unreadable_env(p: &Provider, pr: PullRequest) -> Environment {
    let ns = p.metadata.namespace.clone();
    Environment {
        name: format!("{ns}/?/{}", pr.id),
        namespace: ns,
        resource_set: String::new(),
        provider: provider_info(p),
        status: Status::Unknown,
        message: "cannot read ResourceSets (forbidden)".into(),
        url: None,
        urls: vec![],
        deployed_sha: None,
        up_to_date: None,
        created_at: None,
        objects: vec![],
        forbidden: vec![
            "resourceSet".into(),
            "url".into(),
            "deployed".into(),
            "status".into(),
        ],
        pr,
    }
}

fn build_set(
    snapshot: &Snapshot,
    index: &Index<'_>,
    rset: &ResourceSet,
    providers: &[&Provider],
    pods: &PodProblems,
) -> (Vec<Environment>, PreviewSet) {
    let ns = &rset.metadata.namespace;
    let mut prs: Vec<(PullRequest, &Provider)> = Vec::new();
    for p in providers {
        for pr in p.status.exported_inputs.iter().filter_map(pull_request) {
            prs.push((pr, p));
        }
    }
    let keys: Vec<PrKey> = prs
        .iter()
        .map(|(pr, _)| {
            let mut slugs: Vec<String> =
                pr.branch.iter().map(|b| attribution::slugify(b)).collect();
            if let Some(s) = input_string(&pr.inputs, "slug") {
                slugs.push(s);
            }
            slugs.retain(|s| !s.is_empty());
            PrKey {
                id: pr.id.clone(),
                slugs,
            }
        })
        .collect();
    let entries = inventory::parse_entries(
        rset.status
            .inventory
            .as_ref()
            .map(|i| i.entries.as_slice())
            .unwrap_or(&[]),
    );
    let owned = |meta: &Meta| {
        meta.labels.get(OWNER_NAME_LABEL) == Some(&rset.metadata.name)
            && meta.labels.get(OWNER_NAMESPACE_LABEL) == Some(ns)
    };
    let attributed = attribution::attribute(&entries, &keys, |r| {
        index
            .get(r)
            .map(|i| i.meta())
            .filter(|m| owned(m))
            .map(|m| &m.annotations)
    });
    let sha_paths = deployed::sha_paths(&template::all_objects(&rset.spec), deployed::SHA_INPUT);
    let duplicate_ids: BTreeSet<&str> = {
        let mut seen = BTreeSet::new();
        prs.iter()
            .filter(|(pr, _)| !seen.insert(pr.id.as_str()))
            .map(|(pr, _)| pr.id.as_str())
            .collect()
    };
    let mut shared = Vec::new();
    let mut per_pr: Vec<Vec<(ObjectRef, Rule)>> = vec![Vec::new(); prs.len()];
    for (entry, who) in entries.iter().zip(attributed) {
        match who {
            Some((i, rule)) => per_pr[i].push((entry.clone(), rule)),
            None => shared.push(entry.clone()),
        }
    }
    let dependency = |dep_ns: &str, name: &str| -> Dependency {
        // Kustomizations depend on Kustomizations; a HelmRelease of the same name is the fallback.
        let found = index
            .flux(&ObjectRef::new(
                flux::KUSTOMIZE_GROUP,
                "Kustomization",
                dep_ns,
                name,
            ))
            .or_else(|| {
                index.flux(&ObjectRef::new(
                    flux::HELM_GROUP,
                    "HelmRelease",
                    dep_ns,
                    name,
                ))
            });
        match found {
            None => Dependency::Unknown,
            Some(f) => match find_condition(&f.status.conditions, "Ready") {
                Some(c) if c.status == "True" => Dependency::Ready,
                Some(c) => Dependency::NotReady(c.message.clone()),
                None => Dependency::NotReady("not reconciled yet".into()),
            },
        }
    };
    let mut envs = Vec::new();
    for ((pr, provider), top) in prs.iter().zip(per_pr) {
        let mut objects: Vec<EnvObject> = Vec::new();
        let mut top_flux: Vec<&FluxObject> = Vec::new();
        for (r, rule) in &top {
            let item = index.get(r);
            objects.push(env_object(r, rule.clone(), item));
            if let Some(f) = index.flux(r) {
                top_flux.push(f);
                let parent = r.to_string();
                for nested in inventory::parse_entries(
                    f.status
                        .inventory
                        .as_ref()
                        .map(|i| i.entries.as_slice())
                        .unwrap_or(&[]),
                ) {
                    let item = index.get(&nested);
                    objects.push(env_object(
                        &nested,
                        Rule::Inventory {
                            parent: parent.clone(),
                        },
                        item,
                    ));
                }
            }
        }
        let url_sources: Vec<UrlSource<'_>> = objects
            .iter()
            .map(|o| {
                let item = index.get(&o.reference);
                UrlSource {
                    reference: &o.reference,
                    annotations: item.map(|i| &i.meta().annotations),
                    spec: match item {
                        Some(Item::Object(x)) => Some(&x.spec),
                        Some(Item::Flux(f)) => Some(&f.spec),
                        None => None,
                    },
                    status: match item {
                        Some(Item::Object(x)) => Some(&x.status),
                        _ => None,
                    },
                }
            })
            .collect();
        let urls = urls::collect(&url_sources);
        let workloads: Vec<(&ObjectRef, &Object)> = objects
            .iter()
            .filter(|o| {
                o.reference.group == "apps"
                    && matches!(o.reference.kind.as_str(), "Deployment" | "StatefulSet")
            })
            .filter_map(|o| match index.get(&o.reference) {
                Some(Item::Object(w)) => Some((&o.reference, w)),
                _ => None,
            })
            .collect();
        let deployed_sha = deployed::rendered_sha(&top_flux, &sha_paths);
        let mut forbidden = Vec::new();
        let flux_unreadable: Vec<Kind> = [Kind::Kustomization, Kind::HelmRelease]
            .into_iter()
            .filter(|k| snapshot.unreadable(*k, ns))
            .filter(|k| {
                top.iter()
                    .any(|(r, _)| Kind::of(&r.group, &r.kind) == Some(*k))
            })
            .collect();
        let unreadable = (!flux_unreadable.is_empty()).then(|| {
            forbidden.push("deployed".to_string());
            let names: Vec<String> = flux_unreadable.iter().map(|k| k.to_string()).collect();
            format!("cannot read {} in namespace {ns}", names.join(", "))
        });
        if urls.is_empty()
            && [Kind::Ingress, Kind::HttpRoute, Kind::Service]
                .iter()
                .any(|k| {
                    snapshot.forbidden(*k, ns)
                        && objects
                            .iter()
                            .any(|o| Kind::of(&o.reference.group, &o.reference.kind) == Some(*k))
                })
        {
            forbidden.push("url".to_string());
        }
        if unreadable.is_some() {
            forbidden.push("status".to_string());
        }
        let env_pods: Vec<PodProblem> = pods
            .iter()
            .filter(|p| workloads.iter().any(|(r, _)| r.same_object(&p.workload)))
            .cloned()
            .collect();
        let health: Health = health::evaluate(&health::Input {
            resource_set: Some(rset),
            flux: top_flux.clone(),
            rendered: !top.is_empty(),
            dependency: &dependency,
            workloads,
            pod_problems: env_pods,
            head_sha: pr.sha.as_deref(),
            deployed_sha: deployed_sha.as_deref(),
            unreadable,
        });
        let created_at = top_flux
            .iter()
            .filter_map(|f| f.metadata.creation_timestamp.clone())
            .min();
        let up_to_date = match (&pr.sha, &deployed_sha) {
            (Some(head), Some(d)) => Some(deployed::same_commit(head, d)),
            _ => None,
        };
        let id_ref = if duplicate_ids.contains(pr.id.as_str()) {
            format!("{}@{}", pr.id, provider.metadata.name)
        } else {
            pr.id.clone()
        };
        envs.push(Environment {
            name: format!("{ns}/{}/{id_ref}", rset.metadata.name),
            namespace: ns.clone(),
            resource_set: rset.metadata.name.clone(),
            pr: pr.clone(),
            provider: provider_info(provider),
            status: health.status,
            message: health.message,
            url: urls.first().map(|u| u.url.clone()),
            urls,
            deployed_sha,
            up_to_date,
            created_at,
            objects,
            forbidden,
        });
    }
    let set = PreviewSet {
        namespace: ns.clone(),
        name: rset.metadata.name.clone(),
        providers: providers.iter().map(|p| provider_info(p)).collect(),
        shared_objects: shared,
    };
    (envs, set)
}

fn env_object(r: &ObjectRef, rule: Rule, item: Option<Item<'_>>) -> EnvObject {
    let (ready, message) = match item {
        Some(Item::Flux(f)) => match find_condition(&f.status.conditions, "Ready") {
            Some(c) => (Some(c.status.clone()), Some(c.message.clone())),
            None => (Some("Unknown".into()), None),
        },
        Some(Item::Object(o)) if r.group == "apps" => {
            // The same rule as the environment's STATUS, so a row never says Ready mid-rollout.
            let rollout = health::rollout(&r.kind, o);
            let ready = if rollout.is_complete() { "True" } else { "False" };
            (Some(ready.into()), Some(rollout.message().to_string()))
        }
        _ => (None, None),
    };
    EnvObject {
        reference: r.clone(),
        attributed_by: rule,
        ready,
        message,
        found: item.is_some(),
    }
}
