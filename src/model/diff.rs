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

/// Who set a live object's fields, from its `managedFields` (`fieldsV1`), at one level of the
/// object: the operator's last server-side apply, and every other manager.
#[derive(Debug, Default)]
pub struct Owners<'a> {
    ours: Option<&'a Map<String, Value>>,
    others: Vec<&'a Map<String, Value>>,
}

impl<'a> Owners<'a> {
    /// The owners of `live`'s fields at its top.
    pub fn of(live: &'a Value) -> Owners<'a> {
        let mut owners = Owners::default();
        let entries = live
            .pointer("/metadata/managedFields")
            .and_then(Value::as_array);
        for entry in entries.into_iter().flatten() {
            let Some(fields) = entry.get("fieldsV1").and_then(Value::as_object) else {
                continue;
            };
            let text = |k: &str| entry.get(k).and_then(Value::as_str);
            let main = text("subresource").unwrap_or_default().is_empty();
            if owners.ours.is_none()
                && main
                && text("manager") == Some(OPERATOR_MANAGER)
                && text("operation") == Some("Apply")
            {
                owners.ours = Some(fields);
            } else {
                owners.others.push(fields);
            }
        }
        owners
    }

    /// The owners of the fields of list item `live`, named in `fieldsV1` by its keys
    /// (`k:{"name":"worker"}`: an item of a list merged by key, such as containers).
    fn item(&self, live: &Value) -> Owners<'a> {
        let matches = |k: &String| {
            k.strip_prefix("k:")
                .and_then(|keys| serde_json::from_str::<Map<String, Value>>(keys).ok())
                .is_some_and(|keys| keys.iter().all(|(f, v)| live.get(f) == Some(v)))
        };
        let at = |m: &&'a Map<String, Value>| {
            m.iter()
                .find(|(k, _)| matches(k))
                .and_then(|(_, v)| v.as_object())
        };
        Owners {
            ours: self.ours.as_ref().and_then(at),
            others: self.others.iter().filter_map(at).collect(),
        }
    }

    /// The owners of field `key` below this level.
    fn child(&self, key: &str) -> Owners<'a> {
        let key = format!("f:{key}");
        let at = |m: &&'a Map<String, Value>| m.get(&key).and_then(Value::as_object);
        Owners {
            ours: self.ours.as_ref().and_then(at),
            others: self.others.iter().filter_map(at).collect(),
        }
    }
}

/// The live object seen through the fields `rendered` sets, and through the fields the operator's
/// last apply set that `rendered` no longer sets ([`removed`]): maps keep those keys; lists of the
/// same length are compared item by item (an item's fields by its keys in `fieldsV1`), other
/// values as they are.
pub fn project(live: &Value, rendered: &Value, owners: &Owners<'_>) -> Value {
    match (live, rendered) {
        (Value::Object(l), Value::Object(r)) => Value::Object(
            l.iter()
                .filter_map(|(k, lv)| {
                    let owners = owners.child(k);
                    let seen = match r.get(k) {
                        Some(rv) => Some(project(lv, rv, &owners)),
                        None => removed(lv, &owners),
                    };
                    Some((k.clone(), seen?))
                })
                .collect(),
        ),
        (Value::Array(l), Value::Array(r)) if l.len() == r.len() => Value::Array(
            l.iter()
                .zip(r)
                .map(|(lv, rv)| project(lv, rv, &owners.item(lv)))
                .collect(),
        ),
        _ => live.clone(),
    }
}

/// What of `live` (a field the template no longer sets) the next apply takes away: the part only
/// the operator set. `None` when nothing: another manager also set the field (it stays theirs), or
/// the operator's entry names no sub-field of a map (it applied an empty map, as normalisation
/// adds `strategy: {}`, or owns an atomic struct), or the value is null.
fn removed(live: &Value, owners: &Owners<'_>) -> Option<Value> {
    let ours = owners.ours?;
    if !owners.others.is_empty() {
        return None;
    }
    let named = ours.keys().any(|k| k.starts_with("f:"));
    match live {
        Value::Object(l) if named => {
            let gone: Map<String, Value> = l
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), removed(v, &owners.child(k))?)))
                .collect();
            (!gone.is_empty()).then_some(Value::Object(gone))
        }
        Value::Object(_) | Value::Null => None,
        _ => Some(live.clone()),
    }
}

