//! `doctor [RESOURCESET]`: check each preview setup in scope against the known gotchas. Reads
//! only: the snapshot `list` uses, plus one GET per Secret that a provider references (only key
//! names are kept, values are skipped while decoding). Exit 1 when an error-level finding exists.
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::process::ExitCode;

use serde::Serialize;

use crate::cli::{DoctorArgs, DoctorOutput, GlobalArgs};
use crate::cluster::client::{self, Session};
use crate::error::{Error, Result};
use crate::model::doctor::{self, Level, Report, SecretKeys, Secrets};
use crate::model::environments::{self, PodProblems};
use crate::sanitize;
use crate::ui::output;
use crate::ui::select;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DoctorJson<'a> {
    resource_sets: &'a [Report],
    errors: usize,
    warnings: usize,
}

/// The key names of a map, its values skipped while decoding (never kept in memory).
#[derive(Default)]
struct KeyNames(Vec<String>);

impl<'de> serde::Deserialize<'de> for KeyNames {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Names;
        impl<'de> serde::de::Visitor<'de> for Names {
            type Value = KeyNames;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map")
            }
            fn visit_unit<E>(self) -> std::result::Result<KeyNames, E> {
                Ok(KeyNames::default())
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<KeyNames, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    names.push(name);
                }
                Ok(KeyNames(names))
            }
        }
        d.deserialize_any(Names)
    }
}

/// A Secret as doctor reads it: the names of its keys, nothing else.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SecretKeyNames {
    #[serde(default)]
    data: KeyNames,
    #[serde(default)]
    string_data: KeyNames,
}

/// A Secret name as Kubernetes allows it (a DNS subdomain); anything else cannot exist, and is
/// never put into a request path.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// One GET per referenced Secret (never a LIST of a namespace's Secrets): only key names kept.
async fn secret_keys(session: &Session, wanted: &BTreeSet<(String, String)>) -> Result<Secrets> {
    let reads = wanted.iter().map(|(ns, name)| async move {
        if !valid_name(name) {
            return Ok(((ns.clone(), name.clone()), SecretKeys::Missing));
        }
        let request = http::Request::get(format!("/api/v1/namespaces/{ns}/secrets/{name}"))
            .body(Vec::new())
            .map_err(|e| Error::Other(format!("cannot build a request: {e}")))?;
        let keys = match session.client.request::<SecretKeyNames>(request).await {
            Ok(secret) => {
                let mut keys = secret.data.0;
                keys.extend(secret.string_data.0);
                keys.sort();
                keys.dedup();
                SecretKeys::Keys(keys)
            }
            Err(kube::Error::Api(s)) if s.code == 404 => SecretKeys::Missing,
            Err(kube::Error::Api(s)) if s.code == 403 => {
                crate::safe_eprintln!(
                    "Warning: cannot read Secret {} (forbidden); its check cannot run",
                    sanitize::line(&format!("{ns}/{name}"))
                );
                SecretKeys::Forbidden
            }
            Err(e) => {
                return Err(session.error(
                    format!("get Secret {}", sanitize::line(&format!("{ns}/{name}"))),
                    e,
                ));
            }
        };
        Ok(((ns.clone(), name.clone()), keys))
    });
    futures::future::join_all(reads).await.into_iter().collect()
}

pub async fn run(global: &GlobalArgs, args: &DoctorArgs) -> Result<ExitCode> {
    let session = client::connect(&global.into()).await?;
    let snapshot = crate::cluster::read::fetch(&session).await?;
    select::warn_problems(&snapshot);
    let catalog = environments::build(&snapshot, &PodProblems::new());
    let wanted = doctor::referenced_secrets(&snapshot, &catalog, args.resourceset.as_deref());
    let secrets = secret_keys(&session, &wanted).await?;
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
            crate::safe_writeln!(
                s,
                "ResourceSet {}/{}: no problems found",
                r.namespace,
                r.name
            );
            continue;
        }
        crate::safe_writeln!(
            s,
            "ResourceSet {}/{}: {} finding(s)",
            r.namespace,
            r.name,
            r.findings.len()
        );
        for f in &r.findings {
            crate::safe_writeln!(s, "  {:<7}  {}  {}", f.level, f.check, f.object);
            crate::safe_writeln!(s, "    {}", f.problem);
            crate::safe_writeln!(s, "    fix:");
            for line in f.fix.lines() {
                crate::safe_writeln!(s, "      {line}");
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_read_as_key_names() {
        let s: SecretKeyNames = serde_json::from_str(
            r#"{"kind": "Secret", "data": {"password": "c2VjcmV0", "username": {"odd": ["shape"]}}, "stringData": null}"#,
        )
        .unwrap();
        assert_eq!(s.data.0, ["password", "username"]);
        assert!(s.string_data.0.is_empty());
        assert!(serde_json::from_str::<SecretKeyNames>(r#"{"data": "not a map"}"#).is_err());
        for (name, ok) in [
            ("github-auth", true),
            ("a.b-c", true),
            ("../x", false),
            ("x?y", false),
            ("-x", false),
            ("", false),
            ("Upper", false),
        ] {
            assert_eq!(valid_name(name), ok, "{name}");
        }
    }
}
