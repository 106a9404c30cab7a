//! `doctor` against the real API server: one fixture per finding (triggering exactly that one),
//! the seed scenario, several problems at once, exit codes, JSON shape and a restricted user.
mod common;

use common::*;
use serde_json::{Value, json};
use testkit::build;

/// A setup that follows every piece of advice; `mutate` breaks one thing.
fn clean_setup(ns: &str, mutate: impl Fn(&mut Vec<Value>)) -> Vec<Value> {
    let mut provider = build::provider(
        ns,
        "app-prs",
        "GitHubPullRequest",
        vec![build::pr("7", &build::sha(7), "feat/a")],
    );
    provider["metadata"]["annotations"] = json!({"fluxcd.controlplane.io/reconcileEvery": "5m"});
    provider["spec"]["filter"] = json!({"labels": ["preview"]});
    provider["spec"]["secretRef"] = json!({"name": "github-auth"});
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "github-auth", "namespace": ns},
        "stringData": {"username": "git", "password": "not-a-token"}});
    let template = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "app-pr-<< inputs.id >>", "namespace": ns},
        "spec": {"interval": "10m", "prune": true, "wait": true, "timeout": "5m", "path": "./deploy",
                 "dependsOn": [{"name": "app-common", "namespace": "flux-system"}],
                 "sourceRef": {"kind": "GitRepository", "name": "repo"},
                 "postBuild": {"substitute": {"PR_NUMBER": "<< inputs.id | quote >>", "COMMIT_SHA": "<< inputs.sha >>"}}}});
    let rset = build::resource_set(
        ns,
        "app",
        json!([{"kind": "ResourceSetInputProvider", "name": "app-prs"}]),
        vec![template],
        build::rset_ready(&[]),
    );
    let mut objects = vec![secret, provider, rset];
    mutate(&mut objects);
    objects
}

fn find<'a>(objects: &'a mut [Value], kind: &str) -> &'a mut Value {
    objects.iter_mut().find(|o| o["kind"] == kind).unwrap()
}

