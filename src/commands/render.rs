//! `render [RESOURCESET|ENV]`: force-render through the API server. Refresh the preview
//! providers now (`requestedAt` + `forceAt`, so a schedule window does not block it), wait until
//! handled, reconcile the ResourceSet, wait until handled, then print what changed.
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;

use crate::cli::{GlobalArgs, RenderArgs};
use crate::cluster::client::{self, Session};
use crate::cluster::triggers::{self, Target};
use crate::error::{Error, Result};
use crate::model::environments::{self, Catalog, PodProblems, PreviewSet};
use crate::model::health::short;
use crate::model::inventory::{self, ObjectRef};
use crate::model::objects::Identity;
use crate::model::reference;
use crate::model::snapshot::Snapshot;
use crate::sanitize;
use crate::ui::progress::Progress;
use crate::ui::select;

/// PR id → head sha, for the providers of one ResourceSet.
fn exported(snapshot: &Snapshot, set: &PreviewSet) -> BTreeMap<String, Option<String>> {
    let mut out = BTreeMap::new();
    for p in snapshot.providers.iter().filter(|p| {
        set.providers
            .iter()
            .any(|x| x.namespace == p.metadata.namespace() && x.name == p.metadata.name())
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
                format!("{id}@{}", p.metadata.name())
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
        .find(|r| r.metadata.namespace() == set.namespace && r.metadata.name() == set.name)
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
                crate::safe_writeln!(
                    out,
                    "  + PR {id} added at {}",
                    sha.as_deref().map(short).unwrap_or("?")
                );
            }
            Some(old) if old != sha => {
                crate::safe_writeln!(
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
        crate::safe_writeln!(out, "  - PR {id} removed");
    }
    let (bi, ai) = (inventory_of(before, set), inventory_of(after, set));
    for o in ai.iter().filter(|o| !bi.iter().any(|x| x.same_object(o))) {
        crate::safe_writeln!(out, "  + {o} created");
    }
    for o in bi.iter().filter(|o| !ai.iter().any(|x| x.same_object(o))) {
        crate::safe_writeln!(out, "  - {o} deleted");
    }
    if out.is_empty() {
        out.push_str("  no change\n");
    }
    out
}

/// What a `render` argument names, read every way it can be read: a preview ResourceSet (`RSET`,
/// `NAMESPACE/RSET`) or an environment (`PR`, `RSET/PR`, `NAMESPACE/RSET/PR`), whose ResourceSet is
/// then rendered.
#[derive(Debug)]
pub enum Choice<S> {
    Found(S),
    /// More than one ResourceSet fits: each candidate as the user could name it.
    Ambiguous(Vec<String>),
    NotFound,
}

/// The argument split on `/`: one to three non-empty parts.
fn target_parts(target: &str) -> Result<Vec<&str>> {
    let parts: Vec<&str> = target.trim().split('/').collect();
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return Err(Error::Usage(format!(
            "invalid target {:?}: use RESOURCESET, NAMESPACE/RESOURCESET or an environment (PR, RESOURCESET/PR, NAMESPACE/RESOURCESET/PR)",
            sanitize::line(target)
        )));
    }
    Ok(parts)
}

/// Pure: the preview ResourceSet of `catalog` that `target` names. A ResourceSet and an
/// environment of another ResourceSet that both fit make the argument ambiguous; several
/// environments of one ResourceSet (one id from two providers) do not: the same set is rendered.
pub fn choose<'a>(target: &str, catalog: &'a Catalog) -> Result<Choice<&'a PreviewSet>> {
    let parts = target_parts(target)?;
    let mut found: Vec<(&'a PreviewSet, String)> = Vec::new();
    let (set_ns, set_name) = match parts.as_slice() {
        [name] => (None, Some(*name)),
        [ns, name] => (Some(*ns), Some(*name)),
        _ => (None, None),
    };
    if let Some(name) = set_name {
        for set in catalog
            .preview_sets
            .iter()
            .filter(|s| s.name == name && set_ns.is_none_or(|ns| ns == s.namespace))
        {
            found.push((set, format!("ResourceSet {}/{}", set.namespace, set.name)));
        }
    }
    // A target that is not a valid environment reference can still name a ResourceSet.
    if let Ok(reference) = reference::parse(target) {
        for env in catalog.environments.iter().filter(|e| reference.matches(e)) {
            if let Some(set) = catalog
                .preview_sets
                .iter()
                .find(|s| s.namespace == env.namespace && s.name == env.resource_set)
            {
                found.push((set, format!("environment {}", env.name)));
            }
        }
    }
    let mut sets: Vec<&PreviewSet> = Vec::new();
    for (set, _) in &found {
        if !sets
            .iter()
            .any(|s| s.namespace == set.namespace && s.name == set.name)
        {
            sets.push(set);
        }
    }
    Ok(match sets.as_slice() {
        [] => Choice::NotFound,
        [one] => Choice::Found(one),
        _ => Choice::Ambiguous(found.into_iter().map(|(_, label)| label).collect()),
    })
}

fn owned(choice: Choice<&PreviewSet>) -> Choice<PreviewSet> {
    match choice {
        Choice::Found(set) => Choice::Found(set.clone()),
        Choice::Ambiguous(c) => Choice::Ambiguous(c),
        Choice::NotFound => Choice::NotFound,
    }
}