/// Annotations by which the operator fills fields at apply time, from objects the template does not
/// render (`copyFrom`, `convertKubeConfigFrom`) or from a checksum of them (`checksumFrom`).
const COPY_FROM: &str = "fluxcd.controlplane.io/copyFrom";
const CONVERT_KUBECONFIG_FROM: &str = "fluxcd.controlplane.io/convertKubeConfigFrom";
const CHECKSUM_FROM: &str = "fluxcd.controlplane.io/checksumFrom";
const CHECKSUM: &str = "fluxcd.controlplane.io/checksum";

/// `rendered` with the fields the operator fills at apply time taken from `live`: a local render
/// cannot compute them (they come from other objects), and they are not changes of the template.
fn with_apply_time_fields(rendered: &Value, live: &Value) -> Value {
    let mut out = rendered.clone();
    let annotation = |k: &str| {
        rendered
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(k))
            .is_some()
    };
    if let (Value::Object(out), Value::Object(live)) = (&mut out, live) {
        if annotation(COPY_FROM) {
            for k in ["data", "binaryData", "type"] {
                if let Some(v) = live.get(k) {
                    out.insert(k.to_string(), v.clone());
                }
            }
        }
        if annotation(CONVERT_KUBECONFIG_FROM)
            && let Some(Value::Object(from)) = live.get("data")
        {
            let data = out
                .entry("data")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(data) = data {
                for k in ["address", "ca.crt"] {
                    if let (false, Some(v)) = (data.contains_key(k), from.get(k)) {
                        data.insert(k.to_string(), v.clone());
                    }
                }
            }
        }
    }
    copy_checksums(&mut out, live);
    out
}

/// Every `metadata.annotations` with `checksumFrom`, at any depth (pod templates too), gets the
/// checksum annotation the live object carries at the same place.
fn copy_checksums(rendered: &mut Value, live: &Value) {
    match (rendered, live) {
        (Value::Object(r), Value::Object(l)) => {
            if let (Some(Value::Object(ra)), Some(la)) = (
                r.get_mut("annotations"),
                l.get("annotations").and_then(Value::as_object),
            ) && ra.contains_key(CHECKSUM_FROM)
                && let Some(sum) = la.get(CHECKSUM)
            {
                ra.insert(CHECKSUM.to_string(), sum.clone());
            }
            for (k, rv) in r.iter_mut() {
                if let Some(lv) = l.get(k) {
                    copy_checksums(rv, lv);
                }
            }
        }
        (Value::Array(r), Value::Array(l)) => {
            for (rv, lv) in r.iter_mut().zip(l) {
                copy_checksums(rv, lv);
            }
        }
        _ => {}
    }
}

/// A Secret's `stringData` as the API server stores it: merged into `data`, base64-encoded.
fn secret_as_stored(rendered: &Value) -> Value {
    use base64::Engine as _;
    let mut out = rendered.clone();
    if let Value::Object(o) = &mut out
        && let Some(Value::Object(strings)) = o.remove("stringData")
    {
        let data = o.entry("data").or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(data) = data {
            for (k, v) in strings {
                let text = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                let encoded = base64::engine::general_purpose::STANDARD.encode(text);
                data.insert(k, Value::String(encoded));
            }
        }
    }
    out
}

