//! Connecting to the API server exactly as kubectl would: kubeconfig loading and merging,
//! context/cluster/user overrides, impersonation, timeouts and TLS options.
use std::path::PathBuf;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::error::{Error, Result};

/// Served API groups and the versions each serves.
pub type Groups = std::collections::BTreeMap<String, Vec<String>>;

/// A connected client plus what error messages and scoping need to know about it.
#[derive(Clone)]
pub struct Session {
    /// For ordinary requests: `--request-timeout` bounds each of them.
    pub client: Client,
    /// For watches, which stay open for minutes with nothing to read: the same connection and
    /// authentication, without a read timeout. kube's watcher closes and re-opens a watch that
    /// stays silent beyond its server-side timeout (290 s plus a margin), and the command's own
    /// `--timeout` bounds the wait; `--request-timeout` still bounds connecting and writing.
    pub watch_client: Client,
    pub context: String,
    pub server: String,
    /// The namespace in scope: `-n`, else the context's, else `default`.
    pub namespace: String,
    pub all_namespaces: bool,
    /// The served API groups, once discovery has run (at most once per run, shared by clones).
    pub discovery: std::sync::Arc<tokio::sync::OnceCell<Option<Groups>>>,
}

impl Session {
    /// `None` means every namespace.
    pub fn scope(&self) -> Option<&str> {
        (!self.all_namespaces).then_some(self.namespace.as_str())
    }

    pub fn scope_label(&self) -> String {
        match self.scope() {
            Some(ns) => format!("namespace {ns}"),
            None => "all namespaces".to_string(),
        }
    }

    /// Turns a kube error into one that names the action, the context and the server.
    pub fn error(&self, action: impl Into<String>, err: kube::Error) -> Error {
        classify(&self.context, &self.server, action.into(), err)
    }
}

/// kubectl reads only `--kubeconfig` when given; otherwise every file of `KUBECONFIG`
/// (missing ones skipped, first value wins), otherwise `~/.kube/config`.
pub fn load_kubeconfig(explicit: Option<&PathBuf>) -> Result<Kubeconfig> {
    if let Some(path) = explicit {
        return Kubeconfig::read_from(path)
            .map_err(|e| Error::Kubeconfig(format!("{}: {e}", path.display())));
    }
    if let Some(value) = std::env::var_os("KUBECONFIG") {
        let paths: Vec<PathBuf> = std::env::split_paths(&value)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        if !paths.is_empty() {
            let mut merged: Option<Kubeconfig> = None;
            for path in paths.iter().filter(|p| p.exists()) {
                let next = Kubeconfig::read_from(path)
                    .map_err(|e| Error::Kubeconfig(format!("{}: {e}", path.display())))?;
                merged = Some(match merged {
                    None => next,
                    Some(m) => m
                        .merge(next)
                        .map_err(|e| Error::Kubeconfig(format!("{}: {e}", path.display())))?,
                });
            }
            return merged.ok_or_else(|| {
                Error::Kubeconfig(format!(
                    "none of the files in KUBECONFIG exist ({})",
                    value.to_string_lossy()
                ))
            });
        }
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).ok_or_else(|| {
        Error::Kubeconfig("no KUBECONFIG and no HOME to find ~/.kube/config".into())
    })?;
    let path = home.join(".kube").join("config");
    Kubeconfig::read_from(&path).map_err(|e| Error::Kubeconfig(format!("{}: {e}", path.display())))
}

/// How to connect, as kubectl's global flags say (the command line fills it: `cli::GlobalArgs`).
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub kubeconfig: Option<std::path::PathBuf>,
    pub context: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub namespace: Option<String>,
    pub all_namespaces: bool,
    pub as_user: Option<String>,
    pub as_group: Vec<String>,
    pub request_timeout: std::time::Duration,
    pub insecure_skip_tls_verify: bool,
    pub tls_server_name: Option<String>,
    /// kubectl's `-s/--server`, `--token`, `--certificate-authority`, `--client-certificate`,
    /// `--client-key`: they override the context's cluster and user.
    pub server: Option<String>,
    pub token: Option<String>,
    pub certificate_authority: Option<std::path::PathBuf>,
    pub client_certificate: Option<std::path::PathBuf>,
    pub client_key: Option<std::path::PathBuf>,
    pub as_uid: Option<String>,
    pub disable_compression: bool,
    /// kubectl's `-v`: 6 and above log requests (`cluster::verbose`).
    pub verbosity: u8,
}

