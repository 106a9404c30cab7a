//! `wait ENV`: for CI. Waits, from watches, until the environment exists, runs `--sha` (default:
//! the PR head) and is Ready; prints its URL. Works before the PR is exported.
use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use crate::cli::{GlobalArgs, WaitArgs, WaitOutput};
use crate::cluster::client;
use crate::cluster::live::Live;
use crate::error::{Error, Result};
use crate::model::deployed::same_commit;
use crate::model::environments::{self, Environment, PodProblems};
use crate::model::health::{Cause, Status, short};
use crate::model::reference::{self, Reference, Resolution};
use crate::model::snapshot::Snapshot;
use crate::ui::progress::Progress;

/// Where the wait stands after one snapshot. A final verdict carries what the command prints, so
/// no state can lack it.
#[derive(Debug)]
pub enum Verdict {
    Waiting(String),
    /// Runs the wanted commit and is Ready.
    Done(Box<Environment>),
    /// Will not become Ready by waiting: the reason, and the environment when one was resolved.
    Failed(String, Option<Box<Environment>>),
}

/// Pure: the verdict for the environment named by `reference` in `snapshot`.
pub fn verdict(snapshot: &Snapshot, reference: &Reference, want_sha: Option<&str>) -> Verdict {
    let catalog = environments::build(snapshot, &PodProblems::new());
    let env = match reference::resolve(reference, &catalog.environments) {
        Resolution::Found(e) => e.clone(),
        // Waiting cannot make it unique: name the candidates so the user can pick one.
        Resolution::Ambiguous(c) => {
            return Verdict::Failed(
                format!(
                    "the reference is ambiguous: {}; name it as RESOURCESET/PR or NAMESPACE/RESOURCESET/PR",
                    reference::name_list(&c, 10)
                ),
                None,
            );
        }
        Resolution::NotFound => {
            return Verdict::Waiting("the pull request is not exported yet".into());
        }
    };
    let target = want_sha.or(env.pr.sha.as_deref());
    if let (Some(want), Some(head)) = (want_sha, env.pr.sha.as_deref())
        && !same_commit(want, head)
    {
        return Verdict::Waiting(format!(
            "the provider exports {} (waiting for {})",
            short(head),
            short(want)
        ));
    }
    let runs_target = match (target, env.deployed_sha.as_deref()) {
        (Some(t), Some(d)) => same_commit(t, d),
        // Nothing carries the commit: readiness after the head was exported is all there is.
        (_, None) => true,
        (None, Some(_)) => true,
    };
    match env.status {
        Status::Failed if runs_target || env.cause == Cause::ResourceSet => {
            Verdict::Failed(env.message.clone(), Some(Box::new(env)))
        }
        Status::Ready if runs_target => Verdict::Done(Box::new(env)),
        Status::Suspended => Verdict::Failed(
            format!("the environment is suspended: {}", env.message),
            Some(Box::new(env)),
        ),
        _ if !runs_target => Verdict::Waiting(format!(
            "{} is rendered, waiting for {}",
            env.deployed_sha.as_deref().map(short).unwrap_or("?"),
            target.map(short).unwrap_or("?")
        )),
        s => Verdict::Waiting(format!(
            "{s}{}",
            if env.message.is_empty() {
                String::new()
            } else {
                format!(": {}", env.message)
            }
        )),
    }
}

#[derive(Serialize)]
struct WaitResult<'a> {
    url: Option<&'a str>,
    status: Status,
    sha: Option<&'a str>,
    environment: &'a Environment,
}

