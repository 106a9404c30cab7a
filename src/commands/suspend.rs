//! `suspend ENV|--all` / `resume ENV`: put environments to sleep and wake them, the way `flux
//! suspend` and `flux resume` do for one object, for every Kustomization and HelmRelease of the
//! environment. Merge patches of `spec.suspend` with the plugin's field manager, checked with an
//! access review first. A ResourceSet whose template sets `spec.suspend` itself would revert a
//! hand-made suspend at its next reconcile: then `suspend` refuses and says so.
//!
//! `--scale-to-zero` also scales the environment's Deployments and StatefulSets to 0, after the
//! suspend (so that Flux does not scale them back), remembering the replicas on each workload
//! (`model::sleep`); `resume` restores them before it resumes the Flux objects. Only workloads
//! that the environment's Flux objects alone apply are scaled, by the teardown planner's rules.
use std::collections::BTreeSet;
use std::process::ExitCode;

use kube::api::{Patch, PatchParams};
use serde_json::json;

use crate::cli::{GlobalArgs, ResumeArgs, SuspendArgs};
use crate::cluster::client::{self, Session};
use crate::cluster::triggers::{self, Target};
use crate::commands::reconcile::flux_targets;
use crate::error::{Error, Result};
use crate::model::environments::{Environment, Query};
use crate::model::flux::FIELD_MANAGER;
use crate::model::inventory::ObjectRef;
use crate::model::objects::Identity;
use crate::model::sleep::{self, Plan, Scale};
use crate::model::snapshot::Snapshot;
use crate::model::teardown::{self, Subject};
use crate::ui::progress::Progress;
use crate::ui::select;

/// The environment's Flux objects, or why there are none.
fn targets(env: &Environment) -> Result<Vec<Target>> {
    let targets = flux_targets(env);
    if targets.is_empty() {
        return Err(Error::Other(format!(
            "{}: no Kustomization or HelmRelease is rendered for it",
            env.name
        )));
    }
    Ok(targets)
}

/// Why suspending `env` would not last: its ResourceSet's template sets `spec.suspend`.
fn refusal(snapshot: &Snapshot, env: &Environment) -> Option<String> {
    let rset = snapshot.resource_sets.iter().find(|r| {
        r.metadata.namespace() == env.namespace && r.metadata.name() == env.resource_set
    })?;
    let setting = crate::model::template::sets_suspend(&rset.spec);
    (!setting.is_empty()).then(|| {
        format!(
            "ResourceSet {}/{} sets spec.suspend in its template ({}), so its next reconcile would undo it; change the template instead",
            env.namespace,
            env.resource_set,
            setting.join(", ")
        )
    })
}

/// The workloads the environment's Flux objects hold, provably them alone (`model::sleep::held`,
/// from the environment's teardown plan). None for an environment that combines inputs
/// (`inputStrategy: Permute`), where attribution per PR does not hold.
fn held(snapshot: &Snapshot, env: &Environment) -> BTreeSet<ObjectRef> {
    if !env.combination.is_empty() {
        return BTreeSet::new();
    }
    let subject = Subject {
        namespace: env.namespace.clone(),
        resource_set: env.resource_set.clone(),
        id: env.pr.id.clone(),
        provider: env.name.contains('@').then(|| env.provider.name.clone()),
    };
    teardown::plan(snapshot, &subject)
        .map(|plan| sleep::held(&plan))
        .unwrap_or_default()
}

fn params() -> PatchParams {
    PatchParams {
        field_manager: Some(FIELD_MANAGER.to_string()),
        ..Default::default()
    }
}

async fn set_suspend(session: &Session, targets: &[Target], suspend: bool) -> Result<()> {
    // `null` removes the field: resumed is what Flux assumes when `suspend` is absent.
    let value = if suspend { json!(true) } else { json!(null) };
    for t in targets {
        t.api(session)
            .patch(
                &t.reference.name,
                &params(),
                &Patch::Merge(json!({"spec": {"suspend": value}})),
            )
            .await
            .map_err(|e| {
                session.error(
                    format!(
                        "patch {} {} in namespace {}",
                        t.resource_name(),
                        t.reference.name,
                        t.reference.namespace
                    ),
                    e,
                )
            })?;
        crate::safe_println!(
            "{}: {}",
            t.reference,
            if suspend { "suspended" } else { "resumed" }
        );
    }
    Ok(())
}

fn workload_target(c: &Scale) -> Target {
    let info = c.kind.info();
    Target::new(
        info.group,
        info.preferred(),
        info.kind,
        info.plural,
        &c.workload.namespace,
        &c.workload.name,
    )
}

