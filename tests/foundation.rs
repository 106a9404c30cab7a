//! The foundation against the real API server: the control plane, its CRDs and users, the seed
//! fixture, `version`, kubectl's plugin dispatch and the connection errors.
mod common;

use std::time::{Duration, Instant};

use common::*;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::{Value, json};

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn control_plane_serves_the_flux_crds_with_their_schemas() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let crds: Api<CustomResourceDefinition> = Api::all(client);
    let names: Vec<String> = crds
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|c| c.metadata.name.unwrap())
        .collect();
    for want in [
        "resourcesets.fluxcd.controlplane.io",
        "resourcesetinputproviders.fluxcd.controlplane.io",
        "kustomizations.kustomize.toolkit.fluxcd.io",
        "helmreleases.helm.toolkit.fluxcd.io",
        "gitrepositories.source.toolkit.fluxcd.io",
        "ocirepositories.source.toolkit.fluxcd.io",
        "helmrepositories.source.toolkit.fluxcd.io",
        "gateways.gateway.networking.k8s.io",
        "httproutes.gateway.networking.k8s.io",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "CRD {want} missing; have {names:?}"
        );
    }
    let rset = crds
        .get("resourcesets.fluxcd.controlplane.io")
        .await
        .unwrap();
    let version = &rset.spec.versions[0];
    assert_eq!(version.name, "v1");
    assert!(
        version.schema.is_some(),
        "the ResourceSet CRD must carry its OpenAPI schema"
    );
    assert!(
        version
            .subresources
            .as_ref()
            .and_then(|s| s.status.as_ref())
            .is_some()
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn restricted_user_is_forbidden_to_list_resourcesets() {
    let env = require_cluster!();
    let client = env.restricted().await.unwrap();
    let api: Api<DynamicObject> = Api::all_with(
        client,
        &fixture::api_resource("fluxcd.controlplane.io/v1", "ResourceSet"),
    );
    match api.list(&ListParams::default()).await {
        Err(kube::Error::Api(status)) => assert_eq!(status.code, 403, "{status:?}"),
        other => panic!("expected 403, got {other:?}"),
    }
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn seed_fixture_loads_and_reads_back_with_status() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "seed").await.unwrap();
    let infra = fixture::namespace(&client, "infra").await.unwrap();
    fixture::create_all(&client, &seed::api_scenario(&ns, &infra))
        .await
        .unwrap();

    let get = |api_version: &str, kind: &str, ns: &str, name: &str| {
        let api: Api<DynamicObject> = Api::namespaced_with(
            client.clone(),
            ns,
            &fixture::api_resource(api_version, kind),
        );
        let name = name.to_string();
        async move { serde_json::to_value(api.get(&name).await.unwrap()).unwrap() }
    };
    let provider = get(
        "fluxcd.controlplane.io/v1",
        "ResourceSetInputProvider",
        &ns,
        "api-prs",
    )
    .await;
    assert_eq!(provider["spec"]["type"], "AzureDevOpsPullRequest");
    assert_eq!(
        provider["spec"]["skip"]["labels"],
        json!(["!build/image-ready"])
    );
    let ids: Vec<&str> = provider["status"]["exportedInputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1234", "1289", "1301"]);

    let rset = get(
        "fluxcd.controlplane.io/v1",
        "ResourceSet",
        &ns,
        "api-pr-envs",
    )
    .await;
    assert_eq!(
        rset["status"]["inventory"]["entries"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        rset["status"]["inventory"]["entries"][0]["id"],
        format!("{ns}_api-pr-1234_kustomize.toolkit.fluxcd.io_Kustomization")
    );
    assert_eq!(
        rset["spec"]["resources"][0]["spec"]["postBuild"]["substitute"]["COMMIT_SHA"],
        "<< inputs.sha >>"
    );

    let failing = get(
        "kustomize.toolkit.fluxcd.io/v1",
        "Kustomization",
        &ns,
        "api-pr-1289",
    )
    .await;
    assert_eq!(failing["status"]["conditions"][0]["status"], "False");
    assert_eq!(
        failing["status"]["conditions"][0]["reason"],
        "HealthCheckFailed"
    );
    let outdated = get(
        "kustomize.toolkit.fluxcd.io/v1",
        "Kustomization",
        &ns,
        "api-pr-1301",
    )
    .await;
    assert_ne!(
        outdated["spec"]["postBuild"]["substitute"]["COMMIT_SHA"],
        seed::SEED_PRS[2].sha
    );

    let ingress = get("networking.k8s.io/v1", "Ingress", &ns, "api-ingress-1234").await;
    assert_eq!(
        ingress["spec"]["tls"][0]["hosts"][0],
        "api-1234.preview.example.com"
    );
    assert_eq!(
        ingress["status"]["loadBalancer"]["ingress"][0]["ip"],
        seed::LOAD_BALANCER_IP
    );
    let deployment = get("apps/v1", "Deployment", &ns, "api-deployment-1234").await;
    assert_eq!(deployment["status"]["availableReplicas"], 1);
    let common = get(
        "kustomize.toolkit.fluxcd.io/v1",
        "Kustomization",
        &infra,
        "app-common-dev",
    )
    .await;
    assert_eq!(common["status"]["conditions"][0]["status"], "True");
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn malformed_status_is_rejected_by_the_crd_schema() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "schema").await.unwrap();
    let rset = seed::api_scenario(&ns, "infra")
        .into_iter()
        .find(|o| o["kind"] == "ResourceSet")
        .unwrap();
    let mut spec_only = rset.clone();
    spec_only.as_object_mut().unwrap().remove("status");
    fixture::create(&client, &spec_only).await.unwrap();
    // An inventory entry without its required `v`, and a condition with an invalid status.
    let bad = json!({"inventory": {"entries": [{"id": "x_y_z_W"}]},
                     "conditions": [{"type": "Ready", "status": "Maybe", "reason": "R", "message": "", "lastTransitionTime": seed::now()}]});
    let err = fixture::set_status(&client, &rset, bad).await.unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("Invalid") || text.contains("422") || text.contains("invalid"),
        "{text}"
    );
}