/// Applies the flags that override the selected context's cluster and user, as kubectl does.
/// Without a kubeconfig, `--server` alone is enough: a context is made from the flags.
fn apply_overrides(kubeconfig: &mut Kubeconfig, context: &str, global: &ConnectOptions) {
    use kube::config::{AuthInfo, Cluster, Context, NamedAuthInfo, NamedCluster, NamedContext};
    let overrides = global.server.is_some()
        || global.token.is_some()
        || global.certificate_authority.is_some()
        || global.client_certificate.is_some()
        || global.client_key.is_some();
    if !overrides {
        return;
    }
    let (cluster_name, user_name) = match kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
    {
        Some(c) => (
            global.cluster.clone().unwrap_or_else(|| c.cluster.clone()),
            global
                .user
                .clone()
                .or_else(|| c.user.clone())
                .unwrap_or_default(),
        ),
        None => (String::new(), String::new()),
    };
    if !kubeconfig.clusters.iter().any(|c| c.name == cluster_name) {
        kubeconfig.clusters.push(NamedCluster {
            name: cluster_name.clone(),
            cluster: Some(Cluster::default()),
            other: Default::default(),
        });
    }
    if !kubeconfig.auth_infos.iter().any(|a| a.name == user_name) {
        kubeconfig.auth_infos.push(NamedAuthInfo {
            name: user_name.clone(),
            auth_info: Some(AuthInfo::default()),
            other: Default::default(),
        });
    }
    if !kubeconfig.contexts.iter().any(|c| c.name == context) {
        kubeconfig.contexts.push(NamedContext {
            name: context.to_string(),
            context: Some(Context {
                cluster: cluster_name.clone(),
                user: Some(user_name.clone()),
                ..Default::default()
            }),
            other: Default::default(),
        });
    }
    let path = |p: &std::path::PathBuf| p.to_string_lossy().into_owned();
    if let Some(cluster) = kubeconfig
        .clusters
        .iter_mut()
        .find(|c| c.name == cluster_name)
        .and_then(|c| c.cluster.as_mut())
    {
        if let Some(server) = &global.server {
            cluster.server = Some(server.clone());
        }
        if let Some(ca) = &global.certificate_authority {
            cluster.certificate_authority = Some(path(ca));
            cluster.certificate_authority_data = None;
        }
    }
    if let Some(user) = kubeconfig
        .auth_infos
        .iter_mut()
        .find(|a| a.name == user_name)
        .and_then(|a| a.auth_info.as_mut())
    {
        if let Some(token) = &global.token {
            // The token replaces every other way the user had to authenticate.
            *user = AuthInfo {
                token: Some(token.clone().into()),
                ..Default::default()
            };
        }
        if let Some(cert) = &global.client_certificate {
            user.client_certificate = Some(path(cert));
            user.client_certificate_data = None;
        }
        if let Some(key) = &global.client_key {
            user.client_key = Some(path(key));
            user.client_key_data = None;
        }
    }
}

