//! The real stack: a control plane of its own (`testenv.sh up --stack`) where the real controllers
//! run: kube-controller-manager, kube-scheduler, KWOK (fake nodes whose pods go Running and
//! Ready), the Flux Operator, source-controller and kustomize-controller. Nothing here writes a
//! status a controller owns: tests create objects and watch what the controllers do with them.
//!
//! Like the fixture control plane, a test that needs it is marked
//! `#[ignore = "needs the test control plane: …"]` and fails when it is not running.
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use kube::Client;

use crate::cluster::client_for;

#[derive(Debug, Clone)]
pub struct Stack {
    /// The state directory: kubeconfigs, and one `<component>.log` per process.
    pub dir: PathBuf,
    pub admin_kubeconfig: PathBuf,
    pub restricted_kubeconfig: PathBuf,
    /// Directory with the kubectl built for the control plane.
    pub bin: PathBuf,
    /// The namespace the Flux controllers and the operator run "in" (RUNTIME_NAMESPACE).
    pub runtime_namespace: String,
    /// source-controller's artifact server, `http://127.0.0.1:PORT`.
    pub artifact_server: String,
    /// The API server's audit log; requests of the stack's own components are left out of it.
    pub audit_log: PathBuf,
}

impl Stack {
    /// The running stack, from the variables `testenv.sh up --stack` prints; `None` when there
    /// is none.
    pub fn find() -> Option<Stack> {
        let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
        let text = |name: &str| std::env::var(name).ok();
        match (
            var("KP_STACK_DIR"),
            var("KP_STACK_KUBECONFIG_ADMIN"),
            var("KP_STACK_KUBECONFIG_RESTRICTED"),
            var("KP_STACK_BIN"),
            text("KP_STACK_RUNTIME_NAMESPACE"),
            text("KP_STACK_ARTIFACT_SERVER"),
            var("KP_STACK_AUDIT_LOG"),
        ) {
            (
                Some(dir),
                Some(admin),
                Some(restricted),
                Some(bin),
                Some(runtime_namespace),
                Some(artifact_server),
                Some(audit_log),
            ) if admin.exists() => Some(Stack {
                dir,
                admin_kubeconfig: admin,
                restricted_kubeconfig: restricted,
                bin,
                runtime_namespace,
                artifact_server,
                audit_log,
            }),
            _ => None,
        }
    }

    /// The running stack; panics (fails the test) when there is none.
    pub fn get() -> Stack {
        match Self::find() {
            Some(stack) => stack,
            None => panic!(
                "the real stack is not running: run `eval \"$(KP_TESTENV_DIR=<dir> testenv/testenv.sh up --stack)\"` \
                 first, or use the README's test command (scripts/test)"
            ),
        }
    }

    pub fn kubectl(&self) -> PathBuf {
        self.bin.join("kubectl")
    }

    pub async fn admin(&self) -> Result<Client> {
        client_for(&self.admin_kubeconfig).await
    }

    pub async fn restricted(&self) -> Result<Client> {
        client_for(&self.restricted_kubeconfig).await
    }

    /// The log of one of the stack's processes (`kube-controller-manager`, `kube-scheduler`,
    /// `kwok`, `flux-operator`, `source-controller`, `kustomize-controller`, `apiserver`, `etcd`).
    pub fn log_of(&self, component: &str) -> PathBuf {
        self.dir.join(format!("{component}.log"))
    }

    /// Whether a component's process is still running (its PID file names a live process).
    pub fn is_running(&self, component: &str) -> bool {
        std::fs::read_to_string(self.dir.join(format!("{component}.pid")))
            .ok()
            .and_then(|pid| pid.trim().parse::<u32>().ok())
            .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists())
    }
}

/// The real stack for a test marked `#[ignore = "needs the test control plane: …"]`; the test
/// fails when it is not running.
#[macro_export]
macro_rules! require_stack {
    () => {
        $crate::stack::Stack::get()
    };
}

/// One poll of [`eventually`]: `Ok(Ok(value))` when done, `Ok(Err(state seen))` to keep waiting,
/// `Err` for an error (also retried, and shown if time runs out).
pub type Check<T> = Result<std::result::Result<T, String>>;

/// Polls `check` every 100 ms until it returns `Ok(Ok(value))`, and fails after `timeout` with the
/// last state `check` described (`Ok(Err(state))`, or the error it returned), so a failure says
/// what was seen, not only that time ran out.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Check<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        let last = match check().await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(state)) => state,
            Err(e) => format!("error: {e:#}"),
        };
        if Instant::now() >= deadline {
            bail!("{what}: not after {timeout:?}; last seen: {last}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A gzipped tarball of `files` (relative path, content), as Flux artifacts are, and its digest
/// in Flux's form (`sha256:<hex>`). Made with the system's `tar` and `sha256sum`.
pub fn tarball(files: &[(&str, &str)]) -> Result<(Vec<u8>, String)> {
    let dir = std::env::temp_dir().join(format!("kp-tarball-{:016x}", rand::random::<u64>()));
    let src = dir.join("src");
    let result = (|| {
        std::fs::create_dir_all(&src)?;
        for (path, content) in files {
            let file = src.join(path);
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&file, content)?;
        }
        let out = dir.join("artifact.tar.gz");
        let status = Command::new("tar")
            .arg("-czf")
            .arg(&out)
            .arg("-C")
            .arg(&src)
            .arg(".")
            .status()
            .context("run tar")?;
        if !status.success() {
            bail!("tar failed: {status}");
        }
        let sum = Command::new("sha256sum")
            .arg(&out)
            .output()
            .context("run sha256sum")?;
        let hex = String::from_utf8_lossy(&sum.stdout)
            .split_whitespace()
            .next()
            .map(str::to_string)
            .filter(|h| h.len() == 64)
            .context("sha256sum printed no digest")?;
        Ok((std::fs::read(&out)?, format!("sha256:{hex}")))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
