//! Which commit an environment runs: the ResourceSet renders the PR's sha into its Flux objects
//! (e.g. `postBuild.substitute.COMMIT_SHA`, an annotation, a HelmRelease value or a
//! GitRepository ref). The template says where; the rendered objects say what.
use serde_json::Value;

use crate::model::flux::COMMIT_ANNOTATION;
use crate::model::objects::{FluxObject, Identity};

/// A place in a rendered object where the template writes `inputs.sha`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShaPath {
    pub kind: String,
    /// JSON pointer inside the object, e.g. `/spec/postBuild/substitute/COMMIT_SHA`.
    pub pointer: String,
}

/// The input path of the PR's sha in templates: `inputs.sha`, or with `inputStrategy: Permute`
/// `inputs.<provider key>.sha`.
pub const SHA_INPUT: &str = "inputs.sha";

/// Finds the string leaves of templated objects (`spec.resources`, or the documents of a
/// `resourcesTemplate`: see [`crate::model::template`]) that use the input `sha_input`.
pub fn sha_paths(objects: &[Value], sha_input: &str) -> Vec<ShaPath> {
    let mut out = Vec::new();
    for r in objects {
        let kind = r
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        walk(r, sha_input, &mut String::new(), &mut |pointer| {
            out.push(ShaPath {
                kind: kind.clone(),
                pointer: pointer.to_string(),
            })
        });
    }
    out
}

