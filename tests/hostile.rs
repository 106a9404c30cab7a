//! Untrusted text never reaches a terminal raw (issue 10 §3): a PR whose title, author, branch and
//! labels carry escape sequences, a forged table row, C1 controls, DEL and a bidirectional
//! override; a condition message and a preview-url annotation with the same. Every human-readable
//! output is checked byte by byte; JSON stays exact.
mod common;

use common::*;
use serde_json::{Value, json};
use testkit::build::{self, Ks};
use testkit::seed::owner_labels;

const EVIL: &str =
    "pwn\x1b]0;pwned\x07 \x1b[2J\nNAMESPACE   forged-row\r\u{9b}31m\u{7f}\u{202e}txt.exe\u{2066}";

/// Bytes a terminal would act on: ESC, BEL, CR, C1 (UTF-8 `c2 80`–`c2 9f`), DEL, and the
/// bidirectional overrides and isolates.
fn assert_terminal_safe(bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    for c in text.chars() {
        assert!(
            c == '\n' || !kubectl_preview::sanitize::is_unsafe(c),
            "{what}: raw {c:?} reached the terminal:\n{text}"
        );
    }
    assert!(
        !text
            .lines()
            .any(|l| l.starts_with("NAMESPACE   forged-row")),
        "{what}: a forged row:\n{text}"
    );
}

async fn hostile(env: &TestEnv) -> String {
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "hostile").await.unwrap();
    let mut pr = build::pr("7", &build::sha(7), EVIL);
    pr["title"] = json!(EVIL);
    pr["author"] = json!(EVIL);
    pr["labels"] = json!([EVIL]);
    let provider = build::provider(&ns, "prs", "GitHubPullRequest", vec![pr]);
    let rset = build::resource_set(
        &ns,
        "envs",
        json!([{"kind": "ResourceSetInputProvider", "name": "prs"}]),
        vec![],
        build::rset_ready(&[(
            &ns,
            "app-7",
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "v1",
        )]),
    );
    let mut ks = build::kustomization(Ks {
        ns: &ns,
        name: "app-7",
        rset: "envs",
        commit: &build::sha(7),
        ready: ("False", "HealthCheckFailed", EVIL),
        suspend: false,
        inventory: &[],
    });
    ks["metadata"]["annotations"] = json!({
        "event.toolkit.fluxcd.io/preview-url": format!("https://x.example/{EVIL}"),
        "event.toolkit.fluxcd.io/change_request": "7"
    });
    ks["metadata"]["labels"] = owner_labels("envs", &ns);
    fixture::create_all(&client, &[provider, rset, ks])
        .await
        .unwrap();
    ns
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn hostile_text_is_escaped_in_every_human_readable_output() {
    let env = require_cluster!();
    let ns = hostile(&env).await;
    for args in [
        vec!["list", "-n", &ns],
        vec!["list", "-n", &ns, "-o", "wide"],
        vec!["list", "-n", &ns, "-o", "name"],
        vec!["get", "7", "-n", &ns],
        vec!["doctor", "-n", &ns],
        vec!["wait", "7", "-n", &ns, "-o", "url", "--timeout", "2s"],
        vec!["open", "7", "-n", &ns],
        vec!["delete", "7", "-n", &ns, "--force", "--dry-run"],
        vec!["get", "7\x1b[2J", "-n", &ns],
    ] {
        let out = plugin_as_admin(&env).args(&args).output().unwrap();
        let what = args.join(" ");
        assert_terminal_safe(&out.stdout, &format!("stdout of {what}"));
        assert_terminal_safe(&out.stderr, &format!("stderr of {what}"));
    }
    // The wide table still shows the title, escaped.
    let out = plugin_as_admin(&env)
        .args(["list", "-n", &ns, "-o", "wide"])
        .output()
        .unwrap();
    assert!(
        stdout_of(&out).contains("pwn\\x1b]0;pwned\\x07"),
        "{}",
        stdout_of(&out)
    );
    // `open` refuses a URL that is not a plain http(s) URL.
    let out = plugin_as_admin(&env)
        .args(["open", "7", "-n", &ns])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("only http:// and https:// URLs are opened"));
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn json_keeps_hostile_text_exact() {
    let env = require_cluster!();
    let ns = hostile(&env).await;
    let out = plugin_as_admin(&env)
        .args(["list", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["items"][0]["pr"]["title"], EVIL);
    assert_eq!(doc["items"][0]["pr"]["branch"], EVIL);
    // The encoder escaped the controls: the bytes themselves are safe.
    assert!(!out.stdout.contains(&0x1b));
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn github_output_cannot_be_injected() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "ghout").await.unwrap();
    let provider = build::provider(
        &ns,
        "prs",
        "GitHubPullRequest",
        vec![build::pr("7", &build::sha(7), "feat/x")],
    );
    let rset = build::resource_set(
        &ns,
        "envs",
        json!([{"kind": "ResourceSetInputProvider", "name": "prs"}]),
        vec![],
        build::rset_ready(&[(
            &ns,
            "app-7",
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "v1",
        )]),
    );
    let mut ks = build::kustomization(Ks {
        ns: &ns,
        name: "app-7",
        rset: "envs",
        commit: &build::sha(7),
        ready: ("True", "ReconciliationSucceeded", "ok"),
        suspend: false,
        inventory: &[],
    });
    ks["metadata"]["annotations"] = json!({
        "event.toolkit.fluxcd.io/preview-url": "https://x.example\nadmin=true",
        "event.toolkit.fluxcd.io/change_request": "7"
    });
    fixture::create_all(&client, &[provider, rset, ks])
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("github_output");
    let out = plugin_as_admin(&env)
        .env("GITHUB_OUTPUT", &path)
        .args(["wait", "7", "-n", &ns, "-o", "github", "--timeout", "20s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(
        !written.lines().any(|l| l.starts_with("admin=")),
        "{written}"
    );
    assert_eq!(written, "url=\nstatus=Ready\n");
    assert!(stderr_of(&out).contains("not a plain http(s) URL"));
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn watch_supports_wide_and_name_and_refuses_json() {
    let env = require_cluster!();
    let ns = hostile(&env).await;
    let out = plugin_as_admin(&env)
        .args(["list", "-w", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("--watch shows a table"));
    for (output, expect) in [("name", format!("{ns}/envs/7")), ("wide", "TITLE".into())] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-preview"))
            .env("KUBECONFIG", &env.admin_kubeconfig)
            .env("NO_COLOR", "1")
            .args(["list", "-w", "-n", &ns, "-o", output])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_secs(2));
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(&expect), "{output}: {text}");
        assert_terminal_safe(&out.stdout, output);
        if output == "name" {
            assert!(!text.contains("RESOURCESET"), "{text}");
        }
    }
}
