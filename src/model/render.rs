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

impl Origin {
    /// A provider's input set as (namespace, name, index); `None` for an inline one.
    pub fn provider_key(&self) -> Option<(&str, &str, usize)> {
        match self {
            Origin::Provider {
                namespace,
                name,
                index,
            } => Some((namespace.as_str(), name.as_str(), *index)),
            Origin::Inline { .. } => None,
        }
    }
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
    /// Whether each input set (by index) is a pull request's: an input with an `id` exported by
    /// a preview provider.
    pub is_pr: Vec<bool>,
    /// With exactly one PR exported, what a made-up PR renders (see [`probe`]).
    pub probe: Option<Probe>,
    /// The identities of `build.objects()`, in order, once [`Rendering::identities_only`] has
    /// emptied the objects; empty before.
    pub identities: Vec<(String, String, String, String)>,
}

impl Rendering {
    /// Only what attribution reads: each object's identity (group, kind, namespace, name) in
    /// [`Rendering::identities`], the objects themselves emptied and the objects left out
    /// dropped. A rendering kept for `list` then holds four strings per object, not the objects
    /// (an empty map allocates nothing).
    pub fn identities_only(mut self) -> Rendering {
        self.identities = self.build.objects().map(|o| identity(&o.object)).collect();
        for step in &mut self.build.steps {
            step.dropped.clear();
            for o in &mut step.objects {
                o.object = Map::new();
            }
        }
        self
    }
}

/// The made-up PR rendered beside the only real one: its identities, and whether its templates
/// took the same paths (as many objects from each template as the real PR's). Only then does an
/// identity the real PR renders and the made-up one does not prove to depend on the PR.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The real PR's input set (index in the combined inputs).
    pub input: usize,
    pub identities: BTreeSet<(String, String, String, String)>,
    pub same_paths: bool,
}

/// Renders `rset` with the inputs of `providers` (those its `inputsFrom` resolves to). `Err`:
/// the operator's error (its build fails the same way: the ResourceSet stalls).
pub fn render(rset: &ResourceSet, providers: &[&Provider]) -> Result<Rendering, String> {
    let spec = spec_json(rset);
    let strategy = rs::Strategy::from_spec(&spec).map_err(|e| e.to_string())?;
    let (own, others) = sources(rset, providers);
    let combined = rs::combine(&own, &others, strategy).map_err(|e| e.to_string())?;
    let build = rs::build(&spec, &combined).map_err(|e| e.to_string())?;
    let (origins, is_pr) = match strategy {
        rs::Strategy::Flatten => {
            let origins = flatten_origins(rset, providers);
            let is_pr = origins
                .iter()
                .map(|o| match o {
                    Origin::Provider {
                        namespace,
                        name,
                        index,
                    } => providers.iter().any(|p| {
                        p.metadata.namespace() == namespace
                            && p.metadata.name() == name
                            && crate::model::flux::is_change_request_type(&p.spec.type_)
                            && p.status
                                .exported_inputs
                                .get(*index)
                                .is_some_and(|i| i.contains_key("id"))
                    }),
                    Origin::Inline { .. } => false,
                })
                .collect();
            (origins, is_pr)
        }
        rs::Strategy::Permute { .. } => (vec![], vec![]),
    };
    let mut rendering = Rendering {
        origins,
        build,
        is_pr,
        probe: None,
        identities: Vec::new(),
    };
    if matches!(strategy, rs::Strategy::Flatten) {
        rendering.probe = probe(rset, providers, &spec, &rendering);
    }
    Ok(rendering)
}

