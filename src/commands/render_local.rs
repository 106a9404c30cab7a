//! `render --local [RESOURCESET|ENV] [-f FILE] [--inputs FILE] [--diff]`: render a ResourceSet
//! here, as the Flux Operator would, with its providers' exported inputs (or a file's), and print
//! the objects per environment, or the difference with what is applied now. Nothing in the
//! cluster is changed; a manifest with `--inputs` (or without `inputsFrom`) needs no cluster.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Read;
use std::process::ExitCode;

use serde::Serialize;
use serde_json::Value;

use crate::cli::{GlobalArgs, LocalOutput, RenderArgs};
use crate::cluster::client::{self, Session};
use crate::cluster::read::{self, OwnedRead};
use crate::error::{Error, Result};
use crate::model::attribution::Rule;
use crate::model::diff::{self, Owner, RenderedObject};
use crate::model::environments::{self, Catalog, PreviewSet};
use crate::model::inventory::{self, ObjectRef};
use crate::model::objects::{Identity, Provider, ResourceSet};
use crate::model::reference;
use crate::model::render::{self, Origin, Rendering};
use crate::model::snapshot::Snapshot;
use crate::sanitize;
use crate::ui::output;

/// What one ResourceSet renders, grouped by environment.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderedSet {
    pub namespace: String,
    pub name: String,
    pub environments: Vec<RenderedEnvironment>,
    /// Objects no single environment's inputs render: the ResourceSet's own.
    pub shared: Vec<Value>,
    /// The operator's error, when the templates do not render.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderedEnvironment {
    pub name: String,
    pub objects: Vec<Value>,
}

/// Reads a YAML or JSON document as the Flux Operator CLI reads its files (go-yaml v2 rules).
fn read_document(path: &std::path::Path, what: &str) -> Result<Value> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::Usage(format!("cannot read {what} from stdin: {e}")))?;
    } else {
        text = std::fs::read_to_string(path).map_err(|e| {
            Error::Usage(format!(
                "cannot read {what} {}: {e}",
                sanitize::line(&path.display().to_string())
            ))
        })?;
    }
    gotemplate::yaml::yaml_to_json(&text).map_err(|e| {
        Error::Usage(format!(
            "{what} {} is not YAML: {}",
            sanitize::line(&path.display().to_string()),
            sanitize::line(&e)
        ))
    })
}

/// `--inputs FILE`: a list of input sets, replacing the ResourceSet's `spec.inputs`.
fn read_inputs(path: &std::path::Path) -> Result<Vec<BTreeMap<String, Value>>> {
    match read_document(path, "inputs file")? {
        Value::Null => Ok(vec![]),
        Value::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Value::Object(m) => Ok(m.into_iter().collect()),
                other => Err(Error::Usage(format!(
                    "inputs file: each input set must be a map, not {}",
                    kind_of(&other)
                ))),
            })
            .collect(),
        other => Err(Error::Usage(format!(
            "inputs file: expected a list of input sets, not {}",
            kind_of(&other)
        ))),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// Who a rendered object belongs to: the environment whose input alone renders it, by the rules
/// of attribution's rule 2 (`model::render::evidence`). Inline input sets (`--inputs`) are
/// environments too; with only one of them, nothing tells its objects from shared ones, and all
/// are shown as its.
fn owner_of(
    rendering: &Rendering,
    inputs: &[usize],
    identity: &(String, String, String, String),
    unit_of: &impl Fn(&Origin) -> Option<String>,
) -> Option<String> {
    let [input] = inputs else {
        return None;
    };
    let unit = rendering.origins.get(*input).and_then(unit_of)?;
    let units = rendering
        .origins
        .iter()
        .filter(|o| unit_of(o).is_some())
        .count();
    if units >= 2 {
        return Some(unit);
    }
    match (&rendering.probe, rendering.is_pr.get(*input)) {
        (Some(p), _) if p.input == *input => {
            (p.same_paths && !p.identities.contains(identity)).then_some(unit)
        }
        (_, Some(true)) => None,
        _ => Some(unit),
    }
}