/// The kube client configuration and the context name it came from.
pub async fn config_from_flags(global: &ConnectOptions) -> Result<(Config, String)> {
    let mut kubeconfig = match load_kubeconfig(global.kubeconfig.as_ref()) {
        // kubectl needs no kubeconfig when the flags say where and who.
        Err(_) if global.server.is_some() && global.kubeconfig.is_none() => Kubeconfig::default(),
        other => other?,
    };
    let mut context = global
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone())
        .unwrap_or_default();
    if context.is_empty() && global.server.is_some() {
        context = "command-line".to_string();
        kubeconfig.current_context = Some(context.clone());
    }
    apply_overrides(&mut kubeconfig, &context, global);
    if context.is_empty() && global.cluster.is_none() {
        return Err(Error::Kubeconfig(
            "no current context is set; pass --context".into(),
        ));
    }
    if !context.is_empty() && !kubeconfig.contexts.iter().any(|c| c.name == context) {
        let known: Vec<&str> = kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        return Err(Error::Kubeconfig(format!(
            "context {context:?} does not exist (known: {})",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    let options = KubeConfigOptions {
        context: global.context.clone(),
        cluster: global.cluster.clone(),
        user: global.user.clone(),
    };
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| Error::Kubeconfig(format!("context {context:?}: {e}")))?;
    if let Some(user) = &global.as_user {
        config.auth_info.impersonate = Some(user.clone());
    }
    if let Some(uid) = &global.as_uid {
        if global.as_user.is_none() {
            return Err(Error::Usage(
                "--as-uid requires --as (the API server impersonates a user's UID)".into(),
            ));
        }
        config.auth_info.impersonate_uid = Some(uid.clone());
    }
    if global.disable_compression {
        config.disable_compression = true;
    }
    if !global.as_group.is_empty() {
        if global.as_user.is_none() {
            return Err(Error::Usage(
                "--as-group requires --as (the API server impersonates groups of a user)".into(),
            ));
        }
        config.auth_info.impersonate_groups = Some(global.as_group.clone());
    }
    if !global.request_timeout.is_zero() {
        config.connect_timeout = Some(global.request_timeout);
        config.read_timeout = Some(global.request_timeout);
        config.write_timeout = Some(global.request_timeout);
        config.reset_reader_on_write = true;
    }
    if global.insecure_skip_tls_verify {
        config.accept_invalid_certs = true;
        config.root_cert = None;
    }
    if let Some(name) = &global.tls_server_name {
        config.tls_server_name = Some(name.clone());
    }
    if let Some(ns) = &global.namespace {
        // It becomes part of request paths: only a namespace name may.
        if !crate::model::reference::is_namespace_name(ns) {
            return Err(Error::Usage(format!(
                "invalid namespace {:?}: a namespace name is at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
                crate::sanitize::line(ns)
            )));
        }
        config.default_namespace = ns.clone();
    }
    Ok((config, context))
}

/// Builds a client from the flags. Nothing is sent to the server yet.
pub async fn connect(global: &ConnectOptions) -> Result<Session> {
    let (config, context) = config_from_flags(global).await?;
    let server = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    let namespace = config.default_namespace.clone();
    // kube's client builder panics on a bearer token that is not a valid HTTP header value (a
    // newline in the kubeconfig, say): refuse it as the bad kubeconfig it is.
    if let Some(token) = &config.auth_info.token {
        use secrecy::ExposeSecret;
        if http::HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).is_err() {
            return Err(Error::Kubeconfig(format!(
                "context {context:?}: the user's token is not a valid HTTP header value (control characters?)"
            )));
        }
    }
    let mut watch_config = config.clone();
    watch_config.read_timeout = None;
    let build = |config: kube::Config| -> Result<Client> {
        let builder = kube::client::ClientBuilder::try_from(config)
            .map_err(|e| Error::Kubeconfig(format!("context {context:?}: {e}")))?;
        Ok(if global.verbosity >= 6 {
            builder
                .with_layer(&crate::cluster::verbose::RequestLog {
                    level: global.verbosity,
                    server: server.clone(),
                })
                .build()
        } else {
            builder.build()
        })
    };
    let client = build(config)?;
    let watch_client = build(watch_config)?;
    Ok(Session {
        client,
        watch_client,
        context,
        server,
        namespace,
        all_namespaces: global.all_namespaces,
        discovery: Default::default(),
    })
}

/// Maps transport and auth failures to the one-line errors of the spec; everything else keeps
/// the action it interrupted.
pub fn classify(context: &str, server: &str, action: String, err: kube::Error) -> Error {
    match &err {
        kube::Error::Api(status) if status.code == 401 => Error::Unauthorized {
            context: context.into(),
            server: server.into(),
            reason: status.message.clone(),
        },
        kube::Error::HyperError(_) | kube::Error::Service(_) => Error::Unreachable {
            context: context.into(),
            server: server.into(),
            reason: root_cause(&err),
        },
        kube::Error::Auth(_) => Error::Unauthorized {
            context: context.into(),
            server: server.into(),
            reason: root_cause(&err),
        },
        _ => Error::Kube {
            action,
            source: err,
        },
    }
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    // The deepest cause is the one a person can act on (connection refused, timed out, …).
    let last = parts.pop().unwrap_or_default();
    if last.to_lowercase().contains("elapsed") || last.to_lowercase().contains("timed out") {
        return "request timed out".to_string();
    }
    last
}
