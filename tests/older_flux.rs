//! On a cluster that runs an older Flux (the CRDs of Flux v2.2.3, where HelmRelease is served only
//! at v2beta1 and v2beta2), the plugin reads the version the server serves instead of calling the
//! CRD "not installed" (`testenv.sh up --old-flux`; statuses are written by the test, as no
//! controller runs there).
mod common;

use std::path::PathBuf;

use common::{plugin, stderr_of, stdout_of};
use serde_json::{Value, json};
use testkit::fixture;
use testkit::seed::{condition, inventory_id, owner_labels};

fn old_flux_kubeconfig() -> PathBuf {
    match std::env::var_os("KP_OLDFLUX_KUBECONFIG_ADMIN") {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "the older-Flux control plane is not running: run `eval \"$(KP_TESTENV_DIR=<dir> testenv/testenv.sh up --old-flux)\"` first, or use scripts/test"
        ),
    }
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn an_environment_of_helmreleases_on_flux_2_2() {
    let kubeconfig = old_flux_kubeconfig();
    let client = testkit::cluster::client_for(&kubeconfig).await.unwrap();
    let ns = fixture::namespace(&client, "oldflux").await.unwrap();
    let inputs = json!([{"id": "7", "sha": "1111111111111111111111111111111111111111", "branch": "feat/seven"}]);
    let objects = vec![
        json!({"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSetInputProvider",
            "metadata": {"name": "web-prs", "namespace": ns},
            "spec": {"type": "GitHubPullRequest", "url": "https://github.com/acme/web"},
            "status": {"conditions": [condition("Ready", "True", "ReconciliationSucceeded", "ok")],
                       "exportedInputs": inputs}}),
        json!({"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSet",
            "metadata": {"name": "web-pr-envs", "namespace": ns},
            "spec": {"inputsFrom": [{"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSetInputProvider", "name": "web-prs"}],
                     "resources": [{"apiVersion": "helm.toolkit.fluxcd.io/v2beta2", "kind": "HelmRelease",
                                    "metadata": {"name": "web-pr-<< inputs.id >>", "namespace": ns}}]},
            "status": {"conditions": [condition("Ready", "True", "ReconciliationSucceeded", "ok")],
                       "inventory": {"entries": [{"id": inventory_id(&ns, "web-pr-7", "helm.toolkit.fluxcd.io", "HelmRelease"), "v": "v2beta2"}]}}}),
        json!({"apiVersion": "helm.toolkit.fluxcd.io/v2beta2", "kind": "HelmRelease",
            "metadata": {"name": "web-pr-7", "namespace": ns, "labels": owner_labels("web-pr-envs", &ns)},
            "spec": {"interval": "10m", "chart": {"spec": {"chart": "web", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}},
                     "values": {"commit": "1111111111111111111111111111111111111111"}},
            "status": {"observedGeneration": 1,
                       "conditions": [condition("Ready", "True", "InstallSucceeded", "Helm install succeeded for release web-pr-7")]}}),
    ];
    for obj in &objects {
        fixture::create(&client, obj).await.unwrap();
    }
    let out = plugin()
        .env("KUBECONFIG", &kubeconfig)
        .args(["list", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        !stderr_of(&out).contains("not installed"),
        "{}",
        stderr_of(&out)
    );
    let list: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    let env = &list["items"][0];
    assert_eq!(env["pr"]["id"], "7", "{list:#}");
    assert_eq!(env["status"], "Ready", "{env:#}");
    let objects: Vec<String> = env["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["name"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        objects.contains(&"HelmRelease/web-pr-7".to_string()),
        "{objects:?}"
    );

    // `get` reads the same, and names the HelmRelease with its status.
    let out = plugin()
        .env("KUBECONFIG", &kubeconfig)
        .args(["get", "7", "-n", &ns])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(
        text.contains(&format!("HelmRelease/{ns}/web-pr-7  Ready=True")),
        "{text}"
    );
}

/// `delete --force` of that environment deletes the HelmRelease through the version the server
/// serves (v2beta2), not the preferred v2 it does not.
#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn a_helmrelease_on_flux_2_2_is_deleted_at_its_served_version() {
    let kubeconfig = old_flux_kubeconfig();
    let client = testkit::cluster::client_for(&kubeconfig).await.unwrap();
    let ns = fixture::namespace(&client, "oldflux-del").await.unwrap();
    let inputs = json!([{"id": "8", "sha": "2222222222222222222222222222222222222222", "branch": "feat/eight"}]);
    let release = json!({"apiVersion": "helm.toolkit.fluxcd.io/v2beta2", "kind": "HelmRelease",
        "metadata": {"name": "web-pr-8", "namespace": ns, "labels": owner_labels("web-pr-envs", &ns)},
        "spec": {"interval": "10m", "chart": {"spec": {"chart": "web", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}}},
        "status": {"observedGeneration": 1,
                   "conditions": [condition("Ready", "True", "InstallSucceeded", "installed")]}});
    for obj in [
        json!({"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSetInputProvider",
            "metadata": {"name": "web-prs", "namespace": ns},
            "spec": {"type": "GitHubPullRequest", "url": "https://github.com/acme/web"},
            "status": {"exportedInputs": inputs}}),
        json!({"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSet",
            "metadata": {"name": "web-pr-envs", "namespace": ns},
            "spec": {"inputsFrom": [{"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSetInputProvider", "name": "web-prs"}],
                     "resources": [{"apiVersion": "helm.toolkit.fluxcd.io/v2beta2", "kind": "HelmRelease",
                                    "metadata": {"name": "web-pr-<< inputs.id >>", "namespace": ns}}]},
            "status": {"inventory": {"entries": [{"id": inventory_id(&ns, "web-pr-8", "helm.toolkit.fluxcd.io", "HelmRelease"), "v": "v2beta2"}]}}}),
        release.clone(),
    ] {
        fixture::create(&client, &obj).await.unwrap();
    }
    let out = plugin()
        .env("KUBECONFIG", &kubeconfig)
        .args([
            "delete",
            "8",
            "-n",
            &ns,
            "--force",
            "--yes",
            "--timeout",
            "30s",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    let api: kube::Api<kube::api::DynamicObject> = kube::Api::namespaced_with(
        client.clone(),
        &ns,
        &fixture::api_resource("helm.toolkit.fluxcd.io/v2beta2", "HelmRelease"),
    );
    assert!(api.get_opt("web-pr-8").await.unwrap().is_none());
}
