//! `list` against the real API server: the seed scenario, the Flux Operator's PR-guide shape,
//! discovery by selector, attribution edge cases, every STATUS, forbidden reads, request counts
//! and `--watch`.
mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};
use testkit::build::{self, Ks};
use testkit::seed::{self as seedmod, SEED_PRS};

fn list_json(env: &TestEnv, args: &[&str]) -> (Value, String) {
    let out = plugin_as_admin(env)
        .args(["list", "-o", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        stderr_of(&out),
    )
}

fn item<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {list:#}"))
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn seed_scenario_three_environments() {
    let env = require_cluster!();
    let (_client, ns, _) = seeded(&env, "seed").await;
    let (list, _) = list_json(&env, &["-n", &ns]);
    assert_eq!(list["kind"], "PreviewEnvironmentList");
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    for (pr, status) in SEED_PRS.iter().zip(["Ready", "Failed", "Outdated"]) {
        let e = item(&list, &format!("{ns}/api-pr-envs/{}", pr.id));
        assert_eq!(e["status"], status, "{e:#}");
        assert_eq!(
            e["url"],
            format!("https://api-{}.preview.example.com", pr.id)
        );
        assert_eq!(
            e["urls"][0]["source"],
            format!("Ingress/{ns}/api-ingress-{}", pr.id)
        );
        assert_eq!(e["pr"]["sha"], pr.sha);
        assert_eq!(e["pr"]["branch"], pr.branch);
        assert_eq!(e["pr"]["title"], pr.title);
        assert_eq!(e["deployedSha"], pr.rendered_sha);
        assert_eq!(e["upToDate"], pr.sha == pr.rendered_sha);
        assert_eq!(
            e["provider"],
            json!({"namespace": ns, "name": "api-prs", "type": "AzureDevOpsPullRequest"})
        );
        let kinds: Vec<&str> = e["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["Kustomization", "Service", "Deployment", "Ingress"]);
        // The templates render: each Kustomization is the one PR's inputs produce (rule 2).
        assert_eq!(e["objects"][0]["attributedBy"], json!({"rule": "rendered"}));
        assert_eq!(e["objects"][1]["attributedBy"]["rule"], "inventory");
    }
    let failed = item(&list, &format!("{ns}/api-pr-envs/1289"));
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .contains("health check failed"),
        "{failed:#}"
    );
    let outdated = item(&list, &format!("{ns}/api-pr-envs/1301"));
    assert_eq!(
        outdated["message"],
        "runs 5e6f7a8 but the PR head is c0ffee4"
    );

    // The table: columns of the spec, short shas, no namespace column without -A.
    let out = plugin_as_admin(&env)
        .args(["list", "-n", &ns])
        .output()
        .unwrap();
    let text = stdout_of(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["RESOURCESET", "PR", "BRANCH", "SHA", "STATUS", "URL", "AGE"]
    );
    let row: Vec<&str> = lines[3].split_whitespace().collect();
    assert_eq!(
        &row[..6],
        [
            "api-pr-envs",
            "1301",
            "feat/bulk-export",
            "c0ffee4",
            "Outdated",
            "https://api-1301.preview.example.com"
        ]
    );
    let wide = stdout_of(
        &plugin_as_admin(&env)
            .args(["list", "-n", &ns, "-o", "wide"])
            .output()
            .unwrap(),
    );
    assert!(
        wide.lines().next().unwrap().ends_with(
            "TITLE                        AUTHOR         PROVIDER   OBJECTS   DEPLOYED   LAST DEPLOY   PR URL                                                            MESSAGE"
        ),
        "{wide}"
    );
    // The PR's page, from the provider's type and URL (the seed's Azure DevOps repository).
    assert!(
        wide.contains("https://dev.azure.com/{org}/{project}/_git/api/pullrequest/1301"),
        "{wide}"
    );
    assert!(
        wide.contains("Bulk export endpoint") && wide.contains("5e6f7a8"),
        "{wide}"
    );
    let names = stdout_of(
        &plugin_as_admin(&env)
            .args(["list", "-n", &ns, "-o", "name"])
            .output()
            .unwrap(),
    );
    assert_eq!(
        names,
        format!("{ns}/api-pr-envs/1234\n{ns}/api-pr-envs/1289\n{ns}/api-pr-envs/1301\n")
    );
    let quiet = stdout_of(
        &plugin_as_admin(&env)
            .args(["list", "-n", &ns, "--no-headers"])
            .output()
            .unwrap(),
    );
    assert_eq!(quiet.lines().count(), 3);
    assert!(quiet.starts_with("api-pr-envs"));
    let yaml = stdout_of(
        &plugin_as_admin(&env)
            .args(["list", "-n", &ns, "-o", "yaml"])
            .output()
            .unwrap(),
    );
    assert!(yaml.starts_with("kind: PreviewEnvironmentList"), "{yaml}");

    // Filters.
    let (failed_only, _) = list_json(&env, &["-n", &ns, "--status", "failed"]);
    assert_eq!(failed_only["items"].as_array().unwrap().len(), 1);
    let (by_author, _) = list_json(&env, &["-n", &ns, "--author", "backend-dev"]);
    assert_eq!(by_author["items"].as_array().unwrap().len(), 2);
    let (none, why) = list_json(&env, &["-n", &ns, "--resourceset", "other"]);
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    assert!(
        why.contains("No environment matches the filters (3 environments"),
        "{why}"
    );
    let bad = plugin_as_admin(&env)
        .args(["list", "--status", "Happy"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn all_namespaces_adds_the_namespace_column() {
    let env = require_cluster!();
    let (_client, ns, _) = seeded(&env, "alln").await;
    let out = plugin_as_admin(&env).args(["list", "-A"]).output().unwrap();
    let text = stdout_of(&out);
    let header: Vec<&str> = text.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(&header[..2], ["NAMESPACE", "RESOURCESET"], "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with(&ns) && l.contains("1289") && l.contains("Failed")),
        "{text}"
    );
}

/// The Flux Operator's own pull-request guide: a GitHubPullRequest provider, per-PR
/// GitRepository + HelmRelease carrying the `event.toolkit.fluxcd.io/*` annotations.
#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn pr_guide_shape_with_helm_release_inventory() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "guide").await.unwrap();
    let head = build::sha(3);
    let annotations = |id: &str| {
        json!({"event.toolkit.fluxcd.io/change_request": id, "event.toolkit.fluxcd.io/commit": head,
               "event.toolkit.fluxcd.io/preview-url": format!("https://app-{id}.example.com"),
               "event.toolkit.fluxcd.io/branch": "feat/ui-footer", "event.toolkit.fluxcd.io/author": "dev"})
    };
    let template_annotations = json!({"event.toolkit.fluxcd.io/change_request": "<< inputs.id | quote >>",
        "event.toolkit.fluxcd.io/commit": "<< inputs.sha | quote >>",
        "event.toolkit.fluxcd.io/preview-url": "https://app-<< inputs.id >>.example.com"});
    let objects = vec![
        build::provider(
            &ns,
            "app-pull-requests",
            "GitHubPullRequest",
            vec![build::pr("3", &head, "feat/ui-footer")],
        ),
        build::resource_set(
            &ns,
            "app",
            json!([{"kind": "ResourceSetInputProvider", "name": "app-pull-requests"}]),
            vec![
                json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
                       "metadata": {"name": "app-<< inputs.id >>", "namespace": ns, "annotations": template_annotations},
                       "spec": {"url": "https://github.com/org/app", "interval": "1h", "ref": {"commit": "<< inputs.sha >>"}}}),
                json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
                       "metadata": {"name": "app-<< inputs.id >>", "namespace": ns, "annotations": template_annotations},
                       "spec": {"interval": "10m", "releaseName": "app-<< inputs.id >>",
                                "chart": {"spec": {"chart": "charts/app", "sourceRef": {"kind": "GitRepository", "name": "app-<< inputs.id >>"}}},
                                "values": {"image": {"tag": "<< inputs.sha >>"}}}}),
            ],
            build::rset_ready(&[
                (
                    &ns,
                    "app-3",
                    "source.toolkit.fluxcd.io",
                    "GitRepository",
                    "v1",
                ),
                (&ns, "app-3", "helm.toolkit.fluxcd.io", "HelmRelease", "v2"),
            ]),
        ),
        json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
               "metadata": {"name": "app-3", "namespace": ns, "annotations": annotations("3"), "labels": seedmod::owner_labels("app", &ns)},
               "spec": {"url": "https://github.com/org/app", "interval": "1h", "ref": {"commit": head}}}),
        json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
               "metadata": {"name": "app-3", "namespace": ns, "annotations": annotations("3"), "labels": seedmod::owner_labels("app", &ns)},
               "spec": {"interval": "10m", "releaseName": "app-3",
                        "chart": {"spec": {"chart": "charts/app", "sourceRef": {"kind": "GitRepository", "name": "app-3"}}},
                        "values": {"image": {"tag": head}}},
               "status": {"observedGeneration": 1,
                          "conditions": [seedmod::condition("Ready", "True", "UpgradeSucceeded", "Helm upgrade succeeded for release app-3")],
                          "inventory": {"entries": build::inventory(&[(&ns, "app-3", "apps", "Deployment", "v1"), (&ns, "app-3", "", "Service", "v1")])}}}),
        build::deployment(&ns, "app-3", true),
    ];
    fixture::create_all(&client, &objects).await.unwrap();
    let (list, _) = list_json(&env, &["-n", &ns]);
    let e = item(&list, &format!("{ns}/app/3"));
    assert_eq!(e["status"], "Ready", "{e:#}");
    assert_eq!(e["url"], "https://app-3.example.com");
    assert_eq!(
        e["urls"][0]["source"],
        format!("annotation event.toolkit.fluxcd.io/preview-url on HelmRelease/{ns}/app-3")
    );
    assert_eq!(e["deployedSha"], head);
    assert_eq!(e["upToDate"], true);
    let objs = e["objects"].as_array().unwrap();
    let find = |kind: &str| {
        objs.iter()
            .find(|o| o["kind"] == kind)
            .unwrap_or_else(|| panic!("{kind} in {objs:#?}"))
    };
    assert_eq!(find("HelmRelease")["attributedBy"]["rule"], "annotation");
    // Its annotations are not read (GitRepositories are not listed): rendering decides.
    assert_eq!(
        find("GitRepository")["attributedBy"],
        json!({"rule": "rendered"})
    );
    assert_eq!(
        find("Deployment")["attributedBy"],
        json!({"rule": "inventory", "parent": format!("HelmRelease/{ns}/app-3")})
    );
    assert_eq!(find("Deployment")["ready"], "True");
}

