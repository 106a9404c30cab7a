//! Reading a ResourceSet's templates without rendering them: `spec.resources` are objects whose
//! strings hold `<< … >>` actions; `spec.resourcesTemplate` is one Go template producing multi-document
//! YAML. To see where a template writes an input (which field of which kind), the actions of a
//! `resourcesTemplate` are set aside, the YAML is parsed, and the actions are put back into the
//! strings they were part of: the result looks like `spec.resources`. Templates whose YAML only
//! exists after rendering (documents built in loops of `toYaml`, keys from conditionals) give
//! fewer objects or none, never an error.
use serde_json::{Map, Value};

use crate::model::objects::ResourceSetSpec;

/// Go template keywords (and comments) whose actions print nothing.
const SILENT: [&str; 10] = [
    "if", "else", "end", "range", "with", "define", "block", "template", "break", "continue",
];

/// What stands for an output action while the YAML is parsed: a plain scalar that YAML keeps as a
/// string wherever it appears, ended so that `…1x` is never part of `…10x`.
const MARK: &str = "kptplmark";

fn placeholder(n: usize) -> String {
    format!("{MARK}{n}x")
}

/// Whether an action prints nothing: control structures, comments, variable assignments.
fn silent(action: &str) -> bool {
    let body = action.trim_matches(|c: char| c == '-' || c.is_whitespace());
    if body.starts_with("/*") {
        return true;
    }
    let word: String = body
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if SILENT.contains(&word.as_str()) {
        return true;
    }
    body.starts_with('$') && (body.contains(":=") || body.contains(" = "))
}

/// The template text with control actions removed and output actions replaced by placeholders
/// (dropped when alone on their line, where a scalar would break the YAML around it), and the
/// original actions by placeholder number. `None` when an action is not closed.
fn set_aside(text: &str) -> Option<(String, Vec<String>)> {
    let mut out = String::with_capacity(text.len());
    let mut actions = Vec::new();
    let mut rest = text;
    while let Some((before, after)) = rest.split_once("<<") {
        let (action, tail) = after.split_once(">>")?;
        out.push_str(before);
        let line_start = out.rsplit('\n').next().unwrap_or_default();
        let line_end = tail.split('\n').next().unwrap_or_default();
        let alone = line_start.trim().is_empty()
            && (line_end.trim().is_empty() || line_end.trim_start().starts_with("<<"));
        if !silent(action) && !alone {
            out.push_str(&placeholder(actions.len()));
            actions.push(format!("<<{action}>>"));
        }
        rest = tail;
    }
    out.push_str(rest);
    Some((out, actions))
}

fn restore_text(text: &str, actions: &[String]) -> String {
    if !text.contains(MARK) {
        return text.to_string();
    }
    let mut out = text.to_string();
    // Highest numbers first: no placeholder is a prefix of another anyway (the `x`), but this
    // keeps the replacement independent of that.
    for (n, action) in actions.iter().enumerate().rev() {
        out = out.replace(&placeholder(n), action);
    }
    out
}

fn restore(v: Value, actions: &[String]) -> Value {
    match v {
        Value::String(s) => Value::String(restore_text(&s, actions)),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|i| restore(i, actions)).collect())
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (restore_text(&k, actions), restore(v, actions)))
                .collect::<Map<String, Value>>(),
        ),
        other => other,
    }
}

fn parse_document(text: &str) -> Option<Value> {
    let mut options = serde_saphyr::Options::default();
    // Both branches of an `if`/`else` stay in the text: the same key can appear twice.
    options.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::LastWins;
    serde_saphyr::from_str_with_options::<Value>(text, options).ok()
}

/// The objects of a `resourcesTemplate`, with its actions as text inside their strings (as in
/// `spec.resources`). Documents that do not parse are left out.
pub fn objects(text: &str) -> Vec<Value> {
    if text.contains(MARK) {
        return vec![];
    }
    let Some((yaml, actions)) = set_aside(text) else {
        return vec![];
    };
    let mut documents: Vec<String> = vec![String::new()];
    for line in yaml.lines() {
        let separator = line
            .strip_prefix("---")
            .is_some_and(|r| r.is_empty() || r.starts_with(char::is_whitespace));
        if separator {
            documents.push(String::new());
        } else if let Some(current) = documents.last_mut() {
            current.push_str(line);
            current.push('\n');
        }
    }
    documents
        .iter()
        .filter(|d| !d.trim().is_empty())
        .filter_map(|d| parse_document(d))
        .filter(Value::is_object)
        .map(|v| restore(v, &actions))
        .collect()
}

/// Every templated object of a ResourceSet: `resources`, the documents of `resourcesTemplate`,
/// and the same of each step.
pub fn all_objects(spec: &ResourceSetSpec) -> Vec<Value> {
    let mut out: Vec<Value> = spec.resources.clone();
    if let Some(t) = &spec.resources_template {
        out.extend(objects(t));
    }
    for step in &spec.steps {
        if let Some(res) = step.get("resources").and_then(Value::as_array) {
            out.extend(res.iter().filter(|r| r.is_object()).cloned());
        }
        if let Some(t) = step.get("resourcesTemplate").and_then(Value::as_str) {
            out.extend(objects(t));
        }
    }
    out
}

