//! The teardown planner (spec §5), pure: a snapshot and the environment to tear down in, the plan
//! out. Deleting is the most dangerous thing this tool does, so an object is planned for deletion
//! only when it is provably this environment's:
//! - top-level objects: in the ResourceSet's inventory (or, for a PR that is no longer exported,
//!   still carrying the ResourceSet's owner labels after it left the inventory), carrying those
//!   owner labels, and attributed to this PR alone, against every PR the ResourceSet's providers
//!   export plus the one torn down;
//! - nested objects: in the inventory of one of those Flux objects and of no other Flux object,
//!   carrying that Flux object's own owner labels, and not annotated for another PR.
//!
//! Namespaces, ResourceSets and providers are never deleted. Ownership that the snapshot cannot
//! show (kinds that are not read) is part of the plan as an [`Owner`] and checked against the live
//! object right before it is deleted.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::model::attribution::{self, PrKey, Rule};
use crate::model::environments::{self, ProviderInfo};
use crate::model::flux::{self, OWNER_NAME_LABEL, OWNER_NAMESPACE_LABEL};
use crate::model::inventory::{self, ObjectRef};
use crate::model::objects::{FluxObject, Identity, Meta, Provider, ResourceSet};
use crate::model::snapshot::{Kind, Snapshot};

/// `kustomize.toolkit.fluxcd.io/prune: disabled` keeps an object from kustomize-controller's
/// garbage collection; `fluxcd.controlplane.io/prune: disabled` from the Flux Operator's.
pub const KUSTOMIZE_PRUNE: &str = "kustomize.toolkit.fluxcd.io/prune";
pub const OPERATOR_PRUNE: &str = "fluxcd.controlplane.io/prune";

/// The environment to tear down: one PR of one preview ResourceSet, exported or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub namespace: String,
    pub resource_set: String,
    pub id: String,
    /// Which provider's PR, when two providers of the ResourceSet export the same id.
    pub provider: Option<String>,
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.namespace, self.resource_set, self.id)?;
        match &self.provider {
            Some(p) => write!(f, "@{p}"),
            None => Ok(()),
        }
    }
}

/// Whose labels an object must carry, checked again on the live object before it is deleted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Owner {
    /// The Flux Operator's owner labels of the ResourceSet.
    ResourceSet { namespace: String, name: String },
    /// kustomize-controller's or helm-controller's owner labels of the Flux object that applied it.
    Flux { parent: ObjectRef },
}

impl Owner {
    /// The label pairs the object must carry.
    pub fn labels(&self) -> [(String, String); 2] {
        match self {
            Owner::ResourceSet { namespace, name } => [
                (OWNER_NAME_LABEL.to_string(), name.clone()),
                (OWNER_NAMESPACE_LABEL.to_string(), namespace.clone()),
            ],
            Owner::Flux { parent } => {
                let prefix = if parent.group == flux::HELM_GROUP {
                    "helm.toolkit.fluxcd.io"
                } else {
                    "kustomize.toolkit.fluxcd.io"
                };
                [
                    (format!("{prefix}/name"), parent.name.clone()),
                    (format!("{prefix}/namespace"), parent.namespace.clone()),
                ]
            }
        }
    }

    pub fn owns(&self, labels: &BTreeMap<String, String>) -> bool {
        self.labels()
            .iter()
            .all(|(k, v)| labels.get(k).is_some_and(|l| l == v))
    }
}

/// Why a Flux object would not garbage-collect what it applied when deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Orphaning {
    /// A Kustomization with `prune: false` (or unset).
    PruneDisabled,
    /// `spec.suspend: true`: the controllers skip garbage collection on delete.
    Suspended,
    /// `spec.deletionPolicy: Orphan`.
    DeletionPolicyOrphan,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "reason")]
pub enum DeleteReason {
    /// The PR is still exported (`--force`).
    Rendered,
    /// The PR is no longer exported; the object is still there.
    LeftBehind,
    /// Applied by a Flux object of the environment that would leave it behind.
    Orphaned { parent: ObjectRef, by: Orphaning },
    /// Applied by a Flux object of the environment, but excluded from its garbage collection.
    PruneExcluded { parent: ObjectRef },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "reason")]
pub enum KeepReason {
    /// Namespaces, ResourceSets and providers are never deleted.
    Protected,
    /// It lacks the owner labels it must carry.
    NotOwned { owner: Owner },
    /// Its `change_request` annotation names another PR.
    OtherPr { id: String },
    /// Another Flux object's inventory lists it too.
    Shared { with: ObjectRef },
    /// Its name also holds another number, which may be another closed PR's id.
    Ambiguous { token: String },
    /// Its name also holds the slug of an exported PR's title.
    TitleOf { id: String },
    /// Several providers feed the ResourceSet: a PR that is no longer exported cannot be told
    /// apart from another provider's PR of the same id by its name.
    SeveralProviders,
    /// A Flux object the snapshot could not read: what deleting it would leave behind is unknown.
    Unread,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delete {
    pub object: ObjectRef,
    #[serde(flatten)]
    pub reason: DeleteReason,
    pub owner: Owner,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pruned {
    pub object: ObjectRef,
    /// The Flux object whose garbage collection removes it.
    pub by: ObjectRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Kept {
    pub object: ObjectRef,
    #[serde(flatten)]
    pub reason: KeepReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "note")]
pub enum Note {
    /// A Flux object of the environment will orphan what it applied: deleted explicitly.
    Orphans { parent: ObjectRef, by: Orphaning },
    /// A Flux object of the environment could not be read: what it applied is not known.
    UnreadInventory { parent: ObjectRef },
    /// A protected object (a namespace) that a Flux object of the environment garbage-collects:
    /// Flux deletes it, with everything in it; the plugin itself never does.
    FluxDeletes {
        object: ObjectRef,
        parent: ObjectRef,
    },
    /// The PR is no longer exported: what the ResourceSet still lists is pruned by its reconcile;
    /// what it still renders after the reconcile is kept.
    GitOpsFirst { resource_set: ObjectRef },
}

/// What `delete` will do, computed from the snapshot alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub environment: String,
    /// The provider that exports (or exported) the PR.
    pub provider: Option<ProviderInfo>,
    pub still_exported: bool,
    /// Deleted by this command, in order (Flux objects first).
    pub delete: Vec<Delete>,
    /// Expected to disappear through Flux's garbage collection.
    pub pruned: Vec<Pruned>,
    /// Attributed objects this command will not touch, and why.
    pub kept: Vec<Kept>,
    pub notes: Vec<Note>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.delete.is_empty() && self.pruned.is_empty()
    }
}

/// Namespaces, ResourceSets, providers, CRDs and APIServices are never deleted.
pub fn protected(r: &ObjectRef) -> bool {
    matches!(
        (r.group.as_str(), r.kind.as_str()),
        ("", "Namespace")
            | (flux::FLUX_OPERATOR_GROUP, "ResourceSet")
            | (flux::FLUX_OPERATOR_GROUP, "ResourceSetInputProvider")
            // Deleting either takes every object of its API, cluster-wide.
            | ("apiextensions.k8s.io", "CustomResourceDefinition")
            | ("apiregistration.k8s.io", "APIService")
    )
}

/// Flux objects first, then their sources, then everything else.
fn order(r: &ObjectRef) -> u8 {
    match r.group.as_str() {
        flux::KUSTOMIZE_GROUP | flux::HELM_GROUP => 0,
        flux::SOURCE_GROUP => 1,
        _ => 2,
    }
}

/// One read `delete` makes for a PR that is no longer exported: objects of a kind the snapshot
/// does not read that a ResourceSet's templates produce, with its owner labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LeftoverRead {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The namespace the templates name (the ResourceSet's when they name none); ignored for a
    /// cluster-scoped kind. Templates that compute the namespace are not read.
    pub namespace: String,
    /// The ResourceSet whose owner labels select the objects.
    pub owner: Owner,
}

/// What `delete` reads beyond the snapshot for a PR of `resource_set` that is no longer
/// exported: one read per kind and namespace its templates produce that is not a kind the
/// snapshot reads (those are already in it), never one per object.
pub fn leftover_reads(
    snapshot: &Snapshot,
    namespace: &str,
    resource_set: &str,
) -> Vec<LeftoverRead> {
    let Some(rset) = snapshot
        .resource_sets
        .iter()
        .find(|r| r.metadata.namespace() == namespace && r.metadata.name() == resource_set)
    else {
        return vec![];
    };
    let owner = Owner::ResourceSet {
        namespace: namespace.to_string(),
        name: resource_set.to_string(),
    };
    let mut reads: Vec<LeftoverRead> = crate::model::template::all_objects(&rset.spec)
        .iter()
        .filter_map(|o| {
            let api_version = o.get("apiVersion")?.as_str()?;
            let kind = o.get("kind")?.as_str()?;
            // A templated kind or API is not known before rendering.
            if api_version.contains("<<") || kind.contains("<<") || kind.is_empty() {
                return None;
            }
            let (group, version) = match api_version.rsplit_once('/') {
                Some((g, v)) => (g, v),
                None => ("", api_version),
            };
            let r = ObjectRef::new(group, kind, "", "");
            if Kind::of(group, kind).is_some() || r.is_flux_applier() || protected(&r) {
                return None;
            }
            let ns = o
                .pointer("/metadata/namespace")
                .and_then(|n| n.as_str())
                .filter(|n| !n.is_empty());
            let namespace = match ns {
                // A computed namespace could be any namespace: reading them all would offer
                // objects copied elsewhere with their labels. Not looked for.
                Some(n) if n.contains("<<") => return None,
                // A namespace name, or nothing: it goes into a request path.
                Some(n) if !crate::model::reference::is_namespace_name(n) => return None,
                Some(n) => n.to_string(),
                // The operator puts namespaced objects without one in the ResourceSet's.
                None => namespace.to_string(),
            };
            Some(LeftoverRead {
                group: group.to_string(),
                version: version.to_string(),
                kind: kind.to_string(),
                namespace,
                owner: owner.clone(),
            })
        })
        .collect();
    reads.sort();
    reads.dedup();
    reads
}

