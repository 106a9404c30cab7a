//! The cluster objects this tool reads, deserialized with only the fields it uses (lists of
//! hundreds of objects stay cheap to decode), tolerant of anything missing or malformed.
use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::core::{ApiResource, DynamicResourceScope, Resource};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

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
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            while map
                .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                .is_some()
            {}
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
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
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
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
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
    #[serde(rename = "type", default)]
    pub type_: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub observed_generation: Option<i64>,
    #[serde(default)]
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
    #[serde(default, deserialize_with = "lenient")]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub operator: String,
    #[serde(default)]
    pub values: Vec<String>,
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
    #[serde(default, deserialize_with = "lenient")]
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
    #[serde(default, deserialize_with = "lenient")]
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
    #[serde(default, deserialize_with = "lenient")]
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

/// Ingress, HTTPRoute, Service, Deployment, StatefulSet or Pod: only the spec/status fields read
/// by `urls` and `health` are kept (as JSON, the shapes differ per kind); everything else (pod
/// templates above all) is skipped while decoding, which keeps large lists cheap.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Object {
    #[serde(default, deserialize_with = "lean_meta")]
    pub metadata: Meta,
    #[serde(default, deserialize_with = "trimmed_spec")]
    pub spec: Value,
    #[serde(default, deserialize_with = "trimmed_status")]
    pub status: Value,
}

/// What of a JSON value is kept: all of it, or some fields of an object (of each object, in a
/// list), each with its own shape. Everything else is skipped while decoding.
pub enum Keep {
    All,
    Fields(&'static [(&'static str, Keep)]),
}

/// Spec fields used: workloads (`replicas`, `selector`, StatefulSets' `updateStrategy`), Services
/// (`type`, the first port's `port`), Ingresses (rules' `host`, tls `hosts`), HTTPRoutes
/// (`hostnames`). Pod templates, Ingress paths and backends are not kept.
pub const SPEC_SHAPE: Keep = Keep::Fields(&[
    ("replicas", Keep::All),
    ("selector", Keep::All),
    ("updateStrategy", Keep::All),
    ("type", Keep::All),
    ("ports", Keep::Fields(&[("port", Keep::All)])),
    ("rules", Keep::Fields(&[("host", Keep::All)])),
    ("tls", Keep::Fields(&[("hosts", Keep::All)])),
    ("hostnames", Keep::All),
]);

/// Status fields used: workload rollouts (replica counts, StatefulSet revisions, the conditions'
/// type, status, reason and message), LoadBalancer addresses, pod container states.
pub const STATUS_SHAPE: Keep = Keep::Fields(&[
    ("replicas", Keep::All),
    ("updatedReplicas", Keep::All),
    ("readyReplicas", Keep::All),
    ("availableReplicas", Keep::All),
    ("currentRevision", Keep::All),
    ("updateRevision", Keep::All),
    ("observedGeneration", Keep::All),
    (
        "conditions",
        Keep::Fields(&[
            ("type", Keep::All),
            ("status", Keep::All),
            ("reason", Keep::All),
            ("message", Keep::All),
        ]),
    ),
    ("loadBalancer", Keep::All),
    (
        "containerStatuses",
        Keep::Fields(&[("name", Keep::All), ("state", Keep::All)]),
    ),
]);

/// Decodes a value keeping only its `Keep` shape. At the top (`spec`, `status`), anything but an
/// object is as good as empty (`Null`); below, a list keeps each element's shape.
struct Shaped {
    keep: &'static Keep,
    top: bool,
}

impl Shaped {
    /// A top-level field (`spec`, `status`) decoded to `keep`.
    fn top<'de, D: Deserializer<'de>>(keep: &'static Keep, d: D) -> Result<Value, D::Error> {
        serde::de::DeserializeSeed::deserialize(Shaped { keep, top: true }, d)
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Shaped {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        match self.keep {
            Keep::All => Value::deserialize(d),
            Keep::Fields(_) => d.deserialize_any(self),
        }
    }
}

impl<'de> serde::de::Visitor<'de> for Shaped {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Keep::Fields(fields) = self.keep else {
            return Value::deserialize(serde::de::value::MapAccessDeserializer::new(map));
        };
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match fields.iter().find(|(name, _)| *name == key.as_ref()) {
                Some((_, keep)) => {
                    let value = map.next_value_seed(Shaped { keep, top: false })?;
                    out.insert(key.into_owned(), value);
                }
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(out))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Shaped {
            keep: self.keep,
            top: false,
        })? {
            out.push(v);
        }
        Ok(if self.top {
            Value::Null
        } else {
            Value::Array(out)
        })
    }

    // A scalar where an object is expected (null, a malformed value) is as good as empty.
    scalars_as!(Value::Null);
    fn visit_str<E>(self, _: &str) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

fn trimmed_spec<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    Shaped::top(&SPEC_SHAPE, d)
}

fn trimmed_status<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
    Shaped::top(&STATUS_SHAPE, d)
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
        assert_eq!(
            d.spec,
            serde_json::json!({"replicas": 2, "selector": {"matchLabels": {"app": "api"}}})
        );
        assert_eq!(
            d.status,
            serde_json::json!({"availableReplicas": 1, "conditions": [{"type": "Available"}]})
        );
        let odd: Object =
            serde_json::from_value(serde_json::json!({"spec": "x", "status": [1]})).unwrap();
        assert_eq!((odd.spec, odd.status), (Value::Null, Value::Null));
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
        assert_eq!(p.status.exported_inputs.len(), 1);
    }
}
