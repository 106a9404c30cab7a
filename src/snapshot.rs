//! Fetching: one LIST per kind per scope, all issued concurrently, into a snapshot of typed
//! objects. Kinds whose API is not served are skipped; forbidden reads are recorded, not fatal.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::client::Session;
use crate::error::Result;
use crate::objects::{FluxObject, Object, Provider, ResourceSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Provider,
    ResourceSet,
    Kustomization,
    HelmRelease,
    Ingress,
    HttpRoute,
    Service,
    Deployment,
    StatefulSet,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Provider,
        Kind::ResourceSet,
        Kind::Kustomization,
        Kind::HelmRelease,
        Kind::Ingress,
        Kind::HttpRoute,
        Kind::Service,
        Kind::Deployment,
        Kind::StatefulSet,
    ];

    /// (group, version, plural)
    pub fn api(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Kind::Provider => ("fluxcd.controlplane.io", "v1", "resourcesetinputproviders"),
            Kind::ResourceSet => ("fluxcd.controlplane.io", "v1", "resourcesets"),
            Kind::Kustomization => ("kustomize.toolkit.fluxcd.io", "v1", "kustomizations"),
            Kind::HelmRelease => ("helm.toolkit.fluxcd.io", "v2", "helmreleases"),
            Kind::Ingress => ("networking.k8s.io", "v1", "ingresses"),
            Kind::HttpRoute => ("gateway.networking.k8s.io", "v1", "httproutes"),
            Kind::Service => ("", "v1", "services"),
            Kind::Deployment => ("apps", "v1", "deployments"),
            Kind::StatefulSet => ("apps", "v1", "statefulsets"),
        }
    }

    pub fn kind_name(self) -> &'static str {
        match self {
            Kind::Provider => "ResourceSetInputProvider",
            Kind::ResourceSet => "ResourceSet",
            Kind::Kustomization => "Kustomization",
            Kind::HelmRelease => "HelmRelease",
            Kind::Ingress => "Ingress",
            Kind::HttpRoute => "HTTPRoute",
            Kind::Service => "Service",
            Kind::Deployment => "Deployment",
            Kind::StatefulSet => "StatefulSet",
        }
    }

    pub fn of(group: &str, kind: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.api().0 == group && k.kind_name() == kind)
    }

    /// The collection URL for a scope (`None`: all namespaces).
    pub fn list_path(self, namespace: Option<&str>) -> String {
        let (group, version, plural) = self.api();
        let base = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{group}/{version}")
        };
        match namespace {
            Some(ns) => format!("{base}/namespaces/{ns}/{plural}"),
            None => format!("{base}/{plural}"),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (group, _, plural) = self.api();
        if group.is_empty() {
            write!(f, "{plural}")
        } else {
            write!(f, "{plural}.{group}")
        }
    }
}

/// A read that did not return objects, for one kind in one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadProblem {
    pub kind: Kind,
    /// `None`: the cluster scope (`-A`).
    pub namespace: Option<String>,
    pub forbidden: bool,
    pub message: String,
}

