//! Driving environments end to end against the real API server, with a controller stand-in
//! (`testkit::controller`) playing the Flux Operator and kustomize-controller.
mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::*;
use kube::api::{Api, DynamicObject};
use serde_json::{Value, json};
use testkit::build;
use testkit::controller::{Behaviour, StandIn};
use testkit::seed::{self as seedmod, SEED_PRS};

struct Scenario {
    client: kube::Client,
    ns: String,
    infra: String,
    stand_in: StandIn,
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
    scenario_with(env, prefix, |_, _| {}).await
}

/// The seed scenario, with `edit` applied to its objects (and the namespace) before they are
/// created.
async fn scenario_with(
    env: &TestEnv,
    prefix: &str,
    edit: impl FnOnce(&mut Vec<Value>, &str),
) -> Scenario {
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, prefix).await.unwrap();
    let infra = fixture::namespace(&client, "infra").await.unwrap();
    let mut objects = seedmod::api_scenario(&ns, &infra);
    edit(&mut objects, &ns);
    fixture::create_all(&client, &objects).await.unwrap();
    let stand_in = StandIn::new(client.clone(), &ns, &infra);
    let infra_stand_in = StandIn::new(client.clone(), &infra, &infra);
    let tasks = vec![stand_in.spawn(), infra_stand_in.spawn()];
    Scenario {
        client,
        ns,
        infra,
        stand_in,
        tasks,
    }
}

async fn get(client: &kube::Client, av: &str, kind: &str, ns: &str, name: &str) -> Option<Value> {
    let api: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), ns, &fixture::api_resource(av, kind));
    api.get_opt(name)
        .await
        .unwrap()
        .map(|o| serde_json::to_value(o).unwrap())
}

const KS: &str = "kustomize.toolkit.fluxcd.io/v1";

