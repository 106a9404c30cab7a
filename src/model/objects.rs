//! The cluster objects this tool reads, deserialized with only the fields it uses (lists of
//! hundreds of objects stay cheap to decode), tolerant of anything missing or malformed.
use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::core::{ApiResource, DynamicResourceScope, Resource};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Deserializes `null` or a wrong type as the default instead of failing the whole list.
fn lenient<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + serde::de::DeserializeOwned,
{
    let v = Value::deserialize(d)?;
    Ok(serde_json::from_value(v).unwrap_or_default())
}

/// Object metadata: kube's own `ObjectMeta`, so that the typed objects below are `kube::Resource`s
/// that `kube::Api` lists, gets and watches. Decoded leniently (`lean_meta`): only the fields this
/// tool uses, never `managedFields`; a field of the wrong type counts as absent, and a label or
/// annotation whose value is not a string is left out of its map.
pub type Meta = ObjectMeta;

/// The identity and label fields of `ObjectMeta` as this tool reads them: `""` and an empty map
/// when absent, so that the model compares and looks up without unwrapping.
pub trait Identity {
    fn name(&self) -> &str;
    fn namespace(&self) -> &str;
    fn uid(&self) -> &str;
    fn labels(&self) -> &BTreeMap<String, String>;
    fn annotations(&self) -> &BTreeMap<String, String>;
}

static NO_LABELS: BTreeMap<String, String> = BTreeMap::new();

impl Identity for ObjectMeta {
    fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }
    fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or_default()
    }
    fn uid(&self) -> &str {
        self.uid.as_deref().unwrap_or_default()
    }
    fn labels(&self) -> &BTreeMap<String, String> {
        self.labels.as_ref().unwrap_or(&NO_LABELS)
    }
    fn annotations(&self) -> &BTreeMap<String, String> {
        self.annotations.as_ref().unwrap_or(&NO_LABELS)
    }
}

/// The scalar `visit_*` methods of a lenient visitor: a scalar where a map or a string was
/// expected (never sent by an API server, but the data is not trusted) decodes as `$empty`.
macro_rules! scalars_as {
    ($empty:expr) => {
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($empty)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($empty)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($empty)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($empty)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($empty)
        }
    };
}

/// Reads past the rest of a list, building nothing (however deep).
fn skip_seq<'de, A: serde::de::SeqAccess<'de>>(seq: &mut A) -> Result<(), A::Error> {
    while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Reads past the rest of a map, building nothing (however deep).
fn skip_map<'de, A: serde::de::MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    while map
        .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
        .is_some()
    {}
    Ok(())
}

/// A string, or `None` for anything else, without an intermediate `Value`.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        scalars_as!(None);
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            skip_seq(&mut seq)?;
            Ok(None)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            skip_map(&mut map)?;
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// A map of strings (labels, annotations) decoded directly: an entry whose value is not a string
/// is left out, anything but a map is no map.
fn string_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<BTreeMap<String, String>>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Option<BTreeMap<String, String>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a map of strings")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                let value = map.next_value_seed(LenientString)?;
                if let Some(value) = value {
                    out.insert(key, value);
                }
            }
            Ok(Some(out))
        }
        scalars_as!(None);
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            skip_seq(&mut seq)?;
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

struct LenientString;

impl<'de> serde::de::DeserializeSeed<'de> for LenientString {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        lenient_string(d)
    }
}

/// Decodes a map as `T` directly (no intermediate `Value`), and anything else (null, a string, a
/// list: never sent by an API server, but the data is not trusted) as `T::default()`.
struct ObjectOrDefault<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de> + Default> serde::de::Visitor<'de> for ObjectOrDefault<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
    }
    scalars_as!(T::default());
    fn visit_str<E>(self, _: &str) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        skip_seq(&mut seq)?;
        Ok(T::default())
    }
}