/// The metadata of an object of a kind the snapshot reads; `None` when it is not there (not read,
/// or gone).
fn meta_of<'a>(snapshot: &'a Snapshot, r: &ObjectRef) -> Option<&'a Meta> {
    if r.is_flux_applier() {
        return flux_of(snapshot, r).map(|f| &f.metadata);
    }
    match Kind::of(&r.group, &r.kind) {
        Some(kind) => snapshot
            .objects_of(kind)
            .iter()
            .find(|o| o.metadata.namespace() == r.namespace && o.metadata.name() == r.name)
            .map(|o| &o.metadata),
        None => snapshot
            .leftovers
            .iter()
            .find(|(l, _)| l.same_object(r))
            .map(|(_, m)| m),
    }
}

/// The UID of the object as the plan saw it, when the snapshot holds it: the object deleted must
/// be that one, not one re-created under the same name while the command waited.
pub fn planned_uid<'a>(snapshot: &'a Snapshot, r: &ObjectRef) -> Option<&'a str> {
    meta_of(snapshot, r)
        .map(|m| m.uid())
        .filter(|u| !u.is_empty())
}

fn flux_of<'a>(snapshot: &'a Snapshot, r: &ObjectRef) -> Option<&'a FluxObject> {
    snapshot.flux.iter().find(|f| {
        f.kind == r.kind && f.metadata.namespace() == r.namespace && f.metadata.name() == r.name
    })
}

fn flux_ref(f: &FluxObject) -> ObjectRef {
    let group = if f.kind == "HelmRelease" {
        flux::HELM_GROUP
    } else {
        flux::KUSTOMIZE_GROUP
    };
    ObjectRef::new(group, &f.kind, f.metadata.namespace(), f.metadata.name())
}

fn entries_of(inv: Option<&crate::model::objects::Inventory>) -> Vec<ObjectRef> {
    inv.map(|i| inventory::parse_entries(&i.entries))
        .unwrap_or_default()
}

/// Why deleting this Flux object would leave what it applied behind, if it would: the
/// controllers skip garbage collection for a suspended object, and kustomize-controller follows
/// `spec.deletionPolicy` (`MirrorPrune`, the default, mirrors `prune`; `Delete` and
/// `WaitForTermination` always collect; `Orphan` never does).
fn orphaning(f: &FluxObject) -> Option<Orphaning> {
    if f.suspended() {
        return Some(Orphaning::Suspended);
    }
    if f.kind == "HelmRelease" {
        return None;
    }
    match f.spec.get("deletionPolicy").and_then(Value::as_str) {
        Some("Delete") | Some("WaitForTermination") => None,
        Some("Orphan") => Some(Orphaning::DeletionPolicyOrphan),
        _ => (f.spec.get("prune").and_then(Value::as_bool) != Some(true))
            .then_some(Orphaning::PruneDisabled),
    }
}

fn disabled(meta: &Meta, key: &str) -> bool {
    [meta.labels(), meta.annotations()].iter().any(|m| {
        m.get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("disabled"))
    })
}

/// A provider of the ResourceSet, and whether it is a preview (change-request) provider.
struct ResolvedProvider<'a> {
    provider: &'a Provider,
    is_preview: bool,
}

/// The providers of the ResourceSet, preview or not.
fn providers_of<'a>(snapshot: &'a Snapshot, rset: &ResourceSet) -> Vec<ResolvedProvider<'a>> {
    environments::resolve_inputs(rset, &snapshot.providers)
        .into_iter()
        .map(|p| ResolvedProvider {
            provider: p,
            is_preview: flux::is_change_request_type(&p.spec.type_),
        })
        .collect()
}

/// Every input the providers export, with its title: the inputs of providers of other types
/// (branches, tags) compete for names too.
fn inputs_of<'a, 'b>(
    providers: &'b [ResolvedProvider<'a>],
) -> Vec<(PrKey, &'b ResolvedProvider<'a>, Option<String>)> {
    providers
        .iter()
        .flat_map(|p| {
            p.provider
                .status
                .exported_inputs
                .iter()
                .filter_map(move |input| {
                    let title = input
                        .get("title")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    PrKey::of(input).map(|k| (k, p, title))
                })
        })
        .collect()
}

