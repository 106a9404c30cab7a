//! Asking Flux to act now, and knowing when it has: a JSON merge patch of the
//! `reconcile.fluxcd.io/requestedAt` annotation (plus `forceAt` for providers) with a fresh
//! RFC3339Nano value under the field manager `preview-cli`; handled when
//! `status.lastHandledReconcileAt` equals it, then Ready at the object's generation decides.
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::runtime::watcher;
use serde_json::json;

use crate::cluster::client::Session;
use crate::error::{Error, Result};
use crate::model::flux::{FIELD_MANAGER, FORCE_AT_ANNOTATION, REQUESTED_AT_ANNOTATION};
use crate::model::inventory::ObjectRef;
use crate::model::objects::Reconcilable;
use crate::model::reconcile::{Handled, handled};

/// An object to drive, with its API resource.
#[derive(Debug, Clone)]
pub struct Target {
    pub reference: ObjectRef,
    pub resource: ApiResource,
}

impl Target {
    pub fn new(
        group: &str,
        version: &str,
        kind: &str,
        plural: &str,
        namespace: &str,
        name: &str,
    ) -> Target {
        Target {
            reference: ObjectRef::new(group, kind, namespace, name),
            resource: ApiResource::from_gvk_with_plural(
                &GroupVersionKind::gvk(group, version, kind),
                plural,
            ),
        }
    }

    /// A ResourceSetInputProvider, to refresh.
    pub fn provider(namespace: &str, name: &str) -> Target {
        Self::from_table(
            crate::model::flux::FLUX_OPERATOR_GROUP,
            "ResourceSetInputProvider",
            namespace,
            name,
        )
    }

    /// A ResourceSet, to reconcile.
    pub fn resource_set(namespace: &str, name: &str) -> Target {
        Self::from_table(
            crate::model::flux::FLUX_OPERATOR_GROUP,
            "ResourceSet",
            namespace,
            name,
        )
    }

    fn from_table(group: &str, kind: &str, namespace: &str, name: &str) -> Target {
        let api = crate::model::kinds::of(group, kind);
        Target::new(group, api.preferred(), kind, api.plural, namespace, name)
    }

    /// The Flux kinds this tool triggers, from an inventory reference.
    pub fn of(r: &ObjectRef) -> Option<Target> {
        let api = crate::model::kinds::find(&r.group, &r.kind).filter(|a| a.reconcilable)?;
        // An inventory entry names the version its applier used; on an older Flux that is the
        // one served (HelmRelease v2beta2). Only a version the table knows is taken: the entry is
        // cluster data, and it goes into a request path.
        let version = if api.versions.contains(&r.version.as_str()) {
            r.version.as_str()
        } else {
            api.preferred()
        };
        Some(Target::new(
            &r.group,
            version,
            &r.kind,
            api.plural,
            &r.namespace,
            &r.name,
        ))
    }

    pub fn api(&self, session: &Session) -> Api<DynamicObject> {
        Api::namespaced_with(
            session.client.clone(),
            &self.reference.namespace,
            &self.resource,
        )
    }

    /// `resourcesets.fluxcd.controlplane.io`, as RBAC and kubectl name it.
    pub fn resource_name(&self) -> String {
        if self.resource.group.is_empty() {
            self.resource.plural.clone()
        } else {
            format!("{}.{}", self.resource.plural, self.resource.group)
        }
    }
}

/// A fresh RFC3339Nano timestamp: identical values would not trigger anything.
pub fn token() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.9fZ")
        .to_string()
}

