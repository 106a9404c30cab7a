//! Property tests of the sanitiser and of whole human-readable outputs (issue 10 §3): for arbitrary
//! strings, and for PRs whose every untrusted field is arbitrary, no character a terminal would act
//! on reaches the text, and no value can start a line of its own.
//!
//! Cases per property: 3,000 by default; `PROPTEST_CASES=N` runs more.
use kubectl_preview::commands::{doctor, get, list};
use kubectl_preview::environments::{self, PodProblems};
use kubectl_preview::objects::{FluxObject, Provider, ResourceSet};
use kubectl_preview::sanitize::{self, CELL_MAX, is_unsafe};
use kubectl_preview::snapshot::Snapshot;
use proptest::prelude::*;
use serde_json::json;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

/// Strings rich in what matters: controls of every range, bidi marks, newlines, and plain text.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(|c| c.to_string()),
        prop::sample::select(vec![
            "\x1b]0;t\x07",
            "\x1b[2J",
            "\n",
            "\r",
            "\t",
            "\u{9b}",
            "\u{7f}",
            "\u{202e}",
            "\u{2066}",
            "\u{85}",
            "\u{200f}",
            "a",
            "-",
            " ",
            "é",
            "漢",
        ])
        .prop_map(str::to_string),
        "[a-z0-9 ]{0,8}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

fn clean(text: &str) -> bool {
    !text.chars().any(|c| c != '\n' && is_unsafe(c))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn a_line_is_one_safe_line(text in hostile()) {
        let out = sanitize::line(&text).into_owned();
        prop_assert!(!out.chars().any(is_unsafe), "{out:?}");
        prop_assert!(!out.contains('\n'));
        // Escaped output is safe text: sanitising again changes nothing.
        prop_assert_eq!(sanitize::line(&out).into_owned(), out.clone());
        if !text.chars().any(is_unsafe) {
            prop_assert_eq!(out, text);
        }
    }

    #[test]
    fn a_cell_fits_its_width(text in hostile(), max in 1usize..100) {
        let out = sanitize::cell_max(&text, max);
        prop_assert!(out.chars().count() <= max);
        prop_assert!(!out.chars().any(is_unsafe));
        prop_assert!(sanitize::cell(&text).chars().count() <= CELL_MAX);
    }

    /// A PR and its cluster objects with hostile text in every field a stranger controls, through
    /// the list table (wide), `get`'s text and doctor's text.
    #[test]
    fn whole_outputs_are_terminal_safe(
        title in hostile(), author in hostile(), branch in hostile(), label in hostile(),
        message in hostile(), url in hostile(), id in "[0-9]{1,4}",
    ) {
        let provider: Provider = serde_json::from_value(json!({
            "metadata": {"name": "prs", "namespace": "ns"},
            "spec": {"type": "GitHubPullRequest", "url": format!("https://git.example/{url}")},
            "status": {"exportedInputs": [{"id": id, "sha": branch, "branch": branch, "title": title,
                                           "author": author, "labels": [label]}],
                       "conditions": [{"type": "Ready", "status": "False", "reason": "x", "message": message}]}
        })).unwrap();
        let name = format!("app-{id}");
        let rset: ResourceSet = serde_json::from_value(json!({
            "metadata": {"name": "envs", "namespace": "ns"},
            "spec": {"inputsFrom": [{"kind": "ResourceSetInputProvider", "name": "prs"}],
                     "resources": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": message}}]},
            "status": {"inventory": {"entries": [{"id": format!("ns_{name}_kustomize.toolkit.fluxcd.io_Kustomization"), "v": "v1"}]},
                       "conditions": [{"type": "Ready", "status": "True", "reason": "x", "message": message}]}
        })).unwrap();
        let ks: FluxObject = serde_json::from_value(json!({
            "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "ns",
                         "labels": {"resourceset.fluxcd.controlplane.io/name": "envs",
                                    "resourceset.fluxcd.controlplane.io/namespace": "ns"},
                         "annotations": {"event.toolkit.fluxcd.io/preview-url": url,
                                         "event.toolkit.fluxcd.io/change_request": id}},
            "spec": {"prune": true},
            "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "Failed", "message": message}]}
        })).unwrap();
        let snapshot = Snapshot {
            scope: Some("ns".into()),
            providers: vec![provider],
            resource_sets: vec![rset],
            flux: vec![ks],
            ..Default::default()
        };
        let catalog = environments::build(&snapshot, &PodProblems::new());
        prop_assert_eq!(catalog.environments.len(), 1);
        let envs: Vec<_> = catalog.environments.iter().collect();
        for (wide, all) in [(false, false), (true, true)] {
            let table = list::render_table(&envs, wide, all, false);
            prop_assert!(clean(&table), "{table:?}");
            // One header and one row: no value started a line.
            prop_assert_eq!(table.lines().count(), 2, "{}", table);
        }
        let env = catalog.environments[0].clone();
        let events = vec![json!({"type": "Warning", "reason": message, "message": message,
                                 "involvedObject": {"kind": "Kustomization", "name": name}})];
        let text = get::render(&get::detail(&snapshot, &catalog, env, &events));
        prop_assert!(clean(&text), "{text:?}");
        let reports = kubectl_preview::doctor::check(&snapshot, &catalog, &kubectl_preview::doctor::Secrets::new(), None);
        let text = doctor::render(&reports);
        prop_assert!(clean(&text), "{text:?}");
    }
}
