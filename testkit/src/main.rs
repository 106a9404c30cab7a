//! Test support on the command line, against the cluster of the admin kubeconfig in
//! `KP_TEST_KUBECONFIG_ADMIN`:
//! - `testkit seed [--namespace NS] [--infra-namespace NS]`: the seed scenario (used by the demo);
//! - `testkit scale [--envs N] [--namespaces M] [--prefix P]`: the scale fixture, concurrently;
//! - `testkit controller [--namespace NS] [--infra-namespace NS]`: the controller stand-in.
//! - `testkit githost serve|init|commit|open|push|label|unlabel|close|reopen|retitle|list --dir D
//!   …`: the fake Git host (`testkit::githost`); needs no cluster.
//!
//! and against the real stack, in `KP_STACK_KUBECONFIG_ADMIN` (`testenv.sh up --stack`):
//! - `testkit story-files --namespace NS --out DIR`: the seed's repository (base, per-PR overlay,
//!   shared infrastructure) written to DIR, for the fake Git host;
//! - `testkit story --namespace NS --infra-namespace NS --clone-url URL --api-url URL`: the seed's
//!   GitRepository, `app-common-dev`, provider and ResourceSet, pointed at the fake Git host;
//! - `testkit fail-image --image IMAGE --failure ImagePullBackOff|CrashLoopBackOff`: pods running
//!   IMAGE fail that way on KWOK's nodes (a KWOK Stage).
use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use serde_json::json;
use testkit::story::{self, PodFailure, Story};
use testkit::{fixture, seed};

const USAGE: &str = "usage: testkit seed [--namespace NS] [--infra-namespace NS] \
    | testkit scale [--envs N] [--namespaces M] [--prefix P] \
    | testkit controller [--namespace NS] [--infra-namespace NS] \
    | testkit story-files --namespace NS --out DIR \
    | testkit story --namespace NS --infra-namespace NS --clone-url URL --api-url URL \
    | testkit fail-image --image IMAGE --failure ImagePullBackOff|CrashLoopBackOff";

/// `--flag value` pairs, with defaults; an unknown flag or a missing value is an error.
fn flags(args: &[String], defaults: &[(&str, &str)]) -> Result<BTreeMap<String, String>> {
    let mut out: BTreeMap<String, String> = defaults
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match out.get_mut(flag.trim_start_matches("--")) {
            Some(slot) if flag.starts_with("--") => *slot = value.clone(),
            _ => bail!("unknown flag {flag}\n{USAGE}"),
        }
    }
    Ok(out)
}

async fn admin_client() -> Result<kube::Client> {
    let kubeconfig = std::env::var_os("KP_TEST_KUBECONFIG_ADMIN")
        .context("KP_TEST_KUBECONFIG_ADMIN is not set")?;
    testkit::cluster::client_for(&kubeconfig.into()).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    let namespaces = [("namespace", "app-dev"), ("infra-namespace", "flux-system")];
    match args.first().map(String::as_str) {
        Some("seed") => seed(&flags(rest, &namespaces)?).await,
        Some("scale") => {
            scale(&flags(
                rest,
                &[("envs", "1000"), ("namespaces", "10"), ("prefix", "scale")],
            )?)
            .await
        }
        Some("controller") => controller(&flags(rest, &namespaces)?).await,
        Some("story-files") => story_files(&flags(rest, &[("namespace", "app-dev"), ("out", "")])?),
        Some("story") => {
            let mut defaults = namespaces.to_vec();
            defaults.extend([("clone-url", ""), ("api-url", "")]);
            story(&flags(rest, &defaults)?).await
        }
        Some("fail-image") => {
            fail_image(&flags(
                rest,
                &[("image", ""), ("failure", "ImagePullBackOff")],
            )?)
            .await
        }
        Some("githost") => testkit::githost::cli(rest),
        _ => bail!("{USAGE}\n{}", testkit::githost::CLI_USAGE),
    }
}

async fn stack_client() -> Result<kube::Client> {
    let kubeconfig = std::env::var_os("KP_STACK_KUBECONFIG_ADMIN")
        .context("KP_STACK_KUBECONFIG_ADMIN is not set (testenv.sh up --stack prints it)")?;
    testkit::cluster::client_for(&kubeconfig.into()).await
}

