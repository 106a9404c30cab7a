//! Writing objects through the API server: the object first, then its `status` through the status
//! subresource, exactly as a controller would, so the CRD schema validates both.
use anyhow::{Context, Result, anyhow};
use kube::Client;
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::GroupVersionKind;
use serde_json::{Value, json};

/// The plural of the kinds fixtures use (no discovery round trip per object).
pub fn plural(kind: &str) -> String {
    match kind {
        "ResourceSetInputProvider" => "resourcesetinputproviders".into(),
        "ResourceSet" => "resourcesets".into(),
        "Ingress" => "ingresses".into(),
        "HTTPRoute" => "httproutes".into(),
        "Gateway" => "gateways".into(),
        "HelmRelease" => "helmreleases".into(),
        "GitRepository" => "gitrepositories".into(),
        "OCIRepository" => "ocirepositories".into(),
        "HelmRepository" => "helmrepositories".into(),
        "FluxReport" => "fluxreports".into(),
        "Kustomization" => "kustomizations".into(),
        "Namespace" => "namespaces".into(),
        "ClusterLogs" => "clusterlogs".into(),
        "Logs" => "logs".into(),
        "ClusterRole" => "clusterroles".into(),
        "ClusterRoleBinding" => "clusterrolebindings".into(),
        other => format!("{}s", other.to_lowercase()),
    }
}

pub fn api_resource(api_version: &str, kind: &str) -> ApiResource {
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), &plural(kind))
}

fn api_for(client: &Client, obj: &Value) -> Result<(Api<DynamicObject>, String)> {
    let api_version = obj["apiVersion"]
        .as_str()
        .context("object without apiVersion")?;
    let kind = obj["kind"].as_str().context("object without kind")?;
    let name = obj["metadata"]["name"]
        .as_str()
        .context("object without metadata.name")?
        .to_string();
    let ar = api_resource(api_version, kind);
    let api = match obj["metadata"]["namespace"].as_str() {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    };
    Ok((api, name))
}

/// Creates the object, then writes its `status` (if any) through the status subresource.
/// A `metadata.generation` in the input is ignored (the server sets it).
pub async fn create(client: &Client, obj: &Value) -> Result<DynamicObject> {
    let (api, name) = api_for(client, obj)?;
    let mut body = obj.clone();
    let status = body.as_object_mut().and_then(|o| o.remove("status"));
    let dynamic: DynamicObject = serde_json::from_value(body)?;
    let created = api
        .create(&PostParams::default(), &dynamic)
        .await
        .with_context(|| format!("create {} {name}", obj["kind"]))?;
    match status {
        Some(status) => set_status(client, obj, status).await,
        None => Ok(created),
    }
}

/// Replaces the object's status (merge patch of `status` on the status subresource).
pub async fn set_status(client: &Client, obj: &Value, status: Value) -> Result<DynamicObject> {
    let (api, name) = api_for(client, obj)?;
    api.patch_status(
        &name,
        &PatchParams::default(),
        &Patch::Merge(json!({ "status": status })),
    )
    .await
    .with_context(|| format!("write status of {} {name}", obj["kind"]))
}

/// Creates every object concurrently in groups (objects of one group do not depend on each other).
pub async fn create_all(client: &Client, objects: &[Value]) -> Result<()> {
    use futures::stream::{self, TryStreamExt};
    stream::iter(objects.iter().map(Ok::<_, anyhow::Error>))
        .try_for_each_concurrent(
            16,
            |obj| async move { create(client, obj).await.map(|_| ()) },
        )
        .await
}

/// A namespace with a random name (tests never share state).
pub async fn namespace(client: &Client, prefix: &str) -> Result<String> {
    let name = format!("{prefix}-{:08x}", rand::random::<u32>());
    create(
        client,
        &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
    )
    .await?;
    Ok(name)
}

pub async fn delete(client: &Client, obj: &Value) -> Result<()> {
    let (api, name) = api_for(client, obj)?;
    api.delete(&name, &DeleteParams::default())
        .await
        .map(|_| ())
        .map_err(|e| anyhow!("delete {} {name}: {e}", obj["kind"]))
}