/// Rule 2's evidence for the ResourceSet, against the inputs of [`inputs_of`] (by position in
/// it); `None` when its templates do not render (rule 3 then decides everything) or it permutes
/// its inputs (an environment is then a combination, which names decide).
fn rendered_evidence(
    rset: &ResourceSet,
    providers: &[ResolvedProvider<'_>],
) -> Option<attribution::Rendered> {
    if crate::model::permute::is_permute(&rset.spec) {
        return None;
    }
    let all: Vec<&Provider> = providers.iter().map(|p| p.provider).collect();
    let rendering = crate::model::render::render(rset, &all).ok()?;
    // The same walk as `inputs_of`: each input that is a PR key, by provider and position.
    let mut at: BTreeMap<(&str, &str, usize), usize> = BTreeMap::new();
    for p in providers {
        for (i, input) in p.provider.status.exported_inputs.iter().enumerate() {
            if PrKey::of(input).is_some() {
                let next = at.len();
                at.insert(
                    (
                        p.provider.metadata.namespace(),
                        p.provider.metadata.name(),
                        i,
                    ),
                    next,
                );
            }
        }
    }
    Some(crate::model::render::evidence(&rendering, |origin| {
        origin.provider_key().and_then(|k| at.get(&k).copied())
    }))
}

fn info(p: &Provider) -> ProviderInfo {
    ProviderInfo {
        namespace: p.metadata.namespace().to_string(),
        name: p.metadata.name().to_string(),
        type_: p.spec.type_.clone(),
    }
}

/// The plan for `subject`; `None` when its ResourceSet is not in the snapshot or the subject names
/// a provider the ResourceSet does not use.
pub fn plan(snapshot: &Snapshot, subject: &Subject) -> Option<Plan> {
    let rset = snapshot.resource_sets.iter().find(|r| {
        r.metadata.namespace() == subject.namespace && r.metadata.name() == subject.resource_set
    })?;
    let providers = providers_of(snapshot, rset);
    let prs = inputs_of(&providers);
    if let Some(p) = &subject.provider
        && !providers
            .iter()
            .any(|x| x.is_preview && x.provider.metadata.name() == *p)
    {
        return None;
    }
    let is_subject = |key: &PrKey, p: &ResolvedProvider<'_>| {
        p.is_preview
            && key.id == subject.id
            && subject
                .provider
                .as_ref()
                .is_none_or(|want| *want == p.provider.metadata.name())
    };
    let mut keys: Vec<PrKey> = prs.iter().map(|(k, _, _)| k.clone()).collect();
    let exported_at = prs.iter().position(|(k, p, _)| is_subject(k, p));
    let still_exported = exported_at.is_some();
    // PR numbers are numbers: a reference that is not one (a typo, a ResourceSet's name) is never
    // taken for a PR that is no longer exported.
    if !still_exported && !is_number(&subject.id) {
        return None;
    }
    // A PR that is no longer exported is attributed as one more PR beside every input of every
    // provider of the ResourceSet, so that it never claims what one of them could claim.
    let target = match exported_at {
        Some(i) => i,
        None => {
            keys.push(PrKey {
                id: subject.id.clone(),
                slugs: vec![],
            });
            keys.len() - 1
        }
    };
    let preview: Vec<&Provider> = providers
        .iter()
        .filter(|p| p.is_preview)
        .map(|p| p.provider)
        .collect();
    let provider = match exported_at.and_then(|i| prs.get(i)) {
        Some((_, p, _)) => Some(info(p.provider)),
        None => match &subject.provider {
            Some(name) => preview
                .iter()
                .find(|p| p.metadata.name() == name)
                .map(|p| info(p)),
            None => preview.first().map(|p| info(p)),
        },
    };
    let owner = Owner::ResourceSet {
        namespace: subject.namespace.clone(),
        name: subject.resource_set.clone(),
    };
    let rset_ref = ObjectRef::new(
        flux::FLUX_OPERATOR_GROUP,
        "ResourceSet",
        &subject.namespace,
        &subject.resource_set,
    );

    // Candidates: the ResourceSet's inventory, plus (only for a PR no longer exported) objects
    // that still carry its owner labels after leaving the inventory, such as
    // `fluxcd.controlplane.io/prune: disabled` ones: of the kinds read, and the leftovers `delete`
    // read of the other kinds its templates produce.
    let inventory: BTreeSet<ObjectRef> = entries_of(rset.status.inventory.as_ref())
        .iter()
        .map(plain)
        .collect();
    let mut candidates: Vec<ObjectRef> = inventory.iter().cloned().collect();
    if !still_exported {
        candidates.extend(
            snapshot
                .flux
                .iter()
                .filter(|f| owner.owns(f.metadata.labels()))
                .map(flux_ref),
        );
        for (kind, objects) in &snapshot.objects {
            let (group, _, _) = kind.api();
            candidates.extend(
                objects
                    .iter()
                    .filter(|o| owner.owns(o.metadata.labels()))
                    .map(|o| {
                        ObjectRef::new(
                            group,
                            kind.kind_name(),
                            o.metadata.namespace(),
                            o.metadata.name(),
                        )
                    }),
            );
        }
    }
    if !still_exported {
        candidates.extend(
            snapshot
                .leftovers
                .iter()
                .filter(|(_, m)| owner.owns(m.labels()))
                // With its version: it is deleted through the API its template names.
                .map(|(r, _)| r.clone()),
        );
    }
    candidates.sort();
    candidates.dedup_by(|a, b| a.same_object(b));
    // Annotations count only on objects that carry the owner labels (as `list` attributes).
    let evidence = rendered_evidence(rset, &providers);
    let attributed = attribution::attribute(
        &candidates,
        &keys,
        |r| {
            meta_of(snapshot, r)
                .filter(|m| owner.owns(m.labels()))
                .map(|m| m.annotations())
        },
        evidence.as_ref(),
    );
    let mut top: Vec<(ObjectRef, Rule)> = candidates
        .into_iter()
        .zip(attributed)
        .filter_map(|(r, who)| match who {
            Some((i, rule)) if i == target => Some((r, rule)),
            _ => None,
        })
        .collect();
    top.sort_by_key(|(r, _)| order(r));

    let mut plan = Plan {
        environment: subject.to_string(),
        provider,
        still_exported,
        delete: vec![],
        pruned: vec![],
        kept: vec![],
        notes: vec![],
    };
    let several_providers = providers.len() > 1;
    let mut parents: Vec<&FluxObject> = Vec::new();
    for (r, rule) in &top {
        let keep = |reason: KeepReason| Kept {
            object: r.clone(),
            reason,
        };
        if protected(r) {
            plan.kept.push(keep(KeepReason::Protected));
            continue;
        }
        if !still_exported
            && matches!(rule, Rule::NameToken { .. })
            && let Some(reason) = closed_name_doubt(&r.name, &subject.id, several_providers, &prs)
        {
            plan.kept.push(keep(reason));
            continue;
        }
        // Objects of the kinds read are checked now; the others right before deletion.
        if let Some(meta) = meta_of(snapshot, r)
            && !owner.owns(meta.labels())
        {
            plan.kept.push(keep(KeepReason::NotOwned {
                owner: owner.clone(),
            }));
            continue;
        }
        // Out of this ResourceSet's inventory, an object another Flux object or ResourceSet lists
        // is theirs too, whatever labels it carries.
        if !inventory.contains(&plain(r))
            && let Some(with) = listed_elsewhere(snapshot, r, &rset_ref)
        {
            plan.kept.push(keep(KeepReason::Shared { with }));
            continue;
        }
        let flux = r.is_flux_applier().then(|| flux_of(snapshot, r));
        match (still_exported, inventory.contains(&plain(r))) {
            // The ResourceSet's reconcile prunes what it no longer renders.
            (false, true) => plan.pruned.push(Pruned {
                object: r.clone(),
                by: rset_ref.clone(),
            }),
            (false, false) => plan.delete.push(Delete {
                object: r.clone(),
                reason: DeleteReason::LeftBehind,
                owner: owner.clone(),
            }),
            (true, _) if flux == Some(None) => {
                plan.kept.push(keep(KeepReason::Unread));
                continue;
            }
            (true, _) => plan.delete.push(Delete {
                object: r.clone(),
                reason: DeleteReason::Rendered,
                owner: owner.clone(),
            }),
        }
        match flux {
            Some(Some(f)) => parents.push(f),
            Some(None) => plan.notes.push(Note::UnreadInventory { parent: r.clone() }),
            None => {}
        }
    }
    if plan.pruned.iter().any(|p| p.by == rset_ref) {
        plan.notes.push(Note::GitOpsFirst {
            resource_set: rset_ref.clone(),
        });
    }

    // One level down: what the environment's Kustomizations and HelmReleases applied.
    let mut seen: BTreeSet<ObjectRef> = plan
        .delete
        .iter()
        .map(|d| plain(&d.object))
        .chain(plan.pruned.iter().map(|p| plain(&p.object)))
        .collect();
    for f in parents {
        let parent = flux_ref(f);
        let orphans = orphaning(f);
        if let Some(by) = orphans {
            plan.notes.push(Note::Orphans {
                parent: parent.clone(),
                by,
            });
        }
        for child in entries_of(f.status.inventory.as_ref()) {
            if !seen.insert(plain(&child)) {
                continue;
            }
            if orphans.is_none() && protected(&child) {
                plan.notes.push(Note::FluxDeletes {
                    object: child,
                    parent: parent.clone(),
                });
                continue;
            }
            if let Some(reason) = keep_child(snapshot, &child, &parent, &subject.id) {
                plan.kept.push(Kept {
                    object: child,
                    reason,
                });
                continue;
            }
            let excluded = f.kind == "Kustomization"
                && meta_of(snapshot, &child).is_some_and(|m| disabled(m, KUSTOMIZE_PRUNE));
            let owner = Owner::Flux {
                parent: parent.clone(),
            };
            match (orphans, excluded) {
                (Some(by), _) => plan.delete.push(Delete {
                    object: child,
                    reason: DeleteReason::Orphaned {
                        parent: parent.clone(),
                        by,
                    },
                    owner,
                }),
                (None, true) => plan.delete.push(Delete {
                    object: child,
                    reason: DeleteReason::PruneExcluded {
                        parent: parent.clone(),
                    },
                    owner,
                }),
                (None, false) => plan.pruned.push(Pruned {
                    object: child,
                    by: parent.clone(),
                }),
            }
        }
    }
    Some(plan)
}

fn is_number(id: &str) -> bool {
    !id.is_empty() && id.len() <= 20 && id.chars().all(|c| c.is_ascii_digit())
}

/// Why a name that holds a PR number that is no longer exported may still be another's: other
/// closed PRs are unknown (`696-638` may be 696's), another provider may have had the same
/// number, and an exported PR's title may be rendered into names. Only an annotation claims
/// such an object.
fn closed_name_doubt(
    name: &str,
    id: &str,
    several_providers: bool,
    prs: &[(PrKey, &ResolvedProvider<'_>, Option<String>)],
) -> Option<KeepReason> {
    if let Some(other) = other_number(name, id) {
        return Some(KeepReason::Ambiguous {
            token: other.to_string(),
        });
    }
    if several_providers {
        return Some(KeepReason::SeveralProviders);
    }
    let toks: Vec<&str> = name.split(['-', '.']).filter(|t| !t.is_empty()).collect();
    prs.iter().find_map(|(key, _, title)| {
        let run: Vec<String> = title
            .as_deref()
            .map(attribution::slugify)
            .unwrap_or_default()
            .split('-')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        let holds = !run.is_empty()
            && toks
                .windows(run.len())
                .any(|w| w.iter().zip(&run).all(|(a, b)| a == b));
        holds.then(|| KeepReason::TitleOf { id: key.id.clone() })
    })
}

/// A whole name token of digits other than `id`, if the name has one.
fn other_number<'a>(name: &'a str, id: &str) -> Option<&'a str> {
    name.split(['-', '.'])
        .find(|t| !t.is_empty() && *t != id && t.chars().all(|c| c.is_ascii_digit()))
}

/// A Flux object or another ResourceSet whose inventory lists `r`, if one does.
fn listed_elsewhere(snapshot: &Snapshot, r: &ObjectRef, rset: &ObjectRef) -> Option<ObjectRef> {
    let lists = |inv: Option<&crate::model::objects::Inventory>| {
        entries_of(inv).iter().any(|e| e.same_object(r))
    };
    snapshot
        .flux
        .iter()
        .find(|f| lists(f.status.inventory.as_ref()))
        .map(flux_ref)
        .or_else(|| {
            snapshot
                .resource_sets
                .iter()
                .map(|o| {
                    (
                        ObjectRef::new(
                            flux::FLUX_OPERATOR_GROUP,
                            "ResourceSet",
                            o.metadata.namespace(),
                            o.metadata.name(),
                        ),
                        o,
                    )
                })
                .find(|(o, x)| !o.same_object(rset) && lists(x.status.inventory.as_ref()))
                .map(|(o, _)| o)
        })
}

/// Identity without the version, for sets.
fn plain(r: &ObjectRef) -> ObjectRef {
    ObjectRef::new(&r.group, &r.kind, &r.namespace, &r.name)
}