pub async fn run(global: &GlobalArgs, args: &WaitArgs) -> Result<ExitCode> {
    let mut session = client::connect(&global.into()).await?;
    // Omitted: on a terminal, pick one of the environments that exist now (a usage error otherwise).
    let picked = match args.env.env.as_deref() {
        Some(text) => text.to_string(),
        None if !crate::ui::select::interactive() => {
            return Err(Error::Usage(
                "wait needs ENV (PR, RESOURCESET/PR or NAMESPACE/RESOURCESET/PR)".into(),
            ));
        }
        None => {
            let loaded = crate::ui::select::load(session.clone(), None).await?;
            crate::ui::select::choose(&loaded).await?.name.clone()
        }
    };
    let text = picked.as_str();
    let parsed = reference::parse(text).map_err(Error::Usage)?;
    if let Some(ns) = &parsed.namespace {
        session.namespace = ns.clone();
        session.all_namespaces = false;
    }
    let progress = Progress::new();
    let task = progress.task(format!("environment {text}"), "waiting");
    // No deadline past what the clock can represent: such a timeout never expires.
    let deadline = tokio::time::Instant::now().checked_add(args.wait.timeout);
    let expired = async move {
        match deadline {
            Some(d) => tokio::time::sleep_until(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(expired);
    let mut live = Live::start(&session).await?;
    crate::ui::select::warn_problems(live.first());
    let mut verdict = verdict(live.first(), &parsed, args.sha.as_deref());
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    while let Verdict::Waiting(why) = &verdict {
        task.message(why);
        let why = why.clone();
        let next = tokio::select! {
            _ = &mut ctrl_c => { task.fail("interrupted"); return Err(Error::Other(format!("interrupted while waiting for {text}: {why}"))); }
            _ = &mut expired => {
                task.fail("timed out");
                return Err(Error::Other(format!("timed out after {}s waiting for {text}: {why}", args.wait.timeout.as_secs())));
            }
            next = live.next() => next,
        };
        let Some(snapshot) = next else {
            return Err(Error::Other("the watches ended".into()));
        };
        verdict = self::verdict(snapshot, &parsed, args.sha.as_deref());
    }
    let env = match verdict {
        Verdict::Done(env) => env,
        Verdict::Failed(why, Some(env)) => {
            task.fail(&why);
            write_github(args, &env)?;
            return Err(Error::Other(format!("{} failed: {why}", env.name)));
        }
        // Nothing was resolved (an ambiguous reference): nothing to write for CI either.
        Verdict::Failed(why, None) | Verdict::Waiting(why) => {
            task.fail(&why);
            return Err(Error::Other(format!("cannot wait for {text:?}: {why}")));
        }
    };
    task.ok(&format!(
        "{} Ready at {}",
        env.name,
        env.deployed_sha
            .as_deref()
            .or(env.pr.sha.as_deref())
            .map(short)
            .unwrap_or("?")
    ));
    match args.output {
        WaitOutput::Url => crate::safe_println!("{}", env.url.as_deref().unwrap_or("")),
        WaitOutput::Json => crate::ui::output::print_json(&WaitResult {
            url: env.url.as_deref(),
            status: env.status,
            sha: env.deployed_sha.as_deref().or(env.pr.sha.as_deref()),
            environment: &env,
        })?,
        WaitOutput::Github => {
            crate::safe_println!("{}", env.url.as_deref().unwrap_or(""));
            write_github(args, &env)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `url=` and `status=` lines appended to `$GITHUB_OUTPUT` (GitHub Actions step outputs).
fn write_github(args: &WaitArgs, env: &Environment) -> Result<()> {
    if args.output != WaitOutput::Github {
        return Ok(());
    }
    let Some(path) = std::env::var_os("GITHUB_OUTPUT") else {
        return Ok(());
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| {
            Error::Other(format!(
                "cannot open $GITHUB_OUTPUT ({}): {e}",
                std::path::Path::new(&path).display()
            ))
        })?;
    // `$GITHUB_OUTPUT` is line-based: a value with a newline would add outputs of its own. Only
    // a plain http(s) URL is written.
    let url = match env.url.as_deref() {
        Some(u) => match crate::model::urls::safe_http(u) {
            Some(u) => u,
            None => {
                crate::safe_eprintln!(
                    "Warning: the URL of {} is not a plain http(s) URL; url= is written empty",
                    env.name
                );
                ""
            }
        },
        None => "",
    };
    writeln!(file, "url={url}")?;
    writeln!(file, "status={}", env.status)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::Kind;
    use serde_json::{Value, json};

    const HEAD: &str = "c0ffee4b1d2e3f405162738495a6b7c8d9e0f1a2";

    fn owned(rset: &str) -> Value {
        json!({"resourceset.fluxcd.controlplane.io/name": rset,
               "resourceset.fluxcd.controlplane.io/namespace": "ns"})
    }

    /// PR 7 at `HEAD`, consumed by the ResourceSets `rsets`; each renders a Kustomization
    /// `<rset>-7` (Ready, at `HEAD`) that applied the Deployment `<rset>-7` with `status`.
    fn snapshot(rsets: &[&str], deployment_status: Value) -> Snapshot {
        let mut s = Snapshot {
            scope: Some("ns".into()),
            ..Default::default()
        };
        s.providers.push(
            serde_json::from_value(json!({"metadata": {"name": "prs", "namespace": "ns"},
                "spec": {"type": "GitHubPullRequest"},
                "status": {"exportedInputs": [{"id": "7", "sha": HEAD, "branch": "feature"}]}}))
            .unwrap(),
        );
        let mut deployments = Vec::new();
        for rset in rsets {
            let name = format!("{rset}-7");
            s.resource_sets.push(serde_json::from_value(json!({
                "metadata": {"name": rset, "namespace": "ns"},
                "spec": {"inputsFrom": [{"kind": "ResourceSetInputProvider", "name": "prs"}],
                         "resources": [{"kind": "Kustomization", "metadata": {"name": format!("{rset}-<< inputs.id >>")},
                                        "spec": {"postBuild": {"substitute": {"COMMIT_SHA": "<< inputs.sha >>"}}}}]},
                "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded"}],
                           "inventory": {"entries": [{"id": format!("ns_{name}_kustomize.toolkit.fluxcd.io_Kustomization"), "v": "v1"}]}}}))
            .unwrap());
            let mut ks: crate::model::objects::FluxObject = serde_json::from_value(json!({
                "metadata": {"name": name, "namespace": "ns", "generation": 1, "labels": owned(rset),
                             "annotations": {"event.toolkit.fluxcd.io/change_request": "7"}},
                "spec": {"postBuild": {"substitute": {"COMMIT_SHA": HEAD}}},
                "status": {"observedGeneration": 1,
                           "conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded"}],
                           "inventory": {"entries": [{"id": format!("ns_{name}_apps_Deployment"), "v": "v1"}]}}}))
            .unwrap();
            ks.kind = "Kustomization".into();
            s.flux.push(ks);
            deployments.push(
                serde_json::from_value(
                    json!({"metadata": {"name": name, "namespace": "ns", "generation": 2},
                    "spec": {"replicas": 2}, "status": deployment_status.clone()}),
                )
                .unwrap(),
            );
        }
        s.objects.insert(Kind::Deployment, deployments);
        s
    }

    fn steady() -> Value {
        json!({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 2})
    }

    #[test]
    fn ready_when_the_new_commit_serves() {
        let s = snapshot(&["app"], steady());
        let got = verdict(&s, &reference::parse("7").unwrap(), Some(HEAD));
        assert!(
            matches!(got, Verdict::Done(ref e) if e.name == "ns/app/7"),
            "{got:?}"
        );
    }

    #[test]
    fn mid_rollout_is_not_ready() {
        // The head is rendered and applied, two old pods still serve and count as available;
        // one new pod is up. `availableReplicas >= replicas` used to call this Ready.
        let rolling = json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 1,
                             "readyReplicas": 2, "availableReplicas": 2});
        let s = snapshot(&["app"], rolling);
        for sha in [Some(HEAD), None] {
            let got = verdict(&s, &reference::parse("ns/app/7").unwrap(), sha);
            assert!(
                matches!(&got, Verdict::Waiting(why) if why.contains("Progressing") && why.contains("1/2 updated")),
                "{got:?}"
            );
        }
        let catalog = environments::build(&s, &PodProblems::new());
        let env = &catalog.environments[0];
        assert_eq!(env.status, Status::Progressing, "list's STATUS");
        let deploy = env
            .objects
            .iter()
            .find(|o| o.reference.kind == "Deployment")
            .unwrap();
        assert_eq!(deploy.ready.as_deref(), Some("False"), "get's object line");
    }

    #[test]
    fn an_ambiguous_reference_fails_with_the_candidates() {
        let s = snapshot(&["api", "web"], steady());
        let got = verdict(&s, &reference::parse("7").unwrap(), None);
        match got {
            Verdict::Failed(why, None) => {
                assert!(why.contains("ambiguous"), "{why}");
                assert!(
                    why.contains("ns/api/7") && why.contains("ns/web/7"),
                    "{why}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            verdict(&s, &reference::parse("web/7").unwrap(), None),
            Verdict::Done(_)
        ));
    }

    #[test]
    fn not_exported_yet_waits() {
        let s = snapshot(&["app"], steady());
        assert!(matches!(
            verdict(&s, &reference::parse("8").unwrap(), None),
            Verdict::Waiting(_)
        ));
    }
}
