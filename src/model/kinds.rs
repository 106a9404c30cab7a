//! The one table of the APIs this plugin reads or writes: group, kind, plural, the versions it
//! understands (preferred first; older Flux releases serve only the older ones), scope, and what
//! it decodes them into. `snapshot::Kind` (the kinds a snapshot reads), `flux`'s resources,
//! reconcile and refresh targets, watches and teardown all look kinds up here.
use kube::core::{ApiResource, GroupVersionKind};

use crate::model::flux::{
    FLUX_OPERATOR_GROUP, GATEWAY_GROUP, HELM_GROUP, KUSTOMIZE_GROUP, SOURCE_GROUP,
};

#[derive(Debug, PartialEq, Eq)]
pub struct Api {
    pub group: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    /// The versions understood, preferred first.
    pub versions: &'static [&'static str],
    pub namespaced: bool,
    /// Whether `reconcile`/`render` may request a reconcile of it (`reconcile.fluxcd.io/requestedAt`).
    pub reconcilable: bool,
    /// What a read decodes (the lenient types of `model::objects`); empty for kinds only written.
    pub decodes: &'static str,
}

impl Api {
    pub fn preferred(&self) -> &'static str {
        self.versions[0]
    }

    /// The API resource at `version` (the preferred one when empty).
    pub fn resource(&self, version: &str) -> ApiResource {
        let version = if version.is_empty() {
            self.preferred()
        } else {
            version
        };
        ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(self.group, version, self.kind),
            self.plural,
        )
    }
}

const fn api(
    group: &'static str,
    kind: &'static str,
    plural: &'static str,
    versions: &'static [&'static str],
    reconcilable: bool,
    decodes: &'static str,
) -> Api {
    Api {
        group,
        kind,
        plural,
        versions,
        namespaced: true,
        reconcilable,
        decodes,
    }
}

pub const TABLE: &[Api] = &[
    api(
        FLUX_OPERATOR_GROUP,
        "ResourceSetInputProvider",
        "resourcesetinputproviders",
        &["v1"],
        true,
        "Provider: spec (type, url, filter, skip, secretRef, certSecretRef), status (conditions, exportedInputs, lastExportedRevision)",
    ),
    api(
        FLUX_OPERATOR_GROUP,
        "ResourceSet",
        "resourcesets",
        &["v1"],
        true,
        "ResourceSet: spec (inputsFrom, inputs, inputStrategy, resources, resourcesTemplate, steps), status (conditions, inventory, history)",
    ),
    api(
        FLUX_OPERATOR_GROUP,
        "FluxReport",
        "fluxreports",
        &["v1"],
        false,
        "the operator's and the distribution's versions (`version`)",
    ),
    api(
        KUSTOMIZE_GROUP,
        "Kustomization",
        "kustomizations",
        &["v1", "v1beta2"],
        true,
        "FluxObject: spec (suspend, prune, dependsOn, sourceRef, postBuild), status (conditions, inventory, lastAppliedRevision)",
    ),
    api(
        HELM_GROUP,
        "HelmRelease",
        "helmreleases",
        &["v2", "v2beta2", "v2beta1"],
        true,
        "FluxObject: spec (suspend, dependsOn, chart, chartRef, values), status (conditions, history)",
    ),
    api(
        SOURCE_GROUP,
        "GitRepository",
        "gitrepositories",
        &["v1"],
        true,
        "",
    ),
    api(
        SOURCE_GROUP,
        "OCIRepository",
        "ocirepositories",
        &["v1", "v1beta2"],
        true,
        "",
    ),
    api(
        SOURCE_GROUP,
        "HelmRepository",
        "helmrepositories",
        &["v1", "v1beta2"],
        true,
        "",
    ),
    api(
        SOURCE_GROUP,
        "HelmChart",
        "helmcharts",
        &["v1", "v1beta2"],
        true,
        "",
    ),
    api(
        SOURCE_GROUP,
        "Bucket",
        "buckets",
        &["v1", "v1beta2"],
        true,
        "",
    ),
    api(
        "networking.k8s.io",
        "Ingress",
        "ingresses",
        &["v1"],
        false,
        "Object: rules' hosts, tls hosts, status.loadBalancer",
    ),
    api(
        GATEWAY_GROUP,
        "HTTPRoute",
        "httproutes",
        &["v1", "v1beta1"],
        false,
        "Object: hostnames",
    ),
    api(
        "",
        "Service",
        "services",
        &["v1"],
        false,
        "Object: type, status.loadBalancer",
    ),
    api(
        "apps",
        "Deployment",
        "deployments",
        &["v1"],
        false,
        "Object: replicas, selector, template annotations, rollout status",
    ),
    api(
        "apps",
        "StatefulSet",
        "statefulsets",
        &["v1"],
        false,
        "Object: replicas, selector, template annotations, rollout status",
    ),
    api(
        "",
        "Pod",
        "pods",
        &["v1"],
        false,
        "Object: labels, status.containerStatuses (`get`'s waiting reasons)",
    ),
    api(
        "",
        "Event",
        "events",
        &["v1"],
        false,
        "Event: involvedObject, reason, message, count, lastTimestamp, eventTime",
    ),
    Api {
        namespaced: false,
        ..api(
            "",
            "Namespace",
            "namespaces",
            &["v1"],
            false,
            "Object: name (completion)",
        )
    },
];

/// The table's entry for a group and kind.
pub fn find(group: &str, kind: &str) -> Option<&'static Api> {
    TABLE.iter().find(|a| a.group == group && a.kind == kind)
}

/// The table's entry for a kind this module lists (a programming error otherwise).
pub fn of(group: &str, kind: &str) -> &'static Api {
    match find(group, kind) {
        Some(a) => a,
        None => unreachable!("{group}/{kind} is not in the kinds table"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_a_snapshot_reads_is_in_the_table() {
        for kind in crate::model::snapshot::Kind::ALL {
            assert!(
                find(kind.info().group, kind.kind_name()).is_some(),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn every_entry_is_unique_and_has_a_version() {
        for (i, a) in TABLE.iter().enumerate() {
            assert!(!a.versions.is_empty(), "{a:?}");
            assert!(
                TABLE[i + 1..]
                    .iter()
                    .all(|b| (b.group, b.kind) != (a.group, a.kind)),
                "{a:?} twice"
            );
        }
    }
}
