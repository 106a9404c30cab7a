//! `list`: one row per environment.
use std::process::ExitCode;

use serde::Serialize;

use crate::cli::{GlobalArgs, ListArgs, ListOutput};
use crate::cluster::client::{self, Session};
use crate::error::{Error, Result};
use crate::model::environments::{Catalog, Environment};
use crate::model::health::Status;
use crate::model::snapshot::{Kind, Snapshot};
use crate::ui::output;
use crate::ui::select;
pub use crate::ui::table::{render_names, render_table};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentList<'a> {
    pub kind: &'static str,
    pub items: Vec<&'a Environment>,
}

pub async fn run(global: &GlobalArgs, args: &ListArgs) -> Result<ExitCode> {
    let status = match &args.status {
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            let all: Vec<String> = Status::ALL.iter().map(|s| s.to_string()).collect();
            Error::Usage(format!(
                "invalid --status {s:?}: use one of {}",
                all.join(", ")
            ))
        })?),
        None => None,
    };
    let session = client::connect(&global.into()).await?;
    if args.watch {
        return crate::commands::watch::run(session, args, status).await;
    }
    let select::Loaded {
        session,
        snapshot,
        catalog,
        ..
    } = select::load(session, None).await?;
    let envs = filter(&catalog, args, status);
    if envs.is_empty() {
        print(&envs, args, session.all_namespaces)?;
        crate::safe_eprintln!("{}", explain_empty(&session, &snapshot, &catalog).await);
    } else {
        // The environments hold all that is printed: the objects they were built from (most of
        // the memory at a thousand environments) go before the table is laid out.
        drop(snapshot);
        print(&envs, args, session.all_namespaces)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The environments `list` shows: the catalog narrowed by `--status`, `--resourceset`,
/// `--author`, `--older-than` and `--idle` (against the clock now), in `--sort` order.
pub fn filter<'a>(
    catalog: &'a Catalog,
    args: &ListArgs,
    status: Option<Status>,
) -> Vec<&'a Environment> {
    catalog.query(&args.query(status), jiff::Timestamp::now())
}

pub fn print(envs: &[&Environment], args: &ListArgs, all_namespaces: bool) -> Result<()> {
    match args.output {
        ListOutput::Json => output::print_json(&EnvironmentList {
            kind: "PreviewEnvironmentList",
            items: envs.to_vec(),
        }),
        ListOutput::Yaml => output::print_yaml(&EnvironmentList {
            kind: "PreviewEnvironmentList",
            items: envs.to_vec(),
        }),
        ListOutput::Name => {
            print!("{}", render_names(envs));
            Ok(())
        }
        ListOutput::Table | ListOutput::Wide => {
            if envs.is_empty() {
                return Ok(());
            }
            print!(
                "{}",
                render_table(
                    envs,
                    args.output == ListOutput::Wide,
                    all_namespaces,
                    args.no_headers
                )
            );
            Ok(())
        }
    }
}

/// Why a listing is empty, in one sentence.
pub async fn explain_empty(session: &Session, snapshot: &Snapshot, catalog: &Catalog) -> String {
    let scope = session.scope_label();
    let base = if snapshot.missing.contains(&Kind::Provider)
        && snapshot.missing.contains(&Kind::ResourceSet)
    {
        "No preview environments: this cluster does not serve the Flux Operator API (fluxcd.controlplane.io/v1 ResourceSet, ResourceSetInputProvider).".to_string()
    } else if snapshot.problems.iter().any(|p| p.kind == Kind::Provider) {
        format!(
            "No preview environments shown: ResourceSetInputProviders cannot be read in {scope}."
        )
    } else if !catalog.environments.is_empty() {
        format!(
            "No environment matches the filters ({} environments in {scope}).",
            catalog.environments.len()
        )
    } else if catalog.preview_providers == 0 {
        format!(
            "No preview environments in {scope}: no ResourceSetInputProvider of a change-request type ({}).",
            crate::model::flux::CHANGE_REQUEST_TYPES.join(", ")
        )
    } else if catalog.exported_prs == 0 {
        format!(
            "No preview environments in {scope}: {} preview provider(s), but none exports a pull request (no open PR passes their filter.labels/skip.labels, or they have not polled yet).",
            catalog.preview_providers
        )
    } else if !catalog.unconsumed_providers.is_empty() {
        let names: Vec<String> = catalog
            .unconsumed_providers
            .iter()
            .map(|p| p.to_string())
            .collect();
        format!(
            "No preview environments in {scope}: pull requests are exported by {}, but no ResourceSet consumes them through spec.inputsFrom.",
            names.join(", ")
        )
    } else {
        format!("No preview environments in {scope}.")
    };
    if catalog.environments.is_empty()
        && let Some(hint) = select::elsewhere_hint(session).await
    {
        return format!("{base} Hint: {hint}.");
    }
    base
}
