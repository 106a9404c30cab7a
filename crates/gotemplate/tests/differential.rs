//! Differential tests: `resourceset::cli_equivalent` against the real `flux-operator build rset`.
//!
//! The CLI's path comes from `KP_TEST_FLUX_OPERATOR` (built by `testenv/testenv.sh`). Without
//! it the tests fail under `CI=true` and are skipped otherwise (they are `#[ignore]`d; CI runs
//! `--include-ignored`).
//!
//! Both sides see the same bytes: a case's YAML is read here into JSON, and the CLI is given
//! that JSON (JSON is YAML), so YAML 1.1 vs 1.2 quirks of the corpus files cannot differ.
#[path = "diff/cli.rs"]
mod cli;
#[path = "diff/corpus.rs"]
mod corpus;
#[path = "diff/gen.rs"]
mod generate;

use cli::Outcome;

const NEEDS_CLI: &str = "needs the Flux Operator CLI (KP_TEST_FLUX_OPERATOR)";

#[test]
#[ignore = "needs the Flux Operator CLI (KP_TEST_FLUX_OPERATOR)"]
fn corpus_matches_cli() {
    let Some(bin) = cli::binary() else {
        eprintln!("skipped: {NEEDS_CLI}");
        return;
    };
    corpus::run(&bin);
}

#[test]
#[ignore = "needs the Flux Operator CLI (KP_TEST_FLUX_OPERATOR)"]
fn generated_templates_match_cli() {
    let Some(bin) = cli::binary() else {
        eprintln!("skipped: {NEEDS_CLI}");
        return;
    };
    generate::run(&bin);
}

/// Input providers (static ones, from a file): their order, the `provider` reference and
/// `id` they add, Flatten and Permute over them.
#[test]
#[ignore = "needs the Flux Operator CLI (KP_TEST_FLUX_OPERATOR)"]
fn providers_match_cli() {
    use gotemplate::resourceset::{cli_equivalent_with_providers, static_provider};
    use serde_json::json;
    let Some(bin) = cli::binary() else {
        eprintln!("skipped: {NEEDS_CLI}");
        return;
    };
    let provider = |name: &str, values: serde_json::Value, labels: serde_json::Value| {
        json!({"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSetInputProvider",
            "metadata": {"name": name, "namespace": "apps", "labels": labels},
            "spec": {"type": "Static", "defaultValues": values}})
    };
    let all = [
        provider(
            "zeta-envs",
            json!({"env": "prod", "region": "eu"}),
            json!({"team": "a"}),
        ),
        provider("Alpha.Envs", json!({"env": "dev"}), json!({"team": "a"})),
        provider("beta", json!({"tier": 2}), json!({"team": "b"})),
    ];
    let template = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c-<< inputs.id >>\n  namespace: apps\ndata:\n  all: << toJson inputs | quote >>\n";
    let mut failures = Vec::new();
    let scenarios = [
        (
            "flatten by name",
            json!(null),
            json!([{"name": "zeta-envs"}, {"name": "beta"}]),
            vec![0, 2],
        ),
        (
            "flatten by selector",
            json!(null),
            json!([{"selector": {"matchLabels": {"team": "a"}}}]),
            vec![0, 1],
        ),
        (
            "permute",
            json!({"name": "Permute"}),
            json!([{"selector": {"matchLabels": {"team": "a"}}}, {"name": "beta"}]),
            vec![0, 1, 2],
        ),
        (
            "permute, no inline inputs",
            json!({"name": "Permute"}),
            json!([{"name": "zeta-envs"}, {"name": "Alpha.Envs"}]),
            vec![0, 1],
        ),
    ];
    for (what, strategy, inputs_from, chosen) in scenarios {
        for inline in [
            json!([{"id": "i1", "a": 1}, {"id": "i2", "a": 2}]),
            json!(null),
        ] {
            let mut spec = json!({"inputsFrom": inputs_from, "resourcesTemplate": template});
            if !strategy.is_null() {
                spec["inputStrategy"] = strategy.clone();
            }
            if !inline.is_null() {
                spec["inputs"] = inline.clone();
            }
            let rset = json!({"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSet",
                "metadata": {"name": "my-rset", "namespace": "apps"}, "spec": spec});
            let cli = cli::run_cli_with(&bin, &rset, None, Some(&all));
            let providers: Vec<_> = chosen
                .iter()
                .map(|&i| {
                    let p = &all[i];
                    static_provider(
                        p["metadata"]["name"].as_str().unwrap_or(""),
                        "apps",
                        p["spec"]["defaultValues"]
                            .as_object()
                            .unwrap_or(&serde_json::Map::new()),
                    )
                })
                .collect();
            let ours = match cli_equivalent_with_providers(&rset, None, &providers) {
                Ok(o) => Outcome::Objects(o),
                Err(e) => Outcome::Error(e),
            };
            if !cli::same(&cli, &ours, true) || cli.is_err() {
                failures.push(cli::report(what, &rset, None, &cli, &ours));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn outcomes_compare_numbers_by_value() {
    let a = Outcome::Objects(vec![serde_json::json!({"a": 1, "b": [1.0, "x"]})]);
    let b = Outcome::Objects(vec![serde_json::json!({"b": [1, "x"], "a": 1.0})]);
    assert!(cli::same(&a, &b, true));
    let c = Outcome::Objects(vec![serde_json::json!({"a": "1"})]);
    assert!(!cli::same(&a, &c, true));
}
