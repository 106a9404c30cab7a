//! Smaller defects found in review, each against the real API server: `render` takes what
//! `delete` tells users to run; `doctor` reads only the Secrets providers reference; watches outlive
//! `--request-timeout`; the deployed commit is found in `resourcesTemplate`s; `inputStrategy:
//! Permute` shows combinations, never one PR's environment.
mod common;

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::{Value, json};
use testkit::build;
use testkit::controller::StandIn;
use testkit::seed::{self as seedmod, SEED_PRS};

const KS: &str = "kustomize.toolkit.fluxcd.io/v1";

/// The seed scenario with the controller stand-in running in its namespaces.
struct Scenario {
    ns: String,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Scenario {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn scenario(env: &TestEnv, prefix: &str) -> Scenario {
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, prefix).await.unwrap();
    let infra = fixture::namespace(&client, "infra").await.unwrap();
    fixture::create_all(&client, &seedmod::api_scenario(&ns, &infra))
        .await
        .unwrap();
    let tasks = vec![
        StandIn::new(client.clone(), &ns, &infra).spawn(),
        StandIn::new(client.clone(), &infra, &infra).spawn(),
    ];
    Scenario { ns, tasks }
}

/// The plugin run on a blocking thread so the in-process stand-in keeps running.
async fn run(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let mut cmd = plugin_as_admin(env);
    cmd.args(args);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

// ---- render NAMESPACE/RESOURCESET ------------------------------------------------------------

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn render_runs_what_delete_tells_users_to_run() {
    let env = require_cluster!();
    let s = scenario(&env, "rndref").await;
    // delete refuses an exported PR and names the command that makes it stick.
    let refused = run(&env, &["delete", "1234", "-n", &s.ns, "--yes"]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", stderr_of(&refused));
    let hint = stderr_of(&refused);
    let told = hint
        .split("run `kubectl preview ")
        .nth(1)
        .and_then(|t| t.split('`').next())
        .unwrap_or_else(|| panic!("no render hint in {hint}"))
        .to_string();
    assert_eq!(told, format!("render {}/api-pr-envs", s.ns));
    // Run exactly that, from the default namespace (no -n): it renders that ResourceSet.
    let args: Vec<&str> = told.split(' ').collect();
    let out = run(&env, &args).await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains(&format!("ResourceSet {}/api-pr-envs:", s.ns)),
        "{}",
        stdout_of(&out)
    );
    // And within the namespace, and as NAMESPACE/RESOURCESET/PR from elsewhere.
    for args in [
        vec![
            "render".to_string(),
            format!("{}/api-pr-envs", s.ns),
            "-n".into(),
            s.ns.clone(),
        ],
        vec!["render".to_string(), format!("{}/api-pr-envs/1289", s.ns)],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&env, &args).await;
        assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
        assert!(stdout_of(&out).contains(&format!("ResourceSet {}/api-pr-envs:", s.ns)));
    }
    // An unknown one still says what exists.
    let out = run(&env, &["render", &format!("{}/nope", s.ns)]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("is neither a preview ResourceSet nor an environment"),
        "{}",
        stderr_of(&out)
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn render_of_an_ambiguous_reference_lists_the_candidates() {
    let env = require_cluster!();
    let (client, ns, _infra) = seeded(&env, "rndamb").await;
    // A second ResourceSet consuming the same provider: PR 1234 has two environments.
    let second = build::resource_set(
        &ns,
        "web-envs",
        json!([{"kind": "ResourceSetInputProvider", "name": "api-prs"}]),
        vec![build::kustomization_template(&ns)],
        build::rset_ready(&[]),
    );
    fixture::create(&client, &second).await.unwrap();
    let out = plugin_as_admin(&env)
        .args(["render", "1234", "-n", &ns])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    for want in [
        "\"1234\" is ambiguous".to_string(),
        format!("environment {ns}/api-pr-envs/1234"),
        format!("environment {ns}/web-envs/1234"),
        "NAMESPACE/RESOURCESET".into(),
    ] {
        assert!(err.contains(&want), "missing {want:?} in {err}");
    }
}

// ---- doctor reads only referenced Secrets ----------------------------------------------------

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn doctor_gets_only_the_referenced_secrets() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "drsec").await.unwrap();
    let mut objects = vec![
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "git-token", "namespace": ns},
               "stringData": {"username": "git", "password": "not-a-token"}}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "git-ca", "namespace": ns},
               "stringData": {"ca.crt": "not-a-cert"}}),
    ];
    // Secrets nobody references: doctor must not read them.
    for n in 0..5 {
        objects.push(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": format!("unrelated-{n}"), "namespace": ns},
                            "stringData": {"value": "private"}}));
    }
    // Two providers sharing the token, many PRs, two ResourceSets: one GET per distinct Secret.
    for (name, first) in [("web-prs", 100u32), ("api-prs", 200)] {
        let inputs: Vec<Value> = (first..first + 20)
            .map(|n| build::pr(&n.to_string(), &build::sha(n), "feat/x"))
            .collect();
        let mut p = build::provider(&ns, name, "GitLabMergeRequest", inputs);
        p["spec"]["secretRef"] = json!({"name": "git-token"});
        p["spec"]["certSecretRef"] = json!({"name": "git-ca"});
        p["spec"]["filter"] = json!({"labels": ["preview"]});
        objects.push(p);
    }
    for (rset, provider) in [("web", "web-prs"), ("api", "api-prs"), ("both", "web-prs")] {
        objects.push(build::resource_set(
            &ns,
            rset,
            json!([{"kind": "ResourceSetInputProvider", "name": provider}]),
            vec![build::kustomization_template(&ns)],
            build::rset_ready(&[]),
        ));
    }
    fixture::create_all(&client, &objects).await.unwrap();
    let user = format!("doctor-{:08x}", rand_u32());
    let out = plugin_as_admin(&env)
        .args(["doctor", "-n", &ns, "-o", "json"])
        .args(["--as", &user, "--as-group", "system:masters"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} {}", stdout_of(&out), stderr_of(&out)));
    let credentials: Vec<&Value> = v["resourceSets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["findings"].as_array().unwrap())
        .filter(|f| f["check"] == "credentials")
        .collect();
    assert!(credentials.is_empty(), "{credentials:?}");
    let secrets: Vec<String> = audited_requests(&user)
        .into_iter()
        .filter(|r| r.contains("/secrets"))
        .collect();
    let mut want = vec![
        format!("get /api/v1/namespaces/{ns}/secrets/git-ca"),
        format!("get /api/v1/namespaces/{ns}/secrets/git-token"),
    ];
    let mut got = secrets.clone();
    got.sort();
    want.sort();
    assert_eq!(
        got, want,
        "no LIST of Secrets, one GET per referenced Secret"
    );

    // A referenced Secret that is missing, and one without the keys its use needs.
    fixture::delete(&client, &objects[0]).await.unwrap();
    let mut ca = objects[1].clone();
    ca["stringData"] = json!({"tls.crt": "x"});
    fixture::delete(&client, &objects[1]).await.unwrap();
    fixture::create(&client, &ca).await.unwrap();
    let out = plugin_as_admin(&env)
        .args(["doctor", "web", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems: Vec<&str> = v["resourceSets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "credentials")
        .map(|f| f["problem"].as_str().unwrap())
        .collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("git-token, which does not exist"))
    );
    assert!(problems.iter().any(|p| p.contains("spec.certSecretRef")));
}

// ---- watches outlive --request-timeout -------------------------------------------------------

/// Patches 1301's Kustomization to the PR head and marks it reconciled: it turns Ready.
async fn deploy_head_of_1301(client: &kube::Client, ns: &str) {
    let api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        ns,
        &fixture::api_resource(KS, "Kustomization"),
    );
    let patched = api
        .patch(
            "api-pr-1301",
            &PatchParams::default(),
            &Patch::Merge(
                json!({"spec": {"postBuild": {"substitute": {"COMMIT_SHA": SEED_PRS[2].sha}}}}),
            ),
        )
        .await
        .unwrap();
    let generation = patched.metadata.generation.unwrap();
    let mut c = seedmod::condition("Ready", "True", "ReconciliationSucceeded", "Applied");
    c["observedGeneration"] = json!(generation);
    let ks = json!({"apiVersion": KS, "kind": "Kustomization", "metadata": {"name": "api-pr-1301", "namespace": ns}});
    fixture::set_status(
        client,
        &ks,
        json!({"observedGeneration": generation, "conditions": [c]}),
    )
    .await
    .unwrap();
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_watch_outlives_the_request_timeout() {
    let env = require_cluster!();
    let (client, ns, _infra) = seeded(&env, "lwrt").await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-preview"))
        .env_remove("KUBECONFIG")
        .env("KUBECONFIG", &env.admin_kubeconfig)
        .env("NO_COLOR", "1")
        .args(["list", "-w", "-n", &ns, "--request-timeout", "2s"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let collect = |mut r: Box<dyn Read + Send>| {
        let buf = Arc::new(Mutex::new(String::new()));
        let b = buf.clone();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = r.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                b.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
        buf
    };
    let stdout = collect(Box::new(child.stdout.take().unwrap()));
    let stderr = collect(Box::new(child.stderr.take().unwrap()));
    let wait_for = |what: &dyn Fn(&str) -> bool, secs: u64| {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if what(&stdout.lock().unwrap()) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    };
    assert!(
        wait_for(&|t: &str| t.contains("Outdated"), 20),
        "{}",
        stdout.lock().unwrap()
    );
    // Well past the request timeout with nothing to read, then a change.
    tokio::time::sleep(Duration::from_secs(6)).await;
    deploy_head_of_1301(&client, &ns).await;
    let reacted = wait_for(
        &|t: &str| {
            t.split("\n\n")
                .last()
                .is_some_and(|table| table.contains("1301") && !table.contains("Outdated"))
        },
        20,
    );
    let _ = child.kill();
    let _ = child.wait();
    let out = stdout.lock().unwrap().clone();
    let err = stderr.lock().unwrap().clone();
    assert!(reacted, "the table never showed the change:\n{out}\n{err}");
    assert!(
        !err.contains("interrupted"),
        "a watch was cut by --request-timeout: {err}"
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_outlives_the_request_timeout() {
    let env = require_cluster!();
    let (client, ns, _infra) = seeded(&env, "wrt").await;
    let mut cmd = plugin_as_admin(&env);
    cmd.args([
        "wait",
        "1301",
        "-n",
        &ns,
        "--request-timeout",
        "2s",
        "--timeout",
        "40s",
    ]);
    let started = Instant::now();
    let waiting = tokio::task::spawn_blocking(move || cmd.output().unwrap());
    tokio::time::sleep(Duration::from_secs(6)).await;
    deploy_head_of_1301(&client, &ns).await;
    let out = waiting.await.unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(started.elapsed() > Duration::from_secs(5));
    assert_eq!(stdout_of(&out), "https://api-1301.preview.example.com\n");
    assert!(
        !stderr_of(&out).contains("interrupted"),
        "a watch was cut by --request-timeout: {}",
        stderr_of(&out)
    );
}

// ---- resourcesTemplate -----------------------------------------------------------------------

const TEMPLATE: &str = r#"<<- /* one Kustomization per PR; « non-ASCII » text is fine */ ->>
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app-<< inputs.id >>
  namespace: NS
spec:
  interval: 10m
  path: ./deploy
  sourceRef:
    kind: GitRepository
    name: repo
  << if hasKey inputs "title" >>
  # «<< inputs.title >>»
  << end >>
  postBuild:
    substitute:
      COMMIT_SHA: "<< inputs.sha >>"
"#;

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn a_resources_template_shows_outdated_and_is_checked() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "rtpl").await.unwrap();
    let head = build::sha(7);
    let old = build::sha(6);
    let mut provider = build::provider(
        &ns,
        "app-prs",
        "GitHubPullRequest",
        vec![build::pr("7", &head, "feat/é")],
    );
    provider["spec"]["filter"] = json!({"labels": ["preview"]});
    let rset = json!({"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSet",
        "metadata": {"name": "app", "namespace": ns},
        "spec": {"inputsFrom": [{"kind": "ResourceSetInputProvider", "name": "app-prs"}],
                 "resourcesTemplate": TEMPLATE.replace("NS", &ns)},
        "status": build::rset_ready(&[(&ns, "app-7", "kustomize.toolkit.fluxcd.io", "Kustomization", "v1")])});
    let ks = build::kustomization(build::Ks {
        ns: &ns,
        name: "app-7",
        rset: "app",
        commit: &old,
        ready: ("True", "ReconciliationSucceeded", "Applied"),
        suspend: false,
        inventory: &[],
    });
    fixture::create_all(&client, &[provider, rset, ks])
        .await
        .unwrap();
    let out = plugin_as_admin(&env)
        .args(["list", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &v["items"][0];
    assert_eq!(e["status"], "Outdated", "{e:#}");
    assert_eq!(e["deployedSha"], json!(old));
    assert_eq!(e["upToDate"], json!(false));
    // doctor reads the template's objects: prune, dependsOn and health checks are missing.
    let out = plugin_as_admin(&env)
        .args(["doctor", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr_of(&out)));
    let mut checks: Vec<&str> = v["resourceSets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    checks.sort();
    assert_eq!(
        checks,
        ["no-depends-on", "no-health-check", "no-prune"],
        "{v:#}"
    );
}

// ---- inputStrategy: Permute ------------------------------------------------------------------

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn permute_shows_combinations_not_prs() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "perm").await.unwrap();
    let web = build::provider(
        &ns,
        "web-prs",
        "GitHubPullRequest",
        vec![build::pr("12", &build::sha(12), "feat/web")],
    );
    let api = build::provider(
        &ns,
        "api-prs",
        "GitHubPullRequest",
        vec![
            build::pr("34", &build::sha(34), "feat/api"),
            build::pr("35", &build::sha(35), "fix/api"),
        ],
    );
    let template = json!({"apiVersion": KS, "kind": "Kustomization",
        "metadata": {"name": "app-<< inputs.web_prs.id >>-<< inputs.api_prs.id >>", "namespace": ns},
        "spec": {"interval": "10m", "prune": true, "path": "./deploy", "sourceRef": {"kind": "GitRepository", "name": "repo"}}});
    let mut rset = build::resource_set(
        &ns,
        "app",
        json!([{"kind": "ResourceSetInputProvider", "name": "web-prs"}, {"kind": "ResourceSetInputProvider", "name": "api-prs"}]),
        vec![template],
        build::rset_ready(&[
            (
                &ns,
                "app-12-34",
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "v1",
            ),
            (
                &ns,
                "app-12-35",
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "v1",
            ),
        ]),
    );
    rset["spec"]["inputStrategy"] = json!({"name": "Permute"});
    let ks = |name: &str| {
        build::kustomization(build::Ks {
            ns: &ns,
            name,
            rset: "app",
            commit: "",
            ready: ("True", "ReconciliationSucceeded", "Applied"),
            suspend: false,
            inventory: &[],
        })
    };
    fixture::create_all(&client, &[web, api, rset, ks("app-12-34"), ks("app-12-35")])
        .await
        .unwrap();
    let out = plugin_as_admin(&env)
        .args(["list", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let envs: Vec<(String, Vec<String>, Value)> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["objects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o["name"].as_str().unwrap().to_string())
                    .collect(),
                e["pr"]["sha"].clone(),
            )
        })
        .collect();
    assert_eq!(
        envs,
        [
            (
                format!("{ns}/app/34+12"),
                vec!["app-12-34".to_string()],
                Value::Null
            ),
            (
                format!("{ns}/app/35+12"),
                vec!["app-12-35".to_string()],
                Value::Null
            ),
        ]
    );
    // The table shows the combination, and a single PR id names none of them.
    let out = plugin_as_admin(&env)
        .args(["list", "-n", &ns])
        .output()
        .unwrap();
    assert!(stdout_of(&out).contains("34+12"), "{}", stdout_of(&out));
    let out = plugin_as_admin(&env)
        .args(["get", "12", "-n", &ns])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout_of(&out));
}