pub async fn run(global: &GlobalArgs, args: &RenderArgs) -> Result<ExitCode> {
    if args.filename.is_some() {
        return super::render_local::run_file(global, args).await;
    }
    let mut session = client::connect(&global.into()).await?;
    let parts = match &args.target {
        Some(target) => target_parts(target)?,
        None => vec![],
    };
    // NAMESPACE/RESOURCESET/PR names its namespace, as for every command taking ENV.
    if let [ns, _, _] = parts.as_slice() {
        session.namespace = (*ns).to_string();
        session.all_namespaces = false;
    }
    let mut before = crate::cluster::read::fetch(&session).await?;
    select::warn_problems(&before);
    let mut catalog = environments::build(&before, &PodProblems::new());
    let sets: Vec<PreviewSet> = match &args.target {
        None => catalog.preview_sets.clone(),
        Some(target) => {
            let mut choice = owned(choose(target, &catalog)?);
            // NAMESPACE/RESOURCESET outside the scope: read that namespace, only when nothing in
            // scope fits (RESOURCESET/PR is the other reading of two parts).
            if let (Choice::NotFound, [ns, _]) = (&choice, parts.as_slice())
                && !session.all_namespaces
                && *ns != session.namespace
            {
                let mut other = session.clone();
                other.namespace = (*ns).to_string();
                let other_before = crate::cluster::read::fetch(&other).await?;
                let other_catalog = environments::build(&other_before, &PodProblems::new());
                if let found @ Choice::Found(_) = owned(choose(target, &other_catalog)?) {
                    select::warn_problems(&other_before);
                    session = other;
                    before = other_before;
                    catalog = other_catalog;
                    choice = found;
                }
            }
            match choice {
                Choice::Found(set) => vec![set],
                Choice::Ambiguous(candidates) => {
                    return Err(Error::Other(format!(
                        "{:?} is ambiguous in {}: it names {}; name it as NAMESPACE/RESOURCESET or NAMESPACE/RESOURCESET/PR",
                        sanitize::line(target),
                        session.scope_label(),
                        sanitize::line(&candidates.join(", "))
                    )));
                }
                Choice::NotFound => {
                    let known: Vec<String> = catalog
                        .preview_sets
                        .iter()
                        .map(|s| format!("{}/{}", s.namespace, s.name))
                        .collect();
                    return Err(Error::Other(format!(
                        "{:?} is neither a preview ResourceSet nor an environment in {}; preview ResourceSets: {}",
                        sanitize::line(target),
                        session.scope_label(),
                        if known.is_empty() {
                            "none".into()
                        } else {
                            sanitize::line(&known.join(", ")).into_owned()
                        }
                    )));
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
    if args.is_local() {
        return super::render_local::run_sets(&session, &before, &catalog, &sets, args).await;
    }
    render_sets(&session, &sets, args.wait.timeout).await?;
    let after = crate::cluster::read::fetch(&session).await?;
    for set in &sets {
        crate::safe_println!(
            "ResourceSet {}:",
            sanitize::line(&format!("{}/{}", set.namespace, set.name))
        );
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
            let t = Target::provider(&p.namespace, &p.name);
            if !providers.iter().any(|x| x.reference == t.reference) {
                providers.push(t);
            }
        }
    }
    let rsets: Vec<Target> = sets
        .iter()
        .map(|s| Target::resource_set(&s.namespace, &s.name))
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The seed in `app-dev`, plus a second ResourceSet consuming the same provider.
    fn catalog() -> Catalog {
        let mut s = Snapshot::default();
        let mut objects = testkit::seed::api_scenario("app-dev", "flux-system");
        objects.push(testkit::build::resource_set(
            "app-dev",
            "web-envs",
            serde_json::json!([{"name": "api-prs"}]),
            vec![],
            testkit::build::rset_ready(&[]),
        ));
        for o in objects {
            match o["kind"].as_str() {
                Some("ResourceSetInputProvider") => {
                    s.providers.push(serde_json::from_value(o).unwrap())
                }
                Some("ResourceSet") => s.resource_sets.push(serde_json::from_value(o).unwrap()),
                Some("Kustomization") => s.flux.push(serde_json::from_value(o).unwrap()),
                _ => {}
            }
        }
        environments::build(&s, &PodProblems::new())
    }

    fn chosen(target: &str, catalog: &Catalog) -> Value {
        match choose(target, catalog) {
            Ok(Choice::Found(set)) => format!("{}/{}", set.namespace, set.name).into(),
            Ok(Choice::Ambiguous(c)) => c.into(),
            Ok(Choice::NotFound) => Value::Null,
            Err(e) => format!("error: {e}").into(),
        }
    }

    #[test]
    fn every_form_of_the_argument() {
        let c = catalog();
        for (target, want) in [
            ("api-pr-envs", "app-dev/api-pr-envs"),
            ("app-dev/api-pr-envs", "app-dev/api-pr-envs"),
            ("web-envs", "app-dev/web-envs"),
            ("app-dev/web-envs", "app-dev/web-envs"),
            ("api-pr-envs/1234", "app-dev/api-pr-envs"),
            ("app-dev/api-pr-envs/1234", "app-dev/api-pr-envs"),
            ("web-envs/1289", "app-dev/web-envs"),
        ] {
            assert_eq!(chosen(target, &c), Value::from(want), "{target}");
        }
        for target in [
            "other/api-pr-envs",
            "9999",
            "app-dev/api-pr-envs/9999",
            "app-dev",
        ] {
            assert_eq!(chosen(target, &c), Value::Null, "{target}");
        }
        for target in ["", "a//b", "/x", "a/b/c/d"] {
            assert!(
                chosen(target, &c).as_str().unwrap().starts_with("error: "),
                "{target}"
            );
        }
    }

    #[test]
    fn an_ambiguous_argument_lists_the_candidates() {
        let c = catalog();
        assert_eq!(
            chosen("1234", &c),
            serde_json::json!([
                "environment app-dev/api-pr-envs/1234",
                "environment app-dev/web-envs/1234"
            ])
        );
    }
}