/// Why an object of `parent`'s inventory is not this environment's to delete or wait for, if so.
fn keep_child(
    snapshot: &Snapshot,
    child: &ObjectRef,
    parent: &ObjectRef,
    id: &str,
) -> Option<KeepReason> {
    if protected(child) {
        return Some(KeepReason::Protected);
    }
    if let Some(other) = snapshot.flux.iter().map(flux_ref).find(|o| {
        !o.same_object(parent)
            && flux_of(snapshot, o).is_some_and(|f| {
                entries_of(f.status.inventory.as_ref())
                    .iter()
                    .any(|e| e.same_object(child))
            })
    }) {
        return Some(KeepReason::Shared { with: other });
    }
    let meta = meta_of(snapshot, child)?;
    if let Some(other) = attribution::annotated_id(meta.annotations())
        && other != id
    {
        return Some(KeepReason::OtherPr {
            id: other.to_string(),
        });
    }
    let owner = Owner::Flux {
        parent: parent.clone(),
    };
    (!owner.owns(meta.labels())).then_some(KeepReason::NotOwned { owner })
}

/// The environments a reference can name for teardown, with their plans: the exported
/// environments it matches and, in each preview ResourceSet in scope that exports no PR of that id,
/// the id as a PR that is no longer exported, when it left something behind.
pub fn subjects(
    snapshot: &Snapshot,
    catalog: &environments::Catalog,
    reference: &crate::model::reference::Reference,
) -> Vec<(Subject, Plan)> {
    let mut out = Vec::new();
    for set in &catalog.preview_sets {
        if reference
            .namespace
            .as_ref()
            .is_some_and(|n| *n != set.namespace)
            || reference
                .resource_set
                .as_ref()
                .is_some_and(|r| *r != set.name)
        {
            continue;
        }
        let same_id: Vec<&environments::Environment> = catalog
            .environments
            .iter()
            .filter(|e| e.namespace == set.namespace && e.resource_set == set.name)
            .filter(|e| e.pr.id == reference.id)
            .collect();
        let closed = same_id.is_empty();
        let subjects: Vec<Subject> = if closed {
            vec![Subject {
                namespace: set.namespace.clone(),
                resource_set: set.name.clone(),
                id: reference.id.clone(),
                provider: reference.provider.clone(),
            }]
        } else {
            same_id
                .iter()
                .filter(|e| reference.matches(e))
                .map(|e| Subject {
                    namespace: set.namespace.clone(),
                    resource_set: set.name.clone(),
                    id: e.pr.id.clone(),
                    provider: (same_id.len() > 1).then(|| e.provider.name.clone()),
                })
                .collect()
        };
        for subject in subjects {
            if let Some(plan) = plan(snapshot, &subject)
                && (!closed || !plan.is_empty() || !plan.kept.is_empty())
            {
                out.push((subject, plan));
            }
        }
    }
    out
}

/// `delete --closed`: every PR of the preview ResourceSets in scope (`namespace`, `resource_set`
/// narrow it) that is no longer exported but left something behind, each with its plan, in
/// order. The PRs are found from what carries a ResourceSet's owner labels (or is in its
/// inventory) and is not an exported PR's: the PR its `change_request` annotation names, or the
/// number its name holds where the templates' names put `<< inputs.id >>`. Each is then planned
/// as `delete PR` plans it, under the same rules; a PR whose plan deletes and prunes nothing is
/// left out. ResourceSets whose environments combine inputs (`inputStrategy: Permute`), that
/// could not be read, or whose providers are not known to be read and Ready are skipped, each
/// with the reason.
pub fn closed(
    snapshot: &Snapshot,
    catalog: &environments::Catalog,
    namespace: Option<&str>,
    resource_set: Option<&str>,
) -> Closed {
    let mut out = Closed::default();
    for set in &catalog.preview_sets {
        if namespace.is_some_and(|n| n != set.namespace)
            || resource_set.is_some_and(|r| r != set.name)
        {
            continue;
        }
        let skip = |why: &str| (set.namespace.clone(), set.name.clone(), why.to_string());
        let Some(rset) = snapshot
            .resource_sets
            .iter()
            .find(|r| r.metadata.namespace() == set.namespace && r.metadata.name() == set.name)
        else {
            out.skipped.push(skip("it could not be read"));
            continue;
        };
        if crate::model::permute::is_permute(&rset.spec) {
            out.skipped.push(skip(
                "its environments combine inputs (inputStrategy: Permute)",
            ));
            continue;
        }
        // "No longer exported" is only known from providers that were read and are Ready: an
        // unreadable or failing provider would make every PR look closed.
        if snapshot.unreadable(Kind::Provider, &set.namespace) {
            out.skipped.push(skip("its providers could not be read"));
            continue;
        }
        let providers = providers_of(snapshot, rset);
        let named = rset.spec.inputs_from.iter().filter(|r| {
            r.kind
                .as_deref()
                .is_none_or(|k| k == "ResourceSetInputProvider")
                && r.name.is_some()
        });
        if named.clone().any(|r| {
            !providers
                .iter()
                .any(|p| Some(p.provider.metadata.name()) == r.name.as_deref())
        }) {
            out.skipped.push(skip("a provider it names is not there"));
            continue;
        }
        if let Some(p) = providers.iter().find(|p| {
            crate::model::objects::find_condition(&p.provider.status.conditions, "Ready")
                .is_none_or(|c| c.status != "True")
        }) {
            out.skipped.push(skip(&format!(
                "its provider {} is not Ready, so what it exports is not known",
                p.provider.metadata.name()
            )));
            continue;
        }
        let exported: BTreeSet<&str> = catalog
            .environments
            .iter()
            .filter(|e| e.namespace == set.namespace && e.resource_set == set.name)
            .map(|e| e.pr.id.as_str())
            .collect();
        let owner = Owner::ResourceSet {
            namespace: set.namespace.clone(),
            name: set.name.clone(),
        };
        let listed: Vec<ObjectRef> = entries_of(rset.status.inventory.as_ref());
        // A number in a name is a PR's only where the templates put the PR's id: `redis-6379` or
        // a shared `postgres-15` left behind is no PR's, whatever number it holds.
        let shapes = id_name_shapes(&rset.spec);
        // PR numbers in numeric order.
        let mut candidates: BTreeSet<(usize, String)> = BTreeSet::new();
        let mut consider = |name: &str, annotations: &BTreeMap<String, String>| {
            if let Some(id) = attribution::annotated_id(annotations) {
                if !exported.contains(id) {
                    candidates.insert((id.len(), id.to_string()));
                }
                // The annotation names the object's PR: its name says nothing more.
                return;
            }
            for (prefix, suffix) in &shapes {
                if let Some(id) = name
                    .strip_prefix(prefix.as_str())
                    .and_then(|rest| rest.strip_suffix(suffix.as_str()))
                    .filter(|id| is_number(id) && !exported.contains(*id))
                {
                    candidates.insert((id.len(), id.to_string()));
                }
            }
        };
        let empty = BTreeMap::new();
        let metas = snapshot
            .flux
            .iter()
            .map(|f| &f.metadata)
            .chain(snapshot.objects.values().flatten().map(|o| &o.metadata))
            .chain(snapshot.leftovers.iter().map(|(_, m)| m));
        for meta in metas {
            if owner.owns(meta.labels()) {
                consider(meta.name(), meta.annotations());
            }
        }
        for r in &listed {
            consider(&r.name, &empty);
        }
        for (_, id) in candidates {
            let subject = Subject {
                namespace: set.namespace.clone(),
                resource_set: set.name.clone(),
                id,
                provider: None,
            };
            if let Some(plan) = plan(snapshot, &subject)
                && !plan.still_exported
                && !plan.is_empty()
            {
                out.found.push((subject, plan));
            }
        }
    }
    out
}

/// The names the ResourceSet's templates give objects from the PR's id alone: the text around a
/// single `<< inputs.id >>` (`api-pr-<< inputs.id >>-notes` → `("api-pr-", "-notes")`). A name
/// with any other expression (a branch slug, a computed value) gives no shape.
pub fn id_name_shapes(spec: &crate::model::objects::ResourceSetSpec) -> Vec<(String, String)> {
    let mut shapes: Vec<(String, String)> = crate::model::template::all_objects(spec)
        .iter()
        .filter_map(|o| o.pointer("/metadata/name")?.as_str().map(str::to_string))
        .filter_map(|name| {
            let (prefix, rest) = name.split_once("<<")?;
            let (expr, suffix) = rest.split_once(">>")?;
            (expr.trim() == "inputs.id" && !prefix.contains(">>") && !suffix.contains("<<"))
                .then(|| (prefix.to_string(), suffix.to_string()))
        })
        .collect();
    shapes.sort();
    shapes.dedup();
    shapes
}

/// What `delete --closed` found.
#[derive(Debug, Clone, Default)]
pub struct Closed {
    /// Each PR that is no longer exported and left something behind, with its plan.
    pub found: Vec<(Subject, Plan)>,
    /// ResourceSets not looked at: (namespace, name, why).
    pub skipped: Vec<(String, String, String)>,
}

