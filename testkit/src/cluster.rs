//! Finding the local control plane. Under `CI=true` a missing control plane is a test failure,
//! never a silent skip.
use std::path::PathBuf;

use anyhow::{Context, Result};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

#[derive(Debug, Clone)]
pub struct TestEnv {
    pub admin_kubeconfig: PathBuf,
    pub restricted_kubeconfig: PathBuf,
    /// Directory with the kubectl built for the control plane.
    pub bin: PathBuf,
}

impl TestEnv {
    /// The running control plane, from the variables `testenv.sh up` prints.
    /// Returns `None` (after saying so on stderr) outside CI; panics under `CI=true`.
    pub fn get() -> Option<TestEnv> {
        let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
        match (
            var("KP_TEST_KUBECONFIG_ADMIN"),
            var("KP_TEST_KUBECONFIG_RESTRICTED"),
            var("KP_TEST_BIN"),
        ) {
            (Some(admin), Some(restricted), Some(bin)) if admin.exists() => Some(TestEnv {
                admin_kubeconfig: admin,
                restricted_kubeconfig: restricted,
                bin,
            }),
            _ => {
                let msg = "the test control plane is not running: run `eval \"$(testenv/testenv.sh up)\"` first, \
                           or use the README's test command";
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("{msg}");
                }
                eprintln!("SKIPPED (no cluster): {msg}");
                None
            }
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

    /// The API server URL of the control plane.
    pub fn server(&self) -> Result<String> {
        let cfg = Kubeconfig::read_from(&self.admin_kubeconfig)?;
        cfg.clusters
            .first()
            .and_then(|c| c.cluster.as_ref())
            .and_then(|c| c.server.clone())
            .context("admin kubeconfig has no server")
    }
}

pub async fn client_for(path: &PathBuf) -> Result<Client> {
    let kubeconfig = Kubeconfig::read_from(path)?;
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    Ok(Client::try_from(config)?)
}

/// Skips the calling test (outside CI) when no control plane is running.
#[macro_export]
macro_rules! require_cluster {
    () => {
        match $crate::TestEnv::get() {
            Some(env) => env,
            None => return,
        }
    };
}
