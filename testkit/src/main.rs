//! `testkit seed [--namespace NS] [--infra-namespace NS]`: loads the seed scenario into the cluster
//! of the admin kubeconfig in `KP_TEST_KUBECONFIG_ADMIN` (used by the demo).
use anyhow::{Context, Result, bail};
use serde_json::json;
use testkit::{fixture, seed};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("scale") {
        return scale(&args[1..]).await;
    }
    if args.first().map(String::as_str) == Some("controller") {
        return controller(&args[1..]).await;
    }
    let mut ns = "app-dev".to_string();
    let mut infra = "flux-system".to_string();
    let mut it = args.iter();
    match it.next().map(String::as_str) {
        Some("seed") => {}
        _ => bail!(
            "usage: testkit seed [--namespace NS] [--infra-namespace NS] | testkit scale --envs N --namespaces M --prefix P"
        ),
    }
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--namespace" => ns = value.clone(),
            "--infra-namespace" => infra = value.clone(),
            _ => bail!("unknown flag {flag}"),
        }
    }
    let kubeconfig = std::env::var_os("KP_TEST_KUBECONFIG_ADMIN")
        .context("KP_TEST_KUBECONFIG_ADMIN is not set")?;
    let client = testkit::cluster::client_for(&kubeconfig.into()).await?;
    for name in [&ns, &infra] {
        let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
        if let Err(e) = fixture::create(&client, &obj).await
            && !format!("{e:#}").contains("already exists")
        {
            return Err(e);
        }
    }
    let mut objects = vec![seed::flux_report(&infra, "v0.58.1")];
    objects.extend(seed::api_scenario(&ns, &infra));
    fixture::create_all(&client, &objects).await?;
    eprintln!(
        "seed scenario loaded: namespace {ns} (shared infrastructure in {infra}), {} objects",
        objects.len()
    );
    Ok(())
}

/// `testkit scale --envs N --namespaces M --prefix P`: loads the scale fixture concurrently.
async fn scale(args: &[String]) -> Result<()> {
    let (mut envs, mut namespaces, mut prefix) = (1000usize, 10usize, "scale".to_string());
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--envs" => envs = value.parse()?,
            "--namespaces" => namespaces = value.parse()?,
            "--prefix" => prefix = value.clone(),
            _ => bail!("unknown flag {flag}"),
        }
    }
    let kubeconfig = std::env::var_os("KP_TEST_KUBECONFIG_ADMIN")
        .context("KP_TEST_KUBECONFIG_ADMIN is not set")?;
    let client = testkit::cluster::client_for(&kubeconfig.into()).await?;
    let started = std::time::Instant::now();
    let (ns_objects, rest) = testkit::scale::scale(envs, namespaces, &prefix);
    fixture::create_all(&client, &ns_objects).await?;
    fixture::create_all(&client, &rest).await?;
    eprintln!(
        "scale fixture loaded: {envs} environments in {namespaces} namespaces ({} objects) in {:.1}s",
        ns_objects.len() + rest.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `testkit controller`: the controller stand-in for the demo, until killed. It is not Flux: it
/// writes the status a real controller would, so that the plugin's waits have something to see.
async fn controller(args: &[String]) -> Result<()> {
    let (mut ns, mut infra) = ("app-dev".to_string(), "flux-system".to_string());
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--namespace" => ns = value.clone(),
            "--infra-namespace" => infra = value.clone(),
            _ => bail!("unknown flag {flag}"),
        }
    }
    let kubeconfig = std::env::var_os("KP_TEST_KUBECONFIG_ADMIN")
        .context("KP_TEST_KUBECONFIG_ADMIN is not set")?;
    let client = testkit::cluster::client_for(&kubeconfig.into()).await?;
    let a = testkit::controller::StandIn::new(client.clone(), &ns, &infra).spawn();
    let b = testkit::controller::StandIn::new(client, &infra, &infra).spawn();
    eprintln!(
        "controller stand-in running for namespaces {ns} and {infra} (not Flux; it only writes status)"
    );
    let _ = tokio::signal::ctrl_c().await;
    a.abort();
    b.abort();
    Ok(())
}
