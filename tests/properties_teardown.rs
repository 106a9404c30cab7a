//! Property tests of the teardown planner (spec §5): for random pull requests (ids 1–999, branches
//! built from other PRs' ids), random object names built from ids and branch slugs, random owner
//! labels and random `change_request` annotations, the plan of every PR, exported or closed,
//! deletes only what is provably that PR's. The oracle below re-states the rules from the spec
//! without calling the planner's attribution.
//!
//! Cases per property: 2,000 by default; `PROPTEST_CASES=N` runs more.
use std::collections::{BTreeMap, BTreeSet};

use kubectl_preview::model::attribution::slugify;
use kubectl_preview::model::environments;
use kubectl_preview::model::flux::{
    CHANGE_REQUEST_ANNOTATION, OWNER_NAME_LABEL, OWNER_NAMESPACE_LABEL,
};
use kubectl_preview::model::inventory::ObjectRef;
use kubectl_preview::model::objects::{FluxObject, Identity, Object, Provider, ResourceSet};
use kubectl_preview::model::snapshot::{Kind, Snapshot};
use kubectl_preview::model::teardown::{self, Delete, DeleteReason, Owner, Plan, Subject};
use proptest::prelude::*;
use serde_json::{Value, json};

const NS: &str = "app-dev";
const RSET: &str = "api-pr-envs";
const KS: &str = "kustomize.toolkit.fluxcd.io";

#[derive(Debug, Clone)]
struct Pr {
    id: u16,
    branch: String,
}

#[derive(Debug, Clone)]
enum Labels {
    Owner,
    None,
    OtherSet,
}

#[derive(Debug, Clone)]
struct Obj {
    name: String,
    labels: Labels,
    /// Index into all ids (exported + closed), or a foreign id, or none.
    annotation: Option<String>,
    in_inventory: bool,
    /// For Kustomizations: prune, suspend, children.
    flux: Option<(bool, bool, Vec<Child>)>,
    /// Not a Kustomization: a ConfigMap out of the inventory that `delete` read as a leftover
    /// (a kind the snapshot does not read), instead of a Deployment.
    leftover: bool,
}

#[derive(Debug, Clone)]
struct Child {
    name: String,
    /// Whose kustomize labels it carries: its parent's, another's, none.
    parent_labels: u8,
    annotation: Option<String>,
}

fn ids() -> impl Strategy<Value = Vec<u16>> {
    prop::collection::btree_set(1u16..1000, 2..8).prop_map(|s| s.into_iter().collect())
}

/// A name built from ids and words: `api-pr-12`, `app-hotfix-12`, `env-7-8`, `api-12.preview`…
fn name(all: Vec<String>) -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "api", "pr", "app", "hotfix", "feat", "env", "web", "shared", "x",
        // Numbers that are no PR's: a port, a version.
        "6379", "15",
    ]);
    let part = prop_oneof![
        prop::sample::select(all).boxed(),
        words.prop_map(str::to_string).boxed(),
    ];
    (
        prop::collection::vec(part, 1..5),
        prop::sample::select(vec!["-", "."]),
    )
        .prop_map(|(parts, sep)| parts.join(sep))
}

fn scenario() -> impl Strategy<Value = (Vec<Pr>, Vec<u16>, Vec<Obj>)> {
    ids().prop_flat_map(|ids| {
        let (exported, closed) = ids.split_at(ids.len() / 2 + 1);
        let (exported, closed) = (exported.to_vec(), closed.to_vec());
        let all: Vec<String> = ids.iter().map(u16::to_string).collect();
        let branch = {
            let all = all.clone();
            prop_oneof![
                prop::sample::select(all).prop_map(|i| format!("hotfix/{i}")),
                "[a-z]{1,6}".prop_map(|w| format!("feat/{w}")),
                Just("main".to_string()),
            ]
        };
        let prs = prop::collection::vec(branch, exported.len()).prop_map(move |branches| {
            exported
                .iter()
                .zip(branches)
                .map(|(id, branch)| Pr { id: *id, branch })
                .collect::<Vec<_>>()
        });
        let annotation = {
            let all = all.clone();
            prop::option::of(prop_oneof![
                prop::sample::select(all).boxed(),
                Just("4242".to_string()).boxed(),
            ])
        };
        let labels = prop_oneof![
            Just(Labels::Owner),
            Just(Labels::Owner),
            Just(Labels::None),
            Just(Labels::OtherSet)
        ];
        let child = (name(all.clone()), 0u8..3, annotation.clone()).prop_map(
            |(name, parent_labels, annotation)| Child {
                name,
                parent_labels,
                annotation,
            },
        );
        let flux = prop::option::of((
            any::<bool>(),
            any::<bool>(),
            prop::collection::vec(child, 0..4),
        ));
        let obj = (
            name(all.clone()),
            labels,
            annotation,
            any::<bool>(),
            flux,
            prop::bool::weighted(0.2),
        )
            .prop_map(
                |(name, labels, annotation, in_inventory, flux, leftover)| Obj {
                    name,
                    labels,
                    annotation,
                    in_inventory,
                    flux,
                    leftover,
                },
            );
        (prs, Just(closed), prop::collection::vec(obj, 0..14))
    })
}