/// The plugin run on a blocking thread so the in-process stand-in keeps running.
async fn run(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let mut cmd = plugin_as_admin(env);
    cmd.args(args);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_waits_for_the_controller() {
    let env = require_cluster!();
    let s = scenario(&env, "rec").await;
    let out = run(&env, &["reconcile", "1234", "-n", &s.ns]).await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains(&format!(
            "Kustomization/{}/api-pr-1234: Ready: Applied revision",
            s.ns
        )),
        "{}",
        stdout_of(&out)
    );
    let ks = get(&s.client, KS, "Kustomization", &s.ns, "api-pr-1234")
        .await
        .unwrap();
    let token = ks["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"]
        .as_str()
        .unwrap();
    assert!(
        token.parse::<jiff::Timestamp>().is_ok() && token.len() == 30,
        "RFC3339Nano: {token}"
    );
    assert_eq!(ks["status"]["lastHandledReconcileAt"], token);
    // Only the annotation was written, by the field manager `preview-cli`.
    let managers: Vec<&Value> = ks["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["manager"] == "preview-cli")
        .collect();
    assert_eq!(managers.len(), 1, "{:#?}", ks["metadata"]["managedFields"]);
    assert_eq!(managers[0]["operation"], "Update");
    assert_eq!(
        managers[0]["fieldsV1"],
        json!({"f:metadata": {"f:annotations": {".": {}, "f:reconcile.fluxcd.io/requestedAt": {}}}})
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_failure_canceled_timeout_and_sources() {
    let env = require_cluster!();
    let s = scenario(&env, "recf").await;
    s.stand_in.behave(
        "api-pr-1289",
        Behaviour::Fail(
            "HealthCheckFailed".into(),
            "timeout waiting for: [Deployment/api-deployment-1289]".into(),
        ),
    );
    let out = run(&env, &["reconcile", "1289", "-n", &s.ns]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout_of(&out).contains("HealthCheckFailed: timeout waiting for"),
        "{}",
        stdout_of(&out)
    );
    assert!(
        stderr_of(&out).contains("reconcile failed for Kustomization"),
        "{}",
        stderr_of(&out)
    );

    s.stand_in
        .behave("api-pr-1301", Behaviour::CanceledThenReady);
    let out = run(&env, &["reconcile", "api-pr-envs/1301", "-n", &s.ns]).await;
    assert!(
        out.status.success(),
        "HealthCheckCanceled is not final: {}",
        stderr_of(&out)
    );
    assert!(
        stdout_of(&out).contains("Applied after the canceled health check"),
        "{}",
        stdout_of(&out)
    );

    s.stand_in.behave("api-pr-1234", Behaviour::Ignore);
    let started = Instant::now();
    let out = run(&env, &["reconcile", "1234", "-n", &s.ns, "--timeout", "2s"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout_of(&out).contains("timed out waiting for"),
        "{}",
        stdout_of(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    // --with-source: the GitRepository in the shared namespace first, then the Kustomization.
    s.stand_in.behave("api-pr-1234", Behaviour::Ready);
    let repo = json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository", "metadata": {"name": "flux-system", "namespace": s.infra},
        "spec": {"url": "https://git.example.com/fleet", "interval": "1m", "ref": {"branch": "main"}}});
    fixture::create(&s.client, &repo).await.unwrap();
    let out = run(&env, &["reconcile", "1234", "-n", &s.ns, "--with-source"]).await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    let (src, ks) = (
        text.find(&format!("GitRepository/{}/flux-system: Ready", s.infra)),
        text.find("Kustomization/"),
    );
    assert!(src.is_some() && ks.is_some() && src < ks, "{text}");

    // --all --no-wait only requests.
    s.stand_in.behave("api-pr-1289", Behaviour::Ignore);
    let out = run(&env, &["reconcile", "--all", "-n", &s.ns, "--no-wait"]).await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        stderr_of(&out).matches("reconcile requested for").count(),
        3,
        "{}",
        stderr_of(&out)
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_interrupts_a_wait() {
    let env = require_cluster!();
    let s = scenario(&env, "sigint").await;
    s.stand_in.behave("api-pr-1234", Behaviour::Ignore);
    let out = common::interrupted(
        &env.admin_kubeconfig,
        &["reconcile", "1234", "-n", &s.ns],
        Duration::from_millis(2500),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout_of(&out).contains("interrupted"),
        "{}",
        stdout_of(&out)
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn render_refreshes_and_reports_the_change() {
    let env = require_cluster!();
    let s = scenario(&env, "render").await;
    let moved = build::sha(1301);
    s.stand_in.export_next(
        "api-prs",
        vec![
            json!({"id": "1234", "sha": SEED_PRS[0].sha, "branch": SEED_PRS[0].branch}),
            json!({"id": "1301", "sha": moved, "branch": SEED_PRS[2].branch}),
            json!({"id": "1400", "sha": build::sha(1400), "branch": "feat/new"}),
        ],
    );
    let out = run(&env, &["render", "-n", &s.ns]).await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    for want in [
        format!("ResourceSet {}/api-pr-envs:", s.ns),
        format!("  + PR 1400 added at {}", &build::sha(1400)[..7]),
        format!("  ~ PR 1301 moved c0ffee4 → {}", &moved[..7]),
        "  - PR 1289 removed".into(),
        format!("  + Kustomization/{}/api-pr-1400 created", s.ns),
        format!("  - Kustomization/{}/api-pr-1289 deleted", s.ns),
    ] {
        assert!(text.contains(&want), "missing {want:?} in\n{text}");
    }
    let provider = get(
        &s.client,
        "fluxcd.controlplane.io/v1",
        "ResourceSetInputProvider",
        &s.ns,
        "api-prs",
    )
    .await
    .unwrap();
    let ann = &provider["metadata"]["annotations"];
    assert_eq!(
        ann["reconcile.fluxcd.io/requestedAt"], ann["reconcile.fluxcd.io/forceAt"],
        "forceAt so a schedule window does not block"
    );
    assert_eq!(
        provider["status"]["lastHandledForceAt"],
        ann["reconcile.fluxcd.io/forceAt"]
    );

    // A ResourceSet whose build fails: exit 1 with its message.
    s.stand_in.fail_build(
        "api-pr-envs",
        "build failed: map has no entry for key \"labels\"",
    );
    let out = run(&env, &["render", "api-pr-envs", "-n", &s.ns]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("BuildFailed: build failed: map has no entry for key"),
        "{}",
        stderr_of(&out)
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_refuses_while_exported_and_force_deletes() {
    let env = require_cluster!();
    let s = scenario(&env, "del").await;
    let shared = build::config_map(
        &s.ns,
        "api-shared-config",
        seedmod::owner_labels("api-pr-envs", &s.ns),
    );
    fixture::create(&s.client, &shared).await.unwrap();
    let out = run(&env, &["delete", "1289", "-n", &s.ns, "--yes"]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("still exports PR 1289") && err.contains("--force"),
        "{err}"
    );
    assert!(err.contains("close or merge PR 1289"), "{err}");
    assert!(
        err.contains(
            "Removing \"build/image-ready\" (skip.labels \"!build/image-ready\") only freezes"
        ),
        "{err}"
    );
    assert!(
        get(&s.client, KS, "Kustomization", &s.ns, "api-pr-1289")
            .await
            .is_some(),
        "nothing changed"
    );

    let out = run(
        &env,
        &["delete", "1289", "-n", &s.ns, "--force", "--dry-run"],
    )
    .await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let plan = stdout_of(&out);
    assert!(
        plan.contains(&format!("delete  Kustomization/{}/api-pr-1289", s.ns)),
        "{plan}"
    );
    assert!(
        plan.contains(&format!("prune   Deployment/{}/api-deployment-1289", s.ns)),
        "{plan}"
    );
    assert!(plan.contains("Dry run: nothing changed."), "{plan}");
    assert!(
        get(&s.client, KS, "Kustomization", &s.ns, "api-pr-1289")
            .await
            .is_some()
    );

    // No terminal and no --yes: refused as a usage error, nothing changed.
    let out = run(&env, &["teardown", "1289", "-n", &s.ns, "--force"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));

    let out = run(&env, &["delete", "1289", "-n", &s.ns, "--force", "--yes"]).await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(
        text.contains("re-creates it at its next reconcile") && text.contains("polls every 5m"),
        "{text}"
    );
    for (av, kind, name) in [
        (KS, "Kustomization", "api-pr-1289"),
        ("apps/v1", "Deployment", "api-deployment-1289"),
        ("v1", "Service", "api-1289"),
        ("networking.k8s.io/v1", "Ingress", "api-ingress-1289"),
    ] {
        assert!(
            get(&s.client, av, kind, &s.ns, name).await.is_none(),
            "{kind}/{name} should be gone"
        );
    }
    // Never: the shared object, the other PRs, the ResourceSet, the provider.
    assert!(
        get(&s.client, "v1", "ConfigMap", &s.ns, "api-shared-config")
            .await
            .is_some()
    );
    assert!(
        get(&s.client, KS, "Kustomization", &s.ns, "api-pr-1234")
            .await
            .is_some()
    );
    assert!(
        get(
            &s.client,
            "fluxcd.controlplane.io/v1",
            "ResourceSet",
            &s.ns,
            "api-pr-envs"
        )
        .await
        .is_some()
    );
    assert!(
        get(
            &s.client,
            "fluxcd.controlplane.io/v1",
            "ResourceSetInputProvider",
            &s.ns,
            "api-prs"
        )
        .await
        .is_some()
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_of_a_closed_pr_goes_the_gitops_way() {
    let env = require_cluster!();
    let s = scenario(&env, "closed").await;
    // The PR was closed: the provider's next poll drops it. A leftover with prune disabled stays.
    let mut keep = build::config_map(
        &s.ns,
        "api-1289-cache",
        seedmod::owner_labels("api-pr-envs", &s.ns),
    );
    keep["metadata"]["labels"]["fluxcd.controlplane.io/prune"] = json!("disabled");
    fixture::create(&s.client, &keep).await.unwrap();
    let rset = seedmod::api_scenario(&s.ns, &s.infra)
        .into_iter()
        .find(|o| o["kind"] == "ResourceSet")
        .unwrap();
    let mut entries = rset["status"]["inventory"]["entries"]
        .as_array()
        .unwrap()
        .clone();
    entries.push(
        json!({"id": seedmod::inventory_id(&s.ns, "api-1289-cache", "", "ConfigMap"), "v": "v1"}),
    );
    fixture::set_status(&s.client, &rset, json!({"inventory": {"entries": entries}}))
        .await
        .unwrap();
    let provider = seedmod::api_scenario(&s.ns, &s.infra)
        .into_iter()
        .find(|o| o["kind"] == "ResourceSetInputProvider")
        .unwrap();
    let remaining: Vec<Value> = [&SEED_PRS[0], &SEED_PRS[2]]
        .iter()
        .map(|p| json!({"id": p.id, "sha": p.sha, "branch": p.branch}))
        .collect();
    fixture::set_status(
        &s.client,
        &provider,
        json!({"exportedInputs": remaining.clone()}),
    )
    .await
    .unwrap();
    s.stand_in.export_next("api-prs", remaining);
    let out = run(&env, &["delete", "1289", "-n", &s.ns, "--yes"]).await;
    assert!(
        out.status.success(),
        "{}\n{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    let text = stdout_of(&out);
    assert!(
        text.contains("no longer exported: first the GitOps way"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "prune   ConfigMap/{}/api-1289-cache  (pruned by ResourceSet/{}/api-pr-envs)",
            s.ns, s.ns
        )),
        "{text}"
    );
    assert!(
        get(&s.client, KS, "Kustomization", &s.ns, "api-pr-1289")
            .await
            .is_none(),
        "pruned by the ResourceSet"
    );
    assert!(
        get(&s.client, "v1", "ConfigMap", &s.ns, "api-1289-cache")
            .await
            .is_none(),
        "prune-disabled leftover deleted"
    );
    assert!(
        get(
            &s.client,
            "apps/v1",
            "Deployment",
            &s.ns,
            "api-deployment-1289"
        )
        .await
        .is_none()
    );
    let rset = get(
        &s.client,
        "fluxcd.controlplane.io/v1",
        "ResourceSet",
        &s.ns,
        "api-pr-envs",
    )
    .await
    .unwrap();
    assert!(
        rset["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"].is_string(),
        "the ResourceSet was reconciled"
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_with_prune_false_removes_the_inventory_explicitly() {
    let env = require_cluster!();
    let s = scenario(&env, "noprune").await;
    let api: Api<DynamicObject> = Api::namespaced_with(
        s.client.clone(),
        &s.ns,
        &fixture::api_resource(KS, "Kustomization"),
    );
    api.patch(
        "api-pr-1301",
        &Default::default(),
        &kube::api::Patch::Merge(json!({"spec": {"prune": false}})),
    )
    .await
    .unwrap();
    let out = run(&env, &["delete", "1301", "-n", &s.ns, "--force", "--yes"]).await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(
        text.contains("has prune: false and would orphan it"),
        "{text}"
    );
    for (av, kind, name) in [
        ("apps/v1", "Deployment", "api-deployment-1301"),
        ("v1", "Service", "api-1301"),
        ("networking.k8s.io/v1", "Ingress", "api-ingress-1301"),
    ] {
        assert!(
            get(&s.client, av, kind, &s.ns, name).await.is_none(),
            "{kind}/{name} deleted explicitly"
        );
    }
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_writes_change_nothing() {
    let env = require_cluster!();
    let s = scenario(&env, "nowrite").await;
    let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "reader", "namespace": s.ns},
        "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list", "watch"]}]});
    let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "reader", "namespace": s.ns},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
        "subjects": [{"kind": "User", "name": "restricted", "apiGroup": "rbac.authorization.k8s.io"}]});
    fixture::create(&s.client, &role).await.unwrap();
    fixture::create(&s.client, &binding).await.unwrap();
    let restricted = |args: &[&str]| {
        let mut cmd = plugin();
        cmd.env("KUBECONFIG", &env.restricted_kubeconfig).args(args);
        cmd.output().unwrap()
    };
    let out = restricted(&["reconcile", "1234", "-n", &s.ns]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains(&format!(
            "forbidden: cannot patch kustomizations.kustomize.toolkit.fluxcd.io in namespace {}",
            s.ns
        )),
        "{err}"
    );
    let out = restricted(&["delete", "1289", "-n", &s.ns, "--force", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains(&format!(
            "forbidden: cannot delete kustomizations.kustomize.toolkit.fluxcd.io in namespace {}",
            s.ns
        )),
        "{}",
        stderr_of(&out)
    );
    let out = restricted(&["render", "-n", &s.ns]);
    assert!(
        stderr_of(&out)
            .contains("forbidden: cannot patch resourcesetinputproviders.fluxcd.controlplane.io"),
        "{}",
        stderr_of(&out)
    );
    for pr in &SEED_PRS {
        let ks = get(
            &s.client,
            KS,
            "Kustomization",
            &s.ns,
            &format!("api-pr-{}", pr.id),
        )
        .await
        .expect("still there");
        assert!(
            ks["metadata"]["annotations"]
                .get("reconcile.fluxcd.io/requestedAt")
                .is_none(),
            "nothing was patched"
        );
    }
    let provider = get(
        &s.client,
        "fluxcd.controlplane.io/v1",
        "ResourceSetInputProvider",
        &s.ns,
        "api-prs",
    )
    .await
    .unwrap();
    assert!(
        provider["metadata"]["annotations"]
            .get("reconcile.fluxcd.io/requestedAt")
            .is_none()
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_the_head_commit_and_github_output() {
    let env = require_cluster!();
    let s = scenario(&env, "wait").await;
    let dir = tempfile::tempdir().unwrap();
    let gh = dir.path().join("github_output");
    let ns = s.ns.clone();
    let admin = env.admin_kubeconfig.clone();
    let gh2 = gh.clone();
    // 1301 is Outdated: wait until the new commit is rendered and Ready.
    let waiting = tokio::task::spawn_blocking(move || {
        plugin()
            .env("KUBECONFIG", &admin)
            .env("GITHUB_OUTPUT", &gh2)
            .args([
                "wait",
                "1301",
                "-n",
                &ns,
                "-o",
                "github",
                "--timeout",
                "30s",
            ])
            .output()
            .unwrap()
    });
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let api: Api<DynamicObject> = Api::namespaced_with(
        s.client.clone(),
        &s.ns,
        &fixture::api_resource(KS, "Kustomization"),
    );
    api.patch(
        "api-pr-1301",
        &Default::default(),
        &kube::api::Patch::Merge(
            json!({"spec": {"postBuild": {"substitute": {"COMMIT_SHA": SEED_PRS[2].sha}}}}),
        ),
    )
    .await
    .unwrap();
    // kustomize-controller observes the new generation.
    let ks = get(&s.client, KS, "Kustomization", &s.ns, "api-pr-1301")
        .await
        .unwrap();
    let generation = ks["metadata"]["generation"].as_i64().unwrap();
    let mut c = seedmod::condition("Ready", "True", "ReconciliationSucceeded", "Applied");
    c["observedGeneration"] = json!(generation);
    fixture::set_status(
        &s.client,
        &ks,
        json!({"observedGeneration": generation, "conditions": [c]}),
    )
    .await
    .unwrap();
    let out = waiting.await.unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "https://api-1301.preview.example.com\n");
    assert_eq!(
        std::fs::read_to_string(&gh).unwrap(),
        "url=https://api-1301.preview.example.com\nstatus=Ready\n"
    );

    // A failing environment at its target commit: exit 1 with the reason.
    let out = run(&env, &["wait", "1289", "-n", &s.ns, "--timeout", "10s"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("health check failed"),
        "{}",
        stderr_of(&out)
    );

    // Not exported yet: waits for it to appear; here it never does.
    let out = run(&env, &["wait", "1500", "-n", &s.ns, "--timeout", "2s"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("not exported yet"),
        "{}",
        stderr_of(&out)
    );

    // No ENV and no terminal: a usage error, before any request.
    let out = run(&env, &["wait", "-n", &s.ns]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));

    // A given --sha the provider does not export yet.
    let out = run(
        &env,
        &[
            "wait",
            "1234",
            "-n",
            &s.ns,
            "--sha",
            "deadbeefcafe",
            "--timeout",
            "2s",
            "-o",
            "json",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("waiting for deadbee"),
        "{}",
        stderr_of(&out)
    );
    let out = run(
        &env,
        &[
            "wait",
            "1234",
            "-n",
            &s.ns,
            "--sha",
            &SEED_PRS[0].sha[..7],
            "-o",
            "json",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["url"], "https://api-1234.preview.example.com");
    assert_eq!(v["status"], "Ready");
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_a_pr_that_appears_later() {
    let env = require_cluster!();
    let s = scenario(&env, "appear").await;
    let ns = s.ns.clone();
    let admin = env.admin_kubeconfig.clone();
    let waiting = tokio::task::spawn_blocking(move || {
        plugin()
            .env("KUBECONFIG", &admin)
            .args(["wait", "api-pr-envs/1500", "-n", &ns, "--timeout", "30s"])
            .output()
            .unwrap()
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // The provider exports it, the ResourceSet renders it.
    let mut inputs: Vec<Value> = SEED_PRS
        .iter()
        .map(|p| json!({"id": p.id, "sha": p.sha, "branch": p.branch}))
        .collect();
    inputs.push(json!({"id": "1500", "sha": build::sha(1500), "branch": "feat/late"}));
    s.stand_in.export_next("api-prs", inputs);
    let out = run(&env, &["render", "-n", &s.ns]).await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = waiting.await.unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "https://api-1500.preview.example.com\n");
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn open_prints_the_url_without_a_terminal() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "open").await.unwrap();
    let infra = fixture::namespace(&client, "infra").await.unwrap();
    fixture::create_all(&client, &seedmod::api_scenario(&ns, &infra))
        .await
        .unwrap();
    let out = plugin_as_admin(&env)
        .args(["open", "1234", "-n", &ns])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "https://api-1234.preview.example.com\n");
}

/// The confirmation through a real terminal: "n" changes nothing, "y" deletes.
#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_confirmation_on_a_terminal() {
    let env = require_cluster!();
    let s = scenario(&env, "confirm").await;
    for (answer, expect_gone) in [("n", false), ("y", true)] {
        let session = format!("kpdel-{}-{answer}", std::process::id());
        let cmd = format!(
            "KUBECONFIG={} {} delete 1289 -n {} --force > /dev/null",
            env.admin_kubeconfig.display(),
            env!("CARGO_BIN_EXE_kubectl-preview"),
            s.ns
        );
        let code = tokio::task::spawn_blocking(move || {
            in_terminal(&session, &cmd, &["Delete ", "?"], &[answer])
        })
        .await
        .unwrap();
        assert_eq!(code, if expect_gone { "0" } else { "1" }, "answer {answer}");
        let present = get(&s.client, KS, "Kustomization", &s.ns, "api-pr-1289")
            .await
            .is_some();
        assert_eq!(present, !expect_gone, "answer {answer}");
    }
}

/// Issue 10 §1: PR 1289 is closed; exported PR 1 has the branch `hotfix/1289`. Its Kustomization
/// `app-hotfix-1289` carries `change_request: "1"`, and a ConfigMap `api-cache-1289-1234` names
/// exported PR 1234 too: the teardown of 1289 takes neither, the GitOps way or any other.
#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_of_a_closed_pr_never_takes_another_prs_objects() {
    let env = require_cluster!();
    let s = scenario(&env, "hotfix").await;
    let mut labels = seedmod::owner_labels("api-pr-envs", &s.ns);
    // Prune-disabled, so that the stand-in's (template-less) garbage collection keeps them.
    labels["fluxcd.controlplane.io/prune"] = json!("disabled");
    let mut hotfix = build::kustomization(build::Ks {
        ns: &s.ns,
        name: "app-hotfix-1289",
        rset: "api-pr-envs",
        commit: "abc",
        ready: ("True", "ReconciliationSucceeded", "ok"),
        suspend: false,
        inventory: &[],
    });
    hotfix["metadata"]["labels"] = labels.clone();
    hotfix["metadata"]["annotations"] = json!({"event.toolkit.fluxcd.io/change_request": "1"});
    fixture::create(&s.client, &hotfix).await.unwrap();
    let both = build::config_map(&s.ns, "api-cache-1289-1234", labels);
    fixture::create(&s.client, &both).await.unwrap();
    let rset = seedmod::api_scenario(&s.ns, &s.infra)
        .into_iter()
        .find(|o| o["kind"] == "ResourceSet")
        .unwrap();
    let mut entries = rset["status"]["inventory"]["entries"]
        .as_array()
        .unwrap()
        .clone();
    entries.push(json!({"id": seedmod::inventory_id(&s.ns, "app-hotfix-1289", "kustomize.toolkit.fluxcd.io", "Kustomization"), "v": "v1"}));
    entries.push(json!({"id": seedmod::inventory_id(&s.ns, "api-cache-1289-1234", "", "ConfigMap"), "v": "v1"}));
    fixture::set_status(&s.client, &rset, json!({"inventory": {"entries": entries}}))
        .await
        .unwrap();
    let provider = seedmod::api_scenario(&s.ns, &s.infra)
        .into_iter()
        .find(|o| o["kind"] == "ResourceSetInputProvider")
        .unwrap();
    let mut remaining: Vec<Value> = [&SEED_PRS[0], &SEED_PRS[2]]
        .iter()
        .map(|p| json!({"id": p.id, "sha": p.sha, "branch": p.branch}))
        .collect();
    remaining.push(json!({"id": "1", "sha": build::sha(1), "branch": "hotfix/1289"}));
    fixture::set_status(
        &s.client,
        &provider,
        json!({"exportedInputs": remaining.clone()}),
    )
    .await
    .unwrap();
    s.stand_in.export_next("api-prs", remaining);

    let out = run(&env, &["delete", "1289", "-n", &s.ns, "--dry-run"]).await;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let plan = stdout_of(&out);
    assert!(
        plan.contains(&format!("prune   Kustomization/{}/api-pr-1289", s.ns)),
        "{plan}"
    );
    assert!(
        !plan.lines().any(|l| l.starts_with("  delete")
            && (l.contains("app-hotfix-1289") || l.contains("api-cache-1289-1234"))),
        "{plan}"
    );

    let user = format!("teardown-{}", std::process::id());
    let out = run(
        &env,
        &[
            "delete",
            "1289",
            "-n",
            &s.ns,
            "--yes",
            "--as",
            &user,
            "--as-group",
            "system:masters",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}\n{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    assert!(
        get(&s.client, KS, "Kustomization", &s.ns, "api-pr-1289")
            .await
            .is_none()
    );
    assert!(
        get(&s.client, KS, "Kustomization", &s.ns, "app-hotfix-1289")
            .await
            .is_some(),
        "PR 1's object was taken"
    );
    assert!(
        get(&s.client, "v1", "ConfigMap", &s.ns, "api-cache-1289-1234")
            .await
            .is_some(),
        "an ambiguous object was taken"
    );
    // Waiting for the objects to disappear reads them per kind, never one GET per object.
    let requests = audited_requests(&user);
    let gets: Vec<&String> = requests
        .iter()
        .filter(|r| {
            r.starts_with("get ")
                && r.contains(&format!("/namespaces/{}/", s.ns))
                && !r.contains("selfsubjectaccessreviews")
        })
        .collect();
    assert!(
        gets.iter()
            .all(|r| r.contains("resourcesets/") || r.contains("resourcesetinputproviders/")),
        "per-object reads: {gets:#?}"
    );
    assert!(
        requests.iter().any(|r| r.starts_with("watch ")),
        "no watch: {requests:#?}"
    );
}

/// A suspended Kustomization is not garbage-collected when deleted: its inventory is deleted
/// explicitly instead of waited for.
#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_of_a_suspended_environment_deletes_its_inventory_explicitly() {
    let env = require_cluster!();
    let s = scenario(&env, "suspended").await;
    let api: Api<DynamicObject> = Api::namespaced_with(
        s.client.clone(),
        &s.ns,
        &fixture::api_resource(KS, "Kustomization"),
    );
    api.patch(
        "api-pr-1301",
        &Default::default(),
        &kube::api::Patch::Merge(json!({"spec": {"suspend": true}})),
    )
    .await
    .unwrap();
    let out = run(
        &env,
        &[
            "delete",
            "1301",
            "-n",
            &s.ns,
            "--force",
            "--yes",
            "--timeout",
            "30s",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}\n{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    let text = stdout_of(&out);
    assert!(
        text.contains("is suspended (spec.suspend: true) and would orphan it"),
        "{text}"
    );
    for (av, kind, name) in [
        ("apps/v1", "Deployment", "api-deployment-1301"),
        ("v1", "Service", "api-1301"),
        ("networking.k8s.io/v1", "Ingress", "api-ingress-1301"),
    ] {
        assert!(
            get(&s.client, av, kind, &s.ns, name).await.is_none(),
            "{kind}/{name} deleted explicitly"
        );
    }
}

/// `delete --closed` with `n` closed PRs, each of which left a notes ConfigMap the ResourceSet's
/// template keeps (`fluxcd.controlplane.io/prune: disabled`), beside the seed's three exported
/// PRs: one with a notes ConfigMap of its own, and one ConfigMap whose name holds a closed and an
/// exported number. Returns the scenario and the requests of the run, by verb.
async fn closed_at_scale(env: &TestEnv, n: usize) -> (Scenario, BTreeMap<String, usize>) {
    // The ResourceSet's template also renders the notes ConfigMap: the kinds `delete` looks for
    // leftovers of come from it.
    let s = scenario_with(env, &format!("closed-{n}"), |objects, ns| {
        let rset = objects
            .iter_mut()
            .find(|o| o["kind"] == "ResourceSet")
            .unwrap();
        rset["spec"]["resources"].as_array_mut().unwrap().push(
            json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "api-pr-<< inputs.id >>-notes", "namespace": ns,
                         "annotations": {"fluxcd.controlplane.io/prune": "disabled"}},
            "data": {"sha": "<< inputs.sha >>"}}),
        );
    })
    .await;
    let labels = seedmod::owner_labels("api-pr-envs", &s.ns);
    let notes = |name: &str| {
        let mut cm = build::config_map(&s.ns, name, labels.clone());
        cm["metadata"]["annotations"] = json!({"fluxcd.controlplane.io/prune": "disabled"});
        cm
    };
    let mut objects: Vec<Value> = (0..n)
        .map(|i| notes(&format!("api-pr-{}-notes", 50_000 + i)))
        .collect();
    objects.push(notes("api-pr-1234-notes"));
    objects.push(notes("api-pr-50000-1234-notes"));
    fixture::create_all(&s.client, &objects).await.unwrap();
    let user = format!("closed-{n}-{:08x}", rand_u32());
    let out = run(
        env,
        &[
            "delete",
            "--closed",
            "-n",
            &s.ns,
            "--yes",
            "--as",
            &user,
            "--as-group",
            "system:masters",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}\n{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    let text = stdout_of(&out);
    assert!(
        text.contains(&format!(
            "{n} environment(s) of PRs that are no longer exported (50000, 50001"
        )),
        "{text}"
    );
    assert!(text.contains(&format!("Deleted {n} object(s)")), "{text}");
    let cms: Api<DynamicObject> = Api::namespaced_with(
        s.client.clone(),
        &s.ns,
        &fixture::api_resource("v1", "ConfigMap"),
    );
    for i in 0..n {
        assert!(
            cms.get_opt(&format!("api-pr-{}-notes", 50_000 + i))
                .await
                .unwrap()
                .is_none()
        );
    }
    // An exported PR's, and one that may be either PR's, stay; so does every exported environment.
    assert!(cms.get_opt("api-pr-1234-notes").await.unwrap().is_some());
    assert!(
        cms.get_opt("api-pr-50000-1234-notes")
            .await
            .unwrap()
            .is_some()
    );
    for pr in &SEED_PRS {
        assert!(
            get(
                &s.client,
                KS,
                "Kustomization",
                &s.ns,
                &format!("api-pr-{}", pr.id)
            )
            .await
            .is_some()
        );
    }
    let mut by_verb: BTreeMap<String, usize> = BTreeMap::new();
    for r in audited_requests(&user) {
        *by_verb
            .entry(r.split(' ').next().unwrap_or_default().to_string())
            .or_default() += 1;
    }
    (s, by_verb)
}

/// `delete --closed` at 10 and at 100 closed PRs: one plan, one confirmation, one refresh and one
/// reconcile, and the same reads whatever the number of PRs; only the deletes (one per object,
/// each with its own preconditions) grow with it.
#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_closed_reads_the_same_at_any_number_of_prs() {
    let env = require_cluster!();
    let (_small, at_10) = closed_at_scale(&env, 10).await;
    let (_large, at_100) = closed_at_scale(&env, 100).await;
    eprintln!(
        "delete --closed requests by verb: 10 closed PRs {at_10:?}; 100 closed PRs {at_100:?}"
    );
    assert_eq!(at_10.get("delete"), Some(&10));
    assert_eq!(at_100.get("delete"), Some(&100));
    // Watches: the wait for the objects to go, and the waits for the refresh and the reconcile,
    // which need no watch when the initial LIST already shows them handled. So 1 to 3, at any N.
    let without_deletes = |m: &BTreeMap<String, usize>| {
        m.iter()
            .filter(|(v, _)| *v != "delete" && *v != "watch")
            .map(|(v, n)| (v.clone(), *n))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(without_deletes(&at_10), without_deletes(&at_100));
    for m in [&at_10, &at_100] {
        assert!((1..=3).contains(m.get("watch").unwrap_or(&0)), "{m:?}");
    }
}
