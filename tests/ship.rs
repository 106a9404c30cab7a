//! Shipping: committed completions are current, kubectl's plugin completion works through the
//! real kubectl, and the release archive installs with real krew from its manifest.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_completions_are_current() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = plugin().args(["completion", shell]).output().unwrap();
        assert!(out.status.success());
        let committed =
            std::fs::read_to_string(repo().join(format!("completions/kubectl-preview.{shell}")))
                .unwrap();
        assert_eq!(
            stdout_of(&out),
            committed,
            "completions/kubectl-preview.{shell} is stale: run `kubectl-preview completion {shell} > completions/kubectl-preview.{shell}`"
        );
    }
    let shim =
        std::fs::read_to_string(repo().join("completions/kubectl_complete-preview")).unwrap();
    assert!(shim.contains("exec kubectl-preview __complete \"$@\""));
}

/// `kubectl __complete preview ARGS…` with the plugin and its completion helper on PATH.
fn kubectl_complete(env: &TestEnv, kubeconfig: &Path, args: &[&str]) -> (Vec<String>, Duration) {
    let path = format!(
        "{}:{}:{}:{}",
        plugin_dir().display(),
        repo().join("completions").display(),
        env.bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let started = Instant::now();
    let out = Command::new(env.kubectl())
        .arg("__complete")
        .arg("preview")
        .args(args)
        .env("PATH", path)
        .env("KUBECONFIG", kubeconfig)
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(out.status.success(), "{}", stderr_of(&out));
    (
        stdout_of(&out).lines().map(str::to_string).collect(),
        elapsed,
    )
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[tokio::test]
async fn kubectl_plugin_completion_from_the_live_cluster() {
    let env = require_cluster!();
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, "compl").await.unwrap();
    let infra = fixture::namespace(&client, "infra").await.unwrap();
    fixture::create_all(&client, &seed::api_scenario(&ns, &infra))
        .await
        .unwrap();
    let admin = env.admin_kubeconfig.clone();

    let (lines, _) = kubectl_complete(&env, &admin, &[""]);
    assert_eq!(lines.last().unwrap(), ":4");
    for sub in [
        "list\t",
        "get\t",
        "reconcile\t",
        "render\t",
        "delete\t",
        "wait\t",
        "open\t",
        "doctor\t",
        "version\t",
        "logs\t",
        "suspend\t",
        "resume\t",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(sub)),
            "{sub}: {lines:#?}"
        );
    }
    let (lines, _) = kubectl_complete(&env, &admin, &["list", "--st"]);
    assert!(
        lines.iter().any(|l| l.starts_with("--status\t")),
        "{lines:#?}"
    );
    let (lines, _) = kubectl_complete(&env, &admin, &["list", "--status", ""]);
    assert!(lines.contains(&"Failed".to_string()), "{lines:#?}");

    let (lines, _) = kubectl_complete(&env, &admin, &["get", "-n", &ns, ""]);
    for want in [
        "1234\tRedesign the checkout flow",
        "1289\tTighten API rate limits",
        "1301\tBulk export endpoint",
    ] {
        assert!(lines.contains(&want.to_string()), "{want}: {lines:#?}");
    }
    assert_eq!(lines.last().unwrap(), ":4");
    // The day-two commands complete environments the same way, and their flags' values.
    for command in ["logs", "suspend", "resume"] {
        let (lines, _) = kubectl_complete(&env, &admin, &[command, "-n", &ns, "12"]);
        assert!(
            lines.contains(&"1234\tRedesign the checkout flow".to_string())
                && lines.contains(&"1289\tTighten API rate limits".to_string()),
            "{command}: {lines:#?}"
        );
    }
    let (lines, _) = kubectl_complete(&env, &admin, &["logs", "1234", "-o", ""]);
    assert!(lines.iter().any(|l| l.starts_with("json")), "{lines:#?}");
    let (lines, _) = kubectl_complete(&env, &admin, &["list", "--sort", ""]);
    assert!(lines.iter().any(|l| l.starts_with("deploy")), "{lines:#?}");
    let (lines, _) = kubectl_complete(&env, &admin, &["delete", "--cl"]);
    assert!(
        lines.iter().any(|l| l.starts_with("--closed")),
        "{lines:#?}"
    );
    let (lines, _) = kubectl_complete(&env, &admin, &["describe", "-n", &ns, "12"]);
    assert!(
        lines.contains(&"1234\tRedesign the checkout flow".to_string())
            && !lines.iter().any(|l| l.starts_with("1301")),
        "{lines:#?}"
    );
    let (lines, _) = kubectl_complete(&env, &admin, &["render", "-n", &ns, "api"]);
    assert!(
        lines.iter().any(|l| l.starts_with("api-pr-envs\t")),
        "{lines:#?}"
    );
    let (lines, _) = kubectl_complete(&env, &admin, &["doctor", "--namespace", &ns, ""]);
    assert!(
        lines.iter().any(|l| l.starts_with("api-pr-envs\t")),
        "{lines:#?}"
    );
    let (lines, _) = kubectl_complete(&env, &admin, &["get", "-n", &ns[..6]]);
    assert!(lines.contains(&ns), "namespaces: {lines:#?}");
    let (lines, _) = kubectl_complete(&env, &admin, &["get", "--context", ""]);
    assert!(lines.contains(&"testenv-admin".to_string()), "{lines:#?}");
    // `--context` typed first scopes the query to that context's cluster.
    let (lines, _) = kubectl_complete(
        &env,
        &admin,
        &["--context", "testenv-admin", "get", "-n", &ns, "13"],
    );
    assert!(
        lines.contains(&"1301\tBulk export endpoint".to_string()),
        "{lines:#?}"
    );
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[test]
fn completion_never_hangs_on_a_dead_or_silent_cluster() {
    let env = require_cluster!();
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    for (name, port) in [
        ("closed", closed),
        ("silent", silent.local_addr().unwrap().port()),
    ] {
        let cfg =
            kubeconfig_with_server(&env, dir.path(), name, &format!("https://127.0.0.1:{port}"));
        let (lines, elapsed) = kubectl_complete(&env, &cfg, &["get", ""]);
        assert!(elapsed < Duration::from_secs(4), "{name}: took {elapsed:?}");
        assert!(
            !lines.iter().any(|l| l.starts_with("1234")),
            "{name}: {lines:#?}"
        );
        assert_eq!(lines.last().unwrap(), ":4", "{name}");
    }
    drop(silent);
}