/// Whether `text` reads the input at `path` (`inputs.sha`, `inputs.api_prs.sha`): the path not
/// continued by another name character (`inputs.shaX` is another input).
pub fn uses(text: &str, path: &str) -> bool {
    if path.is_empty() {
        return false;
    }
    text.match_indices(path).any(|(i, _)| {
        let after = text.get(i + path.len()..).and_then(|t| t.chars().next());
        let before = text.get(..i).and_then(|t| t.chars().next_back());
        !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const TEMPLATE: &str = r#"
<<- /* one Kustomization and one HelmRelease per PR */ ->>
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app-<< inputs.id >>
  namespace: app-preview
  annotations:
    event.toolkit.fluxcd.io/change_request: "<< inputs.id >>"
spec:
  << if hasKey inputs "labels" >>
  labels: << inputs.labels | join "," | quote >>
  << end >>
  prune: true
  postBuild:
    substitute:
      COMMIT_SHA: << inputs.sha >>
      PR: "<< inputs.id >>"
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: chart-<< inputs.id >>
spec:
  values:
    << toYaml inputs.values | nindent 4 >>
    image:
      tag: 'sha-<< inputs.sha | trunc 7 >>'
    hosts: [ "<< inputs.id >>.example.com" ]
"#;

    #[test]
    fn documents_with_the_actions_in_their_strings() {
        let got = objects(TEMPLATE);
        assert_eq!(got.len(), 2, "{got:#?}");
        assert_eq!(got[0]["kind"], "Kustomization");
        assert_eq!(got[0]["metadata"]["name"], "app-<< inputs.id >>");
        assert_eq!(
            got[0]["metadata"]["annotations"]["event.toolkit.fluxcd.io/change_request"],
            "<< inputs.id >>"
        );
        assert_eq!(
            got[0]["spec"]["postBuild"]["substitute"]["COMMIT_SHA"],
            "<< inputs.sha >>"
        );
        assert_eq!(got[0]["spec"]["prune"], json!(true));
        assert_eq!(got[1]["kind"], "HelmRelease");
        assert_eq!(
            got[1]["spec"]["values"]["image"]["tag"],
            "sha-<< inputs.sha | trunc 7 >>"
        );
        assert_eq!(
            got[1]["spec"]["values"]["hosts"][0],
            "<< inputs.id >>.example.com"
        );
    }

    #[test]
    fn what_does_not_parse_is_left_out() {
        assert!(
            objects("kind: A\nmetadata: << inputs.x").is_empty(),
            "unclosed action"
        );
        assert!(objects("a: [\n").is_empty());
        // One broken document does not hide the others.
        let got = objects("kind: A\n---\n: : :\n  - [\n---\nkind: B\n");
        let kinds: Vec<&Value> = got.iter().map(|o| &o["kind"]).collect();
        assert_eq!(kinds, [&json!("A"), &json!("B")]);
        // Non-ASCII text around and inside actions.
        let got = objects("kind: Ü\nmetadata:\n  name: «<< inputs.id >>»—ü\n");
        assert_eq!(got[0]["metadata"]["name"], "«<< inputs.id >>»—ü");
    }

    #[test]
    fn steps_and_resources_together() {
        let spec: ResourceSetSpec = serde_json::from_value(json!({
            "resources": [{"kind": "A"}],
            "resourcesTemplate": "kind: B\n",
            "steps": [{"name": "s", "resources": [{"kind": "C"}], "resourcesTemplate": "kind: D\n---\nkind: E\n"}]
        }))
        .unwrap();
        let kinds: Vec<Value> = all_objects(&spec)
            .iter()
            .map(|o| o["kind"].clone())
            .collect();
        assert_eq!(
            kinds,
            [json!("A"), json!("B"), json!("C"), json!("D"), json!("E")]
        );
    }

    #[test]
    fn input_use_is_a_whole_path() {
        assert!(uses("<< inputs.sha >>", "inputs.sha"));
        assert!(uses("x: <<inputs.sha|quote>>", "inputs.sha"));
        assert!(!uses("<< inputs.sha256 >>", "inputs.sha"));
        assert!(!uses("<< myinputs.sha >>", "inputs.sha"));
        assert!(!uses("<< inputs.api_prs.sha >>", "inputs.sha"));
        assert!(uses("<< inputs.api_prs.sha >>", "inputs.api_prs.sha"));
        assert!(uses("«inputs.sha»", "inputs.sha"));
        assert!(!uses("anything", ""));
    }

    /// Cases per property: `PROPTEST_CASES` when set, else `default`.
    fn cases(default: u32) -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases(2000)))]
        /// Any text, however malformed or non-ASCII: no panic, and only objects come out.
        #[test]
        fn any_template_text(text in "(\\PC|<<|>>|\n|---|: |- |\"|')*") {
            for o in objects(&text) {
                prop_assert!(o.is_object());
            }
            let _ = uses(&text, "inputs.sha");
        }
    }
}

/// The templated Kustomizations and HelmReleases that set `spec.suspend` themselves: the
/// ResourceSet's next reconcile would revert a suspend made by hand on what they render.
pub fn sets_suspend(spec: &crate::model::objects::ResourceSetSpec) -> Vec<String> {
    all_objects(spec)
        .iter()
        .filter(|o| {
            matches!(
                o.get("kind").and_then(Value::as_str),
                Some("Kustomization" | "HelmRelease")
            ) && o.pointer("/spec/suspend").is_some()
        })
        .map(|o| {
            format!(
                "{}/{}",
                o.get("kind").and_then(Value::as_str).unwrap_or_default(),
                o.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            )
        })
        .collect()
}

#[cfg(test)]
mod suspend_tests {
    use super::*;

    #[test]
    fn a_template_that_sets_suspend_is_found() {
        let spec: crate::model::objects::ResourceSetSpec = serde_json::from_value(serde_json::json!({
            "resources": [
                {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                 "metadata": {"name": "app-<< inputs.id >>"}, "spec": {"suspend": false}},
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "spec": {"suspend": true}},
                {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": {"name": "h"}, "spec": {}}
            ]
        }))
        .unwrap();
        assert_eq!(
            sets_suspend(&spec),
            vec!["Kustomization/app-<< inputs.id >>".to_string()]
        );
    }
}