/// The metadata fields read, decoded without building `managedFields` (often the largest part of
/// an object) and tolerant of malformed values.
fn lean_meta<'de, D: Deserializer<'de>>(d: D) -> Result<ObjectMeta, D::Error> {
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase", default)]
    struct Lean {
        #[serde(deserialize_with = "lenient_string")]
        name: Option<String>,
        #[serde(deserialize_with = "lenient_string")]
        namespace: Option<String>,
        #[serde(deserialize_with = "lenient_string")]
        uid: Option<String>,
        #[serde(deserialize_with = "lenient_string")]
        resource_version: Option<String>,
        #[serde(deserialize_with = "lenient")]
        generation: Option<i64>,
        #[serde(deserialize_with = "lenient")]
        creation_timestamp: Option<Time>,
        #[serde(deserialize_with = "lenient")]
        deletion_timestamp: Option<Time>,
        #[serde(deserialize_with = "string_map")]
        labels: Option<BTreeMap<String, String>>,
        #[serde(deserialize_with = "string_map")]
        annotations: Option<BTreeMap<String, String>>,
    }
    let m: Lean = d.deserialize_any(ObjectOrDefault(std::marker::PhantomData))?;
    Ok(ObjectMeta {
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        resource_version: m.resource_version,
        generation: m.generation,
        creation_timestamp: m.creation_timestamp,
        deletion_timestamp: m.deletion_timestamp,
        labels: m.labels,
        annotations: m.annotations,
        ..ObjectMeta::default()
    })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type", default, deserialize_with = "text")]
    pub type_: String,
    #[serde(default, deserialize_with = "text")]
    pub status: String,
    #[serde(default, deserialize_with = "text")]
    pub reason: String,
    #[serde(default, deserialize_with = "text")]
    pub message: String,
    #[serde(default, deserialize_with = "int")]
    pub observed_generation: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub last_transition_time: Option<String>,
}

pub fn find_condition<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct InventoryEntry {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub v: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Inventory {
    #[serde(default, deserialize_with = "lenient")]
    pub entries: Vec<InventoryEntry>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LocalRef {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default, deserialize_with = "labels")]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "tolerant_list")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    #[serde(default, deserialize_with = "text")]
    pub key: String,
    #[serde(default, deserialize_with = "text")]
    pub operator: String,
    #[serde(default, deserialize_with = "strings")]
    pub values: Vec<String>,
}

/// A map of strings, empty for anything else (see [`string_map`]).
fn labels<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(string_map(d)?.unwrap_or_default())
}

impl LabelSelector {
    /// Kubernetes label-selector semantics: every matchLabels pair and every expression must hold.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|e| {
                let value = labels.get(&e.key);
                match e.operator.as_str() {
                    "In" => value.is_some_and(|v| e.values.contains(v)),
                    "NotIn" => value.is_none_or(|v| !e.values.contains(v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    _ => false,
                }
            })
    }
}

/// The typed objects are resources kube's `Api` and runtime (watcher, reflector) read directly, at
/// the group, version and plural the kinds table and discovery chose (`model::kinds::Api::resource`).
macro_rules! dynamic_resource {
    ($($t:ty),*) => {$(
        impl Resource for $t {
            type DynamicType = ApiResource;
            type Scope = DynamicResourceScope;

            fn kind(dt: &ApiResource) -> Cow<'_, str> {
                dt.kind.as_str().into()
            }
            fn group(dt: &ApiResource) -> Cow<'_, str> {
                dt.group.as_str().into()
            }
            fn version(dt: &ApiResource) -> Cow<'_, str> {
                dt.version.as_str().into()
            }
            fn api_version(dt: &ApiResource) -> Cow<'_, str> {
                dt.api_version.as_str().into()
            }
            fn plural(dt: &ApiResource) -> Cow<'_, str> {
                dt.plural.as_str().into()
            }
            fn meta(&self) -> &ObjectMeta {
                &self.metadata
            }
            fn meta_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        }
    )*};
}

dynamic_resource!(
    Provider,
    ResourceSet,
    FluxObject,
    Object,
    Event,
    Reconcilable
);

