//! YAML as `sigs.k8s.io/yaml` (go-yaml v2) writes and reads it, and the Kubernetes object
//! readers the Flux Operator uses on rendered templates (`ssautil.ReadObject(s)`).
//!
//! - [`json_to_yaml`], [`to_yaml`]: go-yaml v2's emitter (key order, indentation, scalar
//!   styles, folding at column 80).
//! - [`yaml_to_json`]: go-yaml v2's YAML 1.1 reading, then JSON as Kubernetes decodes it.
//! - [`read_object`], [`read_objects`]: apimachinery's YAML-or-JSON document stream.
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

/// `sigs.k8s.io/yaml.JSONToYAML`.
pub fn json_to_yaml(v: &serde_json::Value) -> String {
    emit::emit(&json_node(v))
}

/// `encoding/json.Marshal` of a Go value, as go-yaml then reads the JSON text back.
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

/// `sigs.k8s.io/yaml.Marshal`: what the Flux Operator's `toYaml` returns.
pub fn to_yaml(v: &Value) -> Result<String, String> {
    let node =
        go_json_node(v, &mut Vec::new()).map_err(|e| format!("error marshaling into JSON: {e}"))?;
    Ok(emit::emit(&node))
}

/// `sigs.k8s.io/yaml.YAMLToJSON` of the first document, decoded as Kubernetes decodes JSON
/// into unstructured objects (integer text that fits `int64` is an integer).
pub fn yaml_to_json(text: &str) -> Result<serde_json::Value, String> {
    read::yaml_to_json(text).map_err(|e| format!("error converting YAML to JSON: {e}"))
}
