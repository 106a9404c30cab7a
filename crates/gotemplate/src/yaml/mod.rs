//! YAML as `sigs.k8s.io/yaml` (go-yaml v2) writes and reads it, and the Kubernetes object
//! readers the Flux Operator uses on rendered templates (`ssautil.ReadObject(s)`).
//!
//! - [`json_to_yaml`], [`json_to_yaml_checked`], [`to_yaml`]: go-yaml v2's emitter (key
//!   order, indentation, scalar styles, folding at column 80), fed as `JSONToYAML` feeds it:
//!   Go's JSON text read back by go-yaml.
//! - [`yaml_to_json`]: go-yaml v2's YAML 1.1 reading (on granit-parser's events, with
//!   go-yaml's resolution, merge keys, alias limits and scanner rules), then JSON as
//!   Kubernetes decodes it.
//! - [`read_object`], [`read_objects`]: apimachinery's YAML-or-JSON document stream.
//!
//! Known differences from Go:
//! - nesting deeper than 512 levels fails (go-yaml allows 10000);
//! - where go-yaml's key order is not transitive (keys such as `a01`, `a10`, `a1b2`), Go's
//!   output depends on its random map order; this one is fixed. Non-ASCII letters and
//!   digits in keys are classed by Rust's `char` predicates, not Go's `unicode` tables;
//! - LS and PS inside block scalars are not line breaks here (go-yaml's reader breaks
//!   lines at them);
//! - granit-parser's syntax checks are not libyaml's in every corner: error texts and lines
//!   are mapped to go-yaml's for the common errors only, and some documents one accepts may
//!   fail in the other (anchor names with `:`, which go-yaml ends at the `:`, fail here);
//! - `json_to_yaml` cannot fail; `json_to_yaml_checked` reports go-yaml's failures on Go's
//!   JSON (keys over 1022 characters or holding a NEL, DEL and C1 controls);
//! - a JSON `-0.0` is read as `0` (serde_json does not keep `-0` and `-0.0` apart).
mod emit;
mod gofloat;
mod objects;
mod read;
mod resolve;
#[cfg(test)]
mod tests;

use std::rc::Rc;

use crate::value::Value;
use emit::Node;

pub use objects::{read_object, read_objects};

/// What go-yaml reads from a JSON string as Go's encoder writes it: the string is a YAML
/// double-quoted scalar, where a raw NEL (U+0085, which Go does not escape) is a line break
/// and folds with the spaces around it (one break: a space; n breaks: n-1 newlines).
fn fold_nel(s: &str) -> String {
    if !s.contains('\u{85}') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut pending_spaces = 0usize;
    let mut breaks = 0usize;
    let flush = |out: &mut String, breaks: &mut usize, spaces: &mut usize| {
        if *breaks == 1 {
            out.push(' ');
        } else if *breaks > 1 {
            out.extend(std::iter::repeat_n('\n', *breaks - 1));
        } else {
            out.extend(std::iter::repeat_n(' ', *spaces));
        }
        *breaks = 0;
        *spaces = 0;
    };
    for c in s.chars() {
        match c {
            ' ' => pending_spaces += 1,
            '\u{85}' => {
                breaks += 1;
                pending_spaces = 0;
            }
            _ => {
                flush(&mut out, &mut breaks, &mut pending_spaces);
                out.push(c);
            }
        }
    }
    flush(&mut out, &mut breaks, &mut pending_spaces);
    out
}