// ---- Flux Operator ----------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Provider {
    #[serde(default, deserialize_with = "lean_meta")]
    pub metadata: Meta,
    #[serde(default, deserialize_with = "lenient")]
    pub spec: ProviderSpec,
    #[serde(default, deserialize_with = "lenient")]
    pub status: ProviderStatus,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProviderSpec {
    #[serde(rename = "type", default)]
    pub type_: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub secret_ref: Option<LocalRef>,
    #[serde(default, deserialize_with = "lenient")]
    pub cert_secret_ref: Option<LocalRef>,
    #[serde(default, deserialize_with = "lenient")]
    pub filter: ProviderFilter,
    #[serde(default, deserialize_with = "lenient")]
    pub skip: ProviderSkip,
    #[serde(default, deserialize_with = "lenient")]
    pub default_values: BTreeMap<String, Value>,
    #[serde(default, deserialize_with = "lenient")]
    pub schedule: Vec<Value>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProviderFilter {
    #[serde(default, deserialize_with = "lenient")]
    pub labels: Vec<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub include_branch: Option<String>,
    #[serde(default)]
    pub exclude_branch: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct ProviderSkip {
    #[serde(default, deserialize_with = "lenient")]
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProviderStatus {
    #[serde(default, deserialize_with = "tolerant_list")]
    pub conditions: Vec<Condition>,
    #[serde(default, deserialize_with = "lenient")]
    pub exported_inputs: Vec<BTreeMap<String, Value>>,
    #[serde(default)]
    pub last_handled_reconcile_at: Option<String>,
    #[serde(default)]
    pub last_handled_force_at: Option<String>,
    #[serde(default)]
    pub last_exported_revision: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub next_schedule: Option<NextSchedule>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NextSchedule {
    #[serde(default)]
    pub cron: String,
    #[serde(default)]
    pub when: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSet {
    #[serde(default, deserialize_with = "lean_meta")]
    pub metadata: Meta,
    #[serde(default, deserialize_with = "lenient")]
    pub spec: ResourceSetSpec,
    #[serde(default, deserialize_with = "lenient")]
    pub status: ResourceSetStatus,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSetSpec {
    #[serde(default, deserialize_with = "lenient")]
    pub inputs_from: Vec<InputProviderRef>,
    #[serde(default, deserialize_with = "lenient")]
    pub resources: Vec<Value>,
    #[serde(default)]
    pub resources_template: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub steps: Vec<Value>,
    #[serde(default, deserialize_with = "lenient")]
    pub input_strategy: Option<Value>,
    /// Inline input sets (with `inputStrategy: Permute`, the first "provider").
    #[serde(default, deserialize_with = "lenient")]
    pub inputs: Vec<BTreeMap<String, Value>>,
    /// Labels and annotations the operator adds to every object it applies.
    #[serde(default, deserialize_with = "lenient")]
    pub common_metadata: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct InputProviderRef {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub selector: Option<LabelSelector>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSetStatus {
    #[serde(default, deserialize_with = "tolerant_list")]
    pub conditions: Vec<Condition>,
    #[serde(default, deserialize_with = "lenient")]
    pub inventory: Option<Inventory>,
    #[serde(default)]
    pub last_applied_revision: Option<String>,
    #[serde(default)]
    pub last_handled_reconcile_at: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    #[serde(default)]
    pub digest: String,
    #[serde(default)]
    pub last_reconciled: Option<String>,
    #[serde(default)]
    pub last_reconciled_duration: Option<String>,
    #[serde(default)]
    pub last_reconciled_status: Option<String>,
    #[serde(default)]
    pub total_reconciliations: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    pub metadata: BTreeMap<String, String>,
}

// ---- Flux -------------------------------------------------------------------------------------

/// A Kustomization or a HelmRelease: the spec is kept whole (where the PR's sha is rendered
/// varies by template), the status only as far as health and inventory need.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FluxObject {
    #[serde(default)]
    pub kind: String,
    #[serde(default, deserialize_with = "lean_meta")]
    pub metadata: Meta,
    #[serde(default, deserialize_with = "lenient")]
    pub spec: Value,
    #[serde(default, deserialize_with = "lenient")]
    pub status: FluxStatus,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FluxStatus {
    #[serde(default)]
    pub observed_generation: Option<i64>,
    #[serde(default, deserialize_with = "tolerant_list")]
    pub conditions: Vec<Condition>,
    #[serde(default, deserialize_with = "lenient")]
    pub inventory: Option<Inventory>,
    #[serde(default)]
    pub last_applied_revision: Option<String>,
    #[serde(default)]
    pub last_attempted_revision: Option<String>,
    #[serde(default)]
    pub last_handled_reconcile_at: Option<String>,
    /// When the object last applied something new: the newest `firstReconciled` (Kustomization)
    /// or `firstDeployed` (HelmRelease) of its `status.history`; only that is kept of the history.
    #[serde(
        default,
        rename = "history",
        deserialize_with = "newest_first_applied",
        serialize_with = "as_history"
    )]
    pub last_applied_at: Option<String>,
}

/// The newest "first applied" time of a Flux `status.history` (snapshots of what was applied,
/// one per digest or Helm release version); `None` when there is none or it does not parse.
fn newest_first_applied<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase", default)]
    struct Snapshot {
        #[serde(deserialize_with = "lenient_string")]
        first_reconciled: Option<String>,
        #[serde(deserialize_with = "lenient_string")]
        first_deployed: Option<String>,
    }
    let history: Vec<Snapshot> = lenient(d)?;
    Ok(history
        .iter()
        .filter_map(|s| {
            s.first_reconciled
                .as_deref()
                .or(s.first_deployed.as_deref())
        })
        .filter_map(|t| t.parse::<jiff::Timestamp>().ok())
        .max()
        .map(|t| t.to_string()))
}

fn as_history<S: serde::Serializer>(at: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(usize::from(at.is_some())))?;
    if let Some(at) = at {
        seq.serialize_element(&serde_json::json!({ "firstReconciled": at }))?;
    }
    seq.end()
}

impl FluxObject {
    pub fn suspended(&self) -> bool {
        self.spec
            .get("suspend")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// `dependsOn` entries as (namespace, name); the namespace defaults to the object's own.
    pub fn depends_on(&self) -> Vec<(String, String)> {
        self.spec
            .get("dependsOn")
            .and_then(Value::as_array)
            .map(|deps| {
                deps.iter()
                    .filter_map(|d| {
                        let name = d.get("name")?.as_str()?.to_string();
                        let ns = d
                            .get("namespace")
                            .and_then(Value::as_str)
                            .filter(|s| !s.is_empty())
                            .unwrap_or(self.metadata.namespace())
                            .to_string();
                        Some((ns, name))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Any object Flux reconciles on request (a Flux kind, a source, a ResourceSet, a provider), as
/// far as waiting for the reconcile needs: `model::reconcile::handled` decides on it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Reconcilable {
    #[serde(default, deserialize_with = "lean_meta")]
    pub metadata: Meta,
    #[serde(default, deserialize_with = "lenient")]
    pub spec: ReconcilableSpec,
    #[serde(default, deserialize_with = "lenient")]
    pub status: FluxStatus,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct ReconcilableSpec {
    #[serde(default, deserialize_with = "lenient")]
    pub suspend: bool,
}

// ---- Workloads and networking -----------------------------------------------------------------

/// Ingress, HTTPRoute, Service, Deployment, StatefulSet or Pod: only the spec and status fields
/// read by `urls`, `health`, `logs` and `suspend` are kept, typed; everything else (pod templates
/// above all) is skipped while decoding, which keeps large lists cheap. One shape serves every
/// kind: a field another kind has stays empty. A field of an unexpected type counts as absent
/// (never sent by an API server, but the data is not trusted).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Object {
    #[serde(default, deserialize_with = "lean_meta")]
    pub metadata: Meta,
    #[serde(default, deserialize_with = "tolerant")]
    pub spec: ObjectSpec,
    #[serde(default, deserialize_with = "tolerant")]
    pub status: ObjectStatus,
}

/// Workloads' `replicas`, `selector` and (StatefulSets) `updateStrategy`; Services' `type` and
/// ports; Ingresses' rules' `host` and tls `hosts`; HTTPRoutes' `hostnames`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectSpec {
    /// As written, `Null` when absent: `suspend` tells a count from a value it cannot read.
    #[serde(deserialize_with = "scalar", skip_serializing_if = "Value::is_null")]
    pub replicas: Value,
    #[serde(
        deserialize_with = "tolerant_some",
        skip_serializing_if = "Option::is_none"
    )]
    pub selector: Option<LabelSelector>,
    #[serde(
        deserialize_with = "tolerant_some",
        skip_serializing_if = "Option::is_none"
    )]
    pub update_strategy: Option<UpdateStrategy>,
    #[serde(
        rename = "type",
        deserialize_with = "lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub type_: Option<String>,
    #[serde(
        deserialize_with = "tolerant_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ports: Vec<Port>,
    #[serde(
        deserialize_with = "tolerant_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub rules: Vec<IngressRule>,
    #[serde(
        deserialize_with = "tolerant_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tls: Vec<IngressTls>,
    #[serde(deserialize_with = "strings", skip_serializing_if = "Vec::is_empty")]
    pub hostnames: Vec<String>,
}

impl ObjectSpec {
    /// `spec.replicas` when it is a count; `None` when absent or not a number.
    pub fn replicas(&self) -> Option<i64> {
        self.replicas.as_i64()
    }
}

/// A StatefulSet's update strategy.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct UpdateStrategy {
    #[serde(
        rename = "type",
        deserialize_with = "lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub type_: Option<String>,
    #[serde(
        deserialize_with = "tolerant_some",
        skip_serializing_if = "Option::is_none"
    )]
    pub rolling_update: Option<RollingUpdate>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct RollingUpdate {
    #[serde(deserialize_with = "int", skip_serializing_if = "Option::is_none")]
    pub partition: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct Port {
    #[serde(deserialize_with = "int", skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct IngressRule {
    #[serde(
        deserialize_with = "lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub host: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct IngressTls {
    #[serde(deserialize_with = "strings", skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
}

/// Workload rollouts (replica counts, StatefulSet revisions, conditions), LoadBalancer
/// addresses, pods' container states.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectStatus {
    #[serde(deserialize_with = "int", skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i64>,
    #[serde(deserialize_with = "int", skip_serializing_if = "Option::is_none")]
    pub updated_replicas: Option<i64>,
    #[serde(deserialize_with = "int", skip_serializing_if = "Option::is_none")]
    pub ready_replicas: Option<i64>,
    #[serde(deserialize_with = "int", skip_serializing_if = "Option::is_none")]
    pub available_replicas: Option<i64>,
    #[serde(
        deserialize_with = "lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub current_revision: Option<String>,
    #[serde(
        deserialize_with = "lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub update_revision: Option<String>,
    #[serde(deserialize_with = "int", skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    #[serde(
        deserialize_with = "tolerant_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub conditions: Vec<Condition>,
    #[serde(
        deserialize_with = "tolerant_some",
        skip_serializing_if = "Option::is_none"
    )]
    pub load_balancer: Option<LoadBalancerStatus>,
    #[serde(
        deserialize_with = "tolerant_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub container_statuses: Vec<ContainerStatus>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct LoadBalancerStatus {
    #[serde(
        deserialize_with = "tolerant_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ingress: Vec<LoadBalancerIngress>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct LoadBalancerIngress {
    #[serde(
        deserialize_with = "lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ip: Option<String>,
    #[serde(
        deserialize_with = "lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub hostname: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct ContainerStatus {
    #[serde(deserialize_with = "text")]
    pub name: String,
    #[serde(deserialize_with = "tolerant")]
    pub state: ContainerState,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct ContainerState {
    #[serde(
        deserialize_with = "tolerant_some",
        skip_serializing_if = "Option::is_none"
    )]
    pub waiting: Option<ContainerWaiting>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct ContainerWaiting {
    #[serde(
        deserialize_with = "lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub reason: Option<String>,
}

/// A struct decoded from a map directly; anything else is its default.
fn tolerant<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(ObjectOrDefault(std::marker::PhantomData))
}

