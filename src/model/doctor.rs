//! Checks of a preview setup against the gotchas of the seed documents: each finding names the
//! object, a level, what goes wrong in practice and the fix. Pure: a snapshot (plus the Secrets
//! the providers reference) in, findings out.
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::model::environments::{Catalog, resolve_inputs};
use crate::model::flux::{RECONCILE_EVERY_ANNOTATION, is_change_request_type};
use crate::model::objects::{Identity, Provider, ResourceSet};
use crate::model::snapshot::Snapshot;
use crate::model::{permute, template};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Info,
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable identifier of the check.
    pub check: &'static str,
    pub level: Level,
    /// `Kind/namespace/name` of the object to change.
    pub object: String,
    /// What goes wrong in practice.
    pub problem: String,
    /// How to fix it (may contain a YAML snippet).
    pub fix: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub namespace: String,
    pub name: String,
    pub findings: Vec<Finding>,
}

/// What doctor knows of one Secret a provider references: the names of its keys, never values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretKeys {
    Keys(Vec<String>),
    Missing,
    /// Reading it is not allowed.
    Forbidden,
}

/// The referenced Secrets by (namespace, name); one not in the map could not be checked.
pub type Secrets = BTreeMap<(String, String), SecretKeys>;

/// Which Secret a provider references, and for what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SecretUse {
    /// `spec.secretRef`: the Git host credentials.
    Credentials,
    /// `spec.certSecretRef`: the CA (and client certificate) for the Git host's TLS.
    Certificates,
}

fn referenced(p: &Provider) -> Vec<(SecretUse, String)> {
    let mut out = Vec::new();
    if needed_keys(&p.spec.type_).is_some()
        && let Some(r) = p.spec.secret_ref.as_ref().filter(|r| !r.name.is_empty())
    {
        out.push((SecretUse::Credentials, r.name.clone()));
    }
    if let Some(r) = p
        .spec
        .cert_secret_ref
        .as_ref()
        .filter(|r| !r.name.is_empty())
    {
        out.push((SecretUse::Certificates, r.name.clone()));
    }
    out
}

/// The Secrets that the preview providers of the checked ResourceSets reference: what doctor
/// reads, one GET each (never a LIST of a namespace's Secrets), however many PRs there are.
pub fn referenced_secrets(
    snapshot: &Snapshot,
    catalog: &Catalog,
    only: Option<&str>,
) -> BTreeSet<(String, String)> {
    let preview: Vec<Provider> = snapshot
        .providers
        .iter()
        .filter(|p| is_change_request_type(&p.spec.type_))
        .cloned()
        .collect();
    let mut out = BTreeSet::new();
    for set in catalog
        .preview_sets
        .iter()
        .filter(|s| only.is_none_or(|o| o == s.name))
    {
        let Some(r) = snapshot
            .resource_sets
            .iter()
            .find(|r| r.metadata.namespace() == set.namespace && r.metadata.name() == set.name)
        else {
            continue;
        };
        for p in resolve_inputs(r, &preview) {
            for (_, name) in referenced(p) {
                out.insert((p.metadata.namespace().to_string(), name));
            }
        }
    }
    out
}

const CLUSTER_SCOPED: [&str; 14] = [
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "IngressClass",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "GatewayClass",
    "ClusterIssuer",
    "RuntimeClass",
];

const OPTIONAL_INPUTS: [&str; 3] = ["labels", "title", "author"];

fn provider_ref(p: &Provider) -> String {
    format!(
        "ResourceSetInputProvider/{}/{}",
        p.metadata.namespace(),
        p.metadata.name()
    )
}

fn rset_ref(r: &ResourceSet) -> String {
    format!(
        "ResourceSet/{}/{}",
        r.metadata.namespace(),
        r.metadata.name()
    )
}

/// Go durations as the operator reads `reconcileEvery` (`5m`, `1h30m`, `90s`).
fn seconds(text: &str) -> Option<u64> {
    crate::model::duration::parse_duration(text)
        .ok()
        .map(|d| d.as_secs())
}

