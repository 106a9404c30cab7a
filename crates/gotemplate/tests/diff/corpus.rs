//! The hand-written corpus: `tests/corpus/*.yaml`, one case a file.
//!
//! A case holds a ResourceSet, either whole (`rset`) or as parts wrapped in a standard one
//! (`template` for `resourcesTemplate`, `resources`, `spec` for more spec fields), its
//! `--inputs-from` file (`inputs`, absent for none), the CLI's error when it fails (`error`,
//! checked against the CLI so the corpus says what the operator does), and `known_divergence`
//! for a case ours still gets wrong (listed in `DIVERGENCES.md`).
use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};

use crate::cli::{Outcome, report, run_cli, run_ours, same};

pub struct Case {
    pub name: String,
    pub rset: Json,
    pub inputs: Option<Json>,
    pub error: Option<String>,
    pub known_divergence: Option<String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

pub fn load(path: &Path) -> Case {
    let text = std::fs::read_to_string(path).expect("read case");
    let doc: Json = serde_saphyr::from_str(&text)
        .unwrap_or_else(|e| panic!("{}: not YAML: {e}", path.display()));
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rset = match doc.get("rset") {
        Some(r) => r.clone(),
        None => {
            let mut spec = doc.get("spec").cloned().unwrap_or_else(|| json!({}));
            if let Some(t) = doc.get("template") {
                spec["resourcesTemplate"] = t.clone();
            }
            if let Some(r) = doc.get("resources") {
                spec["resources"] = r.clone();
            }
            json!({
                "apiVersion": "fluxcd.controlplane.io/v1",
                "kind": "ResourceSet",
                "metadata": {"name": "test", "namespace": "default"},
                "spec": spec,
            })
        }
    };
    let text_of = |k: &str| doc.get(k).and_then(Json::as_str).map(str::to_string);
    Case {
        name,
        rset,
        inputs: doc.get("inputs").cloned(),
        error: text_of("error"),
        known_divergence: text_of("known_divergence"),
    }
}

pub fn cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    paths.iter().map(|p| load(p)).collect()
}

pub fn run(bin: &Path) {
    let cases = cases();
    let only = std::env::var("KP_DIFF_CASE").ok();
    let mut failures = Vec::new();
    let (mut compared, mut known) = (0, 0);
    let results: Vec<(String, Option<String>)> = std::thread::scope(|s| {
        let chunks: Vec<&[Case]> = cases.chunks(cases.len().div_ceil(4).max(1)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let only = only.clone();
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter(|c| only.as_ref().is_none_or(|o| c.name.contains(o.as_str())))
                        .map(|c| (c.name.clone(), check(bin, c)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("corpus thread"))
            .collect()
    });
    for (name, failure) in results {
        compared += 1;
        let case = cases.iter().find(|c| c.name == name);
        if case.is_some_and(|c| c.known_divergence.is_some()) {
            known += 1;
        }
        if let Some(f) = failure {
            failures.push(format!("[{name}] {f}"));
        }
    }
    println!(
        "corpus: {} cases, {compared} compared with the CLI, {known} marked known_divergence, {} failed",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// None when the case agrees (or diverges as recorded).
fn check(bin: &Path, case: &Case) -> Option<String> {
    let cli = run_cli(bin, &case.rset, case.inputs.as_ref());
    match (&cli, &case.error) {
        (Outcome::Error(e), Some(want)) if e != want => {
            return Some(format!(
                "corpus says the CLI fails with\n  {want}\nbut it fails with\n  {e}"
            ));
        }
        (Outcome::Error(e), None) => {
            return Some(format!(
                "the CLI fails; record it in the case: error: {e:?}"
            ));
        }
        (Outcome::Objects(_), Some(want)) => {
            return Some(format!(
                "corpus says the CLI fails with {want:?}, but it succeeds"
            ));
        }
        _ => {}
    }
    let ours = run_ours(&case.rset, case.inputs.as_ref());
    let agree = same(&cli, &ours, true);
    match (&case.known_divergence, agree) {
        (None, true) => None,
        (None, false) => Some(report(
            &case.name,
            &case.rset,
            case.inputs.as_ref(),
            &cli,
            &ours,
        )),
        (Some(reason), false) => {
            if std::env::var_os("KP_DIFF_SHOW_KNOWN").is_some() {
                println!(
                    "known divergence ({reason}):\n{}",
                    report(&case.name, &case.rset, case.inputs.as_ref(), &cli, &ours)
                );
            }
            None
        }
        (Some(reason), true) => Some(format!(
            "marked known_divergence ({reason}) but now agrees: remove the mark"
        )),
    }
}