fn version_json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout_of(out)))
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn version_reports_server_and_flux_apis() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "report").await.unwrap();
    fixture::create(&client, &seed::flux_report(&ns, "v0.58.1"))
        .await
        .unwrap();

    let out = plugin_as_admin(&env)
        .args(["version", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v = version_json(&out);
    assert_eq!(v["plugin"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["server"]["version"], "v1.36.3");
    assert_eq!(v["server"]["context"], "testenv-admin");
    assert_eq!(v["server"]["url"], env.server().unwrap());
    assert_eq!(v["server"]["fluxOperator"]["served"], true);
    assert_eq!(
        v["server"]["fluxOperator"]["kinds"],
        json!(["ResourceSet", "ResourceSetInputProvider"])
    );
    assert_eq!(v["server"]["fluxOperatorVersion"], "v0.58.1");
    assert_eq!(v["server"]["kustomize"]["versions"][0], "v1");
    assert_eq!(v["server"]["helm"]["versions"][0], "v2");

    let text = plugin_as_admin(&env).arg("version").output().unwrap();
    let text = stdout_of(&text);
    assert!(text.contains("Server Version: v1.36.3"), "{text}");
    assert!(
        text.contains(
            "Flux Operator API: fluxcd.controlplane.io/v1 (ResourceSet, ResourceSetInputProvider)"
        ),
        "{text}"
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[test]
fn version_through_kubectl_plugin_dispatch() {
    let env = require_cluster!();
    let path = format!(
        "{}:{}:{}",
        plugin_dir().display(),
        env.bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new(env.kubectl())
        .args(["preview", "version"])
        .env("PATH", path)
        .env("KUBECONFIG", &env.admin_kubeconfig)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(text.contains("Plugin Version: v"), "{text}");
    assert!(text.contains("Server Version: v1.36.3"), "{text}");
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[test]
fn kubeconfig_list_merges_like_kubectl() {
    let env = require_cluster!();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.yaml");
    let list = std::env::join_paths([&missing, &env.restricted_kubeconfig, &env.admin_kubeconfig])
        .unwrap();
    // First file to set current-context wins; a missing file is skipped.
    let out = plugin()
        .env("KUBECONFIG", &list)
        .args(["version", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        version_json(&out)["server"]["context"],
        "testenv-restricted"
    );
    // A context defined only in the second file is still found.
    let out = plugin()
        .env("KUBECONFIG", &list)
        .args(["version", "-o", "json", "--context", "testenv-admin"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(version_json(&out)["server"]["context"], "testenv-admin");
    // --kubeconfig wins over KUBECONFIG.
    let out = plugin()
        .env("KUBECONFIG", &env.restricted_kubeconfig)
        .args(["version", "-o", "json", "--kubeconfig"])
        .arg(&env.admin_kubeconfig)
        .output()
        .unwrap();
    assert_eq!(version_json(&out)["server"]["context"], "testenv-admin");
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn impersonation_flags_reach_the_server() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "as").await.unwrap();
    fixture::create(&client, &seed::flux_report(&ns, "v0.58.1"))
        .await
        .unwrap();
    // The admin may read the FluxReport; impersonating the restricted user may not.
    let out = plugin_as_admin(&env)
        .args(["version", "-o", "json", "--as", "restricted"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        version_json(&out)["server"]["fluxOperatorVersion"],
        Value::Null
    );
    let out = plugin_as_admin(&env)
        .args([
            "version",
            "-o",
            "json",
            "--as",
            "restricted",
            "--as-group",
            "system:masters",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        version_json(&out)["server"]["fluxOperatorVersion"],
        "v0.58.1"
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[test]
fn tls_flags_work_like_kubectl() {
    let env = require_cluster!();
    let dir = tempfile::tempdir().unwrap();
    let no_ca = edited_kubeconfig(&env, dir.path(), "no-ca.yaml", |t| {
        t.lines()
            .filter(|l| !l.contains("certificate-authority"))
            .collect::<Vec<_>>()
            .join("\n")
    });
    let out = plugin()
        .args(["version", "--request-timeout", "5s", "--kubeconfig"])
        .arg(&no_ca)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "an unknown CA must be refused");
    let out = plugin()
        .args(["version", "--insecure-skip-tls-verify", "--kubeconfig"])
        .arg(&no_ca)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    // The serving certificate names 127.0.0.1 and localhost.
    let out = plugin_as_admin(&env)
        .args(["version", "--tls-server-name", "localhost"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = plugin_as_admin(&env)
        .args(["version", "--tls-server-name", "other.invalid"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// One line on stderr that names what it must, exit 1, within the request timeout.
fn assert_one_line_failure(mut cmd: assert_cmd::Command, must_name: &[&str], timeout: Duration) {
    let started = Instant::now();
    let out = cmd.output().unwrap();
    let elapsed = started.elapsed();
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {} stderr: {}",
        stdout_of(&out),
        stderr_of(&out)
    );
    let err = stderr_of(&out);
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err:?}"
    );
    assert!(err.starts_with("error: "), "{err}");
    for word in must_name {
        assert!(err.contains(word), "{err:?} should name {word:?}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        elapsed < timeout + Duration::from_secs(3),
        "took {elapsed:?}, request timeout {timeout:?}"
    );
}

#[test]
fn broken_kubeconfig_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.yaml");
    std::fs::write(&path, "apiVersion: v1\nclusters: [\n").unwrap();
    let mut cmd = plugin();
    cmd.args(["version", "--kubeconfig"]).arg(&path);
    assert_one_line_failure(cmd, &["kubeconfig", "broken.yaml"], Duration::ZERO);
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[test]
fn unknown_context_is_one_clear_line() {
    let env = require_cluster!();
    let mut cmd = plugin_as_admin(&env);
    cmd.args(["version", "--context", "no-such-context"]);
    assert_one_line_failure(cmd, &["no-such-context", "testenv-admin"], Duration::ZERO);
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[test]
fn closed_port_is_one_clear_line() {
    let env = require_cluster!();
    let dir = tempfile::tempdir().unwrap();
    // Bind and drop a listener: the port is free and closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = format!("https://127.0.0.1:{port}");
    let cfg = kubeconfig_with_server(&env, dir.path(), "closed.yaml", &server);
    let mut cmd = plugin();
    cmd.args(["version", "--request-timeout", "2s", "--kubeconfig"])
        .arg(&cfg);
    assert_one_line_failure(
        cmd,
        &[&server, "testenv-admin", "cannot reach"],
        Duration::from_secs(2),
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[test]
fn silent_server_times_out_within_request_timeout() {
    let env = require_cluster!();
    let dir = tempfile::tempdir().unwrap();
    // Accepts TCP connections (kernel backlog) and never answers the TLS handshake.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let server = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let cfg = kubeconfig_with_server(&env, dir.path(), "silent.yaml", &server);
    let mut cmd = plugin();
    cmd.args(["version", "--request-timeout", "2s", "--kubeconfig"])
        .arg(&cfg);
    assert_one_line_failure(
        cmd,
        &[&server, "testenv-admin", "timed out"],
        Duration::from_secs(2),
    );
    drop(listener);
}

#[test]
fn usage_errors_exit_2() {
    let out = plugin().args(["list", "-o", "nonsense"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = plugin()
        .args(["version", "--request-timeout", "5parsecs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = plugin().args(["no-such-command"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A test that needs the control plane is never counted as passed without one: a plain run reports
/// it as ignored, and a run that includes it fails. (This test runs its own test binary.)
#[test]
fn a_cluster_test_without_a_cluster_is_ignored_or_fails() {
    let me = std::env::current_exe().unwrap();
    let run = |extra: &[&str]| {
        let mut cmd = std::process::Command::new(&me);
        cmd.args([
            "--exact",
            "restricted_user_is_forbidden_to_list_resourcesets",
        ])
        .args(extra);
        for var in [
            "KP_TEST_KUBECONFIG_ADMIN",
            "KP_TEST_KUBECONFIG_RESTRICTED",
            "KP_TEST_BIN",
        ] {
            cmd.env_remove(var);
        }
        cmd.output().unwrap()
    };
    let plain = run(&[]);
    assert!(plain.status.success());
    assert!(
        stdout_of(&plain).contains("0 passed; 0 failed; 1 ignored"),
        "{}",
        stdout_of(&plain)
    );
    let included = run(&["--include-ignored"]);
    assert!(!included.status.success(), "{}", stdout_of(&included));
    let text = format!("{}{}", stdout_of(&included), stderr_of(&included));
    assert!(text.contains("1 failed"), "{text}");
    assert!(
        text.contains("the test control plane is not running"),
        "{text}"
    );
}
