//! The functional core: a snapshot of cluster objects in, preview environments out. One
//! environment is one PR (an entry of a preview provider's `status.exportedInputs`) as consumed
//! by one preview ResourceSet.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::model::attribution::{self, PrKey, Rule};
use crate::model::deployed;
use crate::model::flux::{self, OWNER_NAME_LABEL, OWNER_NAMESPACE_LABEL};
use crate::model::health::{self, Dependency, Health, PodProblem, Status};
use crate::model::inventory::{self, ObjectRef};
use crate::model::objects::{
    FluxObject, Identity, Meta, Object, Provider, ResourceSet, find_condition,
};
use crate::model::snapshot::{Kind, Snapshot};
use crate::model::urls::{self, Url, UrlSource};
use crate::model::{permute, render, template};

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
    /// When the environment last applied something new: the newest of its Flux objects' history
    /// (or, without one, the time their Ready condition last turned True).
    pub last_deploy: Option<String>,
    pub objects: Vec<EnvObject>,
    /// Columns that could not be read.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub forbidden: BTreeSet<Column>,
    /// Whether the status is about this environment or its ResourceSet.
    #[serde(skip)]
    pub cause: health::Cause,
    /// With `inputStrategy: Permute`: the input sets this environment combines, one per source.
    /// The environment is then not one PR's: `pr.id` joins the ids, and `pr`'s other fields are
    /// set only when the combination holds exactly one PR.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub combination: Vec<CombinedInput>,
}

/// A column of an environment that may be unreadable (forbidden).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Column {
    ResourceSet,
    Url,
    Deployed,
    Status,
}

/// One input set of a combination (`inputStrategy: Permute`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CombinedInput {
    /// Templates read it as `inputs.<key>`.
    pub key: String,
    /// The provider that exports it; null: the ResourceSet's own `spec.inputs`.
    pub provider: Option<ProviderInfo>,
    pub id: Option<String>,
    pub sha: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequest {
    pub id: String,
    pub sha: Option<String>,
    pub branch: Option<String>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub labels: Vec<String>,
    /// The pull request's web page, from the provider's type and URL (http(s) only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
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
    /// Why attribution fell back to name tokens (spec §3 rule 3) for this ResourceSet: its
    /// templates do not render (the operator's error), or rendering cannot tell (Permute).
    /// `None`: rule 2 decided, from the rendered templates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_rendered: Option<String>,
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

impl Catalog {
    /// The environments with this status, of this ResourceSet, by this author (each when given).
    pub fn select(
        &self,
        status: Option<Status>,
        resource_set: Option<&str>,
        author: Option<&str>,
    ) -> Vec<&Environment> {
        self.environments
            .iter()
            .filter(|e| status.is_none_or(|s| e.status == s))
            .filter(|e| resource_set.is_none_or(|r| r == e.resource_set))
            .filter(|e| author.is_none_or(|a| e.pr.author.as_deref() == Some(a)))
            .collect()
    }

    /// `list`'s selection: `select`, then `--older-than` and `--idle` against `now`, in `--sort`
    /// order.
    pub fn query(&self, q: &Query, now: jiff::Timestamp) -> Vec<&Environment> {
        let mut envs: Vec<&Environment> = self
            .select(q.status, q.resource_set.as_deref(), q.author.as_deref())
            .into_iter()
            .filter(|e| q.older_than.is_none_or(|d| older_than(e, now, d)))
            .filter(|e| q.idle.is_none_or(|d| idle_for(e, now, d)))
            .collect();
        if let Some(by) = q.sort {
            sort(&mut envs, by);
        }
        envs
    }
}

/// What `list` asks of a catalog.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub status: Option<Status>,
    pub resource_set: Option<String>,
    pub author: Option<String>,
    pub older_than: Option<std::time::Duration>,
    pub idle: Option<std::time::Duration>,
    pub sort: Option<Sort>,
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
                    f.metadata.namespace(),
                    f.metadata.name(),
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
                        o.metadata.namespace(),
                        o.metadata.name(),
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
        url: None,
        inputs: input.clone(),
    })
}

fn provider_info(p: &Provider) -> ProviderInfo {
    ProviderInfo {
        namespace: p.metadata.namespace().to_string(),
        name: p.metadata.name().to_string(),
        type_: p.spec.type_.clone(),
    }
}