/// `Some` struct when the field holds a map, `None` otherwise.
fn tolerant_some<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    d.deserialize_any(SomeMap(std::marker::PhantomData))
}

/// The structs of a list, each decoded from a map directly; an element that is no map is left
/// out, and anything but a list is an empty one.
fn tolerant_list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of objects")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element_seed(SomeMapSeed(std::marker::PhantomData))? {
                out.extend(item);
            }
            Ok(out)
        }
        scalars_as!(Vec::new());
        fn visit_str<E>(self, _: &str) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
            skip_map(&mut map)?;
            Ok(Vec::new())
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

/// The strings of a list; anything else is left out.
fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of strings")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element_seed(LenientString)? {
                out.extend(item);
            }
            Ok(out)
        }
        scalars_as!(Vec::new());
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            skip_map(&mut map)?;
            Ok(Vec::new())
        }
    }
    d.deserialize_any(V)
}

/// A string, `""` for anything else.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(lenient_string(d)?.unwrap_or_default())
}

/// A scalar as written (number, string, bool, null); a map or a list is kept as an empty one:
/// enough to tell it is no count, without building it.
fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Value;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a scalar")
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(v.into())
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(v.into())
        }
        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(v.into())
        }
        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(v.into())
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            skip_seq(&mut seq)?;
            Ok(Value::Array(Vec::new()))
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            skip_map(&mut map)?;
            Ok(Value::Object(Map::new()))
        }
    }
    d.deserialize_any(V)
}

