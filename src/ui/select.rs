//! Loading the environments in scope and picking one: by reference, or with a fuzzy picker when
//! the reference is omitted on a terminal.
use std::io::IsTerminal;

use crate::cluster::client::Session;
use crate::error::{Error, Result};
use crate::model::environments::{self, Catalog, Environment, PodProblems};
use crate::model::objects::Identity;
use crate::model::reference::{self, Resolution};
use crate::model::snapshot::{Kind, Snapshot};

/// Prints one warning per unreadable kind and namespace to stderr.
pub fn warn_problems(snapshot: &Snapshot) {
    for p in &snapshot.problems {
        crate::safe_eprintln!("Warning: {}", p.warning());
    }
}

pub struct Loaded {
    pub session: Session,
    pub snapshot: Snapshot,
    pub catalog: Catalog,
    /// The ENV the user gave, as typed and parsed.
    pub text: Option<String>,
    pub reference: Option<reference::Reference>,
}

/// Parses the ENV the user gave (a usage error when malformed) and loads the environments of the
/// session's scope, narrowed to the reference's namespace when it names one.
pub async fn load(mut session: Session, env: Option<&str>) -> Result<Loaded> {
    let reference = env
        .map(reference::parse)
        .transpose()
        .map_err(Error::Usage)?;
    if let Some(ns) = reference.as_ref().and_then(|r| r.namespace.clone()) {
        session.namespace = ns;
        session.all_namespaces = false;
    }
    let snapshot = crate::cluster::read::fetch(&session).await?;
    warn_problems(&snapshot);
    let catalog = environments::build(&snapshot, &PodProblems::new());
    Ok(Loaded {
        session,
        snapshot,
        catalog,
        text: env.map(str::to_string),
        reference,
    })
}

pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Resolves the ENV given to `load` (or asks, on a terminal) to one environment of the catalog.
pub async fn choose(loaded: &Loaded) -> Result<&Environment> {
    let envs = &loaded.catalog.environments;
    let (Some(text), Some(parsed)) = (loaded.text.as_deref(), loaded.reference.as_ref()) else {
        if !interactive() {
            return Err(Error::Usage(
                "ENV is required when not on a terminal (PR, RESOURCESET/PR or NAMESPACE/RESOURCESET/PR)".into(),
            ));
        }
        if envs.is_empty() {
            return Err(Error::Other(format!(
                "no preview environments in {}",
                loaded.session.scope_label()
            )));
        }
        return pick(envs.iter().collect());
    };
    match reference::resolve(parsed, envs) {
        Resolution::Found(env) => Ok(env),
        Resolution::Ambiguous(candidates) => {
            if interactive() {
                return pick(candidates);
            }
            Err(Error::Other(format!(
                "environment {text:?} is ambiguous in {}: {}; name it as RESOURCESET/PR or NAMESPACE/RESOURCESET/PR",
                loaded.session.scope_label(),
                reference::name_list(&candidates, 20)
            )))
        }
        Resolution::NotFound => {
            let existing: Vec<&Environment> = envs.iter().collect();
            let mut msg = format!(
                "environment {text:?} not found in {}",
                loaded.session.scope_label()
            );
            if existing.is_empty() {
                msg.push_str("; there are no preview environments there");
            } else {
                msg.push_str(&format!(
                    "; environments: {}",
                    reference::name_list(&existing, 20)
                ));
            }
            if let Some(hint) = elsewhere_hint(&loaded.session).await {
                msg.push_str(&format!("; {hint}"));
            }
            Err(Error::Other(msg))
        }
    }
}

/// One line of the picker: the reference, the status and the PR title, sanitised (the title is
/// a stranger's text) and cut to a terminal's width.
pub fn picker_item(e: &Environment) -> String {
    crate::sanitize::cell_max(
        &format!(
            "{}  {}  {}",
            e.name,
            e.status,
            e.pr.title.as_deref().unwrap_or("")
        ),
        120,
    )
}

fn pick(candidates: Vec<&Environment>) -> Result<&Environment> {
    let items: Vec<String> = candidates.iter().map(|e| picker_item(e)).collect();
    let chosen = dialoguer::FuzzySelect::new()
        .with_prompt("Environment")
        .items(&items)
        .default(0)
        .interact_opt()
        .map_err(|e| Error::Other(format!("cannot read the choice: {e}")))?;
    match chosen {
        Some(i) => candidates
            .get(i)
            .copied()
            .ok_or_else(|| Error::Other("no environment chosen".into())),
        None => Err(Error::Other("no environment chosen".into())),
    }
}

/// When the scope is one namespace: whether other namespaces have preview environments (one
/// cluster-wide LIST of providers, only on this path). Silent when that is not allowed.
pub async fn elsewhere_hint(session: &Session) -> Option<String> {
    if session.all_namespaces {
        return None;
    }
    let providers: Vec<crate::model::objects::Provider> =
        crate::cluster::read::list_all(&session.client, Kind::Provider.info(), "", None)
            .await
            .ok()?;
    let mut namespaces: Vec<String> = providers
        .iter()
        .filter(|p| {
            crate::model::flux::is_change_request_type(&p.spec.type_)
                && !p.status.exported_inputs.is_empty()
        })
        .map(|p| p.metadata.namespace().to_string())
        .filter(|ns| *ns != session.namespace)
        .collect();
    namespaces.sort();
    namespaces.dedup();
    (!namespaces.is_empty()).then(|| {
        format!(
            "pull requests are exported in namespace(s) {}: use -A or -n",
            namespaces.join(", ")
        )
    })
}
