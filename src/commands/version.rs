//! `version`: the plugin's version and, when a cluster is reachable, the server's version and
//! which Flux APIs it serves.
use std::process::ExitCode;

use kube::api::{Api, DynamicObject, ListParams};
use serde::Serialize;

use crate::cli::{GlobalArgs, VersionArgs, VersionOutput};
use crate::cluster::client::{self, Session};
use crate::error::Result;
use crate::model::flux;
use crate::ui::output;

pub const PLUGIN_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionReport {
    pub plugin: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerInfo>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    pub context: String,
    pub url: String,
    pub version: String,
    pub flux_operator: ApiInfo,
    /// The Flux Operator's own version, from its FluxReport when one is readable.
    pub flux_operator_version: Option<String>,
    pub kustomize: ApiInfo,
    pub helm: ApiInfo,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiInfo {
    pub group: String,
    /// Versions the server serves for the group, preferred first; empty when not served.
    pub versions: Vec<String>,
    /// For the Flux Operator: the preview kinds found in `fluxcd.controlplane.io/v1`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
    pub served: bool,
}

pub async fn run(global: &GlobalArgs, args: &VersionArgs) -> Result<ExitCode> {
    if args.client {
        print(
            &VersionReport {
                plugin: PLUGIN_VERSION.into(),
                server: None,
            },
            args.output,
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let server = match client::connect(&global.into()).await {
        Ok(session) => server_info(&session).await,
        Err(e) => Err(e),
    };
    match server {
        Ok(info) => {
            print(
                &VersionReport {
                    plugin: PLUGIN_VERSION.into(),
                    server: Some(info),
                },
                args.output,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            // Like `kubectl version`: the client part still prints, then the error, exit 1.
            if args.output == VersionOutput::Text {
                crate::safe_println!("Plugin Version: v{PLUGIN_VERSION}");
            }
            Err(e)
        }
    }
}

async fn server_info(session: &Session) -> Result<ServerInfo> {
    let client = &session.client;
    let (version, groups) = futures::join!(client.apiserver_version(), client.list_api_groups());
    let version = version.map_err(|e| session.error("read the server version", e))?;
    let groups = groups.map_err(|e| session.error("list API groups", e))?;
    let versions_of = |group: &str| -> Vec<String> {
        groups
            .groups
            .iter()
            .find(|g| g.name == group)
            .map(|g| {
                let preferred = g.preferred_version.as_ref().map(|p| p.version.clone());
                let mut v: Vec<String> = g.versions.iter().map(|v| v.version.clone()).collect();
                if let Some(p) = preferred {
                    v.retain(|x| *x != p);
                    v.insert(0, p);
                }
                v
            })
            .unwrap_or_default()
    };
    let op_versions = versions_of(flux::FLUX_OPERATOR_GROUP);
    let mut kinds = Vec::new();
    let mut operator_version = None;
    if op_versions.iter().any(|v| v == "v1") {
        let gv = format!("{}/v1", flux::FLUX_OPERATOR_GROUP);
        let resources = client
            .list_api_group_resources(&gv)
            .await
            .map_err(|e| session.error(format!("list the resources of {gv}"), e))?;
        for r in &resources.resources {
            if !r.name.contains('/') {
                kinds.push(r.kind.clone());
            }
        }
        if kinds.iter().any(|k| k == "FluxReport") {
            operator_version = read_operator_version(session).await;
        }
    }
    let preview_kinds = ["ResourceSet", "ResourceSetInputProvider"];
    let served = preview_kinds.iter().all(|k| kinds.iter().any(|x| x == k));
    kinds.retain(|k| preview_kinds.contains(&k.as_str()));
    kinds.sort();
    let api = |group: &str| {
        let versions = versions_of(group);
        ApiInfo {
            group: group.into(),
            served: !versions.is_empty(),
            versions,
            kinds: vec![],
        }
    };
    Ok(ServerInfo {
        context: session.context.clone(),
        url: session.server.clone(),
        version: version.git_version,
        flux_operator: ApiInfo {
            group: flux::FLUX_OPERATOR_GROUP.into(),
            versions: op_versions,
            kinds,
            served,
        },
        flux_operator_version: operator_version,
        kustomize: api(flux::KUSTOMIZE_GROUP),
        helm: api(flux::HELM_GROUP),
    })
}

/// The operator reports its version in `FluxReport.spec.operator.version`; not being allowed to
/// read it is not an error for `version`.
async fn read_operator_version(session: &Session) -> Option<String> {
    let api: Api<DynamicObject> = Api::all_with(
        session.client.clone(),
        &crate::model::kinds::of(flux::FLUX_OPERATOR_GROUP, "FluxReport").resource(""),
    );
    let list = api.list(&ListParams::default().limit(5)).await.ok()?;
    list.items.iter().find_map(|r| {
        r.data
            .pointer("/spec/operator/version")
            .and_then(|v| v.as_str())
            .map(str::to_string)
    })
}

fn print(report: &VersionReport, format: VersionOutput) -> Result<()> {
    match format {
        VersionOutput::Json => output::print_json(report),
        VersionOutput::Text => {
            crate::safe_println!("Plugin Version: v{}", report.plugin);
            if let Some(s) = &report.server {
                crate::safe_println!(
                    "Server Version: {} ({}, context {})",
                    s.version,
                    s.url,
                    s.context
                );
                crate::safe_println!("Flux Operator API: {}", describe_api(&s.flux_operator));
                crate::safe_println!(
                    "Flux Operator Version: {}",
                    s.flux_operator_version
                        .as_deref()
                        .unwrap_or("unknown (no readable FluxReport)")
                );
                crate::safe_println!("Flux Kustomize API: {}", describe_api(&s.kustomize));
                crate::safe_println!("Flux Helm API: {}", describe_api(&s.helm));
            }
            Ok(())
        }
    }
}

fn describe_api(api: &ApiInfo) -> String {
    if !api.served {
        if api.kinds.is_empty() && api.versions.is_empty() {
            return format!("{} not served", api.group);
        }
        return format!(
            "{}/v1 served without ResourceSet and ResourceSetInputProvider",
            api.group
        );
    }
    let mut text = format!("{}/{}", api.group, api.versions[0]);
    if !api.kinds.is_empty() {
        text.push_str(&format!(" ({})", api.kinds.join(", ")));
    }
    text
}
