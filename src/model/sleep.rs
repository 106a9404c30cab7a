//! `suspend --scale-to-zero` and `resume`: which of an environment's Deployments and StatefulSets
//! to scale, and to what. The replicas a workload had are remembered in an annotation on the
//! workload itself, so that `resume` (from any machine, any time later) restores them.
//!
//! Only workloads that the environment's own Kustomizations and HelmReleases apply, and provably
//! them alone (the teardown planner's rules: in one Flux object's inventory and no other's, with
//! that Flux object's owner labels, not annotated for another PR), are scaled: those are the ones
//! its suspended Flux objects would otherwise hold at their declared size. A workload the
//! ResourceSet applies itself (which `suspend` does not stop), a shared one, or one matched by
//! name only is left as it is, and said so.
use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::model::environments::Environment;
use crate::model::inventory::ObjectRef;
use crate::model::objects::{Identity, Object};
use crate::model::snapshot::{Kind, Snapshot};

/// Where `suspend --scale-to-zero` writes the replicas it took away. The domain is the project's.
pub const REPLICAS_ANNOTATION: &str = "kubectl-preview.github.io/suspended-replicas";

/// One change to a workload: a merge patch of `spec.replicas` and the annotation, made against
/// the resourceVersion read, so that a workload changed since fails with a conflict instead of
/// being overwritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    pub workload: ObjectRef,
    pub kind: Kind,
    /// The replicas to set; `None`: leave them (someone scaled it up since).
    pub replicas: Option<i32>,
    /// The annotation's new value; `None` removes it.
    pub remember: Option<i32>,
    pub resource_version: String,
}

impl Scale {
    pub fn patch(&self) -> Value {
        let mut patch = json!({
            "metadata": {
                "resourceVersion": self.resource_version,
                "annotations": { REPLICAS_ANNOTATION: self.remember.map(|n| n.to_string()) },
            }
        });
        if let Some(n) = self.replicas {
            patch["spec"] = json!({ "replicas": n });
        }
        patch
    }

    /// What the change does, for the line printed after it.
    pub fn describe(&self) -> String {
        match (self.replicas, self.remember) {
            (Some(0), Some(n)) => format!("scaled from {n} to 0"),
            (Some(n), None) => format!("scaled back to {n}"),
            (None, None) => "left at its replicas (changed since it was scaled down)".into(),
            (Some(n), Some(m)) => format!("scaled to {n} (remembering {m})"),
            (None, Some(m)) => format!("remembering {m}"),
        }
    }
}

/// Why a workload of the environment is not changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// Already at zero replicas.
    AtZero,
    /// Not provably applied by the environment's Flux objects alone.
    NotHeld,
    /// In an inventory but not in the cluster (or not readable).
    NotFound,
    /// The annotation does not hold a replica count (the raw value, unsanitised).
    Unreadable(String),
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::AtZero => f.write_str("already at 0 replicas"),
            Skip::NotHeld => f.write_str(
                "not provably applied by this environment's Kustomizations/HelmReleases alone (applied by the ResourceSet itself, shared, annotated for another PR, or matched by name only)",
            ),
            Skip::NotFound => f.write_str("not found"),
            Skip::Unreadable(v) => write!(
                f,
                "annotation {REPLICAS_ANNOTATION} is not a replica count ({v:?}); set spec.replicas by hand"
            ),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub scale: Vec<Scale>,
    pub skipped: Vec<(ObjectRef, Skip)>,
}

/// The workloads the environment's Kustomizations and HelmReleases apply, provably them alone:
/// what the teardown plan of the environment expects them to prune, or to delete explicitly
/// because they would not (a suspended or `prune: false` Flux object, a prune-disabled object).
pub fn held(plan: &crate::model::teardown::Plan) -> BTreeSet<ObjectRef> {
    use crate::model::teardown::DeleteReason;
    let pruned = plan
        .pruned
        .iter()
        .filter(|p| p.by.is_flux_applier())
        .map(|p| &p.object);
    let deleted = plan.delete.iter().filter_map(|d| match &d.reason {
        DeleteReason::Orphaned { parent, .. } | DeleteReason::PruneExcluded { parent }
            if parent.is_flux_applier() =>
        {
            Some(&d.object)
        }
        _ => None,
    });
    pruned.chain(deleted).map(plain).collect()
}