/// A JSON value as go-yaml decodes JSON text into `interface{}`.
fn json_node(v: &serde_json::Value) -> Node {
    match v {
        serde_json::Value::Null => Node::Null,
        serde_json::Value::Bool(b) => Node::Bool(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Node::Int(i)
            } else if n.as_f64() == Some(0.0) {
                // `-0`: an integer to go-yaml
                Node::Int(0)
            } else if let Some(u) = n.as_u64() {
                Node::Uint(u)
            } else {
                Node::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::String(s) => Node::Str(fold_nel(s)),
        serde_json::Value::Array(a) => Node::Seq(a.iter().map(json_node).collect()),
        serde_json::Value::Object(o) => {
            Node::Map(o.iter().map(|(k, v)| (fold_nel(k), json_node(v))).collect())
        }
    }
}

/// How many characters Go's `json.Marshal` writes for a string's content (HTML-safe
/// escaping: `<`, `>`, `&`, U+2028, U+2029 and most control characters take six).
fn go_json_len(s: &str) -> usize {
    s.chars()
        .map(|c| match c {
            '"' | '\\' | '\u{8}' | '\u{c}' | '\n' | '\r' | '\t' => 2,
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => 6,
            c if (c as u32) < 0x20 => 6,
            _ => 1,
        })
        .sum()
}

/// Whether Go's JSON text of `v` holds characters go-yaml refuses to read (DEL, C1
/// controls, U+FFFE, U+FFFF; Go's encoder escapes the C0 controls).
fn has_control(v: &serde_json::Value) -> bool {
    let bad = |s: &str| s.chars().any(|c| c >= ' ' && !read::readable(c));
    match v {
        serde_json::Value::String(s) => bad(s),
        serde_json::Value::Array(a) => a.iter().any(has_control),
        serde_json::Value::Object(o) => o.iter().any(|(k, v)| bad(k) || has_control(v)),
        _ => false,
    }
}

/// Where go-yaml fails reading Go's JSON text: a flow-mapping key is a simple key, which
/// must stay on one line (a raw NEL is a line break) and within 1024 characters of its `:`.
/// Returns the 0-based line of the failure. `nels` counts the line breaks read so far.
fn json_key_failure(v: &serde_json::Value, nels: &mut usize) -> Option<usize> {
    let count = |s: &str| s.chars().filter(|&c| c == '\u{85}').count();
    match v {
        serde_json::Value::String(s) => *nels += count(s),
        serde_json::Value::Array(a) => {
            for item in a {
                if let Some(line) = json_key_failure(item, nels) {
                    return Some(line);
                }
            }
        }
        serde_json::Value::Object(o) => {
            for (k, item) in o {
                let breaks = count(k);
                *nels += breaks;
                if breaks > 0 || go_json_len(k) + 2 > 1024 {
                    return Some(*nels);
                }
                if let Some(line) = json_key_failure(item, nels) {
                    return Some(line);
                }
            }
        }
        _ => {}
    }
    None
}

/// `sigs.k8s.io/yaml.JSONToYAML` of the JSON text Go's encoder writes for `v`, with
/// go-yaml's one failure on such text: an object key longer than 1022 JSON characters or
/// holding a NEL.
pub fn json_to_yaml_checked(v: &serde_json::Value) -> Result<String, String> {
    if has_control(v) {
        return Err(read::CONTROL.to_string());
    }
    if let Some(line) = json_key_failure(v, &mut 0) {
        let problem = "did not find expected ',' or '}'";
        return Err(if line == 0 {
            format!("yaml: {problem}")
        } else {
            format!("yaml: line {line}: {problem}")
        });
    }
    Ok(emit::emit(&json_node(v)))
}

/// `sigs.k8s.io/yaml.JSONToYAML`. Where Go fails (see [`json_to_yaml_checked`]), this
/// still writes the YAML.
pub fn json_to_yaml(v: &serde_json::Value) -> String {
    emit::emit(&json_node(v))
}

/// `encoding/json.Marshal` of a Go value, as go-yaml then reads the JSON text back (the
/// key checks of [`json_key_failure`] are made on the JSON value afterwards).
fn go_json_node(v: &Value, path: &mut Vec<usize>) -> Result<Node, String> {
    Ok(match v {
        Value::Nil => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(i) | Value::Int64(i) => Node::Int(*i),
        Value::Float(f) => {
            let text = gofloat::format_json(*f)
                .ok_or_else(|| format!("json: unsupported value: {}", gofloat::format_g64(*f)))?;
            match resolve::resolve("", &text) {
                Ok(resolve::Scalar::Int(i)) => Node::Int(i),
                Ok(resolve::Scalar::Uint(u)) => Node::Uint(u),
                _ => Node::Float(*f),
            }
        }
        Value::String(s) => Node::Str(fold_nel(s)),
        Value::List(l) => {
            let id = Rc::as_ptr(l) as usize;
            if path.contains(&id) {
                return Err(format!(
                    "json: unsupported value: encountered a cycle via {}",
                    v.go_type()
                ));
            }
            path.push(id);
            let items = l
                .items
                .iter()
                .map(|i| go_json_node(i, path))
                .collect::<Result<_, _>>();
            path.pop();
            Node::Seq(items?)
        }
        Value::Map(m) => {
            let id = Rc::as_ptr(m) as usize;
            if path.contains(&id) {
                return Err(format!(
                    "json: unsupported value: encountered a cycle via {}",
                    v.go_type()
                ));
            }
            let map = m
                .try_borrow()
                .map_err(|_| "json: map is being changed".to_string())?;
            path.push(id);
            let entries = map
                .entries
                .iter()
                .map(|(k, v)| Ok((fold_nel(k), go_json_node(v, path)?)))
                .collect::<Result<_, String>>();
            path.pop();
            Node::Map(entries?)
        }
    })
}

/// The strings and keys of a Go value as JSON (numbers left out: only the text of strings
/// and keys matters to [`json_key_failure`]); None when no key could fail.
fn json_keys_of(v: &Value) -> Option<serde_json::Value> {
    fn walk(v: &Value, depth: usize) -> serde_json::Value {
        if depth > 10_000 {
            return serde_json::Value::Null;
        }
        match v {
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(l) => {
                serde_json::Value::Array(l.items.iter().map(|i| walk(i, depth + 1)).collect())
            }
            Value::Map(m) => match m.try_borrow() {
                Ok(m) => serde_json::Value::Object(
                    m.entries
                        .iter()
                        .map(|(k, v)| (k.clone(), walk(v, depth + 1)))
                        .collect(),
                ),
                Err(_) => serde_json::Value::Null,
            },
            _ => serde_json::Value::Null,
        }
    }
    fn risky(v: &Value, depth: usize) -> bool {
        let bad = |s: &str| s.chars().any(|c| c >= ' ' && !read::readable(c));
        depth <= 10_000
            && match v {
                Value::String(s) => bad(s),
                Value::List(l) => l.items.iter().any(|i| risky(i, depth + 1)),
                Value::Map(m) => m.try_borrow().is_ok_and(|m| {
                    m.entries.iter().any(|(k, v)| {
                        k.len() > 160 || k.contains('\u{85}') || bad(k) || risky(v, depth + 1)
                    })
                }),
                _ => false,
            }
    }
    risky(v, 0).then(|| walk(v, 0))
}

/// `sigs.k8s.io/yaml.Marshal`: what the Flux Operator's `toYaml` returns.
pub fn to_yaml(v: &Value) -> Result<String, String> {
    let node =
        go_json_node(v, &mut Vec::new()).map_err(|e| format!("error marshaling into JSON: {e}"))?;
    if let Some(json) = json_keys_of(v) {
        json_to_yaml_checked(&json)?;
    }
    Ok(emit::emit(&node))
}

/// `sigs.k8s.io/yaml.YAMLToJSON` of the first document, decoded as Kubernetes decodes JSON
/// into unstructured objects (integer text that fits `int64` is an integer).
pub fn yaml_to_json(text: &str) -> Result<serde_json::Value, String> {
    read::yaml_to_json(text).map_err(|e| format!("error converting YAML to JSON: {e}"))
}
