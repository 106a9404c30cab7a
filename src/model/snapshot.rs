//! The snapshot: what one read of the cluster returned, typed (`cluster::read` fills it: one LIST
//! per kind per scope). Kinds whose API is not served are recorded as missing, forbidden reads as
//! problems; the pure functions of the model work on it.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::model::objects::{FluxObject, Object, Provider, ResourceSet};

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

    /// The kind's entry in the one table of kinds (`model::kinds`).
    pub fn info(self) -> &'static crate::model::kinds::Api {
        let group = match self {
            Kind::Provider | Kind::ResourceSet => crate::model::flux::FLUX_OPERATOR_GROUP,
            Kind::Kustomization => crate::model::flux::KUSTOMIZE_GROUP,
            Kind::HelmRelease => crate::model::flux::HELM_GROUP,
            Kind::Ingress => "networking.k8s.io",
            Kind::HttpRoute => crate::model::flux::GATEWAY_GROUP,
            Kind::Service => "",
            Kind::Deployment | Kind::StatefulSet => "apps",
        };
        crate::model::kinds::of(group, self.kind_name())
    }

    /// (group, preferred version, plural)
    pub fn api(self) -> (&'static str, &'static str, &'static str) {
        let info = self.info();
        (info.group, info.preferred(), info.plural)
    }

    /// The versions of the API this plugin reads, preferred first: older Flux releases serve only
    /// the older ones (HelmRelease `v2beta2` before Flux 2.3, for example), and the fields read
    /// are the same in each.
    pub fn versions(self) -> &'static [&'static str] {
        self.info().versions
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

    /// The collection URL for a scope (`None`: all namespaces), at the preferred version.
    pub fn list_path(self, namespace: Option<&str>) -> String {
        self.list_path_at(self.api().1, namespace)
    }

    /// The collection URL for a scope at `version`.
    pub fn list_path_at(self, version: &str, namespace: Option<&str>) -> String {
        let (group, _, plural) = self.api();
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
    /// The version each kind was read at, when discovery chose another than the preferred one.
    pub versions: BTreeMap<Kind, String>,
    /// Objects of kinds none of [`Kind`] reads that carry a ResourceSet's owner labels, with
    /// their metadata. Only `delete` reads them, for a PR that is no longer exported: the Flux
    /// Operator leaves `fluxcd.controlplane.io/prune: disabled` objects behind, out of its
    /// inventory, and they may be of any kind the ResourceSet's templates produce.
    pub leftovers: Vec<(
        crate::model::inventory::ObjectRef,
        crate::model::objects::Meta,
    )>,
    /// Each ResourceSet rendered with its inputs (by namespace and name), when the reading shell
    /// rendered them while the other LISTs were still on their way; otherwise the environments
    /// are built by rendering then.
    pub renderings: BTreeMap<(String, String), Result<crate::model::render::Rendering, String>>,
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

    /// The version `kind` was read at (its preferred one unless discovery said otherwise).
    pub fn version_of(&self, kind: Kind) -> &str {
        self.versions
            .get(&kind)
            .map(String::as_str)
            .unwrap_or(kind.api().1)
    }

    pub fn objects_of(&self, kind: Kind) -> &[Object] {
        self.objects.get(&kind).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// What discovery says a kind is served at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    /// At this version, one this plugin reads.
    At(&'static str),
    /// Its API group is not served: the CRD is not installed.
    Missing,
    /// Its group is served, but at none of the versions this plugin reads.
    Unsupported(Vec<String>),
}

/// Which version to read each kind at, from the API groups discovery listed with their served
/// versions. The core group (`Service`) is not in `/apis` and is always `v1`; a group discovery
/// did not list is not served.
pub fn choose(kind: Kind, groups: &BTreeMap<String, Vec<String>>) -> Served {
    let (group, _, _) = kind.api();
    if group.is_empty() {
        return Served::At("v1");
    }
    let Some(served) = groups.get(group) else {
        return Served::Missing;
    };
    match kind
        .versions()
        .iter()
        .find(|v| served.iter().any(|s| s == *v))
    {
        Some(v) => Served::At(v),
        None => Served::Unsupported(served.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(g, vs)| (g.to_string(), vs.iter().map(|v| v.to_string()).collect()))
            .collect()
    }

    #[test]
    fn the_preferred_version_we_read_is_chosen_from_what_is_served() {
        let today = groups(&[
            ("helm.toolkit.fluxcd.io", &["v2", "v2beta2", "v2beta1"]),
            ("kustomize.toolkit.fluxcd.io", &["v1", "v1beta2"]),
        ]);
        assert_eq!(choose(Kind::HelmRelease, &today), Served::At("v2"));
        assert_eq!(choose(Kind::Kustomization, &today), Served::At("v1"));
        // Flux 2.2: HelmRelease v2beta2 and v2beta1 only.
        let old = groups(&[("helm.toolkit.fluxcd.io", &["v2beta2", "v2beta1"])]);
        assert_eq!(choose(Kind::HelmRelease, &old), Served::At("v2beta2"));
        assert_eq!(choose(Kind::ResourceSet, &old), Served::Missing);
        assert_eq!(choose(Kind::Service, &old), Served::At("v1"));
        let odd = groups(&[("fluxcd.controlplane.io", &["v2alpha1"])]);
        assert_eq!(
            choose(Kind::ResourceSet, &odd),
            Served::Unsupported(vec!["v2alpha1".into()])
        );
    }
}
