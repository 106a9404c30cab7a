//! kubectl's connection flags against the real API server: `-s/--server`, `--token`,
//! `--certificate-authority`, `--as-uid` (and `--disable-compression`, which only changes what the
//! client asks for). They override the kubeconfig's context as kubectl's do, and need no kubeconfig
//! when they say where and who.
mod common;

use common::{audited_requests, plugin, rand_u32, stderr_of, stdout_of};
use testkit::{TestEnv, require_cluster};

/// A `key: value` line of the test control plane's kubeconfigs.
fn field(path: &std::path::Path, key: &str) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix(&format!("{key}: "))
                .map(str::to_string)
        })
        .unwrap_or_else(|| panic!("{key} not in {}", path.display()))
}

fn admin_connection(env: &TestEnv) -> (String, String, String) {
    (
        field(&env.admin_kubeconfig, "server"),
        field(&env.admin_kubeconfig, "token"),
        field(&env.admin_kubeconfig, "certificate-authority"),
    )
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn server_token_and_certificate_authority_need_no_kubeconfig() {
    let env = require_cluster!();
    let (server, token, ca) = admin_connection(&env);
    let ns = common::fixture::namespace(&env.admin().await.unwrap(), "flags")
        .await
        .unwrap();
    let out = plugin()
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .args(["list", "-n", &ns, "-s", &server, "--token", &token])
        .args(["--certificate-authority", &ca, "--disable-compression"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("No preview environments"),
        "{}",
        stderr_of(&out)
    );
    // Without the CA the server's certificate is not trusted: one clear line, exit 1.
    let out = plugin()
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .args(["list", "-n", &ns, "--server", &server, "--token", &token])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out).lines().count(), 1, "{}", stderr_of(&out));
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn a_token_overrides_the_kubeconfig_user() {
    let env = require_cluster!();
    let restricted = field(&env.restricted_kubeconfig, "token");
    // The admin kubeconfig, but the restricted user's token: its reads are forbidden.
    let out = plugin()
        .env("KUBECONFIG", &env.admin_kubeconfig)
        .args(["list", "-A", "--token", &restricted])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("forbidden"), "{}", stderr_of(&out));
    assert!(stdout_of(&out).is_empty(), "{}", stdout_of(&out));
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn as_uid_is_sent_with_as_and_refused_without() {
    let env = require_cluster!();
    let out = plugin()
        .env("KUBECONFIG", &env.admin_kubeconfig)
        .args(["list", "-A", "--as-uid", "1234"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("--as-uid requires --as"),
        "{}",
        stderr_of(&out)
    );

    let user = format!("uid-{:08x}", rand_u32());
    let out = plugin()
        .env("KUBECONFIG", &env.admin_kubeconfig)
        .args([
            "list",
            "-A",
            "--as",
            &user,
            "--as-group",
            "system:masters",
            "--as-uid",
            "u-77",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let log = std::fs::read_to_string(std::env::var("KP_TEST_AUDIT_LOG").unwrap()).unwrap();
    let uids: Vec<String> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["impersonatedUser"]["username"] == user.as_str())
        .filter_map(|v| v["impersonatedUser"]["uid"].as_str().map(str::to_string))
        .collect();
    assert!(!audited_requests(&user).is_empty());
    assert!(
        !uids.is_empty() && uids.iter().all(|u| u == "u-77"),
        "{uids:?}"
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn a_client_certificate_authenticates_its_user() {
    let env = require_cluster!();
    let (server, _, ca) = admin_connection(&env);
    let pki = std::path::Path::new(&std::env::var("KP_TESTENV_DIR").unwrap()).join("pki");
    let out = plugin()
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .args(["list", "-A", "-s", &server, "--certificate-authority", &ca])
        .arg("--client-certificate")
        .arg(pki.join("client.crt"))
        .arg("--client-key")
        .arg(pki.join("client.key"))
        .output()
        .unwrap();
    // Authenticated (an unknown client would be a 401, exit 1) as the certificate's user, who has
    // no rights: every read is forbidden, and the audit log names the user.
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("forbidden"), "{}", stderr_of(&out));
    let log = std::fs::read_to_string(std::env::var("KP_TEST_AUDIT_LOG").unwrap()).unwrap();
    assert!(
        log.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .any(|v| v["user"]["username"] == "kp-cert-user"),
        "no request of kp-cert-user in the audit log"
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn verbosity_logs_requests_like_kubectl_and_never_a_secret() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = common::fixture::namespace(&client, "verbose")
        .await
        .unwrap();
    let (server, token, _) = admin_connection(&env);
    let password = format!("not-a-token-{}", rand_u32());
    let mut provider = testkit::build::provider(
        &ns,
        "app-prs",
        "GitHubPullRequest",
        vec![testkit::build::pr("7", &testkit::build::sha(7), "feat/a")],
    );
    provider["spec"]["secretRef"] = serde_json::json!({"name": "github-auth"});
    let secret = serde_json::json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "github-auth", "namespace": ns},
        "stringData": {"username": "git", "password": password}});
    // A ResourceSet consumes the provider: doctor then checks its Secret.
    let rset = testkit::build::resource_set(
        &ns,
        "app",
        serde_json::json!([{"kind": "ResourceSetInputProvider", "name": "app-prs"}]),
        vec![serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "app-<< inputs.id >>", "namespace": ns}})],
        testkit::build::rset_ready(&[]),
    );
    common::fixture::create_all(&client, &[secret, provider, rset])
        .await
        .unwrap();

    // -v=6: one line per request, with kubectl's parts; nothing else.
    let out = common::plugin_as_admin(&env)
        .args(["list", "-n", &ns, "-v=6"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let log = stderr_of(&out);
    let line = log
        .lines()
        .find(|l| {
            l.starts_with(&format!(
                "GET {server}/apis/fluxcd.controlplane.io/v1/namespaces/{ns}/resourcesetinputproviders"
            ))
        })
        .unwrap_or_else(|| panic!("{log}"));
    assert!(
        line.contains(" 200 OK in ") && line.ends_with(" milliseconds"),
        "{line}"
    );
    assert!(
        !log.contains("Body:") && !log.contains("Authorization"),
        "{log}"
    );

    // -v=8: bodies, a Secret's redacted; the credential is added below the log and never shows.
    let out = common::plugin_as_admin(&env)
        .args(["doctor", "-n", &ns, "--v", "8"])
        .output()
        .unwrap();
    let log = stderr_of(&out);
    assert!(
        log.contains(&format!(
            "GET {server}/api/v1/namespaces/{ns}/secrets/github-auth 200 OK in"
        )),
        "{log}"
    );
    assert!(log.contains("Response Body: <redacted: a Secret"), "{log}");
    assert!(
        log.contains("Response Body: {"),
        "other bodies are shown: {log}"
    );
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&password);
    for leaked in [password.as_str(), encoded.as_str(), token.as_str()] {
        assert!(!log.contains(leaked), "{leaked} in the log");
    }

    // Without -v: no request log.
    let out = common::plugin_as_admin(&env)
        .args(["list", "-n", &ns])
        .output()
        .unwrap();
    assert!(
        !stderr_of(&out).contains("milliseconds"),
        "{}",
        stderr_of(&out)
    );
}
