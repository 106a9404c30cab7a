//! The Flux Operator's steps around the template engine: how a ResourceSet's inputs are
//! gathered and combined, how its templates become objects (per input set, per step), which
//! objects are dropped (reconcile disabled, duplicates), and what `flux-operator build rset`
//! prints. Everything here works on `serde_json` data and must behave, and word its errors,
//! as the operator does: the plugin's preview is only useful if it is what Flux will apply.
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::OnceLock;

use serde_json::{Map as JsonMap, Value as Json};

use crate::func::{Func, FuncMap};
use crate::template::{Options, Template};
use crate::value::Value;
use crate::{sprig, yaml};

/// The operator's API group.
pub const GROUP: &str = "fluxcd.controlplane.io";
/// The apiVersion of ResourceSets and ResourceSetInputProviders.
pub const API_VERSION: &str = "fluxcd.controlplane.io/v1";
/// The annotation that, set to `disabled`, keeps a generated object out of the build.
pub const RECONCILE_ANNOTATION: &str = "fluxcd.controlplane.io/reconcile";
/// The owner labels the CLI (and the controller) put on every generated object.
pub const OWNER_NAME_LABEL: &str = "resourceset.fluxcd.controlplane.io/name";
pub const OWNER_NAMESPACE_LABEL: &str = "resourceset.fluxcd.controlplane.io/namespace";

/// The operator's cap on the number of Permute combinations.
pub const MAX_PERMUTATIONS: u64 = 10_000;

/// An error, worded as the operator words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

fn err(msg: impl Into<String>) -> Error {
    Error(msg.into())
}

/// How the input sets of several providers are combined (`spec.inputStrategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Every provider's input sets, one after the other.
    Flatten,
    /// The Cartesian product of the providers' input sets, each nested under its provider's
    /// normalized name.
    Permute { include_empty_providers: bool },
}

impl Strategy {
    /// `spec.inputStrategy` as the operator reads it: absent or unnamed is Flatten, and
    /// `includeEmptyProviders` only counts for Permute.
    pub fn from_spec(spec: &Json) -> Result<Strategy, Error> {
        let Some(st) = spec.get("inputStrategy").filter(|s| !s.is_null()) else {
            return Ok(Strategy::Flatten);
        };
        let name = st.get("name").and_then(Json::as_str).unwrap_or("");
        let include = st
            .get("includeEmptyProviders")
            .and_then(Json::as_bool)
            .unwrap_or(false);
        match name {
            "" | "Flatten" => Ok(Strategy::Flatten),
            "Permute" => Ok(Strategy::Permute {
                include_empty_providers: include,
            }),
            other => Err(err(format!("unknown input strategy: '{other}'"))),
        }
    }
}

/// A source of input sets: the ResourceSet itself (its inline `spec.inputs`) or an input
/// provider (its exported inputs).
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    /// The input sets, as JSON objects.
    pub inputs: Vec<JsonMap<String, Json>>,
}

impl Provider {
    /// The ResourceSet as the first provider: its name, namespace and inline inputs.
    pub fn resource_set(manifest: &Json) -> Result<Provider, Error> {
        let meta = manifest.get("metadata");
        let field = |k: &str| {
            meta.and_then(|m| m.get(k))
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string()
        };
        let inputs = manifest
            .get("spec")
            .and_then(|s| s.get("inputs"))
            .map(inline_inputs)
            .transpose()?
            .unwrap_or_default();
        Ok(Provider {
            api_version: API_VERSION.to_string(),
            kind: "ResourceSet".to_string(),
            name: field("name"),
            namespace: field("namespace"),
            inputs,
        })
    }

    /// `schema.GroupVersionKind.String()`, the first sort key of providers.
    fn gvk_string(&self) -> String {
        let (group, version) = match self.api_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", self.api_version.as_str()),
        };
        format!("{group}/{version}, Kind={}", self.kind)
    }
}

/// The operator's failure on an inline input whose value is `null`: the value decodes to a
/// nil `*apiextensionsv1.JSON` that `GetInputs` dereferences.
pub const NULL_INPUT_PANIC: &str =
    "panic: runtime error: invalid memory address or nil pointer dereference";

/// `spec.inputs` (or an `--inputs-from` file): a list of objects; `null` is no inputs.
pub fn inline_inputs(list: &Json) -> Result<Vec<JsonMap<String, Json>>, Error> {
    match list {
        Json::Null => Ok(Vec::new()),
        Json::Array(items) => items
            .iter()
            .map(|item| match item {
                Json::Object(m) if m.values().any(Json::is_null) => Err(err(NULL_INPUT_PANIC)),
                Json::Object(m) => Ok(m.clone()),
                // A null list item decodes to an empty input set.
                Json::Null => Ok(JsonMap::new()),
                other => Err(err(format!(
                    "error parsing inputs: json: cannot unmarshal {} into Go value of type v1.ResourceSetInput",
                    json_kind(other)
                ))),
            })
            .collect(),
        other => Err(err(format!(
            "error parsing inputs: json: cannot unmarshal {} into Go value of type []v1.ResourceSetInput",
            json_kind(other)
        ))),
    }
}

