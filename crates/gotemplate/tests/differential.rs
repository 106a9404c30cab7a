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

#[test]
fn outcomes_compare_numbers_by_value() {
    let a = Outcome::Objects(vec![serde_json::json!({"a": 1, "b": [1.0, "x"]})]);
    let b = Outcome::Objects(vec![serde_json::json!({"b": [1, "x"], "a": 1.0})]);
    assert!(cli::same(&a, &b, true));
    let c = Outcome::Objects(vec![serde_json::json!({"a": "1"})]);
    assert!(!cli::same(&a, &c, true));
}
