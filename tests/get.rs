//! `get` / `describe` against the real API server.
mod common;

use common::*;
use serde_json::{Value, json};
use testkit::build;
use testkit::seed::{self as seedmod, SEED_PRS};

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn describe_tells_the_whole_story() {
    let env = require_cluster!();
    let (client, ns, infra) = seeded(&env, "get").await;
    fixture::create(
        &client,
        &build::warning_event(&ns, "Kustomization", "kustomize.toolkit.fluxcd.io/v1", "api-pr-1289", "HealthCheckFailed",
            "health check failed after 5m0s: timeout waiting for: [Deployment/api-deployment-1289 status: 'InProgress']"),
    )
    .await
    .unwrap();
    // An event of another PR's object must not show.
    fixture::create(
        &client,
        &build::warning_event(
            &ns,
            "Kustomization",
            "kustomize.toolkit.fluxcd.io/v1",
            "api-pr-1234",
            "Noise",
            "other PR",
        ),
    )
    .await
    .unwrap();
    for reference in [
        "1289".to_string(),
        "api-pr-envs/1289".into(),
        format!("{ns}/api-pr-envs/1289"),
    ] {
        let mut cmd = plugin_as_admin(&env);
        cmd.args(["describe", &reference]);
        if !reference.contains(&ns) {
            cmd.args(["-n", &ns]);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{reference}: {}", stderr_of(&out));
        let text = stdout_of(&out);
        for want in [
            format!("Environment:  {ns}/api-pr-envs/1289"),
            "Status:       Failed: Kustomization/".to_string(),
            "URL:          https://api-1289.preview.example.com".into(),
            "  Title:      Tighten API rate limits".into(),
            "  Head:       9a8b7c6d5e4f30211f2e3d4c5b6a79881726354a".into(),
            "  Deployed:   9a8b7c6 (the PR head)".into(),
            format!("Provider:     {ns}/api-prs (AzureDevOpsPullRequest)"),
            "  Filter:     labels <none>; skip labels !build/image-ready".into(),
            "  Next poll:  every 5m".into(),
            "  Ready:      True (ReconciliationSucceeded): Reconciliation finished in 1.8s".into(),
            format!("  Kustomization/{ns}/api-pr-1289  Ready=False: health check failed"),
            format!("  ├── Service/{ns}/api-1289  present"),
            format!("  ├── Deployment/{ns}/api-deployment-1289  Ready=False: 0/1 available"),
            format!("  └── Ingress/{ns}/api-ingress-1289  present"),
            format!("  {infra}/app-common-dev  Ready"),
            format!("  https://api-1289.preview.example.com  (from Ingress/{ns}/api-ingress-1289)"),
            "Kustomization/api-pr-1289  HealthCheckFailed  health check failed".into(),
        ] {
            assert!(
                text.contains(&want),
                "{reference}: missing {want:?} in\n{text}"
            );
        }
        assert!(!text.contains("other PR"), "{text}");
    }
    let out = plugin_as_admin(&env)
        .args(["get", "1301", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["status"], "Outdated");
    assert_eq!(d["deployedSha"], SEED_PRS[2].rendered_sha);
    assert_eq!(d["upToDate"], false);
    assert_eq!(
        d["providerStatus"]["skipLabels"],
        json!(["!build/image-ready"])
    );
    assert_eq!(d["providerStatus"]["pollInterval"], "5m");
    assert_eq!(
        d["resourceSetStatus"]["history"][0]["totalReconciliations"],
        12
    );
    assert_eq!(
        d["dependsOn"][0],
        json!({"of": format!("Kustomization/{ns}/api-pr-1301"), "namespace": infra, "name": "app-common-dev", "ready": "True",
        "message": format!("Applied revision: {}", seedmod::GIT_REVISION)})
    );
    let yaml = stdout_of(
        &plugin_as_admin(&env)
            .args(["get", "1301", "-n", &ns, "-o", "yaml"])
            .output()
            .unwrap(),
    );
    assert!(yaml.contains("status: Outdated"), "{yaml}");
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn terminal_pod_reason_fails_the_environment() {
    let env = require_cluster!();
    let (client, ns, _) = seeded(&env, "pods").await;
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "api-deployment-1234-6d4cf56db6-x2x9q", "namespace": ns, "labels": {"app": "api", "pr-env": "pr-1234"}},
        "spec": {"containers": [{"name": "api", "image": "registry.example.com/api:pr-1234"}]},
        "status": {"phase": "Pending", "containerStatuses": [{"name": "api", "image": "registry.example.com/api:pr-1234", "imageID": "",
            "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]}});
    fixture::create(&client, &pod).await.unwrap();
    let out = plugin_as_admin(&env)
        .args(["get", "1234", "-n", &ns])
        .output()
        .unwrap();
    let text = stdout_of(&out);
    assert!(text.contains("Status:       Failed: Deployment/"), "{text}");
    assert!(text.contains("is in ImagePullBackOff"), "{text}");
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn references_unknown_and_missing() {
    let env = require_cluster!();
    let (_client, ns, _) = seeded(&env, "ref").await;
    let out = plugin_as_admin(&env)
        .args(["get", "4242", "-n", &ns])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("environment \"4242\" not found in namespace {ns}")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{ns}/api-pr-envs/1234, {ns}/api-pr-envs/1289, {ns}/api-pr-envs/1301"
        )),
        "{err}"
    );
    let out = plugin_as_admin(&env)
        .args(["get", "1234", "-n", "default"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(
        err.contains("use -A or -n") && err.contains(&ns),
        "hint at other namespaces: {err}"
    );
    // No ENV and no terminal: a usage error.
    let out = plugin_as_admin(&env)
        .args(["get", "-n", &ns])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("ENV is required"),
        "{}",
        stderr_of(&out)
    );
    let out = plugin_as_admin(&env)
        .args(["get", "a/b/c/d"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The fuzzy picker, driven through a real terminal (tmux).
#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn picker_on_a_terminal() {
    let env = require_cluster!();
    let (_client, ns, _) = seeded(&env, "pick").await;
    let session = format!("kp-{}", std::process::id());
    let out_file = std::env::temp_dir().join(format!("{session}.out"));
    let cmd = format!(
        "KUBECONFIG={} NO_COLOR=1 {} get -n {ns} > {}",
        env.admin_kubeconfig.display(),
        env!("CARGO_BIN_EXE_kubectl-preview"),
        out_file.display()
    );
    // Type to filter, then choose.
    let code = tokio::task::spawn_blocking(move || {
        in_terminal(&session, &cmd, &["Environment", "1301"], &["bulk", "Enter"])
    })
    .await
    .unwrap();
    assert_eq!(code, "0", "the command did not finish with 0");
    let text = std::fs::read_to_string(&out_file).unwrap();
    assert!(
        text.contains(&format!("Environment:  {ns}/api-pr-envs/1301")),
        "{text}"
    );
    let _ = std::fs::remove_file(out_file);
}