/// Where `spec.inputs` (or an inputs file) is not a list of objects: the JSON kind found and
/// whether it is a list item (Go's `v1.ResourceSetInput`) or the whole (`[]v1.ResourceSetInput`).
fn inputs_shape_error(list: &Json) -> Option<(&'static str, &'static str)> {
    match list {
        Json::Null => None,
        Json::Array(items) => items
            .iter()
            .find(|i| !matches!(i, Json::Object(_) | Json::Null))
            .map(|i| (json_kind(i), "v1.ResourceSetInput")),
        other => Some((json_kind(other), "[]v1.ResourceSetInput")),
    }
}

/// A typed string field as `sigs.k8s.io/yaml` decodes it: a number or a bool where a Go
/// string is expected becomes its text (floats as `strconv.FormatFloat(f, 'g', -1, 32)`).
fn go_string(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Bool(b) => Some(b.to_string()),
        Json::Number(n) => Some(match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => u.to_string(),
            (None, None, Some(f)) => format_g32(f),
            _ => n.to_string(),
        }),
        _ => None,
    }
}

/// Go's `%g` of a float32 with the shortest precision: exponent form when the decimal
/// exponent is below -4 or at least 6 (`e+06`, two exponent digits at least).
fn format_g32(f: f64) -> String {
    let f = f as f32;
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, as Go's -1 precision does.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    format!("{f}")
}

/// The string fields the CLI decodes into Go strings, coerced as it coerces them.
fn coerce_string_fields(manifest: &mut JsonMap<String, Json>) {
    fn at(v: &mut Json, key: &str) {
        if let Some(x) = v.get_mut(key)
            && !x.is_string()
            && let Some(s) = go_string(x)
        {
            *x = Json::String(s);
        }
    }
    fn values(v: Option<&mut Json>) {
        if let Some(Json::Object(m)) = v {
            for x in m.values_mut() {
                if !x.is_string()
                    && let Some(s) = go_string(x)
                {
                    *x = Json::String(s);
                }
            }
        }
    }
    if let Some(meta) = manifest.get_mut("metadata") {
        at(meta, "name");
        at(meta, "namespace");
    }
    let Some(spec) = manifest.get_mut("spec") else {
        return;
    };
    at(spec, "resourcesTemplate");
    if let Some(st) = spec.get_mut("inputStrategy") {
        at(st, "name");
    }
    if let Some(cm) = spec.get_mut("commonMetadata") {
        values(cm.get_mut("labels"));
        values(cm.get_mut("annotations"));
    }
    if let Some(Json::Array(steps)) = spec.get_mut("steps") {
        for step in steps {
            at(step, "name");
            at(step, "resourcesTemplate");
        }
    }
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "bool",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

/// The combined input sets, in the order the operator renders them. Each is a Go
/// `map[string]interface {}`; maps are shared where the operator shares them (a Permute
/// combination holds the very provider set other combinations hold).
pub type Combined = Vec<Value>;

/// `inputs.Combine`: the ResourceSet's own input sets first, then each provider's (sorted by
/// GVK string, namespace, name), every set annotated with its `provider`, combined by the
/// strategy.
pub fn combine(
    rset: &Provider,
    providers: &[Provider],
    strategy: Strategy,
) -> Result<Combined, Error> {
    let mut sorted: Vec<&Provider> = providers.iter().collect();
    sorted.sort_by(|a, b| {
        (a.gvk_string(), &a.namespace, &a.name).cmp(&(b.gvk_string(), &b.namespace, &b.name))
    });
    let all = std::iter::once(rset).chain(sorted);

    let mut flat: Combined = Vec::new();
    // Permute: (normalized name, the provider's sets).
    let mut scoped: Vec<(String, Vec<Value>)> = Vec::new();
    let mut expected: u64 = 0;

    for p in all {
        let sets: Vec<Value> = p.inputs.iter().map(|set| input_set(p, set)).collect();
        match strategy {
            Strategy::Flatten => flat.extend(sets),
            Strategy::Permute {
                include_empty_providers,
            } => {
                if !include_empty_providers && sets.is_empty() {
                    continue;
                }
                let n = sets.len() as u64;
                expected = if scoped.is_empty() {
                    n
                } else {
                    expected.saturating_mul(n)
                };
                let fail = |msg: String| {
                    err(format!(
                        "failed to get inputs from {}/{}: {msg}",
                        p.kind, p.name
                    ))
                };
                if expected > MAX_PERMUTATIONS {
                    return Err(fail(format!(
                        "adding provider '{}' with {} inputs would exceed the maximum allowed permutations. max: {}, got: {}",
                        p.name, n, MAX_PERMUTATIONS, expected
                    )));
                }
                let key = normalize_key_for_template(&p.name);
                if key.is_empty() {
                    return Err(fail(format!(
                        "normalized provider name is empty: '{}'",
                        p.name
                    )));
                }
                scoped.push((key, sets));
            }
        }
    }

    match strategy {
        Strategy::Flatten => Ok(flat),
        Strategy::Permute { .. } => Ok(permute(&scoped)),
    }
}

/// One input set as the operator decodes it, with the `provider` reference it adds.
fn input_set(p: &Provider, set: &JsonMap<String, Json>) -> Value {
    let mut entries: BTreeMap<String, Value> = set
        .iter()
        .map(|(k, v)| (k.clone(), Value::from_input_json(v)))
        .collect();
    let provider: BTreeMap<String, Value> = [
        ("apiVersion", &p.api_version),
        ("kind", &p.kind),
        ("name", &p.name),
        ("namespace", &p.namespace),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), Value::string(v.clone())))
    .collect();
    entries.insert("provider".to_string(), Value::map(provider));
    Value::map(entries)
}

