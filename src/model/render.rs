//! Local rendering (spec §8), pure: a ResourceSet's templates rendered with the inputs the Flux
//! Operator would give them (its inline `spec.inputs` and its providers' exported inputs, each
//! with the `provider` block the operator adds, combined by its `inputStrategy`), by the
//! `gotemplate` crate, which renders as the operator does. It gives `render --local` its
//! objects and attribution its rule 2: which PR's inputs produce which object.
use std::collections::{BTreeMap, BTreeSet};

use gotemplate::resourceset as rs;
use serde_json::{Map, Value};

use crate::model::attribution::{Producers, Rendered};
use crate::model::objects::{Identity, Provider, ResourceSet};

/// Where one input set came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// `spec.inputs[index]` of the ResourceSet.
    Inline { index: usize },
    /// `status.exportedInputs[index]` of a provider.
    Provider {
        namespace: String,
        name: String,
        index: usize,
    },
}

/// The ResourceSet's spec as the operator reads it (the fields rendering uses).
pub fn spec_json(rset: &ResourceSet) -> Value {
    let s = &rset.spec;
    let mut spec = Map::new();
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            spec.insert(k.to_string(), v);
        }
    };
    put(
        "inputsFrom",
        serde_json::to_value(&s.inputs_from).unwrap_or(Value::Null),
    );
    if !s.resources.is_empty() {
        put("resources", Value::Array(s.resources.clone()));
    }
    if let Some(t) = &s.resources_template {
        put("resourcesTemplate", Value::String(t.clone()));
    }
    if !s.steps.is_empty() {
        put("steps", Value::Array(s.steps.clone()));
    }
    put(
        "inputStrategy",
        s.input_strategy.clone().unwrap_or(Value::Null),
    );
    if !s.inputs.is_empty() {
        put(
            "inputs",
            Value::Array(
                s.inputs
                    .iter()
                    .map(|i| Value::Object(i.clone().into_iter().collect()))
                    .collect(),
            ),
        );
    }
    put(
        "commonMetadata",
        s.common_metadata.clone().unwrap_or(Value::Null),
    );
    if spec
        .get("inputsFrom")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        spec.remove("inputsFrom");
    }
    Value::Object(spec)
}

/// The input sources: the ResourceSet itself, then its providers (the order does not matter:
/// `combine` sorts them as the operator does).
fn sources(rset: &ResourceSet, providers: &[&Provider]) -> (rs::Provider, Vec<rs::Provider>) {
    let own = rs::Provider {
        api_version: rs::API_VERSION.to_string(),
        kind: "ResourceSet".to_string(),
        name: rset.metadata.name().to_string(),
        namespace: rset.metadata.namespace().to_string(),
        inputs: rset
            .spec
            .inputs
            .iter()
            .map(|i| i.clone().into_iter().collect())
            .collect(),
    };
    let others = providers
        .iter()
        .map(|p| rs::Provider {
            api_version: rs::API_VERSION.to_string(),
            kind: "ResourceSetInputProvider".to_string(),
            name: p.metadata.name().to_string(),
            namespace: p.metadata.namespace().to_string(),
            inputs: p
                .status
                .exported_inputs
                .iter()
                .map(|i| i.clone().into_iter().collect())
                .collect(),
        })
        .collect();
    (own, others)
}

/// The origin of each Flatten input set, in the order `combine` puts them: the ResourceSet's,
/// then each provider's, providers sorted by namespace and name (they share one GVK).
fn flatten_origins(rset: &ResourceSet, providers: &[&Provider]) -> Vec<Origin> {
    let mut out: Vec<Origin> = (0..rset.spec.inputs.len())
        .map(|index| Origin::Inline { index })
        .collect();
    let mut sorted: Vec<&&Provider> = providers.iter().collect();
    sorted.sort_by(|a, b| {
        (a.metadata.namespace(), a.metadata.name())
            .cmp(&(b.metadata.namespace(), b.metadata.name()))
    });
    for p in sorted {
        out.extend(
            (0..p.status.exported_inputs.len()).map(|index| Origin::Provider {
                namespace: p.metadata.namespace().to_string(),
                name: p.metadata.name().to_string(),
                index,
            }),
        );
    }
    out
}

/// A ResourceSet rendered with its current inputs.
#[derive(Debug, Clone)]
pub struct Rendering {
    /// The origin of each input set (Flatten); empty with Permute, whose input sets are
    /// combinations.
    pub origins: Vec<Origin>,
    pub build: rs::Build,
    /// Identities that a made-up PR renders too (see [`probe`]): they do not depend on the PR.
    pub independent: BTreeSet<(String, String, String, String)>,
    /// Why the made-up PR did not render, when it did not.
    pub probe_error: Option<String>,
}

