//! Shared helpers of the integration tests: running the plugin binary against the test cluster.
#![allow(dead_code)]
use std::path::{Path, PathBuf};

#[allow(unused_imports)]
pub use testkit::{TestEnv, fixture, require_cluster, seed};

/// The plugin binary with a clean environment: no KUBECONFIG, no colour, no terminal.
pub fn plugin() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_kubectl-preview"));
    cmd.env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .env("HOME", std::env::temp_dir());
    cmd
}

/// The plugin as the admin user of the test cluster.
pub fn plugin_as_admin(env: &TestEnv) -> assert_cmd::Command {
    let mut cmd = plugin();
    cmd.env("KUBECONFIG", &env.admin_kubeconfig);
    cmd
}

pub fn plugin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_kubectl-preview"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A kubeconfig like the admin one, written to a temporary file after `edit`.
pub fn edited_kubeconfig(
    env: &TestEnv,
    dir: &Path,
    name: &str,
    edit: impl Fn(String) -> String,
) -> PathBuf {
    let text = std::fs::read_to_string(&env.admin_kubeconfig).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, edit(text)).unwrap();
    path
}

pub fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The admin kubeconfig pointed at another server (a closed port, a silent listener).
pub fn kubeconfig_with_server(env: &TestEnv, dir: &Path, name: &str, server: &str) -> PathBuf {
    edited_kubeconfig(env, dir, name, |t| {
        t.lines()
            .map(|l| {
                if l.trim_start().starts_with("server:") {
                    format!("    server: {server}")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// The seed scenario in a fresh namespace (and a fresh shared-infrastructure namespace).
pub async fn seeded(env: &TestEnv, prefix: &str) -> (kube::Client, String, String) {
    let client = env.admin().await.unwrap();
    let ns = fixture::namespace(&client, prefix).await.unwrap();
    let infra = fixture::namespace(&client, "infra").await.unwrap();
    fixture::create_all(&client, &seed::api_scenario(&ns, &infra))
        .await
        .unwrap();
    (client, ns, infra)
}

/// Runs `command` in a detached tmux session (a real terminal), waits until the screen shows
/// `prompt`, types `keys` (each sent separately), and returns the exit code the command wrote.
pub fn in_terminal(session: &str, command: &str, prompt: &[&str], keys: &[&str]) -> String {
    use std::time::{Duration, Instant};
    let done = std::env::temp_dir().join(format!("{session}.done"));
    let _ = std::fs::remove_file(&done);
    let cmd = format!("{command}; echo $? > {}", done.display());
    let tmux = |args: &[&str]| {
        std::process::Command::new("tmux")
            .args(args)
            .output()
            .expect("tmux is required for terminal tests")
    };
    assert!(
        tmux(&[
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "200",
            "-y",
            "40",
            &cmd
        ])
        .status
        .success()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let screen = stdout_of(&tmux(&["capture-pane", "-p", "-t", session]));
        if prompt.iter().all(|p| screen.contains(p)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no prompt {prompt:?} on screen: {screen}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    for k in keys {
        tmux(&["send-keys", "-t", session, k]);
        std::thread::sleep(Duration::from_millis(300));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = tmux(&["kill-session", "-t", session]);
    let code = std::fs::read_to_string(&done)
        .unwrap_or_default()
        .trim()
        .to_string();
    let _ = std::fs::remove_file(&done);
    code
}

/// Requests a unique impersonated user sent, from the API server's audit log (`verb requestURI`),
/// once the log stops growing.
pub fn audited_requests(user: &str) -> Vec<String> {
    use std::time::{Duration, Instant};
    let log = std::env::var("KP_TEST_AUDIT_LOG").expect("KP_TEST_AUDIT_LOG");
    let mut last = usize::MAX;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let lines: Vec<String> = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| {
                v["impersonatedUser"]["username"] == user && v["stage"] == "ResponseComplete"
            })
            .map(|v| {
                format!(
                    "{} {}",
                    v["verb"].as_str().unwrap_or(""),
                    v["requestURI"].as_str().unwrap_or("")
                )
            })
            .collect();
        if lines.len() == last || Instant::now() > deadline {
            return lines;
        }
        last = lines.len();
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// A number unlikely to repeat between test runs, for unique user names.
pub fn rand_u32() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    nanos ^ std::process::id().rotate_left(16)
}

/// Runs the plugin with `args` and `KUBECONFIG`, sends it SIGINT (Ctrl-C) after `after`, and
/// returns what it printed and how it exited.
pub async fn interrupted(
    kubeconfig: &Path,
    args: &[&str],
    after: std::time::Duration,
) -> std::process::Output {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-preview"))
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(after).await;
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap()
}

/// The plugin running in the background as `KUBECONFIG=kubeconfig kubectl-preview ARGS…` (`logs -f`,
/// say), its output read line by line while it runs.
pub struct Streaming {
    child: tokio::process::Child,
    lines: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    /// Every line read so far.
    pub seen: Vec<String>,
}

impl Streaming {
    pub fn start(kubeconfig: &Path, args: &[&str]) -> Streaming {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kubectl-preview"))
            .env("KUBECONFIG", kubeconfig)
            .env("NO_COLOR", "1")
            .args(args)
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        Streaming {
            child,
            lines: tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout)),
            seen: Vec::new(),
        }
    }

    /// Reads lines until one contains `what`; fails the test, showing what came, after `timeout`.
    pub async fn until(&mut self, what: &str, timeout: std::time::Duration) {
        let (lines, seen) = (&mut self.lines, &mut self.seen);
        let found = tokio::time::timeout(timeout, async {
            while let Some(line) = lines.next_line().await.unwrap() {
                let hit = line.contains(what);
                seen.push(line);
                if hit {
                    return;
                }
            }
        })
        .await;
        assert!(found.is_ok(), "no {what:?} in {:#?}", self.seen);
    }

    /// Stops the plugin; returns every line read.
    pub async fn stop(mut self) -> Vec<String> {
        self.child.kill().await.unwrap();
        self.seen
    }
}