/// The template text of a ResourceSet: `resources` as JSON plus `resourcesTemplate` and steps.
fn template_text(r: &ResourceSet) -> String {
    let mut text = serde_json::to_string(&r.spec.resources).unwrap_or_default();
    if let Some(t) = &r.spec.resources_template {
        text.push('\n');
        text.push_str(t);
    }
    for step in &r.spec.steps {
        text.push('\n');
        text.push_str(&serde_json::to_string(step).unwrap_or_default());
    }
    text
}

/// Templated objects: `resources`, the documents of `resourcesTemplate`, and those of steps.
fn template_objects(r: &ResourceSet) -> Vec<Value> {
    template::all_objects(&r.spec)
}

/// Template kinds, from the templated objects and, for templates whose YAML only exists once
/// rendered, from their `kind:` lines.
fn template_kinds(r: &ResourceSet) -> Vec<String> {
    let mut kinds: Vec<String> = template_objects(r)
        .iter()
        .filter_map(|o| o.get("kind").and_then(Value::as_str).map(str::to_string))
        .collect();
    let mut texts: Vec<String> = r.spec.resources_template.iter().cloned().collect();
    texts.extend(r.spec.steps.iter().filter_map(|s| {
        s.get("resourcesTemplate")
            .and_then(Value::as_str)
            .map(str::to_string)
    }));
    for t in texts {
        for line in t.lines() {
            if let Some(k) = line.trim().strip_prefix("kind:") {
                kinds.push(k.trim().trim_matches('"').to_string());
            }
        }
    }
    let mut seen = BTreeSet::new();
    kinds.retain(|k| seen.insert(k.clone()));
    kinds
}

/// Optional inputs (`labels`, `title`, `author`) read without a `hasKey` guard anywhere, under
/// each of `prefixes` (`inputs`, or with `inputStrategy: Permute` `inputs.<provider key>`).
/// Returns (prefix, key) pairs.
pub fn unguarded_optional_inputs<'a>(
    text: &str,
    prefixes: &'a [String],
) -> Vec<(&'a str, &'static str)> {
    let mut out = Vec::new();
    for key in OPTIONAL_INPUTS {
        for prefix in prefixes {
            let used = template::uses(text, &format!("{prefix}.{key}"));
            // In `spec.resources` (as JSON) the quotes of the guard are escaped.
            let guarded = text.contains(&format!("hasKey {prefix} \\\"{key}\\\""))
                || text.contains(&format!("hasKey {prefix} \"{key}\""));
            if used && !guarded {
                out.push((prefix.as_str(), key));
            }
        }
    }
    out
}

/// The prefixes under which templates read a PR's inputs: `inputs`, or with
/// `inputStrategy: Permute` `inputs.<key>` of each preview provider.
fn input_prefixes(r: &ResourceSet, providers: &[&Provider]) -> Vec<String> {
    if !permute::is_permute(&r.spec) {
        return vec!["inputs".into()];
    }
    providers
        .iter()
        .filter(|p| is_change_request_type(&p.spec.type_))
        .map(|p| format!("inputs.{}", permute::key(p.metadata.name())))
        .collect()
}

/// The keys a provider's credentials Secret needs, by type; `None`: no Secret applies.
fn needed_keys(type_: &str) -> Option<Vec<Vec<&'static str>>> {
    match type_ {
        "AWSCodeCommitPullRequest" => None,
        // Any one of these key sets works.
        "GitHubPullRequest" => Some(vec![
            vec!["password"],
            vec![
                "githubAppID",
                "githubAppInstallationOwner",
                "githubAppPrivateKey",
            ],
            vec![
                "githubAppID",
                "githubAppInstallationID",
                "githubAppPrivateKey",
            ],
        ]),
        _ => Some(vec![vec!["password"]]),
    }
}

