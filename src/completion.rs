//! Completion candidates for the command line's arguments (environments, ResourceSets,
//! namespaces, contexts, statuses), from the live cluster with a short timeout: a slow or
//! unreachable cluster gives no candidates, never a hung shell. The engines that serve them to a
//! shell (clap_complete's dynamic completion, kubectl's plugin completion) are in
//! `commands::completion`, which reads the command line's definition; this module does not, so
//! the two do not depend on each other.
use std::ffi::OsStr;
use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};

use crate::cluster::client::ConnectOptions;
use crate::model::objects::Identity;

/// The whole time a completion may spend on the cluster.
const BUDGET: Duration = Duration::from_millis(1500);

static TYPED: OnceLock<Vec<String>> = OnceLock::new();

/// The words typed so far, when the shell passes them after `--` (dynamic completion).
pub fn set_typed(words: Vec<String>) {
    let _ = TYPED.set(words);
}

/// The words typed so far, for the flags that scope the cluster queries (`--context`, `-n`, …).
fn typed() -> Vec<String> {
    TYPED
        .get()
        .cloned()
        .unwrap_or_else(|| std::env::args().collect())
}

/// The connection flags among the typed words.
fn scope_flags(words: &[String]) -> ConnectOptions {
    let mut g = ConnectOptions {
        request_timeout: BUDGET,
        ..Default::default()
    };
    let mut it = words.iter().peekable();
    while let Some(w) = it.next() {
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (w.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| it.peek().map(|v| v.to_string()));
        match flag.as_str() {
            "--kubeconfig" => g.kubeconfig = value().map(Into::into),
            "--context" => g.context = value(),
            "--cluster" => g.cluster = value(),
            "--user" => g.user = value(),
            // A namespace still being typed is not a scope (and need not be a valid name yet).
            "-n" | "--namespace" => {
                g.namespace = value().filter(|v| crate::model::reference::is_namespace_name(v))
            }
            "-A" | "--all-namespaces" => g.all_namespaces = true,
            "--as" => g.as_user = value(),
            "--insecure-skip-tls-verify" => g.insecure_skip_tls_verify = true,
            _ => {}
        }
    }
    g
}

/// Runs a cluster query within the budget on its own small runtime; `None` on any failure.
fn with_cluster<T>(
    query: impl AsyncFnOnce(crate::cluster::client::Session) -> Option<T>,
) -> Option<T> {
    let global = scope_flags(&typed());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    rt.block_on(async move {
        tokio::time::timeout(BUDGET, async move {
            let session = crate::cluster::client::connect(&global).await.ok()?;
            query(session).await
        })
        .await
        .ok()
        .flatten()
    })
}

fn candidates(current: &OsStr, items: Vec<(String, Option<String>)>) -> Vec<CompletionCandidate> {
    let prefix = current.to_string_lossy();
    items
        .into_iter()
        .filter(|(v, _)| v.starts_with(prefix.as_ref()))
        // A value a shell cannot take as one word (PR ids are written by strangers) is not
        // offered; descriptions are sanitised (a tab or newline would break the protocol).
        .filter(|(v, _)| {
            !v.chars()
                .any(|c| c.is_whitespace() || crate::sanitize::is_unsafe(c))
        })
        .map(|(v, help)| {
            CompletionCandidate::new(v).help(help.map(|h| crate::sanitize::cell(&h).into()))
        })
        .collect()
}

/// Environment references in scope, as short as they can be, with the PR title as description.
fn environments(current: &OsStr) -> Vec<CompletionCandidate> {
    let items = with_cluster(async |session| {
        let all = session.all_namespaces;
        let snapshot = crate::cluster::read::fetch_catalog_sources(&session)
            .await
            .ok()?;
        let catalog = crate::model::environments::build(&snapshot, &Default::default());
        let envs = &catalog.environments;
        Some(
            envs.iter()
                .map(|e| {
                    let id = e.name.rsplit('/').next().unwrap_or(&e.pr.id).to_string();
                    let unique = envs.iter().filter(|o| o.pr.id == e.pr.id).count() == 1;
                    let value = if all {
                        e.name.clone()
                    } else if unique {
                        id
                    } else {
                        format!("{}/{id}", e.resource_set)
                    };
                    let help =
                        e.pr.title
                            .clone()
                            .unwrap_or_else(|| e.pr.branch.clone().unwrap_or_default());
                    (value, Some(help))
                })
                .collect(),
        )
    });
    candidates(current, items.unwrap_or_default())
}

