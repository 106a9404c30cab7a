//! Finding the local control plane. A test that needs it is marked
//! `#[ignore = "needs the test control plane: …"]`, so a plain `cargo test` reports it as ignored;
//! `scripts/test` starts the control plane and runs them with `--include-ignored`. A test that runs
//! and finds no control plane fails: it is never counted as passed with nothing checked.
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
    /// The running control plane, from the variables `testenv.sh up` prints; `None` when there is
    /// none.
    pub fn find() -> Option<TestEnv> {
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
            _ => None,
        }
    }

    /// The running control plane; panics (fails the test) when there is none.
    pub fn get() -> TestEnv {
        match Self::find() {
            Some(env) => env,
            None => panic!(
                "the test control plane is not running: run `eval \"$(testenv/testenv.sh up)\"` first, \
                 or use the README's test command (scripts/test)"
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

/// The control plane for a test marked `#[ignore = "needs the test control plane: …"]`; the test
/// fails when none is running.
#[macro_export]
macro_rules! require_cluster {
    () => {
        $crate::TestEnv::get()
    };
}