/// The Cartesian product, first provider varying slowest, each combination's `id` the
/// Adler-32 of `name=idx/name=idx...`.
fn permute(scoped: &[(String, Vec<Value>)]) -> Combined {
    if scoped.is_empty() || scoped.iter().any(|(_, s)| s.is_empty()) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut idx = vec![0usize; scoped.len()];
    loop {
        let mut entries = BTreeMap::new();
        let mut id = Vec::with_capacity(scoped.len());
        for (i, (name, sets)) in scoped.iter().enumerate() {
            entries.insert(name.clone(), sets[idx[i]].clone());
            id.push(format!("{name}={}", idx[i]));
        }
        entries.insert(
            "id".to_string(),
            Value::string(adler32(id.join("/").as_bytes()).to_string()),
        );
        out.push(Value::map(entries));
        // Odometer step, the last provider fastest.
        let mut pos = scoped.len();
        loop {
            if pos == 0 {
                return out;
            }
            pos -= 1;
            idx[pos] += 1;
            if idx[pos] < scoped[pos].1.len() {
                break;
            }
            idx[pos] = 0;
        }
    }
}

/// Adler-32 (`hash/adler32`), the operator's short input-set IDs.
pub fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// The operator's `inputs.ID`: what the CLI sets as a static provider's `id`.
pub fn input_id(s: &str) -> String {
    adler32(s.as_bytes()).to_string()
}

/// A Static ResourceSetInputProvider as the CLI loads it from a file: its default values
/// with `id` set to [`input_id`] of its name (a cluster would use its UID), one input set.
pub fn static_provider(
    name: &str,
    namespace: &str,
    default_values: &JsonMap<String, Json>,
) -> Provider {
    let mut set = default_values.clone();
    set.insert("id".to_string(), Json::String(input_id(name)));
    Provider {
        api_version: API_VERSION.to_string(),
        kind: "ResourceSetInputProvider".to_string(),
        name: name.to_string(),
        namespace: namespace.to_string(),
        inputs: vec![set],
    }
}

/// `NormalizeKeyForTemplate`: lower case; spaces and punctuation separate words; anything
/// else outside `[a-z0-9]` is dropped; words joined by `_`.
pub fn normalize_key_for_template(key: &str) -> String {
    let mapped: String = key
        .chars()
        .filter_map(|c| {
            let r = go_to_lower(c);
            if r.is_whitespace() || is_go_punct(r) {
                Some('_')
            } else if r.is_ascii_lowercase() || r.is_ascii_digit() {
                Some(r)
            } else {
                None
            }
        })
        .collect();
    mapped
        .split('_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// Go's `unicode.ToLower` maps one rune to one rune; Rust's may give several (`İ` gives `i`
/// and a combining dot), of which Go's is the first.
fn go_to_lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Go's `unicode.IsPunct` (category P): in ASCII, `$+<=>^`|~` are symbols, not punctuation.
fn is_go_punct(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation()
            && !matches!(c, '$' | '+' | '<' | '=' | '>' | '^' | '`' | '|' | '~');
    }
    matches!(c,
        '\u{a1}' | '\u{a7}' | '\u{ab}' | '\u{b6}' | '\u{b7}' | '\u{bb}' | '\u{bf}'
        | '\u{37e}' | '\u{387}'
        | '\u{55a}'..='\u{55f}' | '\u{589}' | '\u{58a}'
        | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{2043}' | '\u{2045}'..='\u{2051}'
        | '\u{2053}'..='\u{205e}' | '\u{207d}' | '\u{207e}' | '\u{208d}' | '\u{208e}'
        | '\u{2308}'..='\u{230b}' | '\u{2329}' | '\u{232a}'
        | '\u{2e00}'..='\u{2e2e}' | '\u{2e30}'..='\u{2e4f}'
        | '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}' | '\u{3014}'..='\u{301f}'
        | '\u{30fb}' | '\u{fe10}'..='\u{fe19}' | '\u{fe30}'..='\u{fe52}' | '\u{fe54}'..='\u{fe61}'
        | '\u{ff01}'..='\u{ff03}' | '\u{ff05}'..='\u{ff0a}' | '\u{ff0c}'..='\u{ff0f}'
        | '\u{ff1a}' | '\u{ff1b}' | '\u{ff1f}' | '\u{ff20}' | '\u{ff3b}'..='\u{ff3d}'
        | '\u{ff3f}' | '\u{ff5b}' | '\u{ff5d}' | '\u{ff5f}'..='\u{ff65}')
}

/// Where a generated object came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `resources[i]` of the ResourceSet or step.
    Resources(usize),
    /// The ResourceSet's or step's `resourcesTemplate`.
    ResourcesTemplate,
}