fn story_files(f: &BTreeMap<String, String>) -> Result<()> {
    let out = std::path::Path::new(&f["out"]);
    if f["out"].is_empty() {
        bail!("--out is required\n{USAGE}");
    }
    for (path, content) in Story::new(&f["namespace"], "unused").repo_files() {
        let file = out.join(&path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("create {}", parent.display()))?;
        }
        std::fs::write(&file, content).with_context(|| format!("write {}", file.display()))?;
    }
    Ok(())
}

async fn story(f: &BTreeMap<String, String>) -> Result<()> {
    let (ns, infra) = (&f["namespace"], &f["infra-namespace"]);
    if f["clone-url"].is_empty() || f["api-url"].is_empty() {
        bail!("--clone-url and --api-url are required\n{USAGE}");
    }
    let client = stack_client().await?;
    for name in [ns, infra] {
        let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
        if let Err(e) = fixture::create(&client, &obj).await
            && !format!("{e:#}").contains("already exists")
        {
            return Err(e);
        }
    }
    let objects = Story::new(ns, infra).objects(&f["clone-url"], &f["api-url"]);
    fixture::create_all(&client, &objects).await?;
    eprintln!(
        "seed story applied: provider and ResourceSet in {ns}, source and shared infrastructure in {infra}"
    );
    Ok(())
}

async fn fail_image(f: &BTreeMap<String, String>) -> Result<()> {
    let failure = PodFailure::parse(&f["failure"]).with_context(|| {
        format!(
            "--failure: ImagePullBackOff or CrashLoopBackOff, not {:?}",
            f["failure"]
        )
    })?;
    if f["image"].is_empty() {
        bail!("--image is required\n{USAGE}");
    }
    let client = stack_client().await?;
    fixture::create(&client, &story::failing_image(&f["image"], failure)).await?;
    Ok(())
}

async fn seed(f: &BTreeMap<String, String>) -> Result<()> {
    let (ns, infra) = (&f["namespace"], &f["infra-namespace"]);
    let client = admin_client().await?;
    for name in [ns, infra] {
        let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
        if let Err(e) = fixture::create(&client, &obj).await
            && !format!("{e:#}").contains("already exists")
        {
            return Err(e);
        }
    }
    let mut objects = vec![seed::flux_report(infra, "v0.58.1")];
    objects.extend(seed::api_scenario(ns, infra));
    fixture::create_all(&client, &objects).await?;
    eprintln!(
        "seed scenario loaded: namespace {ns} (shared infrastructure in {infra}), {} objects",
        objects.len()
    );
    Ok(())
}

async fn scale(f: &BTreeMap<String, String>) -> Result<()> {
    let envs: usize = f["envs"].parse().context("--envs")?;
    let namespaces: usize = f["namespaces"].parse().context("--namespaces")?;
    let client = admin_client().await?;
    let started = std::time::Instant::now();
    let (ns_objects, rest) = testkit::scale::scale(envs, namespaces, &f["prefix"]);
    fixture::create_all(&client, &ns_objects).await?;
    fixture::create_all(&client, &rest).await?;
    eprintln!(
        "scale fixture loaded: {envs} environments in {namespaces} namespaces ({} objects) in {:.1}s",
        ns_objects.len() + rest.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The controller stand-in for the demo, until killed. It is not Flux: it writes the status a
/// real controller would, so that the plugin's waits have something to see.
async fn controller(f: &BTreeMap<String, String>) -> Result<()> {
    let (ns, infra) = (&f["namespace"], &f["infra-namespace"]);
    let client = admin_client().await?;
    let a = testkit::controller::StandIn::new(client.clone(), ns, infra).spawn();
    let b = testkit::controller::StandIn::new(client, infra, infra).spawn();
    eprintln!(
        "controller stand-in running for namespaces {ns} and {infra} (not Flux; it only writes status)"
    );
    let _ = tokio::signal::ctrl_c().await;
    a.abort();
    b.abort();
    Ok(())
}