fn dist() -> Option<PathBuf> {
    match std::env::var_os("KP_TEST_DIST") {
        Some(d) => Some(PathBuf::from(d)),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("KP_TEST_DIST is not set: scripts/test runs scripts/release first")
        }
        None => {
            eprintln!("SKIPPED (no release build): run scripts/release and set KP_TEST_DIST");
            None
        }
    }
}

fn archive(dist: &Path) -> PathBuf {
    std::fs::read_dir(dist)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .expect("an archive in dist/")
}

#[test]
fn release_archive_matches_its_manifest() {
    let Some(dist) = dist() else { return };
    let archive = archive(&dist);
    let sum = Command::new("sha256sum").arg(&archive).output().unwrap();
    let sum = stdout_of(&sum)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let manifest = std::fs::read_to_string(dist.join("preview.yaml")).unwrap();
    assert!(
        manifest.contains(&format!("sha256: \"{sum}\"")),
        "{manifest}"
    );
    let name = archive.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        name.starts_with(&format!("kubectl-preview_v{}_", env!("CARGO_PKG_VERSION"))),
        "{name}"
    );
    assert!(manifest.contains(&name));
    let listing = Command::new("tar")
        .arg("-tzf")
        .arg(&archive)
        .output()
        .unwrap();
    let mut files: Vec<String> = stdout_of(&listing).lines().map(str::to_string).collect();
    files.sort();
    assert_eq!(files, ["LICENSE", "kubectl-preview"]);
    // The committed-template rendering lists every platform; those not built are marked, never summed.
    let all = std::fs::read_to_string(repo().join("krew/preview.yaml")).unwrap();
    for pair in [
        "os: linux, arch: amd64",
        "os: linux, arch: arm64",
        "os: darwin, arch: amd64",
        "os: darwin, arch: arm64",
        "os: windows, arch: amd64",
    ] {
        assert!(all.contains(pair), "{pair}");
    }
    assert!(all.contains(&format!("sha256: \"{sum}\"")));
    assert_eq!(
        all.matches("sha256: \"NOT-BUILT-HERE\"").count(),
        4,
        "4 platforms marked, none summed: {all}"
    );
    assert_eq!(all.matches("# NOT BUILT HERE").count(), 4);
}