/// With exactly one PR exported, nothing compares its objects with another PR's: a made-up PR
/// does. It is the real PR's input with only its `id` changed (to a number no PR has), from the
/// same provider; any other change could take the templates down other paths (a condition on the
/// branch). `None` when there is not exactly one PR, or the made-up PR does not render.
fn probe(
    rset: &ResourceSet,
    providers: &[&Provider],
    spec: &Value,
    rendering: &Rendering,
) -> Option<Probe> {
    let mut prs = rendering.is_pr.iter().enumerate().filter(|(_, p)| **p);
    let (input, _) = prs.next()?;
    if prs.next().is_some() {
        return None;
    }
    let Origin::Provider {
        namespace,
        name,
        index,
    } = rendering.origins.get(input)?
    else {
        return None;
    };
    let provider = providers
        .iter()
        .find(|p| p.metadata.namespace() == namespace && p.metadata.name() == name)?;
    let mut made_up = (*provider).clone();
    let mut set = provider.status.exported_inputs.get(*index)?.clone();
    let fresh = match set.get("id") {
        Some(Value::String(s)) => Value::String(fresh_id(s)),
        Some(Value::Number(n)) => {
            Value::from(n.as_u64().map_or(1, |n| n.saturating_add(1_000_003)))
        }
        _ => return None,
    };
    set.insert("id".to_string(), fresh);
    made_up.status.exported_inputs = vec![set];
    let (own, mine) = sources(rset, &[&made_up]);
    let own = rs::Provider {
        inputs: vec![],
        ..own
    };
    let strategy = rs::Strategy::Flatten;
    let built = rs::combine(&own, &mine, strategy)
        .and_then(|c| rs::build(spec, &c))
        .ok()?;
    // Objects per template (and step) of the real PR's input and of the made-up one.
    let paths = |b: &rs::Build, of: Option<usize>| -> BTreeMap<(String, String), usize> {
        let mut out = BTreeMap::new();
        for step in &b.steps {
            let kept = step
                .objects
                .iter()
                .filter(|o| of.is_none_or(|i| o.inputs.contains(&i)));
            for o in kept {
                *out.entry((step.name.clone(), format!("{:?}", o.source)))
                    .or_default() += 1;
            }
        }
        out
    };
    Some(Probe {
        input,
        identities: built.objects().map(|o| identity(&o.object)).collect(),
        same_paths: paths(&rendering.build, Some(input)) == paths(&built, None),
    })
}

/// A number no PR has: the real one with digits appended (a PR id is a number; a template may
/// do arithmetic on it).
fn fresh_id(id: &str) -> String {
    if !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) && id.len() < 12 {
        format!("{id}000003")
    } else {
        format!("{id}-x")
    }
}

/// Every ResourceSet with `inputStrategy: Flatten` rendered with its inputs (those its
/// `inputsFrom` resolves to among `providers`), by namespace and name: what `environments::build`
/// would render, done ahead (the reading shell runs it while other LISTs are still in flight).
pub fn render_all(
    resource_sets: &[ResourceSet],
    providers: &[Provider],
) -> BTreeMap<(String, String), Result<Rendering, String>> {
    let key = |r: &ResourceSet| {
        (
            r.metadata.namespace().to_string(),
            r.metadata.name().to_string(),
        )
    };
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for r in resource_sets {
        *seen.entry(key(r)).or_default() += 1;
    }
    resource_sets
        .iter()
        .filter(|r| !crate::model::permute::is_permute(&r.spec))
        // A name listed twice (never from one LIST) is left to the core, which renders each.
        .filter(|r| seen.get(&key(r)) == Some(&1))
        .map(|r| {
            let inputs = crate::model::objects::resolve_inputs(r, providers);
            (key(r), render(r, &inputs).map(Rendering::identities_only))
        })
        .collect()
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
///
/// An identity one PR's inputs alone render is that PR's when another PR is exported (each
/// renders its own; what only this one renders, the operator prunes when it closes), or, with
/// this PR the only one, when the made-up PR took the same paths and did not render it. Anything
/// rendered for several inputs, or for an input that is no PR's, is shared. What cannot be told
/// (the only PR, and the made-up one did not show it depends on the PR) is left out: rule 3
/// decides it, as without rendering.
pub fn evidence(rendering: &Rendering, pr_of: impl Fn(&Origin) -> Option<usize>) -> Rendered {
    let mut out = Rendered::new();
    let prs = rendering.is_pr.iter().filter(|p| **p).count();
    for (n, object) in rendering.build.objects().enumerate() {
        let key = match rendering.identities.get(n) {
            Some(kept) => kept.clone(),
            None => identity(&object.object),
        };
        let mut who: BTreeSet<Option<usize>> = BTreeSet::new();
        for i in &object.inputs {
            let pr = match rendering.is_pr.get(*i) {
                Some(true) => rendering.origins.get(*i).and_then(&pr_of),
                _ => None,
            };
            who.insert(pr);
        }
        if object.inputs.is_empty() {
            who.insert(None);
        }
        let producers = match (who.len(), who.first(), object.inputs.as_slice()) {
            (1, Some(Some(pr)), [input]) => {
                let proven = prs >= 2
                    || rendering.probe.as_ref().is_some_and(|p| {
                        p.input == *input && p.same_paths && !p.identities.contains(&key)
                    });
                if !proven {
                    continue;
                }
                Producers::Pr(*pr)
            }
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