fn labels_of(l: &Labels) -> Value {
    match l {
        Labels::Owner => json!({OWNER_NAME_LABEL: RSET, OWNER_NAMESPACE_LABEL: NS}),
        Labels::None => json!({}),
        Labels::OtherSet => json!({OWNER_NAME_LABEL: "other", OWNER_NAMESPACE_LABEL: NS}),
    }
}

fn annotations_of(a: &Option<String>) -> Value {
    match a {
        Some(id) => json!({CHANGE_REQUEST_ANNOTATION: id}),
        None => json!({}),
    }
}

fn entry(name: &str, group: &str, kind: &str) -> Value {
    json!({"id": format!("{NS}_{name}_{group}_{kind}"), "v": "v1"})
}

fn build(prs: &[Pr], objs: &[Obj]) -> Snapshot {
    let provider: Provider = serde_json::from_value(json!({
        "metadata": {"name": "api-prs", "namespace": NS},
        "spec": {"type": "GitHubPullRequest"},
        "status": {"exportedInputs": prs.iter().map(|p| json!({"id": p.id.to_string(), "sha": "abc", "branch": p.branch})).collect::<Vec<_>>(),
                   "conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": ""}]}
    }))
    .unwrap();
    let mut inventory = Vec::new();
    let mut flux = Vec::new();
    let mut deployments: BTreeMap<String, Object> = BTreeMap::new();
    let mut leftovers = Vec::new();
    let mut seen = BTreeSet::new();
    for o in objs {
        // One object per name and kind, as in a cluster.
        let kind = if o.flux.is_some() {
            "Kustomization"
        } else {
            "Deployment"
        };
        if !seen.insert((kind, o.name.clone())) {
            continue;
        }
        let meta = json!({"name": o.name, "namespace": NS, "labels": labels_of(&o.labels), "annotations": annotations_of(&o.annotation)});
        match &o.flux {
            Some((prune, suspend, children)) => {
                if o.in_inventory {
                    inventory.push(entry(&o.name, KS, "Kustomization"));
                }
                let entries: Vec<Value> = children
                    .iter()
                    .map(|c| entry(&c.name, "apps", "Deployment"))
                    .collect();
                let f: FluxObject = serde_json::from_value(json!({
                    "kind": "Kustomization", "metadata": meta,
                    "spec": {"prune": prune, "suspend": suspend},
                    "status": {"inventory": {"entries": entries}}
                }))
                .unwrap();
                flux.push(f);
                for c in children {
                    let parent = match c.parent_labels {
                        0 => Some(o.name.clone()),
                        1 => Some("someone-else".to_string()),
                        _ => None,
                    };
                    let labels = match parent {
                        Some(p) => {
                            json!({"kustomize.toolkit.fluxcd.io/name": p, "kustomize.toolkit.fluxcd.io/namespace": NS})
                        }
                        None => json!({}),
                    };
                    deployments.entry(c.name.clone()).or_insert_with(|| {
                        serde_json::from_value(json!({"metadata": {"name": c.name, "namespace": NS, "labels": labels, "annotations": annotations_of(&c.annotation)}})).unwrap()
                    });
                }
            }
            None if o.leftover => {
                if !seen.insert(("ConfigMap", o.name.clone())) {
                    continue;
                }
                let mut r = ObjectRef::new("", "ConfigMap", NS, &o.name);
                r.version = "v1".into();
                leftovers.push((r, serde_json::from_value(meta).unwrap()));
            }
            None => {
                if o.in_inventory {
                    inventory.push(entry(&o.name, "apps", "Deployment"));
                }
                deployments.insert(
                    o.name.clone(),
                    serde_json::from_value(json!({"metadata": meta})).unwrap(),
                );
            }
        }
    }
    let rset: ResourceSet = serde_json::from_value(json!({
        "metadata": {"name": RSET, "namespace": NS},
        "spec": {"inputsFrom": [{"kind": "ResourceSetInputProvider", "name": "api-prs"}],
                 "resources": [{"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                                "metadata": {"name": "api-pr-<< inputs.id >>", "namespace": NS}}]},
        "status": {"inventory": {"entries": inventory}}
    }))
    .unwrap();
    let mut snapshot = Snapshot {
        providers: vec![provider],
        resource_sets: vec![rset],
        flux,
        leftovers,
        ..Default::default()
    };
    snapshot
        .objects
        .insert(Kind::Deployment, deployments.into_values().collect());
    snapshot
}

type Map = BTreeMap<String, String>;

fn tokens(name: &str) -> Vec<&str> {
    name.split(['-', '.']).filter(|t| !t.is_empty()).collect()
}

/// Whether `name` names PR `id` (whole token) or its branch slug (whole run of tokens).
fn names_pr(name: &str, id: &str, branch: Option<&str>) -> bool {
    let toks = tokens(name);
    if toks.contains(&id) {
        return true;
    }
    let Some(slug) = branch.map(slugify).filter(|s| !s.is_empty()) else {
        return false;
    };
    let run = tokens(&slug);
    !run.is_empty() && toks.windows(run.len()).any(|w| w == run.as_slice())
}

fn meta<'a>(s: &'a Snapshot, r: &ObjectRef) -> Option<(&'a Map, &'a Map)> {
    if r.kind == "Kustomization" {
        s.flux
            .iter()
            .find(|f| f.metadata.name() == r.name)
            .map(|f| (f.metadata.labels(), f.metadata.annotations()))
    } else if r.kind == "ConfigMap" {
        s.leftovers
            .iter()
            .find(|(l, _)| l.name == r.name)
            .map(|(_, m)| (m.labels(), m.annotations()))
    } else {
        s.objects_of(Kind::Deployment)
            .iter()
            .find(|o| o.metadata.name() == r.name)
            .map(|o| (o.metadata.labels(), o.metadata.annotations()))
    }
}

fn inventory_of(s: &Snapshot, parent: &str) -> Vec<String> {
    s.flux
        .iter()
        .filter(|f| f.metadata.name() == parent)
        .flat_map(|f| {
            f.status
                .inventory
                .iter()
                .flat_map(|i| i.entries.iter().map(|e| e.id.clone()))
        })
        .collect()
}

/// Every rule of spec §5 and issue 10 that a plan must satisfy, checked from the snapshot alone.
fn check(s: &Snapshot, prs: &[Pr], subject: &str, plan: &Plan) -> Result<(), TestCaseError> {
    let rset_inventory: Vec<String> = s.resource_sets[0]
        .status
        .inventory
        .iter()
        .flat_map(|i| i.entries.iter().map(|e| e.id.clone()))
        .collect();
    let exported = prs.iter().any(|p| p.id.to_string() == subject);
    prop_assert_eq!(plan.still_exported, exported);
    // What the ResourceSet's reconcile is expected to prune (a closed PR's objects still in its
    // inventory) must be this PR's by the same rules as what the plugin deletes itself.
    let by_rset: Vec<Delete> = plan
        .pruned
        .iter()
        .filter(|p| p.by.kind == "ResourceSet")
        .map(|p| Delete {
            object: p.object.clone(),
            reason: DeleteReason::LeftBehind,
            owner: Owner::ResourceSet {
                namespace: NS.into(),
                name: RSET.into(),
            },
        })
        .collect();
    prop_assert!(
        exported
            || plan
                .delete
                .iter()
                .all(|d| !matches!(d.owner, Owner::ResourceSet { .. })
                    || !rset_inventory.contains(&format!(
                        "{NS}_{}_{}_{}",
                        d.object.name, d.object.group, d.object.kind
                    ))),
        "a closed PR deletes what the ResourceSet still lists instead of letting it prune"
    );
    let top: BTreeSet<String> = plan
        .delete
        .iter()
        .chain(&by_rset)
        .filter(|d| matches!(d.owner, Owner::ResourceSet { .. }))
        .map(|d| d.object.name.clone())
        .collect();
    for d in plan.delete.iter().chain(&by_rset) {
        prop_assert!(!teardown::protected(&d.object));
        let id = format!(
            "{NS}_{}_{}_{}",
            d.object.name, d.object.group, d.object.kind
        );
        let (labels, annotations) =
            meta(s, &d.object).expect("generated objects are all in the snapshot");
        let annotated = annotations.get(CHANGE_REQUEST_ANNOTATION);
        match &d.owner {
            Owner::ResourceSet { namespace, name } => {
                prop_assert_eq!((namespace.as_str(), name.as_str()), (NS, RSET));
                // Owner labels, always.
                prop_assert_eq!(
                    labels.get(OWNER_NAME_LABEL).map(String::as_str),
                    Some(RSET),
                    "{:?} lacks the owner labels",
                    d.object
                );
                // In the inventory, or (closed PR only) left outside it with the owner labels.
                prop_assert!(
                    rset_inventory.contains(&id) || !exported,
                    "{:?} is not in the inventory",
                    d.object
                );
                // This PR's alone: its annotation, or its name and no other exported PR's.
                match annotated {
                    Some(a) => prop_assert_eq!(
                        a.as_str(),
                        subject,
                        "{:?} is annotated for another PR",
                        d.object
                    ),
                    None => {
                        let branch = prs
                            .iter()
                            .find(|p| p.id.to_string() == subject)
                            .map(|p| p.branch.as_str());
                        prop_assert!(
                            names_pr(&d.object.name, subject, branch),
                            "{:?} does not name {}",
                            d.object,
                            subject
                        );
                        for other in prs.iter().filter(|p| p.id.to_string() != subject) {
                            prop_assert!(
                                !names_pr(
                                    &d.object.name,
                                    &other.id.to_string(),
                                    Some(&other.branch)
                                ),
                                "{:?} also names exported PR {} ({})",
                                d.object,
                                other.id,
                                other.branch
                            );
                        }
                    }
                }
            }
            Owner::Flux { parent } => {
                prop_assert!(
                    top.contains(&parent.name),
                    "nested {:?} under a parent not deleted",
                    d.object
                );
                prop_assert!(inventory_of(s, &parent.name).contains(&id));
                prop_assert_eq!(
                    labels.get("kustomize.toolkit.fluxcd.io/name"),
                    Some(&parent.name)
                );
                if let Some(a) = annotated {
                    prop_assert_eq!(a.as_str(), subject);
                }
                // In no other Flux object's inventory.
                for f in s.flux.iter().filter(|f| f.metadata.name() != parent.name) {
                    prop_assert!(
                        !inventory_of(s, f.metadata.name()).contains(&id),
                        "{:?} is shared with {}",
                        d.object,
                        f.metadata.name()
                    );
                }
            }
        }
    }
    for p in plan.pruned.iter().filter(|p| p.by.kind != "ResourceSet") {
        prop_assert!(top.contains(&p.by.name));
        let id = format!(
            "{NS}_{}_{}_{}",
            p.object.name, p.object.group, p.object.kind
        );
        prop_assert!(inventory_of(s, &p.by.name).contains(&id));
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

/// The generator is worth its cases only if the planner's every outcome shows up in them.
#[test]
fn the_generator_reaches_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for _ in 0..500 {
        let (prs, closed, objs) = scenario().new_tree(&mut runner).unwrap().current();
        let s = build(&prs, &objs);
        for id in prs.iter().map(|p| p.id).chain(closed) {
            let subject = Subject {
                namespace: NS.into(),
                resource_set: RSET.into(),
                id: id.to_string(),
                provider: None,
            };
            let plan = teardown::plan(&s, &subject).unwrap();
            for d in &plan.delete {
                *seen
                    .entry(match d.owner {
                        Owner::ResourceSet { .. } if d.object.kind == "ConfigMap" => {
                            "delete leftover"
                        }
                        Owner::ResourceSet { .. } => "delete top",
                        Owner::Flux { .. } => "delete nested",
                    })
                    .or_default() += 1;
            }
            *seen.entry("pruned").or_default() += plan.pruned.len();
            for k in &plan.kept {
                let reason = serde_json::to_value(k).unwrap()["reason"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                *seen
                    .entry(match reason.as_str() {
                        "notOwned" => "kept notOwned",
                        "otherPr" => "kept otherPr",
                        "shared" => "kept shared",
                        "ambiguous" => "kept ambiguous",
                        _ => "kept other",
                    })
                    .or_default() += 1;
            }
        }
    }
    for outcome in [
        "delete top",
        "delete leftover",
        "delete nested",
        "pruned",
        "kept notOwned",
        "kept otherPr",
        "kept shared",
        "kept ambiguous",
    ] {
        assert!(
            seen.get(outcome).copied().unwrap_or(0) > 0,
            "{outcome} never happens: {seen:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn a_plan_deletes_only_what_is_provably_that_prs((prs, closed, objs) in scenario()) {
        let s = build(&prs, &objs);
        let ids: Vec<String> = prs.iter().map(|p| p.id.to_string()).chain(closed.iter().map(u16::to_string)).collect();
        let mut taken: BTreeMap<ObjectRef, String> = BTreeMap::new();
        for id in &ids {
            let subject = Subject { namespace: NS.into(), resource_set: RSET.into(), id: id.clone(), provider: None };
            let plan = teardown::plan(&s, &subject).expect("the ResourceSet is in the snapshot");
            check(&s, &prs, id, &plan)?;
            // No two PRs' plans share an object.
            for d in plan.delete.iter().map(|d| &d.object).chain(plan.pruned.iter().map(|p| &p.object)) {
                let key = ObjectRef::new(&d.group, &d.kind, &d.namespace, &d.name);
                if let Some(other) = taken.insert(key, id.clone()) {
                    prop_assert_eq!(&other, id, "{:?} is planned for two PRs", d);
                }
            }
        }
    }

    /// `delete --closed` takes a number for a PR only with evidence that it was one (an object
    /// annotated for it, or named as the template names a PR's objects, `api-pr-<id>`), never a
    /// port or a version in a shared object's name, never an exported PR; it finds every such PR
    /// that has something to delete or prune, and plans each exactly as `delete PR` does (so every
    /// rule checked above holds for it).
    #[test]
    fn delete_closed_finds_every_leftover_and_only_closed_prs((prs, _closed, objs) in scenario()) {
        let s = build(&prs, &objs);
        let catalog = environments::build(&s, &Vec::new());
        let found = teardown::closed(&s, &catalog, None, None);
        prop_assert!(found.skipped.is_empty(), "{:?}", found.skipped);
        let exported: BTreeSet<String> = prs.iter().map(|p| p.id.to_string()).collect();
        // The oracle: what says a number was a PR's, from the objects as built.
        let owned = |labels: &Map| labels.get(OWNER_NAME_LABEL).map(String::as_str) == Some(RSET);
        let mut evidence: BTreeSet<String> = BTreeSet::new();
        let metas = s.flux.iter().map(|f| &f.metadata)
            .chain(s.objects_of(Kind::Deployment).iter().map(|o| &o.metadata))
            .chain(s.leftovers.iter().map(|(_, m)| m));
        let named = |name: &str| name.strip_prefix("api-pr-").filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())).map(str::to_string);
        for m in metas {
            if !owned(m.labels()) { continue; }
            match m.annotations().get(CHANGE_REQUEST_ANNOTATION) {
                Some(id) => { evidence.insert(id.trim().to_string()); }
                None => evidence.extend(named(m.name())),
            }
        }
        for e in s.resource_sets[0].status.inventory.iter().flat_map(|i| &i.entries) {
            let name = e.id.split('_').nth(1).unwrap_or_default();
            evidence.extend(named(name));
        }
        let subject = |id: &str| Subject { namespace: NS.into(), resource_set: RSET.into(), id: id.into(), provider: None };
        for (sub, plan) in &found.found {
            prop_assert!(!exported.contains(&sub.id), "exported PR {} taken as closed", sub.id);
            prop_assert!(evidence.contains(&sub.id), "PR {} found without evidence: {:?}", sub.id, plan);
            prop_assert_eq!(sub, &subject(&sub.id));
            prop_assert!(!plan.is_empty() && !plan.still_exported);
            let again = teardown::plan(&s, sub);
            prop_assert_eq!(Some(plan), again.as_ref());
            check(&s, &prs, &sub.id, plan)?;
        }
        for id in evidence.iter().filter(|id| !exported.contains(*id)) {
            if let Some(plan) = teardown::plan(&s, &subject(id)) && !plan.is_empty() {
                prop_assert!(found.found.iter().any(|(sub, _)| &sub.id == id), "closed PR {} with {:?} not found", id, plan);
            }
        }
    }
}
