//! Property tests of the sanitiser and of whole human-readable outputs (issue 10 §3): for arbitrary
//! strings, and for PRs whose every untrusted field is arbitrary, no character a terminal would act
//! on reaches the text, and no value can start a line of its own.
//!
//! Cases per property: 3,000 by default; `PROPTEST_CASES=N` runs more.
use kubectl_preview::commands::{doctor, get, list};
use kubectl_preview::error::Error;
use kubectl_preview::model::doctor::{SecretKeys, Secrets};
use kubectl_preview::model::environments::{self, PodProblems};
use kubectl_preview::model::objects::{FluxObject, Provider, ResourceSet};
use kubectl_preview::model::snapshot::Snapshot;
use kubectl_preview::model::urls;
use kubectl_preview::sanitize::{self, CELL_MAX, is_unsafe};
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
            "\u{2028}",
            "\nFORGED",
            "\r\nFORGED",
            "\u{85}FORGED",
            "\u{2029}FORGED",
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

/// What a terminal (or a program reading lines) acts on, written out here rather than taken from
/// the sanitiser: C0 and C1 controls, DEL, line and paragraph separators, bidirectional marks,
/// embeddings, overrides and isolates.
fn terminal_unsafe(c: char) -> bool {
    matches!(c, '\0'..='\x1f' | '\x7f'..='\u{9f}' | '\u{61c}' | '\u{200e}' | '\u{200f}'
        | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn clean(text: &str) -> bool {
    !text.chars().any(|c| c != '\n' && terminal_unsafe(c))
}

/// Whether a value started a line of its own: every value that can hold `FORGED` is shown after
/// a label, a column or a fixed prefix, never at the start of a line.
fn forged(text: &str) -> bool {
    text.lines().any(|l| l.trim_start().starts_with("FORGED"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn a_line_is_one_safe_line(text in hostile()) {
        let out = sanitize::line(&text).into_owned();
        prop_assert!(!out.chars().any(terminal_unsafe), "{out:?}");
        prop_assert!(!out.chars().any(is_unsafe), "{out:?}");
        // Escaped output is safe text: sanitising again changes nothing.
        prop_assert_eq!(sanitize::line(&out).into_owned(), out.clone());
        // The sanitiser knows at least every character listed here.
        for c in text.chars().filter(|&c| terminal_unsafe(c)) {
            prop_assert!(is_unsafe(c), "{c:?}");
        }
        if !text.chars().any(is_unsafe) {
            prop_assert_eq!(out, text);
        }
    }

    /// A container's log line (written by whatever runs in the pod): one line, nothing unsafe
    /// but tabs, and a safe line passes unchanged.
    #[test]
    fn a_log_line_is_one_safe_line(text in hostile()) {
        let out = sanitize::log_line(&text).into_owned();
        prop_assert!(!out.chars().any(|c| c != '\t' && terminal_unsafe(c)), "{out:?}");
        prop_assert!(!out.contains('\n') && !out.contains('\r'), "{out:?}");
        prop_assert_eq!(sanitize::log_line(&out).into_owned(), out.clone());
        let plain = text.strip_suffix('\r').unwrap_or(&text);
        if !plain.chars().any(|c| c != '\t' && is_unsafe(c)) {
            prop_assert_eq!(out, plain);
        }
    }

    #[test]
    fn a_cell_fits_its_width(text in hostile(), max in 0usize..100) {
        let out = sanitize::cell_max(&text, max);
        prop_assert!(out.chars().count() <= max, "{out:?}");
        prop_assert!(!out.chars().any(terminal_unsafe));
        prop_assert!(sanitize::cell(&text).chars().count() <= CELL_MAX);
    }

    /// Only a plain http(s) URL goes to the system's opener and `$GITHUB_OUTPUT`: whatever the
    /// annotation holds, what passes is one line of a URL with a host, unchanged.
    #[test]
    fn only_plain_http_urls_pass(text in hostile(), prefixed in any::<bool>()) {
        let text = if prefixed { format!("https://x.example/{text}") } else { text };
        if let Some(url) = urls::safe_http(&text) {
            prop_assert_eq!(url, text.as_str());
            prop_assert!(!url.chars().any(|c| c.is_whitespace() || terminal_unsafe(c)), "{url:?}");
            let lower = url.to_ascii_lowercase();
            prop_assert!(lower.starts_with("http://") || lower.starts_with("https://"), "{url:?}");
        }
    }

    /// A PR's web page is built from a provider's URL (whoever can write the provider writes it)
    /// and an exported id: whatever they hold, what comes out is a plain http(s) URL of one
    /// line that ends with the PR's number, or nothing.
    #[test]
    fn a_pr_page_is_a_plain_url_or_none(
        url in hostile(),
        prefixed in any::<bool>(),
        id in prop_oneof![hostile(), "[0-9]{1,14}"],
        type_ in prop::sample::select(vec![
            "GitHubPullRequest", "GitLabMergeRequest", "AzureDevOpsPullRequest",
            "GiteaPullRequest", "AWSCodeCommitPullRequest", "GitHubBranch",
        ]),
    ) {
        let url = if prefixed { format!("https://git.example/{url}") } else { url };
        if let Some(page) = urls::pull_request_url(type_, &url, &id) {
            prop_assert_eq!(urls::safe_http(&page), Some(page.as_str()));
            prop_assert!(!page.chars().any(|c| c.is_whitespace() || terminal_unsafe(c)), "{page:?}");
            prop_assert!(id.bytes().all(|b| b.is_ascii_digit()) && !id.is_empty(), "{id:?}");
            let rest = page.split('?').next().unwrap_or_default();
            prop_assert!(rest.ends_with(&format!("/{id}")), "{page:?}");
        }
    }

    /// What main prints for an error whose text (the server's, the cluster's) is hostile.
    #[test]
    fn an_error_is_one_safe_line(text in hostile()) {
        for e in [Error::Other(text.clone()), Error::Usage(text.clone()), Error::Kubeconfig(text.clone())] {
            let line = e.one_line();
            prop_assert!(!line.chars().any(terminal_unsafe), "{line:?}");
        }
    }

    /// A PR and its cluster objects with hostile text in every field a stranger controls, through
    /// the list table (wide), `-o name`, the picker, `get`'s text and doctor's text.
    #[test]
    fn whole_outputs_are_terminal_safe(
        title in hostile(), author in hostile(), branch in hostile(), label in hostile(),
        message in hostile(), url in hostile(), secret in hostile(), id in "[0-9]{1,4}",
        url_prefixed in any::<bool>(),
    ) {
        // The preview URL is the one value shown at the start of a line (get's URLs section):
        // with a prefix, the forged-line check applies to it too.
        let annotation = if url_prefixed { format!("https://x.example/{url}") } else { url.clone() };
        let provider: Provider = serde_json::from_value(json!({
            "metadata": {"name": "prs", "namespace": "ns"},
            "spec": {"type": "GitHubPullRequest", "url": format!("https://git.example/{url}"),
                     "secretRef": {"name": format!("s{secret}")}},
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
                         "annotations": {"event.toolkit.fluxcd.io/preview-url": annotation,
                                         "event.toolkit.fluxcd.io/change_request": id}},
            "spec": {"prune": true},
            "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "Failed", "message": message}],
                       "inventory": {"entries": [{"id": format!("ns_x{}_apps_Deployment", message.replace('_', "-")), "v": "v1"}]}}
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
        for (wide, all) in [(false, false), (true, true), (true, false)] {
            let table = list::render_table(&envs, wide, all, false);
            prop_assert!(clean(&table), "{table:?}");
            // One header and one row: no value started a line.
            prop_assert_eq!(table.lines().count(), 2, "{}", table);
        }
        let names = list::render_names(&envs);
        prop_assert!(clean(&names), "{names:?}");
        prop_assert_eq!(names.lines().count(), 1, "{}", names);
        let item = kubectl_preview::ui::select::picker_item(envs[0]);
        prop_assert!(!item.chars().any(terminal_unsafe), "{item:?}");
        prop_assert!(item.chars().count() <= 120);
        let env = catalog.environments[0].clone();
        let events: Vec<kubectl_preview::model::objects::Event> = vec![serde_json::from_value(json!({"type": "Warning", "reason": message, "message": message,
                                 "involvedObject": {"kind": "Kustomization", "name": name}})).unwrap()];
        let text = get::render(&get::detail(&snapshot, &catalog, env, &events));
        prop_assert!(clean(&text), "{text:?}");
        prop_assert!(!url_prefixed || !forged(&text), "{}", text);
        // Every referenced Secret missing: doctor's fix then names it in a command.
        let secrets: Secrets = kubectl_preview::model::doctor::referenced_secrets(&snapshot, &catalog, None)
            .into_iter()
            .map(|k| (k, SecretKeys::Missing))
            .collect();
        let reports = kubectl_preview::model::doctor::check(&snapshot, &catalog, &secrets, None);
        let text = doctor::render(&reports);
        prop_assert!(clean(&text), "{text:?}");
        prop_assert!(!forged(&text), "{}", text);
        prop_assert!(text.contains("kubectl create secret generic s"), "{}", text);
    }

    /// `-o yaml` and `-o json` (and `render --local`'s objects): no unsafe character reaches the
    /// text, and the document reads back as the very same data (keys and values).
    #[test]
    fn yaml_and_json_outputs_are_safe_and_exact(key in hostile(), value in hostile(), other in hostile()) {
        let data = json!({ key.clone(): { "v": value, "list": [other, "\u{1}0041\u{1}"] } });
        let yaml = kubectl_preview::ui::output::safe_yaml(&data).unwrap();
        prop_assert!(clean(&yaml), "{yaml:?}");
        let back: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
        prop_assert_eq!(&back, &data, "{}", yaml);
        let text = serde_json::to_string_pretty(&data).unwrap();
        let json = kubectl_preview::ui::output::safe_json(&text);
        prop_assert!(clean(&json), "{json:?}");
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &data);
    }
}