/// Selector-based discovery, GitLab slugs, 12 beside 123, optional keys missing, every STATUS,
/// HTTPRoute-only URLs and a shared object.
#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn discovery_attribution_and_every_status() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "mr").await.unwrap();
    let mut gitlab = build::provider(&ns, "web-mrs", "GitLabMergeRequest", vec![]);
    gitlab["metadata"]["labels"] = json!({"preview": "true", "tier": "web"});
    let mut bare = build::pr("12", &build::sha(12), "fix/Typo");
    for key in ["labels", "title", "author"] {
        bare.as_object_mut().unwrap().remove(key);
    }
    let mut with_slug = build::pr("123", &build::sha(123), "feat/Routes");
    with_slug["slug"] = json!("feat-routes");
    gitlab["status"]["exportedInputs"] = json!([
        bare,
        with_slug,
        build::pr("130", &build::sha(130), "feat/new"),
        build::pr("140", &build::sha(140), "feat/paused")
    ]);
    // Same labels but excluded by the expression: must not be consumed.
    let mut other = build::provider(
        &ns,
        "api-mrs",
        "GitLabMergeRequest",
        vec![build::pr("999", &build::sha(999), "x")],
    );
    other["metadata"]["labels"] = json!({"preview": "true", "tier": "api"});
    // Not a change-request type: never a preview provider.
    let branches = build::provider(
        &ns,
        "branches",
        "GitLabBranch",
        vec![json!({"id": "77", "sha": build::sha(77), "branch": "main"})],
    );
    let ks = |name: &'static str| {
        (
            ns.as_str(),
            name,
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "v1",
        )
    };
    let rset = build::resource_set(
        &ns,
        "web",
        json!([{"kind": "ResourceSetInputProvider",
                "selector": {"matchLabels": {"preview": "true"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]}}]),
        vec![build::kustomization_template(&ns)],
        build::rset_ready(&[
            ks("web-12"),
            ks("web-123"),
            ks("web-140"),
            (&ns, "web-shared", "", "ConfigMap", "v1"),
        ]),
    );
    let ok = (
        "True",
        "ReconciliationSucceeded",
        "Applied revision: main@sha1:abc",
    );
    let objects = vec![
        gitlab,
        other,
        branches,
        rset,
        build::kustomization(Ks {
            ns: &ns,
            name: "web-12",
            rset: "web",
            commit: &build::sha(12),
            ready: ok,
            suspend: false,
            inventory: &[(&ns, "web-12", "networking.k8s.io", "Ingress", "v1")],
        }),
        build::kustomization(Ks {
            ns: &ns,
            name: "web-123",
            rset: "web",
            commit: &build::sha(123),
            ready: ok,
            suspend: false,
            inventory: &[(
                &ns,
                "web-123",
                "gateway.networking.k8s.io",
                "HTTPRoute",
                "v1",
            )],
        }),
        build::kustomization(Ks {
            ns: &ns,
            name: "web-140",
            rset: "web",
            commit: &build::sha(140),
            ready: ok,
            suspend: true,
            inventory: &[],
        }),
        build::config_map(&ns, "web-shared", seedmod::owner_labels("web", &ns)),
        build::ingress(&ns, "web-12", "web-12.preview.example.com", false),
        build::http_route(&ns, "web-123", &["web-123.preview.example.com"]),
    ];
    fixture::create_all(&client, &objects).await.unwrap();
    let (list, _) = list_json(&env, &["-n", &ns]);
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            format!("{ns}/web/12"),
            format!("{ns}/web/123"),
            format!("{ns}/web/130"),
            format!("{ns}/web/140")
        ]
    );
    let e12 = item(&list, &format!("{ns}/web/12"));
    assert_eq!(e12["status"], "Ready");
    assert_eq!(
        e12["url"], "http://web-12.preview.example.com",
        "no TLS: http"
    );
    assert_eq!(e12["pr"]["title"], Value::Null);
    assert_eq!(e12["pr"]["labels"], json!([]));
    let e12_objects: Vec<&str> = e12["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        e12_objects,
        ["web-12", "web-12"],
        "12 must not claim web-123: {e12:#}"
    );
    let e123 = item(&list, &format!("{ns}/web/123"));
    assert_eq!(e123["url"], "https://web-123.preview.example.com");
    assert_eq!(e123["urls"][0]["source"], format!("HTTPRoute/{ns}/web-123"));
    assert_eq!(e123["pr"]["inputs"]["slug"], "feat-routes");
    let e130 = item(&list, &format!("{ns}/web/130"));
    assert_eq!(e130["status"], "Pending");
    assert_eq!(e130["objects"], json!([]));
    assert_eq!(item(&list, &format!("{ns}/web/140"))["status"], "Suspended");
    let out = plugin_as_admin(&env)
        .args(["get", &format!("{ns}/web/12")])
        .output()
        .unwrap();
    let text = stdout_of(&out);
    assert!(
        text.contains(&format!("Shared:     ConfigMap/{ns}/web-shared")),
        "{text}"
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn stalled_resourceset_fails_every_pr_and_pr_in_two_resourcesets() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "stall").await.unwrap();
    let by_name = json!([{"kind": "ResourceSetInputProvider", "name": "prs"}]);
    let objects = vec![
        build::provider(
            &ns,
            "prs",
            "GitHubPullRequest",
            vec![
                build::pr("5", &build::sha(5), "a"),
                build::pr("6", &build::sha(6), "b"),
            ],
        ),
        build::resource_set(
            &ns,
            "broken",
            by_name.clone(),
            vec![build::kustomization_template(&ns)],
            build::rset_stalled(
                "build failed: template: :5:20: executing \"\" at <inputs.labels>: map has no entry for key \"labels\"",
                &[],
            ),
        ),
        build::resource_set(
            &ns,
            "docs",
            by_name,
            vec![build::kustomization_template(&ns)],
            build::rset_ready(&[]),
        ),
    ];
    fixture::create_all(&client, &objects).await.unwrap();
    let (list, _) = list_json(&env, &["-n", &ns]);
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        4,
        "one PR consumed by two ResourceSets is two environments"
    );
    for id in ["5", "6"] {
        let e = item(&list, &format!("{ns}/broken/{id}"));
        assert_eq!(e["status"], "Failed");
        assert!(
            e["message"].as_str().unwrap().contains("BuildFailed"),
            "{e:#}"
        );
        assert_eq!(item(&list, &format!("{ns}/docs/{id}"))["status"], "Pending");
    }
    // `5` is ambiguous now: two ResourceSets.
    let out = plugin_as_admin(&env)
        .args(["get", "5", "-n", &ns])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("ambiguous")
            && err.contains(&format!("{ns}/broken/5"))
            && err.contains(&format!("{ns}/docs/5")),
        "{err}"
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn same_id_from_two_providers_gets_provider_qualified_names() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "twin").await.unwrap();
    let objects = vec![
        build::provider(
            &ns,
            "web-prs",
            "GiteaPullRequest",
            vec![build::pr("4", &build::sha(41), "web/feature")],
        ),
        build::provider(
            &ns,
            "api-prs",
            "GiteaPullRequest",
            vec![build::pr("4", &build::sha(42), "api/feature")],
        ),
        build::resource_set(
            &ns,
            "mono",
            json!([{"kind": "ResourceSetInputProvider", "name": "web-prs"}, {"kind": "ResourceSetInputProvider", "name": "api-prs"}]),
            vec![build::kustomization_template(&ns)],
            build::rset_ready(&[]),
        ),
    ];
    fixture::create_all(&client, &objects).await.unwrap();
    let (list, _) = list_json(&env, &["-n", &ns]);
    item(&list, &format!("{ns}/mono/4@web-prs"));
    item(&list, &format!("{ns}/mono/4@api-prs"));
    let out = plugin_as_admin(&env)
        .args(["get", "mono/4@api-prs", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let detail: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(detail["pr"]["branch"], "api/feature");
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn empty_results_say_why() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let empty = fixture::namespace(&client, "empty").await.unwrap();
    let (_c, elsewhere, _) = seeded(&env, "elsewhere").await;
    let out = plugin_as_admin(&env)
        .args(["list", "-n", &empty])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stdout_of(&out), "");
    let err = stderr_of(&out);
    assert!(
        err.contains("no ResourceSetInputProvider of a change-request type"),
        "{err}"
    );
    assert!(err.contains("use -A") && err.contains(&elsewhere), "{err}");

    fixture::create(
        &client,
        &build::provider(&empty, "quiet", "GitHubPullRequest", vec![]),
    )
    .await
    .unwrap();
    let err = stderr_of(
        &plugin_as_admin(&env)
            .args(["list", "-n", &empty])
            .output()
            .unwrap(),
    );
    assert!(err.contains("none exports a pull request"), "{err}");

    fixture::create(
        &client,
        &build::provider(
            &empty,
            "loud",
            "GitHubPullRequest",
            vec![build::pr("1", &build::sha(1), "x")],
        ),
    )
    .await
    .unwrap();
    let err = stderr_of(
        &plugin_as_admin(&env)
            .args(["list", "-n", &empty])
            .output()
            .unwrap(),
    );
    assert!(
        err.contains(&format!(
            "exported by {empty}/loud, but no ResourceSet consumes them"
        )),
        "{err}"
    );
}

