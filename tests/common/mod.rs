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
