//! `render [RESOURCESET|ENV]`: force-render through the API server. Refresh the preview
//! providers now (`requestedAt` + `forceAt`, so a schedule window does not block it), wait until
//! handled, reconcile the ResourceSet, wait until handled, then print what changed.
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;

use crate::cli::{GlobalArgs, RenderArgs};
use crate::client::{self, Session};
use crate::environments::{self, PodProblems, PreviewSet};
use crate::error::{Error, Result};
use crate::health::short;
use crate::inventory::{self, ObjectRef};
use crate::progress::Progress;
use crate::select;
use crate::snapshot::{self, Snapshot};
use crate::triggers::{self, Target};

/// PR id → head sha, for the providers of one ResourceSet.
fn exported(snapshot: &Snapshot, set: &PreviewSet) -> BTreeMap<String, Option<String>> {
    let mut out = BTreeMap::new();
    for p in snapshot.providers.iter().filter(|p| {
        set.providers
            .iter()
            .any(|x| x.namespace == p.metadata.namespace && x.name == p.metadata.name)
    }) {
        for input in &p.status.exported_inputs {
            let id = match input.get("id") {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                _ => continue,
            };
            let sha = input
                .get("sha")
                .and_then(|s| s.as_str())
                .map(str::to_string);
            let key = if set.providers.len() > 1 {
                format!("{id}@{}", p.metadata.name)
            } else {
                id
            };
            out.insert(key, sha);
        }
    }
    out
}

fn inventory_of(snapshot: &Snapshot, set: &PreviewSet) -> Vec<ObjectRef> {
    snapshot
        .resource_sets
        .iter()
        .find(|r| r.metadata.namespace == set.namespace && r.metadata.name == set.name)
        .and_then(|r| r.status.inventory.as_ref())
        .map(|i| inventory::parse_entries(&i.entries))
        .unwrap_or_default()
}

/// Pure: the change between two snapshots for one ResourceSet, as printed.
pub fn describe_change(before: &Snapshot, after: &Snapshot, set: &PreviewSet) -> String {
    let (b, a) = (exported(before, set), exported(after, set));
    let mut out = String::new();
    for (id, sha) in &a {
        match b.get(id) {
            None => {
                let _ = writeln!(
                    out,
                    "  + PR {id} added at {}",
                    sha.as_deref().map(short).unwrap_or("?")
                );
            }
            Some(old) if old != sha => {
                let _ = writeln!(
                    out,
                    "  ~ PR {id} moved {} → {}",
                    old.as_deref().map(short).unwrap_or("?"),
                    sha.as_deref().map(short).unwrap_or("?")
                );
            }
            _ => {}
        }
    }
    for id in b.keys().filter(|id| !a.contains_key(*id)) {
        let _ = writeln!(out, "  - PR {id} removed");
    }
    let (bi, ai) = (inventory_of(before, set), inventory_of(after, set));
    for o in ai.iter().filter(|o| !bi.iter().any(|x| x.same_object(o))) {
        let _ = writeln!(out, "  + {o} created");
    }
    for o in bi.iter().filter(|o| !ai.iter().any(|x| x.same_object(o))) {
        let _ = writeln!(out, "  - {o} deleted");
    }
    if out.is_empty() {
        out.push_str("  no change\n");
    }
    out
}

pub async fn run(global: &GlobalArgs, args: &RenderArgs) -> Result<ExitCode> {
    let session = client::connect(global).await?;
    let before = snapshot::fetch(&session).await?;
    select::warn_problems(&before);
    let catalog = environments::build(&before, &PodProblems::new());
    let sets: Vec<PreviewSet> = match &args.target {
        None => catalog.preview_sets.clone(),
        Some(target) => {
            let by_name: Vec<PreviewSet> = catalog
                .preview_sets
                .iter()
                .filter(|s| &s.name == target)
                .cloned()
                .collect();
            if !by_name.is_empty() {
                by_name
            } else {
                let parsed = crate::reference::parse(target).map_err(Error::Usage)?;
                match crate::reference::resolve(&parsed, &catalog.environments) {
                    crate::reference::Resolution::Found(env) => catalog
                        .preview_sets
                        .iter()
                        .filter(|s| s.namespace == env.namespace && s.name == env.resource_set)
                        .cloned()
                        .collect(),
                    _ => {
                        let known: Vec<String> = catalog
                            .preview_sets
                            .iter()
                            .map(|s| format!("{}/{}", s.namespace, s.name))
                            .collect();
                        return Err(Error::Other(format!(
                            "{target:?} is neither a preview ResourceSet nor an environment in {}; preview ResourceSets: {}",
                            session.scope_label(),
                            if known.is_empty() {
                                "none".into()
                            } else {
                                known.join(", ")
                            }
                        )));
                    }
                }
            }
        }
    };
    if sets.is_empty() {
        return Err(Error::Other(format!(
            "no preview ResourceSet in {}",
            session.scope_label()
        )));
    }
    render_sets(&session, &sets, args.wait.timeout).await?;
    let after = snapshot::fetch(&session).await?;
    for set in &sets {
        println!("ResourceSet {}/{}:", set.namespace, set.name);
        print!("{}", describe_change(&before, &after, set));
    }
    Ok(ExitCode::SUCCESS)
}

/// Providers first (all of them, then wait), then the ResourceSets; fails on the first error.
pub async fn render_sets(
    session: &Session,
    sets: &[PreviewSet],
    timeout: std::time::Duration,
) -> Result<()> {
    let mut providers: Vec<Target> = Vec::new();
    for set in sets {
        for p in &set.providers {
            let t = Target::new(
                "fluxcd.controlplane.io",
                "v1",
                "ResourceSetInputProvider",
                "resourcesetinputproviders",
                &p.namespace,
                &p.name,
            );
            if !providers.iter().any(|x| x.reference == t.reference) {
                providers.push(t);
            }
        }
    }
    let rsets: Vec<Target> = sets
        .iter()
        .map(|s| {
            Target::new(
                "fluxcd.controlplane.io",
                "v1",
                "ResourceSet",
                "resourcesets",
                &s.namespace,
                &s.name,
            )
        })
        .collect();
    let all: Vec<&Target> = providers.iter().chain(&rsets).collect();
    triggers::preflight(session, "patch", &all).await?;
    let progress = Progress::new();
    let deadline = tokio::time::Instant::now() + timeout;
    for (stage, force) in [(&providers, true), (&rsets, false)] {
        for outcome in
            triggers::trigger_all(session, stage, force, Some(deadline), &progress).await?
        {
            outcome?;
        }
    }
    Ok(())
}