fn check_provider(p: &Provider, secrets: &Secrets, findings: &mut Vec<Finding>) {
    let object = provider_ref(p);
    let gated =
        !p.spec.filter.labels.is_empty() || p.spec.skip.labels.iter().any(|l| l.starts_with('!'));
    if !gated && p.spec.type_ != "AWSCodeCommitPullRequest" {
        findings.push(Finding {
            check: "deploy-not-gated",
            level: Level::Warning,
            object: object.clone(),
            problem: "every open PR is exported as soon as it exists, so its environment deploys before CI has pushed the image (ImagePullBackOff until it has)".into(),
            fix: "have CI add a label as its last step and require it:\n  spec:\n    skip:\n      labels: [\"!build/image-ready\"]\nor, to export only labeled PRs:\n  spec:\n    filter:\n      labels: [\"build/image-ready\"]".into(),
        });
    }
    let every = p
        .metadata
        .annotations()
        .get(RECONCILE_EVERY_ANNOTATION)
        .cloned();
    let secs = every.as_deref().and_then(seconds).unwrap_or(600);
    if secs < 60 {
        findings.push(Finding {
            check: "poll-interval",
            level: Level::Warning,
            object: object.clone(),
            problem: format!("polls the Git host every {}: each poll is an API call, and the host's rate limit is shared by every provider using the same token", every.unwrap_or_default()),
            fix: "poll every few minutes and trigger the provider from CI (a Flux Receiver) when a build finishes:\n  metadata:\n    annotations:\n      fluxcd.controlplane.io/reconcileEvery: \"5m\"".into(),
        });
    } else if secs > 15 * 60 {
        findings.push(Finding {
            check: "poll-interval",
            level: Level::Info,
            object: object.clone(),
            problem: format!("polls every {}: a push can wait that long before its environment updates", every.as_deref().unwrap_or("10m")),
            fix: "shorten fluxcd.controlplane.io/reconcileEvery (e.g. \"5m\") or trigger the provider from CI through a Flux Receiver".into(),
        });
    }
    let limit = p.spec.filter.limit.unwrap_or(100).max(1);
    let exported = p.status.exported_inputs.len() as i64;
    if exported >= limit {
        findings.push(Finding {
            check: "limit-reached",
            level: Level::Error,
            object: object.clone(),
            problem: format!("exports {exported} PRs, the filter.limit: PRs beyond it are silently dropped and their environments torn down"),
            fix: format!("raise the limit or narrow the filter:\n  spec:\n    filter:\n      limit: {}", limit.saturating_mul(2).min(10000)),
        });
    } else if exported.saturating_mul(10) >= limit.saturating_mul(8) {
        findings.push(Finding {
            check: "limit-near",
            level: Level::Warning,
            object: object.clone(),
            problem: format!("exports {exported} of filter.limit {limit} PRs: at the limit the oldest PRs silently drop out and lose their environments"),
            fix: format!("raise spec.filter.limit (currently {limit}) or narrow the filter with labels"),
        });
    }
    for (usage, secret) in referenced(p) {
        check_secret(p, usage, &secret, secrets, findings);
    }
}

/// Key sets, any one of which a Secret used this way needs.
fn secret_needs(p: &Provider, usage: SecretUse) -> Vec<Vec<&'static str>> {
    match usage {
        SecretUse::Credentials => needed_keys(&p.spec.type_).unwrap_or_default(),
        SecretUse::Certificates => vec![vec!["ca.crt"], vec!["tls.crt", "tls.key"]],
    }
}

