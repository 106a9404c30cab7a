//! `logs` against the real API server, with a loopback kubelet (testkit::kubelet) behind a Node of
//! its own: the API server proxies each `pods/log` request to it. The environment is the seed's
//! PR 1234 with three workloads (its Deployment, a StatefulSet and a Job), whose pods and their
//! statuses the test writes: corner cases the real stack's kubelet (KWOK) cannot show, namely a
//! follow stream dropped part-way, a container's previous instance, and a terminated Job.
//! `logs` on KWOK-served pods of the real stack is in tests/e2e.rs.
mod common;

use std::time::Duration;

use common::*;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use testkit::kubelet::{self, Kubelet};

const ID: &str = "1234";

struct Logs {
    env: TestEnv,
    ns: String,
    kubelet: Kubelet,
    t0: Timestamp,
}

fn pod(ns: &str, name: &str, node: &str, labels: Value, container: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"nodeName": node, "containers": [{"name": container, "image": "registry.example.com/x:1"}]}})
}

fn status(container: &str, state: Value, restarts: i32, last: Value) -> Value {
    json!({"phase": "Running", "containerStatuses": [{
        "name": container, "image": "registry.example.com/x:1", "imageID": "", "ready": true,
        "restartCount": restarts, "state": state, "lastState": last}]})
}

/// The seed's PR 1234, its Kustomization's inventory extended with a StatefulSet and a Job, one
/// pod per workload on a node whose kubelet is the loopback one.
async fn setup(prefix: &str) -> Logs {
    let env = require_cluster!();
    let (client, ns, _infra) = seeded(&env, prefix).await;
    let kubelet = Kubelet::start().unwrap();
    let node = format!("kp-loopback-{:08x}", rand_u32());
    kubelet::register_node(&client, &node, kubelet.port)
        .await
        .unwrap();
    let ks = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                    "metadata": {"name": format!("api-pr-{ID}"), "namespace": ns}});
    let id = |name: &str, group: &str, kind: &str| json!({"id": testkit::seed::inventory_id(&ns, name, group, kind), "v": "v1"});
    fixture::set_status(
        &client,
        &ks,
        json!({"inventory": {"entries": [
            id(&format!("api-{ID}"), "", "Service"),
            id(&format!("api-deployment-{ID}"), "apps", "Deployment"),
            id(&format!("api-db-{ID}"), "apps", "StatefulSet"),
            id(&format!("api-migrate-{ID}"), "batch", "Job"),
            id(&format!("api-ingress-{ID}"), "networking.k8s.io", "Ingress")]}}),
    )
    .await
    .unwrap();
    let db_labels = json!({"app": "db", "pr-env": format!("pr-{ID}")});
    fixture::create(&client, &json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": format!("api-db-{ID}"), "namespace": ns},
        "spec": {"serviceName": "db", "replicas": 1, "selector": {"matchLabels": db_labels},
                 "template": {"metadata": {"labels": db_labels}, "spec": {"containers": [{"name": "db", "image": "registry.example.com/db:1"}]}}}}))
    .await
    .unwrap();
    fixture::create(&client, &json!({"apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": format!("api-migrate-{ID}"), "namespace": ns},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "migrate", "image": "registry.example.com/api:1"}]}}}}))
    .await
    .unwrap();
    let api_pod = format!("api-deployment-{ID}-7d9f8-abcde");
    let db_pod = format!("api-db-{ID}-0");
    let job_pod = format!("api-migrate-{ID}-x2z9q");
    let pods = [
        (
            pod(
                &ns,
                &api_pod,
                &node,
                json!({"app": "api", "pr-env": format!("pr-{ID}")}),
                "api",
            ),
            status(
                "api",
                json!({"running": {"startedAt": "2026-11-26T00:00:00Z"}}),
                1,
                json!({"terminated": {"exitCode": 2, "reason": "Error"}}),
            ),
        ),
        (
            pod(&ns, &db_pod, &node, db_labels.clone(), "db"),
            status(
                "db",
                json!({"running": {"startedAt": "2026-11-26T00:00:00Z"}}),
                0,
                json!({}),
            ),
        ),
        (
            pod(
                &ns,
                &job_pod,
                &node,
                json!({"batch.kubernetes.io/job-name": format!("api-migrate-{ID}")}),
                "migrate",
            ),
            status(
                "migrate",
                json!({"terminated": {"exitCode": 0, "reason": "Completed"}}),
                0,
                json!({}),
            ),
        ),
    ];
    for (p, s) in &pods {
        fixture::create(&client, p).await.unwrap();
        fixture::set_status(&client, p, s.clone()).await.unwrap();
    }
    // Lines of the three containers, interleaved in time; two of the api's share a timestamp,
    // and the first two share a second.
    let t0 = Timestamp::now() - SignedDuration::from_secs(60);
    let at = |ms: i64| t0 + SignedDuration::from_millis(ms);
    kubelet.log(
        &ns,
        &job_pod,
        "migrate",
        false,
        &[(at(0), "migrating"), (at(1500), "migrated")],
    );
    kubelet.finished(&ns, &job_pod, "migrate");
    kubelet.log(
        &ns,
        &api_pod,
        "api",
        false,
        &[
            (at(100), "api 1"),
            (at(500), "api 2"),
            (at(500), "api 3"),
            (at(1200), "api 4"),
            (at(2000), "api 5 \u{1b}[2J"),
        ],
    );
    kubelet.log(
        &ns,
        &api_pod,
        "api",
        true,
        &[(at(-5000), "panic: before the restart")],
    );
    kubelet.log(&ns, &db_pod, "db", false, &[(at(300), "db ready")]);
    Logs {
        env,
        ns,
        kubelet,
        t0,
    }
}