impl fmt::Display for Orphaning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Orphaning::PruneDisabled => f.write_str("has prune: false"),
            Orphaning::Suspended => f.write_str("is suspended (spec.suspend: true)"),
            Orphaning::DeletionPolicyOrphan => f.write_str("has deletionPolicy: Orphan"),
        }
    }
}

impl fmt::Display for DeleteReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeleteReason::Rendered => f.write_str("rendered for this PR"),
            DeleteReason::LeftBehind => {
                f.write_str("left behind after the PR was no longer exported")
            }
            DeleteReason::Orphaned { parent, by } => write!(f, "{parent} {by} and would orphan it"),
            DeleteReason::PruneExcluded { parent } => write!(
                f,
                "{parent} would leave it: it has {KUSTOMIZE_PRUNE}: disabled"
            ),
        }
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Owner::ResourceSet { namespace, name } => {
                write!(f, "the owner labels of ResourceSet {namespace}/{name}")
            }
            Owner::Flux { parent } => write!(f, "the owner labels of {parent}"),
        }
    }
}

impl fmt::Display for KeepReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeepReason::Protected => {
                f.write_str("namespaces, ResourceSets and providers are never deleted")
            }
            KeepReason::NotOwned { owner } => write!(f, "lacks {owner}"),
            KeepReason::OtherPr { id } => write!(
                f,
                "its {} annotation names PR {id}",
                flux::CHANGE_REQUEST_ANNOTATION
            ),
            KeepReason::Shared { with } => write!(f, "{with} applies it too"),
            KeepReason::TitleOf { id } => write!(
                f,
                "its name also holds the title of exported PR {id} (annotate it with {} to claim it)",
                flux::CHANGE_REQUEST_ANNOTATION
            ),
            KeepReason::SeveralProviders => write!(
                f,
                "several providers feed the ResourceSet, so only the {} annotation can claim it for a PR that is no longer exported",
                flux::CHANGE_REQUEST_ANNOTATION
            ),
            KeepReason::Unread => f.write_str(
                "it could not be read (another namespace, or forbidden): what it applied is unknown; run with -A or with its namespace",
            ),
            KeepReason::Ambiguous { token } => write!(
                f,
                "its name also holds {token}, which may be another PR's id (annotate it with {} to claim it)",
                flux::CHANGE_REQUEST_ANNOTATION
            ),
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Orphans { parent, by } => write!(
                f,
                "{parent} {by}: deleting it would orphan what it applied, so those objects are deleted explicitly"
            ),
            Note::UnreadInventory { parent } => write!(
                f,
                "{parent} could not be read: what it applied is not known and not waited for"
            ),
            Note::FluxDeletes { object, parent } => write!(
                f,
                "{parent} garbage-collects {object}: Flux deletes it, with everything in it (the plugin never deletes it itself)"
            ),
            Note::GitOpsFirst { resource_set } => write!(
                f,
                "the objects {resource_set} lists are pruned by its reconcile; whatever it still renders after the reconcile is kept, whatever is left outside it is deleted"
            ),
        }
    }
}