/// An integer, `None` for anything else (a float, a string, a map or list, however deep: skipped
/// without building it).
fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an integer")
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok(i64::try_from(v).ok())
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            skip_seq(&mut seq)?;
            Ok(None)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            skip_map(&mut map)?;
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// `Some(T)` decoded from a map directly, `None` for anything else.
struct SomeMap<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for SomeMap<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Option<T>, A::Error> {
        T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Some)
    }
    scalars_as!(None);
    fn visit_str<E>(self, _: &str) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Option<T>, A::Error> {
        skip_seq(&mut seq)?;
        Ok(None)
    }
}

struct SomeMapSeed<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> serde::de::DeserializeSeed<'de> for SomeMapSeed<T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(SomeMap(std::marker::PhantomData))
    }
}

/// A core `v1` Event, as `get` shows the Warning events about an environment's objects.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    #[serde(default, deserialize_with = "lean_meta")]
    pub metadata: Meta,
    #[serde(default, deserialize_with = "lenient")]
    pub involved_object: InvolvedObject,
    #[serde(default, deserialize_with = "lenient")]
    pub reason: String,
    #[serde(default, deserialize_with = "lenient")]
    pub message: String,
    #[serde(default, deserialize_with = "lenient")]
    pub count: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    pub last_timestamp: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub event_time: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct InvolvedObject {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
}