impl Logs {
    fn run(&self, args: &[&str]) -> std::process::Output {
        plugin_as_admin(&self.env)
            .args(["logs", ID, "-n", &self.ns])
            .args(args)
            .output()
            .unwrap()
    }
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn three_workloads_merged_in_time_order() {
    let l = setup("logs").await;
    let user = format!("logs-{:08x}", rand_u32());
    let out = l.run(&["--as", &user, "--as-group", "system:masters"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let (api, db, job) = (
        format!("[api-deployment-{ID}-7d9f8-abcde/api]"),
        format!("[api-db-{ID}-0/db]"),
        format!("[api-migrate-{ID}-x2z9q/migrate]"),
    );
    assert_eq!(
        stdout_of(&out),
        [
            format!("{job} migrating"),
            format!("{api} api 1"),
            format!("{db} db ready"),
            format!("{api} api 2"),
            format!("{api} api 3"),
            format!("{api} api 4"),
            format!("{job} migrated"),
            format!("{api} api 5 \\x1b[2J"),
            String::new(),
        ]
        .join("\n")
    );
    // The kubelet got the user's options, and timestamps, which order the merge.
    let requests = l.kubelet.requests();
    assert_eq!(requests.len(), 3, "{requests:#?}");
    assert!(
        requests
            .iter()
            .all(|r| r.contains("timestamps=true") && !r.contains("follow")),
        "{requests:#?}"
    );
    // One LIST of pods (selected by the labels the workloads share: none, with a Job), one
    // stream per container, nothing per pod otherwise.
    let audited = audited_requests(&user);
    let pods: Vec<&String> = audited.iter().filter(|r| r.contains("/pods")).collect();
    assert_eq!(
        pods.iter().filter(|r| r.starts_with("list ")).count(),
        1,
        "{pods:#?}"
    );
    assert_eq!(
        pods.iter().filter(|r| r.contains("/log?")).count(),
        3,
        "{pods:#?}"
    );
    assert_eq!(pods.len(), 4, "{pods:#?}");

    // Options reach the kubelet as kubectl sends them.
    let out = l.run(&["--tail", "1", "-c", "api", "--timestamps"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let at = l.t0 + SignedDuration::from_millis(2000);
    assert_eq!(stdout_of(&out), format!("{api} {at} api 5 \\x1b[2J\n"));
    assert!(l.kubelet.requests().last().unwrap().contains("tailLines=1"));
    assert!(
        stderr_of(&out).contains(&format!("api-db-{ID}-0: no container \"api\"")),
        "{}",
        stderr_of(&out)
    );

    // The previous instance: only the api container restarted.
    let out = l.run(&["--previous"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        stdout_of(&out),
        format!("{api} panic: before the restart\n")
    );
    assert!(
        l.kubelet
            .requests()
            .last()
            .unwrap()
            .contains("previous=true")
    );
    assert!(
        stderr_of(&out).contains(&format!("api-db-{ID}-0/db: no previous instance")),
        "{}",
        stderr_of(&out)
    );
}

/// `-f`: the api's stream is cut after two lines, as a dropped connection cuts it. It is opened
/// again from the second of the last line printed, and every line is printed once; the Job's
/// stream ends with its container; a line written later is printed as it comes.
#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_stream_is_picked_up_without_a_repeat() {
    let l = setup("logs-follow").await;
    let api_pod = format!("api-deployment-{ID}-7d9f8-abcde");
    l.kubelet.drop_once_after(&l.ns, &api_pod, "api", 2);
    let user = format!("logs-f-{:08x}", rand_u32());
    let mut follow = Streaming::start(
        &l.env.admin_kubeconfig,
        &[
            "logs",
            ID,
            "-f",
            "-n",
            &l.ns,
            "--as",
            &user,
            "--as-group",
            "system:masters",
        ],
    );
    follow.until("api 5", Duration::from_secs(60)).await;
    l.kubelet.log(
        &l.ns,
        &format!("api-db-{ID}-0"),
        "db",
        false,
        &[(Timestamp::now(), "db later")],
    );
    follow.until("db later", Duration::from_secs(60)).await;
    let seen = follow.stop().await;
    let api: Vec<&str> = seen
        .iter()
        .filter(|s| s.starts_with(&format!("[{api_pod}/api]")))
        .map(|s| s.rsplit("] ").next().unwrap())
        .collect();
    assert_eq!(
        api,
        ["api 1", "api 2", "api 3", "api 4", "api 5 \\x1b[2J"],
        "{seen:#?}"
    );
    for want in ["migrating", "migrated", "db ready"] {
        assert_eq!(
            seen.iter().filter(|s| s.ends_with(want)).count(),
            1,
            "{seen:#?}"
        );
    }
    // The api container was asked for twice: the second time from the second of "api 2".
    let requests = l.kubelet.requests();
    let api_requests: Vec<&String> = requests.iter().filter(|r| r.contains(&api_pod)).collect();
    assert_eq!(api_requests.len(), 2, "{requests:#?}");
    let second = (l.t0 + SignedDuration::from_millis(500)).as_second();
    let since = Timestamp::from_second(second)
        .unwrap()
        .to_string()
        .replace(':', "%3A");
    assert!(
        api_requests[1].contains(&format!("sinceTime={since}")),
        "{api_requests:#?}"
    );
    // Requests of `logs -f` on three workloads: the snapshot, one LIST and one watch of pods,
    // one stream per container and one more for the reconnect.
    let audited = audited_requests(&user);
    let pods: Vec<&String> = audited.iter().filter(|r| r.contains("/pods")).collect();
    assert_eq!(
        pods.iter().filter(|r| r.contains("/log?")).count(),
        4,
        "{pods:#?}"
    );
    assert!(pods.iter().any(|r| r.starts_with("watch ")), "{pods:#?}");
    assert_eq!(pods.len(), 6, "{pods:#?}");
    eprintln!(
        "logs -f, three workloads: {} requests in all: {audited:#?}",
        audited.len()
    );
}