impl ReadProblem {
    pub fn warning(&self) -> String {
        let scope = match &self.namespace {
            Some(ns) => format!("in namespace {ns}"),
            None => "at the cluster scope".to_string(),
        };
        if self.forbidden {
            format!(
                "cannot list {} {scope} (forbidden); affected columns show <forbidden>",
                self.kind
            )
        } else {
            format!("cannot list {} {scope}: {}", self.kind, self.message)
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// `None`: all namespaces.
    pub scope: Option<String>,
    pub providers: Vec<Provider>,
    pub resource_sets: Vec<ResourceSet>,
    /// Kustomizations and HelmReleases (with `kind` set).
    pub flux: Vec<FluxObject>,
    pub objects: BTreeMap<Kind, Vec<Object>>,
    /// Kinds whose API the server does not serve (CRD not installed).
    pub missing: BTreeSet<Kind>,
    pub problems: Vec<ReadProblem>,
    /// Objects of kinds none of [`Kind`] reads that carry a ResourceSet's owner labels, with
    /// their metadata. Only `delete` reads them, for a PR that is no longer exported: the Flux
    /// Operator leaves `fluxcd.controlplane.io/prune: disabled` objects behind, out of its
    /// inventory, and they may be of any kind the ResourceSet's templates produce.
    pub leftovers: Vec<(crate::inventory::ObjectRef, crate::objects::Meta)>,
}

impl Snapshot {
    pub fn forbidden(&self, kind: Kind, namespace: &str) -> bool {
        self.problems.iter().any(|p| {
            p.kind == kind && p.forbidden && p.namespace.as_deref().is_none_or(|ns| ns == namespace)
        })
    }

    /// Whether reading `kind` failed for `namespace` (forbidden or otherwise).
    pub fn unreadable(&self, kind: Kind, namespace: &str) -> bool {
        self.problems
            .iter()
            .any(|p| p.kind == kind && p.namespace.as_deref().is_none_or(|ns| ns == namespace))
    }

    pub fn objects_of(&self, kind: Kind) -> &[Object] {
        self.objects.get(&kind).map(Vec::as_slice).unwrap_or(&[])
    }
}

#[derive(Deserialize)]
struct RawList<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
}

enum Outcome<T> {
    Items(Vec<T>),
    Missing,
    Problem(ReadProblem),
}

/// The items of one LIST (`path` may carry a query); every read of this tool goes through here.
pub async fn list_items<T: DeserializeOwned>(
    session: &Session,
    path: &str,
) -> std::result::Result<Vec<T>, kube::Error> {
    let request = http::Request::get(path)
        .body(Vec::new())
        .map_err(kube::Error::HttpError)?;
    session
        .client
        .request::<RawList<T>>(request)
        .await
        .map(|list| list.items)
}

/// A LIST whose failure to read (forbidden, not served) is a warning, not an error: `get`'s
/// pods and events, which only add detail.
pub async fn list_or_warn<T: DeserializeOwned>(
    session: &Session,
    path: &str,
    what: &str,
    ns: &str,
) -> Result<Vec<T>> {
    match list_items(session, path).await {
        Ok(items) => Ok(items),
        Err(kube::Error::Api(s)) if s.code == 403 || s.code == 404 => {
            crate::safe_eprintln!(
                "Warning: cannot list {what} in namespace {ns} ({}); not shown",
                s.reason
            );
            Ok(vec![])
        }
        Err(e) => Err(session.error(format!("list {what} in namespace {ns}"), e)),
    }
}

async fn list<T: DeserializeOwned>(
    session: &Session,
    kind: Kind,
    namespace: Option<&str>,
) -> Result<Outcome<T>> {
    match list_items(session, &kind.list_path(namespace)).await {
        Ok(items) => Ok(Outcome::Items(items)),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(Outcome::Missing),
        Err(kube::Error::Api(status)) if status.code == 403 => Ok(Outcome::Problem(ReadProblem {
            kind,
            namespace: namespace.map(str::to_string),
            forbidden: true,
            message: status.message.clone(),
        })),
        Err(kube::Error::Api(status)) if status.code != 401 => Ok(Outcome::Problem(ReadProblem {
            kind,
            namespace: namespace.map(str::to_string),
            forbidden: false,
            message: format!("{} ({})", status.message, status.code),
        })),
        Err(kube::Error::SerdeError(e)) => Ok(Outcome::Problem(ReadProblem {
            kind,
            namespace: namespace.map(str::to_string),
            forbidden: false,
            message: format!("unreadable response: {e}"),
        })),
        Err(e) => Err(session.error(format!("list {kind}"), e)),
    }
}

/// The items of a read, recording a missing kind or a problem in the snapshot instead.
fn absorb<T>(outcome: Outcome<T>, kind: Kind, snapshot: &mut Snapshot) -> Vec<T> {
    match outcome {
        Outcome::Items(items) => items,
        Outcome::Missing => {
            snapshot.missing.insert(kind);
            Vec::new()
        }
        Outcome::Problem(p) => {
            snapshot.problems.push(p);
            Vec::new()
        }
    }
}

/// Everything `list`/`get` need, for the session's scope: one LIST per kind, concurrently; then,
/// when scoped to a namespace, one LIST of Kustomizations and HelmReleases per other namespace that
/// per-PR objects depend on (a bounded number, independent of the number of environments).
pub async fn fetch(session: &Session) -> Result<Snapshot> {
    let scope = session.scope().map(str::to_string);
    let ns = scope.as_deref();
    let mut snapshot = Snapshot {
        scope: scope.clone(),
        ..Default::default()
    };
    let (providers, rsets, ks, hr, ing, routes, svc, deploy, sts) = futures::try_join!(
        list::<Provider>(session, Kind::Provider, ns),
        list::<ResourceSet>(session, Kind::ResourceSet, ns),
        list::<FluxObject>(session, Kind::Kustomization, ns),
        list::<FluxObject>(session, Kind::HelmRelease, ns),
        list::<Object>(session, Kind::Ingress, ns),
        list::<Object>(session, Kind::HttpRoute, ns),
        list::<Object>(session, Kind::Service, ns),
        list::<Object>(session, Kind::Deployment, ns),
        list::<Object>(session, Kind::StatefulSet, ns),
    )?;
    snapshot.providers = absorb(providers, Kind::Provider, &mut snapshot);
    snapshot.resource_sets = absorb(rsets, Kind::ResourceSet, &mut snapshot);
    let mut flux = absorb(ks, Kind::Kustomization, &mut snapshot);
    set_kind(&mut flux, "Kustomization");
    let mut releases = absorb(hr, Kind::HelmRelease, &mut snapshot);
    set_kind(&mut releases, "HelmRelease");
    flux.extend(releases);
    snapshot.flux = flux;
    for (kind, outcome) in [
        (Kind::Ingress, ing),
        (Kind::HttpRoute, routes),
        (Kind::Service, svc),
        (Kind::Deployment, deploy),
        (Kind::StatefulSet, sts),
    ] {
        let v = absorb(outcome, kind, &mut snapshot);
        snapshot.objects.insert(kind, v);
    }
    if let Some(scope) = ns {
        fetch_dependencies(session, scope, &mut snapshot).await?;
    }
    Ok(snapshot)
}

fn set_kind(objects: &mut [FluxObject], kind: &str) {
    for o in objects {
        o.kind = kind.to_string();
    }
}

/// Per-PR Flux objects usually depend on shared infrastructure in another namespace
/// (`flux-system/app-common-dev`); its readiness decides "waiting for …".
async fn fetch_dependencies(session: &Session, scope: &str, snapshot: &mut Snapshot) -> Result<()> {
    let namespaces: BTreeSet<String> = snapshot
        .flux
        .iter()
        .filter(|o| {
            o.metadata
                .labels
                .contains_key(crate::flux::OWNER_NAME_LABEL)
        })
        .flat_map(|o| o.depends_on())
        .map(|(ns, _)| ns)
        .filter(|ns| ns != scope)
        .collect();
    let reads = namespaces.iter().flat_map(|ns| {
        [Kind::Kustomization, Kind::HelmRelease]
            .into_iter()
            .filter(|k| !snapshot.missing.contains(k))
            .map(move |k| async move { (k, list::<FluxObject>(session, k, Some(ns)).await) })
    });
    for (kind, outcome) in futures::future::join_all(reads).await {
        let mut v = absorb(outcome?, kind, snapshot);
        set_kind(&mut v, kind.kind_name());
        snapshot.flux.extend(v);
    }
    Ok(())
}

/// Only providers and ResourceSets (two LISTs): enough to name environments, for completion.
pub async fn fetch_catalog_sources(session: &Session) -> Result<Snapshot> {
    let scope = session.scope().map(str::to_string);
    let ns = scope.as_deref();
    let mut snapshot = Snapshot {
        scope: scope.clone(),
        ..Default::default()
    };
    let (providers, rsets) = futures::try_join!(
        list::<Provider>(session, Kind::Provider, ns),
        list::<ResourceSet>(session, Kind::ResourceSet, ns),
    )?;
    snapshot.providers = absorb(providers, Kind::Provider, &mut snapshot);
    snapshot.resource_sets = absorb(rsets, Kind::ResourceSet, &mut snapshot);
    Ok(snapshot)
}
