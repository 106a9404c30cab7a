//! Where an environment can be reached, each URL with the object it came from. First source that
//! gives one: the `event.toolkit.fluxcd.io/preview-url` annotation; then Ingress hosts (https when
//! TLS covers the host) and HTTPRoute hostnames; then LoadBalancer Services.
use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::flux::PREVIEW_URL_ANNOTATION;
use crate::model::inventory::ObjectRef;
use crate::model::objects::{ObjectSpec, ObjectStatus};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Url {
    pub url: String,
    /// e.g. `annotation event.toolkit.fluxcd.io/preview-url on HelmRelease/app-preview/app-12`,
    /// `Ingress/app-dev/api-ingress-1234`.
    pub source: String,
}

/// One environment object as the URL rules see it.
pub struct UrlSource<'a> {
    pub reference: &'a ObjectRef,
    pub annotations: Option<&'a BTreeMap<String, String>>,
    pub spec: Option<&'a ObjectSpec>,
    pub status: Option<&'a ObjectStatus>,
}

pub fn collect(objects: &[UrlSource<'_>]) -> Vec<Url> {
    let mut annotated = Vec::new();
    let mut routed = Vec::new();
    let mut balanced = Vec::new();
    for o in objects {
        if let Some(url) = o.annotations.and_then(|a| a.get(PREVIEW_URL_ANNOTATION)) {
            let url = url.trim();
            if !url.is_empty() {
                annotated.push(Url {
                    url: url.to_string(),
                    source: format!("annotation {PREVIEW_URL_ANNOTATION} on {}", o.reference),
                });
            }
        }
        let source = o.reference.to_string();
        match (o.reference.group.as_str(), o.reference.kind.as_str()) {
            ("networking.k8s.io", "Ingress") => {
                routed.extend(ingress_urls(o.spec).into_iter().map(|url| Url {
                    url,
                    source: source.clone(),
                }))
            }
            ("gateway.networking.k8s.io", "HTTPRoute") => {
                routed.extend(route_urls(o.spec).into_iter().map(|url| Url {
                    url,
                    source: source.clone(),
                }))
            }
            ("", "Service") => balanced.extend(
                load_balancer_urls(o.spec, o.status)
                    .into_iter()
                    .map(|url| Url {
                        url,
                        source: source.clone(),
                    }),
            ),
            _ => {}
        }
    }
    let mut all = annotated;
    all.extend(routed);
    all.extend(balanced);
    let mut seen = std::collections::HashSet::new();
    all.retain(|u| seen.insert(u.url.clone()));
    all
}

fn tls_covers(tls_hosts: &[String], host: &str) -> bool {
    tls_hosts.iter().any(|t| {
        t == host
            || t.strip_prefix("*.")
                .is_some_and(|suffix| host.split_once('.').is_some_and(|(_, rest)| rest == suffix))
    })
}

fn ingress_urls(spec: Option<&ObjectSpec>) -> Vec<String> {
    let Some(spec) = spec else { return vec![] };
    let tls_hosts: Vec<String> = spec.tls.iter().flat_map(|t| t.hosts.clone()).collect();
    spec.rules
        .iter()
        .filter_map(|r| r.host.as_deref())
        .filter(|h| !h.is_empty() && !h.starts_with('*'))
        .map(|h| {
            let scheme = if tls_covers(&tls_hosts, h) {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{h}")
        })
        .collect()
}

/// HTTPRoute hostnames; https, since the Gateway in front of preview hosts terminates TLS in the
/// usual setup (the route itself does not say).
fn route_urls(spec: Option<&ObjectSpec>) -> Vec<String> {
    spec.map(|s| s.hostnames.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|h| !h.is_empty() && !h.starts_with('*'))
        .map(|h| format!("https://{h}"))
        .collect()
}

fn load_balancer_urls(spec: Option<&ObjectSpec>, status: Option<&ObjectStatus>) -> Vec<String> {
    let is_lb = spec.and_then(|s| s.type_.as_deref()) == Some("LoadBalancer");
    if !is_lb {
        return vec![];
    }
    let port = spec
        .and_then(|s| s.ports.first())
        .and_then(|p| p.port)
        .unwrap_or(80);
    let (scheme, suffix) = match port {
        443 => ("https", String::new()),
        80 => ("http", String::new()),
        p => ("http", format!(":{p}")),
    };
    status
        .and_then(|s| s.load_balancer.as_ref())
        .map(|lb| lb.ingress.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|i| i.hostname.as_deref().or(i.ip.as_deref()))
        .filter(|h| !h.is_empty())
        .map(|h| {
            let h = if h.contains(':') && !h.starts_with('[') {
                format!("[{h}]")
            } else {
                h.to_string()
            };
            format!("{scheme}://{h}{suffix}")
        })
        .collect()
}

/// `text` when it is an `http://` or `https://` URL with a host and nothing a terminal, a shell
/// or a line-based file could misread (whitespace, control characters, quotes, backslashes);
/// `None` otherwise. URLs come from annotations and objects that others write: only these are
/// handed to the system's opener or written to `$GITHUB_OUTPUT`.
pub fn safe_http(text: &str) -> Option<&str> {
    // Refused even where a URL parser would percent-encode or strip them.
    if text
        .chars()
        .any(|c| c.is_whitespace() || crate::sanitize::is_unsafe(c) || c == '"' || c == '\\')
    {
        return None;
    }
    let parsed = url::Url::parse(text).ok()?;
    let http = matches!(parsed.scheme(), "http" | "https");
    // The scheme as written, `://` included: parsers also take `https:host`.
    let written = text
        .split_once("://")
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case(parsed.scheme()));
    let host = parsed.host_str().is_some_and(|h| !h.is_empty());
    (http && written && host).then_some(text)
}

/// The pull request's web page, from its provider's type and `spec.url` (the repository) and the
/// PR number: GitHub `/pull/N`, GitLab `/-/merge_requests/N`, Azure DevOps `/pullrequest/N`, Gitea
/// `/pulls/N`, AWS CodeCommit the console's page. `None` unless the id is a number and the result
/// is a plain http(s) URL: the provider's URL is written by whoever can write the provider.
pub fn pull_request_url(provider_type: &str, repo_url: &str, id: &str) -> Option<String> {
    pull_request_url_shape(provider_type, repo_url)?.url(id)
}

/// A provider's PR web URL around the PR number: `prefix` + number + `suffix`. Computed once per
/// provider (parsing and checking its URL), then filled per PR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestUrl {
    prefix: String,
    suffix: String,
}

