//! The seed's `api` service on the real stack: the Git repository Flux syncs (the app's base
//! manifests, the per-PR overlay and the shared `common` infrastructure, as the seed writes them),
//! and the objects a team applies once (the `flux-system` GitRepository, the shared
//! `app-common-dev` Kustomization, the `api-prs` provider and the `api-pr-envs` ResourceSet).
//! Nothing here writes a status: the controllers do.
//!
//! One deviation from the seed, forced by the test world: the provider is a `GitHubPullRequest`
//! pointed at the fake Git host, not `AzureDevOpsPullRequest`. The operator's Azure DevOps client
//! accepts only the host `https://dev.azure.com` (see `githost`), so it cannot be pointed at a
//! loopback server. The seed itself says the provider types are interchangeable.
use serde_json::{Value, json};

/// The namespaces the story uses: the seed puts the environments in `app-dev` and the shared
/// objects (GitRepository, `app-common-dev`) in `flux-system`; tests use their own pair.
#[derive(Debug, Clone)]
pub struct Story {
    pub namespace: String,
    pub infra_namespace: String,
}

/// The label CI puts on a PR once its image is built; the provider skips PRs without it.
pub const IMAGE_READY: &str = "build/image-ready";
/// The overlay's path in the repository, as the seed's ResourceSet names it.
pub const OVERLAY_PATH: &str = "./clusters/eks/apps/api/pr-template";
/// The image a PR's environment runs: the overlay sets the tag `pr-<id>`.
pub fn image_of(pr: u64) -> String {
    format!("registry.example.com/api:pr-{pr}")
}

impl Story {
    pub fn new(namespace: &str, infra_namespace: &str) -> Story {
        Story {
            namespace: namespace.to_string(),
            infra_namespace: infra_namespace.to_string(),
        }
    }

    /// The files of the repository on `main`: path and content. The seed's overlay reaches its
    /// base with `../../../../base/api` from `clusters/eks/apps/api/pr-template`, so the base
    /// lives at `clusters/base/api`.
    pub fn repo_files(&self) -> Vec<(String, String)> {
        let ns = &self.namespace;
        let files = [
            (
                "clusters/base/api/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\
                 resources:\n- deployment.yaml\n- service.yaml\n- ingress.yaml\n- rbac.yaml\n"
                    .to_string(),
            ),
            (
                "clusters/base/api/deployment.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api-deployment\n  labels:\n    app: api\n\
                 spec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: api\n  template:\n    metadata:\n      labels:\n        app: api\n\
                 \x20   spec:\n      containers:\n      - name: api\n        image: registry.example.com/api:latest\n\
                 \x20       ports:\n        - containerPort: 8080\n"
                    .to_string(),
            ),
            (
                "clusters/base/api/service.yaml",
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector:\n    app: api\n\
                 \x20 ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n"
                    .to_string(),
            ),
            (
                "clusters/base/api/ingress.yaml",
                "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api-ingress\nspec:\n  rules:\n\
                 \x20 - host: api.example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n\
                 \x20       backend:\n          service:\n            name: api\n            port: { number: 80 }\n"
                    .to_string(),
            ),
            // Cluster-scoped objects of the base that the overlay strips, as the seed's gotcha says.
            (
                "clusters/base/api/rbac.yaml",
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: api-reader\n\
                 rules:\n- apiGroups: [\"\"]\n  resources: [configmaps]\n  verbs: [get, list]\n---\n\
                 apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: api-reader\n\
                 roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: api-reader\n\
                 subjects:\n- kind: ServiceAccount\n  name: default\n  namespace: default\n"
                    .to_string(),
            ),
            (
                "clusters/eks/apps/api/pr-template/kustomization.yaml",
                format!(
                    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: {ns}\n\
                     resources:\n- ../../../../base/api\nnameSuffix: -${{PR_NUMBER}}\n\
                     commonLabels:\n  pr-env: \"pr-${{PR_NUMBER}}\"\n\
                     images:\n- name: registry.example.com/api\n  newTag: pr-${{PR_NUMBER}}\n\
                     replicas:\n- name: api-deployment\n  count: 1\n\
                     patches:\n- path: pr-ingress-patch.yaml\n- path: pr-env-vars-patch.yaml\n\
                     - target: {{ kind: ClusterRole }}\n  patch: |\n    $patch: delete\n\
                     \x20   apiVersion: rbac.authorization.k8s.io/v1\n    kind: ClusterRole\n    metadata: {{ name: unused }}\n\
                     - target: {{ kind: ClusterRoleBinding }}\n  patch: |\n    $patch: delete\n\
                     \x20   apiVersion: rbac.authorization.k8s.io/v1\n    kind: ClusterRoleBinding\n    metadata: {{ name: unused }}\n"
                ),
            ),
            // The seed writes `hosts: [api-${PR_NUMBER}.preview.example.com]`, which is not YAML
            // (`{` opens a mapping inside a flow sequence): kustomize-controller fails the build
            // with "unable to parse SM or JSON patch". A block sequence of a quoted host parses.
            (
                "clusters/eks/apps/api/pr-template/pr-ingress-patch.yaml",
                "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api-ingress\nspec:\n  rules:\n\
                 \x20 - host: api-${PR_NUMBER}.preview.example.com\n    http:\n      paths:\n      - path: /\n\
                 \x20       pathType: Prefix\n        backend:\n          service:\n            name: api\n\
                 \x20           port: { number: 80 }\n  tls:\n  - hosts:\n    - \"api-${PR_NUMBER}.preview.example.com\"\n"
                    .to_string(),
            ),
            (
                "clusters/eks/apps/api/pr-template/pr-env-vars-patch.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api-deployment\nspec:\n  template:\n\
                 \x20   metadata:\n      annotations:\n        app/commit-sha: \"${COMMIT_SHA}\"\n    spec:\n\
                 \x20     containers:\n      - name: api\n        env:\n        - name: PUBLIC_URL\n\
                 \x20         value: \"https://api-${PR_NUMBER}.preview.example.com\"\n"
                    .to_string(),
            ),
            // The shared infrastructure the per-PR Kustomizations depend on.
            (
                "clusters/eks/apps/common/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- config.yaml\n"
                    .to_string(),
            ),
            (
                "clusters/eks/apps/common/config.yaml",
                format!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-common\n  namespace: {ns}\n\
                     data:\n  LOG_LEVEL: info\n"
                ),
            ),
        ];
        files.into_iter().map(|(p, c)| (p.to_string(), c)).collect()
    }