fn plain(r: &ObjectRef) -> ObjectRef {
    ObjectRef::new(&r.group, &r.kind, &r.namespace, &r.name)
}

/// The environment's Deployments and StatefulSets (each once), with their object when it was read.
fn workloads<'a>(
    env: &'a Environment,
    snapshot: &'a Snapshot,
) -> impl Iterator<
    Item = (
        &'a crate::model::environments::EnvObject,
        Kind,
        Option<&'a Object>,
    ),
> {
    let mut seen: BTreeSet<ObjectRef> = BTreeSet::new();
    env.objects.iter().filter_map(move |o| {
        if !seen.insert(plain(&o.reference)) {
            return None;
        }
        let kind = match Kind::of(&o.reference.group, &o.reference.kind)? {
            k @ (Kind::Deployment | Kind::StatefulSet) => k,
            _ => return None,
        };
        let object = snapshot.objects_of(kind).iter().find(|w| {
            w.metadata.namespace() == o.reference.namespace && w.metadata.name() == o.reference.name
        });
        Some((o, kind, object.filter(|_| o.found)))
    })
}

/// `spec.replicas`, 1 when absent (the API server's default).
fn replicas(object: &Object) -> Option<i32> {
    match &object.spec.replicas {
        Value::Null => Some(1),
        v => v.as_i64().and_then(|n| i32::try_from(n).ok()),
    }
}

/// `suspend --scale-to-zero`: every workload of `held` above zero goes to zero, remembering its
/// replicas.
pub fn scale_down(env: &Environment, snapshot: &Snapshot, held: &BTreeSet<ObjectRef>) -> Plan {
    let mut plan = Plan::default();
    for (o, kind, object) in workloads(env, snapshot) {
        let r = o.reference.clone();
        if !held.contains(&plain(&r)) {
            plan.skipped.push((r, Skip::NotHeld));
            continue;
        }
        let Some(object) = object else {
            plan.skipped.push((r, Skip::NotFound));
            continue;
        };
        match replicas(object) {
            Some(0) => plan.skipped.push((r, Skip::AtZero)),
            Some(n) if n > 0 => plan.scale.push(Scale {
                workload: r,
                kind,
                replicas: Some(0),
                remember: Some(n),
                resource_version: object.metadata.resource_version.clone().unwrap_or_default(),
            }),
            // Not a count the API server would hold: not ours to interpret.
            _ => plan
                .skipped
                .push((r, Skip::Unreadable(object.spec.replicas.to_string()))),
        }
    }
    plan
}