impl PullRequestUrl {
    /// The URL of PR `id`; `None` unless the id is a PR number (digits only, so that it can
    /// change nothing but the number in a URL already checked).
    pub fn url(&self, id: &str) -> Option<String> {
        if id.is_empty() || id.len() > 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(format!("{}{id}{}", self.prefix, self.suffix))
    }
}

/// How a provider's PR URLs are built from its `spec.url` and type; `None` for a URL that is not
/// plain http(s) or a type without web pages.
pub fn pull_request_url_shape(provider_type: &str, repo_url: &str) -> Option<PullRequestUrl> {
    let base = safe_http(repo_url)?;
    if base.contains(['?', '#']) {
        return None;
    }
    let base = base.trim_end_matches('/');
    let base = base.strip_suffix(".git").unwrap_or(base);
    let (prefix, suffix) = match provider_type {
        "GitHubPullRequest" => (format!("{base}/pull/"), String::new()),
        "GitLabMergeRequest" => (format!("{base}/-/merge_requests/"), String::new()),
        "AzureDevOpsPullRequest" => (format!("{base}/pullrequest/"), String::new()),
        "GiteaPullRequest" => (format!("{base}/pulls/"), String::new()),
        "AWSCodeCommitPullRequest" => {
            // https://git-codecommit.REGION.amazonaws.com/v1/repos/REPO
            let parsed = url::Url::parse(base).ok()?;
            let region = parsed
                .host_str()?
                .strip_prefix("git-codecommit.")?
                .strip_suffix(".amazonaws.com")?
                .to_string();
            let repo = parsed.path().strip_prefix("/v1/repos/")?.to_string();
            let name = |s: &str| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
            };
            if !name(&region) || !name(&repo) {
                return None;
            }
            (
                format!(
                    "https://{region}.console.aws.amazon.com/codesuite/codecommit/repositories/{repo}/pull-requests/"
                ),
                format!("?region={region}"),
            )
        }
        _ => return None,
    };
    // Checked whole once, with a number in place: a number cannot make a safe URL unsafe.
    safe_http(&format!("{prefix}1{suffix}"))?;
    Some(PullRequestUrl { prefix, suffix })
}