pub use crate::model::objects::resolve_inputs;

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
    let mut consumed: BTreeSet<(String, String)> = BTreeSet::new();
    let mut rsets: Vec<&ResourceSet> = snapshot.resource_sets.iter().collect();
    rsets.sort_by(|a, b| {
        (&a.metadata.namespace(), &a.metadata.name())
            .cmp(&(&b.metadata.namespace(), &b.metadata.name()))
    });
    for rset in rsets {
        let providers = resolve_inputs(rset, &preview);
        if providers.is_empty() {
            continue;
        }
        for p in &providers {
            consumed.insert((
                p.metadata.namespace().to_string(),
                p.metadata.name().to_string(),
            ));
        }
        let (envs, set) = build_set(snapshot, &index, rset, &providers, pods);
        catalog.environments.extend(envs);
        catalog.preview_sets.push(set);
    }
    // Providers whose ResourceSets could not be read still show their PRs, marked unknown.
    for p in &preview {
        let key = (
            p.metadata.namespace().to_string(),
            p.metadata.name().to_string(),
        );
        if consumed.contains(&key) {
            continue;
        }
        if snapshot.unreadable(Kind::ResourceSet, p.metadata.namespace()) {
            for pr in p.status.exported_inputs.iter().filter_map(pull_request) {
                catalog.environments.push(unreadable_env(p, pr));
            }
        } else if !p.status.exported_inputs.is_empty() {
            catalog.unconsumed_providers.push(provider_info(p));
        }
    }
    // Each PR's web page, from its provider (a combination of several PRs has none); each
    // provider's URL is parsed and checked once.
    let mut shapes: HashMap<(&str, &str), Option<urls::PullRequestUrl>> = HashMap::new();
    for p in &snapshot.providers {
        shapes
            .entry((p.metadata.namespace(), p.metadata.name()))
            .or_insert_with(|| urls::pull_request_url_shape(&p.spec.type_, &p.spec.url));
    }
    for e in &mut catalog.environments {
        if let Some(Some(shape)) =
            shapes.get(&(e.provider.namespace.as_str(), e.provider.name.as_str()))
            && e.combination.is_empty()
        {
            e.pr.url = shape.url(&e.pr.id);
        }
    }
    catalog
}

fn unreadable_env(p: &Provider, pr: PullRequest) -> Environment {
    let ns = p.metadata.namespace().to_string();
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
        last_deploy: None,
        objects: vec![],
        forbidden: [
            Column::ResourceSet,
            Column::Url,
            Column::Deployed,
            Column::Status,
        ]
        .into(),
        cause: health::Cause::Environment,
        combination: vec![],
        pr,
    }
}

/// One environment's inputs, before its objects are looked at.
struct Member<'a> {
    pr: PullRequest,
    /// The provider of the PR (with Permute: of the combination's first PR).
    provider: &'a Provider,
    /// The last part of its name: the PR id, `id@provider` when two providers export that id,
    /// the joined ids of a combination.
    id_ref: String,
    /// Where the templates write the PR's sha.
    sha_paths: Vec<deployed::ShaPath>,
    combination: Vec<CombinedInput>,
}

type Attributed = Vec<Option<(usize, Rule)>>;

