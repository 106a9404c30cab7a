//! No input aborts the plugin: hostile or malformed values from the command line and the cluster
//! end in a clear error (exit 1, or 2 for usage) or are shown as they are. And Ready means the new
//! commit serves: a Deployment in the middle of a rollout is not Ready. Each test here failed (an
//! abort, or a wrong Ready) before the fix it covers.
mod common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use common::*;
use serde_json::{Value, json};
use testkit::build::{self, Ks};

/// Exit codes the plugin may end with; anything else (a signal, Rust's 101 for a panic) is a
/// crash.
fn assert_no_crash(out: &std::process::Output, what: &str) {
    let stderr = stderr_of(out);
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "{what}: crashed ({:?}): {stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
}

#[test]
fn durations_too_large_or_malformed_are_usage_errors() {
    let cases: &[&[&str]] = &[
        &["wait", "7", "--timeout", "99999999999999999999h"],
        &["wait", "7", "--timeout", "2562048h"],
        &["wait", "7", "--timeout=-5s"],
        &["wait", "7", "--timeout", "1e400s"],
        &["wait", "7", "--timeout", "NaNs"],
        &["reconcile", "7", "--timeout", "inf"],
        &["delete", "7", "--timeout", "99999999999999999999"],
        &["--request-timeout", "99999999999999999999h", "list"],
        &["--request-timeout", "5\u{e9}", "list"],
    ];
    for args in cases {
        let out = plugin().args(*args).output().unwrap();
        assert_no_crash(&out, &format!("{args:?}"));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr_of(&out));
        let stderr = stderr_of(&out);
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error:") && first.contains("invalid duration"),
            "{args:?}: {stderr}"
        );
    }
    let out = plugin()
        .args(["wait", "7", "--timeout", "99999999999999999999h"])
        .output()
        .unwrap();
    assert!(stderr_of(&out).contains("too large"), "{}", stderr_of(&out));
}

#[test]
fn arguments_that_are_not_utf8_do_not_abort() {
    let bad = OsStr::from_bytes(b"\xff\xfe");
    let out = plugin().arg(bad).output().unwrap();
    assert_no_crash(&out, "a bare argument");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let out = plugin().args(["get"]).arg(bad).output().unwrap();
    assert_no_crash(&out, "an ENV");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    // kubectl's plugin completion hands the words over as they were typed.
    let out = plugin()
        .args(["__complete", "get"])
        .arg(bad)
        .output()
        .unwrap();
    assert_no_crash(&out, "completion");
}

/// Replica counts of a Deployment's status, at generation 1.
fn deployment_status(replicas: i64, updated: i64, ready: i64, available: i64) -> Value {
    json!({"observedGeneration": 1, "replicas": replicas, "updatedReplicas": updated,
           "readyReplicas": ready, "availableReplicas": available})
}

/// Provider `prs` exports PR 7 at `sha`; each of `rsets` consumes it and rendered a Ready
/// Kustomization `<rset>-7` at `sha`, which applied a Deployment `<rset>-7` of two replicas with
/// `deployment` as its status.
fn scenario(ns: &str, sha: &str, rsets: &[&str], deployment: &Value) -> Vec<Value> {
    let mut objects = vec![build::provider(
        ns,
        "prs",
        "GitHubPullRequest",
        vec![build::pr("7", sha, "feature/robust")],
    )];
    for rset in rsets {
        let name = format!("{rset}-7");
        let mut template = build::kustomization_template(ns);
        template["metadata"]["name"] = json!(format!("{rset}-<< inputs.id >>"));
        objects.push(build::resource_set(
            ns,
            rset,
            json!([{"kind": "ResourceSetInputProvider", "name": "prs"}]),
            vec![template],
            build::rset_ready(&[(
                ns,
                &name,
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "v1",
            )]),
        ));
        objects.push(build::kustomization(Ks {
            ns,
            name: &name,
            rset,
            commit: sha,
            ready: ("True", "ReconciliationSucceeded", "Applied revision"),
            suspend: false,
            inventory: &[(ns, &name, "apps", "Deployment", "v1")],
        }));
        let mut d = build::deployment(ns, &name, true);
        d["spec"]["replicas"] = json!(2);
        d["status"] = deployment.clone();
        objects.push(d);
    }
    objects
}