#[cfg(test)]
mod pull_request_url_tests {
    use super::pull_request_url;

    #[test]
    fn each_provider_type_has_its_page() {
        let cases = [
            (
                "GitHubPullRequest",
                "https://github.com/acme/api",
                "https://github.com/acme/api/pull/12",
            ),
            (
                "GitHubPullRequest",
                "https://github.com/acme/api.git/",
                "https://github.com/acme/api/pull/12",
            ),
            (
                "GitLabMergeRequest",
                "https://gitlab.com/acme/group/api",
                "https://gitlab.com/acme/group/api/-/merge_requests/12",
            ),
            (
                "AzureDevOpsPullRequest",
                "https://dev.azure.com/acme/shop/_git/api",
                "https://dev.azure.com/acme/shop/_git/api/pullrequest/12",
            ),
            (
                "GiteaPullRequest",
                "https://gitea.example.com/acme/api",
                "https://gitea.example.com/acme/api/pulls/12",
            ),
            (
                "AWSCodeCommitPullRequest",
                "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/api",
                "https://eu-west-1.console.aws.amazon.com/codesuite/codecommit/repositories/api/pull-requests/12?region=eu-west-1",
            ),
        ];
        for (t, repo, want) in cases {
            assert_eq!(
                pull_request_url(t, repo, "12").as_deref(),
                Some(want),
                "{t} {repo}"
            );
        }
    }

    #[test]
    fn anything_else_has_none() {
        for (t, repo, id) in [
            ("GitHubPullRequest", "https://github.com/acme/api", "12a"),
            ("GitHubPullRequest", "https://github.com/acme/api", ""),
            ("GitHubPullRequest", "javascript:alert(1)", "12"),
            ("GitHubPullRequest", "https://github.com/acme/api?x=1", "12"),
            (
                "GitHubPullRequest",
                "https://github.com/acme/\u{1b}]api",
                "12",
            ),
            ("GitHubBranch", "https://github.com/acme/api", "12"),
            (
                "AWSCodeCommitPullRequest",
                "https://example.com/v1/repos/api",
                "12",
            ),
            ("GitLabMergeRequest", "ssh://git@gitlab.com/acme/api", "12"),
        ] {
            assert_eq!(pull_request_url(t, repo, id), None, "{t} {repo} {id}");
        }
    }
}

#[cfg(test)]
mod safe_http_tests {
    use super::safe_http;