fn resource_sets(current: &OsStr) -> Vec<CompletionCandidate> {
    let items = with_cluster(async |session| {
        let snapshot = crate::cluster::read::fetch_catalog_sources(&session)
            .await
            .ok()?;
        let catalog = crate::model::environments::build(&snapshot, &Default::default());
        Some(
            catalog
                .preview_sets
                .iter()
                .map(|s| {
                    let providers: Vec<String> =
                        s.providers.iter().map(|p| p.name.clone()).collect();
                    (
                        s.name.clone(),
                        Some(format!(
                            "ResourceSet in {} (providers: {})",
                            s.namespace,
                            providers.join(", ")
                        )),
                    )
                })
                .collect(),
        )
    });
    candidates(current, items.unwrap_or_default())
}

fn render_targets(current: &OsStr) -> Vec<CompletionCandidate> {
    let mut out = resource_sets(current);
    out.extend(environments(current));
    out
}

fn namespaces(current: &OsStr) -> Vec<CompletionCandidate> {
    let items = with_cluster(async |session| {
        let namespaces: Vec<crate::model::objects::Object> = crate::cluster::read::list_all(
            &session.client,
            crate::model::kinds::of("", "Namespace"),
            "",
            None,
        )
        .await
        .ok()?;
        Some(
            namespaces
                .into_iter()
                .map(|n| (n.metadata.name().to_string(), None))
                .collect(),
        )
    });
    candidates(current, items.unwrap_or_default())
}

fn contexts(current: &OsStr) -> Vec<CompletionCandidate> {
    let global = scope_flags(&typed());
    let items = crate::cluster::client::load_kubeconfig(global.kubeconfig.as_ref())
        .map(|k| k.contexts.into_iter().map(|c| (c.name, None)).collect())
        .unwrap_or_default();
    candidates(current, items)
}

pub fn statuses() -> Vec<CompletionCandidate> {
    crate::model::health::Status::ALL
        .iter()
        .map(|s| CompletionCandidate::new(s.to_string()))
        .collect()
}

pub fn env_completer() -> ArgValueCompleter {
    ArgValueCompleter::new(environments)
}
pub fn resource_set_completer() -> ArgValueCompleter {
    ArgValueCompleter::new(resource_sets)
}
pub fn render_target_completer() -> ArgValueCompleter {
    ArgValueCompleter::new(render_targets)
}
pub fn namespace_completer() -> ArgValueCompleter {
    ArgValueCompleter::new(namespaces)
}
pub fn context_completer() -> ArgValueCompleter {
    ArgValueCompleter::new(contexts)
}

/// The registration script `completion SHELL` prints: it asks the binary for candidates at
/// each <TAB>, so environment references come from the live cluster.
pub fn registration(shell: clap_complete::Shell, out: &mut dyn Write) -> std::io::Result<()> {
    use clap_complete::env::{Bash, EnvCompleter, Fish, Powershell, Zsh};
    let completer: &dyn EnvCompleter = match shell {
        clap_complete::Shell::Bash => &Bash,
        clap_complete::Shell::Zsh => &Zsh,
        clap_complete::Shell::Fish => &Fish,
        clap_complete::Shell::PowerShell => &Powershell,
        clap_complete::Shell::Elvish => &clap_complete::env::Elvish,
        _ => &Bash,
    };
    completer.write_registration(
        "COMPLETE",
        "kubectl-preview",
        "kubectl-preview",
        "kubectl-preview",
        out,
    )
}
