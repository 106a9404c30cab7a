//! Inventory entries of the Flux Operator and Flux: `<namespace>_<name>_<group>_<kind>` plus the
//! API version, where the core group is empty, cluster-scoped objects have an empty namespace and
//! `:` in a name is written `__`.
use std::fmt;

use serde::Serialize;

/// The identity of one object, as an inventory names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
}

impl ObjectRef {
    pub fn new(group: &str, kind: &str, namespace: &str, name: &str) -> Self {
        ObjectRef {
            group: group.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
            version: String::new(),
        }
    }

    /// Parses an inventory id the way cli-utils' `ParseObjMetadata` does: namespace before the
    /// first `_`, kind after the last, group after the next-to-last, the rest is the name.
    pub fn parse(id: &str, version: &str) -> Option<ObjectRef> {
        let (namespace, rest) = id.split_once('_')?;
        let (rest, kind) = rest.rsplit_once('_')?;
        let (name, group) = rest.rsplit_once('_')?;
        if name.is_empty() || kind.is_empty() {
            return None;
        }
        Some(ObjectRef {
            group: group.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.replace("__", ":"),
            version: version.into(),
        })
    }

    /// Identity without the version (the Flux Operator dedups by group/kind/namespace/name).
    pub fn same_object(&self, other: &ObjectRef) -> bool {
        self.group == other.group
            && self.kind == other.kind
            && self.namespace == other.namespace
            && self.name == other.name
    }

    pub fn is_flux_applier(&self) -> bool {
        matches!(
            (self.group.as_str(), self.kind.as_str()),
            ("kustomize.toolkit.fluxcd.io", "Kustomization")
                | ("helm.toolkit.fluxcd.io", "HelmRelease")
        )
    }

    pub fn api_version(&self) -> String {
        match (self.group.is_empty(), self.version.is_empty()) {
            (true, _) => self.version.clone(),
            (false, true) => self.group.clone(),
            (false, false) => format!("{}/{}", self.group, self.version),
        }
    }
}

/// `Kind/namespace/name`, as `flux tree` prints objects (`Kind/name` when cluster-scoped).
impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind, self.name)
        } else {
            write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

pub fn parse_entries(entries: &[crate::model::objects::InventoryEntry]) -> Vec<ObjectRef> {
    entries
        .iter()
        .filter_map(|e| ObjectRef::parse(&e.id, &e.v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_inventory_ids_exactly() {
        type Parts<'a> = Option<(&'a str, &'a str, &'a str, &'a str)>;
        let cases: &[(&str, Parts)] = &[
            (
                "app-dev_api-pr-1234_kustomize.toolkit.fluxcd.io_Kustomization",
                Some((
                    "app-dev",
                    "api-pr-1234",
                    "kustomize.toolkit.fluxcd.io",
                    "Kustomization",
                )),
            ),
            (
                "app-dev_api-1234__Service",
                Some(("app-dev", "api-1234", "", "Service")),
            ),
            (
                "_preview-reader_rbac.authorization.k8s.io_ClusterRole",
                Some((
                    "",
                    "preview-reader",
                    "rbac.authorization.k8s.io",
                    "ClusterRole",
                )),
            ),
            (
                "_system__preview__reader_rbac.authorization.k8s.io_ClusterRole",
                Some((
                    "",
                    "system:preview:reader",
                    "rbac.authorization.k8s.io",
                    "ClusterRole",
                )),
            ),
            (
                "_app-dev__Namespace",
                Some(("", "app-dev", "", "Namespace")),
            ),
            (
                "apps_my_app_apps_Deployment",
                Some(("apps", "my_app", "apps", "Deployment")),
            ),
            ("no-underscores", None),
            ("ns_only", None),
            ("ns__Kind", None),
            ("", None),
        ];
        for (id, want) in cases {
            let got = ObjectRef::parse(id, "v1").map(|r| (r.namespace, r.name, r.group, r.kind));
            let want = want
                .map(|(n, m, g, k)| (n.to_string(), m.to_string(), g.to_string(), k.to_string()));
            assert_eq!(got, want, "{id}");
        }
    }

    #[test]
    fn displays_like_flux_tree() {
        let r = ObjectRef::parse("app-dev_api-1234__Service", "v1").unwrap();
        assert_eq!(r.to_string(), "Service/app-dev/api-1234");
        assert_eq!(r.api_version(), "v1");
        let c = ObjectRef::parse("_x_rbac.authorization.k8s.io_ClusterRole", "v1").unwrap();
        assert_eq!(c.to_string(), "ClusterRole/x");
        assert_eq!(c.api_version(), "rbac.authorization.k8s.io/v1");
    }
}