fn check_secret(
    p: &Provider,
    usage: SecretUse,
    secret: &str,
    secrets: &Secrets,
    findings: &mut Vec<Finding>,
) {
    let object = provider_ref(p);
    let field = match usage {
        SecretUse::Credentials => "spec.secretRef",
        SecretUse::Certificates => "spec.certSecretRef",
    };
    let need = secret_needs(p, usage);
    match secrets.get(&(p.metadata.namespace().to_string(), secret.to_string())) {
        None | Some(SecretKeys::Forbidden) => findings.push(Finding {
            check: "credentials",
            level: Level::Info,
            object,
            problem: format!("could not check Secret {}/{secret}: reading Secrets is not allowed", p.metadata.namespace()),
            fix: "run doctor with a user that may get Secrets in this namespace (only their key names are read)".into(),
        }),
        Some(SecretKeys::Missing) => findings.push(Finding {
            check: "credentials",
            level: Level::Error,
            object,
            problem: match usage {
                SecretUse::Credentials => format!("{field} names Secret {secret}, which does not exist: the provider cannot list PRs and no environment updates"),
                SecretUse::Certificates => format!("{field} names Secret {secret}, which does not exist: the provider cannot connect to the Git host and no environment updates"),
            },
            // The fix is split into lines when shown: a newline in the name (it is not
            // validated anywhere) must not add a command line of its own.
            fix: match usage {
                SecretUse::Credentials => format!(
                    "create it (sealed or external, not in plain git):\n  kubectl create secret generic {} -n {} --from-literal=username=git --from-literal=password=<token>",
                    crate::sanitize::line(secret),
                    p.metadata.namespace()
                ),
                SecretUse::Certificates => format!(
                    "create it with the Git host's CA:\n  kubectl create secret generic {} -n {} --from-file=ca.crt=<ca.pem>",
                    crate::sanitize::line(secret),
                    p.metadata.namespace()
                ),
            },
        }),
        Some(SecretKeys::Keys(keys)) => {
            if !need.iter().any(|set| set.iter().all(|k| keys.iter().any(|x| x == k))) {
                let options: Vec<String> = need.iter().map(|s| s.join("+")).collect();
                findings.push(Finding {
                    check: "credentials",
                    level: Level::Error,
                    object,
                    problem: format!(
                        "Secret {secret} ({field}) has keys [{}] but a {} provider needs {}: {} and no environment updates",
                        keys.join(", "),
                        p.spec.type_,
                        options.join(" or "),
                        match usage {
                            SecretUse::Credentials => "authentication fails",
                            SecretUse::Certificates => "TLS to the Git host fails",
                        }
                    ),
                    fix: match usage {
                        SecretUse::Credentials => "store the token under `password` (and a user name under `username`), or the GitHub App keys".into(),
                        SecretUse::Certificates => "store the CA certificate under `ca.crt` (and a client certificate under `tls.crt` and `tls.key`)".into(),
                    },
                });
            }
        }
    }
}