#[ignore = "needs the test control plane: scripts/test runs it"]
#[test]
fn krew_validates_installs_and_uninstalls_offline() {
    let env = require_cluster!();
    let Some(dist) = dist() else { return };
    let krew = PathBuf::from(
        std::env::var_os("KP_TEST_KREW_BIN")
            .expect("KP_TEST_KREW_BIN (testenv.sh build builds krew)"),
    );
    let archive = archive(&dist);
    let work = tempfile::tempdir().unwrap();
    // Serve the archive on loopback so the validator's own install step can download it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let body = std::fs::read(&archive).unwrap();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in listener.incoming().take(10) {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(&body);
        }
    });
    let manifest = std::fs::read_to_string(dist.join("preview.yaml")).unwrap();
    let local = manifest
        .lines()
        .map(|l| match l.trim_start().strip_prefix("uri: ") {
            Some(uri) => format!(
                "    uri: http://127.0.0.1:{port}/{}",
                uri.rsplit('/').next().unwrap()
            ),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let local_manifest = work.path().join("preview.yaml");
    std::fs::write(&local_manifest, local).unwrap();
    let krew_root = work.path().join("krew-root");
    let path = format!(
        "{}:{}:{}:/usr/bin:/bin",
        krew_root.join("bin").display(),
        krew.display(),
        env.bin.display()
    );
    let run = |program: &Path, args: &[&str]| {
        Command::new(program)
            .args(args)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", work.path())
            .env("KREW_ROOT", &krew_root)
            .env("KREW_NO_UPGRADE_CHECK", "1")
            .env("KUBECONFIG", &env.admin_kubeconfig)
            .output()
            .unwrap()
    };
    let out = run(
        &krew.join("validate-krew-manifest"),
        &["-manifest", local_manifest.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "validate: {}\n{}",
        stdout_of(&out),
        stderr_of(&out)
    );

    let kubectl = env.kubectl();
    let out = run(
        &kubectl,
        &[
            "krew",
            "install",
            &format!("--manifest={}", dist.join("preview.yaml").display()),
            &format!("--archive={}", archive.display()),
        ],
    );
    assert!(
        out.status.success(),
        "install: {}\n{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    let out = run(&kubectl, &["plugin", "list", "--name-only"]);
    assert!(
        stdout_of(&out)
            .lines()
            .any(|l| l.trim() == "kubectl-preview" || l.trim() == "kubectl-krew"),
        "{}",
        stdout_of(&out)
    );
    assert!(
        stdout_of(&out).contains("kubectl-preview"),
        "{}\n{}",
        stdout_of(&out),
        stderr_of(&out)
    );
    let out = run(&kubectl, &["preview", "version"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains("Server Version: v1.36.3"),
        "{}",
        stdout_of(&out)
    );
    // Offline, krew has no index clone; `uninstall` wants one to exist, so an empty local one
    // stands in for `kubectl krew update` (no network).
    let index = krew_root.join("index/default");
    std::fs::create_dir_all(&index).unwrap();
    assert!(
        Command::new("git")
            .args(["init", "-q"])
            .current_dir(&index)
            .status()
            .unwrap()
            .success()
    );
    let out = run(&kubectl, &["krew", "uninstall", "preview"]);
    assert!(out.status.success(), "uninstall: {}", stderr_of(&out));
    assert!(!krew_root.join("bin/kubectl-preview").exists());
}
