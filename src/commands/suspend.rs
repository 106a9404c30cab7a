//! `suspend ENV` / `resume ENV`: put an environment to sleep and wake it, the way `flux suspend`
//! and `flux resume` do for one object, for every Kustomization and HelmRelease of the
//! environment. Merge patches of `spec.suspend` with the plugin's field manager, checked with an
//! access review first. A ResourceSet whose template sets `spec.suspend` itself would revert a
//! hand-made suspend at its next reconcile: then `suspend` refuses and says so.
use std::process::ExitCode;

use kube::api::{Patch, PatchParams};
use serde_json::json;

use crate::cli::{GlobalArgs, ResumeArgs, SuspendArgs};
use crate::cluster::client::{self, Session};
use crate::cluster::triggers::{self, Target};
use crate::commands::reconcile::flux_targets;
use crate::error::{Error, Result};
use crate::model::environments::Environment;
use crate::model::flux::FIELD_MANAGER;
use crate::model::objects::Identity;
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

async fn set_suspend(session: &Session, targets: &[Target], suspend: bool) -> Result<()> {
    let all: Vec<&Target> = targets.iter().collect();
    triggers::preflight(session, "patch", &all).await?;
    let params = PatchParams {
        field_manager: Some(FIELD_MANAGER.to_string()),
        ..Default::default()
    };
    // `null` removes the field: resumed is what Flux assumes when `suspend` is absent.
    let value = if suspend { json!(true) } else { json!(null) };
    for t in targets {
        t.api(session)
            .patch(
                &t.reference.name,
                &params,
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

pub async fn suspend(global: &GlobalArgs, args: &SuspendArgs) -> Result<ExitCode> {
    let session = client::connect(&global.into()).await?;
    let loaded = select::load(session, args.env.env.as_deref()).await?;
    let env = select::choose(&loaded).await?;
    let targets = targets(env)?;
    if let Some(rset) =
        loaded.snapshot.resource_sets.iter().find(|r| {
            r.metadata.namespace() == env.namespace && r.metadata.name() == env.resource_set
        })
    {
        let setting = crate::model::template::sets_suspend(&rset.spec);
        if !setting.is_empty() {
            return Err(Error::Other(format!(
                "refusing to suspend {}: ResourceSet {}/{} sets spec.suspend in its template ({}), so its next reconcile would undo it; change the template instead",
                env.name,
                env.namespace,
                env.resource_set,
                setting.join(", ")
            )));
        }
    }
    set_suspend(&loaded.session, &targets, true).await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn resume(global: &GlobalArgs, args: &ResumeArgs) -> Result<ExitCode> {
    let session = client::connect(&global.into()).await?;
    let loaded = select::load(session, args.env.env.as_deref()).await?;
    let env = select::choose(&loaded).await?;
    let targets = targets(env)?;
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
