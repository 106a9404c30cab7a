//! The Flux conventions this tool relies on: API groups, labels, annotations, field manager.

pub const FLUX_OPERATOR_GROUP: &str = "fluxcd.controlplane.io";
pub const KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";
pub const HELM_GROUP: &str = "helm.toolkit.fluxcd.io";
pub const SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";
pub const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";

/// Owner labels the Flux Operator puts on every object a ResourceSet applies.
pub const OWNER_NAME_LABEL: &str = "resourceset.fluxcd.controlplane.io/name";
pub const OWNER_NAMESPACE_LABEL: &str = "resourceset.fluxcd.controlplane.io/namespace";
/// Annotations of the Flux Operator's pull-request guide.
pub const CHANGE_REQUEST_ANNOTATION: &str = "event.toolkit.fluxcd.io/change_request";
pub const PREVIEW_URL_ANNOTATION: &str = "event.toolkit.fluxcd.io/preview-url";
pub const COMMIT_ANNOTATION: &str = "event.toolkit.fluxcd.io/commit";
pub const RECONCILE_ANNOTATION: &str = "fluxcd.controlplane.io/reconcile";
pub const RECONCILE_EVERY_ANNOTATION: &str = "fluxcd.controlplane.io/reconcileEvery";
pub const REQUESTED_AT_ANNOTATION: &str = "reconcile.fluxcd.io/requestedAt";
pub const FORCE_AT_ANNOTATION: &str = "reconcile.fluxcd.io/forceAt";

/// Field manager of every write (a `kubectl*` name would be taken over and reverted by Flux).
pub const FIELD_MANAGER: &str = "preview-cli";

/// ResourceSetInputProvider types that export one input per change request.
pub const CHANGE_REQUEST_TYPES: [&str; 5] = [
    "GitHubPullRequest",
    "GitLabMergeRequest",
    "AzureDevOpsPullRequest",
    "GiteaPullRequest",
    "AWSCodeCommitPullRequest",
];

pub fn is_change_request_type(provider_type: &str) -> bool {
    CHANGE_REQUEST_TYPES.contains(&provider_type)
}