/// A generated object the build keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub object: JsonMap<String, Json>,
    /// The template that produced the kept copy.
    pub source: Source,
    /// Every input set (index in the combined inputs) that produced an object of this
    /// identity in this step, the kept copy's first; empty when rendered without inputs.
    pub inputs: Vec<usize>,
}

/// Why a generated object was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Annotated `fluxcd.controlplane.io/reconcile: disabled`.
    Disabled,
    /// An object of the same group, kind, namespace and name came first.
    Duplicate,
}

/// A generated object left out of the build.
#[derive(Debug, Clone, PartialEq)]
pub struct Dropped {
    pub object: JsonMap<String, Json>,
    pub source: Source,
    pub input: Option<usize>,
    pub reason: DropReason,
}

/// The objects of one step (the single anonymous step of a steps-less ResourceSet).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Step {
    /// Empty for the anonymous step.
    pub name: String,
    pub timeout: Option<String>,
    pub objects: Vec<Object>,
    pub dropped: Vec<Dropped>,
}

/// The result of building a ResourceSet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Build {
    pub steps: Vec<Step>,
}

impl Build {
    /// All kept objects, steps in order (`FlattenSteps`).
    pub fn objects(&self) -> impl Iterator<Item = &Object> {
        self.steps.iter().flat_map(|s| s.objects.iter())
    }
}

/// What the operator's controller builds: a ResourceSet with `inputsFrom` whose providers
/// gave no input set reconciles nothing; otherwise `BuildResourceSetFromSpec`.
pub fn build(spec: &Json, combined: &[Value]) -> Result<Build, Error> {
    let has_inputs_from = spec
        .get("inputsFrom")
        .and_then(Json::as_array)
        .is_some_and(|a| !a.is_empty());
    if has_inputs_from && combined.is_empty() {
        return Ok(Build::default());
    }
    build_from_spec(spec, combined)
}

/// `BuildResourceSetFromSpec`: validation, then the anonymous step or each named step.
pub fn build_from_spec(spec: &Json, combined: &[Value]) -> Result<Build, Error> {
    let steps = spec
        .get("steps")
        .and_then(Json::as_array)
        .filter(|s| !s.is_empty());
    let resources = |v: &Json| -> Vec<Json> {
        v.get("resources")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let template = |v: &Json| -> String {
        v.get("resourcesTemplate")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string()
    };

    let Some(steps) = steps else {
        let step = build_step(&template(spec), &resources(spec), combined)?;
        return Ok(Build { steps: vec![step] });
    };

    if !resources(spec).is_empty() || !template(spec).is_empty() {
        return Err(err(
            "spec.steps is mutually exclusive with spec.resources and spec.resourcesTemplate",
        ));
    }
    for s in steps {
        if resources(s).is_empty() && template(s).is_empty() {
            return Err(err(format!(
                "step {}: at least one of resources or resourcesTemplate must be set",
                go_quote(&step_name(s))
            )));
        }
    }

    let mut out = Vec::with_capacity(steps.len());
    let mut step_of: HashMap<String, String> = HashMap::new();
    for s in steps {
        let name = step_name(s);
        let mut step = build_step(&template(s), &resources(s), combined)
            .map_err(|e| err(format!("step {}: {e}", go_quote(&name))))?;
        for o in &step.objects {
            let key = object_key(&o.object);
            match step_of.get(&key) {
                Some(prev) if *prev == name => {}
                Some(prev) => {
                    return Err(err(format!(
                        "duplicate resource {} in step {}, already defined in step {}",
                        fmt_object(&o.object),
                        go_quote(&name),
                        go_quote(prev)
                    )));
                }
                None => {
                    step_of.insert(key, name.clone());
                }
            }
        }
        step.name = name;
        step.timeout = s.get("timeout").and_then(Json::as_str).map(str::to_string);
        out.push(step);
    }
    Ok(Build { steps: out })
}

fn step_name(s: &Json) -> String {
    s.get("name")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string()
}

/// The template functions: slim-sprig's hermetic map with the operator's additions, and
/// `inputs`, which returns the input set the template is executed for.
fn funcs() -> &'static FuncMap {
    static FUNCS: OnceLock<FuncMap> = OnceLock::new();
    FUNCS.get_or_init(|| {
        let mut f = sprig::hermetic();
        f.insert("inputs", Func::new(&[], None, |env, _| Ok(env.env.clone())));
        f
    })
}

fn parse(text: &str) -> Result<Template, String> {
    let opts = Options {
        left_delim: "<<".into(),
        right_delim: ">>".into(),
        missing_key_error: true,
    };
    Template::parse("resourceset", text, &opts, funcs()).map_err(|e| e.to_string())
}

/// Records kept objects by identity, for dedup and attribution.
#[derive(Default)]
struct Collector {
    step: Step,
    index: HashMap<String, usize>,
}

