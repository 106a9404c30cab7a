//! `reconcile ENV|--all`: ask Flux to reconcile the environments' Kustomizations and HelmReleases
//! now (with `--with-source`, their sources first), then wait until each has handled the request.
use std::collections::BTreeSet;
use std::process::ExitCode;

use serde_json::Value;

use crate::cli::{GlobalArgs, ReconcileArgs};
use crate::cluster::client;
use crate::cluster::triggers::{self, Target};
use crate::error::{Error, Result};
use crate::model::environments::Environment;
use crate::model::inventory::ObjectRef;
use crate::model::objects::Identity;
use crate::model::snapshot::Snapshot;
use crate::ui::progress::Progress;
use crate::ui::select;

/// The environment's Kustomizations and HelmReleases that exist, top level and nested.
pub fn flux_targets(env: &Environment) -> Vec<Target> {
    env.objects
        .iter()
        .filter(|o| o.found && o.reference.is_flux_applier())
        .filter_map(|o| Target::of(&o.reference))
        .collect()
}

/// The sources of Flux objects: Kustomization `spec.sourceRef`, HelmRelease
/// `spec.chart.spec.sourceRef` or `spec.chartRef`.
pub fn source_targets(snapshot: &Snapshot, appliers: &[Target]) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    for t in appliers {
        let Some(f) = snapshot.flux.iter().find(|f| {
            f.kind == t.reference.kind
                && f.metadata.namespace() == t.reference.namespace
                && f.metadata.name() == t.reference.name
        }) else {
            continue;
        };
        let source = f
            .spec
            .get("sourceRef")
            .or_else(|| f.spec.pointer("/chart/spec/sourceRef"))
            .or_else(|| f.spec.get("chartRef"));
        let Some(source) = source else { continue };
        let kind = source
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(name) = source.get("name").and_then(Value::as_str) else {
            continue;
        };
        let ns = source
            .get("namespace")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or(f.metadata.namespace());
        if let Some(target) =
            Target::of(&ObjectRef::new("source.toolkit.fluxcd.io", kind, ns, name))
            && !out.iter().any(|o| o.reference == target.reference)
        {
            out.push(target);
        }
    }
    out
}

pub async fn run(global: &GlobalArgs, args: &ReconcileArgs) -> Result<ExitCode> {
    let session = client::connect(&global.into()).await?;
    let loaded = select::load(session, args.env.env.as_deref()).await?;
    let envs: Vec<&Environment> = if args.all {
        loaded.catalog.environments.iter().collect()
    } else {
        vec![select::choose(&loaded).await?]
    };
    let mut appliers: Vec<Target> = Vec::new();
    for env in &envs {
        for t in flux_targets(env) {
            if !appliers.iter().any(|a| a.reference == t.reference) {
                appliers.push(t);
            }
        }
    }
    if appliers.is_empty() {
        let names: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
        return Err(Error::Other(format!(
            "nothing to reconcile: no Kustomization or HelmRelease is rendered for {}",
            if names.is_empty() {
                loaded.session.scope_label()
            } else {
                names.join(", ")
            }
        )));
    }
    let sources = if args.with_source {
        source_targets(&loaded.snapshot, &appliers)
    } else {
        vec![]
    };
    let all: Vec<&Target> = sources.iter().chain(&appliers).collect();
    triggers::preflight(&loaded.session, "patch", &all).await?;
    let session = &loaded.session;
    let progress = Progress::new();
    let deadline = tokio::time::Instant::now() + args.wait.timeout;
    let mut failed = BTreeSet::new();
    // Sources first, as `flux reconcile --with-source` does: the appliers then see the new revision.
    for stage in [&sources, &appliers] {
        if stage.is_empty() {
            continue;
        }
        let deadline = (!args.no_wait).then_some(deadline);
        let outcomes = triggers::trigger_all(session, stage, false, deadline, &progress).await?;
        for (t, outcome) in stage.iter().zip(outcomes) {
            match outcome {
                Ok(msg) => crate::safe_println!(
                    "{}: Ready{}",
                    t.reference,
                    if msg.is_empty() {
                        String::new()
                    } else {
                        format!(": {msg}")
                    }
                ),
                Err(e) => {
                    crate::safe_println!("{}: {}", t.reference, e.one_line());
                    failed.insert(t.reference.to_string());
                }
            }
        }
        if !failed.is_empty() {
            break;
        }
    }
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Error::Other(format!(
            "reconcile failed for {}",
            failed.into_iter().collect::<Vec<_>>().join(", ")
        )))
    }
}
