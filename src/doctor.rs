//! Checks of a preview setup against the gotchas of the seed documents: each finding names the
//! object, a level, what goes wrong in practice and the fix. Pure: a snapshot (plus the Secrets
//! the providers reference) in, findings out.
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::environments::{Catalog, resolve_inputs};
use crate::flux::{RECONCILE_EVERY_ANNOTATION, is_change_request_type};
use crate::objects::{Provider, ResourceSet};
use crate::snapshot::Snapshot;

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

/// What is known of the Secrets providers reference: `None` when they could not be read.
pub type Secrets = Option<BTreeMap<(String, String), Vec<String>>>;

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
        p.metadata.namespace, p.metadata.name
    )
}

fn rset_ref(r: &ResourceSet) -> String {
    format!("ResourceSet/{}/{}", r.metadata.namespace, r.metadata.name)
}

/// Go durations as the operator reads `reconcileEvery` (`5m`, `1h30m`, `90s`).
fn seconds(text: &str) -> Option<u64> {
    crate::cli::parse_duration(text).ok().map(|d| d.as_secs())
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

/// Template kinds, from `resources` and from `kind:` lines of `resourcesTemplate`.
fn template_objects(r: &ResourceSet) -> Vec<Value> {
    let mut out: Vec<Value> = r.spec.resources.clone();
    for step in &r.spec.steps {
        if let Some(res) = step.get("resources").and_then(Value::as_array) {
            out.extend(res.iter().cloned());
        }
    }
    out
}

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
    kinds
}

/// `inputs.labels` (title, author) used without a `hasKey inputs "labels"` guard anywhere.
pub fn unguarded_optional_inputs(text: &str) -> Vec<&'static str> {
    OPTIONAL_INPUTS
        .into_iter()
        .filter(|key| {
            let used = text.match_indices(&format!("inputs.{key}")).any(|(i, _)| {
                let next = text[i + 7 + key.len()..].chars().next();
                !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            });
            let guarded = text.contains(&format!("hasKey inputs \\\"{key}\\\""))
                || text.contains(&format!("hasKey inputs \"{key}\""));
            used && !guarded
        })
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
        .annotations
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
            fix: format!("raise the limit or narrow the filter:\n  spec:\n    filter:\n      limit: {}", (limit * 2).min(10000)),
        });
    } else if exported * 10 >= limit * 8 {
        findings.push(Finding {
            check: "limit-near",
            level: Level::Warning,
            object: object.clone(),
            problem: format!("exports {exported} of filter.limit {limit} PRs: at the limit the oldest PRs silently drop out and lose their environments"),
            fix: format!("raise spec.filter.limit (currently {limit}) or narrow the filter with labels"),
        });
    }
    let Some(need) = needed_keys(&p.spec.type_) else {
        return;
    };
    let Some(secret) = p
        .spec
        .secret_ref
        .as_ref()
        .map(|s| s.name.clone())
        .filter(|s| !s.is_empty())
    else {
        return;
    };
    match secrets {
        None => findings.push(Finding {
            check: "credentials",
            level: Level::Info,
            object: object.clone(),
            problem: format!("could not check Secret {}/{secret}: reading Secrets is not allowed", p.metadata.namespace),
            fix: "run doctor with a user that may list Secrets in this namespace".into(),
        }),
        Some(known) => match known.get(&(p.metadata.namespace.clone(), secret.clone())) {
            None => findings.push(Finding {
                check: "credentials",
                level: Level::Error,
                object: object.clone(),
                problem: format!("spec.secretRef names Secret {secret}, which does not exist: the provider cannot list PRs and no environment updates"),
                fix: format!(
                    "create it (sealed or external, not in plain git):\n  kubectl create secret generic {secret} -n {} --from-literal=username=git --from-literal=password=<token>",
                    p.metadata.namespace
                ),
            }),
            Some(keys) => {
                if !need.iter().any(|set| set.iter().all(|k| keys.iter().any(|x| x == k))) {
                    let options: Vec<String> = need.iter().map(|s| s.join("+")).collect();
                    findings.push(Finding {
                        check: "credentials",
                        level: Level::Error,
                        object: object.clone(),
                        problem: format!(
                            "Secret {secret} has keys [{}] but a {} provider needs {}: authentication fails and no environment updates",
                            keys.join(", "),
                            p.spec.type_,
                            options.join(" or ")
                        ),
                        fix: "store the token under `password` (and a user name under `username`), or the GitHub App keys".into(),
                    });
                }
            }
        },
    }
}

fn check_templates(r: &ResourceSet, findings: &mut Vec<Finding>) {
    let object = rset_ref(r);
    let text = template_text(r);
    let unguarded = unguarded_optional_inputs(&text);
    if !unguarded.is_empty() {
        let keys: Vec<String> = unguarded.iter().map(|k| format!("inputs.{k}")).collect();
        findings.push(Finding {
            check: "optional-input",
            level: Level::Error,
            object: object.clone(),
            problem: format!(
                "the templates read {} without a default: providers omit these keys when empty, and with missingkey=error one PR without them makes the build fail for every PR",
                keys.join(", ")
            ),
            fix: format!(
                "guard each use, e.g.\n  << if hasKey inputs \"{k}\" >><< inputs.{k} >><< end >>\nor\n  << get inputs \"{k}\" | default \"\" >>",
                k = unguarded[0]
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
    let carries_sha = text.contains("inputs.sha");
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
            .find(|r| r.metadata.namespace == set.namespace && r.metadata.name == set.name)
        else {
            continue;
        };
        let mut findings = Vec::new();
        for p in resolve_inputs(r, &preview) {
            check_provider(p, secrets, &mut findings);
        }
        check_templates(r, &mut findings);
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

    #[test]
    fn optional_inputs_need_a_guard() {
        assert_eq!(
            unguarded_optional_inputs("labels: << inputs.labels | join \",\" >>"),
            ["labels"]
        );
        assert!(
            unguarded_optional_inputs(
                "<< if hasKey inputs \"labels\" >><< inputs.labels >><< end >>"
            )
            .is_empty()
        );
        assert!(unguarded_optional_inputs("<< get inputs \"title\" | default \"\" >>").is_empty());
        assert!(
            unguarded_optional_inputs("<< inputs.titles >> << inputs.author_name >>").is_empty(),
            "other keys"
        );
        assert_eq!(
            unguarded_optional_inputs("<< inputs.author >>, << inputs.title >>"),
            ["title", "author"]
        );
    }
}
