//! Tests against Go: `testdata/cases.txt` lists templates and data; `testdata/cases.json` holds
//! what Go's `text/template` printed for each (output or error). Every case here must match.
use std::collections::BTreeMap;

use proptest::prelude::*;

use super::{MAX_TEMPLATE_DEPTH, Options, Template};
use crate::func::{Func, FuncMap, Ty};
use crate::value::Value;

/// The functions the Go side registered, with the same signatures.
fn funcs() -> FuncMap {
    let mut f = FuncMap::new();
    f.insert("inputs", Func::new(&[], None, |env, _| Ok(env.env.clone())));
    f.insert(
        "str1",
        Func::new(&[Ty::String], None, |_, a| match a.first() {
            Some(Value::String(s)) => Ok(Value::string(format!("<{s}>"))),
            _ => Err("bad".into()),
        }),
    );
    f.insert(
        "fl",
        Func::new(&[Ty::Float64], None, |_, a| match a.first() {
            Some(Value::Float(x)) => Ok(Value::Float(x * 2.0)),
            _ => Err("bad".into()),
        }),
    );
    f.insert(
        "i64",
        Func::new(&[Ty::Int64], None, |_, a| match a.first() {
            Some(Value::Int64(x)) => Ok(Value::Int64(x + 1)),
            _ => Err("bad".into()),
        }),
    );
    f.insert(
        "fail",
        Func::new(&[Ty::String], None, |_, a| match a.first() {
            Some(Value::String(s)) => Err(format!("boom: {s}")),
            _ => Err("bad".into()),
        }),
    );
    f.insert(
        "strs",
        Func::new(&[Ty::Strings], None, |_, a| match a.first() {
            Some(Value::List(l)) => Ok(Value::Int(l.items.len() as i64)),
            _ => Err("bad".into()),
        }),
    );
    f.insert(
        "anyf",
        Func::new(&[Ty::Any], None, |_, a| {
            Ok(Value::string(match a.first() {
                None | Some(Value::Nil) => "<nil>".to_string(),
                Some(v) => v.go_type(),
            }))
        }),
    );
    f.insert(
        "varf",
        Func::new(&[Ty::String], Some(Ty::Int), |_, a| {
            let p = match a.first() {
                Some(Value::String(s)) => s.clone(),
                _ => return Err("bad".into()),
            };
            let rest: Vec<String> = a
                .iter()
                .skip(1)
                .map(|v| match v {
                    Value::Int(i) => i.to_string(),
                    _ => "?".to_string(),
                })
                .collect();
            Ok(Value::string(format!("{p}[{}]", rest.join(" "))))
        }),
    );
    f.insert(
        "mk",
        Func::new(&[], None, |_, _| {
            let mut m = BTreeMap::new();
            m.insert("a".to_string(), Value::Int64(1));
            m.insert("n".to_string(), Value::Nil);
            Ok(Value::map(m))
        }),
    );
    f.insert(
        "lst",
        Func::new(&[], None, |_, _| {
            Ok(Value::strings(["x".to_string(), "y".to_string()]))
        }),
    );
    f.insert("nilf", Func::new(&[], None, |_, _| Ok(Value::Nil)));
    f
}

fn env() -> Value {
    Value::from_input_json(&serde_json::json!({"id": 7, "name": "pr-7", "tags": ["a", "b"]}))
}

fn options(opts: &str) -> Options {
    let mut o = Options::default();
    for w in opts.split_whitespace() {
        match w {
            "angle" => {
                o.left_delim = "<<".into();
                o.right_delim = ">>".into();
            }
            "missingkey=error" => o.missing_key_error = true,
            _ => {}
        }
    }
    o
}

/// Runs one template as the cases do: `Ok(output)` or `Err((kind, message))`.
fn run(name: &str, tmpl: &str, data: &str, opts: &str) -> Result<String, (String, String)> {
    let data = if data.is_empty() {
        Value::Nil
    } else {
        Value::from_input_json(&serde_json::from_str(data).expect("test data is JSON"))
    };
    let t = Template::parse(name, tmpl, &options(opts), &funcs())
        .map_err(|e| ("parse".to_string(), e.to_string()))?;
    t.execute(&data, &env())
        .map_err(|e| ("exec".to_string(), e.to_string()))
}

#[test]
fn matches_go() {
    let cases: serde_json::Value =
        serde_json::from_str(include_str!("testdata/cases.json")).expect("fixture is JSON");
    let mut failures = Vec::new();
    let cases = cases.as_array().expect("fixture is a list");
    for c in cases {
        let s = |k: &str| c[k].as_str().unwrap_or("").to_string();
        let got = run(&s("name"), &s("tmpl"), &s("data"), &s("opts"));
        let want = if s("err").is_empty() {
            Ok(s("out"))
        } else {
            // Known divergence: template calls nest at most MAX_TEMPLATE_DEPTH deep, not 100000.
            let limit = format!("({MAX_TEMPLATE_DEPTH})");
            Err((s("kind"), s("err").replace("(100000)", &limit)))
        };
        if got != want {
            failures.push(format!(
                "{}:\n  template: {:?}\n  want: {:?}\n  got:  {:?}",
                s("name"),
                s("tmpl"),
                want,
                got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Go:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