    /// The `flux-system` GitRepository, pointed at the fake Git host's clone URL.
    pub fn git_repository(&self, clone_url: &str) -> Value {
        json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": "flux-system", "namespace": self.infra_namespace},
            "spec": {"interval": "1m", "url": clone_url, "ref": {"branch": "main"}}})
    }

    /// The shared `app-common-dev` Kustomization every environment depends on.
    pub fn common(&self) -> Value {
        json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "app-common-dev", "namespace": self.infra_namespace},
            "spec": {"interval": "10m", "prune": true, "wait": true, "path": "./clusters/eks/apps/common",
                     "sourceRef": {"kind": "GitRepository", "name": "flux-system"}}})
    }

    /// The seed's `api-prs` provider, as a GitHubPullRequest provider of the fake Git host
    /// (`api_url`: `http://127.0.0.1:PORT/OWNER/REPO`), unauthenticated.
    pub fn provider(&self, api_url: &str) -> Value {
        json!({"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSetInputProvider",
            "metadata": {"name": "api-prs", "namespace": self.namespace,
                         "annotations": {"fluxcd.controlplane.io/reconcileEvery": "5m"}},
            "spec": {"type": "GitHubPullRequest", "url": api_url,
                     "skip": {"labels": [format!("!{IMAGE_READY}")]}}})
    }

    /// The seed's `api-pr-envs` ResourceSet, exactly as the seed writes it (namespaces aside).
    pub fn resource_set(&self) -> Value {
        let (ns, infra) = (&self.namespace, &self.infra_namespace);
        json!({"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSet",
            "metadata": {"name": "api-pr-envs", "namespace": ns},
            "spec": {
                "inputsFrom": [{"apiVersion": "fluxcd.controlplane.io/v1", "kind": "ResourceSetInputProvider", "name": "api-prs"}],
                "resources": [{
                    "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                    "metadata": {"name": "api-pr-<< inputs.id >>", "namespace": ns},
                    "spec": {
                        "dependsOn": [{"name": "app-common-dev", "namespace": infra}],
                        "interval": "10m", "retryInterval": "1m", "prune": true, "wait": false,
                        "sourceRef": {"kind": "GitRepository", "name": "flux-system", "namespace": infra},
                        "path": OVERLAY_PATH,
                        "postBuild": {"substitute": {"PR_NUMBER": "<< inputs.id | quote >>", "COMMIT_SHA": "<< inputs.sha >>"}}}}]}})
    }

    /// Everything a team applies once, in order: source, shared infrastructure, provider,
    /// ResourceSet.
    pub fn objects(&self, clone_url: &str, api_url: &str) -> Vec<Value> {
        vec![
            self.git_repository(clone_url),
            self.common(),
            self.provider(api_url),
            self.resource_set(),
        ]
    }
}

