//! apimachinery's `YAMLOrJSONDecoder` into unstructured objects, as Flux's
//! `ssautil.ReadObject` and `ssautil.ReadObjects` use it.
use serde_json::{Map, Value};

type Object = Map<String, Value>;

/// How many leading bytes the decoder looks at to decide whether the stream is JSON.
const SNIFF: usize = 2048;

/// Splits a YAML stream into documents at lines starting with `---`, as apimachinery's
/// `YAMLReader` does (the separator line is dropped, except before the first document).
struct Docs<'a> {
    lines: std::iter::Peekable<std::str::Split<'a, char>>,
    done: bool,
}

impl<'a> Docs<'a> {
    fn new(text: &'a str) -> Self {
        Docs {
            lines: text.split('\n').peekable(),
            done: false,
        }
    }
}

impl Iterator for Docs<'_> {
    type Item = Result<String, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut buffer = String::new();
        while let Some(raw) = self.lines.next() {
            let last = self.lines.peek().is_none();
            if last && raw.is_empty() {
                break;
            }
            let line = if last {
                raw
            } else {
                raw.strip_suffix('\r').unwrap_or(raw)
            };
            if let Some(rest) = line.strip_prefix("---") {
                let trimmed = rest.trim();
                if !trimmed.is_empty() && !trimmed.starts_with('#') {
                    self.done = true;
                    return Some(Err(format!("invalid Yaml document separator: {trimmed}")));
                }
                if !buffer.is_empty() {
                    return Some(Ok(buffer));
                }
            }
            buffer.push_str(line);
            buffer.push('\n');
        }
        self.done = true;
        if buffer.is_empty() {
            None
        } else {
            Some(Ok(buffer))
        }
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `Unstructured.UnmarshalJSON`: an object with a kind.
fn unstructured(v: Value, prefix: &str) -> Result<Object, String> {
    match v {
        Value::Object(o) => {
            if o.get("kind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
            {
                let text = serde_json::to_string(&o).unwrap_or_default();
                return Err(format!("{prefix}Object 'Kind' is missing in '{text}'"));
            }
            Ok(o)
        }
        other => Err(format!(
            "{prefix}json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_type(&other)
        )),
    }
}

/// One YAML document into an object (`null` documents give an empty object).
fn yaml_doc(doc: &str) -> Result<Object, String> {
    match super::yaml_to_json(doc)? {
        Value::Null => Ok(Map::new()),
        v => unstructured(v, "error unmarshaling JSON: while decoding JSON: "),
    }
}

/// Numbers as the Kubernetes JSON decoder types them: integers that fit `int64`, else floats.
fn k8s_numbers(v: Value) -> Value {
    match v {
        Value::Number(n) if n.as_i64().is_none() && n.as_u64().is_some() => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        Value::Array(a) => Value::Array(a.into_iter().map(k8s_numbers).collect()),
        Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, v)| (k, k8s_numbers(v))).collect())
        }
        other => other,
    }
}

fn looks_like_json(text: &str) -> bool {
    let head = match text.char_indices().take_while(|(i, _)| *i < SNIFF).last() {
        Some((i, c)) => &text[..i + c.len_utf8()],
        None => "",
    };
    head.trim_start().starts_with('{')
}

/// Decodes the stream into documents, in order; stops at the first error.
fn decode_all(text: &str, first_only: bool) -> Result<Vec<Object>, String> {
    let mut out = Vec::new();
    if looks_like_json(text) {
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
        loop {
            let offset = stream.byte_offset();
            match stream.next() {
                None => return Ok(out),
                Some(Ok(v)) => match unstructured(k8s_numbers(v), "") {
                    Ok(o) => {
                        out.push(o);
                        if first_only {
                            return Ok(out);
                        }
                    }
                    Err(e) if out.len() > 1 => return Err(e),
                    Err(e) => return fallback(text, offset, e, out, first_only),
                },
                Some(Err(e)) => {
                    let msg = format!("json: offset {}: {e}", stream.byte_offset());
                    if out.len() > 1 {
                        return Err(msg);
                    }
                    return fallback(text, offset, msg, out, first_only);
                }
            }
        }
    }
    yaml_docs(text, &mut out, first_only)?;
    Ok(out)
}

/// After a JSON failure: the rest of the stream (from the last good value, past whitespace up
/// to the first line break) is read as YAML; if that fails too, the JSON error stands.
fn fallback(
    text: &str,
    offset: usize,
    json_err: String,
    mut out: Vec<Object>,
    first_only: bool,
) -> Result<Vec<Object>, String> {
    let rest = text.get(offset..).unwrap_or("");
    let mut start = rest.len();
    for (i, c) in rest.char_indices() {
        if !c.is_whitespace() {
            start = i;
            break;
        }
        if c == '\n' {
            start = i + 1;
            break;
        }
    }
    let rest = rest.get(start..).unwrap_or("");
    if rest.is_empty() {
        return Err(json_err);
    }
    match yaml_docs(rest, &mut out, first_only) {
        Ok(()) => Ok(out),
        Err(_) if out.is_empty() => Err(json_err),
        Err(e) => Err(e),
    }
}

fn yaml_docs(text: &str, out: &mut Vec<Object>, first_only: bool) -> Result<(), String> {
    for doc in Docs::new(text) {
        out.push(yaml_doc(&doc?)?);
        if first_only {
            break;
        }
    }
    Ok(())
}

fn is_kubernetes_object(o: &Object) -> bool {
    let s = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let name = o
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    !name.is_empty() && !s("kind").is_empty() && !s("apiVersion").is_empty()
}

fn is_kustomization(o: &Object) -> bool {
    let kind = o.get("kind").and_then(Value::as_str).unwrap_or("");
    let api = o.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    kind.eq_ignore_ascii_case("kustomization") && api.starts_with("kustomize.config.k8s.io/")
}

/// `ssautil.ReadObject`: the first document of a YAML or JSON stream as an object.
pub fn read_object(text: &str) -> Result<Object, String> {
    decode_all(text, true)?
        .into_iter()
        .next()
        .ok_or_else(|| "EOF".to_string())
}

/// `ssautil.ReadObjects`: every Kubernetes object of a YAML or JSON stream. Lists (objects
/// with an `items` array) are replaced by their items; documents without apiVersion, kind
/// or metadata.name, and kustomize configurations, are dropped.
pub fn read_objects(text: &str) -> Result<Vec<Object>, String> {
    let mut objects = Vec::new();
    for o in decode_all(text, false)? {
        if let Some(Value::Array(items)) = o.get("items") {
            for item in items {
                match item {
                    Value::Object(child) => objects.push(child.clone()),
                    _ => {
                        return Err(
                            "items member is not an object: map[string]interface {}".to_string()
                        );
                    }
                }
            }
            continue;
        }
        if is_kubernetes_object(&o) && !is_kustomization(&o) {
            objects.push(o);
        }
    }
    Ok(objects)
}