async fn doctor(env: &TestEnv, objects: Vec<Value>) -> (i32, Value) {
    let client = env.admin().await.unwrap();
    let ns = objects[0]["metadata"]["namespace"]
        .as_str()
        .unwrap()
        .to_string();
    fixture::create_all(&client, &objects).await.unwrap();
    let out = plugin_as_admin(env)
        .args(["doctor", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} {}", stdout_of(&out), stderr_of(&out)));
    (out.status.code().unwrap(), v)
}

fn checks(v: &Value) -> Vec<(String, String)> {
    v["resourceSets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                f["level"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn a_clean_setup_has_no_findings() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "dr-clean").await.unwrap();
    let (code, v) = doctor(&env, clean_setup(&ns, |_| {})).await;
    assert_eq!(code, 0);
    assert_eq!(checks(&v), Vec::<(String, String)>::new());
    let text = stdout_of(
        &plugin_as_admin(&env)
            .args(["doctor", "-n", &ns])
            .output()
            .unwrap(),
    );
    assert_eq!(text, format!("ResourceSet {ns}/app: no problems found\n"));
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn each_gotcha_triggers_exactly_its_finding() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    type Mutation = Box<dyn Fn(&mut Vec<Value>)>;
    let cases: Vec<(&str, &str, i32, Mutation)> = vec![
        (
            "deploy-not-gated",
            "warning",
            0,
            Box::new(|o| {
                find(o, "ResourceSetInputProvider")["spec"]
                    .as_object_mut()
                    .unwrap()
                    .remove("filter");
            }),
        ),
        (
            "poll-interval",
            "warning",
            0,
            Box::new(|o| {
                find(o, "ResourceSetInputProvider")["metadata"]["annotations"]["fluxcd.controlplane.io/reconcileEvery"] =
                    json!("30s")
            }),
        ),
        (
            "limit-reached",
            "error",
            1,
            Box::new(|o| {
                let p = find(o, "ResourceSetInputProvider");
                p["spec"]["filter"]["limit"] = json!(2);
                p["status"]["exportedInputs"] = json!([
                    build::pr("7", &build::sha(7), "a"),
                    build::pr("8", &build::sha(8), "b")
                ]);
            }),
        ),
        (
            "limit-near",
            "warning",
            0,
            Box::new(|o| {
                let p = find(o, "ResourceSetInputProvider");
                p["spec"]["filter"]["limit"] = json!(5);
                p["status"]["exportedInputs"] = json!(
                    (1..=4)
                        .map(|i| build::pr(&i.to_string(), &build::sha(i), "x"))
                        .collect::<Vec<_>>()
                );
            }),
        ),
        (
            "credentials",
            "error",
            1,
            Box::new(|o| o.retain(|x| x["kind"] != "Secret")),
        ),
        (
            "credentials",
            "error",
            1,
            Box::new(|o| find(o, "Secret")["stringData"] = json!({"token": "x"})),
        ),
        (
            "optional-input",
            "error",
            1,
            Box::new(|o| {
                find(o, "ResourceSet")["spec"]["resources"][0]["metadata"]["annotations"] =
                    json!({"preview/title": "<< inputs.title | quote >>"});
            }),
        ),
        (
            "cluster-scoped-per-pr",
            "error",
            1,
            Box::new(|o| {
                let r = find(o, "ResourceSet");
                r["spec"]["resources"].as_array_mut().unwrap().push(
                    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": "app-pr-<< inputs.id >>"}, "rules": []}),
                );
            }),
        ),
        (
            "no-rollout-on-push",
            "warning",
            0,
            Box::new(|o| {
                find(o, "ResourceSet")["spec"]["resources"][0]["spec"]["postBuild"]["substitute"]
                    .as_object_mut()
                    .unwrap()
                    .remove("COMMIT_SHA");
            }),
        ),
        (
            "no-prune",
            "warning",
            0,
            Box::new(|o| {
                find(o, "ResourceSet")["spec"]["resources"][0]["spec"]["prune"] = json!(false)
            }),
        ),
        (
            "no-depends-on",
            "warning",
            0,
            Box::new(|o| {
                find(o, "ResourceSet")["spec"]["resources"][0]["spec"]
                    .as_object_mut()
                    .unwrap()
                    .remove("dependsOn");
            }),
        ),
        (
            "no-health-check",
            "warning",
            0,
            Box::new(|o| {
                find(o, "ResourceSet")["spec"]["resources"][0]["spec"]["wait"] = json!(false)
            }),
        ),
    ];
    for (check, level, code, mutate) in cases {
        let ns = fixture::namespace(&client, "dr").await.unwrap();
        let (got_code, v) = doctor(&env, clean_setup(&ns, mutate)).await;
        assert_eq!(
            checks(&v),
            vec![(check.to_string(), level.to_string())],
            "{check}: {v:#}"
        );
        assert_eq!(got_code, code, "{check}");
        let f = &v["resourceSets"][0]["findings"][0];
        assert!(
            !f["problem"].as_str().unwrap().is_empty() && !f["fix"].as_str().unwrap().is_empty()
        );
        assert!(
            f["object"]
                .as_str()
                .unwrap()
                .ends_with(&format!("{ns}/app"))
                || f["object"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("{ns}/app-prs")),
            "{f}"
        );
    }
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn the_seed_has_no_errors_and_many_problems_at_once_fail() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "dr-seed").await.unwrap();
    let infra = fixture::namespace(&client, "infra").await.unwrap();
    fixture::create_all(&client, &testkit::seed::api_scenario(&ns, &infra))
        .await
        .unwrap();
    let out = plugin_as_admin(&env)
        .args(["doctor", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout_of(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["errors"], 0);
    // The seed sets `wait: false` without healthChecks.
    assert_eq!(
        checks(&v),
        vec![("no-health-check".to_string(), "warning".to_string())]
    );

    let ns = fixture::namespace(&client, "dr-many").await.unwrap();
    let objects = clean_setup(&ns, |o| {
        o.retain(|x| x["kind"] != "Secret");
        find(o, "ResourceSetInputProvider")["spec"]
            .as_object_mut()
            .unwrap()
            .remove("filter");
        let spec = &mut find(o, "ResourceSet")["spec"]["resources"][0]["spec"];
        spec["prune"] = json!(false);
        spec["wait"] = json!(false);
    });
    let (code, v) = doctor(&env, objects).await;
    assert_eq!(code, 1);
    let mut got = checks(&v);
    got.sort();
    assert_eq!(
        got,
        [
            ("credentials", "error"),
            ("deploy-not-gated", "warning"),
            ("no-health-check", "warning"),
            ("no-prune", "warning")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(v["errors"], 1);
    assert_eq!(v["warnings"], 3);
    let keys: Vec<&str> = v["resourceSets"][0]["findings"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["check", "fix", "level", "object", "problem"]);
    let text = stdout_of(
        &plugin_as_admin(&env)
            .args(["doctor", "app", "-n", &ns])
            .output()
            .unwrap(),
    );
    assert!(text.starts_with(&format!("ResourceSet {ns}/app: 4 finding(s)\n  error    credentials  ResourceSetInputProvider/{ns}/app-prs\n")), "{text}");
    assert!(
        text.contains("    fix:\n      create it (sealed or external, not in plain git):\n        kubectl create secret generic github-auth"),
        "{text}"
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn a_check_that_cannot_run_says_why() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "dr-rbac").await.unwrap();
    fixture::create_all(&client, &clean_setup(&ns, |_| {}))
        .await
        .unwrap();
    let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r", "namespace": ns},
        "rules": [{"apiGroups": ["fluxcd.controlplane.io", "kustomize.toolkit.fluxcd.io"], "resources": ["*"], "verbs": ["get", "list"]}]});
    let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "r", "namespace": ns},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
        "subjects": [{"kind": "User", "name": "restricted", "apiGroup": "rbac.authorization.k8s.io"}]});
    fixture::create(&client, &role).await.unwrap();
    fixture::create(&client, &binding).await.unwrap();
    let out = plugin()
        .env("KUBECONFIG", &env.restricted_kubeconfig)
        .args(["doctor", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        checks(&v),
        vec![("credentials".to_string(), "info".to_string())]
    );
    assert!(
        v["resourceSets"][0]["findings"][0]["problem"]
            .as_str()
            .unwrap()
            .contains("could not check Secret")
    );
    assert!(
        stderr_of(&out).contains("cannot read Secret"),
        "{}",
        stderr_of(&out)
    );
}