impl Collector {
    fn add(
        &mut self,
        object: JsonMap<String, Json>,
        source: Source,
        input: Option<usize>,
        dedup: bool,
    ) {
        if dedup && is_disabled(&object) {
            self.step.dropped.push(Dropped {
                object,
                source,
                input,
                reason: DropReason::Disabled,
            });
            return;
        }
        let key = object_key(&object);
        if let Some(&i) = self.index.get(&key)
            && dedup
        {
            if let (Some(input), Some(kept)) = (input, self.step.objects.get_mut(i))
                && !kept.inputs.contains(&input)
            {
                kept.inputs.push(input);
            }
            self.step.dropped.push(Dropped {
                object,
                source,
                input,
                reason: DropReason::Duplicate,
            });
            return;
        }
        self.index.insert(key, self.step.objects.len());
        self.step.objects.push(Object {
            object,
            source,
            inputs: input.into_iter().collect(),
        });
    }
}

/// `BuildResourceSet`: each `resources` item for every input set, then `resourcesTemplate`
/// for every input set; without input sets each renders once with an empty `inputs`.
fn build_step(yaml_template: &str, templates: &[Json], combined: &[Value]) -> Result<Step, Error> {
    let mut c = Collector::default();
    let no_inputs = Value::map(BTreeMap::new());
    let nil = Value::Nil;

    for (i, tmpl) in templates.iter().enumerate() {
        let wrap = |e: String| {
            if combined.is_empty() {
                err(format!("failed to build resource: {e}"))
            } else {
                err(format!("failed to build resources[{i}]: {e}"))
            }
        };
        let text = yaml::json_to_yaml(tmpl);
        let tp = parse(&text).map_err(|e| wrap(format!("failed to parse template: {e}")))?;
        let execute = |set: &Value| -> Result<String, String> {
            tp.execute(&nil, set)
                .map_err(|e| format!("failed to execute template: {e}"))
        };
        let read = |out: &String| {
            yaml::read_object(out).map_err(|e| format!("failed to read object: {e}"))
        };
        if combined.is_empty() {
            // The operator neither excludes nor deduplicates here.
            let object = execute(&no_inputs).and_then(|t| read(&t)).map_err(wrap)?;
            c.add(object, Source::Resources(i), None, false);
            continue;
        }
        // Templates execute in the operator's order (a `set` on an input set is seen by the
        // templates after it); reading the rendered YAML back, most of the cost, is pure and runs
        // on every core. The first error in the operator's order is the one reported.
        let texts = executed(combined, &execute);
        for (n, object) in read_all(texts, &read).into_iter().enumerate() {
            c.add(object.map_err(wrap)?, Source::Resources(i), Some(n), true);
        }
    }

    if !yaml_template.is_empty() {
        let wrap = |e: String| {
            if combined.is_empty() {
                err(format!("failed to build resource: {e}"))
            } else {
                err(format!("failed to build resources: {e}"))
            }
        };
        let tp = parse(yaml_template)
            .map_err(|e| wrap(format!("failed to parse multi-doc YAML template: {e}")))?;
        let execute = |set: &Value| -> Result<String, String> {
            tp.execute(&nil, set)
                .map_err(|e| format!("failed to execute multi-doc YAML template: {e}"))
        };
        let read = |out: &String| {
            yaml::read_objects(out)
                .map_err(|e| format!("failed to read objects from multi-doc YAML: {e}"))
        };
        // All input sets render before any object is kept, so a later failure wins.
        let mut generated = Vec::new();
        if combined.is_empty() {
            let objects = execute(&no_inputs).and_then(|t| read(&t)).map_err(wrap)?;
            generated.extend(objects.into_iter().map(|o| (o, None)));
        }
        let texts = executed(combined, &execute);
        for (n, objects) in read_all(texts, &read).into_iter().enumerate() {
            generated.extend(objects.map_err(wrap)?.into_iter().map(|o| (o, Some(n))));
        }
        for (object, input) in generated {
            c.add(object, Source::ResourcesTemplate, input, true);
        }
    }
    Ok(c.step)
}

/// Executes the template for every input set in order, stopping at the first failure (what
/// follows it is never rendered, as in the operator).
fn executed(
    combined: &[Value],
    execute: &impl Fn(&Value) -> Result<String, String>,
) -> Vec<Result<String, String>> {
    let mut out = Vec::with_capacity(combined.len());
    for set in combined {
        let text = execute(set);
        let failed = text.is_err();
        out.push(text);
        if failed {
            break;
        }
    }
    out
}

/// `read` of every rendered text, in order, on up to as many threads as there are cores (for
/// enough texts to be worth it). A failed execution stays the error at its place.
fn read_all<T: Send>(
    texts: Vec<Result<String, String>>,
    read: &(impl Fn(&String) -> Result<T, String> + Sync),
) -> Vec<Result<T, String>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    let one = |t: Result<String, String>| t.and_then(|t| read(&t));
    if threads < 2 || texts.len() < 64 {
        return texts.into_iter().map(one).collect();
    }
    let size = texts.len().div_ceil(threads);
    let mut chunks: Vec<Vec<Result<String, String>>> = Vec::new();
    let mut rest = texts.into_iter();
    loop {
        let chunk: Vec<_> = rest.by_ref().take(size).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let len = chunk.len();
                (
                    len,
                    scope.spawn(move || chunk.into_iter().map(one).collect::<Vec<_>>()),
                )
            })
            .collect();
        // A thread that panicked (a bug) fails each of its texts, keeping every place.
        handles
            .into_iter()
            .flat_map(|(len, h)| {
                h.join().unwrap_or_else(|_| {
                    (0..len)
                        .map(|_| Err("reading rendered YAML failed".to_string()))
                        .collect()
                })
            })
            .collect()
    })
}