/// Checks, before changing anything, that every (verb, target) is allowed; the first that is not
/// becomes the error, naming the verb, resource and namespace.
pub async fn preflight(session: &Session, verb: &str, targets: &[&Target]) -> Result<()> {
    let api: Api<SelfSubjectAccessReview> = Api::all(session.client.clone());
    let mut seen = std::collections::BTreeSet::new();
    for t in targets {
        let key = (t.resource_name(), t.reference.namespace.clone());
        if !seen.insert(key) {
            continue;
        }
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(verb.into()),
                    group: Some(t.resource.group.clone()),
                    resource: Some(t.resource.plural.clone()),
                    namespace: Some(t.reference.namespace.clone()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let answer = api
            .create(&Default::default(), &review)
            .await
            .map_err(|e| {
                session.error(
                    format!("check whether {verb} {} is allowed", t.resource_name()),
                    e,
                )
            })?;
        if !answer.status.is_some_and(|s| s.allowed) {
            return Err(Error::Forbidden {
                verb: verb.into(),
                resource: t.resource_name(),
                scope: format!("namespace {}", t.reference.namespace),
                message: "nothing was changed".into(),
            });
        }
    }
    Ok(())
}

fn write_error(session: &Session, verb: &str, target: &Target, err: kube::Error) -> Error {
    match &err {
        kube::Error::Api(s) if s.code == 403 => Error::Forbidden {
            verb: verb.into(),
            resource: target.resource_name(),
            scope: format!("namespace {}", target.reference.namespace),
            message: s.message.clone(),
        },
        _ => session.error(format!("{verb} {}", target.reference), err),
    }
}

/// Patches only the trigger annotations.
pub async fn request(session: &Session, target: &Target, token: &str, force: bool) -> Result<()> {
    let mut annotations = serde_json::Map::new();
    annotations.insert(REQUESTED_AT_ANNOTATION.into(), json!(token));
    if force {
        annotations.insert(FORCE_AT_ANNOTATION.into(), json!(token));
    }
    let patch = json!({"metadata": {"annotations": annotations}});
    let params = PatchParams {
        field_manager: Some(FIELD_MANAGER.into()),
        ..Default::default()
    };
    target
        .api(session)
        .patch(&target.reference.name, &params, &Patch::Merge(&patch))
        .await
        .map(|_| ())
        .map_err(|e| write_error(session, "patch", target, e))
}

/// Where waits report what they see: a line per event, a task per object (the terminal UI's
/// progress implements it; the cluster layer does not draw).
pub trait Report {
    fn line(&self, text: &str);
    fn task(&self, label: String, message: &str) -> Box<dyn TaskReport>;
}

/// One object being waited for.
pub trait TaskReport {
    fn message(&self, message: &str);
    fn ok(self: Box<Self>, message: &str);
    fn fail(self: Box<Self>, message: &str);
}

/// Watches one object until `handled` is final, the timeout passes, or Ctrl-C.
pub async fn wait(
    session: &Session,
    target: &Target,
    token: Option<&str>,
    deadline: tokio::time::Instant,
    progress: &dyn Report,
) -> Result<String> {
    let label = target.reference.to_string();
    let task = progress.task(label.clone(), "waiting for the controller");
    // A watch may stay silent for long: the watch client has no read timeout.
    let api: Api<Reconcilable> = Api::namespaced_with(
        session.watch_client.clone(),
        &target.reference.namespace,
        &target.resource,
    );
    let mut stream = watcher::watch_object(api, &target.reference.name).boxed();
    let mut last = String::from("waiting for the controller");
    let outcome: Result<String> = loop {
        let next = tokio::select! {
            _ = tokio::signal::ctrl_c() => break Err(Error::Other(format!("interrupted while waiting for {label}"))),
            _ = tokio::time::sleep_until(deadline) => break Err(Error::Other(format!("timed out waiting for {label}: {last}"))),
            next = stream.next() => next,
        };
        let obj = match next {
            Some(Ok(Some(o))) => o,
            Some(Ok(None)) => {
                break Err(Error::Other(format!("{label} was deleted while waiting")));
            }
            Some(Err(
                watcher::Error::InitialListFailed(kube::Error::Api(s))
                | watcher::Error::WatchFailed(kube::Error::Api(s)),
            )) if s.code == 403 => {
                break Err(Error::Forbidden {
                    verb: "watch".into(),
                    resource: target.resource_name(),
                    scope: format!("namespace {}", target.reference.namespace),
                    message: s.message.clone(),
                });
            }
            Some(Err(e)) => {
                last = format!("watch interrupted: {e}");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
            None => break Err(Error::Other(format!("the watch of {label} ended"))),
        };
        match handled(&obj, token) {
            Handled::NotYet(why) => {
                task.message(&why);
                last = why;
            }
            Handled::Ready(msg) => break Ok(msg),
            Handled::Failed(msg) => break Err(Error::Other(format!("{label}: {msg}"))),
            Handled::Disabled => {
                break Err(Error::Other(format!(
                    "reconciliation is disabled for {label}"
                )));
            }
        }
    };
    match &outcome {
        Ok(msg) => task.ok(&format!(
            "Ready{}",
            if msg.is_empty() {
                String::new()
            } else {
                format!(": {msg}")
            }
        )),
        Err(e) => task.fail(&e.one_line()),
    }
    outcome
}

/// Requests every target (with `forceAt` when `force`: a provider refresh), then, with a
/// `deadline`, waits for all of them concurrently. Outcomes come in target order; none without a
/// deadline. A failed request (forbidden, unreachable) is the error.
pub async fn trigger_all(
    session: &Session,
    targets: &[Target],
    force: bool,
    deadline: Option<tokio::time::Instant>,
    progress: &dyn Report,
) -> Result<Vec<Result<String>>> {
    let mut tokens = Vec::new();
    for t in targets {
        let token = token();
        request(session, t, &token, force).await?;
        progress.line(&format!(
            "► {} requested for {}",
            if force { "refresh" } else { "reconcile" },
            t.reference
        ));
        tokens.push(token);
    }
    let Some(deadline) = deadline else {
        return Ok(Vec::new());
    };
    let waits = targets
        .iter()
        .zip(&tokens)
        .map(|(t, token)| wait(session, t, Some(token), deadline, progress));
    Ok(futures::future::join_all(waits).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_versions_are_used_only_when_the_table_knows_them() {
        // An inventory entry's version is used only when the table knows it.
        let mut r = ObjectRef::new("helm.toolkit.fluxcd.io", "HelmRelease", "app", "x");
        r.version = "v2beta2".into();
        assert_eq!(Target::of(&r).unwrap().resource.version, "v2beta2");
        r.version = "v2/namespaces/kube-system/helmreleases/victim?x=".into();
        assert_eq!(Target::of(&r).unwrap().resource.version, "v2");
    }

    #[test]
    fn tokens_are_rfc3339_nano_and_fresh() {
        let a = token();
        assert!(a.ends_with('Z') && a.len() == 30, "{a}");
        assert!(a.parse::<jiff::Timestamp>().is_ok());
        std::thread::sleep(Duration::from_millis(1));
        assert_ne!(a, token());
    }
}
