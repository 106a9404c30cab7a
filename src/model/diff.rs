//! `render --local --diff`, pure: what rendering now would change against what is applied now,
//! per environment. Identities added and removed come from the ResourceSet's inventory; field
//! changes compare each rendered object with the live one, seen only through the fields the
//! template sets (the API server adds defaults, status and metadata the template never wrote:
//! those are not changes), and through the fields the operator's last apply set (its
//! `managedFields` entry): a field the template stops setting is taken away by the next
//! server-side apply, so it shows as removed.
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Map, Value};

/// The field manager the Flux Operator applies with (server-side apply).
pub const OPERATOR_MANAGER: &str = "flux-operator";

use crate::model::inventory::ObjectRef;

/// Whose objects a group holds: one environment's, or the ResourceSet's (rendered the same for
/// every input, or by inputs that are no PR's).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase", tag = "owner", content = "environment")]
pub enum Owner {
    Environment(String),
    Shared,
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Owner::Environment(env) => write!(f, "environment {env}"),
            Owner::Shared => f.write_str("shared objects of the ResourceSet"),
        }
    }
}

/// One object as rendered now.
#[derive(Debug, Clone)]
pub struct RenderedObject {
    pub reference: ObjectRef,
    pub owner: Owner,
    pub object: Value,
}

/// One object whose fields would change, with its unified diff (live → rendered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    pub object: ObjectRef,
    pub diff: String,
}

/// The changes of one owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub owner: Owner,
    pub added: Vec<ObjectRef>,
    pub removed: Vec<ObjectRef>,
    pub changed: Vec<Changed>,
}

impl Group {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

fn key(r: &ObjectRef) -> (String, String, String, String) {
    (
        r.group.clone(),
        r.kind.clone(),
        r.namespace.clone(),
        r.name.clone(),
    )
}

/// The fields the operator's last apply set on `live` (`fieldsV1` of its `Apply` entry in
/// `managedFields`), `None` when it has none.
pub fn applied_fields(live: &Value) -> Option<&Map<String, Value>> {
    live.pointer("/metadata/managedFields")?
        .as_array()?
        .iter()
        .find(|m| {
            m.get("manager").and_then(Value::as_str) == Some(OPERATOR_MANAGER)
                && m.get("operation").and_then(Value::as_str) == Some("Apply")
        })?
        .get("fieldsV1")?
        .as_object()
}

/// The live object seen through the fields `rendered` sets and the fields `owned` (the operator's
/// last apply, as `fieldsV1`) says it set: maps keep the keys the rendered map has, and the keys
/// the operator owns that it no longer renders (the next apply removes those); lists of the same
/// length are compared item by item, other values as they are.
pub fn project(live: &Value, rendered: &Value, owned: Option<&Map<String, Value>>) -> Value {
    match (live, rendered) {
        (Value::Object(l), Value::Object(r)) => Value::Object(
            l.iter()
                .filter_map(|(k, lv)| {
                    let own = owned
                        .and_then(|o| o.get(&format!("f:{k}")))
                        .and_then(Value::as_object);
                    match (r.get(k), own) {
                        (Some(rv), _) => Some((k.clone(), project(lv, rv, own))),
                        (None, Some(own)) => Some((k.clone(), owned_part(lv, own))),
                        (None, None) => None,
                    }
                })
                .collect(),
        ),
        (Value::Array(l), Value::Array(r)) if l.len() == r.len() => Value::Array(
            l.iter()
                .zip(r)
                .map(|(lv, rv)| project(lv, rv, None))
                .collect(),
        ),
        _ => live.clone(),
    }
}

/// The part of `live` that `owned` (a `fieldsV1` node) covers: the keys it names (`f:key`) of a
/// map, recursively; a node that names none (a leaf, a list, a map owned whole) covers all of it.
fn owned_part(live: &Value, owned: &Map<String, Value>) -> Value {
    let named = |k: &str| owned.get(&format!("f:{k}")).and_then(Value::as_object);
    match live {
        Value::Object(l) if owned.keys().any(|k| k.starts_with("f:")) => Value::Object(
            l.iter()
                .filter_map(|(k, v)| Some((k.clone(), owned_part(v, named(k)?))))
                .collect(),
        ),
        _ => live.clone(),
    }
}

/// Numbers equal as values (`1` and `1.0`), as the API server stores them.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        _ => a == b,
    }
}

fn yaml(v: &Value) -> String {
    serde_saphyr::to_string(v).unwrap_or_else(|e| format!("# cannot print as YAML: {e}\n"))
}

/// A unified diff of two texts, labelled as `kubectl diff` labels them.
pub fn unified(label: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("live/{label}"), &format!("rendered/{label}"))
        .to_string()
}

fn entry<'a>(groups: &'a mut BTreeMap<Owner, Group>, owner: &Owner) -> &'a mut Group {
    groups.entry(owner.clone()).or_insert_with(|| Group {
        owner: owner.clone(),
        added: vec![],
        removed: vec![],
        changed: vec![],
    })
}

