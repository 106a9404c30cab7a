//! `inputStrategy: Permute`: the Flux Operator renders one set of objects per combination of
//! input sets, one from each input source (the ResourceSet's own `spec.inputs` first, then its
//! providers sorted by namespace and name; sources without inputs are skipped, unless
//! `includeEmptyProviders`, which then yields nothing). Each source's input set is nested under
//! a key derived from its name (`inputs.api_prs.id`), and the top-level `inputs.id` is a checksum
//! of the positions. An environment of such a ResourceSet is a combination, not one PR: it is named
//! by the ids it combines (`12+34`), and an object belongs to it only when it names all of them.
use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::attribution::{self, PrKey, Rule};
use crate::model::flux;
use crate::model::inventory::ObjectRef;
use crate::model::objects::{Identity, Provider, ResourceSet, ResourceSetSpec};

/// The operator refuses to render more combinations than this (the ResourceSet stalls).
pub const MAX_COMBINATIONS: usize = 10_000;

/// Joins the ids of a combination in its name.
pub const ID_SEPARATOR: &str = "+";

pub fn is_permute(spec: &ResourceSetSpec) -> bool {
    spec.input_strategy
        .as_ref()
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        == Some("Permute")
}

fn include_empty(spec: &ResourceSetSpec) -> bool {
    spec.input_strategy
        .as_ref()
        .and_then(|s| s.get("includeEmptyProviders"))
        .and_then(Value::as_bool)
        == Some(true)
}

/// The key a source's inputs are nested under (`api-prs` → `api_prs`): the operator's
/// `NormalizeKeyForTemplate`, as the rendering engine implements it.
pub fn key(name: &str) -> String {
    gotemplate::resourceset::normalize_key_for_template(name)
}

/// One source of input sets.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    pub key: String,
    /// `None`: the ResourceSet's own `spec.inputs`.
    pub provider: Option<&'a Provider>,
    pub inputs: Vec<&'a BTreeMap<String, Value>>,
}

impl Source<'_> {
    /// Whether its input sets are PRs.
    pub fn is_preview(&self) -> bool {
        self.provider
            .is_some_and(|p| flux::is_change_request_type(&p.spec.type_))
    }
}

/// The sources of a ResourceSet in the operator's order, empty ones left out unless
/// `includeEmptyProviders`. `providers` are those its `inputsFrom` resolves to, of every type.
pub fn sources<'a>(rset: &'a ResourceSet, providers: &[&'a Provider]) -> Vec<Source<'a>> {
    let keep_empty = include_empty(&rset.spec);
    let mut out = vec![Source {
        key: key(rset.metadata.name()),
        provider: None,
        inputs: rset.spec.inputs.iter().collect(),
    }];
    let mut sorted: Vec<&Provider> = providers.to_vec();
    sorted.sort_by(|a, b| {
        (&a.metadata.namespace(), &a.metadata.name())
            .cmp(&(&b.metadata.namespace(), &b.metadata.name()))
    });
    for p in sorted {
        out.push(Source {
            key: key(p.metadata.name()),
            provider: Some(p),
            inputs: p.status.exported_inputs.iter().collect(),
        });
    }
    out.retain(|s| keep_empty || !s.inputs.is_empty());
    out
}

/// Every combination as one input position per source, in the operator's order; none when a
/// source is empty (with `includeEmptyProviders`), or beyond the operator's limit.
pub fn combinations(sources: &[Source<'_>]) -> Vec<Vec<usize>> {
    let mut total: usize = 1;
    for s in sources {
        total = match total.checked_mul(s.inputs.len()) {
            Some(t) if t <= MAX_COMBINATIONS => t,
            _ => return vec![],
        };
    }
    if sources.is_empty() || total == 0 {
        return vec![];
    }
    let mut out: Vec<Vec<usize>> = vec![vec![]];
    for s in sources {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                (0..s.inputs.len()).map(move |i| {
                    let mut next = prefix.clone();
                    next.push(i);
                    next
                })
            })
            .collect();
    }
    out
}