/// One ResourceSet rendered and grouped. `unit_of`: the environment an input set is.
fn group(
    rset: &ResourceSet,
    providers: &[&Provider],
    unit_of: impl Fn(&Origin) -> Option<String>,
    only: Option<&str>,
) -> RenderedSet {
    let mut out = RenderedSet {
        namespace: rset.metadata.namespace().to_string(),
        name: rset.metadata.name().to_string(),
        environments: vec![],
        shared: vec![],
        error: None,
    };
    let rendering = match render::render(rset, providers) {
        Ok(r) => r,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    let mut by_env: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (inputs, object) in render::applied_objects(rset, &rendering) {
        let identity = match &object {
            Value::Object(m) => render::identity(m),
            _ => Default::default(),
        };
        match owner_of(&rendering, &inputs, &identity, &unit_of) {
            Some(env) => by_env.entry(env).or_default().push(object),
            None => out.shared.push(object),
        }
    }
    out.environments = by_env
        .into_iter()
        .filter(|(name, _)| only.is_none_or(|o| o == name))
        .map(|(name, objects)| RenderedEnvironment { name, objects })
        .collect();
    if only.is_some() {
        out.shared.clear();
    }
    out
}

fn print(sets: &[RenderedSet], format: LocalOutput) -> Result<()> {
    match format {
        LocalOutput::Json => output::print_json(&serde_json::json!({ "resourceSets": sets })),
        LocalOutput::Yaml => {
            for set in sets {
                let label = sanitize::line(&format!("{}/{}", set.namespace, set.name)).into_owned();
                if let Some(e) = &set.error {
                    crate::safe_println!(
                        "# ResourceSet {label} does not render: {}",
                        sanitize::line(e)
                    );
                    continue;
                }
                let count: usize = set
                    .environments
                    .iter()
                    .map(|e| e.objects.len())
                    .sum::<usize>()
                    + set.shared.len();
                let plural = |n: usize, one: &str, many: &str| {
                    format!("{n} {}", if n == 1 { one } else { many })
                };
                crate::safe_println!(
                    "# ResourceSet {label}: {}, {}",
                    plural(set.environments.len(), "environment", "environments"),
                    plural(count, "object", "objects")
                );
                for env in &set.environments {
                    crate::safe_println!("# environment {}", sanitize::line(&env.name));
                    for o in &env.objects {
                        crate::safe_println!("---");
                        output::print_yaml(o)?;
                    }
                }
                if !set.shared.is_empty() {
                    crate::safe_println!(
                        "# shared: rendered alike for every input, the ResourceSet's own"
                    );
                    for o in &set.shared {
                        crate::safe_println!("---");
                        output::print_yaml(o)?;
                    }
                }
            }
            Ok(())
        }
    }
}

/// The environment each provider input is, from the catalog (Flatten only: with Permute an
/// environment is a combination, and everything is shown as the ResourceSet's).
fn catalog_units(
    catalog: &Catalog,
    set: &PreviewSet,
    providers: &[&Provider],
) -> BTreeMap<(String, String, usize), String> {
    let mut out = BTreeMap::new();
    for p in providers {
        for (i, input) in p.status.exported_inputs.iter().enumerate() {
            let id = match input.get("id") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => continue,
            };
            if let Some(env) = catalog.environments.iter().find(|e| {
                e.namespace == set.namespace
                    && e.resource_set == set.name
                    && e.combination.is_empty()
                    && e.provider.name == p.metadata.name()
                    && e.pr.id == id
            }) {
                out.insert(
                    (
                        p.metadata.namespace().to_string(),
                        p.metadata.name().to_string(),
                        i,
                    ),
                    env.name.clone(),
                );
            }
        }
    }
    out
}

/// Inline input sets (`--inputs`, or a manifest's own) are named by their `id`, else position.
fn inline_unit(rset: &ResourceSet, index: usize) -> String {
    let id = rset.spec.inputs.get(index).and_then(|i| match i.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    });
    match id {
        Some(id) => format!(
            "{}/{}/{id}",
            rset.metadata.namespace(),
            rset.metadata.name()
        ),
        None => format!(
            "{}/{}/inputs[{index}]",
            rset.metadata.namespace(),
            rset.metadata.name()
        ),
    }
}