/// The plan as text, one line per object; every name passes through the sanitiser (object names
/// come from inventories, which anyone who can write the ResourceSet's templates controls).
pub fn render(plan: &Plan) -> String {
    use std::fmt::Write as _;
    let clean = |s: String| crate::sanitize::line(&s).into_owned();
    let mut s = String::new();
    let _ = writeln!(s, "Plan for {}:", clean(plan.environment.clone()));
    for d in &plan.delete {
        let _ = writeln!(
            s,
            "  delete  {}  ({})",
            clean(d.object.to_string()),
            clean(d.reason.to_string())
        );
    }
    for p in &plan.pruned {
        let _ = writeln!(
            s,
            "  prune   {}  (pruned by {})",
            clean(p.object.to_string()),
            clean(p.by.to_string())
        );
    }
    for k in &plan.kept {
        let _ = writeln!(
            s,
            "  keep    {}  ({})",
            clean(k.object.to_string()),
            clean(k.reason.to_string())
        );
    }
    for n in &plan.notes {
        let _ = writeln!(s, "  note: {}", clean(n.to_string()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NS: &str = "app-dev";
    const RSET: &str = "api-pr-envs";
    const KS: &str = "kustomize.toolkit.fluxcd.io";

    fn owner() -> Value {
        json!({OWNER_NAME_LABEL: RSET, OWNER_NAMESPACE_LABEL: NS})
    }

    fn id(ns: &str, name: &str, group: &str, kind: &str) -> Value {
        json!({"id": format!("{ns}_{name}_{group}_{kind}"), "v": "v1"})
    }

    /// A snapshot with one GitHub provider exporting `prs` (id, branch) and a ResourceSet whose
    /// inventory lists `entries` (namespace, name, group, kind).
    fn snapshot(prs: &[(&str, &str)], entries: &[(&str, &str, &str, &str)]) -> Snapshot {
        let inputs: Vec<Value> = prs
            .iter()
            .map(|(i, b)| json!({"id": i, "sha": "abc", "branch": b}))
            .collect();
        let provider = serde_json::from_value(json!({
            "metadata": {"name": "api-prs", "namespace": NS},
            "spec": {"type": "GitHubPullRequest"},
            "status": {"exportedInputs": inputs}
        }))
        .unwrap();
        let inv: Vec<Value> = entries
            .iter()
            .map(|(ns, n, g, k)| id(ns, n, g, k))
            .collect();
        let rset = serde_json::from_value(json!({
            "metadata": {"name": RSET, "namespace": NS},
            "spec": {"inputsFrom": [{"kind": "ResourceSetInputProvider", "name": "api-prs"}]},
            "status": {"inventory": {"entries": inv}}
        }))
        .unwrap();
        Snapshot {
            providers: vec![provider],
            resource_sets: vec![rset],
            ..Default::default()
        }
    }

    fn ks(
        name: &str,
        labels: Value,
        annotations: Value,
        spec: Value,
        children: &[Value],
    ) -> FluxObject {
        serde_json::from_value(json!({
            "kind": "Kustomization",
            "metadata": {"name": name, "namespace": NS, "labels": labels, "annotations": annotations},
            "spec": spec,
            "status": {"inventory": {"entries": children}}
        }))
        .unwrap()
    }

    fn deployment(name: &str, labels: Value, annotations: Value) -> crate::model::objects::Object {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": NS, "labels": labels, "annotations": annotations}
        }))
        .unwrap()
    }

    fn ks_labels(parent: &str) -> Value {
        json!({"kustomize.toolkit.fluxcd.io/name": parent, "kustomize.toolkit.fluxcd.io/namespace": NS})
    }

    fn subject(id: &str) -> Subject {
        Subject {
            namespace: NS.into(),
            resource_set: RSET.into(),
            id: id.into(),
            provider: None,
        }
    }

    fn names(plan: &Plan) -> (Vec<String>, Vec<String>, Vec<String>) {
        (
            plan.delete.iter().map(|d| d.object.name.clone()).collect(),
            plan.pruned.iter().map(|p| p.object.name.clone()).collect(),
            plan.kept.iter().map(|k| k.object.name.clone()).collect(),
        )
    }

    #[test]
    fn delete_closed_looks_only_where_what_is_exported_is_known() {
        let mut s = snapshot(&[("1", "feat")], &[]);
        s.resource_sets[0].spec.resources.push(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "api-pr-<< inputs.id >>-notes", "namespace": NS}}));
        let mut labels = owner();
        labels[OPERATOR_PRUNE] = json!("disabled");
        // A shared object left behind and one with a port in its name hold numbers, but no
        // template puts a PR's id there: they are no PR's.
        for name in [
            "api-pr-12-notes",
            "api-pr-1-notes",
            "api-pr-13-1-notes",
            "postgres-15",
            "redis-6379",
        ] {
            s.objects
                .entry(Kind::Deployment)
                .or_default()
                .push(deployment(name, labels.clone(), json!({})));
        }
        // Annotated for a closed PR, whatever its name says.
        s.objects
            .entry(Kind::Deployment)
            .or_default()
            .push(deployment("cache", owner(), json!({CHANGE_REQUEST: "14"})));
        let found = |s: &Snapshot| {
            let c = closed(s, &environments::build(s, &Vec::new()), None, None);
            let ids: Vec<String> = c.found.iter().map(|(sub, _)| sub.id.clone()).collect();
            (
                ids,
                c.skipped
                    .into_iter()
                    .map(|(_, _, why)| why)
                    .collect::<Vec<_>>(),
            )
        };
        // The provider has not said it is Ready: what it exports is not known.
        assert_eq!(
            found(&s),
            (
                vec![],
                vec![
                    "its provider api-prs is not Ready, so what it exports is not known"
                        .to_string()
                ]
            )
        );
        s.providers[0] = serde_json::from_value(json!({
            "metadata": {"name": "api-prs", "namespace": NS},
            "spec": {"type": "GitHubPullRequest"},
            "status": {"exportedInputs": [{"id": "1", "sha": "abc", "branch": "feat"}],
                       "conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": ""}]}
        }))
        .unwrap();
        // `api-pr-13-1-notes` is not the template's shape for a number: no PR 13.
        assert_eq!(
            found(&s),
            (vec!["12".to_string(), "14".to_string()], vec![])
        );
        assert_eq!(
            id_name_shapes(&s.resource_sets[0].spec),
            [("api-pr-".to_string(), "-notes".to_string())]
        );
        let mut unreadable = s.clone();
        unreadable
            .problems
            .push(crate::model::snapshot::ReadProblem {
                kind: Kind::Provider,
                namespace: Some(NS.into()),
                forbidden: true,
                message: "forbidden".into(),
            });
        let (ids, skipped) = found(&unreadable);
        assert!(ids.is_empty(), "{ids:?}");
        assert_eq!(skipped, ["its providers could not be read"]);
        let mut gone = s.clone();
        gone.providers.clear();
        assert!(found(&gone).0.is_empty());
    }

    #[test]
    fn a_closed_pr_never_takes_an_object_annotated_for_an_exported_one() {
        // Exported PR 1 has branch hotfix/12; its Kustomization is app-hotfix-12, annotated "1".
        let mut s = snapshot(
            &[("1", "hotfix/12")],
            &[(NS, "app-hotfix-12", KS, "Kustomization")],
        );
        s.flux.push(ks(
            "app-hotfix-12",
            owner(),
            json!({CHANGE_REQUEST: "1"}),
            json!({"prune": true}),
            &[],
        ));
        let plan = plan(&s, &subject("12")).unwrap();
        assert!(!plan.still_exported);
        assert!(plan.is_empty(), "{plan:?}");
        // Without the annotation the name names both PR 12 (id) and PR 1 (branch slug): nobody's.
        s.flux[0].metadata.annotations = None;
        let plan = super::plan(&s, &subject("12")).unwrap();
        assert!(plan.is_empty(), "{plan:?}");
        // PR 1 itself (exported) still owns it by the annotation.
        s.flux[0]
            .metadata
            .annotations
            .get_or_insert_default()
            .insert(CHANGE_REQUEST.into(), "1".into());
        let plan = super::plan(&s, &subject("1")).unwrap();
        assert_eq!(names(&plan).0, vec!["app-hotfix-12"]);
        assert!(plan.still_exported);
    }

    const CHANGE_REQUEST: &str = flux::CHANGE_REQUEST_ANNOTATION;

    #[test]
    fn an_exported_pr_keeps_what_its_name_shares_with_the_closed_one() {
        // 12 closed, 123 exported: `api-pr-12` is 12's, `api-pr-123` never is.
        let mut s = snapshot(
            &[("123", "feat/x")],
            &[
                (NS, "api-pr-12", KS, "Kustomization"),
                (NS, "api-pr-123", KS, "Kustomization"),
            ],
        );
        for n in ["api-pr-12", "api-pr-123"] {
            s.flux
                .push(ks(n, owner(), json!({}), json!({"prune": true}), &[]));
        }
        let plan = plan(&s, &subject("12")).unwrap();
        // Still in the inventory: the ResourceSet's reconcile prunes it (and keeps it if it
        // still renders it).
        assert_eq!(names(&plan).1, vec!["api-pr-12"]);
        assert!(plan.delete.is_empty());
        assert_eq!(plan.pruned[0].by.kind, "ResourceSet");
    }

    #[test]
    fn a_closed_pr_claims_a_name_with_another_number_only_by_annotation() {
        // 696 and 638 are both closed: `api-696-638` may be either's.
        let mut s = snapshot(&[("5", "a")], &[]);
        s.objects.insert(
            Kind::Deployment,
            vec![
                deployment("api-696-638", owner(), json!({})),
                deployment("api-638-cache", owner(), json!({})),
            ],
        );
        let plan = plan(&s, &subject("638")).unwrap();
        assert_eq!(names(&plan).0, vec!["api-638-cache"]);
        assert!(
            matches!(plan.kept[0].reason, KeepReason::Ambiguous { ref token } if token == "696")
        );
        s.objects.get_mut(&Kind::Deployment).unwrap()[0]
            .metadata
            .annotations
            .get_or_insert_default()
            .insert(CHANGE_REQUEST.into(), "638".into());
        let plan = super::plan(&s, &subject("638")).unwrap();
        assert_eq!(names(&plan).0, vec!["api-638-cache", "api-696-638"]);
    }

    #[test]
    fn a_flux_object_that_cannot_be_read_is_not_deleted_blind() {
        // In the inventory, but not in the snapshot (another namespace, or forbidden).
        let s = snapshot(
            &[("7", "a")],
            &[("elsewhere", "api-pr-7", KS, "Kustomization")],
        );
        let plan = plan(&s, &subject("7")).unwrap();
        assert!(plan.delete.is_empty());
        assert_eq!(plan.kept[0].reason, KeepReason::Unread);
    }

    #[test]
    fn deletion_policy_decides_what_kustomize_controller_collects() {
        for (spec, orphans) in [
            (json!({"prune": true}), None),
            (json!({"prune": false}), Some(Orphaning::PruneDisabled)),
            (json!({"prune": false, "deletionPolicy": "Delete"}), None),
            (
                json!({"prune": false, "deletionPolicy": "WaitForTermination"}),
                None,
            ),
            (
                json!({"prune": true, "deletionPolicy": "Orphan"}),
                Some(Orphaning::DeletionPolicyOrphan),
            ),
            (
                json!({"prune": true, "deletionPolicy": "MirrorPrune"}),
                None,
            ),
            (
                json!({"deletionPolicy": "Delete", "suspend": true}),
                Some(Orphaning::Suspended),
            ),
        ] {
            let f = ks("x", owner(), json!({}), spec.clone(), &[]);
            assert_eq!(orphaning(&f), orphans, "{spec}");
        }
    }

    #[test]
    fn a_closed_pr_is_a_number() {
        let s = snapshot(&[("7", "a")], &[(NS, "api-shared-config", "", "ConfigMap")]);
        assert!(plan(&s, &subject("api")).is_none());
        assert!(plan(&s, &subject("shared")).is_none());
    }

    #[test]
    fn objects_without_the_owner_labels_are_kept() {
        let mut s = snapshot(&[("7", "a")], &[(NS, "api-pr-7", KS, "Kustomization")]);
        s.flux.push(ks(
            "api-pr-7",
            json!({}),
            json!({}),
            json!({"prune": true}),
            &[],
        ));
        let plan = plan(&s, &subject("7")).unwrap();
        assert!(plan.delete.is_empty());
        assert!(matches!(plan.kept[0].reason, KeepReason::NotOwned { .. }));
    }

    #[test]
    fn namespaces_resource_sets_and_providers_are_never_deleted() {
        let s = snapshot(
            &[("7", "a")],
            &[
                ("", "pr-7", "", "Namespace"),
                (NS, "rs-7", flux::FLUX_OPERATOR_GROUP, "ResourceSet"),
                (
                    NS,
                    "prs-7",
                    flux::FLUX_OPERATOR_GROUP,
                    "ResourceSetInputProvider",
                ),
            ],
        );
        let plan = plan(&s, &subject("7")).unwrap();
        assert!(plan.is_empty());
        assert_eq!(plan.kept.len(), 3);
        assert!(plan.kept.iter().all(|k| k.reason == KeepReason::Protected));
    }

    #[test]
    fn prune_false_and_suspended_objects_have_their_inventory_deleted_explicitly() {
        for (spec, by) in [
            (json!({"prune": false}), Orphaning::PruneDisabled),
            (
                json!({"prune": true, "suspend": true}),
                Orphaning::Suspended,
            ),
        ] {
            let mut s = snapshot(&[("7", "a")], &[(NS, "api-pr-7", KS, "Kustomization")]);
            s.flux.push(ks(
                "api-pr-7",
                owner(),
                json!({}),
                spec,
                &[
                    id(NS, "api-7", "apps", "Deployment"),
                    id("", "pr-7", "", "Namespace"),
                ],
            ));
            s.objects.insert(
                Kind::Deployment,
                vec![deployment("api-7", ks_labels("api-pr-7"), json!({}))],
            );
            let plan = plan(&s, &subject("7")).unwrap();
            let (deleted, pruned, kept) = names(&plan);
            assert_eq!(deleted, vec!["api-pr-7", "api-7"]);
            assert!(pruned.is_empty());
            assert_eq!(kept, vec!["pr-7"], "the namespace stays");
            assert_eq!(
                plan.delete[1].owner,
                Owner::Flux {
                    parent: ObjectRef::new(KS, "Kustomization", NS, "api-pr-7")
                }
            );
            assert!(
                matches!(plan.delete[1].reason, DeleteReason::Orphaned { by: b, .. } if b == by)
            );
            assert!(matches!(plan.notes[0], Note::Orphans { by: b, .. } if b == by));
        }
    }

    #[test]
    fn pruning_objects_have_their_inventory_waited_for() {
        let mut s = snapshot(&[("7", "a")], &[(NS, "api-pr-7", KS, "Kustomization")]);
        s.flux.push(ks(
            "api-pr-7",
            owner(),
            json!({}),
            json!({"prune": true}),
            &[
                id(NS, "api-7", "apps", "Deployment"),
                id(NS, "api-7-cache", "apps", "Deployment"),
            ],
        ));
        s.objects.insert(
            Kind::Deployment,
            vec![
                deployment("api-7", ks_labels("api-pr-7"), json!({})),
                deployment(
                    "api-7-cache",
                    ks_labels("api-pr-7"),
                    json!({KUSTOMIZE_PRUNE: "disabled"}),
                ),
            ],
        );
        let plan = plan(&s, &subject("7")).unwrap();
        let (deleted, pruned, _) = names(&plan);
        assert_eq!(pruned, vec!["api-7"]);
        assert_eq!(
            deleted,
            vec!["api-pr-7", "api-7-cache"],
            "excluded from pruning: deleted"
        );
    }

    #[test]
    fn nested_objects_of_another_pr_or_another_flux_object_are_kept() {
        let mut s = snapshot(
            &[("7", "a"), ("8", "b")],
            &[
                (NS, "api-pr-7", KS, "Kustomization"),
                (NS, "api-pr-8", KS, "Kustomization"),
            ],
        );
        let shared = id(NS, "shared-db", "apps", "Deployment");
        s.flux.push(ks(
            "api-pr-7",
            owner(),
            json!({}),
            json!({"prune": false}),
            &[
                id(NS, "api-7", "apps", "Deployment"),
                id(NS, "worker", "apps", "Deployment"),
                id(NS, "stolen", "apps", "Deployment"),
                shared.clone(),
            ],
        ));
        s.flux.push(ks(
            "api-pr-8",
            owner(),
            json!({}),
            json!({"prune": false}),
            &[shared],
        ));
        s.objects.insert(
            Kind::Deployment,
            vec![
                deployment("api-7", ks_labels("api-pr-7"), json!({})),
                deployment(
                    "worker",
                    ks_labels("api-pr-7"),
                    json!({CHANGE_REQUEST: "8"}),
                ),
                deployment("stolen", ks_labels("other"), json!({})),
                deployment("shared-db", ks_labels("api-pr-8"), json!({})),
            ],
        );
        let plan = plan(&s, &subject("7")).unwrap();
        let (deleted, _, kept) = names(&plan);
        assert_eq!(deleted, vec!["api-pr-7", "api-7"]);
        assert_eq!(kept, vec!["worker", "stolen", "shared-db"]);
        assert!(matches!(plan.kept[0].reason, KeepReason::OtherPr { ref id } if id == "8"));
        assert!(matches!(plan.kept[1].reason, KeepReason::NotOwned { .. }));
        assert!(matches!(plan.kept[2].reason, KeepReason::Shared { .. }));
    }

    #[test]
    fn owner_labelled_objects_outside_the_inventory_count_only_for_a_closed_pr() {
        // `fluxcd.controlplane.io/prune: disabled` objects leave the inventory and keep the labels.
        let mut s = snapshot(&[("8", "b")], &[]);
        s.objects.insert(
            Kind::Deployment,
            vec![
                deployment("api-7-cache", owner(), json!({})),
                deployment("api-8-cache", owner(), json!({})),
                deployment("unlabelled-7", json!({}), json!({})),
            ],
        );
        let plan = plan(&s, &subject("7")).unwrap();
        assert_eq!(names(&plan).0, vec!["api-7-cache"]);
        let plan = super::plan(&s, &subject("8")).unwrap();
        assert!(plan.still_exported);
        assert!(
            plan.is_empty(),
            "an exported PR is torn down from the inventory only"
        );
    }

    #[test]
    fn objects_of_no_pr_belong_to_the_resource_set() {
        let s = snapshot(
            &[("7", "a"), ("8", "b")],
            &[
                (NS, "api-shared-config", "", "ConfigMap"),
                (NS, "env-7-8", "", "ConfigMap"),
            ],
        );
        for pr in ["7", "8", "9"] {
            assert!(plan(&s, &subject(pr)).unwrap().is_empty(), "{pr}");
        }
    }

    #[test]
    fn the_same_id_from_two_providers_is_planned_per_provider() {
        let mut s = snapshot(&[], &[]);
        s.providers.clear();
        for (name, branch) in [("web-prs", "web/feature"), ("api-prs", "api/feature")] {
            s.providers.push(
                serde_json::from_value(json!({
                    "metadata": {"name": name, "namespace": NS, "labels": {"app": "x"}},
                    "spec": {"type": "GitHubPullRequest"},
                    "status": {"exportedInputs": [{"id": "4", "branch": branch}]}
                }))
                .unwrap(),
            );
        }
        s.resource_sets[0] = serde_json::from_value(json!({
            "metadata": {"name": RSET, "namespace": NS},
            "spec": {"inputsFrom": [{"kind": "ResourceSetInputProvider", "selector": {"matchLabels": {"app": "x"}}}]},
            "status": {"inventory": {"entries": [
                id(NS, "web-feature-4", KS, "Kustomization"),
                id(NS, "api-feature-4", KS, "Kustomization")
            ]}}
        }))
        .unwrap();
        for n in ["web-feature-4", "api-feature-4"] {
            s.flux
                .push(ks(n, owner(), json!({}), json!({"prune": true}), &[]));
        }
        let mut web = subject("4");
        web.provider = Some("web-prs".into());
        assert_eq!(names(&plan(&s, &web).unwrap()).0, vec!["web-feature-4"]);
        web.provider = Some("api-prs".into());
        assert_eq!(names(&plan(&s, &web).unwrap()).0, vec!["api-feature-4"]);
        web.provider = Some("nobody".into());
        assert!(plan(&s, &web).is_none());
    }

    /// The seed's provider with `prs`, a ResourceSet with `resources` as templates, and an
    /// owner-labelled, pruning Kustomization for each name of `inventory` (also its inventory).
    fn rendering(prs: &[(&str, &str)], resources: Value, inventory: &[&str]) -> Snapshot {
        let entries: Vec<(&str, &str, &str, &str)> = inventory
            .iter()
            .map(|n| (NS, *n, KS, "Kustomization"))
            .collect();
        let mut s = snapshot(prs, &entries);
        s.resource_sets[0].spec.resources = resources.as_array().unwrap().clone();
        for n in inventory {
            s.flux
                .push(ks(n, owner(), json!({}), json!({"prune": true}), &[]));
        }
        s
    }

    fn kustomization(name: &str) -> Value {
        json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
               "metadata": {"name": name, "namespace": NS}, "spec": {"prune": true}})
    }

    #[test]
    fn rendering_attributes_what_names_cannot_and_a_lone_pr_never_takes_a_shared_object() {
        // Rule 2: `env-featxa` names neither PR 7's number nor its branch slug (`feat-a`); only
        // PR 7's inputs render it (PR 8 renders `env-fixxb`). `common` is rendered for both.
        let templates = json!([
            kustomization("env-<< inputs.branch | replace \"/\" \"x\" >>"),
            kustomization("common")
        ]);
        let s = rendering(
            &[("7", "feat/a"), ("8", "fix/b")],
            templates.clone(),
            &["env-featxa", "env-fixxb", "common"],
        );
        let p = plan(&s, &subject("7")).unwrap();
        assert_eq!(names(&p), (vec!["env-featxa".to_string()], vec![], vec![]));
        // PR 7 alone: the made-up PR (another id, same branch) renders both names too, so
        // nothing proves they depend on the PR; names decide, and name neither: nothing is
        // taken, least of all `common`.
        let s = rendering(&[("7", "feat/a")], templates, &["env-featxa", "common"]);
        assert!(plan(&s, &subject("7")).unwrap().is_empty());
        // An id in the name is proven: the made-up PR renders another name.
        let s = rendering(
            &[("7", "feat/a")],
            json!([
                kustomization("env-<< inputs.id | sha1sum | trunc 8 >>"),
                kustomization("common")
            ]),
            &["env-902ba3cd", "common"],
        );
        let p = plan(&s, &subject("7")).unwrap();
        assert_eq!(names(&p).0, vec!["env-902ba3cd"]);
        // Without templates that render, names decide: neither is PR 7's.
        let mut broken = s.clone();
        broken.resource_sets[0].spec.resources = vec![kustomization("env-<< inputs.nope >>")];
        assert!(plan(&broken, &subject("7")).unwrap().is_empty());
    }

    #[test]
    fn a_closed_pr_never_takes_what_an_exported_prs_inputs_render() {
        // PR 8's template names its Kustomization after the number before its own: `app-7`. PR 7
        // is closed; the name says 7, rendering says PR 8's. PR 8's teardown takes it, PR 7's not.
        let s = rendering(
            &[("8", "b"), ("9", "c")],
            json!([kustomization("app-<< sub (atoi inputs.id) 1 >>")]),
            &["app-7", "app-8", "app-6"],
        );
        let closed = plan(&s, &subject("7")).unwrap();
        assert!(closed.is_empty(), "{closed:?}");
        assert_eq!(names(&plan(&s, &subject("8")).unwrap()).0, vec!["app-7"]);
        assert_eq!(names(&plan(&s, &subject("9")).unwrap()).0, vec!["app-8"]);
        // `app-6` no current input renders (PR 7 rendered it before it closed): the name decides;
        // it names 6, which no exported PR is, so the closed PR 6 takes it (the ResourceSet's
        // reconcile prunes it).
        assert_eq!(names(&plan(&s, &subject("6")).unwrap()).1, vec!["app-6"]);
    }

    fn provider_of(name: &str, type_: &str, inputs: Value) -> Provider {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": NS},
            "spec": {"type": type_},
            "status": {"exportedInputs": inputs}
        }))
        .unwrap()
    }

    const KS_DOC: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  namespace: app-dev\n  name: ";

    #[test]
    fn a_lone_pr_takes_only_what_provably_depends_on_it() {
        // Attacks from the independent review. With PR 7 alone, only an object whose identity
        // changes with the PR's id (the made-up PR took the same paths and did not render it) is
        // PR 7's by rendering; the rest goes to names, which leave `common` alone.
        // A template that fails for a branch the made-up PR might carry:
        let guarded = kustomization(
            "common<< if not (hasPrefix `feat/` inputs.branch) >><< fail `feature branches only` >><< end >>",
        );
        let s = rendering(
            &[("7", "feat/a")],
            json!([kustomization("env-<< inputs.id >>"), guarded]),
            &["env-7", "common"],
        );
        assert_eq!(names(&plan(&s, &subject("7")).unwrap()).0, vec!["env-7"]);
        // A condition on the branch around a shared object:
        let mut s = rendering(&[("7", "feat/a")], json!([]), &["env-7", "feature-flags"]);
        s.resource_sets[0].spec.resources_template = Some(format!(
            "<<- if hasPrefix \"feat/\" inputs.branch >>\n{KS_DOC}feature-flags\n---\n{KS_DOC}env-<< inputs.id >>\n<<- end >>\n"
        ));
        assert_eq!(names(&plan(&s, &subject("7")).unwrap()).0, vec!["env-7"]);
        // A branch provider beside the PRs, first in inputsFrom, and a gateway only PR inputs
        // render (shared by every PR):
        let mut s = rendering(
            &[("7", "feat/a")],
            json!([]),
            &["env-7", "pr-gateway", "main-app"],
        );
        s.providers.insert(
            0,
            provider_of(
                "branches",
                "GitHubBranch",
                json!([{"id": "123456", "sha": "def", "branch": "main"}]),
            ),
        );
        s.resource_sets[0].spec.inputs_from = serde_json::from_value(json!([
            {"kind": "ResourceSetInputProvider", "name": "branches"},
            {"kind": "ResourceSetInputProvider", "name": "api-prs"}
        ]))
        .unwrap();
        s.resource_sets[0].spec.resources_template = Some(format!(
            "<<- if eq inputs.provider.name \"api-prs\" >>\n{KS_DOC}pr-gateway\n---\n{KS_DOC}env-<< inputs.id >>\n<<- else >>\n{KS_DOC}main-app\n<<- end >>\n"
        ));
        for _ in 0..2 {
            assert_eq!(names(&plan(&s, &subject("7")).unwrap()).0, vec!["env-7"]);
            s.resource_sets[0].spec.inputs_from.reverse();
        }
        // With a second PR, each renders its own and the gateway is rendered for both: shared.
        s.providers[1] = provider_of(
            "api-prs",
            "GitHubPullRequest",
            json!([{"id": "7", "branch": "feat/a"}, {"id": "8", "branch": "feat/b"}]),
        );
        assert_eq!(names(&plan(&s, &subject("7")).unwrap()).0, vec!["env-7"]);
    }

    #[test]
    fn steps_and_providers_in_any_order_attribute_each_pr_its_own() {
        // Providers z, m (empty) and a, one named twice, an input without an id, an inline input:
        // each PR is planned exactly its own object.
        let mut s = rendering(
            &[],
            json!([kustomization("app-<< inputs.branch >>")]),
            &["app-x", "app-y", "app-z", "app-w"],
        );
        s.providers = vec![
            provider_of(
                "z-prs",
                "GitHubPullRequest",
                json!([{"id": "7", "branch": "x"}]),
            ),
            provider_of("m-prs", "GitHubPullRequest", json!([])),
            provider_of(
                "a-prs",
                "GitHubPullRequest",
                json!([{"id": "8", "branch": "y"}, {"noid": true, "branch": "q"}, {"id": "9", "branch": "z"}]),
            ),
        ];
        s.resource_sets[0].spec.inputs_from = serde_json::from_value(json!([
            {"kind": "ResourceSetInputProvider", "name": "z-prs"},
            {"kind": "ResourceSetInputProvider", "name": "m-prs"},
            {"kind": "ResourceSetInputProvider", "name": "a-prs"},
            {"kind": "ResourceSetInputProvider", "name": "z-prs"}
        ]))
        .unwrap();
        s.resource_sets[0].spec.inputs =
            vec![serde_json::from_value(json!({"id": "inline", "branch": "w"})).unwrap()];
        for (id, name) in [("7", "app-x"), ("8", "app-y"), ("9", "app-z")] {
            assert_eq!(
                names(&plan(&s, &subject(id)).unwrap()).0,
                vec![name],
                "{id}"
            );
        }
        // Steps: the shared object of the first step stays, the PR's of the second goes.
        let mut s = rendering(&[("7", "a")], json!([]), &["env-7", "common"]);
        s.resource_sets[0].spec.steps = vec![
            json!({"name": "one", "resources": [kustomization("common")]}),
            json!({"name": "two", "resources": [kustomization("env-<< inputs.id >>")]}),
        ];
        assert_eq!(names(&plan(&s, &subject("7")).unwrap()).0, vec!["env-7"]);
    }

    #[test]
    fn the_rendered_plan_is_safe_for_a_terminal() {
        let mut s = snapshot(
            &[("7", "a")],
            &[(NS, "api-pr-7\u{1b}]0;x\u{7}", KS, "Kustomization")],
        );
        s.flux.clear();
        let text = render(&plan(&s, &subject("7")).unwrap());
        assert!(
            !text
                .chars()
                .any(|c| c != '\n' && crate::sanitize::is_unsafe(c)),
            "{text:?}"
        );
    }

    fn with_templates(mut s: Snapshot, resources: Value) -> Snapshot {
        s.resource_sets[0].spec = serde_json::from_value(json!({
            "inputsFrom": [{"kind": "ResourceSetInputProvider", "name": "api-prs"}],
            "resources": resources
        }))
        .unwrap();
        s
    }

    fn leftover(kind: &str, name: &str, labels: Value) -> (ObjectRef, Meta) {
        let mut r = ObjectRef::new("", kind, NS, name);
        r.version = "v1".into();
        let meta = serde_json::from_value(json!({"name": name, "namespace": NS, "labels": labels}))
            .unwrap();
        (r, meta)
    }

    #[test]
    fn leftover_reads_are_the_template_kinds_the_snapshot_does_not_read() {
        let s = with_templates(
            snapshot(&[], &[]),
            json!([
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a-<< inputs.id >>"}},
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b-<< inputs.id >>"}},
                {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "<< inputs.ns >>"}},
                {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "jobs"}},
                {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "q", "namespace": "x/secrets?labelSelector="}},
                {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}},
                {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "metadata": {"name": "k"}},
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}},
                {"apiVersion": "<< inputs.api >>", "kind": "Thing", "metadata": {"name": "t"}}
            ]),
        );
        let reads: Vec<(String, String, String)> = leftover_reads(&s, NS, RSET)
            .into_iter()
            .map(|r| (r.group, r.kind, r.namespace))
            .collect();
        assert_eq!(
            reads,
            vec![
                ("".into(), "ConfigMap".into(), NS.into()),
                ("batch".into(), "Job".into(), "jobs".into()),
            ]
        );
        assert!(leftover_reads(&s, NS, "other").is_empty());
    }

    #[test]
    fn a_closed_prs_leftover_of_an_unread_kind_is_deleted_and_never_an_exported_ones() {
        let mut s = snapshot(&[("7", "feat/x")], &[]);
        s.leftovers = vec![
            leftover("ConfigMap", "api-pr-12-notes", owner()),
            leftover("ConfigMap", "api-pr-7-notes", owner()),
            // Without the owner labels: never a candidate.
            leftover("ConfigMap", "api-pr-12-other", json!({})),
        ];
        let plan = plan(&s, &subject("12")).unwrap();
        assert!(!plan.still_exported);
        let deleted: Vec<&str> = plan.delete.iter().map(|d| d.object.name.as_str()).collect();
        assert_eq!(deleted, vec!["api-pr-12-notes"]);
        assert_eq!(plan.delete[0].reason, DeleteReason::LeftBehind);
        assert_eq!(
            plan.delete[0].object.version, "v1",
            "deleted through its own API version"
        );
        // Listed by another Flux object or ResourceSet: theirs too, kept whatever its labels.
        let mut shared = s.clone();
        shared.flux.push(ks(
            "other",
            json!({}),
            json!({}),
            json!({}),
            &[id(NS, "api-pr-12-notes", "", "ConfigMap")],
        ));
        let p = super::plan(&shared, &subject("12")).unwrap();
        assert!(p.delete.is_empty(), "{p:?}");
        assert!(
            matches!(p.kept[0].reason, KeepReason::Shared { .. }),
            "{p:?}"
        );
        // An exported PR's environment never takes leftovers: they are only looked at once the
        // provider no longer exports the PR.
        let exported = super::plan(&s, &subject("7")).unwrap();
        assert!(
            exported.delete.iter().all(|d| d.object.kind != "ConfigMap"),
            "{exported:?}"
        );
    }
}
