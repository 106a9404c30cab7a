//! `doctor [RESOURCESET]`: check each preview setup in scope against the known gotchas. Reads
//! only: the snapshot `list` uses, plus one LIST of Secrets per provider namespace (only their key
//! names are used). Exit 1 when an error-level finding exists.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::process::ExitCode;

use serde::Serialize;

use crate::cli::{DoctorArgs, DoctorOutput, GlobalArgs};
use crate::client::{self, Session};
use crate::doctor::{self, Level, Report, Secrets};
use crate::environments::{self, PodProblems};
use crate::error::{Error, Result};
use crate::output;
use crate::select;
use crate::snapshot;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DoctorJson<'a> {
    resource_sets: &'a [Report],
    errors: usize,
    warnings: usize,
}

/// Key names of the Secrets in the given namespaces; `None` when any could not be read.
async fn secret_keys(session: &Session, namespaces: &BTreeSet<String>) -> Result<Secrets> {
    #[derive(serde::Deserialize)]
    struct Secret {
        #[serde(default)]
        metadata: crate::objects::Meta,
        #[serde(default)]
        data: BTreeMap<String, serde_json::Value>,
    }
    let mut out = BTreeMap::new();
    for ns in namespaces {
        match snapshot::list_items::<Secret>(session, &format!("/api/v1/namespaces/{ns}/secrets"))
            .await
        {
            Ok(secrets) => {
                for s in secrets {
                    out.insert((ns.clone(), s.metadata.name), s.data.into_keys().collect());
                }
            }
            Err(kube::Error::Api(s)) if s.code == 403 => {
                eprintln!(
                    "Warning: cannot list secrets in namespace {ns} (forbidden); the credentials check cannot run"
                );
                return Ok(None);
            }
            Err(e) => return Err(session.error(format!("list secrets in namespace {ns}"), e)),
        }
    }
    Ok(Some(out))
}

pub async fn run(global: &GlobalArgs, args: &DoctorArgs) -> Result<ExitCode> {
    let session = client::connect(global).await?;
    let snapshot = snapshot::fetch(&session).await?;
    select::warn_problems(&snapshot);
    let catalog = environments::build(&snapshot, &PodProblems::new());
    let namespaces: BTreeSet<String> = catalog
        .preview_sets
        .iter()
        .flat_map(|s| s.providers.iter().map(|p| p.namespace.clone()))
        .collect();
    let secrets = secret_keys(&session, &namespaces).await?;
    let reports = doctor::check(&snapshot, &catalog, &secrets, args.resourceset.as_deref());
    if reports.is_empty() {
        let what = match &args.resourceset {
            Some(r) => format!(
                "no preview ResourceSet named {r:?} in {}",
                session.scope_label()
            ),
            None => format!("no preview ResourceSet in {}", session.scope_label()),
        };
        return Err(Error::Other(what));
    }
    let count = |level: Level| {
        reports
            .iter()
            .flat_map(|r| &r.findings)
            .filter(|f| f.level == level)
            .count()
    };
    let (errors, warnings) = (count(Level::Error), count(Level::Warning));
    match args.output {
        DoctorOutput::Json => output::print_json(&DoctorJson {
            resource_sets: &reports,
            errors,
            warnings,
        })?,
        DoctorOutput::Text => print!("{}", render(&reports)),
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn render(reports: &[Report]) -> String {
    let mut s = String::new();
    for r in reports {
        if r.findings.is_empty() {
            let _ = writeln!(
                s,
                "ResourceSet {}/{}: no problems found",
                r.namespace, r.name
            );
            continue;
        }
        let _ = writeln!(
            s,
            "ResourceSet {}/{}: {} finding(s)",
            r.namespace,
            r.name,
            r.findings.len()
        );
        for f in &r.findings {
            let _ = writeln!(s, "  {:<7}  {}  {}", f.level, f.check, f.object);
            let _ = writeln!(s, "    {}", f.problem);
            let _ = writeln!(s, "    fix:");
            for line in f.fix.lines() {
                let _ = writeln!(s, "      {line}");
            }
        }
    }
    s
}