/// The providers a ResourceSet's `inputsFrom` resolves to, as the Flux Operator resolves them:
/// by name or by label selector, in the ResourceSet's namespace, deduplicated.
pub fn resolve_inputs<'a, P: std::borrow::Borrow<Provider>>(
    rset: &ResourceSet,
    providers: &'a [P],
) -> Vec<&'a Provider> {
    let ns = &rset.metadata.namespace();
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
            .map(|p| p.borrow())
            .filter(|p| &p.metadata.namespace() == ns)
            .filter(|p| match (&r.name, &r.selector) {
                (Some(name), _) => p.metadata.name() == name,
                (None, Some(sel)) => sel.matches(p.metadata.labels()),
                (None, None) => false,
            })
            .collect();
        for p in matched {
            if !out.iter().any(|o| o.metadata.name() == p.metadata.name()) {
                out.push(p);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn selectors_follow_kubernetes_semantics() {
        let sel: LabelSelector = serde_json::from_value(serde_json::json!({
            "matchLabels": {"app": "api"},
            "matchExpressions": [
                {"key": "kind", "operator": "In", "values": ["pr", "mr"]},
                {"key": "legacy", "operator": "DoesNotExist"},
                {"key": "tier", "operator": "NotIn", "values": ["prod"]}
            ]
        }))
        .unwrap();
        assert!(sel.matches(&labels(&[("app", "api"), ("kind", "pr")])));
        assert!(sel.matches(&labels(&[("app", "api"), ("kind", "mr"), ("tier", "dev")])));
        assert!(!sel.matches(&labels(&[("app", "api")])), "In needs the key");
        assert!(!sel.matches(&labels(&[("app", "web"), ("kind", "pr")])));
        assert!(!sel.matches(&labels(&[("app", "api"), ("kind", "pr"), ("legacy", "1")])));
        assert!(!sel.matches(&labels(&[("app", "api"), ("kind", "pr"), ("tier", "prod")])));
        assert!(
            LabelSelector::default().matches(&labels(&[])),
            "empty selector matches all"
        );
    }

    #[test]
    fn workloads_keep_only_what_is_read() {
        let d: Object = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "api", "managedFields": [{"manager": "x"}]},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "api"}}, "template": {"spec": {"containers": []}}},
            "status": {"availableReplicas": 1, "conditions": [{"type": "Available"}], "collisionCount": 3}
        }))
        .unwrap();
        assert_eq!(d.spec.replicas(), Some(2));
        assert_eq!(
            d.spec.selector.map(|s| s.match_labels),
            Some(BTreeMap::from([("app".to_string(), "api".to_string())]))
        );
        assert_eq!(d.status.available_replicas, Some(1));
        assert_eq!(d.status.conditions.len(), 1);
        assert_eq!(d.status.conditions[0].type_, "Available");
        let odd: Object =
            serde_json::from_value(serde_json::json!({"spec": "x", "status": [1]})).unwrap();
        assert_eq!(
            (odd.spec, odd.status),
            (ObjectSpec::default(), ObjectStatus::default())
        );
    }

    #[test]
    fn workload_fields_of_the_wrong_type_count_as_absent() {
        let d: Object = serde_json::from_value(serde_json::json!({
            "spec": {
                "replicas": "three",
                "selector": {"matchLabels": {"app": 7, "tier": "web"}, "matchExpressions": [
                    {"key": 1, "operator": "In", "values": ["a", 2]}, "junk"]},
                "updateStrategy": {"type": ["OnDelete"], "rollingUpdate": {"partition": "2"}},
                "type": {"LoadBalancer": true},
                "ports": [{"port": "80"}, 443, {"port": 8443}],
                "rules": {"host": "a.example.com"},
                "tls": [{"hosts": "a.example.com"}, {"hosts": ["b.example.com", null]}],
                "hostnames": ["r.example.com", {"x": 1}]
            },
            "status": {
                "replicas": "1", "readyReplicas": 1.5, "updateRevision": 3,
                "conditions": [{"type": 1, "status": "True", "reason": null, "message": ["m"]}, "x"],
                "loadBalancer": {"ingress": [{"ip": 1}, {"hostname": "lb.example.com"}]},
                "containerStatuses": [{"name": 1, "state": {"waiting": "x"}}]
            }
        }))
        .unwrap();
        let (spec, status) = (&d.spec, &d.status);
        assert_eq!(spec.replicas, Value::from("three"));
        assert_eq!(spec.replicas(), None);
        let selector = spec.selector.clone().unwrap_or_default();
        assert_eq!(
            selector.match_labels,
            BTreeMap::from([("tier".to_string(), "web".to_string())])
        );
        assert_eq!(selector.match_expressions.len(), 1);
        assert_eq!(selector.match_expressions[0].key, "");
        assert_eq!(selector.match_expressions[0].values, ["a"]);
        let strategy = spec.update_strategy.clone().unwrap_or_default();
        assert_eq!(strategy.type_, None);
        assert_eq!(strategy.rolling_update.and_then(|r| r.partition), None);
        assert_eq!(spec.type_, None);
        let ports: Vec<Option<i64>> = spec.ports.iter().map(|p| p.port).collect();
        assert_eq!(ports, [None, Some(8443)]);
        assert!(spec.rules.is_empty());
        let tls: Vec<&[String]> = spec.tls.iter().map(|t| t.hosts.as_slice()).collect();
        assert_eq!(tls, [&[][..], &["b.example.com".to_string()][..]]);
        assert_eq!(spec.hostnames, ["r.example.com"]);
        assert_eq!(
            (
                status.replicas,
                status.ready_replicas,
                &status.update_revision
            ),
            (None, None, &None)
        );
        assert_eq!(status.conditions.len(), 1);
        assert_eq!(
            (
                status.conditions[0].type_.as_str(),
                status.conditions[0].status.as_str(),
                status.conditions[0].message.as_str()
            ),
            ("", "True", "")
        );
        let lb = status.load_balancer.clone().unwrap_or_default();
        assert_eq!(lb.ingress.len(), 2);
        assert_eq!(lb.ingress[0].ip, None);
        assert_eq!(status.container_statuses[0].name, "");
        assert_eq!(status.container_statuses[0].state.waiting, None);
        // A map or list where a count belongs is kept as such (no count: `suspend` leaves it).
        let odd: Object =
            serde_json::from_value(serde_json::json!({"spec": {"replicas": {"n": 3}}})).unwrap();
        assert_eq!(odd.spec.replicas, serde_json::json!({}));
        assert_eq!(odd.spec.replicas(), None);
        // Nesting deeper than a JSON value may be built, where an integer belongs: skipped.
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let text = format!(
            r#"{{"spec": {{"replicas": {deep}}}, "status": {{"observedGeneration": {deep},
                "conditions": [{{"type": "Progressing", "observedGeneration": {deep}}}]}}}}"#
        );
        let d: Object = serde_json::from_str(&text).unwrap();
        assert_eq!(d.status.conditions[0].type_, "Progressing");
        assert_eq!(d.status.observed_generation, None);
    }

    #[test]
    fn malformed_fields_do_not_fail_the_object() {
        let p: Provider = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p", "labels": null, "annotations": 7},
            "spec": {"type": "GitHubPullRequest", "filter": "nonsense"},
            "status": {"exportedInputs": [{"id": "1"}], "conditions": "bad"}
        }))
        .unwrap();
        assert_eq!(p.spec.type_, "GitHubPullRequest");
        assert!(p.spec.filter.labels.is_empty());
        assert!(p.metadata.annotations().is_empty());
        assert!(p.status.conditions.is_empty());
        // One malformed condition does not hide the others.
        let f: FluxObject = serde_json::from_value(serde_json::json!({
            "status": {"conditions": ["junk", {"type": 5, "status": "False"},
                {"type": "Ready", "status": "True", "observedGeneration": "x"}]}
        }))
        .unwrap();
        let ready = find_condition(&f.status.conditions, "Ready");
        assert_eq!(ready.map(|c| c.status.as_str()), Some("True"));
        assert_eq!(f.status.conditions.len(), 2);
        assert_eq!(p.status.exported_inputs.len(), 1);
    }
}