/// Secret values hidden as `kubectl diff` hides them: `***` where both sides agree, `*** (before)`
/// and `*** (after)` where they differ.
fn mask_secret(seen: &mut Value, rendered: &mut Value) {
    for field in ["data", "stringData"] {
        let before = seen.get(field).and_then(Value::as_object).cloned();
        let after = rendered.get(field).and_then(Value::as_object).cloned();
        let mask = |side: &mut Value,
                    mine: &Option<Map<String, Value>>,
                    theirs: &Option<Map<String, Value>>,
                    label: &str| {
            if let (Some(Value::Object(m)), Some(mine)) = (side.get_mut(field), mine) {
                for (k, v) in m.iter_mut() {
                    let same = theirs.as_ref().and_then(|t| t.get(k)) == mine.get(k);
                    let other = theirs.as_ref().is_some_and(|t| t.contains_key(k));
                    *v = Value::String(if same || !other {
                        "***".into()
                    } else {
                        format!("*** ({label})")
                    });
                }
            }
        };
        mask(seen, &before, &after, "before");
        mask(rendered, &after, &before, "after");
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
        let secret = o.reference.group.is_empty() && o.reference.kind == "Secret";
        let mut now = with_apply_time_fields(&o.object, current);
        if secret {
            now = secret_as_stored(&now);
        }
        let mut seen = project(current, &now, &Owners::of(current));
        if !same(&seen, &now) {
            if secret {
                mask_secret(&mut seen, &mut now);
            }
            g.changed.push(Changed {
                object: o.reference.clone(),
                diff: unified(&o.reference.to_string(), &yaml(&seen), &yaml(&now)),
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
        assert!(same(&project(&l, &r, &Owners::of(&l)), &r));
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
        let seen = project(&live, &now, &Owners::of(&live));
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

    fn one(kind: &str, rendered: Value, live: Value) -> Vec<Group> {
        let r = ObjectRef::new("", kind, "ns", "a");
        let k = key(&r);
        let objects = vec![RenderedObject {
            reference: r.clone(),
            owner: Owner::Shared,
            object: rendered,
        }];
        diff(
            &objects,
            &[(r, Owner::Shared)],
            &BTreeMap::from([(k, live)]),
        )
    }

    fn applied_by(manager: &str, operation: &str, fields: Value) -> Value {
        json!({"manager": manager, "operation": operation, "fieldsType": "FieldsV1", "fieldsV1": fields})
    }

    #[test]
    fn a_field_another_manager_also_set_stays() {
        let live = json!({"metadata": {"name": "a", "labels": {"x": "1", "both": "1"}, "managedFields": [
            applied_by("flux-operator", "Apply", json!({"f:metadata": {"f:labels": {"f:x": {}, "f:both": {}}}})),
            applied_by("platform", "Apply", json!({"f:metadata": {"f:labels": {"f:both": {}}}}))]}});
        let rendered = json!({"metadata": {"name": "a", "labels": {"x": "1"}}});
        assert!(one("ConfigMap", rendered, live).is_empty());
    }

    #[test]
    fn what_normalisation_adds_is_no_removal() {
        // As the API server stores a Deployment the operator applied: normalisation added
        // `strategy: {}` and a null creationTimestamp, which managedFields records as leaves; the
        // server defaulted the strategy.
        let live = json!({"metadata": {"name": "a", "managedFields": [applied_by("flux-operator", "Apply", json!({
                "f:spec": {"f:replicas": {}, "f:strategy": {}, "f:selector": {},
                    "f:template": {"f:metadata": {"f:creationTimestamp": {}, "f:labels": {"f:app": {}}}}}}))]},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "a"}},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}},
                "template": {"metadata": {"creationTimestamp": null, "labels": {"app": "a"}}}}});
        let rendered = json!({"metadata": {"name": "a"}, "spec": {"replicas": 1,
            "selector": {"matchLabels": {"app": "a"}}, "template": {"metadata": {"labels": {"app": "a"}}}}});
        assert_eq!(one("Deployment", rendered, live), vec![]);
    }

    #[test]
    fn fields_the_operator_fills_at_apply_time_are_no_change() {
        let live = json!({"metadata": {"name": "a",
                "annotations": {"fluxcd.controlplane.io/copyFrom": "infra/ca",
                    "fluxcd.controlplane.io/checksumFrom": "ConfigMap/infra/ca",
                    "fluxcd.controlplane.io/checksum": "sha256:00"},
                "managedFields": [applied_by("flux-operator", "Apply", json!({
                    "f:metadata": {"f:annotations": {"f:fluxcd.controlplane.io/copyFrom": {},
                        "f:fluxcd.controlplane.io/checksumFrom": {}, "f:fluxcd.controlplane.io/checksum": {}}},
                    "f:data": {"f:ca.crt": {}, "f:address": {}}}))]},
            "data": {"ca.crt": "PEM", "address": "https://k8s"}});
        let rendered = json!({"metadata": {"name": "a", "annotations": {
            "fluxcd.controlplane.io/copyFrom": "infra/ca",
            "fluxcd.controlplane.io/checksumFrom": "ConfigMap/infra/ca"}}});
        assert_eq!(one("ConfigMap", rendered, live), vec![]);
        let live = json!({"metadata": {"name": "k", "annotations": {
                "fluxcd.controlplane.io/convertKubeConfigFrom": "infra/kubeconfig"}},
            "data": {"address": "https://k8s", "ca.crt": "PEM", "mine": "1"}});
        let rendered = json!({"metadata": {"name": "k", "annotations": {
            "fluxcd.controlplane.io/convertKubeConfigFrom": "infra/kubeconfig"}}, "data": {"mine": "1"}});
        assert_eq!(one("ConfigMap", rendered, live), vec![]);
    }

    #[test]
    fn secret_values_are_masked_and_string_data_compared_as_stored() {
        let live = json!({"metadata": {"name": "a"}, "type": "Opaque",
            "data": {"same": "c2VjcmV0", "changed": "b2xk"}});
        // `secret` and `old` in base64: stringData as the API server stores it.
        let rendered =
            json!({"metadata": {"name": "a"}, "type": "Opaque", "stringData": {"same": "secret"}});
        assert_eq!(one("Secret", rendered.clone(), live.clone()), vec![]);
        let rendered = json!({"metadata": {"name": "a"}, "type": "Opaque",
            "stringData": {"same": "secret", "changed": "new-value"}});
        let groups = one("Secret", rendered, live);
        let text = &groups[0].changed[0].diff;
        assert!(
            text.contains("-  changed: '*** (before)'")
                || text.contains("-  changed: \"*** (before)\""),
            "{text}"
        );
        assert!(text.contains("*** (after)"), "{text}");
        for secret in ["c2VjcmV0", "b2xk", "secret\n", "new-value", "bmV3LXZhbHVl"] {
            assert!(!text.contains(secret), "{secret} printed: {text}");
        }
    }

    #[test]
    fn a_field_dropped_inside_a_keyed_list_item_is_removed() {
        let live = json!({"metadata": {"name": "a", "managedFields": [applied_by("flux-operator", "Apply", json!({
                "f:spec": {"f:containers": {"k:{\"name\":\"worker\"}": {".": {}, "f:name": {}, "f:image": {},
                    "f:resources": {"f:limits": {"f:cpu": {}}}}}}}))]},
            "spec": {"containers": [{"name": "worker", "image": "w:1", "imagePullPolicy": "IfNotPresent",
                "resources": {"limits": {"cpu": "100m"}}}]}});
        let rendered = json!({"metadata": {"name": "a"}, "spec": {"containers": [{"name": "worker", "image": "w:1"}]}});
        let groups = one("Pod", rendered, live);
        let text = &groups[0].changed[0].diff;
        assert!(text.contains("-        cpu: 100m"), "{text}");
        assert!(!text.contains("imagePullPolicy"), "{text}");
    }

    #[test]
    fn nothing_to_change_is_empty() {
        let objects = vec![rendered("a", Owner::Shared, json!({"data": {"k": "v"}}))];
        let applied = vec![(cm("a"), Owner::Shared)];
        let live = BTreeMap::from([(key(&cm("a")), json!({"data": {"k": "v"}}))]);
        assert!(diff(&objects, &applied, &live).is_empty());
    }
}