/// Applies a scale plan: one merge patch per workload, conditional on the resourceVersion read.
async fn scale(session: &Session, plan: &Plan) -> Result<()> {
    for c in &plan.scale {
        let t = workload_target(c);
        t.api(session)
            .patch(&c.workload.name, &params(), &Patch::Merge(c.patch()))
            .await
            .map_err(|e| match e {
                kube::Error::Api(ref s) if s.code == 409 => Error::Other(format!(
                    "{} changed since it was read; run the command again",
                    c.workload
                )),
                e => session.error(
                    format!(
                        "patch {} {} in namespace {}",
                        t.resource_name(),
                        c.workload.name,
                        c.workload.namespace
                    ),
                    e,
                ),
            })?;
        crate::safe_println!("{}: {}", c.workload, c.describe());
    }
    for (w, why) in &plan.skipped {
        crate::safe_eprintln!("{w}: not scaled: {why}");
    }
    Ok(())
}

/// One access review per resource and namespace for every patch the plans make.
async fn preflight(session: &Session, flux: &[Target], plans: &[&Plan]) -> Result<()> {
    let workloads: Vec<Target> = plans
        .iter()
        .flat_map(|p| p.scale.iter().map(workload_target))
        .collect();
    let all: Vec<&Target> = flux.iter().chain(&workloads).collect();
    triggers::preflight(session, "patch", &all).await
}

pub async fn suspend(global: &GlobalArgs, args: &SuspendArgs) -> Result<ExitCode> {
    let session = client::connect(&global.into()).await?;
    let loaded = select::load(session, args.env.env.as_deref()).await?;
    let envs: Vec<&Environment> = if args.all {
        let query = Query {
            older_than: args.older_than,
            idle: args.idle,
            ..Query::default()
        };
        loaded.catalog.query(&query, jiff::Timestamp::now())
    } else {
        vec![select::choose(&loaded).await?]
    };
    // Everything is planned and reviewed before anything changes.
    let mut work: Vec<(&Environment, Vec<Target>, Plan)> = Vec::new();
    for env in envs {
        let checked = match refusal(&loaded.snapshot, env) {
            Some(why) => Err(Error::Other(format!(
                "refusing to suspend {}: {why}",
                env.name
            ))),
            None => targets(env),
        };
        match checked {
            Ok(targets) => {
                let plan = if args.scale_to_zero {
                    sleep::scale_down(env, &loaded.snapshot, &held(&loaded.snapshot, env))
                } else {
                    Plan::default()
                };
                work.push((env, targets, plan));
            }
            // With --all, one environment that cannot sleep does not keep the others awake.
            Err(e) if args.all => crate::safe_eprintln!("skipping {}", e.one_line()),
            Err(e) => return Err(e),
        }
    }
    if work.is_empty() {
        crate::safe_eprintln!("No environments to suspend");
        return Ok(ExitCode::SUCCESS);
    }
    if args.dry_run {
        for (_, targets, plan) in &work {
            for t in targets {
                crate::safe_println!("{}: would be suspended", t.reference);
            }
            for c in &plan.scale {
                crate::safe_println!("{}: would be {}", c.workload, c.describe());
            }
            for (w, why) in &plan.skipped {
                crate::safe_eprintln!("{w}: would not be scaled: {why}");
            }
        }
        println!("Dry run: nothing changed.");
        return Ok(ExitCode::SUCCESS);
    }
    let flux: Vec<Target> = work.iter().flat_map(|(_, t, _)| t.clone()).collect();
    let plans: Vec<&Plan> = work.iter().map(|(_, _, p)| p).collect();
    preflight(&loaded.session, &flux, &plans).await?;
    for (_, targets, plan) in &work {
        set_suspend(&loaded.session, targets, true).await?;
        scale(&loaded.session, plan).await?;
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn resume(global: &GlobalArgs, args: &ResumeArgs) -> Result<ExitCode> {
    let session = client::connect(&global.into()).await?;
    let loaded = select::load(session, args.env.env.as_deref()).await?;
    let env = select::choose(&loaded).await?;
    let targets = targets(env)?;
    let plan = sleep::scale_up(env, &loaded.snapshot, &held(&loaded.snapshot, env));
    preflight(&loaded.session, &targets, &[&plan]).await?;
    // Sizes first: the reconcile that follows then finds the workloads as they were.
    scale(&loaded.session, &plan).await?;
    set_suspend(&loaded.session, &targets, false).await?;
    // As `flux resume` does: reconcile now, and wait until each has handled it.
    let progress = Progress::new();
    let deadline = (!args.no_wait).then(|| tokio::time::Instant::now() + args.wait.timeout);
    let outcomes =
        triggers::trigger_all(&loaded.session, &targets, false, deadline, &progress).await?;
    let mut failed = false;
    for (t, outcome) in targets.iter().zip(outcomes) {
        match outcome {
            Ok(msg) if msg.is_empty() => crate::safe_println!("{}: Ready", t.reference),
            Ok(msg) => crate::safe_println!("{}: Ready: {msg}", t.reference),
            Err(e) => {
                crate::safe_println!("{}: {}", t.reference, e.one_line());
                failed = true;
            }
        }
    }
    if failed {
        return Err(Error::Other(format!(
            "{} did not become Ready after resuming",
            env.name
        )));
    }
    Ok(ExitCode::SUCCESS)
}