/// `resume`: every workload of `held` that carries the annotation gets its replicas back (unless
/// someone scaled it up since: then only the annotation goes).
pub fn scale_up(env: &Environment, snapshot: &Snapshot, held: &BTreeSet<ObjectRef>) -> Plan {
    let mut plan = Plan::default();
    for (o, kind, object) in workloads(env, snapshot) {
        let Some(object) = object else { continue };
        let Some(value) = object.metadata.annotations().get(REPLICAS_ANNOTATION) else {
            continue;
        };
        let r = o.reference.clone();
        if !held.contains(&plain(&r)) {
            plan.skipped.push((r, Skip::NotHeld));
            continue;
        }
        let Some(n) = value.trim().parse::<i32>().ok().filter(|n| *n >= 0) else {
            plan.skipped.push((r, Skip::Unreadable(value.clone())));
            continue;
        };
        plan.scale.push(Scale {
            workload: r,
            kind,
            replicas: (replicas(object) == Some(0)).then_some(n),
            remember: None,
            resource_version: object.metadata.resource_version.clone().unwrap_or_default(),
        });
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::attribution::Rule;
    use crate::model::environments::{EnvObject, PodProblems, build};
    use proptest::prelude::*;

    const NS: &str = "app-dev";

    /// One environment (PR 1 of a GitHub provider), whose objects the tests set.
    fn env(objects: Vec<EnvObject>) -> Environment {
        let provider = serde_json::from_value(json!({
            "metadata": {"name": "api-prs", "namespace": NS},
            "spec": {"type": "GitHubPullRequest"},
            "status": {"exportedInputs": [{"id": "1", "sha": "abc", "branch": "feat"}]}
        }))
        .unwrap();
        let rset = serde_json::from_value(json!({
            "metadata": {"name": "api", "namespace": NS},
            "spec": {"inputsFrom": [{"kind": "ResourceSetInputProvider", "name": "api-prs"}]},
        }))
        .unwrap();
        let snapshot = Snapshot {
            providers: vec![provider],
            resource_sets: vec![rset],
            ..Default::default()
        };
        let mut env = build(&snapshot, &PodProblems::new()).environments.remove(0);
        env.objects = objects;
        env
    }

    fn entry(kind: &str, name: &str, rule: Rule, found: bool) -> EnvObject {
        let group = if kind == "Service" { "" } else { "apps" };
        EnvObject {
            reference: ObjectRef::new(group, kind, NS, name),
            attributed_by: rule,
            ready: None,
            message: None,
            found,
        }
    }

    fn inventory() -> Rule {
        Rule::Inventory {
            parent: "Kustomization/app-dev/api-1".into(),
        }
    }

    /// A workload as read; `replicas: null` leaves `spec.replicas` out.
    fn workload(name: &str, replicas: Value, annotations: Value) -> Object {
        let spec = if replicas.is_null() {
            json!({})
        } else {
            json!({ "replicas": replicas })
        };
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": NS, "resourceVersion": "42", "annotations": annotations},
            "spec": spec,
        }))
        .unwrap()
    }

    /// The workloads held by the environment's Flux objects, by name.
    fn held_of(names: &[&str]) -> BTreeSet<ObjectRef> {
        let kind = |n: &str| {
            if n.starts_with("db") {
                "StatefulSet"
            } else {
                "Deployment"
            }
        };
        names
            .iter()
            .map(|n| ObjectRef::new("apps", kind(n), NS, n))
            .collect()
    }

    fn snapshot(objects: Vec<(Kind, Object)>) -> Snapshot {
        let mut s = Snapshot::default();
        for (k, o) in objects {
            s.objects.entry(k).or_default().push(o);
        }
        s
    }

    /// What a merge patch does to the fields `Scale::patch` sets.
    fn apply(object: &mut Object, patch: &Value) {
        if let Some(n) = patch.pointer("/spec/replicas") {
            object.spec.replicas = n.clone();
        }
        let annotations = object.metadata.annotations.get_or_insert_default();
        match patch.pointer(&format!(
            "/metadata/annotations/{}",
            REPLICAS_ANNOTATION.replace('/', "~1")
        )) {
            Some(Value::String(v)) => {
                annotations.insert(REPLICAS_ANNOTATION.into(), v.clone());
            }
            _ => {
                annotations.remove(REPLICAS_ANNOTATION);
            }
        }
    }

    #[test]
    fn scale_down_takes_only_provable_workloads_above_zero() {
        let e = env(vec![
            entry("Deployment", "web-1", inventory(), true),
            entry("StatefulSet", "db-1", Rule::Annotation, true),
            entry("Deployment", "defaulted-1", inventory(), true),
            entry("Deployment", "idle-1", inventory(), true),
            entry(
                "Deployment",
                "named-1",
                Rule::NameToken { token: "1".into() },
                true,
            ),
            entry("Deployment", "gone-1", inventory(), false),
            entry("Service", "web-1", inventory(), true),
            // Listed by two of its Kustomizations: scaled once.
            entry("Deployment", "web-1", inventory(), true),
            // In its inventory, but shared with another environment's: not held.
            entry("Deployment", "shared", inventory(), true),
        ]);
        let s = snapshot(vec![
            (Kind::Deployment, workload("web-1", json!(3), json!({}))),
            (Kind::StatefulSet, workload("db-1", json!(1), json!({}))),
            (
                Kind::Deployment,
                workload("defaulted-1", Value::Null, json!({})),
            ),
            (Kind::Deployment, workload("idle-1", json!(0), json!({}))),
            (Kind::Deployment, workload("named-1", json!(2), json!({}))),
            (Kind::Deployment, workload("shared", json!(2), json!({}))),
        ]);
        let held = held_of(&["web-1", "db-1", "defaulted-1", "idle-1", "gone-1"]);
        let plan = scale_down(&e, &s, &held);
        let got: Vec<(&str, Kind, Option<i32>, Option<i32>)> = plan
            .scale
            .iter()
            .map(|c| (c.workload.name.as_str(), c.kind, c.replicas, c.remember))
            .collect();
        assert_eq!(
            got,
            vec![
                ("web-1", Kind::Deployment, Some(0), Some(3)),
                ("db-1", Kind::StatefulSet, Some(0), Some(1)),
                ("defaulted-1", Kind::Deployment, Some(0), Some(1)),
            ]
        );
        let skipped: Vec<(&str, &Skip)> = plan
            .skipped
            .iter()
            .map(|(r, s)| (r.name.as_str(), s))
            .collect();
        assert_eq!(
            skipped,
            vec![
                ("idle-1", &Skip::AtZero),
                ("named-1", &Skip::NotHeld),
                ("gone-1", &Skip::NotFound),
                ("shared", &Skip::NotHeld)
            ]
        );
        assert!(plan.scale.iter().all(|c| c.resource_version == "42"));
    }

    #[test]
    fn held_workloads_are_what_the_environments_flux_objects_prune() {
        use crate::model::teardown::{
            Delete, DeleteReason, Orphaning, Owner, Plan as Teardown, Pruned,
        };
        let ks = ObjectRef::new(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            NS,
            "api-pr-1",
        );
        let rset = ObjectRef::new("fluxcd.controlplane.io", "ResourceSet", NS, "api");
        let mut web = ObjectRef::new("apps", "Deployment", NS, "web-1");
        web.version = "v1".into();
        let plan = Teardown {
            environment: "x".into(),
            provider: None,
            still_exported: true,
            delete: vec![
                Delete {
                    object: ObjectRef::new("apps", "Deployment", NS, "top-1"),
                    reason: DeleteReason::Rendered,
                    owner: Owner::ResourceSet {
                        namespace: NS.into(),
                        name: "api".into(),
                    },
                },
                // A suspended Kustomization's child: deleted explicitly, held all the same.
                Delete {
                    object: ObjectRef::new("apps", "StatefulSet", NS, "db-1"),
                    reason: DeleteReason::Orphaned {
                        parent: ks.clone(),
                        by: Orphaning::Suspended,
                    },
                    owner: Owner::Flux { parent: ks.clone() },
                },
            ],
            pruned: vec![
                Pruned {
                    object: web,
                    by: ks,
                },
                Pruned {
                    object: ObjectRef::new("", "ConfigMap", NS, "left-1"),
                    by: rset,
                },
            ],
            kept: vec![],
            notes: vec![],
        };
        // Versions do not matter; what the ResourceSet applies itself is not held.
        assert_eq!(held(&plan), held_of(&["web-1", "db-1"]));
    }

    #[test]
    fn the_patch_is_conditional_on_the_version_read() {
        let c = Scale {
            workload: ObjectRef::new("apps", "Deployment", NS, "web-1"),
            kind: Kind::Deployment,
            replicas: Some(0),
            remember: Some(3),
            resource_version: "42".into(),
        };
        assert_eq!(
            c.patch(),
            json!({"metadata": {"resourceVersion": "42", "annotations": {REPLICAS_ANNOTATION: "3"}},
                   "spec": {"replicas": 0}})
        );
        let back = Scale {
            replicas: None,
            remember: None,
            ..c
        };
        // Only the annotation goes: `null` removes it in a merge patch; spec is not touched.
        assert_eq!(
            back.patch(),
            json!({"metadata": {"resourceVersion": "42", "annotations": {REPLICAS_ANNOTATION: null}}})
        );
    }

    #[test]
    fn scale_up_restores_leaves_a_manual_scale_and_refuses_to_guess() {
        let e = env(vec![
            entry("Deployment", "web-1", inventory(), true),
            entry("Deployment", "manual-1", inventory(), true),
            entry(
                "Deployment",
                "named-1",
                Rule::NameToken { token: "1".into() },
                true,
            ),
            entry("Deployment", "plain-1", inventory(), true),
            entry("Deployment", "bad-1", inventory(), true),
        ]);
        let ann = |v: &str| json!({REPLICAS_ANNOTATION: v});
        let s = snapshot(vec![
            (Kind::Deployment, workload("web-1", json!(0), ann("3"))),
            (Kind::Deployment, workload("manual-1", json!(2), ann("3"))),
            (Kind::Deployment, workload("named-1", json!(0), ann("2"))),
            (Kind::Deployment, workload("plain-1", json!(0), json!({}))),
            (Kind::Deployment, workload("bad-1", json!(0), ann("-1"))),
        ]);
        let plan = scale_up(&e, &s, &held_of(&["web-1", "manual-1", "plain-1", "bad-1"]));
        let got: Vec<(&str, Option<i32>, Option<i32>)> = plan
            .scale
            .iter()
            .map(|c| (c.workload.name.as_str(), c.replicas, c.remember))
            .collect();
        // A workload the environment does not hold keeps its annotation and its size: said so.
        assert_eq!(
            got,
            vec![("web-1", Some(3), None), ("manual-1", None, None)]
        );
        let skipped: Vec<(&str, &Skip)> = plan
            .skipped
            .iter()
            .map(|(r, s)| (r.name.as_str(), s))
            .collect();
        assert_eq!(
            skipped,
            vec![
                ("named-1", &Skip::NotHeld),
                ("bad-1", &Skip::Unreadable("-1".into()))
            ]
        );
    }

    proptest! {
        /// Down then up gives back the replicas a workload had, and a second `suspend` in
        /// between changes nothing (it does not overwrite the remembered count with 0).
        #[test]
        fn down_then_up_restores(n in 0i32..=i32::MAX) {
            let e = env(vec![entry("Deployment", "web-1", inventory(), true)]);
            let mut w = workload("web-1", json!(n), json!({}));
            let held = held_of(&["web-1"]);
            for c in scale_down(&e, &snapshot(vec![(Kind::Deployment, w.clone())]), &held).scale {
                apply(&mut w, &c.patch());
            }
            let again = scale_down(&e, &snapshot(vec![(Kind::Deployment, w.clone())]), &held);
            prop_assert!(again.scale.is_empty());
            for c in scale_up(&e, &snapshot(vec![(Kind::Deployment, w.clone())]), &held).scale {
                apply(&mut w, &c.patch());
            }
            prop_assert_eq!(replicas(&w), Some(n));
            prop_assert!(!w.metadata.annotations().contains_key(REPLICAS_ANNOTATION));
        }

        /// Any annotation value: no panic, and a count only when it is a whole non-negative
        /// 32-bit number; anything else is reported, never applied.
        #[test]
        fn hostile_annotations_are_never_applied(v in any::<String>(), replicas in any::<i64>()) {
            let e = env(vec![entry("Deployment", "web-1", inventory(), true)]);
            let w = workload("web-1", json!(replicas), json!({REPLICAS_ANNOTATION: v}));
            let held = held_of(&["web-1"]);
            let plan = scale_up(&e, &snapshot(vec![(Kind::Deployment, w)]), &held);
            match v.trim().parse::<i32>() {
                Ok(n) if n >= 0 => {
                    prop_assert_eq!(plan.scale.len(), 1);
                    prop_assert_eq!(plan.scale[0].replicas, (replicas == 0).then_some(n));
                }
                _ => {
                    prop_assert!(plan.scale.is_empty());
                    prop_assert_eq!(plan.skipped.len(), 1);
                }
            }
            let down = scale_down(&e, &snapshot(vec![(Kind::Deployment, workload("web-1", json!(replicas), json!({})))]), &held);
            prop_assert!(down.scale.iter().all(|c| c.remember.is_some_and(|m| i64::from(m) == replicas && m > 0)));
        }
    }
}