/// `metadata.<field>` as `NestedNullCoercingStringMap` reads it: absent, null, not a map or
/// holding a non-string value is none; null values are empty strings.
fn string_map(object: &JsonMap<String, Json>, field: &str) -> Option<BTreeMap<String, String>> {
    let m = object
        .get("metadata")?
        .as_object()?
        .get(field)?
        .as_object()?;
    m.iter()
        .map(|(k, v)| match v {
            Json::String(s) => Some((k.clone(), s.clone())),
            Json::Null => Some((k.clone(), String::new())),
            _ => None,
        })
        .collect()
}

fn is_disabled(object: &JsonMap<String, Json>) -> bool {
    string_map(object, "annotations")
        .and_then(|a| a.get(RECONCILE_ANNOTATION).cloned())
        .is_some_and(|v| v == "disabled")
}

/// A string at `path`, as `unstructured` reads names: anything else is empty.
fn nested_str<'a>(object: &'a JsonMap<String, Json>, path: &[&str]) -> &'a str {
    let mut cur: Option<&Json> = None;
    for (i, k) in path.iter().enumerate() {
        cur = if i == 0 {
            object.get(*k)
        } else {
            cur.and_then(|c| c.as_object()).and_then(|m| m.get(*k))
        };
    }
    cur.and_then(Json::as_str).unwrap_or("")
}

/// The object's group: the part of `apiVersion` before its `/`; none when the apiVersion has
/// more than one `/` (Go fails to parse it and uses an empty GVK).
fn group_of(object: &JsonMap<String, Json>) -> (&str, bool) {
    let av = nested_str(object, &["apiVersion"]);
    match av.matches('/').count() {
        0 => ("", true),
        1 => (av.split('/').next().unwrap_or(""), true),
        _ => ("", false),
    }
}

/// The identity objects are deduplicated by: group, kind, namespace, name.
pub fn object_key(object: &JsonMap<String, Json>) -> String {
    let (group, ok) = group_of(object);
    let kind = if ok {
        nested_str(object, &["kind"])
    } else {
        ""
    };
    [
        group,
        kind,
        nested_str(object, &["metadata", "namespace"]),
        nested_str(object, &["metadata", "name"]),
    ]
    .join("/")
}

/// `ssautil.FmtUnstructured`: `Kind/namespace/name` (no namespace part when empty).
fn fmt_object(object: &JsonMap<String, Json>) -> String {
    let kind = nested_str(object, &["kind"]);
    let ns = nested_str(object, &["metadata", "namespace"]);
    let name = nested_str(object, &["metadata", "name"]);
    if ns.is_empty() {
        format!("{kind}/{name}")
    } else {
        format!("{kind}/{ns}/{name}")
    }
}

/// Go's `%q` of a string (`strconv.Quote`).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => {
                if (c as u32) <= 0xffff {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `ssautil.SetCommonMetadata`: merge into each object's labels and annotations (an existing
/// map the operator cannot read as strings is replaced; nulls become empty strings).
pub fn set_common_metadata(
    objects: &mut [JsonMap<String, Json>],
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
) {
    for o in objects {
        for (field, add) in [("labels", labels), ("annotations", annotations)] {
            let mut merged = string_map(o, field).unwrap_or_default();
            merged.extend(add.iter().map(|(k, v)| (k.clone(), v.clone())));
            if merged.is_empty() {
                continue;
            }
            let meta = o
                .entry("metadata")
                .or_insert_with(|| Json::Object(JsonMap::new()));
            // Go cannot set a field under a metadata that is not a map, and ignores that.
            if let Json::Object(meta) = meta {
                meta.insert(
                    field.to_string(),
                    Json::Object(
                        merged
                            .into_iter()
                            .map(|(k, v)| (k, Json::String(v)))
                            .collect(),
                    ),
                );
            }
        }
    }
}

/// A YAML file's numbers as the CLI sees them: `sigs.k8s.io/yaml` turns YAML into JSON, in
/// which a float with an integral value is written as an integer, which then decodes as one.
pub fn normalize_numbers(v: &Json) -> Json {
    match v {
        Json::Number(n) if n.as_i64().is_none() && n.as_u64().is_none() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Json::from(f as i64),
            _ => v.clone(),
        },
        Json::Array(a) => Json::Array(a.iter().map(normalize_numbers).collect()),
        Json::Object(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), normalize_numbers(v)))
                .collect(),
        ),
        _ => v.clone(),
    }
}

