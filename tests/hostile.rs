//! Untrusted text never reaches a terminal raw (issue 10 §3): PRs whose title, author, branch and
//! labels carry escape sequences, a newline and a forged row, C1 controls, DEL and bidirectional
//! overrides; condition messages, an event, an inventory entry, a Secret reference and
//! preview-url annotations with the same. Every human-readable output is checked byte by byte and
//! its lines are counted; JSON and YAML stay exact.
mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};
use testkit::build::{self, Ks};

/// Everything a terminal acts on, a newline followed by a forged row, and a forged command line.
const EVIL: &str = "pwn\x1b]0;pwned\x07 \x1b[2J\nNAMESPACE   forged-row\r\u{9b}31m\u{7f}\u{202e}txt.exe\u{2066}\u{2069}\u{85}forged-too";

/// A Secret name that would add a command of its own to doctor's fix.
const EVIL_SECRET: &str = "gh\n      kubectl delete namespace production";

/// Bytes a terminal would act on: ESC, BEL, CR, C1 (UTF-8 `c2 80`–`c2 9f`), DEL, and the
/// bidirectional overrides and isolates; and any line that a value started.
fn assert_terminal_safe(bytes: &[u8], what: &str) {
    for b in [0x1b, 0x07, 0x7f, b'\r'] {
        assert!(
            !bytes.contains(&b),
            "{what}: raw byte {b:#04x}:\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
    let text = String::from_utf8_lossy(bytes);
    for c in text.chars() {
        assert!(
            !matches!(c, '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'),
            "{what}: raw {c:?} reached the terminal:\n{text}"
        );
        assert!(
            c == '\n' || !kubectl_preview::sanitize::is_unsafe(c),
            "{what}: raw {c:?} reached the terminal:\n{text}"
        );
    }
    for l in text.lines() {
        let l = l.trim_start();
        assert!(
            !l.starts_with("NAMESPACE   forged-row")
                && !l.starts_with("forged-too")
                && !l.starts_with("kubectl delete namespace production"),
            "{what}: a value started a line of its own:\n{text}"
        );
    }
}

fn ks(
    ns: &str,
    id: u32,
    ready: (&str, &str, &str),
    url: &str,
    inventory: &[(&str, &str, &str, &str, &str)],
) -> Value {
    let name = format!("app-{id}");
    let mut ks = build::kustomization(Ks {
        ns,
        name: &name,
        rset: "envs",
        commit: &build::sha(id),
        ready,
        suspend: false,
        inventory,
    });
    ks["metadata"]["annotations"] = json!({
        "event.toolkit.fluxcd.io/preview-url": url,
        "event.toolkit.fluxcd.io/change_request": id.to_string()
    });
    ks
}

/// PR 7 (failed: a hostile Ready message, event and inventory entry) and PR 8 (Ready, at a
/// hostile preview URL), both with every PR field hostile, from a provider whose Ready message
/// and Secret reference are hostile, consumed by a ResourceSet whose Ready message is hostile.
async fn hostile(env: &TestEnv) -> String {
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "hostile").await.unwrap();
    let pr = |id: u32| {
        let mut pr = build::pr(&id.to_string(), &build::sha(id), EVIL);
        pr["title"] = json!(EVIL);
        pr["author"] = json!(EVIL);
        pr["labels"] = json!([EVIL, "preview"]);
        pr
    };
    let mut provider = build::provider(&ns, "prs", "GitHubPullRequest", vec![pr(7), pr(8)]);
    provider["spec"]["secretRef"] = json!({"name": EVIL_SECRET});
    provider["status"]["conditions"][0]["message"] = json!(EVIL);
    let kustomizations = [
        (
            &*ns,
            "app-7",
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "v1",
        ),
        (
            &*ns,
            "app-8",
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "v1",
        ),
    ];
    let mut status = build::rset_ready(&kustomizations);
    status["conditions"][0]["message"] = json!(EVIL);
    let rset = build::resource_set(
        &ns,
        "envs",
        json!([{"kind": "ResourceSetInputProvider", "name": "prs"}]),
        vec![],
        status,
    );
    let evil_name = EVIL.replace('_', "-");
    let failed = ks(
        &ns,
        7,
        ("False", "HealthCheckFailed", EVIL),
        &format!("https://x.example/{EVIL}"),
        &[(&ns, &evil_name, "apps", "Deployment", "v1")],
    );
    let ready = ks(
        &ns,
        8,
        ("True", "ReconciliationSucceeded", "Applied revision"),
        &format!("https://x.example/{EVIL}"),
        &[],
    );
    let event = build::warning_event(
        &ns,
        "Kustomization",
        "kustomize.toolkit.fluxcd.io/v1",
        "app-7",
        "HealthCheckFailed",
        EVIL,
    );
    fixture::create_all(&client, &[provider, rset, failed, ready, event])
        .await
        .unwrap();
    ns
}

fn run(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let out = plugin_as_admin(env)
        .env("KUBECTL_PREVIEW_NO_BROWSER", "1")
        .args(args)
        .output()
        .unwrap();
    let what = args.join(" ");
    assert_terminal_safe(&out.stdout, &format!("stdout of {what}"));
    assert_terminal_safe(&out.stderr, &format!("stderr of {what}"));
    out
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn hostile_text_is_escaped_in_every_human_readable_output() {
    let env = require_cluster!();
    let ns = hostile(&env).await;

    // Tables: one header and one row per environment, whatever the values hold.
    for (args, lines) in [
        (vec!["list", "-n", &ns], 3),
        (vec!["list", "-n", &ns, "-o", "wide"], 3),
        (vec!["list", "-n", &ns, "--no-headers"], 2),
        (vec!["list", "-A", "-o", "wide", "--author", EVIL], 0),
        (vec!["list", "-n", &ns, "-o", "name"], 2),
    ] {
        let out = run(&env, &args);
        assert!(out.status.success(), "{}", stderr_of(&out));
        let text = stdout_of(&out);
        if lines > 0 {
            assert_eq!(text.lines().count(), lines, "{args:?}:\n{text}");
        }
    }
    // The wide table still shows the values, escaped.
    let text = stdout_of(&run(&env, &["list", "-n", &ns, "-o", "wide"]));
    assert!(text.contains("pwn\\x1b]0;pwned\\x07"), "{text}");

    // get: every field shown, on the lines get has without hostile values.
    for id in ["7", "8"] {
        let out = run(&env, &["get", id, "-n", &ns]);
        assert!(out.status.success(), "{}", stderr_of(&out));
        let text = stdout_of(&out);
        for label in ["  Title:", "  Author:", "  Branch:", "  Labels:"] {
            let shown: Vec<&str> = text.lines().filter(|l| l.starts_with(label)).collect();
            assert_eq!(shown.len(), 1, "{label}\n{text}");
            assert!(shown[0].contains("pwn\\x1b"), "{text}");
        }
    }
    let text = stdout_of(&run(&env, &["describe", "7", "-n", &ns]));
    assert!(
        text.contains("\\x1b[2J"),
        "the event and the message are shown: {text}"
    );

    // doctor: the fix for the missing Secret is one command line.
    let out = run(&env, &["doctor", "-n", &ns]);
    let text = stdout_of(&out);
    assert!(
        text.lines().any(|l| l
            .trim_start()
            .starts_with("kubectl create secret generic gh ")),
        "{text}"
    );

    // wait: a Ready environment's hostile URL is printed escaped, on one line.
    let out = run(
        &env,
        &["wait", "8", "-n", &ns, "-o", "url", "--timeout", "30s"],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.starts_with("https://x.example/pwn\\x1b]0;pwned\\x07"),
        "{text}"
    );
    // A failed one: the message goes to stderr, escaped.
    let out = run(
        &env,
        &["wait", "7", "-n", &ns, "-o", "url", "--timeout", "30s"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stdout_of(&out).is_empty());

    // Errors and other commands: a hostile reference, render, reconcile's refusal, delete's plan.
    for args in [
        vec!["get", "7\x1b[2J\nforged-too", "-n", &ns],
        vec!["wait", "9\x1b]0;x\x07", "-n", &ns, "--timeout", "1s"],
        vec!["open", "8", "-n", &ns],
        vec!["render", "envs", "-n", &ns, "--timeout", "2s"],
        vec!["reconcile", "7", "-n", &ns, "--timeout", "2s"],
        vec!["delete", "7", "-n", &ns, "--force", "--dry-run"],
        vec!["version"],
    ] {
        run(&env, &args);
    }
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn json_and_yaml_keep_hostile_text_exact() {
    let env = require_cluster!();
    let ns = hostile(&env).await;
    let out = plugin_as_admin(&env)
        .args(["list", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = doc["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for item in items {
        for field in ["title", "branch", "author"] {
            assert_eq!(item["pr"][field], EVIL, "{field}");
        }
        assert_eq!(item["pr"]["labels"][0], EVIL);
    }
    // The encoder escaped the controls: the bytes themselves are safe.
    assert!(!out.stdout.contains(&0x1b));

    let out = plugin_as_admin(&env)
        .args(["get", "7", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["pr"]["title"], EVIL, "{doc}");
    assert_eq!(doc["events"][0]["message"], EVIL, "{doc}");

    let out = plugin_as_admin(&env)
        .args(["list", "-n", &ns, "-o", "yaml"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(!out.stdout.contains(&0x1b), "YAML escapes controls too");
    let doc: Value = serde_saphyr::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(doc["items"][0]["pr"]["title"], EVIL);
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
    let ks = ks(
        &ns,
        7,
        ("True", "ReconciliationSucceeded", "ok"),
        "https://x.example\nadmin=true",
        &[],
    );
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
        !written.lines().any(|l| l.starts_with("admin")),
        "{written}"
    );
    assert_eq!(written, "url=\nstatus=Ready\n");
    assert!(stderr_of(&out).contains("not a plain http(s) URL"));
    assert_terminal_safe(&out.stdout, "stdout of wait -o github");
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn open_runs_only_http_urls() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "open").await.unwrap();
    let urls = [
        (1, "file:///etc/passwd"),
        (2, "javascript:alert(1)"),
        (3, "--help"),
        (4, "https:x.example"),
        (5, "https://ok.example/pr-5?x=1"),
    ];
    let prs = urls
        .iter()
        .map(|(id, _)| build::pr(&id.to_string(), &build::sha(*id), "feat/x"))
        .collect();
    let names: Vec<String> = urls.iter().map(|(id, _)| format!("app-{id}")).collect();
    let entries: Vec<(&str, &str, &str, &str, &str)> = names
        .iter()
        .map(|n| {
            (
                &*ns,
                n.as_str(),
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "v1",
            )
        })
        .collect();
    let mut objects = vec![
        build::provider(&ns, "prs", "GitHubPullRequest", prs),
        build::resource_set(
            &ns,
            "envs",
            json!([{"kind": "ResourceSetInputProvider", "name": "prs"}]),
            vec![],
            build::rset_ready(&entries),
        ),
    ];
    for (id, url) in urls {
        objects.push(ks(
            &ns,
            id,
            ("True", "ReconciliationSucceeded", "ok"),
            url,
            &[],
        ));
    }
    fixture::create_all(&client, &objects).await.unwrap();
    for (id, url) in urls {
        let out = plugin_as_admin(&env)
            .env("KUBECTL_PREVIEW_NO_BROWSER", "1")
            .args(["open", &id.to_string(), "-n", &ns])
            .output()
            .unwrap();
        if id == 5 {
            assert!(out.status.success(), "{}", stderr_of(&out));
            assert_eq!(stdout_of(&out), format!("{url}\n"));
        } else {
            assert_eq!(out.status.code(), Some(1), "{url}: {}", stderr_of(&out));
            assert!(stdout_of(&out).is_empty(), "{url}");
            assert!(
                stderr_of(&out).contains("only http:// and https:// URLs are opened"),
                "{url}: {}",
                stderr_of(&out)
            );
        }
    }
}

/// The first frame `list -w ARGS` draws (stdout not a terminal: frames follow each other).
fn first_frame(env: &TestEnv, args: &[&str], expect: &str) -> String {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-preview"))
        .env("KUBECONFIG", &env.admin_kubeconfig)
        .env("NO_COLOR", "1")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.extend(chunk);
        }
        if String::from_utf8_lossy(&seen).contains(expect) {
            // A frame is whole once drawn: give the rest of it a moment to arrive.
            std::thread::sleep(Duration::from_millis(300));
            while let Ok(chunk) = rx.try_recv() {
                seen.extend(chunk);
            }
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_terminal_safe(&seen, &args.join(" "));
    let text = String::from_utf8_lossy(&seen).into_owned();
    assert!(text.contains(expect), "{args:?}: {text}");
    text.split("\n\n").next().unwrap_or("").to_string()
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn watch_supports_wide_and_name_and_refuses_json_and_yaml() {
    let env = require_cluster!();
    let ns = hostile(&env).await;
    for output in ["json", "yaml"] {
        // Refused at once: a watch that ignored -o would run until killed.
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-preview"))
            .env("KUBECONFIG", &env.admin_kubeconfig)
            .args(["list", "-w", "-n", &ns, "-o", output])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "-o {output}: {}",
            stderr_of(&out)
        );
        assert!(
            stderr_of(&out).contains("--watch shows a table"),
            "{}",
            stderr_of(&out)
        );
        assert!(out.stdout.is_empty());
    }
    let frame = first_frame(
        &env,
        &["list", "-w", "-n", &ns, "-o", "name"],
        &format!("{ns}/envs/8"),
    );
    assert_eq!(frame.lines().count(), 2, "{frame}");
    assert!(!frame.contains("RESOURCESET"), "{frame}");
    let frame = first_frame(&env, &["list", "-w", "-n", &ns, "-o", "wide"], "AUTHOR");
    assert_eq!(frame.lines().count(), 3, "{frame}");
    assert!(
        frame.contains("TITLE") && frame.contains("pwn\\x1b"),
        "{frame}"
    );
    let frame = first_frame(&env, &["list", "-w", "-n", &ns], "RESOURCESET");
    assert_eq!(frame.lines().count(), 3, "{frame}");
    assert!(!frame.contains("AUTHOR"), "{frame}");
}