    #[test]
    fn only_plain_http_urls_pass() {
        for ok in [
            "https://api-1234.preview.example.com",
            "http://127.0.0.1:8080/x?y=1",
            "HTTPS://A.example",
            "https://x.example/caf\u{e9}?q=1#top",
            "http://[::1]:8080/",
            "https://user@x.example/",
        ] {
            assert_eq!(safe_http(ok), Some(ok));
        }
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "-a",
            "https://",
            "https://x\nadmin=true",
            "https://x\n",
            "https://a b",
            "https://x/\u{1b}]0;t\u{7}",
            "https://x\u{202e}",
            "ftp://x",
            "",
            "-a",
            "--help",
            "https:x.example",
            " https://x.example",
            "https://x.example\t",
            "data:text/html,<script>alert(1)</script>",
            "javascript://x.example/%0aalert(1)",
            "file://x.example/etc/passwd",
            "https://x.example/\"onload",
            "https://x.example\\@y",
            "https://x\u{2028}y",
            "http:///",
        ] {
            assert_eq!(safe_http(bad), None, "{bad:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;

    fn spec(v: Value) -> ObjectSpec {
        serde_json::from_value(v).unwrap()
    }

    fn status(v: Value) -> ObjectStatus {
        serde_json::from_value(v).unwrap()
    }

    fn src<'a>(
        r: &'a ObjectRef,
        ann: Option<&'a BTreeMap<String, String>>,
        spec: &'a ObjectSpec,
        status: &'a ObjectStatus,
    ) -> UrlSource<'a> {
        UrlSource {
            reference: r,
            annotations: ann,
            spec: Some(spec),
            status: Some(status),
        }
    }

    #[test]
    fn sources_in_order_and_schemes() {
        let ing = ObjectRef::new("networking.k8s.io", "Ingress", "ns", "web");
        let route = ObjectRef::new("gateway.networking.k8s.io", "HTTPRoute", "ns", "web");
        let svc = ObjectRef::new("", "Service", "ns", "web");
        let hr = ObjectRef::new("helm.toolkit.fluxcd.io", "HelmRelease", "ns", "app-12");
        let ann = BTreeMap::from([(
            PREVIEW_URL_ANNOTATION.to_string(),
            "https://app-12.example.com".to_string(),
        )]);
        let ing_spec = spec(
            json!({"rules": [{"host": "a.example.com"}, {"host": "b.example.com"}, {"host": "*.wild.example.com"}],
                              "tls": [{"hosts": ["a.example.com"]}]}),
        );
        let route_spec = spec(json!({"hostnames": ["r.example.com"]}));
        let svc_spec = spec(json!({"type": "LoadBalancer", "ports": [{"port": 8080}]}));
        let svc_status = status(
            json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}, {"hostname": "lb.example.com"}]}}),
        );
        let (none, nothing) = (ObjectSpec::default(), ObjectStatus::default());
        let objects = [
            src(&svc, None, &svc_spec, &svc_status),
            src(&ing, None, &ing_spec, &nothing),
            src(&route, None, &route_spec, &nothing),
            src(&hr, Some(&ann), &none, &nothing),
        ];
        let urls: Vec<String> = collect(&objects).into_iter().map(|u| u.url).collect();
        assert_eq!(
            urls,
            [
                "https://app-12.example.com",
                "https://a.example.com",
                "http://b.example.com",
                "https://r.example.com",
                "http://203.0.113.7:8080",
                "http://lb.example.com:8080"
            ]
        );
        assert_eq!(
            collect(&objects)[0].source,
            "annotation event.toolkit.fluxcd.io/preview-url on HelmRelease/ns/app-12"
        );
    }

    #[test]
    fn wildcard_tls_and_non_lb_services() {
        assert!(tls_covers(
            &["*.preview.example.com".into()],
            "api-1.preview.example.com"
        ));
        assert!(!tls_covers(
            &["*.preview.example.com".into()],
            "a.b.preview.example.com"
        ));
        let svc = ObjectRef::new("", "Service", "ns", "x");
        let cluster_ip = spec(json!({"type": "ClusterIP", "ports": [{"port": 80}]}));
        let status = status(json!({"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}));
        assert!(collect(&[src(&svc, None, &cluster_ip, &status)]).is_empty());
        let spec = spec(json!({"type": "LoadBalancer", "ports": [{"port": 443}]}));
        assert_eq!(
            collect(&[src(&svc, None, &spec, &status)])[0].url,
            "https://1.2.3.4"
        );
    }
}