async fn scenario_namespace(
    env: &TestEnv,
    prefix: &str,
    sha: &str,
    rsets: &[&str],
    deployment: &Value,
) -> (kube::Client, String) {
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, prefix).await.unwrap();
    fixture::create_all(&client, &scenario(&ns, sha, rsets, deployment))
        .await
        .unwrap();
    (client, ns)
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn wait_on_an_ambiguous_reference_exits_1_listing_the_candidates() {
    let env = require_cluster!();
    let head = build::sha(7);
    let steady = deployment_status(2, 2, 2, 2);
    let (_client, ns) =
        scenario_namespace(&env, "ambiguous", &head, &["api", "web"], &steady).await;
    let out = plugin_as_admin(&env)
        .args(["wait", "7", "-n", &ns, "--timeout", "20s"])
        .output()
        .unwrap();
    assert_no_crash(&out, "wait 7");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let stderr = stderr_of(&out);
    assert!(stderr.contains("ambiguous"), "{stderr}");
    for candidate in [format!("{ns}/api/7"), format!("{ns}/web/7")] {
        assert!(stderr.contains(&candidate), "{candidate} in {stderr}");
    }
    assert_eq!(stdout_of(&out), "", "nothing on stdout for CI to read");
    // Named fully, each is one environment and Ready.
    let out = plugin_as_admin(&env)
        .args(["wait", &format!("{ns}/web/7"), "--timeout", "20s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn a_non_ascii_sha_is_shown_not_sliced() {
    let env = require_cluster!();
    let sha = "ééééééééé";
    let steady = deployment_status(2, 2, 2, 2);
    let (_client, ns) = scenario_namespace(&env, "sha", sha, &["app"], &steady).await;
    for args in [
        vec!["list", "-n", &ns],
        vec!["list", "-n", &ns, "-o", "wide"],
        vec!["get", "7", "-n", &ns],
    ] {
        let out = plugin_as_admin(&env).args(&args).output().unwrap();
        assert_no_crash(&out, &format!("{args:?}"));
        assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
        assert!(
            stdout_of(&out).contains("ééééééé"),
            "{args:?}: {}",
            stdout_of(&out)
        );
    }
    let out = plugin_as_admin(&env)
        .args(["list", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list["items"][0]["pr"]["sha"], sha, "JSON stays exact");
    // A non-ASCII --sha from the command line is shortened in the waiting message.
    let out = plugin_as_admin(&env)
        .args([
            "wait",
            "7",
            "-n",
            &ns,
            "--sha",
            "üüüüüüüüü",
            "--timeout",
            "2s",
        ])
        .output()
        .unwrap();
    assert_no_crash(&out, "wait --sha");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("waiting for üüüüüüü"),
        "{}",
        stderr_of(&out)
    );
    let out = plugin_as_admin(&env)
        .args(["wait", "7", "-n", &ns, "--sha", sha, "--timeout", "20s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn mid_rollout_is_progressing_until_the_new_pods_serve() {
    let env = require_cluster!();
    let head = build::sha(70);
    // The head is rendered and applied; one new pod is up, two old pods still serve (and count
    // as available, so `availableReplicas >= replicas` held).
    let rolling = deployment_status(3, 1, 2, 2);
    let (client, ns) = scenario_namespace(&env, "rollout", &head, &["app"], &rolling).await;
    let out = plugin_as_admin(&env)
        .args(["list", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &list["items"][0];
    assert_eq!(e["status"], "Progressing", "{e:#}");
    assert_eq!(e["deployedSha"], head.as_str());
    assert!(
        e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("1/2 updated"),
        "{e:#}"
    );
    let deploy = e["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .unwrap();
    assert_eq!(deploy["ready"], "False", "{deploy:#}");
    let out = plugin_as_admin(&env)
        .args(["wait", "7", "-n", &ns, "--sha", &head, "--timeout", "2s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("timed out"), "{}", stderr_of(&out));
    // The rollout completes: every replica updated, ready and available, no old one left.
    let deployment = scenario(&ns, &head, &["app"], &rolling).remove(3);
    fixture::set_status(&client, &deployment, deployment_status(2, 2, 2, 2))
        .await
        .unwrap();
    // Go's longest duration: a deadline that far out must not overflow.
    let out = plugin_as_admin(&env)
        .args(["wait", "7", "-n", &ns, "--sha", &head])
        .args(["--timeout", "2562047h47m16.854775807s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
}

/// A bearer token that cannot be an HTTP header value (a newline pasted into the kubeconfig):
/// kube's client builder aborts on it unless the plugin refuses it first.
#[ignore = "needs the test control plane: scripts/test runs it"]
#[test]
fn a_token_that_is_no_header_value_is_an_error() {
    let env = require_cluster!();
    let dir = tempfile::tempdir().unwrap();
    let path = edited_kubeconfig(&env, dir.path(), "config", |text| {
        let mut out: Vec<String> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("token:"))
            .map(str::to_string)
            .collect();
        let at = out
            .iter()
            .position(|l| l.trim_start().starts_with("user:"))
            .expect("a user section");
        out.insert(at + 1, "    token: \"abc\\ndef\"".to_string());
        out.join("\n")
    });
    let out = plugin()
        .arg("--kubeconfig")
        .arg(&path)
        .args(["list", "-A"])
        .output()
        .unwrap();
    assert_no_crash(&out, "list with the token");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
}

/// A namespace becomes part of request paths: `-n ../..` or a query string is a usage error, not a
/// request to another path.
#[ignore = "needs the test control plane: scripts/test runs it"]
#[test]
fn namespaces_that_are_not_names_are_usage_errors() {
    let env = require_cluster!();
    for ns in ["../..", "?watch=1", "a b", "App"] {
        let out = plugin_as_admin(&env)
            .args(["list", "-n", ns])
            .output()
            .unwrap();
        assert_no_crash(&out, ns);
        assert_eq!(out.status.code(), Some(2), "{ns}: {}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains("invalid namespace"),
            "{}",
            stderr_of(&out)
        );
    }
    let out = plugin_as_admin(&env)
        .args(["get", "../x/1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
}