/// Renders `rset` with the inputs of `providers` (those its `inputsFrom` resolves to). `Err`:
/// the operator's error (its build fails the same way: the ResourceSet stalls).
pub fn render(rset: &ResourceSet, providers: &[&Provider]) -> Result<Rendering, String> {
    let spec = spec_json(rset);
    let strategy = rs::Strategy::from_spec(&spec).map_err(|e| e.to_string())?;
    let (own, others) = sources(rset, providers);
    let combined = rs::combine(&own, &others, strategy).map_err(|e| e.to_string())?;
    let build = rs::build(&spec, &combined).map_err(|e| e.to_string())?;
    let origins = match strategy {
        rs::Strategy::Flatten => flatten_origins(rset, providers),
        rs::Strategy::Permute { .. } => vec![],
    };
    let (independent, probe_error) = match probe(providers) {
        Some((provider, input)) if matches!(strategy, rs::Strategy::Flatten) => {
            let mut made_up = provider.clone();
            made_up.status.exported_inputs = vec![input];
            let (_, mine) = sources(rset, &[&made_up]);
            let empty = rs::Provider {
                inputs: vec![],
                ..own.clone()
            };
            match rs::combine(&empty, &mine, strategy)
                .and_then(|c| rs::build(&spec, &c))
                .map_err(|e| e.to_string())
            {
                Ok(b) => (b.objects().map(|o| identity(&o.object)).collect(), None),
                Err(e) => (BTreeSet::new(), Some(e)),
            }
        }
        _ => (BTreeSet::new(), None),
    };
    Ok(Rendering {
        origins,
        build,
        independent,
        probe_error,
    })
}

/// The input keys in which pull requests differ from one another by nature; everything else an
/// input holds (a provider's `defaultValues`) is the same for every PR.
const PR_KEYS: [&str; 6] = ["id", "sha", "branch", "slug", "title", "author"];

/// A made-up PR: the first exported PR's inputs with every PR-specific value changed (a fresh
/// number as `id`). What the templates render for it as well as for a real PR does not depend on
/// the PR: with one PR exported, that is what tells a shared object (a namespace every
/// environment uses) from the PR's own.
fn probe<'a>(providers: &[&'a Provider]) -> Option<(&'a Provider, BTreeMap<String, Value>)> {
    let ids: BTreeSet<u64> = providers
        .iter()
        .flat_map(|p| &p.status.exported_inputs)
        .filter_map(|i| match i.get("id") {
            Some(Value::String(s)) => s.parse().ok(),
            Some(Value::Number(n)) => n.as_u64(),
            _ => None,
        })
        .collect();
    let fresh = ids
        .iter()
        .next_back()
        .map_or(1, |m| m.saturating_add(1_000_003));
    providers.iter().find_map(|p| {
        let first = p.status.exported_inputs.first()?;
        let mut input = first.clone();
        for key in PR_KEYS {
            let Some(v) = input.get_mut(key) else {
                continue;
            };
            *v = match (key, &*v) {
                ("id", Value::Number(_)) => Value::from(fresh),
                ("id", _) => Value::String(fresh.to_string()),
                ("sha", Value::String(s)) => Value::String(
                    s.chars()
                        .map(|c| if c == '0' { '1' } else { '0' })
                        .collect(),
                ),
                (_, Value::String(s)) => Value::String(format!("probe-{s}")),
                _ => continue,
            };
        }
        Some((*p, input))
    })
}

/// Group, kind, namespace and name of a rendered object.
pub fn identity(object: &Map<String, Value>) -> (String, String, String, String) {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
    let api_version = text(object.get("apiVersion"));
    let group = match api_version.split_once('/') {
        Some((g, _)) => g.to_string(),
        None => String::new(),
    };
    let meta = object.get("metadata");
    (
        group,
        text(object.get("kind")),
        text(meta.and_then(|m| m.get("namespace"))),
        text(meta.and_then(|m| m.get("name"))),
    )
}

/// Rule 2's evidence: each rendered identity with who renders it. `pr_of` maps an input set's
/// origin to the index of its PR in the caller's list (`None`: an input that is no PR's).
pub fn evidence(rendering: &Rendering, pr_of: impl Fn(&Origin) -> Option<usize>) -> Rendered {
    let mut out = Rendered::new();
    for object in rendering.build.objects() {
        let key = identity(&object.object);
        let mut who: BTreeSet<Option<usize>> = object
            .inputs
            .iter()
            .map(|i| rendering.origins.get(*i).and_then(&pr_of))
            .collect();
        if object.inputs.is_empty() {
            who.insert(None);
        }
        let producers = match (who.len(), who.first()) {
            (1, Some(Some(pr))) if !rendering.independent.contains(&key) => Producers::Pr(*pr),
            _ => Producers::Shared,
        };
        out.insert(key, producers);
    }
    out
}

/// The objects as the operator applies them: with the ResourceSet's `commonMetadata` and owner
/// labels.
pub fn applied_objects(rset: &ResourceSet, rendering: &Rendering) -> Vec<(Vec<usize>, Value)> {
    let common = rset.spec.common_metadata.as_ref();
    let labels = |k: &str| -> BTreeMap<String, String> {
        common
            .and_then(|c| c.get(k))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (common_labels, common_annotations) = (labels("labels"), labels("annotations"));
    let owner = BTreeMap::from([
        (
            rs::OWNER_NAME_LABEL.to_string(),
            rset.metadata.name().to_string(),
        ),
        (
            rs::OWNER_NAMESPACE_LABEL.to_string(),
            rset.metadata.namespace().to_string(),
        ),
    ]);
    rendering
        .build
        .objects()
        .map(|o| {
            let mut one = [o.object.clone()];
            rs::set_common_metadata(&mut one, &common_labels, &common_annotations);
            rs::set_common_metadata(&mut one, &owner, &BTreeMap::new());
            let [object] = one;
            (o.inputs.clone(), Value::Object(object))
        })
        .collect()
}
