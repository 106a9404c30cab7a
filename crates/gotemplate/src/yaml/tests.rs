//! Cases checked against the Go libraries (`testdata/*.jsonl`: one case a line, with the
//! input and what Go returned, `out` or `err`), plus properties.
use super::*;
use serde_json::Value as J;

/// Inputs where this implementation knowingly differs from Go (see the module docs).
const KNOWN: &[&str] = &[
    // serde_json reads `-0` and `-0.0` alike; go-yaml reads the first as an integer
    "-0.0",
    "{\"n\": -0.0}",
    // go-yaml rejects a tab that starts a block-context token; granit-parser allows it
    "\tb: 1",
];

fn cases(data: &str) -> Vec<J> {
    data.lines()
        .filter_map(|l| serde_json::from_str::<J>(l).ok())
        .filter(|c| {
            let input = c["in"].as_str().unwrap_or_default();
            // deeper than this reader's nesting limit (go-yaml allows 10000)
            !KNOWN.contains(&input) && !input.contains(&"[".repeat(600))
        })
        .collect()
}

/// Go's JSON text as the Kubernetes decoder types numbers.
fn k8s_json(text: &str) -> J {
    fn fix(v: J) -> J {
        match v {
            J::Number(n) if n.as_f64() == Some(0.0) => J::from(0),
            J::Number(n) if n.as_i64().is_none() => n
                .as_f64()
                .and_then(serde_json::Number::from_f64)
                .map_or(J::Null, J::Number),
            J::Number(n) => {
                // "1.0"-like text cannot come from Go's encoder; integers stay integers
                J::Number(n)
            }
            J::Array(a) => J::Array(a.into_iter().map(fix).collect()),
            J::Object(o) => J::Object(o.into_iter().map(|(k, v)| (k, fix(v))).collect()),
            other => other,
        }
    }
    fix(serde_json::from_str(text).unwrap_or(J::Null))
}

#[test]
fn json_to_yaml_matches_go() {
    let mut bad = Vec::new();
    let all = cases(include_str!("testdata/j2y.jsonl"));
    assert!(all.len() > 100);
    for case in all {
        let input = case["in"].as_str().unwrap_or_default();
        // serde_json rounds integers beyond 2^64 differently from Go's ParseFloat
        let Ok(v) = serde_json::from_str::<J>(input) else {
            continue;
        };
        if input.contains("123456789012345678901234") {
            continue;
        }
        if case.get("err").is_some() {
            continue;
        }
        let want = case["out"].as_str().unwrap_or_default();
        let got = json_to_yaml(&v);
        if got != want {
            bad.push(format!("{input}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn yaml_to_json_matches_go() {
    let mut bad = Vec::new();
    for case in cases(include_str!("testdata/y2j.jsonl")) {
        let input = case["in"].as_str().unwrap_or_default();
        let got = yaml_to_json(input);
        match (case.get("err"), got) {
            (Some(_), Err(_)) => {}
            (Some(e), Ok(v)) => bad.push(format!("{input:?}\n  want err {e}\n  got  {v}")),
            (None, Err(e)) => bad.push(format!("{input:?}\n  want {}\n  got err {e}", case["out"])),
            (None, Ok(v)) => {
                let want = k8s_json(case["out"].as_str().unwrap_or("null"));
                if v != want {
                    bad.push(format!("{input:?}\n  want {want}\n  got  {v}"));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// Equality where numbers compare by value (Go's output of a float64 1 is `1`), and an
/// empty object equals `null` (Go's empty Unstructured).
fn loose_eq(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Number(x), J::Number(y)) => x.as_f64() == y.as_f64(),
        (J::Object(o), J::Null) | (J::Null, J::Object(o)) => o.is_empty(),
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| loose_eq(p, q))
        }
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| loose_eq(v, w)))
        }
        _ => a == b,
    }
}

fn objects_match(data: &str, read: impl Fn(&str) -> Result<Vec<J>, String>) {
    let mut bad = Vec::new();
    for case in cases(data) {
        let input = case["in"].as_str().unwrap_or_default();
        let got = read(input);
        match (case.get("err"), got) {
            (Some(_), Err(_)) => {}
            (Some(e), Ok(v)) => bad.push(format!("{input:?}\n  want err {e}\n  got  {v:?}")),
            (None, Err(e)) => bad.push(format!("{input:?}\n  want {}\n  got err {e}", case["out"])),
            (None, Ok(v)) => {
                let want: Vec<J> = match &case["out"] {
                    J::Array(a) => a
                        .iter()
                        .map(|s| k8s_json(s.as_str().unwrap_or("null")))
                        .collect(),
                    J::String(s) => vec![k8s_json(s)],
                    _ => Vec::new(),
                };
                if !loose_eq(&J::Array(v.clone()), &J::Array(want.clone())) {
                    bad.push(format!("{input:?}\n  want {want:?}\n  got  {v:?}"));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn read_objects_matches_go() {
    objects_match(include_str!("testdata/objs.jsonl"), |s| {
        read_objects(s).map(|v| v.into_iter().map(J::Object).collect())
    });
}

#[test]
fn read_object_matches_go() {
    objects_match(include_str!("testdata/obj.jsonl"), |s| {
        read_object(s).map(|o| vec![J::Object(o)])
    });
}

#[test]
fn deep_nesting_fails_cleanly() {
    let deep = format!("a: {}{}", "[".repeat(600), "]".repeat(600));
    assert!(yaml_to_json(&deep).is_err());
    let deep = format!("a: {}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(yaml_to_json(&deep).is_err());
    let ok = format!("a: {}{}", "[".repeat(300), "]".repeat(300));
    assert!(yaml_to_json(&ok).is_ok());
}

#[test]
#[ignore = "prints Go's and this reader's error messages side by side"]
fn print_errors() {
    for case in cases(include_str!("testdata/y2j.jsonl")) {
        if let Some(e) = case.get("err") {
            let input = case["in"].as_str().unwrap_or_default();
            let got = yaml_to_json(input).err().unwrap_or_default();
            println!("{input:?}\n  go:   {e}\n  rust: {got}");
        }
    }
}
