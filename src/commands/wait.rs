//! `wait ENV`: for CI. Waits, from watches, until the environment exists, runs `--sha` (default:
//! the PR head) and is Ready; prints its URL. Works before the PR is exported.
use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use crate::cli::{GlobalArgs, WaitArgs, WaitOutput};
use crate::client;
use crate::deployed::same_commit;
use crate::environments::{self, Environment, PodProblems};
use crate::error::{Error, Result};
use crate::health::{Status, short};
use crate::live::Live;
use crate::progress::Progress;
use crate::reference::{self, Reference, Resolution};
use crate::snapshot::Snapshot;

/// Where the wait stands after one snapshot.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Waiting(String),
    Done,
    Failed(String),
}

/// Pure: the verdict for the environment named by `reference` in `snapshot`.
pub fn verdict(
    snapshot: &Snapshot,
    reference: &Reference,
    want_sha: Option<&str>,
) -> (Verdict, Option<Environment>) {
    let catalog = environments::build(snapshot, &PodProblems::new());
    let env = match reference::resolve(reference, &catalog.environments) {
        Resolution::Found(e) => e.clone(),
        Resolution::Ambiguous(c) => {
            return (
                Verdict::Failed(format!(
                    "the reference is ambiguous: {}",
                    reference::name_list(&c, 10)
                )),
                None,
            );
        }
        Resolution::NotFound => {
            return (
                Verdict::Waiting("the pull request is not exported yet".into()),
                None,
            );
        }
    };
    let target = want_sha.or(env.pr.sha.as_deref());
    if let (Some(want), Some(head)) = (want_sha, env.pr.sha.as_deref())
        && !same_commit(want, head)
    {
        return (
            Verdict::Waiting(format!(
                "the provider exports {} (waiting for {})",
                short(head),
                short(want)
            )),
            Some(env),
        );
    }
    let runs_target = match (target, env.deployed_sha.as_deref()) {
        (Some(t), Some(d)) => same_commit(t, d),
        // Nothing carries the commit: readiness after the head was exported is all there is.
        (_, None) => true,
        (None, Some(_)) => true,
    };
    let verdict = match env.status {
        Status::Failed if runs_target || env.message.contains("ResourceSet") => {
            Verdict::Failed(env.message.clone())
        }
        Status::Ready if runs_target => Verdict::Done,
        Status::Suspended => {
            Verdict::Failed(format!("the environment is suspended: {}", env.message))
        }
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
    };
    (verdict, Some(env))
}

#[derive(Serialize)]
struct WaitResult<'a> {
    url: Option<&'a str>,
    status: Status,
    sha: Option<&'a str>,
    environment: &'a Environment,
}

pub async fn run(global: &GlobalArgs, args: &WaitArgs) -> Result<ExitCode> {
    let mut session = client::connect(global).await?;
    // Omitted: on a terminal, pick one of the environments that exist now (a usage error otherwise).
    let picked = match args.env.env.as_deref() {
        Some(text) => text.to_string(),
        None if !crate::select::interactive() => {
            return Err(Error::Usage(
                "wait needs ENV (PR, RESOURCESET/PR or NAMESPACE/RESOURCESET/PR)".into(),
            ));
        }
        None => {
            let loaded = crate::select::load(session.clone(), None).await?;
            crate::select::choose(&loaded).await?.name.clone()
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
    let deadline = tokio::time::Instant::now() + args.wait.timeout;
    let mut live = Live::start(&session).await?;
    let (mut verdict, mut env) = verdict(live.first(), &parsed, args.sha.as_deref());
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    while let Verdict::Waiting(why) = &verdict {
        task.message(why);
        let why = why.clone();
        let next = tokio::select! {
            _ = &mut ctrl_c => { task.fail("interrupted"); return Err(Error::Other(format!("interrupted while waiting for {text}: {why}"))); }
            _ = tokio::time::sleep_until(deadline) => {
                task.fail("timed out");
                return Err(Error::Other(format!("timed out after {}s waiting for {text}: {why}", args.wait.timeout.as_secs())));
            }
            next = live.next() => next,
        };
        let Some(snapshot) = next else {
            return Err(Error::Other("the watches ended".into()));
        };
        (verdict, env) = self::verdict(snapshot, &parsed, args.sha.as_deref());
    }
    let env = env.expect("a final verdict has an environment or is an error");
    if let Verdict::Failed(why) = verdict {
        task.fail(&why);
        write_github(args, &env)?;
        return Err(Error::Other(format!("{} failed: {why}", env.name)));
    }
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
        WaitOutput::Url => println!("{}", env.url.as_deref().unwrap_or("")),
        WaitOutput::Json => crate::output::print_json(&WaitResult {
            url: env.url.as_deref(),
            status: env.status,
            sha: env.deployed_sha.as_deref().or(env.pr.sha.as_deref()),
            environment: &env,
        })?,
        WaitOutput::Github => {
            println!("{}", env.url.as_deref().unwrap_or(""));
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
    writeln!(file, "url={}", env.url.as_deref().unwrap_or(""))?;
    writeln!(file, "status={}", env.status)?;
    Ok(())
}