/// The restricted user may read providers, ResourceSets and Kustomizations, nothing else.
#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn forbidden_reads_degrade() {
    let env = require_cluster!();
    let (client, ns, _) = seeded(&env, "rbac").await;
    let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "preview-reader", "namespace": ns},
        "rules": [{"apiGroups": ["fluxcd.controlplane.io"], "resources": ["resourcesets", "resourcesetinputproviders"], "verbs": ["get", "list", "watch"]},
                  {"apiGroups": ["kustomize.toolkit.fluxcd.io"], "resources": ["kustomizations"], "verbs": ["get", "list", "watch"]}]});
    let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "preview-reader", "namespace": ns},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "preview-reader"},
        "subjects": [{"kind": "User", "name": "restricted", "apiGroup": "rbac.authorization.k8s.io"}]});
    fixture::create(&client, &role).await.unwrap();
    fixture::create(&client, &binding).await.unwrap();
    let out = plugin()
        .env("KUBECONFIG", &env.restricted_kubeconfig)
        .args(["list", "-n", &ns])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(
        text.lines().skip(1).all(|l| l.contains("<forbidden>")),
        "URL column: {text}"
    );
    assert!(
        text.contains("Failed") && text.contains("Outdated"),
        "status still computed from Kustomizations: {text}"
    );
    let err = stderr_of(&out);
    for kind in [
        "ingresses.networking.k8s.io",
        "services",
        "deployments.apps",
        "statefulsets.apps",
        "httproutes.gateway.networking.k8s.io",
        "helmreleases.helm.toolkit.fluxcd.io",
    ] {
        assert_eq!(
            err.matches(&format!("cannot list {kind} in namespace {ns}"))
                .count(),
            1,
            "{kind}: {err}"
        );
    }
    // Without Kustomizations: the status is Unknown, not a guess.
    let out = plugin()
        .env("KUBECONFIG", &env.restricted_kubeconfig)
        .args(["list", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let all = plugin()
        .env("KUBECONFIG", &env.restricted_kubeconfig)
        .args(["list", "-A"])
        .output()
        .unwrap();
    assert_eq!(all.status.code(), Some(0), "{}", stderr_of(&all));
    assert!(
        stderr_of(&all)
            .contains("resourcesetinputproviders.fluxcd.controlplane.io at the cluster scope"),
        "{}",
        stderr_of(&all)
    );
}

fn counted_list(env: &TestEnv, args: &[&str]) -> Vec<String> {
    let user = format!("counter-{:08x}", rand_u32());
    let out = plugin_as_admin(env)
        .args(["list", "--as", &user, "--as-group", "system:masters"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    audited_requests(&user)
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn request_count_does_not_grow_with_environments() {
    let env = require_cluster!();
    let (client, ns, infra) = seeded(&env, "count").await;
    let at_3 = counted_list(&env, &["-n", &ns]);
    let at_3_all = counted_list(&env, &["-A"]);
    // 47 more PRs with their Kustomization, Deployment, Service and Ingress: 50 in all.
    let mut provider_inputs: Vec<Value> = SEED_PRS
        .iter()
        .map(|p| json!({"id": p.id, "sha": p.sha, "branch": p.branch}))
        .collect();
    let mut objects = Vec::new();
    let mut entries: Vec<Value> = Vec::new();
    for n in 0..47u32 {
        let id = format!("{}", 2000 + n);
        let pr = testkit::seed::SeedPr {
            id: Box::leak(id.clone().into_boxed_str()),
            sha: Box::leak(build::sha(n).into_boxed_str()),
            rendered_sha: Box::leak(build::sha(n).into_boxed_str()),
            branch: "feat/x",
            title: "x",
            author: "dev",
            failure: None,
        };
        provider_inputs.push(json!({"id": id, "sha": pr.sha, "branch": "feat/x"}));
        entries.push(json!({"id": seedmod::inventory_id(&ns, &format!("api-pr-{id}"), "kustomize.toolkit.fluxcd.io", "Kustomization"), "v": "v1"}));
        objects.extend(seedmod::environment(&ns, &infra, &pr));
    }
    fixture::create_all(&client, &objects).await.unwrap();
    let provider = seedmod::api_scenario(&ns, &infra)
        .into_iter()
        .find(|o| o["kind"] == "ResourceSetInputProvider")
        .unwrap();
    fixture::set_status(
        &client,
        &provider,
        json!({"exportedInputs": provider_inputs}),
    )
    .await
    .unwrap();
    let rset = seedmod::api_scenario(&ns, &infra)
        .into_iter()
        .find(|o| o["kind"] == "ResourceSet")
        .unwrap();
    let mut all_entries = rset["status"]["inventory"]["entries"]
        .as_array()
        .unwrap()
        .clone();
    all_entries.extend(entries);
    fixture::set_status(
        &client,
        &rset,
        json!({"inventory": {"entries": all_entries}}),
    )
    .await
    .unwrap();
    let (list, _) = list_json(&env, &["-n", &ns]);
    assert_eq!(list["items"].as_array().unwrap().len(), 50);

    let at_50 = counted_list(&env, &["-n", &ns]);
    let at_50_all = counted_list(&env, &["-A"]);
    assert_eq!(
        at_3.len(),
        at_50.len(),
        "3 envs: {at_3:#?}\n50 envs: {at_50:#?}"
    );
    assert_eq!(
        at_3_all.len(),
        at_50_all.len(),
        "{at_3_all:#?}\n{at_50_all:#?}"
    );
    // One LIST per kind (9 kinds) plus Kustomizations and HelmReleases of the namespace the
    // environments depend on; every request a LIST.
    assert_eq!(at_50.len(), 11, "{at_50:#?}");
    assert_eq!(at_50_all.len(), 9, "{at_50_all:#?}");
    assert!(
        at_50
            .iter()
            .chain(&at_50_all)
            .all(|r| r.starts_with("list ")),
        "{at_50:#?}"
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn watch_redraws_on_a_status_change() {
    let env = require_cluster!();
    let (client, ns, _) = seeded(&env, "watch").await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-preview"))
        .args(["list", "-n", &ns, "--watch"])
        .env("KUBECONFIG", &env.admin_kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |pred: &dyn Fn(&str) -> bool, what: &str| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(200))
                && pred(&line)
            {
                return;
            }
        }
        panic!("timed out waiting for {what}");
    };
    wait_for(
        &|l| l.contains("1289") && l.contains("Failed"),
        "the first table",
    );
    // Let the watches establish, then fix 1289 the way kustomize-controller would report it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let ks = seedmod::environment(&ns, "x", &SEED_PRS[1]).remove(0);
    fixture::set_status(&client, &ks, json!({"conditions": [seedmod::condition("Ready", "True", "ReconciliationSucceeded", "Applied")]})).await.unwrap();
    let deploy = seedmod::environment(&ns, "x", &SEED_PRS[1]).remove(1);
    fixture::set_status(
        &client,
        &deploy,
        json!({"readyReplicas": 1, "availableReplicas": 1, "unavailableReplicas": null}),
    )
    .await
    .unwrap();
    wait_for(
        &|l| l.contains("1289") && l.contains("Ready"),
        "the redrawn row",
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