/// How a pod of the fake nodes fails (a KWOK stage; see [`failing_image`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodFailure {
    /// The registry has no such image: the pod stays Pending.
    ImagePullBackOff,
    /// The container starts and exits: the pod is Running, never Ready.
    CrashLoopBackOff,
}

impl PodFailure {
    pub fn parse(s: &str) -> Option<PodFailure> {
        match s {
            "ImagePullBackOff" => Some(PodFailure::ImagePullBackOff),
            "CrashLoopBackOff" => Some(PodFailure::CrashLoopBackOff),
            _ => None,
        }
    }

    fn reason(self) -> &'static str {
        match self {
            PodFailure::ImagePullBackOff => "ImagePullBackOff",
            PodFailure::CrashLoopBackOff => "CrashLoopBackOff",
        }
    }
}

/// A KWOK Stage (cluster-scoped) that makes every pod whose first container runs `image` fail the
/// way `failure` says, instead of going Ready. It outweighs KWOK's pod-ready stage (weight 1
/// against 0), and its status has no timestamps of its own, so applying it again changes nothing
/// and KWOK does not loop on it. Deleting the pod still goes through KWOK's pod-delete stage.
pub fn failing_image(image: &str, failure: PodFailure) -> Value {
    let (phase, waiting_message, extra) = match failure {
        PodFailure::ImagePullBackOff => (
            "Pending",
            format!("Back-off pulling image \"{image}\""),
            String::new(),
        ),
        PodFailure::CrashLoopBackOff => (
            "Running",
            "back-off 5m0s restarting failed container".to_string(),
            "  lastState:\n    terminated:\n      exitCode: 1\n      reason: Error\n".to_string(),
        ),
    };
    let restarts = if failure == PodFailure::CrashLoopBackOff {
        5
    } else {
        0
    };
    // The template is KWOK's Go template over the pod; values that come from the pod are quoted
    // with KWOK's Quote, ours with serde_json (a JSON string is a YAML string).
    let template = format!(
        "conditions:\n\
         - type: Initialized\n  status: \"True\"\n\
         - type: Ready\n  status: \"False\"\n  reason: ContainersNotReady\n\
         - type: ContainersReady\n  status: \"False\"\n  reason: ContainersNotReady\n\
         containerStatuses:\n\
         {{{{ range .spec.containers }}}}\n\
         - image: {{{{ .image | Quote }}}}\n  name: {{{{ .name | Quote }}}}\n  ready: false\n  started: false\n  restartCount: {restarts}\n\
         \x20 state:\n    waiting:\n      reason: {reason}\n      message: {message}\n{extra}\
         {{{{ end }}}}\n\
         {{{{ with NodeIPWith .spec.nodeName }}}}\nhostIP: {{{{ . | Quote }}}}\n{{{{ end }}}}\n\
         phase: {phase}\n",
        reason = failure.reason(),
        message = serde_json::to_string(&waiting_message).unwrap_or_default(),
    );
    json!({"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "Stage",
        "metadata": {"name": stage_name(image, failure)},
        "spec": {
            "resourceRef": {"apiGroup": "v1", "kind": "Pod"},
            "selector": {"matchExpressions": [
                {"key": ".metadata.deletionTimestamp", "operator": "DoesNotExist"},
                {"key": ".spec.containers.[0].image", "operator": "In", "values": [image]}]},
            "weight": 1,
            "next": {"statusTemplate": template}}})
}

/// A Stage name for an image and a failure: a DNS name whatever the image is.
pub fn stage_name(image: &str, failure: PodFailure) -> String {
    // FNV-1a: stable across runs and processes (unlike std's RandomState hasher).
    let mut h: u64 = 0xcbf29ce484222325;
    for b in image.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("kp-{}-{h:016x}", failure.reason().to_ascii_lowercase())
}