/// The exact checks, by rendering the templates as the operator does (spec §8): whether they
/// build with the inputs exported now (reported with the operator's own error), and which optional
/// inputs break the build of a PR that lacks them (every exported PR rendered with the key
/// removed). `false` when there is nothing to render with (no PR exported, or Permute): the text
/// scan of the templates then decides.
fn rendered_checks(
    r: &ResourceSet,
    inputs: &[&Provider],
    prefixes: &[String],
    findings: &mut Vec<Finding>,
) -> bool {
    let object = rset_ref(r);
    let preview: Vec<&&Provider> = inputs
        .iter()
        .filter(|p| is_change_request_type(&p.spec.type_) && !p.status.exported_inputs.is_empty())
        .collect();
    if permute::is_permute(&r.spec) || preview.is_empty() {
        return false;
    }
    if let Err(e) = crate::model::render::render(r, inputs) {
        findings.push(Finding {
            check: "template-build",
            level: Level::Error,
            object: object.clone(),
            problem: format!("the templates do not build with the inputs exported now, so the operator stalls the ResourceSet (BuildFailed) and no environment changes: {e}"),
            fix: "render locally to see the error and try a fix before pushing it:
  kubectl preview render --local -f resourceset.yaml".into(),
        });
        return true;
    }
    // Every PR without `keys`, the other inputs as they are.
    let without = |keys: &[&str]| -> Result<(), String> {
        let stripped: Vec<Provider> = inputs
            .iter()
            .map(|p| {
                let mut p = (*p).clone();
                if is_change_request_type(&p.spec.type_) {
                    for input in &mut p.status.exported_inputs {
                        for k in keys {
                            input.remove(*k);
                        }
                    }
                }
                p
            })
            .collect();
        let refs: Vec<&Provider> = stripped.iter().collect();
        crate::model::render::render(r, &refs).map(|_| ())
    };
    if without(&OPTIONAL_INPUTS).is_ok() {
        return true;
    }
    let failing: Vec<(&str, String)> = OPTIONAL_INPUTS
        .iter()
        .filter_map(|k| without(&[k]).err().map(|e| (*k, e)))
        .collect();
    let prefix = prefixes.first().map(String::as_str).unwrap_or("inputs");
    if let Some((key, _)) = failing.first() {
        findings.push(Finding {
            check: "optional-input",
            level: Level::Error,
            object: object.clone(),
            problem: format!(
                "a PR without {} makes the build fail for every PR (providers omit these keys when empty, and templates run with missingkey=error): {}",
                failing
                    .iter()
                    .map(|(k, _)| format!("{prefix}.{k}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                failing
                    .iter()
                    .map(|(_, e)| e.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            fix: format!(
                "guard each use, e.g.\n  << if hasKey {prefix} \"{key}\" >><< {prefix}.{key} >><< end >>\nor\n  << get {prefix} \"{key}\" | default \"\" >>"
            ),
        });
    }
    true
}

fn check_templates(
    r: &ResourceSet,
    inputs: &[&Provider],
    prefixes: &[String],
    findings: &mut Vec<Finding>,
) {
    let object = rset_ref(r);
    let text = template_text(r);
    let rendered = rendered_checks(r, inputs, prefixes, findings);
    let unguarded = if rendered {
        vec![]
    } else {
        unguarded_optional_inputs(&text, prefixes)
    };
    if let Some((prefix, key)) = unguarded.first() {
        let keys: Vec<String> = unguarded.iter().map(|(p, k)| format!("{p}.{k}")).collect();
        findings.push(Finding {
            check: "optional-input",
            level: Level::Error,
            object: object.clone(),
            problem: format!(
                "the templates read {} without a default: providers omit these keys when empty, and with missingkey=error one PR without them makes the build fail for every PR",
                keys.join(", ")
            ),
            fix: format!(
                "guard each use, e.g.\n  << if hasKey {p} \"{k}\" >><< {p}.{k} >><< end >>\nor\n  << get {p} \"{k}\" | default \"\" >>",
                p = prefix,
                k = key
            ),
        });
    }
    let scoped: Vec<String> = template_kinds(r)
        .into_iter()
        .filter(|k| CLUSTER_SCOPED.contains(&k.as_str()))
        .collect();
    if !scoped.is_empty() {
        findings.push(Finding {
            check: "cluster-scoped-per-pr",
            level: Level::Error,
            object: object.clone(),
            problem: format!("renders cluster-scoped {} for every PR: names collide between PRs or leak after teardown", scoped.join(", ")),
            fix: "strip them from the per-PR overlay ($patch: delete) and provision them once in shared infrastructure".into(),
        });
    }
    let carries_sha = prefixes
        .iter()
        .any(|p| template::uses(&text, &format!("{p}.sha")));
    if !carries_sha {
        findings.push(Finding {
            check: "no-rollout-on-push",
            level: Level::Warning,
            object: object.clone(),
            problem: "the per-PR objects do not carry the PR's commit: a new push with the same image tag never redeploys, and `list` cannot tell Outdated".into(),
            fix: "render the sha into the per-PR Flux objects, e.g.\n  spec:\n    postBuild:\n      substitute:\n        COMMIT_SHA: \"<< inputs.sha >>\"\nand stamp ${COMMIT_SHA} as a pod template annotation".into(),
        });
    }
    for o in template_objects(r) {
        let kind = o.get("kind").and_then(Value::as_str).unwrap_or_default();
        if kind != "Kustomization" && kind != "HelmRelease" {
            continue;
        }
        let name = o
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let what = format!("{kind} {name} of {object}");
        let spec = o.get("spec").cloned().unwrap_or(Value::Null);
        if kind == "Kustomization" && spec.get("prune").and_then(Value::as_bool) != Some(true) {
            findings.push(Finding {
                check: "no-prune",
                level: Level::Warning,
                object: object.clone(),
                problem: format!("{what} does not set prune: true: when the PR closes, what it applied stays behind as orphans"),
                fix: "  spec:\n    prune: true".into(),
            });
        }
        let deps = spec
            .get("dependsOn")
            .and_then(Value::as_array)
            .is_some_and(|d| !d.is_empty());
        if !deps {
            findings.push(Finding {
                check: "no-depends-on",
                level: Level::Warning,
                object: object.clone(),
                problem: format!("{what} has no dependsOn: at cluster bootstrap every environment races the shared namespace, ingress class and config"),
                fix: "  spec:\n    dependsOn:\n      - name: app-common-dev\n        namespace: flux-system".into(),
            });
        }
        let health = spec.get("wait").and_then(Value::as_bool) == Some(true)
            || spec
                .get("healthChecks")
                .and_then(Value::as_array)
                .is_some_and(|h| !h.is_empty())
            || kind == "HelmRelease";
        if !health {
            findings.push(Finding {
                check: "no-health-check",
                level: Level::Warning,
                object: object.clone(),
                problem: format!("{what} has neither wait: true nor healthChecks: Ready only means \"applied\", not that the app runs, so `wait` and STATUS cannot see a crashing app"),
                fix: "  spec:\n    wait: true\n    timeout: 5m".into(),
            });
        }
    }
}

/// Findings per preview ResourceSet of the catalog (optionally only `only`).
pub fn check(
    snapshot: &Snapshot,
    catalog: &Catalog,
    secrets: &Secrets,
    only: Option<&str>,
) -> Vec<Report> {
    let preview: Vec<Provider> = snapshot
        .providers
        .iter()
        .filter(|p| is_change_request_type(&p.spec.type_))
        .cloned()
        .collect();
    let mut reports = Vec::new();
    for set in &catalog.preview_sets {
        if only.is_some_and(|o| o != set.name) {
            continue;
        }
        let Some(r) = snapshot
            .resource_sets
            .iter()
            .find(|r| r.metadata.namespace() == set.namespace && r.metadata.name() == set.name)
        else {
            continue;
        };
        let mut findings = Vec::new();
        let providers = resolve_inputs(r, &preview);
        for p in &providers {
            check_provider(p, secrets, &mut findings);
        }
        let all = resolve_inputs(r, &snapshot.providers);
        check_templates(r, &all, &input_prefixes(r, &providers), &mut findings);
        findings.sort_by_key(|f| f.level);
        reports.push(Report {
            namespace: set.namespace.clone(),
            name: set.name.clone(),
            findings,
        });
    }
    reports
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Vec<&'static str> {
        unguarded_optional_inputs(text, &["inputs".to_string()])
            .into_iter()
            .map(|(_, k)| k)
            .collect()
    }

    #[test]
    fn optional_inputs_need_a_guard() {
        assert_eq!(
            plain("labels: << inputs.labels | join \",\" >>"),
            ["labels"]
        );
        assert!(plain("<< if hasKey inputs \"labels\" >><< inputs.labels >><< end >>").is_empty());
        assert!(plain("<< get inputs \"title\" | default \"\" >>").is_empty());
        assert!(
            plain("<< inputs.titles >> << inputs.author_name >>").is_empty(),
            "other keys"
        );
        assert_eq!(
            plain("<< inputs.author >>, << inputs.title >>"),
            ["title", "author"]
        );
        assert_eq!(
            plain("«ü» << inputs.titleü >> « inputs.author»"),
            ["author"]
        );
        // With inputStrategy Permute, under the provider's key.
        let permuted = ["inputs.api_prs".to_string()];
        assert_eq!(
            unguarded_optional_inputs("<< inputs.api_prs.labels >> << inputs.labels >>", &permuted),
            [("inputs.api_prs", "labels")]
        );
    }

    fn rset(spec: Value) -> ResourceSet {
        serde_json::from_value(
            serde_json::json!({"metadata": {"name": "app", "namespace": "ns"}, "spec": spec}),
        )
        .unwrap()
    }

    fn checks_of(r: &ResourceSet, prefixes: &[&str]) -> Vec<(&'static str, String)> {
        let prefixes: Vec<String> = prefixes.iter().map(|p| p.to_string()).collect();
        let mut findings = Vec::new();
        check_templates(r, &[], &prefixes, &mut findings);
        findings.into_iter().map(|f| (f.check, f.problem)).collect()
    }

    fn provider_with(inputs: Value) -> Provider {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "prs", "namespace": "ns"},
            "spec": {"type": "GitHubPullRequest"},
            "status": {"exportedInputs": inputs}
        }))
        .unwrap()
    }

    fn rendered_findings(template: &str, inputs: Value) -> Vec<(&'static str, String)> {
        let r = rset(serde_json::json!({
            "inputsFrom": [{"kind": "ResourceSetInputProvider", "name": "prs"}],
            "resources": [{"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": "c-<< inputs.id >>", "namespace": "ns"},
                           "data": {"x": template, "sha": "<< inputs.sha >>"}}]
        }));
        let p = provider_with(inputs);
        let mut findings = Vec::new();
        check_templates(&r, &[&p], &["inputs".to_string()], &mut findings);
        findings
            .into_iter()
            .filter(|f| f.check == "optional-input" || f.check == "template-build")
            .map(|f| (f.check, f.problem))
            .collect()
    }

    #[test]
    fn optional_inputs_are_checked_by_rendering_every_pr_without_them() {
        let prs = serde_json::json!([
            {"id": "1", "sha": "a", "title": "t", "author": "x", "labels": ["l"]},
            {"id": "2", "sha": "b", "title": "u", "author": "y", "labels": ["m"]}
        ]);
        // Read without a guard: a PR without labels would fail the build, with Go's error.
        let got = rendered_findings("<< inputs.labels | join \",\" >>", prs.clone());
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "optional-input");
        assert!(got[0].1.contains("inputs.labels"), "{got:?}");
        assert!(
            got[0].1.contains("map has no entry for key \"labels\""),
            "{got:?}"
        );
        // Guarded through a variable: rendering says it is fine.
        let guarded =
            "<< $i := inputs >><< if hasKey $i \"labels\" >><< $i.labels | join \",\" >><< end >>";
        assert!(rendered_findings(guarded, prs.clone()).is_empty());
        // Read through a variable without a guard, which the text scan cannot see: rendering can.
        let hidden = "<< $i := inputs >><< $i.author | upper >>";
        assert!(unguarded_optional_inputs(hidden, &["inputs".to_string()]).is_empty());
        let got = rendered_findings(hidden, prs.clone());
        assert!(
            got.len() == 1 && got[0].1.contains("inputs.author"),
            "{got:?}"
        );
        // The title and author read through `default`: fine too.
        assert!(
            rendered_findings("<< get inputs \"title\" | default \"\" >>", prs.clone()).is_empty()
        );
    }

    #[test]
    fn a_template_that_does_not_build_is_reported_with_gos_error() {
        let got = rendered_findings(
            "<< inputs.id | nosuchfunc >>",
            serde_json::json!([{"id": "1", "sha": "a"}]),
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "template-build");
        assert!(
            got[0].1.contains("function \"nosuchfunc\" not defined"),
            "{got:?}"
        );
    }

    #[test]
    fn template_checks_read_resources_templates() {
        // A per-PR Kustomization in a resourcesTemplate without prune, dependsOn or health
        // checks, and a ClusterRole: the same findings as in spec.resources.
        let r = rset(
            serde_json::json!({"resourcesTemplate": "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app-<< inputs.id >>\nspec:\n  path: ./deploy\n  postBuild:\n    substitute:\n      COMMIT_SHA: << inputs.sha >>\n---\nkind: ClusterRole\nmetadata:\n  name: pr-<< inputs.id >>\n"}),
        );
        let got: Vec<&str> = checks_of(&r, &["inputs"])
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(
            got,
            [
                "cluster-scoped-per-pr",
                "no-prune",
                "no-depends-on",
                "no-health-check"
            ]
        );
        let named = checks_of(&r, &["inputs"]);
        assert!(
            named[1].1.contains("Kustomization app-<< inputs.id >>"),
            "{named:?}"
        );
    }

    #[test]
    fn permute_templates_read_inputs_under_the_provider_key() {
        let r = rset(
            serde_json::json!({"inputStrategy": {"name": "Permute"}, "resources": [{"kind": "ConfigMap",
            "metadata": {"name": "x-<< inputs.api_prs.id >>", "annotations": {"sha": "<< inputs.api_prs.sha >>", "t": "<< inputs.api_prs.title >>"}}}]}),
        );
        let got: Vec<&str> = checks_of(&r, &["inputs.api_prs"])
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(
            got,
            ["optional-input"],
            "the sha is carried; the title is unguarded"
        );
        let got: Vec<&str> = checks_of(&r, &["inputs"])
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(got, ["no-rollout-on-push"]);
    }

    fn provider(spec: Value) -> Provider {
        serde_json::from_value(
            serde_json::json!({"metadata": {"name": "p", "namespace": "ns",
            "annotations": {"fluxcd.controlplane.io/reconcileEvery": "5m"}}, "spec": spec}),
        )
        .unwrap()
    }

    #[test]
    fn referenced_secrets_by_key_names() {
        let p = provider(
            serde_json::json!({"type": "GitLabMergeRequest", "filter": {"labels": ["x"]},
            "secretRef": {"name": "token"}, "certSecretRef": {"name": "ca"}}),
        );
        assert_eq!(
            referenced(&p),
            [
                (SecretUse::Credentials, "token".to_string()),
                (SecretUse::Certificates, "ca".to_string())
            ]
        );
        let key = |n: &str| ("ns".to_string(), n.to_string());
        let run = |secrets: &Secrets| {
            let mut f = Vec::new();
            check_provider(&p, secrets, &mut f);
            f.into_iter()
                .map(|f| (f.level, f.problem))
                .collect::<Vec<_>>()
        };
        let good = Secrets::from([
            (
                key("token"),
                SecretKeys::Keys(vec!["password".into(), "username".into()]),
            ),
            (key("ca"), SecretKeys::Keys(vec!["ca.crt".into()])),
        ]);
        assert!(run(&good).is_empty());
        let bad = Secrets::from([
            (key("token"), SecretKeys::Forbidden),
            (key("ca"), SecretKeys::Keys(vec!["tls.crt".into()])),
        ]);
        let got = run(&bad);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, Level::Info);
        assert!(got[1].1.contains("spec.certSecretRef"), "{got:?}");
        let missing = Secrets::from([(key("token"), SecretKeys::Missing)]);
        let got = run(&missing);
        assert_eq!(got[0].0, Level::Error);
        assert_eq!(got[1].0, Level::Info, "not read: could not check");
        // AWS CodeCommit needs no credentials Secret.
        let aws = provider(
            serde_json::json!({"type": "AWSCodeCommitPullRequest", "secretRef": {"name": "token"}}),
        );
        assert!(referenced(&aws).is_empty());
    }
}