fn string_map_field(v: Option<&Json>) -> BTreeMap<String, String> {
    v.and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// What `flux-operator build rset -f RSET [--inputs-from INPUTS]` prints, as data: the
/// objects in order, or the error it prints.
pub fn cli_equivalent(
    rset_manifest: &Json,
    inputs_file: Option<&Json>,
) -> Result<Vec<Json>, String> {
    cli_equivalent_with_providers(rset_manifest, inputs_file, &[])
}

/// [`cli_equivalent`] with input providers, as `--inputs-from-provider` gives them once the
/// CLI has matched them to `spec.inputsFrom` (see [`static_provider`]).
pub fn cli_equivalent_with_providers(
    rset_manifest: &Json,
    inputs_file: Option<&Json>,
    providers: &[Provider],
) -> Result<Vec<Json>, String> {
    let manifest = normalize_numbers(rset_manifest);
    let mut manifest = match manifest {
        Json::Object(m) => m,
        Json::Null => JsonMap::new(),
        other => {
            return Err(format!(
                "error parsing ResourceSet: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type v1.ResourceSet",
                json_kind(&other)
            ));
        }
    };
    coerce_string_fields(&mut manifest);
    if let Some((kind, ty)) = manifest
        .get("spec")
        .and_then(|s| s.get("inputs"))
        .and_then(inputs_shape_error)
    {
        return Err(format!(
            "error parsing ResourceSet: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {kind} into Go struct field ResourceSetSpec.spec.inputs of type {ty}"
        ));
    }
    let meta = manifest.get("metadata");
    let get = |k: &str| {
        meta.and_then(|m| m.get(k))
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (name, namespace) = (get("name"), get("namespace"));
    if namespace.is_empty() {
        return Err(
            "ResourceSet namespace must be set either in the manifest or with --namespace".into(),
        );
    }
    if name.is_empty() {
        return Err("ResourceSet name must be set in the manifest".into());
    }
    let spec = manifest
        .entry("spec")
        .or_insert_with(|| Json::Object(JsonMap::new()));
    let has_inputs_from = spec
        .get("inputsFrom")
        .and_then(Json::as_array)
        .is_some_and(|a| !a.is_empty());
    if has_inputs_from && inputs_file.is_none() && providers.is_empty() {
        return Err("ResourceSet has '.spec.inputsFrom', please provide the inputs with --inputs-from or --inputs-from-provider".into());
    }
    if let Some((kind, ty)) = inputs_file.and_then(inputs_shape_error) {
        return Err(format!(
            "error parsing inputs file: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {kind} into Go value of type {ty}"
        ));
    }
    if let (Some(file), Json::Object(spec)) = (inputs_file, &mut *spec) {
        spec.insert("inputs".to_string(), normalize_numbers(file));
    }
    let manifest = Json::Object(manifest);
    let spec = manifest.get("spec").cloned().unwrap_or(Json::Null);

    let rset = Provider::resource_set(&manifest).map_err(|e| e.to_string())?;
    let strategy =
        Strategy::from_spec(&spec).map_err(|e| format!("error combining inputs: {e}"))?;
    let combined =
        combine(&rset, providers, strategy).map_err(|e| format!("error combining inputs: {e}"))?;
    let built = build_from_spec(&spec, &combined).map_err(|e| e.to_string())?;

    let mut objects: Vec<JsonMap<String, Json>> =
        built.objects().map(|o| o.object.clone()).collect();
    if objects.is_empty() {
        return Err("no objects were generated".into());
    }
    if let Some(cm) = spec.get("commonMetadata").filter(|c| !c.is_null()) {
        set_common_metadata(
            &mut objects,
            &string_map_field(cm.get("labels")),
            &string_map_field(cm.get("annotations")),
        );
    }
    let owner: BTreeMap<String, String> = [
        (OWNER_NAME_LABEL.to_string(), name),
        (OWNER_NAMESPACE_LABEL.to_string(), namespace),
    ]
    .into_iter()
    .collect();
    set_common_metadata(&mut objects, &owner, &BTreeMap::new());
    if objects
        .iter()
        .any(|o| o.iter().any(|(k, v)| !yaml_printable(k, v)))
    {
        return Err("error marshalling object: yaml: control characters are not allowed".into());
    }
    Ok(objects
        .into_iter()
        .map(|o| fold_nel(&Json::Object(o)))
        .collect())
}

/// Whether the CLI can print this: `sigs.k8s.io/yaml.Marshal` writes JSON (escaping only
/// what JSON must) and re-reads it with go-yaml, whose reader refuses DEL, the C1 controls
/// but NEL, and U+FFFE/U+FFFF.
fn yaml_printable(key: &str, v: &Json) -> bool {
    let ok = |s: &str| {
        !s.chars().any(
            |c| matches!(c, '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}'),
        )
    };
    ok(key)
        && match v {
            Json::String(s) => ok(s),
            Json::Array(a) => a.iter().all(|x| yaml_printable("", x)),
            Json::Object(m) => m.iter().all(|(k, x)| yaml_printable(k, x)),
            _ => true,
        }
}

/// What the CLI's printing does to a NEL (U+0085) in a string: JSON leaves it raw and
/// go-yaml, re-reading that JSON, takes it for a YAML 1.1 line break inside a double-quoted
/// scalar and folds it: one break (with the blanks around it) is a space, `n` breaks are
/// `n - 1` newlines.
fn fold_nel(v: &Json) -> Json {
    fn fold(s: &str) -> String {
        if !s.contains('\u{85}') {
            return s.to_string();
        }
        let chars: Vec<char> = s.chars().collect();
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        while i < chars.len() {
            // A run of blanks and NELs holding at least one NEL folds.
            let mut j = i;
            let mut breaks = 0;
            while j < chars.len() && matches!(chars[j], ' ' | '\t' | '\u{85}') {
                if chars[j] == '\u{85}' {
                    breaks += 1;
                }
                j += 1;
            }
            if j == i {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            if breaks == 0 {
                out.extend(&chars[i..j]);
            } else if breaks == 1 {
                out.push(' ');
            } else {
                out.extend(std::iter::repeat_n('\n', breaks - 1));
            }
            i = j;
        }
        out
    }
    match v {
        Json::String(s) => Json::String(fold(s)),
        Json::Array(a) => Json::Array(a.iter().map(fold_nel).collect()),
        Json::Object(m) => Json::Object(m.iter().map(|(k, x)| (fold(k), fold_nel(x))).collect()),
        _ => v.clone(),
    }
}

/// A Go value as JSON, for showing an input set.
pub fn value_to_json(v: &Value) -> Json {
    match v {
        Value::Nil => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) | Value::Int64(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(s.clone()),
        Value::List(l) => Json::Array(l.items.iter().map(value_to_json).collect()),
        Value::Map(m) => Json::Object(
            m.borrow()
                .entries
                .iter()
                .map(|(k, v)| (k.clone(), value_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inline(sets: serde_json::Value) -> Combined {
        let rset = Provider::resource_set(&serde_json::json!({
            "metadata": {"name": "rs", "namespace": "ns"},
            "spec": {"inputs": sets},
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        combine(&rset, &[], Strategy::Flatten).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn build_attributes_objects_to_input_sets() {
        let spec = serde_json::json!({
            "resources": [{"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "shared", "namespace": "ns"}}],
            "resourcesTemplate": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-<< inputs.id >>\n  namespace: ns\n  annotations:\n    fluxcd.controlplane.io/reconcile: << if eq inputs.id 3 >>disabled<< else >>enabled<< end >>\n",
        });
        let combined = inline(serde_json::json!([{"id": 1}, {"id": 2}, {"id": 3}]));
        let b = build(&spec, &combined).unwrap_or_else(|e| panic!("{e}"));
        let objects: Vec<&Object> = b.objects().collect();
        assert_eq!(objects.len(), 3);
        assert_eq!(objects[0].source, Source::Resources(0));
        assert_eq!(objects[0].inputs, vec![0, 1, 2]);
        assert_eq!(objects[1].inputs, vec![0]);
        assert_eq!(objects[2].inputs, vec![1]);
        let reasons: Vec<(Option<usize>, DropReason)> = b.steps[0]
            .dropped
            .iter()
            .map(|d| (d.input, d.reason))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (Some(1), DropReason::Duplicate),
                (Some(2), DropReason::Duplicate),
                (Some(2), DropReason::Disabled),
            ]
        );
    }

    #[test]
    fn inputs_from_without_inputs_builds_nothing() {
        let spec = serde_json::json!({"inputsFrom": [{"name": "p"}],
            "resources": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}]});
        assert_eq!(build(&spec, &[]), Ok(Build::default()));
        assert_eq!(
            build_from_spec(&spec, &[]).map(|b| b.objects().count()),
            Ok(1)
        );
    }

    #[test]
    fn steps_reject_a_resource_defined_twice() {
        let cm = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "ns"}});
        let spec = serde_json::json!({"steps": [
            {"name": "one", "resources": [cm]}, {"name": "two", "resources": [cm]}]});
        assert_eq!(
            build(&spec, &inline(serde_json::json!([{}]))).map_err(|e| e.0),
            Err("duplicate resource ConfigMap/ns/a in step \"two\", already defined in step \"one\"".to_string())
        );
    }

    #[test]
    fn adler32_matches_go() {
        // hash/adler32 of "Wikipedia" is 0x11E60398.
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(b""), 1);
    }

    #[test]
    fn normalizes_provider_names() {
        assert_eq!(
            normalize_key_for_template("My-Provider.v2"),
            "my_provider_v2"
        );
        assert_eq!(normalize_key_for_template("a$b+c"), "abc");
        assert_eq!(normalize_key_for_template("--"), "");
        assert_eq!(normalize_key_for_template("Ünïcode name"), "ncode_name");
    }

    #[test]
    fn permutes_last_provider_fastest() {
        let p = |name: &str, n: usize| Provider {
            api_version: API_VERSION.into(),
            kind: "ResourceSetInputProvider".into(),
            name: name.into(),
            namespace: "ns".into(),
            inputs: (0..n)
                .map(|i| {
                    let mut m = JsonMap::new();
                    m.insert("i".into(), Json::from(i));
                    m
                })
                .collect(),
        };
        let rset = Provider {
            kind: "ResourceSet".into(),
            ..p("rs", 0)
        };
        let strategy = Strategy::Permute {
            include_empty_providers: false,
        };
        let c = combine(&rset, &[p("b", 2), p("a", 3)], strategy).unwrap_or_default();
        assert_eq!(c.len(), 6);
        let first = value_to_json(&c[0]);
        assert_eq!(first["id"], Json::from(input_id("a=0/b=0")));
        assert_eq!(value_to_json(&c[1])["b"]["i"], Json::from(1));
        let empty = Strategy::Permute {
            include_empty_providers: true,
        };
        assert!(
            combine(&rset, &[p("b", 2)], empty)
                .unwrap_or_default()
                .is_empty()
        );
    }
}