fn text(input: &BTreeMap<String, Value>, key: &str) -> Option<String> {
    match input.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What names a combination: per source that tells combinations apart (every PR source, and
/// every other source with more than one input set), its id, or its position when it has none.
/// `required` are those an object's name must hold: the ones with an id.
#[derive(Debug, Clone)]
pub struct Naming {
    /// The joined ids (`12+34`).
    pub id: String,
    pub required: Vec<PrKey>,
    /// The PR ids of the combination (for the `change_request` annotation).
    pub pr_ids: Vec<String>,
}

pub fn naming(sources: &[Source<'_>], positions: &[usize]) -> Naming {
    let mut parts = Vec::new();
    let mut required = Vec::new();
    let mut pr_ids = Vec::new();
    for (s, &i) in sources.iter().zip(positions) {
        let Some(input) = s.inputs.get(i) else {
            continue;
        };
        if s.is_preview() {
            match PrKey::of(input) {
                Some(k) => {
                    parts.push(k.id.clone());
                    pr_ids.push(k.id.clone());
                    required.push(k);
                }
                None => parts.push(format!("#{i}")),
            }
        } else if s.inputs.len() > 1 {
            match text(input, "id") {
                Some(id) => {
                    parts.push(id.clone());
                    required.push(PrKey { id, slugs: vec![] });
                }
                None => parts.push(format!("#{i}")),
            }
        }
    }
    Naming {
        id: parts.join(ID_SEPARATOR),
        required,
        pr_ids,
    }
}

fn tokens(name: &str) -> Vec<&str> {
    name.split(['-', '.']).filter(|t| !t.is_empty()).collect()
}

/// Whether the name holds this part: its id as a whole token, or its branch slug as a whole run
/// of tokens.
fn holds(toks: &[&str], part: &PrKey) -> bool {
    toks.contains(&part.id.as_str())
        || part.slugs.iter().any(|s| {
            let needle = tokens(s);
            !needle.is_empty() && toks.windows(needle.len()).any(|w| w == needle.as_slice())
        })
}

/// Attributes each entry to at most one combination (by index into `combos`): an object whose
/// `change_request` annotation names a PR can only be a combination's that holds that PR; among
/// those, the one whose every required part its name holds, when no other's are all held too. A
/// combination without required parts claims nothing by name.
pub fn attribute<'a>(
    entries: &[ObjectRef],
    combos: &[Naming],
    annotations: impl Fn(&ObjectRef) -> Option<&'a BTreeMap<String, String>>,
) -> Vec<Option<(usize, Rule)>> {
    entries
        .iter()
        .map(|entry| {
            let candidates: Vec<usize> =
                match annotations(entry).and_then(attribution::annotated_id) {
                    Some(v) => (0..combos.len())
                        .filter(|&i| {
                            combos
                                .get(i)
                                .is_some_and(|c| c.pr_ids.iter().any(|id| id == v))
                        })
                        .collect(),
                    None => (0..combos.len()).collect(),
                };
            let toks = tokens(&entry.name);
            let matched: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|&i| {
                    combos.get(i).is_some_and(|c| {
                        !c.required.is_empty() && c.required.iter().all(|p| holds(&toks, p))
                    })
                })
                .collect();
            match matched.as_slice() {
                [only] => combos.get(*only).map(|c| {
                    (
                        *only,
                        Rule::NameToken {
                            token: c.id.clone(),
                        },
                    )
                }),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn provider(name: &str, type_: &str, inputs: Value) -> Provider {
        serde_json::from_value(json!({"metadata": {"name": name, "namespace": "ns"},
            "spec": {"type": type_}, "status": {"exportedInputs": inputs}}))
        .unwrap()
    }

    fn rset(strategy: Value, inputs: Value) -> ResourceSet {
        serde_json::from_value(json!({"metadata": {"name": "app-envs", "namespace": "ns"},
            "spec": {"inputStrategy": strategy, "inputs": inputs}}))
        .unwrap()
    }

    #[test]
    fn keys_as_the_operator_normalises_them() {
        assert_eq!(key("api-prs"), "api_prs");
        assert_eq!(key("Team1 Apps"), "team1_apps");
        assert_eq!(key("--a..b__c--"), "a_b_c");
        assert_eq!(key("Ünïcode—name"), "ncode_name");
        assert_eq!(key(""), "");
        assert_eq!(key("a+b$c"), "abc", "symbols are dropped, not separators");
    }

    #[test]
    fn strategy() {
        assert!(is_permute(
            &rset(json!({"name": "Permute"}), json!([])).spec
        ));
        assert!(!is_permute(
            &rset(json!({"name": "Flatten"}), json!([])).spec
        ));
        assert!(!is_permute(&rset(json!(null), json!([])).spec));
        assert!(!is_permute(&rset(json!("Permute"), json!([])).spec));
    }

    #[test]
    fn combinations_in_the_operators_order() {
        let web = provider(
            "web-prs",
            "GitHubPullRequest",
            json!([{"id": "12"}, {"id": "13"}]),
        );
        let api = provider("api-prs", "GitHubPullRequest", json!([{"id": "34"}]));
        let none = provider("empty", "GitHubPullRequest", json!([]));
        let regions = provider("regions", "Static", json!([{"id": "eu"}, {"id": "us"}]));
        let r = rset(json!({"name": "Permute"}), json!([{"tier": "small"}]));
        let sources = sources(&r, &[&web, &api, &none, &regions]);
        let keys: Vec<&str> = sources.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["app_envs", "api_prs", "regions", "web_prs"]);
        let combos = combinations(&sources);
        assert_eq!(combos.len(), 4);
        let ids: Vec<String> = combos.iter().map(|c| naming(&sources, c).id).collect();
        // The constant inline input set names nothing; a varying static one does.
        assert_eq!(ids, ["34+eu+12", "34+eu+13", "34+us+12", "34+us+13"]);
        // includeEmptyProviders: an empty source leaves nothing to render.
        let r = rset(
            json!({"name": "Permute", "includeEmptyProviders": true}),
            json!([]),
        );
        assert!(combinations(&super::sources(&r, &[&web, &none])).is_empty());
    }

    #[test]
    fn too_many_combinations_render_nothing() {
        let many: Vec<Value> = (0..101).map(|i| json!({"id": i.to_string()})).collect();
        let a = provider("a", "GitHubPullRequest", Value::Array(many.clone()));
        let b = provider("b", "GitHubPullRequest", Value::Array(many));
        let r = rset(json!({"name": "Permute"}), json!([]));
        assert!(combinations(&sources(&r, &[&a, &b])).is_empty());
    }

    fn entry(name: &str) -> ObjectRef {
        ObjectRef::new("kustomize.toolkit.fluxcd.io", "Kustomization", "ns", name)
    }

    fn combo(ids: &[&str]) -> Naming {
        Naming {
            id: ids.join("+"),
            required: ids
                .iter()
                .map(|id| PrKey {
                    id: id.to_string(),
                    slugs: vec![],
                })
                .collect(),
            pr_ids: ids.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn an_object_is_a_combinations_only_when_it_names_all_its_ids() {
        let combos = [
            combo(&["12", "34"]),
            combo(&["12", "35"]),
            combo(&["13", "34"]),
        ];
        let names = [
            "app-12-34",
            "app-12",
            "app-34",
            "app-12-34-35",
            "app-13-34",
            "shared",
        ];
        let entries: Vec<ObjectRef> = names.iter().map(|n| entry(n)).collect();
        let got: Vec<Option<usize>> = attribute(&entries, &combos, |_| None)
            .into_iter()
            .map(|x| x.map(|(i, _)| i))
            .collect();
        assert_eq!(got, [Some(0), None, None, None, Some(2), None]);
        // An annotation naming a PR narrows to the combinations holding it; one naming no PR of
        // them makes it nobody's.
        let ann = BTreeMap::from([(
            crate::model::flux::CHANGE_REQUEST_ANNOTATION.to_string(),
            "35".to_string(),
        )]);
        let got = attribute(&[entry("app-12-34-35")], &combos, |_| Some(&ann));
        assert_eq!(got[0].as_ref().map(|x| x.0), Some(1));
        let other = BTreeMap::from([(
            crate::model::flux::CHANGE_REQUEST_ANNOTATION.to_string(),
            "99".to_string(),
        )]);
        assert_eq!(
            attribute(&[entry("app-12-34")], &combos, |_| Some(&other))[0],
            None
        );
    }

    /// Cases per property: `PROPTEST_CASES` when set, else `default`.
    fn cases(default: u32) -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases(3000)))]
        /// Whatever the ids and names: an attributed object's name holds every id of its
        /// combination, and no other combination's ids are all held.
        #[test]
        fn attribution_requires_every_id(
            combos in proptest::collection::vec(proptest::collection::vec(1u16..40, 1..4), 1..8),
            names in proptest::collection::vec(proptest::collection::vec(1u16..40, 0..5), 1..10),
        ) {
            let namings: Vec<Naming> = combos
                .iter()
                .map(|c| {
                    let ids: Vec<String> = c.iter().map(|n| n.to_string()).collect();
                    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                    combo(&refs)
                })
                .collect();
            let entries: Vec<ObjectRef> = names
                .iter()
                .map(|n| {
                    let parts: Vec<String> = n.iter().map(|x| x.to_string()).collect();
                    entry(&format!("app-{}", parts.join("-")))
                })
                .collect();
            for (e, who) in entries.iter().zip(attribute(&entries, &namings, |_| None)) {
                let toks = tokens(&e.name);
                let holds_all = |c: &Naming| c.required.iter().all(|p| toks.contains(&p.id.as_str()));
                if let Some((i, _)) = who {
                    prop_assert!(holds_all(&namings[i]));
                    for (j, other) in namings.iter().enumerate() {
                        prop_assert!(j == i || !holds_all(other));
                    }
                }
            }
        }
    }
}