fn walk(v: &Value, input: &str, pointer: &mut String, found: &mut impl FnMut(&str)) {
    match v {
        Value::String(s) if crate::model::template::uses(s, input) => found(pointer),
        Value::Object(map) => {
            for (k, child) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                walk(child, input, pointer, found);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                walk(child, input, pointer, found);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// The first run of 7 to 40 hex digits in `text` (a commit, full or short), standing alone:
/// not part of a longer run of letters and digits.
pub fn find_sha(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .find(|word| (7..=40).contains(&word.len()) && word.chars().all(|c| c.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
}

/// Whether two commit ids name the same commit (one may be abbreviated).
pub fn same_commit(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    a.len() >= 7 && b.len() >= 7 && (a.starts_with(&b) || b.starts_with(&a))
}

/// The string at a JSON pointer into the object's metadata annotations and labels, or its spec,
/// read in place (building the object as one JSON value to point into cost a copy of its spec
/// per environment).
fn at_pointer<'a>(o: &'a FluxObject, pointer: &str) -> Option<&'a str> {
    fn unescape(segment: &str) -> std::borrow::Cow<'_, str> {
        if segment.contains('~') {
            segment.replace("~1", "/").replace("~0", "~").into()
        } else {
            segment.into()
        }
    }
    // A key is one pointer segment: an unescaped `/` goes deeper, into a string that has none.
    for (prefix, map) in [
        ("/metadata/annotations/", o.metadata.annotations()),
        ("/metadata/labels/", o.metadata.labels()),
    ] {
        if let Some(key) = pointer.strip_prefix(prefix) {
            if key.contains('/') {
                return None;
            }
            return map.get(unescape(key).as_ref()).map(String::as_str);
        }
    }
    let rest = pointer.strip_prefix("/spec")?;
    if rest.is_empty() {
        return o.spec.as_str();
    }
    if !rest.starts_with('/') {
        return None;
    }
    o.spec.pointer(rest).and_then(Value::as_str)
}

/// The commit rendered into these Flux objects: at the template's `inputs.sha` places first,
/// then the `event.toolkit.fluxcd.io/commit` annotation; `None` when nothing carries one.
pub fn rendered_sha(objects: &[&FluxObject], paths: &[ShaPath]) -> Option<String> {
    for o in objects {
        for p in paths.iter().filter(|p| p.kind == o.kind) {
            if let Some(sha) = at_pointer(o, &p.pointer).and_then(find_sha) {
                return Some(sha);
            }
        }
    }
    objects.iter().find_map(|o| {
        o.metadata
            .annotations()
            .get(COMMIT_ANNOTATION)
            .and_then(|v| find_sha(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_are_read_in_place_as_json_pointers() {
        let o: FluxObject = serde_json::from_value(json!({
            "kind": "Kustomization",
            "metadata": {"annotations": {"a/b": "x", "c~d": "y"}, "labels": {"l": "z"}},
            "spec": {"postBuild": {"substitute": {"COMMIT_SHA": "s"}}, "list": ["p", "q"]}
        }))
        .unwrap();
        let at = |p: &str| at_pointer(&o, p);
        assert_eq!(at("/metadata/annotations/a~1b"), Some("x"));
        assert_eq!(at("/metadata/annotations/c~0d"), Some("y"));
        // An unescaped `/` is a deeper segment, as in `serde_json::Value::pointer`.
        assert_eq!(at("/metadata/annotations/a/b"), None);
        assert_eq!(at("/metadata/labels/l"), Some("z"));
        assert_eq!(at("/spec/postBuild/substitute/COMMIT_SHA"), Some("s"));
        assert_eq!(at("/spec/list/1"), Some("q"));
        for none in [
            "/spec",
            "/specx",
            "/metadata/annotations",
            "/metadata",
            "",
            "/kind",
        ] {
            assert_eq!(at(none), None, "{none}");
        }
    }

    #[test]
    fn finds_template_places_of_the_sha() {
        let resources = vec![
            json!({"kind": "Kustomization", "spec": {"postBuild": {"substitute": {"PR_NUMBER": "<< inputs.id | quote >>", "COMMIT_SHA": "<< inputs.sha >>"}}}}),
            json!({"kind": "HelmRelease", "metadata": {"annotations": {"event.toolkit.fluxcd.io/commit": "<< inputs.sha | quote >>"}},
                   "spec": {"values": {"image": {"tag": "<< inputs.sha >>"}, "list": ["a", "<<inputs.sha>>"]}}}),
        ];
        let paths = sha_paths(&resources, SHA_INPUT);
        let got: Vec<(&str, &str)> = paths
            .iter()
            .map(|p| (p.kind.as_str(), p.pointer.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("Kustomization", "/spec/postBuild/substitute/COMMIT_SHA"),
                (
                    "HelmRelease",
                    "/metadata/annotations/event.toolkit.fluxcd.io~1commit"
                ),
                ("HelmRelease", "/spec/values/image/tag"),
                ("HelmRelease", "/spec/values/list/1"),
            ]
        );
    }

    #[test]
    fn reads_the_rendered_sha() {
        let ks: FluxObject = serde_json::from_value(json!({"kind": "Kustomization", "metadata": {"name": "a"},
            "spec": {"postBuild": {"substitute": {"PR_NUMBER": "12", "COMMIT_SHA": "5E6F7A8B9C0D1E2F3A4B5C6D7E8F9A0B1C2D3E4F"}}}}))
        .unwrap();
        let paths = vec![ShaPath {
            kind: "Kustomization".into(),
            pointer: "/spec/postBuild/substitute/COMMIT_SHA".into(),
        }];
        assert_eq!(
            rendered_sha(&[&ks], &paths).as_deref(),
            Some("5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f")
        );
        let hr: FluxObject = serde_json::from_value(json!({"kind": "HelmRelease",
            "metadata": {"name": "b", "annotations": {"event.toolkit.fluxcd.io/commit": "abcdef1"}}})).unwrap();
        assert_eq!(rendered_sha(&[&hr], &[]).as_deref(), Some("abcdef1"));
        assert_eq!(rendered_sha(&[], &paths), None);
    }

    #[test]
    fn sha_detection() {
        assert_eq!(
            find_sha("main@sha1:7d1f0c3b2a4e5f60718293a4b5c6d7e8f9a0b1c2").as_deref(),
            Some("7d1f0c3b2a4e5f60718293a4b5c6d7e8f9a0b1c2")
        );
        assert_eq!(find_sha("pr-1234"), None, "too short");
        assert_eq!(find_sha("deadbeefcafe-x").as_deref(), Some("deadbeefcafe"));
        assert_eq!(find_sha("zdeadbeefcafe"), None, "not at a boundary");
        assert!(same_commit(
            "3f9c1e2",
            "3f9c1e2a7b8d4c6e0f1a2b3c4d5e6f7a8b9c0d1e"
        ));
        assert!(!same_commit(
            "3f9c1e3",
            "3f9c1e2a7b8d4c6e0f1a2b3c4d5e6f7a8b9c0d1e"
        ));
        assert!(!same_commit("3f9", "3f9c1e2a"), "too short to tell");
    }

    #[test]
    fn finds_the_sha_in_a_resources_template() {
        let spec: crate::model::objects::ResourceSetSpec = serde_json::from_value(json!({
            "resourcesTemplate": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app-<< inputs.id >>\n  annotations:\n    note: «<< inputs.title | default \"\" >>»\nspec:\n  <<- if true >>\n  postBuild:\n    substitute:\n      COMMIT_SHA: \"<< inputs.sha >>\"\n  <<- end >>\n"
        }))
        .unwrap();
        let paths = sha_paths(&crate::model::template::all_objects(&spec), SHA_INPUT);
        assert_eq!(
            paths,
            [ShaPath {
                kind: "Kustomization".into(),
                pointer: "/spec/postBuild/substitute/COMMIT_SHA".into()
            }]
        );
        // With inputStrategy Permute the sha is under the provider's key.
        let permuted = sha_paths(
            &[
                json!({"kind": "Kustomization", "spec": {"a": "<< inputs.api_prs.sha >>", "b": "<< inputs.sha >>"}}),
            ],
            "inputs.api_prs.sha",
        );
        assert_eq!(permuted.len(), 1);
        assert_eq!(permuted[0].pointer, "/spec/a");
    }

    #[test]
    fn sha_detection_on_any_text() {
        assert_eq!(find_sha("ü3f9c1e2ü"), None, "letters around it");
        assert_eq!(find_sha("«3f9c1e2»").as_deref(), Some("3f9c1e2"));
        assert_eq!(find_sha("ééé 3F9C1E2A"), Some("3f9c1e2a".into()));
    }

    /// Cases per property: `PROPTEST_CASES` when set, else `default`.
    fn cases(default: u32) -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(cases(5000)))]
        #[test]
        fn find_sha_never_panics(text in "\\PC*") {
            if let Some(sha) = find_sha(&text) {
                proptest::prop_assert!((7..=40).contains(&sha.len()));
            }
        }
    }
}