/// The changes rendering would make. `applied`: the ResourceSet's inventory with each entry's
/// owner (as `list` attributes it); `live`: the live objects read (by identity); objects of the
/// inventory missing from `live` are compared as absent fields, never guessed.
pub fn diff(
    rendered: &[RenderedObject],
    applied: &[(ObjectRef, Owner)],
    live: &BTreeMap<(String, String, String, String), Value>,
) -> Vec<Group> {
    let mut groups: BTreeMap<Owner, Group> = BTreeMap::new();
    let applied_keys: BTreeSet<_> = applied.iter().map(|(r, _)| key(r)).collect();
    let rendered_keys: BTreeSet<_> = rendered.iter().map(|o| key(&o.reference)).collect();
    for o in rendered {
        let g = entry(&mut groups, &o.owner);
        let k = key(&o.reference);
        if !applied_keys.contains(&k) {
            g.added.push(o.reference.clone());
            continue;
        }
        let Some(current) = live.get(&k) else {
            continue;
        };
        let seen = project(current, &o.object, applied_fields(current));
        if !same(&seen, &o.object) {
            g.changed.push(Changed {
                object: o.reference.clone(),
                diff: unified(&o.reference.to_string(), &yaml(&seen), &yaml(&o.object)),
            });
        }
    }
    for (r, owner) in applied {
        if rendered_keys.contains(&key(r)) {
            continue;
        }
        entry(&mut groups, owner).removed.push(r.clone());
    }
    groups.into_values().filter(|g| !g.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cm(name: &str) -> ObjectRef {
        ObjectRef::new("", "ConfigMap", "ns", name)
    }

    fn rendered(name: &str, owner: Owner, object: Value) -> RenderedObject {
        RenderedObject {
            reference: cm(name),
            owner,
            object,
        }
    }

    #[test]
    fn defaults_the_server_adds_are_no_change() {
        let r = json!({"metadata": {"name": "a", "labels": {"x": "1"}}, "data": {"k": "v"}});
        let l = json!({"metadata": {"name": "a", "uid": "u", "resourceVersion": "9",
            "labels": {"x": "1", "extra": "y"}}, "data": {"k": "v"}, "status": {}});
        assert!(same(&project(&l, &r, None), &r));
    }

    #[test]
    fn a_field_the_operator_applied_and_no_longer_renders_is_removed() {
        // As the API server records a server-side apply by the operator, and an update by
        // someone else (whose fields are not the template's to remove).
        let live = json!({
            "metadata": {"name": "a", "labels": {"x": "1", "gone": "1", "theirs": "1"},
                "managedFields": [
                    {"manager": "flux-operator", "operation": "Apply", "fieldsType": "FieldsV1",
                     "fieldsV1": {"f:metadata": {"f:labels": {"f:x": {}, "f:gone": {}}},
                                  "f:data": {".": {}, "f:k": {}, "f:old": {}},
                                  "f:spec": {"f:list": {}}}},
                    {"manager": "kubectl-edit", "operation": "Update", "fieldsType": "FieldsV1",
                     "fieldsV1": {"f:metadata": {"f:labels": {"f:theirs": {}}}, "f:data": {"f:extra": {}}}}
                ]},
            "data": {"k": "v", "old": "o", "extra": "e"},
            "spec": {"list": [1, 2], "defaulted": true}
        });
        let now = json!({"metadata": {"name": "a", "labels": {"x": "1"}}, "data": {"k": "v"}});
        let seen = project(&live, &now, applied_fields(&live));
        assert_eq!(
            seen,
            json!({"metadata": {"name": "a", "labels": {"x": "1", "gone": "1"}},
                   "data": {"k": "v", "old": "o"}, "spec": {"list": [1, 2]}})
        );
        let objects = vec![rendered("a", Owner::Shared, now)];
        let groups = diff(
            &objects,
            &[(cm("a"), Owner::Shared)],
            &BTreeMap::from([(key(&cm("a")), live)]),
        );
        let text = &groups[0].changed[0].diff;
        for removed in ["-    gone: \"1\"", "-  old: o", "-spec:", "-  - 1"] {
            assert!(text.contains(removed), "{removed}: {text}");
        }
        assert!(!text.contains("theirs") && !text.contains("extra") && !text.contains("defaulted"));
        assert!(
            !text
                .lines()
                .any(|l| l.starts_with('+') && !l.starts_with("+++")),
            "{text}"
        );
    }

    #[test]
    fn added_removed_and_changed_per_owner() {
        let pr12 = Owner::Environment("ns/set/12".into());
        let pr13 = Owner::Environment("ns/set/13".into());
        let objects = vec![
            rendered("app-12", pr12.clone(), json!({"data": {"image": "v2"}})),
            rendered("app-13", pr13.clone(), json!({"data": {"image": "v1"}})),
            rendered("shared", Owner::Shared, json!({"data": {"replicas": 2}})),
        ];
        let applied = vec![
            (cm("app-12"), pr12.clone()),
            (cm("old-12"), pr12.clone()),
            (cm("shared"), Owner::Shared),
        ];
        let live = BTreeMap::from([
            (
                key(&cm("app-12")),
                json!({"data": {"image": "v1"}, "metadata": {"uid": "x"}}),
            ),
            (key(&cm("shared")), json!({"data": {"replicas": 2.0}})),
        ]);
        let groups = diff(&objects, &applied, &live);
        assert_eq!(groups.len(), 2, "{groups:#?}");
        let g12 = &groups[0];
        assert_eq!(g12.owner, pr12);
        assert_eq!(g12.removed, vec![cm("old-12")]);
        assert!(g12.added.is_empty());
        assert_eq!(g12.changed.len(), 1);
        assert!(
            g12.changed[0].diff.contains("-  image: v1"),
            "{}",
            g12.changed[0].diff
        );
        assert!(g12.changed[0].diff.contains("+  image: v2"));
        assert!(g12.changed[0].diff.contains("--- live/"));
        assert_eq!(groups[1].owner, pr13);
        assert_eq!(groups[1].added, vec![cm("app-13")]);
    }

    #[test]
    fn nothing_to_change_is_empty() {
        let objects = vec![rendered("a", Owner::Shared, json!({"data": {"k": "v"}}))];
        let applied = vec![(cm("a"), Owner::Shared)];
        let live = BTreeMap::from([(key(&cm("a")), json!({"data": {"k": "v"}}))]);
        assert!(diff(&objects, &applied, &live).is_empty());
    }
}