/// `inputStrategy: Flatten` (the default): one environment per exported PR.
fn flattened<'a, 'b>(
    providers: &[&'a Provider],
    entries: &[ObjectRef],
    annotations: &impl Fn(&ObjectRef) -> Option<&'b BTreeMap<String, String>>,
    templates: &[Value],
    rendering: Option<&render::Rendering>,
) -> (Vec<Member<'a>>, Attributed) {
    let mut prs: Vec<(PullRequest, &Provider)> = Vec::new();
    // Where each PR's input is (provider namespace, name, position), for rule 2.
    let mut at: HashMap<(&str, &str, usize), usize> = HashMap::new();
    for p in providers {
        for (i, input) in p.status.exported_inputs.iter().enumerate() {
            if let Some(pr) = pull_request(input) {
                at.insert((p.metadata.namespace(), p.metadata.name(), i), prs.len());
                prs.push((pr, p));
            }
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
    let evidence = rendering.map(|r| {
        render::evidence(r, |origin| {
            origin.provider_key().and_then(|k| at.get(&k).copied())
        })
    });
    let attributed = attribution::attribute(entries, &keys, annotations, evidence.as_ref());
    let sha_paths = deployed::sha_paths(templates, deployed::SHA_INPUT);
    let duplicate_ids: BTreeSet<String> = {
        let mut seen = BTreeSet::new();
        prs.iter()
            .filter(|(pr, _)| !seen.insert(pr.id.as_str()))
            .map(|(pr, _)| pr.id.clone())
            .collect()
    };
    let members = prs
        .into_iter()
        .map(|(pr, provider)| Member {
            id_ref: if duplicate_ids.contains(&pr.id) {
                format!("{}@{}", pr.id, provider.metadata.name())
            } else {
                pr.id.clone()
            },
            pr,
            provider,
            sha_paths: sha_paths.clone(),
            combination: vec![],
        })
        .collect();
    (members, attributed)
}

/// `inputStrategy: Permute`: one environment per combination that holds a PR, named by its ids
/// joined (`12+34`). The PR fields are the PR's when the combination holds exactly one; with two
/// or more PRs there is no single head commit, title or branch, and none is shown.
fn permuted<'a, 'b>(
    snapshot: &'a Snapshot,
    rset: &'a ResourceSet,
    entries: &[ObjectRef],
    annotations: &impl Fn(&ObjectRef) -> Option<&'b BTreeMap<String, String>>,
    templates: &[Value],
) -> (Vec<Member<'a>>, Attributed) {
    // Every source takes part in the combinations, not only the preview providers.
    let all = resolve_inputs(rset, &snapshot.providers);
    let sources = permute::sources(rset, &all);
    let mut members = Vec::new();
    let mut namings = Vec::new();
    for positions in permute::combinations(&sources) {
        let naming = permute::naming(&sources, &positions);
        let mut inputs = BTreeMap::new();
        let mut combination = Vec::new();
        let mut prs: Vec<(&permute::Source<'_>, &BTreeMap<String, Value>)> = Vec::new();
        for (source, &i) in sources.iter().zip(&positions) {
            let Some(input) = source.inputs.get(i) else {
                continue;
            };
            inputs.insert(
                source.key.clone(),
                Value::Object(input.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            );
            combination.push(CombinedInput {
                key: source.key.clone(),
                provider: source.provider.map(provider_info),
                id: input_string(input, "id"),
                sha: input_string(input, "sha"),
            });
            if source.is_preview() {
                prs.push((source, input));
            }
        }
        let Some((first, _)) = prs.first() else {
            // Nothing of a PR in it: its objects belong to the ResourceSet.
            continue;
        };
        let Some(provider) = first.provider else {
            continue;
        };
        let single = match prs.as_slice() {
            [(_, input)] => pull_request(input),
            _ => None,
        };
        let sha_paths = match single {
            Some(_) => deployed::sha_paths(templates, &format!("inputs.{}.sha", first.key)),
            None => vec![],
        };
        let pr = PullRequest {
            id: naming.id.clone(),
            sha: single.as_ref().and_then(|p| p.sha.clone()),
            branch: single.as_ref().and_then(|p| p.branch.clone()),
            title: single.as_ref().and_then(|p| p.title.clone()),
            author: single.as_ref().and_then(|p| p.author.clone()),
            labels: single.map(|p| p.labels).unwrap_or_default(),
            url: None,
            inputs,
        };
        members.push(Member {
            id_ref: naming.id.clone(),
            pr,
            provider,
            sha_paths,
            combination,
        });
        namings.push(naming);
    }
    let attributed = permute::attribute(entries, &namings, annotations);
    (members, attributed)
}

fn build_set(
    snapshot: &Snapshot,
    index: &Index<'_>,
    rset: &ResourceSet,
    providers: &[&Provider],
    pods: &PodProblems,
) -> (Vec<Environment>, PreviewSet) {
    let ns = &rset.metadata.namespace();
    let entries = inventory::parse_entries(
        rset.status
            .inventory
            .as_ref()
            .map(|i| i.entries.as_slice())
            .unwrap_or(&[]),
    );
    let owned = |meta: &Meta| {
        meta.labels().get(OWNER_NAME_LABEL).map(String::as_str) == Some(rset.metadata.name())
            && meta.labels().get(OWNER_NAMESPACE_LABEL).map(String::as_str) == Some(ns)
    };
    let annotations = |r: &ObjectRef| {
        index
            .get(r)
            .map(|i| i.meta())
            .filter(|m| owned(m))
            .map(|m| m.annotations())
    };
    let templates = template::all_objects(&rset.spec);
    let (prs, attributed, not_rendered) = if permute::is_permute(&rset.spec) {
        let (prs, attributed) = permuted(snapshot, rset, &entries, &annotations, &templates);
        let why = "inputStrategy Permute: attributed by name".to_string();
        (prs, attributed, Some(why))
    } else {
        let key = (
            rset.metadata.namespace().to_string(),
            rset.metadata.name().to_string(),
        );
        let ahead = snapshot.renderings.get(&key);
        let now = match ahead {
            Some(_) => None,
            None => Some(render::render(
                rset,
                &resolve_inputs(rset, &snapshot.providers),
            )),
        };
        let rendering = ahead.or(now.as_ref());
        let (prs, attributed) = flattened(
            providers,
            &entries,
            &annotations,
            &templates,
            rendering.and_then(|r| r.as_ref().ok()),
        );
        (
            prs,
            attributed,
            rendering.and_then(|r| r.as_ref().err().cloned()),
        )
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
    for (member, top) in prs.iter().zip(per_pr) {
        let (pr, provider) = (&member.pr, member.provider);
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
                    annotations: item.map(|i| i.meta().annotations()),
                    spec: match item {
                        Some(Item::Object(x)) => Some(&x.spec),
                        _ => None,
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
        let deployed_sha = deployed::rendered_sha(&top_flux, &member.sha_paths);
        let mut forbidden = BTreeSet::new();
        let flux_unreadable: Vec<Kind> = [Kind::Kustomization, Kind::HelmRelease]
            .into_iter()
            .filter(|k| snapshot.unreadable(*k, ns))
            .filter(|k| {
                top.iter()
                    .any(|(r, _)| Kind::of(&r.group, &r.kind) == Some(*k))
            })
            .collect();
        let unreadable = (!flux_unreadable.is_empty()).then(|| {
            forbidden.insert(Column::Deployed);
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
            forbidden.insert(Column::Url);
        }
        if unreadable.is_some() {
            forbidden.insert(Column::Status);
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
            .filter_map(|f| f.metadata.creation_timestamp.as_ref())
            .min()
            .map(|t| t.0.to_string());
        let last_deploy = last_deploy(&top_flux);
        let up_to_date = match (&pr.sha, &deployed_sha) {
            (Some(head), Some(d)) => Some(deployed::same_commit(head, d)),
            _ => None,
        };
        envs.push(Environment {
            name: format!("{ns}/{}/{}", rset.metadata.name(), member.id_ref),
            namespace: ns.to_string(),
            resource_set: rset.metadata.name().to_string(),
            pr: pr.clone(),
            provider: provider_info(provider),
            status: health.status,
            message: health.message,
            cause: health.cause,
            url: urls.first().map(|u| u.url.clone()),
            urls,
            deployed_sha,
            up_to_date,
            created_at,
            last_deploy,
            objects,
            forbidden,
            combination: member.combination.clone(),
        });
    }
    let set = PreviewSet {
        namespace: ns.to_string(),
        name: rset.metadata.name().to_string(),
        providers: providers.iter().map(|p| provider_info(p)).collect(),
        shared_objects: shared,
        not_rendered,
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
            let ready = if rollout.is_complete() {
                "True"
            } else {
                "False"
            };
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

/// When these Flux objects last applied something new: the newest `status.history` entry of any
/// of them; for an object without a history (an older Flux), the time its Ready condition last
/// turned True.
pub fn last_deploy(flux: &[&FluxObject]) -> Option<String> {
    flux.iter()
        .filter_map(|f| {
            f.status.last_applied_at.clone().or_else(|| {
                find_condition(&f.status.conditions, "Ready")
                    .filter(|c| c.status == "True")
                    .and_then(|c| c.last_transition_time.clone())
            })
        })
        .filter_map(|t| t.parse::<jiff::Timestamp>().ok())
        .max()
        .map(|t| t.to_string())
}

/// `list --sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Oldest environment first (creation time; unknown last).
    Age,
    /// Longest since its last deploy first (unknown last).
    Deploy,
    /// By namespace, ResourceSet and PR number (numbers in numeric order).
    Pr,
}

fn timestamp(t: Option<&str>) -> Option<jiff::Timestamp> {
    t.and_then(|t| t.parse().ok())
}

/// Sorts environments for `list --sort`; ties keep the catalog's order.
pub fn sort(envs: &mut [&Environment], by: Sort) {
    match by {
        // `None` sorts after every time: `(is_none, time)`.
        Sort::Age => envs.sort_by_key(|e| {
            let t = timestamp(e.created_at.as_deref());
            (t.is_none(), t)
        }),
        Sort::Deploy => envs.sort_by_key(|e| {
            let t = timestamp(e.last_deploy.as_deref());
            (t.is_none(), t)
        }),
        Sort::Pr => envs.sort_by(|a, b| {
            let key = |e: &Environment| {
                (
                    e.namespace.clone(),
                    e.resource_set.clone(),
                    e.pr.id.parse::<u64>().ok().map_or((1, 0), |n| (0, n)),
                    e.pr.id.clone(),
                )
            };
            key(a).cmp(&key(b))
        }),
    }
}

/// `list --older-than`: created longer than `age` before `now` (unknown creation: no).
pub fn older_than(env: &Environment, now: jiff::Timestamp, age: std::time::Duration) -> bool {
    timestamp(env.created_at.as_deref()).is_some_and(|t| elapsed(t, now) > age)
}

/// `list --idle`: nothing new applied for longer than `idle` before `now`; an environment with no
/// known deploy time counts from its creation.
pub fn idle_for(env: &Environment, now: jiff::Timestamp, idle: std::time::Duration) -> bool {
    timestamp(env.last_deploy.as_deref())
        .or_else(|| timestamp(env.created_at.as_deref()))
        .is_some_and(|t| elapsed(t, now) > idle)
}

fn elapsed(since: jiff::Timestamp, now: jiff::Timestamp) -> std::time::Duration {
    std::time::Duration::try_from(now.duration_since(since)).unwrap_or_default()
}

#[cfg(test)]
mod permute_tests {
    use super::*;
    use serde_json::json;

    fn snapshot(objects: Vec<Value>) -> Snapshot {
        let mut s = Snapshot::default();
        for o in objects {
            match o["kind"].as_str() {
                Some("ResourceSetInputProvider") => {
                    s.providers.push(serde_json::from_value(o).unwrap())
                }
                Some("ResourceSet") => s.resource_sets.push(serde_json::from_value(o).unwrap()),
                Some("Kustomization") => s.flux.push(serde_json::from_value(o).unwrap()),
                _ => {}
            }
        }
        s
    }

    fn provider(name: &str, type_: &str, inputs: Value) -> Value {
        json!({"kind": "ResourceSetInputProvider", "metadata": {"name": name, "namespace": "ns"},
               "spec": {"type": type_}, "status": {"exportedInputs": inputs}})
    }

    fn ks(name: &str, sha: &str) -> Value {
        json!({"kind": "Kustomization", "metadata": {"name": name, "namespace": "ns",
                "labels": {OWNER_NAME_LABEL: "app", OWNER_NAMESPACE_LABEL: "ns"}},
               "spec": {"postBuild": {"substitute": {"COMMIT_SHA": sha}}},
               "status": {"conditions": [{"type": "Ready", "status": "True", "message": "ok"}]}})
    }

    fn rset(providers: &[&str], template: &str, names: &[&str]) -> Value {
        let entries: Vec<Value> = names
            .iter()
            .map(|n| json!({"id": format!("ns_{n}_kustomize.toolkit.fluxcd.io_Kustomization"), "v": "v1"}))
            .collect();
        let from: Vec<Value> = providers.iter().map(|p| json!({"name": p})).collect();
        json!({"kind": "ResourceSet", "metadata": {"name": "app", "namespace": "ns"},
               "spec": {"inputStrategy": {"name": "Permute"}, "inputsFrom": from,
                        "resources": [{"kind": "Kustomization", "metadata": {"name": template},
                                       "spec": {"postBuild": {"substitute": {"COMMIT_SHA": "<< inputs.app_prs.sha >>"}}}}]},
               "status": {"conditions": [{"type": "Ready", "status": "True"}], "inventory": {"entries": entries}}})
    }

    fn flux(status: Value) -> FluxObject {
        serde_json::from_value(
            json!({"kind": "Kustomization", "metadata": {"name": "x"}, "status": status}),
        )
        .unwrap()
    }

    #[test]
    fn the_last_deploy_is_the_newest_history_entry_or_the_ready_transition() {
        // Kustomization: firstReconciled per digest; HelmRelease: firstDeployed per release.
        let ks = flux(json!({"history": [
            {"digest": "sha256:b", "firstReconciled": "2026-11-20T10:00:00Z", "lastReconciled": "2026-11-25T10:00:00Z"},
            {"digest": "sha256:a", "firstReconciled": "2026-11-01T10:00:00Z"}]}));
        let hr = flux(
            json!({"history": [{"firstDeployed": "2026-11-21T08:00:00Z", "lastDeployed": "2026-11-24T08:00:00Z"}]}),
        );
        assert_eq!(last_deploy(&[&ks]).as_deref(), Some("2026-11-20T10:00:00Z"));
        assert_eq!(
            last_deploy(&[&ks, &hr]).as_deref(),
            Some("2026-11-21T08:00:00Z")
        );
        // No history (an older Flux): when Ready last turned True; not when it turned False.
        let ready = flux(
            json!({"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-11-22T00:00:00Z"}]}),
        );
        let failed = flux(
            json!({"conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": "2026-11-23T00:00:00Z"}]}),
        );
        assert_eq!(
            last_deploy(&[&ready]).as_deref(),
            Some("2026-11-22T00:00:00Z")
        );
        assert_eq!(last_deploy(&[&failed]), None);
        // Hostile or malformed history: ignored, never a panic.
        let odd = flux(
            json!({"history": [{"firstReconciled": "yesterday"}, 7, {"firstDeployed": ["x"]}]}),
        );
        assert_eq!(last_deploy(&[&odd]), None);
        assert_eq!(flux(json!({"history": "x"})).status.last_applied_at, None);
    }

    #[test]
    fn list_sorts_and_filters_by_age_and_last_deploy() {
        let s = snapshot(vec![provider(
            "p",
            "GitHubPullRequest",
            json!([{"id": "1"}]),
        )]);
        let env = |id: &str, created: Option<&str>, deployed: Option<&str>| {
            let mut e = unreadable_env(
                &s.providers[0],
                PullRequest {
                    id: id.into(),
                    ..Default::default()
                },
            );
            e.created_at = created.map(str::to_string);
            e.last_deploy = deployed.map(str::to_string);
            e
        };
        let envs = vec![
            env(
                "10",
                Some("2026-11-20T00:00:00Z"),
                Some("2026-11-25T00:00:00Z"),
            ),
            env(
                "9",
                Some("2026-11-01T00:00:00Z"),
                Some("2026-11-02T00:00:00Z"),
            ),
            env("100", None, None),
            env("11", Some("2026-11-25T00:00:00Z"), None),
        ];
        let catalog = Catalog {
            environments: envs,
            ..Default::default()
        };
        let now: jiff::Timestamp = "2026-11-26T00:00:00Z".parse().unwrap();
        let ids = |q: Query| -> Vec<String> {
            catalog
                .query(&q, now)
                .iter()
                .map(|e| e.pr.id.clone())
                .collect()
        };
        let day = std::time::Duration::from_secs(86_400);
        assert_eq!(
            ids(Query {
                sort: Some(Sort::Age),
                ..Default::default()
            }),
            ["9", "10", "11", "100"]
        );
        assert_eq!(
            ids(Query {
                sort: Some(Sort::Deploy),
                ..Default::default()
            }),
            ["9", "10", "100", "11"]
        );
        assert_eq!(
            ids(Query {
                sort: Some(Sort::Pr),
                ..Default::default()
            }),
            ["9", "10", "11", "100"]
        );
        assert_eq!(
            ids(Query {
                older_than: Some(3 * day),
                ..Default::default()
            }),
            ["10", "9"]
        );
        // Idle counts from creation when no deploy time is known; unknown both: not idle.
        assert_eq!(
            ids(Query {
                idle: Some(3 * day),
                ..Default::default()
            }),
            ["9"]
        );
        assert_eq!(
            ids(Query {
                idle: Some(day / 2),
                sort: Some(Sort::Deploy),
                ..Default::default()
            }),
            ["9", "10", "11"]
        );
        assert!(
            ids(Query {
                older_than: Some(365 * day),
                ..Default::default()
            })
            .is_empty()
        );
    }

    #[test]
    fn a_combination_of_two_prs_is_not_one_prs() {
        let s = snapshot(vec![
            provider(
                "web-prs",
                "GitHubPullRequest",
                json!([{"id": "12", "sha": "1111111"}, {"id": "13", "sha": "1313131"}]),
            ),
            provider(
                "api-prs",
                "GitHubPullRequest",
                json!([{"id": "34", "sha": "3434343", "title": "API"}]),
            ),
            rset(
                &["web-prs", "api-prs"],
                "app-<< inputs.web_prs.id >>-<< inputs.api_prs.id >>",
                &["app-12-34", "app-13-34", "app-12", "app-34"],
            ),
            ks("app-12-34", "1111111"),
            ks("app-13-34", "1313131"),
            ks("app-12", "1111111"),
            ks("app-34", "3434343"),
        ]);
        let c = build(&s, &PodProblems::new());
        let names: Vec<&str> = c.environments.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["ns/app/34+12", "ns/app/34+13"]);
        let e = &c.environments[0];
        assert_eq!(e.pr.id, "34+12");
        assert_eq!(
            (&e.pr.sha, &e.pr.title, &e.up_to_date),
            (&None, &None, &None),
            "no single head"
        );
        let objects: Vec<&str> = e
            .objects
            .iter()
            .map(|o| o.reference.name.as_str())
            .collect();
        assert_eq!(objects, ["app-12-34"]);
        let keys: Vec<(&str, Option<&str>)> = e
            .combination
            .iter()
            .map(|p| (p.key.as_str(), p.id.as_deref()))
            .collect();
        assert_eq!(keys, [("api_prs", Some("34")), ("web_prs", Some("12"))]);
        assert_eq!(e.pr.inputs["web_prs"]["sha"], "1111111");
        // An object naming only one PR of the combination is nobody's.
        let shared: Vec<&str> = c.preview_sets[0]
            .shared_objects
            .iter()
            .map(|o| o.name.as_str())
            .collect();
        assert_eq!(shared, ["app-12", "app-34"]);
        // JSON says what it is.
        let v = serde_json::to_value(e).unwrap();
        assert_eq!(v["combination"][1]["provider"]["name"], "web-prs");
    }

    #[test]
    fn one_pr_across_other_inputs_keeps_its_head_and_deployed_commit() {
        let s = snapshot(vec![
            provider(
                "app-prs",
                "GitHubPullRequest",
                json!([{"id": "12", "sha": "abcdef1234", "branch": "feat/x"}]),
            ),
            provider("regions", "Static", json!([{"id": "eu"}, {"id": "us"}])),
            rset(
                &["app-prs", "regions"],
                "app-<< inputs.app_prs.id >>-<< inputs.regions.id >>",
                &["app-12-eu", "app-12-us"],
            ),
            ks("app-12-eu", "abcdef1234"),
            ks("app-12-us", "0123456789"),
        ]);
        let c = build(&s, &PodProblems::new());
        let got: Vec<(&str, Option<&str>, Option<bool>)> = c
            .environments
            .iter()
            .map(|e| (e.name.as_str(), e.deployed_sha.as_deref(), e.up_to_date))
            .collect();
        assert_eq!(
            got,
            [
                ("ns/app/12+eu", Some("abcdef1234"), Some(true)),
                ("ns/app/12+us", Some("0123456789"), Some(false))
            ]
        );
        assert_eq!(c.environments[1].status, Status::Outdated);
        assert_eq!(c.environments[0].pr.branch.as_deref(), Some("feat/x"));
    }
}
