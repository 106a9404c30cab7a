//! `list`: one row per environment.
use std::process::ExitCode;

use serde::Serialize;

use crate::cli::{GlobalArgs, ListArgs, ListOutput};
use crate::cluster::client::{self, Session};
use crate::error::{Error, Result};
use crate::model::environments::{Catalog, Column, Environment};
use crate::model::health::{Status, short};
use crate::model::snapshot::{Kind, Snapshot};
use crate::ui::output::{self, FORBIDDEN, NONE};
use crate::ui::select;

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
    let session = client::connect(global).await?;
    if args.watch {
        return crate::commands::watch::run(session, args, status).await;
    }
    let loaded = select::load(session, None).await?;
    let envs = filter(&loaded.catalog, args, status);
    print(&envs, args, loaded.session.all_namespaces)?;
    if envs.is_empty() {
        crate::safe_eprintln!(
            "{}",
            explain_empty(&loaded.session, &loaded.snapshot, &loaded.catalog).await
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn filter<'a>(
    catalog: &'a Catalog,
    args: &ListArgs,
    status: Option<Status>,
) -> Vec<&'a Environment> {
    catalog
        .environments
        .iter()
        .filter(|e| status.is_none_or(|s| e.status == s))
        .filter(|e| {
            args.resourceset
                .as_ref()
                .is_none_or(|r| *r == e.resource_set)
        })
        .filter(|e| {
            args.author
                .as_ref()
                .is_none_or(|a| e.pr.author.as_ref() == Some(a))
        })
        .collect()
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

/// `-o name`: one reference a line. A PR id is the provider's text: sanitised, so it stays one line.
pub fn render_names(envs: &[&Environment]) -> String {
    envs.iter()
        .map(|e| format!("{}\n", crate::sanitize::line(&e.name)))
        .collect()
}

fn or_none(v: Option<&str>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or(NONE).to_string()
}

/// The id as the reference names it (`4@web-prs` when two providers export `4`).
fn pr_column(e: &Environment) -> String {
    e.name.rsplit('/').next().unwrap_or(&e.pr.id).to_string()
}

pub fn render_table(
    envs: &[&Environment],
    wide: bool,
    all_namespaces: bool,
    no_headers: bool,
) -> String {
    let mut headers = vec![];
    if all_namespaces {
        headers.push("NAMESPACE");
    }
    headers.extend(["RESOURCESET", "PR", "BRANCH", "SHA", "STATUS", "URL", "AGE"]);
    if wide {
        headers.extend([
            "TITLE", "AUTHOR", "PROVIDER", "OBJECTS", "DEPLOYED", "MESSAGE",
        ]);
    }
    let forbidden = |e: &Environment, col: Column| e.forbidden.contains(&col);
    let rows: Vec<Vec<String>> = envs
        .iter()
        .map(|e| {
            let mut row = vec![];
            if all_namespaces {
                row.push(e.namespace.clone());
            }
            row.push(if forbidden(e, Column::ResourceSet) {
                FORBIDDEN.into()
            } else {
                e.resource_set.clone()
            });
            row.push(pr_column(e));
            row.push(or_none(e.pr.branch.as_deref()));
            row.push(or_none(e.pr.sha.as_deref().map(short)));
            row.push(e.status.to_string());
            row.push(match (&e.url, forbidden(e, Column::Url)) {
                (Some(u), _) => u.clone(),
                (None, true) => FORBIDDEN.into(),
                (None, false) => NONE.into(),
            });
            row.push(if e.created_at.is_some() {
                output::age(e.created_at.as_deref())
            } else {
                NONE.into()
            });
            if wide {
                row.push(or_none(e.pr.title.as_deref()));
                row.push(or_none(e.pr.author.as_deref()));
                row.push(e.provider.name.clone());
                row.push(e.objects.len().to_string());
                row.push(match (&e.deployed_sha, forbidden(e, Column::Deployed)) {
                    (Some(d), _) => short(d).to_string(),
                    (None, true) => FORBIDDEN.into(),
                    (None, false) => NONE.into(),
                });
                row.push(e.message.lines().next().unwrap_or("").to_string());
            }
            row
        })
        .collect();
    output::table(&headers, &rows, no_headers)
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