/// `render -f FILE`: the manifest's ResourceSet, with `--inputs`, its own inputs, or (when it has
/// `inputsFrom`) the cluster's providers in its namespace.
pub async fn run_file(global: &GlobalArgs, args: &RenderArgs) -> Result<ExitCode> {
    let Some(path) = &args.filename else {
        return Err(Error::Usage("render -f needs a file".into()));
    };
    let manifest = read_document(path, "ResourceSet manifest")?;
    let kind = manifest
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !kind.is_empty() && kind != "ResourceSet" {
        return Err(Error::Usage(format!(
            "{} holds a {}, not a ResourceSet",
            sanitize::line(&path.display().to_string()),
            sanitize::line(kind)
        )));
    }
    let mut rset: ResourceSet = serde_json::from_value(manifest)
        .map_err(|e| Error::Usage(format!("not a ResourceSet: {e}")))?;
    if rset.metadata.name().is_empty() {
        return Err(Error::Usage(
            "ResourceSet name must be set in the manifest".into(),
        ));
    }
    if let Some(inputs) = &args.inputs {
        rset.spec.inputs = read_inputs(inputs)?;
    }
    let needs_cluster = args.diff || (args.inputs.is_none() && !rset.spec.inputs_from.is_empty());
    let session = if needs_cluster {
        Some(client::connect(&global.into()).await?)
    } else {
        None
    };
    if rset.metadata.namespace().is_empty() {
        let ns = match (&session, &global.namespace) {
            (_, Some(ns)) => ns.clone(),
            (Some(s), None) => s.namespace.clone(),
            (None, None) => {
                return Err(Error::Usage(
                    "ResourceSet namespace must be set either in the manifest or with --namespace"
                        .into(),
                ));
            }
        };
        rset.metadata.namespace = Some(ns);
    }
    let Some(session) = session else {
        let set = group(
            &rset,
            &[],
            |o| match o {
                Origin::Inline { index } => Some(inline_unit(&rset, *index)),
                Origin::Provider { .. } => None,
            },
            None,
        );
        let failed = set.error.is_some();
        print(std::slice::from_ref(&set), args.output)?;
        return Ok(if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    };
    let mut session = session;
    session.namespace = rset.metadata.namespace().to_string();
    session.all_namespaces = false;
    let snapshot = read::fetch(&session).await?;
    let catalog = environments::build(&snapshot, &environments::PodProblems::new());
    // What is applied is the cluster's ResourceSet's: its inventory is what `--diff` compares with.
    if let Some(live) = snapshot.resource_sets.iter().find(|r| {
        r.metadata.namespace() == rset.metadata.namespace()
            && r.metadata.name() == rset.metadata.name()
    }) {
        rset.status = live.status.clone();
    }
    run_one(&session, &snapshot, &catalog, &rset, args, None).await
}

/// `render --local [TARGET]`: the cluster's ResourceSets in `sets` (from `render`'s selection).
pub async fn run_sets(
    session: &Session,
    snapshot: &Snapshot,
    catalog: &Catalog,
    sets: &[PreviewSet],
    args: &RenderArgs,
) -> Result<ExitCode> {
    // An environment as the target: only its objects.
    let only: Option<String> = args.target.as_deref().and_then(|t| {
        let r = reference::parse(t).ok()?;
        let matched: Vec<&environments::Environment> = catalog
            .environments
            .iter()
            .filter(|e| r.matches(e))
            .collect();
        match matched.as_slice() {
            [one] if sets.len() == 1 => Some(one.name.clone()),
            _ => None,
        }
    });
    let mut worst = ExitCode::SUCCESS;
    let mut rendered = Vec::new();
    let mut diffs = Vec::new();
    for set in sets {
        let Some(rset) = snapshot
            .resource_sets
            .iter()
            .find(|r| r.metadata.namespace() == set.namespace && r.metadata.name() == set.name)
        else {
            continue;
        };
        let mut rset = rset.clone();
        if let Some(inputs) = &args.inputs {
            rset.spec.inputs = read_inputs(inputs)?;
        }
        if args.diff {
            let (code, text) = diff_one(
                session,
                snapshot,
                catalog,
                set,
                &rset,
                args,
                only.as_deref(),
            )
            .await?;
            diffs.push(text);
            if code != ExitCode::SUCCESS {
                worst = code;
            }
        } else {
            let one = render_one(snapshot, catalog, set, &rset, args, only.as_deref());
            if one.error.is_some() {
                worst = ExitCode::FAILURE;
            }
            rendered.push(one);
        }
    }
    if args.diff {
        for d in diffs {
            print!("{d}");
        }
    } else {
        print(&rendered, args.output)?;
    }
    Ok(worst)
}

async fn run_one(
    session: &Session,
    snapshot: &Snapshot,
    catalog: &Catalog,
    rset: &ResourceSet,
    args: &RenderArgs,
    only: Option<&str>,
) -> Result<ExitCode> {
    let set = catalog
        .preview_sets
        .iter()
        .find(|s| s.namespace == rset.metadata.namespace() && s.name == rset.metadata.name())
        .cloned()
        .unwrap_or(PreviewSet {
            namespace: rset.metadata.namespace().to_string(),
            name: rset.metadata.name().to_string(),
            providers: vec![],
            shared_objects: vec![],
            not_rendered: None,
        });
    if args.diff {
        let (code, text) = diff_one(session, snapshot, catalog, &set, rset, args, only).await?;
        print!("{text}");
        return Ok(code);
    }
    let one = render_one(snapshot, catalog, &set, rset, args, only);
    let failed = one.error.is_some();
    print(std::slice::from_ref(&one), args.output)?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn render_one(
    snapshot: &Snapshot,
    catalog: &Catalog,
    set: &PreviewSet,
    rset: &ResourceSet,
    args: &RenderArgs,
    only: Option<&str>,
) -> RenderedSet {
    // `--inputs` replaces the inputs, as `flux-operator build rset --inputs-from`: no provider's.
    let providers: Vec<&Provider> = if args.inputs.is_some() {
        vec![]
    } else {
        environments::resolve_inputs(rset, &snapshot.providers)
    };
    let units = catalog_units(catalog, set, &providers);
    group(
        rset,
        &providers,
        |o| match o {
            Origin::Inline { index } => Some(inline_unit(rset, *index)),
            Origin::Provider {
                namespace,
                name,
                index,
            } => units
                .get(&(namespace.clone(), name.clone(), *index))
                .cloned(),
        },
        only,
    )
}

/// `--diff` for one ResourceSet: the text to print and whether there are differences.
async fn diff_one(
    session: &Session,
    snapshot: &Snapshot,
    catalog: &Catalog,
    set: &PreviewSet,
    rset: &ResourceSet,
    args: &RenderArgs,
    only: Option<&str>,
) -> Result<(ExitCode, String)> {
    let coded = |message: String| Error::Coded { message, code: 2 };
    let one = render_one(snapshot, catalog, set, rset, args, only);
    if let Some(e) = one.error {
        return Err(coded(format!(
            "ResourceSet {}/{} does not render: {}",
            set.namespace, set.name, e
        )));
    }
    let mut rendered: Vec<RenderedObject> = Vec::new();
    let mut push = |owner: Owner, o: &Value| {
        if let Value::Object(m) = o {
            let (group, kind, namespace, name) = render::identity(m);
            rendered.push(RenderedObject {
                reference: ObjectRef::new(&group, &kind, &namespace, &name),
                owner,
                object: o.clone(),
            });
        }
    };
    for env in &one.environments {
        for o in &env.objects {
            push(Owner::Environment(env.name.clone()), o);
        }
    }
    for o in &one.shared {
        push(Owner::Shared, o);
    }
    // What is applied: the inventory, each entry with the owner `list` gives it.
    let entries = inventory::parse_entries(
        rset.status
            .inventory
            .as_ref()
            .map(|i| i.entries.as_slice())
            .unwrap_or(&[]),
    );
    let mut applied: Vec<(ObjectRef, Owner)> = Vec::new();
    for entry in entries {
        let env = catalog.environments.iter().find(|e| {
            e.namespace == set.namespace
                && e.resource_set == set.name
                && e.objects.iter().any(|o| {
                    !matches!(o.attributed_by, Rule::Inventory { .. })
                        && o.reference.same_object(&entry)
                })
        });
        let owner = match env {
            Some(e) => Owner::Environment(e.name.clone()),
            None => Owner::Shared,
        };
        if only.is_some_and(|o| owner != Owner::Environment(o.to_string())) {
            continue;
        }
        applied.push((entry, owner));
    }
    // One LIST per kind and namespace of what is both rendered and applied.
    let mut reads: BTreeSet<OwnedRead> = BTreeSet::new();
    for o in &rendered {
        let api_version = o
            .object
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let version = api_version
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        if applied.iter().any(|(a, _)| a.same_object(&o.reference)) {
            reads.insert(OwnedRead {
                group: o.reference.group.clone(),
                version,
                kind: o.reference.kind.clone(),
                namespace: o.reference.namespace.clone(),
            });
        }
    }
    let (live, problems) = read::owned_objects(session, &reads, (&set.name, &set.namespace)).await;
    let groups = diff::diff(&rendered, &applied, &live);
    let mut text = String::new();
    for p in &problems {
        crate::safe_eprintln!("warning: {p} (not compared)");
    }
    for g in &groups {
        crate::safe_writeln!(text, "{}:", sanitize::line(&g.owner.to_string()));
        for r in &g.added {
            crate::safe_writeln!(text, "  + {}", sanitize::line(&r.to_string()));
        }
        for r in &g.removed {
            crate::safe_writeln!(text, "  - {}", sanitize::line(&r.to_string()));
        }
        for c in &g.changed {
            crate::safe_writeln!(text, "  ~ {}", sanitize::line(&c.object.to_string()));
            for line in c.diff.lines() {
                crate::safe_writeln!(text, "{}", sanitize::line(line));
            }
        }
    }
    let code = if groups.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    Ok((code, text))
}
