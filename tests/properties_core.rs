//! Property tests of the pure core: no input panics it. Cluster objects of every kind the tool
//! reads are generated two ways at once: plausible (providers of change-request types exporting
//! PRs whose ids name the objects in ResourceSet inventories, Kustomizations whose inventories
//! point at Deployments, Services and routes, pods of those Deployments) and, at random places
//! inside them, replaced by arbitrary JSON (random unicode and control characters, negative,
//! huge and fractional numbers, wrongly typed or missing fields), or whole objects of random
//! JSON. They are decoded as the snapshot decodes them (a decode error is fine: the snapshot
//! records it as a read problem; a panic is not) and run through everything pure: environments,
//! the list table, wide, JSON and YAML, `get`'s detail and text, `doctor`'s findings and text,
//! `wait`'s verdict, the reference parser and resolver, `render`'s choice and change summary,
//! `reconcile`'s targets, the teardown plans and their text. Arbitrary strings go through every
//! parser: durations, references, inventory ids, label selectors, status filters, templates,
//! shas; and random kubeconfigs through the client configuration.
//!
//! Generation uses a tape of random numbers that a builder reads choices from (0 is always the
//! plainest choice), so proptest shrinks a failure toward the plainest world that still fails.
//!
//! Cases: `PROPTEST_CASES=N` sets every property's count; by default each runs the count given
//! at its definition (thousands, a few seconds in CI).
use std::collections::BTreeMap;
use std::time::Duration;

use kubectl_preview::cli::{GlobalArgs, parse_duration};
use kubectl_preview::commands::{get, list, reconcile, render, wait};
use kubectl_preview::model::doctor::{self, SecretKeys};
use kubectl_preview::model::environments::{self, Catalog, PodProblems};
use kubectl_preview::model::health::{self, Status};
use kubectl_preview::model::inventory::ObjectRef;
use kubectl_preview::model::objects::{FluxObject, LabelSelector, Object, Provider, ResourceSet};
use kubectl_preview::model::snapshot::{Kind, ReadProblem, Snapshot};
use kubectl_preview::model::{attribution, deployed, reference, teardown, template};
use kubectl_preview::sanitize;
use kubectl_preview::ui::output;
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value, json};

// ---- the tape ---------------------------------------------------------------------------------

/// Random choices, read in order; past its end every choice is 0, the plainest.
struct Tape {
    data: Vec<u32>,
    pos: usize,
    /// How often, in percent, a field is replaced by arbitrary JSON or left out: chosen per
    /// world, so that some worlds are plausible throughout and others broken everywhere.
    chaos: usize,
}

impl Tape {
    fn new(data: Vec<u32>) -> Tape {
        let mut t = Tape {
            data,
            pos: 0,
            chaos: 0,
        };
        t.chaos = t.pick(&[0, 0, 2, 10, 40]);
        t
    }

    fn next(&mut self) -> u32 {
        let v = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        v
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        self.next() as usize % n
    }

    /// True with probability `percent`; false for 0.
    fn rare(&mut self, percent: usize) -> bool {
        self.below(100) >= 100 - percent.min(100)
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        let i = self.below(items.len());
        items[i].clone()
    }
}

// ---- random values ----------------------------------------------------------------------------

/// Strings that mean something to the core, first the plainest.
const TOKENS: &[&str] = &[
    "1",
    "2",
    "12",
    "123",
    "7",
    "api",
    "web",
    "app-dev",
    "other",
    "feature/x",
    "hotfix/12",
    "True",
    "False",
    "Unknown",
    "Ready",
    "Stalled",
    "Reconciling",
    "BuildFailed",
    "DependencyNotReady",
    "HealthCheckCanceled",
    "Progressing",
    "ProgressDeadlineExceeded",
    "ImagePullBackOff",
    "CrashLoopBackOff",
    "LoadBalancer",
    "OnDelete",
    "RollingUpdate",
    "Permute",
    "disabled",
    "GitHubPullRequest",
    "c0ffee4b1d2e3f405162738495a6b7c8d9e0f1a2",
    "c0ffee4",
    "ééééééééé",
    "<< inputs.id >>",
    "<< inputs.sha >>",
    "\u{1b}]0;pwned\u{7}",
    "a\nb\tc",
    "\u{202e}evil",
    "2026-11-22T00:00:00Z",
    "-292277026596-12-04T15:30:07Z",
    "9999-12-31T23:59:59Z",
    "_",
    "__",
    "a_b_c_d",
    "",
];

/// Characters that break naive code: controls, DEL, C1, bidi overrides, multi-byte.
const NASTY: &[char] = &[
    '\0', '\u{1b}', '\n', '\r', '\t', '\u{7f}', '\u{85}', '\u{9b}', '\u{202a}', '\u{202e}',
    '\u{2066}', '\u{2069}', 'é', 'ß', '😀', '\u{300}', '_', '/', '@', ':', '.', '-', '"', '\\',
];

impl Tape {
    fn string(&mut self) -> String {
        match self.below(8) {
            0..=2 => self.pick(TOKENS).to_string(),
            3 => {
                let n = self.below(12);
                (0..n)
                    .map(|_| self.pick(&['a', 'b', '1', '2', '-', '.', '_', '/']))
                    .collect()
            }
            4 => {
                let n = self.below(16);
                (0..n)
                    .filter_map(|_| char::from_u32(self.next() % 0x11_0000))
                    .collect()
            }
            5 => {
                let n = self.below(16);
                (0..n).map(|_| self.pick(NASTY)).collect()
            }
            6 => {
                let token = self.pick(TOKENS);
                token.repeat(1 + self.below(100))
            }
            _ => {
                let a = self.pick(TOKENS);
                let b = self.pick(NASTY);
                let c = self.pick(TOKENS);
                format!("{a}{b}{c}")
            }
        }
    }

    fn number(&mut self) -> Value {
        match self.below(7) {
            0 => json!(self.below(5) as i64 - 1),
            1 => json!(i64::MAX),
            2 => json!(i64::MIN),
            3 => json!(u64::MAX),
            4 => json!(((self.next() as u64) << 32 | self.next() as u64) as i64),
            // Non-finite floats become null, as they would in JSON.
            5 => json!(f64::from_bits(
                (self.next() as u64) << 32 | self.next() as u64
            )),
            _ => json!(self.below(1000) as f64 / 7.0),
        }
    }

    /// Arbitrary JSON, with keys the core reads so that wrongly typed fields land where read.
    fn json(&mut self, depth: usize) -> Value {
        match self.below(if depth == 0 { 5 } else { 8 }) {
            0 => Value::Null,
            1 => json!(self.below(2) == 1),
            2 => self.number(),
            3 | 4 => json!(self.string()),
            5 | 6 => {
                let n = self.below(4);
                Value::Array((0..n).map(|_| self.json(depth - 1)).collect())
            }
            _ => {
                let n = self.below(5);
                let mut m = Map::new();
                for _ in 0..n {
                    let k = if self.rare(30) {
                        self.string()
                    } else {
                        self.pick(FIELDS).to_string()
                    };
                    m.insert(k, self.json(depth - 1));
                }
                Value::Object(m)
            }
        }
    }

    /// `plausible` most of the time; otherwise arbitrary JSON or nothing (a missing field).
    fn value(&mut self, plausible: Value) -> Option<Value> {
        if !self.rare(self.chaos) {
            return Some(plausible);
        }
        if self.rare(60) {
            Some(self.json(2))
        } else {
            None
        }
    }

    /// A generation: 1 mostly, now and then another.
    fn generation(&mut self) -> Value {
        json!(if self.rare(20) {
            1 + self.below(3) as i64
        } else {
            1
        })
    }
}

/// Field names the core reads anywhere.
const FIELDS: &[&str] = &[
    "metadata",
    "name",
    "namespace",
    "labels",
    "annotations",
    "generation",
    "creationTimestamp",
    "spec",
    "status",
    "kind",
    "type",
    "replicas",
    "updatedReplicas",
    "readyReplicas",
    "availableReplicas",
    "currentRevision",
    "updateRevision",
    "updateStrategy",
    "rollingUpdate",
    "partition",
    "observedGeneration",
    "conditions",
    "reason",
    "message",
    "inventory",
    "entries",
    "id",
    "v",
    "exportedInputs",
    "sha",
    "branch",
    "title",
    "author",
    "slug",
    "inputsFrom",
    "selector",
    "matchLabels",
    "matchExpressions",
    "key",
    "operator",
    "values",
    "resources",
    "resourcesTemplate",
    "inputStrategy",
    "rules",
    "host",
    "tls",
    "hosts",
    "hostnames",
    "loadBalancer",
    "ingress",
    "ip",
    "hostname",
    "ports",
    "port",
    "dependsOn",
    "suspend",
    "prune",
    "postBuild",
    "substitute",
    "COMMIT_SHA",
    "filter",
    "limit",
    "skip",
    "secretRef",
    "certSecretRef",
    "defaultValues",
    "containerStatuses",
    "state",
    "waiting",
    "lastHandledReconcileAt",
    "history",
];

/// Sets `key` in `obj` to `plausible`, or to arbitrary JSON, or leaves it out.
fn set(t: &mut Tape, obj: &mut Map<String, Value>, key: &str, plausible: Value) {
    if let Some(v) = t.value(plausible) {
        obj.insert(key.to_string(), v);
    }
}

fn object(fields: Vec<(&str, Value)>, t: &mut Tape) -> Value {
    let mut m = Map::new();
    for (k, v) in fields {
        set(t, &mut m, k, v);
    }
    // Now and then a field nobody reads, or one read elsewhere, with anything in it.
    if t.rare(10) {
        let k = t.pick(FIELDS).to_string();
        let v = t.json(2);
        m.insert(k, v);
    }
    Value::Object(m)
}

// ---- a plausible world ------------------------------------------------------------------------

const CR_TYPES: &[&str] = &[
    "GitHubPullRequest",
    "GitLabMergeRequest",
    "AzureDevOpsPullRequest",
    "GiteaPullRequest",
    "AWSCodeCommitPullRequest",
    "GitHubBranch",
    "OCIArtifactTag",
];
const KS: &str = "kustomize.toolkit.fluxcd.io";
const HR: &str = "helm.toolkit.fluxcd.io";
const OWNER: &str = "resourceset.fluxcd.controlplane.io";

struct World {
    namespaces: Vec<String>,
    ids: Vec<String>,
    /// The head sha each PR exports, by position in `ids`.
    shas: Vec<String>,
    providers: Vec<String>,
    rsets: Vec<String>,
}

/// Everything generated, as raw JSON per kind (what a LIST returns), plus pods and events.
#[derive(Default)]
struct Raw {
    objects: BTreeMap<Kind, Vec<Value>>,
    pods: Vec<Value>,
    events: Vec<Value>,
    problems: Vec<ReadProblem>,
}

impl Raw {
    fn push(&mut self, kind: Kind, v: Value) {
        self.objects.entry(kind).or_default().push(v);
    }
}

fn world(t: &mut Tape) -> World {
    let mut namespaces = vec!["app-dev".to_string()];
    if t.rare(20) {
        namespaces.push("other".into());
    }
    if t.rare(5) {
        namespaces.push(t.string());
    }
    let n = 1 + t.below(5);
    let ids = (0..n)
        .map(|_| {
            if t.rare(10) {
                t.string()
            } else {
                (1 + t.below(200)).to_string()
            }
        })
        .collect();
    let shas = (0..n).map(|_| sha(t)).collect();
    let providers = (0..1 + t.below(3))
        .map(|_| t.pick(&["prs", "mrs", "gh", "p4"]).to_string())
        .collect();
    let rsets = (0..1 + t.below(3))
        .map(|_| {
            if t.rare(5) {
                t.string()
            } else {
                t.pick(&["api", "web", "app", "rs"]).to_string()
            }
        })
        .collect();
    World {
        namespaces,
        ids,
        shas,
        providers,
        rsets,
    }
}

fn hex_sha(t: &mut Tape) -> String {
    (0..40)
        .map(|_| char::from_digit(t.below(16) as u32, 16).unwrap_or('0'))
        .collect()
}

fn sha(t: &mut Tape) -> String {
    match t.below(6) {
        0..=2 => hex_sha(t),
        3 => hex_sha(t).chars().take(7).collect(),
        4 => "ééééééééé".into(),
        _ => t.string(),
    }
}

fn condition(t: &mut Tape, type_: &str) -> Value {
    let healthy = if type_ == "Ready" { "True" } else { "False" };
    let status = if t.rare(25) {
        t.pick(&["True", "False", "Unknown"])
    } else {
        healthy
    };
    let reason = if t.rare(30) {
        t.pick(TOKENS).to_string()
    } else {
        "ReconciliationSucceeded".into()
    };
    let message = t.string();
    let observed = t.generation();
    object(
        vec![
            ("type", json!(type_)),
            ("status", json!(status)),
            ("reason", json!(reason)),
            ("message", json!(message)),
            ("observedGeneration", observed),
            ("lastTransitionTime", json!("2026-11-22T00:00:00Z")),
        ],
        t,
    )
}

fn conditions(t: &mut Tape, types: &[&str]) -> Value {
    let n = t.below(types.len() + 1);
    let mut out = Vec::new();
    for type_ in types.iter().take(n) {
        out.push(condition(t, type_));
    }
    Value::Array(out)
}

fn metadata(t: &mut Tape, ns: &str, name: &str, labels: Value, annotations: Value) -> Value {
    let generation = t.generation();
    let created = if t.rare(20) {
        t.string()
    } else {
        "2026-11-20T10:00:00Z".to_string()
    };
    object(
        vec![
            ("name", json!(name)),
            ("namespace", json!(ns)),
            ("uid", json!(format!("uid-{name}"))),
            ("generation", generation),
            ("creationTimestamp", json!(created)),
            ("labels", labels),
            ("annotations", annotations),
        ],
        t,
    )
}

fn owner_labels(t: &mut Tape, ns: &str, rset: &str) -> Value {
    if t.rare(15) {
        return json!({format!("{OWNER}/name"): t.pick(&["api", "web", "x"]), format!("{OWNER}/namespace"): ns});
    }
    json!({format!("{OWNER}/name"): rset, format!("{OWNER}/namespace"): ns})
}

fn inventory_id(ns: &str, name: &str, group: &str, kind: &str) -> String {
    format!("{ns}_{}_{group}_{kind}", name.replace(':', "__"))
}

fn entry(t: &mut Tape, ns: &str, name: &str, group: &str, kind: &str) -> Value {
    if t.rare(5) {
        let id = t.string();
        return json!({"id": id, "v": "v1"});
    }
    object(
        vec![
            ("id", json!(inventory_id(ns, name, group, kind))),
            ("v", json!("v1")),
        ],
        t,
    )
}

fn provider(t: &mut Tape, w: &World, ns: &str, name: &str, raw: &mut Raw) {
    let type_ = if t.rare(10) {
        t.string()
    } else {
        t.pick(CR_TYPES).to_string()
    };
    let mut inputs = Vec::new();
    for (id, head) in w.ids.iter().zip(&w.shas) {
        if t.rare(25) {
            continue;
        }
        let head = if t.rare(10) { sha(t) } else { head.clone() };
        let id_value = if t.rare(10) && id.parse::<i64>().is_ok() {
            json!(id.parse::<i64>().unwrap_or(0))
        } else {
            json!(id)
        };
        let branch = if t.rare(20) {
            t.string()
        } else {
            format!("feature/{}", t.pick(&w.ids))
        };
        let labels = json!([t.pick(&["preview", "build/image-ready"]), t.string()]);
        inputs.push(object(
            vec![
                ("id", id_value),
                ("sha", json!(head)),
                ("branch", json!(branch)),
                ("title", json!(t.string())),
                ("author", json!(t.string())),
                ("labels", labels),
                ("slug", json!(t.string())),
            ],
            t,
        ));
    }
    let app = t.pick(&["api", "web"]);
    let every = t.pick(&["5m", "1h30m", "", "99999999999999999999h", "-1s", "0"]);
    let meta = metadata(
        t,
        ns,
        name,
        json!({"app": app}),
        json!({"fluxcd.controlplane.io/reconcileEvery": every}),
    );
    let secret = t.pick(&["git-token", "", "missing"]);
    let filter = object(
        vec![
            ("limit", t.number()),
            ("labels", json!(["preview"])),
            ("includeBranch", json!("^feature/.*$")),
        ],
        t,
    );
    let skip = json!({"labels": [t.pick(&["!build/image-ready", "skip"])]});
    let spec = object(
        vec![
            ("type", json!(type_)),
            ("url", json!("https://git.example.com/org/app")),
            ("secretRef", json!({"name": secret})),
            ("certSecretRef", json!({"name": "ca"})),
            ("filter", filter),
            ("skip", skip),
            ("defaultValues", json!({"env": t.string()})),
        ],
        t,
    );
    let conds = conditions(t, &["Ready", "Reconciling"]);
    let status = object(
        vec![
            ("conditions", conds),
            ("exportedInputs", Value::Array(inputs)),
            ("lastHandledReconcileAt", json!(t.string())),
            (
                "nextSchedule",
                json!({"cron": "*/5 * * * *", "when": "2026-11-22T00:05:00Z"}),
            ),
        ],
        t,
    );
    let v = object(
        vec![
            ("apiVersion", json!("fluxcd.controlplane.io/v1")),
            ("kind", json!("ResourceSetInputProvider")),
            ("metadata", meta),
            ("spec", spec),
            ("status", status),
        ],
        t,
    );
    raw.push(Kind::Provider, v);
}

/// A ResourceSet consuming some providers, its inventory naming per-PR Flux objects (built here
/// too, with what they applied) and shared objects.
fn resource_set(t: &mut Tape, w: &World, ns: &str, name: &str, raw: &mut Raw) {
    let mut inputs_from = Vec::new();
    for _ in 0..1 + t.below(2) {
        let by_name = json!({"kind": "ResourceSetInputProvider", "name": t.pick(&w.providers)});
        let op = t.pick(&["In", "NotIn", "Exists", "DoesNotExist", "Bogus"]);
        let by_selector = json!({"selector": {"matchLabels": {"app": t.pick(&["api", "web"])},
            "matchExpressions": [{"key": "app", "operator": op, "values": [t.pick(&["api", "web"])]}]}});
        let r = if t.rare(30) { by_selector } else { by_name };
        inputs_from.push(t.value(r).unwrap_or(Value::Null));
    }
    let template = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": format!("{name}-<< inputs.id >>"), "namespace": ns,
                     "annotations": {"event.toolkit.fluxcd.io/change_request": "<< inputs.id | quote >>"}},
        "spec": {"prune": true, "postBuild": {"substitute": {"COMMIT_SHA": "<< inputs.sha >>"}}}});
    let resources = if t.rare(20) {
        json!([template, t.json(3)])
    } else {
        json!([template])
    };
    let resources_template = match t.below(10) {
        0..=7 => None,
        8 => Some(json!(
            "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: x-<< inputs.id >>\n<<- if inputs.title >>\n  annotations:\n    t: << inputs.title | quote >>\n<<- end >>\nspec:\n  postBuild:\n    substitute:\n      COMMIT_SHA: << inputs.sha >>\n"
        )),
        _ => Some(json!(t.string())),
    };
    let permute = t.rare(10);
    let mut spec_fields = vec![
        ("inputsFrom", Value::Array(inputs_from)),
        ("resources", resources),
    ];
    if let Some(text) = resources_template {
        spec_fields.push(("resourcesTemplate", text));
    }
    if permute {
        spec_fields.push(("inputStrategy", json!({"name": "Permute"})));
    }
    let spec = object(spec_fields, t);
    let mut entries = Vec::new();
    for (id, head) in w.ids.iter().zip(&w.shas) {
        if t.rare(20) {
            continue;
        }
        let per_pr = match t.below(6) {
            0..=3 => format!("{name}-{id}"),
            4 => format!("{name}-{}", t.pick(&w.ids)),
            _ => format!("{}-{id}-{}", t.pick(&["app", "hotfix"]), t.pick(&w.ids)),
        };
        let helm = t.rare(25);
        let (group, kind) = if helm {
            (HR, "HelmRelease")
        } else {
            (KS, "Kustomization")
        };
        entries.push(entry(t, ns, &per_pr, group, kind));
        let o = PerPr {
            ns,
            rset: name,
            name: &per_pr,
            kind,
            id,
            head,
        };
        flux_object(t, w, &o, raw);
        if t.rare(20) {
            let src = entry(t, ns, &per_pr, "source.toolkit.fluxcd.io", "GitRepository");
            entries.push(src);
        }
    }
    if t.rare(40) {
        let shared = entry(t, ns, &format!("{name}-shared"), "", "ConfigMap");
        entries.push(shared);
    }
    if t.rare(10) {
        entries.push(json!({"id": inventory_id("", ns, "", "Namespace"), "v": "v1"}));
    }
    let conds = conditions(t, &["Ready", "Stalled", "Reconciling"]);
    let history = json!([{"digest": "sha256:1", "lastReconciled": "2026-11-22T00:00:00Z",
        "lastReconciledStatus": t.pick(&["ReconciliationSucceeded", "BuildFailed"]),
        "totalReconciliations": t.number(), "metadata": {"inputs": t.string()}}]);
    let status = object(
        vec![
            ("conditions", conds),
            ("inventory", json!({"entries": entries})),
            ("lastAppliedRevision", json!("sha256:0001")),
            ("history", history),
        ],
        t,
    );
    let labels = json!({"app": t.pick(&["api", "web"])});
    let annotations = if t.rare(10) {
        json!({"fluxcd.controlplane.io/reconcile": "disabled"})
    } else {
        json!({})
    };
    let meta = metadata(t, ns, name, labels, annotations);
    let v = object(
        vec![
            ("apiVersion", json!("fluxcd.controlplane.io/v1")),
            ("kind", json!("ResourceSet")),
            ("metadata", meta),
            ("spec", spec),
            ("status", status),
        ],
        t,
    );
    raw.push(Kind::ResourceSet, v);
}

/// A per-PR Flux object: where it goes and whose it is.
struct PerPr<'a> {
    ns: &'a str,
    rset: &'a str,
    name: &'a str,
    kind: &'a str,
    id: &'a str,
    head: &'a str,
}

fn flux_object(t: &mut Tape, w: &World, o: &PerPr<'_>, raw: &mut Raw) {
    let PerPr {
        ns,
        rset,
        name,
        kind,
        id: own_id,
        head,
    } = *o;
    let labels = owner_labels(t, ns, rset);
    let mut annotations = Map::new();
    if !t.rare(40) {
        let id = match t.below(10) {
            0..=7 => own_id.to_string(),
            8 => t.pick(&w.ids),
            _ => t.string(),
        };
        annotations.insert("event.toolkit.fluxcd.io/change_request".into(), json!(id));
    }
    if t.rare(30) {
        annotations.insert("event.toolkit.fluxcd.io/commit".into(), json!(sha(t)));
    }
    if t.rare(20) {
        annotations.insert(
            "event.toolkit.fluxcd.io/preview-url".into(),
            json!(t.string()),
        );
    }
    if t.rare(5) {
        annotations.insert("fluxcd.controlplane.io/reconcile".into(), json!("disabled"));
    }
    let meta = metadata(t, ns, name, labels, Value::Object(annotations));
    // The PR's head is rendered, or (Outdated) an older commit.
    let deployed = if t.rare(20) { sha(t) } else { head.to_string() };
    let depends = json!([{"name": t.pick(&["infra", "common"]), "namespace": t.pick(&["", "infra", "app-dev"])}]);
    let spec = object(
        vec![
            ("prune", json!(!t.rare(20))),
            ("suspend", json!(t.rare(5))),
            ("dependsOn", depends),
            ("postBuild", json!({"substitute": {"COMMIT_SHA": deployed}})),
            ("values", json!({"image": {"tag": deployed}})),
        ],
        t,
    );
    let mut nested = Vec::new();
    for _ in 0..t.below(5) {
        let (group, k, kind) = t.pick(&[
            ("apps", "Deployment", Kind::Deployment),
            ("apps", "StatefulSet", Kind::StatefulSet),
            ("", "Service", Kind::Service),
            ("networking.k8s.io", "Ingress", Kind::Ingress),
            ("gateway.networking.k8s.io", "HTTPRoute", Kind::HttpRoute),
            ("", "ConfigMap", Kind::Service),
        ]);
        let child = if t.rare(20) {
            format!("{}-{}", t.pick(&["api", "web"]), t.pick(&w.ids))
        } else {
            name.to_string()
        };
        nested.push(entry(t, ns, &child, group, k));
        if k != "ConfigMap" && !t.rare(10) {
            applied(t, w, ns, name, &child, kind, raw);
        }
    }
    if t.rare(10) {
        // A nested Flux object: one more level of inventory.
        nested.push(entry(t, ns, &format!("{name}-inner"), KS, "Kustomization"));
    }
    let conds = conditions(t, &["Ready", "Reconciling"]);
    let status = object(
        vec![
            ("observedGeneration", t.generation()),
            ("conditions", conds),
            ("inventory", json!({"entries": nested})),
            ("lastAppliedRevision", json!("main@sha1:abc")),
            ("lastHandledReconcileAt", json!(t.string())),
        ],
        t,
    );
    let (api_version, list_kind) = if kind == "HelmRelease" {
        ("helm.toolkit.fluxcd.io/v2", Kind::HelmRelease)
    } else {
        ("kustomize.toolkit.fluxcd.io/v1", Kind::Kustomization)
    };
    let v = object(
        vec![
            ("apiVersion", json!(api_version)),
            ("kind", json!(kind)),
            ("metadata", meta),
            ("spec", spec),
            ("status", status),
        ],
        t,
    );
    raw.push(list_kind, v);
    if t.rare(15) {
        // The dependency, in another namespace or this one.
        let dep_ns = t.pick(&["infra", "app-dev"]);
        let conds = conditions(t, &["Ready"]);
        let dep = json!({"kind": "Kustomization", "metadata": {"name": t.pick(&["infra", "common"]), "namespace": dep_ns},
                         "status": {"conditions": conds}});
        raw.push(Kind::Kustomization, dep);
    }
}

/// An object a Flux object applied: a workload with a rollout in any state, a Service, an
/// Ingress or an HTTPRoute; pods and events for the workloads.
fn applied(t: &mut Tape, w: &World, ns: &str, parent: &str, name: &str, kind: Kind, raw: &mut Raw) {
    let labels = json!({"kustomize.toolkit.fluxcd.io/name": parent, "kustomize.toolkit.fluxcd.io/namespace": ns, "app": name});
    let annotations = if t.rare(10) {
        json!({"event.toolkit.fluxcd.io/change_request": t.pick(&w.ids), "event.toolkit.fluxcd.io/preview-url": t.string()})
    } else {
        json!({})
    };
    let meta = metadata(t, ns, name, labels, annotations);
    let (spec, status) = match kind {
        Kind::Deployment | Kind::StatefulSet => {
            let want = t.below(4) as i64;
            let count = |t: &mut Tape| -> Value {
                match t.below(20) {
                    0..=15 => json!(want),
                    16..=18 => json!(want + t.below(3) as i64 - 1),
                    _ => t.number(),
                }
            };
            let strategy = if t.rare(20) {
                json!({"type": t.pick(&["OnDelete", "RollingUpdate"]), "rollingUpdate": {"partition": t.number()}})
            } else {
                json!({"type": "RollingUpdate"})
            };
            let spec = object(
                vec![
                    ("replicas", json!(want)),
                    ("selector", json!({"matchLabels": {"app": name}})),
                    ("updateStrategy", strategy),
                    ("template", json!({"spec": {"containers": []}})),
                ],
                t,
            );
            let revision = if t.rare(20) { "r2" } else { "r1" };
            let progress = if t.rare(5) {
                json!([{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": t.string()}])
            } else {
                json!([{"type": "Available", "status": "True"}])
            };
            let status = object(
                vec![
                    ("observedGeneration", t.generation()),
                    ("replicas", count(t)),
                    ("updatedReplicas", count(t)),
                    ("readyReplicas", count(t)),
                    ("availableReplicas", count(t)),
                    ("currentRevision", json!("r1")),
                    ("updateRevision", json!(revision)),
                    ("conditions", progress),
                ],
                t,
            );
            for i in 0..t.below(3) {
                pod(t, ns, &format!("{name}-{i}"), name, raw);
            }
            if t.rare(30) {
                let message = t.string();
                raw.events.push(json!({"involvedObject": {"kind": if kind == Kind::Deployment { "Deployment" } else { "StatefulSet" }, "name": name},
                    "reason": t.pick(TOKENS), "message": message, "type": "Warning",
                    "lastTimestamp": t.pick(TOKENS), "count": t.number()}));
            }
            (spec, status)
        }
        Kind::Service => {
            let spec = object(
                vec![
                    ("type", json!(t.pick(&["LoadBalancer", "ClusterIP"]))),
                    ("ports", json!([{"port": t.number()}])),
                ],
                t,
            );
            let address = if t.rare(50) {
                json!({"ip": t.pick(&["203.0.113.7", "2001:db8::1", "[::1]"])})
            } else {
                json!({"hostname": t.string()})
            };
            let status = object(vec![("loadBalancer", json!({"ingress": [address]}))], t);
            (spec, status)
        }
        Kind::Ingress => {
            let host = if t.rare(30) {
                t.string()
            } else {
                format!("{name}.preview.example.com")
            };
            let tls = if t.rare(50) {
                json!([{"hosts": [host.clone()]}])
            } else {
                json!([{"hosts": ["*.preview.example.com"]}])
            };
            let spec = object(vec![("rules", json!([{"host": host}])), ("tls", tls)], t);
            (spec, json!({}))
        }
        _ => {
            let host = t.string();
            let spec = object(vec![("hostnames", json!([host, "*.wild"]))], t);
            (spec, json!({}))
        }
    };
    let v = object(
        vec![("metadata", meta), ("spec", spec), ("status", status)],
        t,
    );
    raw.push(kind, v);
}

fn pod(t: &mut Tape, ns: &str, name: &str, app: &str, raw: &mut Raw) {
    let reason = if t.rare(50) {
        t.pick(&["ImagePullBackOff", "CrashLoopBackOff", "ErrImagePull"])
            .to_string()
    } else {
        t.string()
    };
    let meta = metadata(t, ns, name, json!({"app": app}), json!({}));
    let status = object(
        vec![(
            "containerStatuses",
            json!([{"name": "app", "state": {"waiting": {"reason": reason, "message": "m"}}}]),
        )],
        t,
    );
    let v = object(
        vec![("metadata", meta), ("spec", json!({})), ("status", status)],
        t,
    );
    raw.pods.push(v);
}

fn generate(t: &mut Tape) -> (World, Raw) {
    let w = world(t);
    let mut raw = Raw::default();
    for ns in w.namespaces.clone() {
        for p in w.providers.clone() {
            provider(t, &w, &ns, &p, &mut raw);
        }
        for r in w.rsets.clone() {
            resource_set(t, &w, &ns, &r, &mut raw);
        }
    }
    // Whole objects of random JSON, of any kind.
    for _ in 0..t.below(3) {
        let kind = t.pick(&Kind::ALL);
        let v = t.json(4);
        raw.push(kind, v);
    }
    for kind in Kind::ALL {
        if t.rare(2) {
            let namespace = if t.rare(30) {
                None
            } else {
                Some(t.pick(&w.namespaces))
            };
            raw.problems.push(ReadProblem {
                kind,
                namespace,
                forbidden: t.rare(70),
                message: t.string(),
            });
        }
    }
    (w, raw)
}

// ---- decoding as the snapshot does ------------------------------------------------------------

#[derive(Deserialize)]
struct RawList<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
}

/// The items of a LIST response body, or, as the snapshot records it, a read problem.
fn decode<T: serde::de::DeserializeOwned>(
    kind: Kind,
    items: &[Value],
    problems: &mut Vec<ReadProblem>,
) -> Vec<T> {
    // One by one too (the owned-value path of the decoders); errors are fine.
    for item in items {
        let _ = serde_json::from_value::<T>(item.clone());
    }
    let body = serde_json::to_vec(&json!({ "items": items })).unwrap_or_default();
    match serde_json::from_slice::<RawList<T>>(&body) {
        Ok(list) => list.items,
        Err(e) => {
            problems.push(ReadProblem {
                kind,
                namespace: None,
                forbidden: false,
                message: format!("unreadable response: {e}"),
            });
            Vec::new()
        }
    }
}

fn snapshot(raw: &Raw, all_namespaces: bool) -> Snapshot {
    let mut problems = raw.problems.clone();
    let get = |k: Kind| raw.objects.get(&k).map(Vec::as_slice).unwrap_or(&[]);
    let providers: Vec<Provider> = decode(Kind::Provider, get(Kind::Provider), &mut problems);
    let resource_sets: Vec<ResourceSet> =
        decode(Kind::ResourceSet, get(Kind::ResourceSet), &mut problems);
    let mut flux: Vec<FluxObject> = Vec::new();
    for (kind, name) in [
        (Kind::Kustomization, "Kustomization"),
        (Kind::HelmRelease, "HelmRelease"),
    ] {
        let mut items: Vec<FluxObject> = decode(kind, get(kind), &mut problems);
        for o in &mut items {
            o.kind = name.to_string();
        }
        flux.extend(items);
    }
    let mut objects = BTreeMap::new();
    for kind in [
        Kind::Ingress,
        Kind::HttpRoute,
        Kind::Service,
        Kind::Deployment,
        Kind::StatefulSet,
    ] {
        let items: Vec<Object> = decode(kind, get(kind), &mut problems);
        objects.insert(kind, items);
    }
    Snapshot {
        scope: (!all_namespaces).then(|| "app-dev".to_string()),
        providers,
        resource_sets,
        flux,
        objects,
        problems,
        ..Default::default()
    }
}

// ---- the whole pure core ----------------------------------------------------------------------

fn run_core(t: &mut Tape, w: &World, raw: &Raw, after: &Raw) -> Result<(), TestCaseError> {
    let all_namespaces = t.rare(50);
    let s = snapshot(raw, all_namespaces);
    let pods: Vec<Object> = {
        let mut problems = Vec::new();
        decode(Kind::Deployment, &raw.pods, &mut problems)
    };
    let catalog = environments::build(&s, &PodProblems::new());
    check_catalog(&catalog)?;
    // Rendered ahead by the reading shell (identities only), attribution is the same.
    let mut ahead = s.clone();
    ahead.renderings = kubectl_preview::model::render::render_all(&s.resource_sets, &s.providers);
    prop_assert_eq!(
        format!("{:?}", environments::build(&ahead, &PodProblems::new())),
        format!("{catalog:?}")
    );
    // list: table, wide, with and without namespace and headers; JSON and YAML.
    let envs: Vec<&environments::Environment> = catalog.environments.iter().collect();
    for (wide, all, no_headers) in [
        (false, false, false),
        (true, true, false),
        (true, false, true),
    ] {
        let _ = list::render_table(&envs, wide, all, no_headers);
    }
    let doc = list::EnvironmentList {
        kind: "PreviewEnvironmentList",
        items: envs.clone(),
    };
    prop_assert!(serde_json::to_string_pretty(&doc).is_ok());
    let _ = serde_saphyr::to_string(&doc);
    // get: pods make terminal reasons Failed; the detail and its text and JSON.
    let events: Vec<kubectl_preview::model::objects::Event> = raw
        .events
        .iter()
        .map(|e| serde_json::from_value(e.clone()))
        .collect::<Result<_, _>>()
        .map_err(|e| TestCaseError::fail(format!("an event did not decode: {e}")))?;
    for env in &catalog.environments {
        let problems = get::pod_problems(&s, &env.namespace, &pods);
        let with_pods = environments::build(&s, &problems);
        check_catalog(&with_pods)?;
        let env = with_pods
            .environments
            .iter()
            .find(|e| e.name == env.name)
            .unwrap_or(env)
            .clone();
        let detail = get::detail(&s, &catalog, env, &events);
        let _ = get::render(&detail);
        prop_assert!(serde_json::to_string(&detail).is_ok());
    }
    // wait, the reference parser and resolver, reconcile's targets, render's choice.
    let mut targets: Vec<String> = catalog
        .environments
        .iter()
        .map(|e| e.name.clone())
        .collect();
    targets.extend(w.ids.iter().cloned());
    targets.extend(w.rsets.iter().map(|r| format!("{r}/{}", t.pick(&w.ids))));
    targets.extend(w.rsets.iter().cloned());
    targets.push(t.string());
    for text in &targets {
        let want = match t.below(3) {
            0 => None,
            1 => Some(sha(t)),
            _ => Some(t.string()),
        };
        if let Ok(r) = reference::parse(text) {
            let _ = wait::verdict(&s, &r, want.as_deref());
            let _ = reference::resolve(&r, &catalog.environments);
            for (subject, plan) in teardown::subjects(&s, &catalog, &r) {
                let _ = teardown::render(&plan);
                let _ = subject.to_string();
            }
        }
        let _ = render::choose(text, &catalog);
    }
    for env in &catalog.environments {
        let appliers = reconcile::flux_targets(env);
        let _ = reconcile::source_targets(&s, &appliers);
        let subject = teardown::Subject {
            namespace: env.namespace.clone(),
            resource_set: env.resource_set.clone(),
            id: env.pr.id.clone(),
            provider: t.rare(30).then(|| env.provider.name.clone()),
        };
        if let Some(plan) = teardown::plan(&s, &subject) {
            let _ = teardown::render(&plan);
            prop_assert!(serde_json::to_string(&plan).is_ok());
        }
    }
    // Teardown of PRs that are not (or no longer) exported.
    for ns in &w.namespaces {
        for rset in &w.rsets {
            let id = if t.rare(50) {
                t.string()
            } else {
                t.pick(&w.ids)
            };
            let subject = teardown::Subject {
                namespace: ns.clone(),
                resource_set: rset.clone(),
                id,
                provider: None,
            };
            if let Some(plan) = teardown::plan(&s, &subject) {
                let _ = teardown::render(&plan);
            }
        }
    }
    // render's change summary, against a later snapshot.
    let later = snapshot(after, all_namespaces);
    for set in &catalog.preview_sets {
        let _ = render::describe_change(&s, &later, set);
        let _ = render::describe_change(&later, &s, set);
    }
    // doctor, with every referenced Secret in any state.
    let mut secrets = doctor::Secrets::new();
    for key in doctor::referenced_secrets(&s, &catalog, None) {
        let state = match t.below(4) {
            0 => SecretKeys::Keys(vec!["token".into()]),
            1 => SecretKeys::Keys(vec![t.string(), "ca.crt".into()]),
            2 => SecretKeys::Missing,
            _ => SecretKeys::Forbidden,
        };
        secrets.insert(key, state);
    }
    for only in [None, w.rsets.first().map(String::as_str)] {
        let reports = doctor::check(&s, &catalog, &secrets, only);
        let _ = kubectl_preview::commands::doctor::render(&reports);
        prop_assert!(serde_json::to_string(&reports).is_ok());
    }
    // The trigger rule reads objects of any content (decoded leniently, as a watch does; an
    // item that is not an object at all is not something an API server sends).
    let token = t.string();
    for v in raw.objects.values().flatten().filter(|v| v.is_object()) {
        let o: kubectl_preview::model::objects::Reconcilable = serde_json::from_value(v.clone())
            .map_err(|e| TestCaseError::fail(format!("an object did not decode: {e}")))?;
        let _ = kubectl_preview::model::reconcile::handled(&o, Some(&token));
        let _ = kubectl_preview::model::reconcile::handled(&o, None);
    }
    Ok(())
}

/// What holds for every catalog, whatever went in.
fn check_catalog(catalog: &Catalog) -> Result<(), TestCaseError> {
    for env in &catalog.environments {
        // Ready means the new commit serves: no workload of a Ready environment is mid-rollout.
        if env.status == Status::Ready {
            for o in &env.objects {
                let workload = o.reference.group == "apps"
                    && matches!(o.reference.kind.as_str(), "Deployment" | "StatefulSet");
                if workload && o.found {
                    prop_assert_eq!(
                        o.ready.as_deref(),
                        Some("True"),
                        "{} is Ready but {} is not: {:?}",
                        &env.name,
                        &o.reference,
                        &o.message
                    );
                }
            }
        }
        let _ = health::short(env.pr.sha.as_deref().unwrap_or_default());
        let _ = output::age(env.created_at.as_deref());
    }
    Ok(())
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn tape() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(any::<u32>(), 0..4000)
}

/// The generator is worth its cases only if the interesting paths run: environments of every
/// STATUS, workloads mid-rollout and complete, teardown plans that delete, doctor findings.
#[test]
fn the_generator_reaches_the_interesting_paths() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut count = |what: String| *seen.entry(what).or_default() += 1;
    for _ in 0..400 {
        let mut t = Tape::new(tape().new_tree(&mut runner).unwrap().current());
        let (_w, raw) = generate(&mut t);
        let s = snapshot(&raw, false);
        let catalog = environments::build(&s, &PodProblems::new());
        for env in &catalog.environments {
            count(format!("status {}", env.status));
            for o in &env.objects {
                if o.reference.group == "apps" && o.found {
                    count(format!("workload ready={:?}", o.ready));
                }
            }
            let subject = teardown::Subject {
                namespace: env.namespace.clone(),
                resource_set: env.resource_set.clone(),
                id: env.pr.id.clone(),
                provider: None,
            };
            if teardown::plan(&s, &subject).is_some_and(|p| !p.delete.is_empty()) {
                count("a plan deletes".into());
            }
            if !env.urls.is_empty() {
                count("an environment has a URL".into());
            }
        }
        if !s.problems.is_empty() {
            count("a read problem".into());
        }
        let reports = doctor::check(&s, &catalog, &doctor::Secrets::new(), None);
        if reports.iter().any(|r| !r.findings.is_empty()) {
            count("doctor finds something".into());
        }
    }
    for want in [
        "status Ready",
        "status Progressing",
        "status Failed",
        "status Outdated",
        "status Suspended",
        "status Pending",
        "status Unknown",
        "workload ready=Some(\"True\")",
        "workload ready=Some(\"False\")",
        "a plan deletes",
        "an environment has a URL",
        "a read problem",
        "doctor finds something",
    ] {
        assert!(
            seen.get(want).copied().unwrap_or(0) > 0,
            "{want} never happens: {seen:?}"
        );
    }
}

// ---- parsers ----------------------------------------------------------------------------------

/// Go's spelling of a duration, as `time.Duration.String` writes it.
fn go_duration(nanos: u64) -> String {
    let (h, rest) = (nanos / 3_600_000_000_000, nanos % 3_600_000_000_000);
    let (m, rest) = (rest / 60_000_000_000, rest % 60_000_000_000);
    let (s, frac) = (rest / 1_000_000_000, rest % 1_000_000_000);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if frac == 0 {
        out.push_str(&format!("{s}s"));
    } else {
        let digits = format!("{frac:09}");
        out.push_str(&format!("{s}.{}s", digits.trim_end_matches('0')));
    }
    out
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9.+\\-]{0,30}[a-zµμ]{0,3}([0-9.]{0,10}[a-zµμ]{0,3}){0,4}",
        "[a-z0-9_/@:.\\-]{0,40}",
        prop::collection::vec(prop::sample::select(NASTY.to_vec()), 0..20)
            .prop_map(|c| c.into_iter().collect()),
        prop::sample::select(TOKENS.to_vec()).prop_map(str::to_string),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(1000), ..ProptestConfig::default() })]

    /// The whole pure core, on plausible worlds with arbitrary JSON in random places.
    #[test]
    fn the_core_never_panics(data in tape(), later in tape()) {
        let mut t = Tape::new(data);
        let (w, raw) = generate(&mut t);
        let mut t2 = Tape::new(later);
        let (_, after) = generate(&mut t2);
        run_core(&mut t, &w, &raw, &after)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(20_000), ..ProptestConfig::default() })]

    /// Every parser of text from the command line or the cluster, on arbitrary text.
    #[test]
    fn parsers_never_panic(a in any_text(), b in any_text()) {
        let _ = parse_duration(&a);
        if let Ok(r) = reference::parse(&a) {
            prop_assert!(!r.id.is_empty());
        }
        let _ = ObjectRef::parse(&a, &b);
        let _ = Status::parse(&a);
        let _ = health::short(&a);
        let _ = output::age(Some(&a));
        let _ = attribution::slugify(&a);
        let _ = deployed::find_sha(&a);
        let _ = deployed::same_commit(&a, &b);
        let _ = template::objects(&a);
        let _ = template::uses(&a, &b);
        let _ = kubectl_preview::model::permute::key(&a);
        let line = sanitize::line(&a);
        prop_assert!(!line.contains('\n') && !line.contains('\u{1b}'), "{:?}", line);
        let _ = sanitize::cell(&a);
        let _ = sanitize::cell_max(&a, b.len() % 100);
        let selector: Result<LabelSelector, _> = serde_json::from_value(json!({
            "matchLabels": {a.clone(): b.clone()},
            "matchExpressions": [{"key": a.clone(), "operator": b.clone(), "values": [a.clone()]}]}));
        if let Ok(sel) = selector {
            let _ = sel.matches(&BTreeMap::from([(a.clone(), b.clone())]));
        }
        let _ = Kind::Deployment.list_path(Some(&a));
        let _ = http::Request::get(Kind::Deployment.list_path(Some(&a))).body(Vec::<u8>::new());
    }

    /// Durations: Go's own spelling of any duration up to Go's limit parses back exactly, and
    /// anything larger is refused.
    #[test]
    fn durations_round_trip(nanos in 0u64..=i64::MAX as u64, extra in 1u64..1_000_000) {
        let text = go_duration(nanos);
        prop_assert_eq!(parse_duration(&text), Ok(Duration::from_nanos(nanos)), "{}", text);
        let over = (i64::MAX as u64).saturating_add(extra);
        prop_assert!(parse_duration(&format!("{}ns", over)).is_err(), "{}", over);
        prop_assert!(parse_duration(&go_duration(over)).is_err());
        let _ = output::human_duration(Duration::from_nanos(nanos));
        let _ = output::human_duration(Duration::from_secs(nanos));
    }
}

// ---- kubeconfigs ------------------------------------------------------------------------------

/// A kubeconfig of clusters, users and contexts with arbitrary values in them (never exec or
/// auth-provider sections: those run commands or reach the network).
fn kubeconfig(t: &mut Tape) -> Value {
    let server = match t.below(8) {
        0..=3 => "https://127.0.0.1:6443".to_string(),
        4 => "http://[::1]:80".to_string(),
        5 => "https://".to_string(),
        _ => t.string(),
    };
    let mut cluster = vec![("server", json!(server))];
    if t.rare(20) {
        // Base64 of anything: not a certificate.
        let text = t.string();
        cluster.push(("certificate-authority-data", json!(base64(text.as_bytes()))));
    }
    if t.rare(10) {
        cluster.push(("certificate-authority-data", json!(t.string())));
    }
    if t.rare(20) {
        cluster.push(("insecure-skip-tls-verify", json!(true)));
    }
    if t.rare(20) {
        cluster.push(("tls-server-name", json!(t.string())));
    }
    if t.rare(20) {
        let proxy = t.pick(&[
            "socks5://127.0.0.1:1",
            "http://proxy:3128",
            "::",
            "https://",
        ]);
        cluster.push(("proxy-url", json!(proxy)));
    }
    let cluster = object(cluster, t);
    let mut user = Vec::new();
    match t.below(4) {
        0 | 1 => user.push(("token", json!(t.string()))),
        2 => {
            user.push(("username", json!(t.string())));
            user.push(("password", json!(t.string())));
        }
        _ => {
            let cert = t.string();
            let key = t.string();
            user.push(("client-certificate-data", json!(base64(cert.as_bytes()))));
            user.push(("client-key-data", json!(base64(key.as_bytes()))));
        }
    }
    if t.rare(10) {
        user.push(("as", json!(t.string())));
    }
    let user = object(user, t);
    let context_fields = vec![
        ("cluster", json!(if t.rare(10) { "missing" } else { "c" })),
        ("user", json!(if t.rare(10) { "missing" } else { "u" })),
        ("namespace", json!(t.string())),
    ];
    let context = object(context_fields, t);
    let current = if t.rare(10) {
        t.pick(&["", "missing"])
    } else {
        "ctx"
    };
    let doc_fields = vec![
        ("apiVersion", json!("v1")),
        ("kind", json!("Config")),
        ("current-context", json!(current)),
        ("clusters", json!([{"name": "c", "cluster": cluster}])),
        ("users", json!([{"name": "u", "user": user}])),
        ("contexts", json!([{"name": "ctx", "context": context}])),
    ];
    object(doc_fields, t)
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(300), ..ProptestConfig::default() })]

    /// The client configuration from any kubeconfig and any connection flags: an error is fine,
    /// a panic is not.
    #[test]
    fn kubeconfigs_never_panic(data in tape()) {
        let mut t = Tape::new(data);
        let doc = kubeconfig(&mut t);
        let as_json = !t.rare(10);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let text = if as_json {
            serde_json::to_string(&doc).unwrap_or_default()
        } else {
            // Now and then not even a document.
            t.string()
        };
        std::fs::write(&path, text).unwrap();
        let mut global = GlobalArgs {
            kubeconfig: Some(path),
            ..GlobalArgs::default()
        };
        if t.rare(30) { global.context = Some(t.string()); }
        if t.rare(20) { global.cluster = Some(t.string()); }
        if t.rare(20) { global.user = Some(t.string()); }
        if t.rare(30) { global.namespace = Some(t.string()); }
        if t.rare(20) { global.as_user = Some(t.string()); }
        if t.rare(20) { global.as_group = vec![t.string()]; }
        if t.rare(20) { global.tls_server_name = Some(t.string()); }
        global.insecure_skip_tls_verify = t.rare(30);
        if t.rare(30) {
            let timeout = t.string();
            global.request_timeout = parse_duration(&timeout).unwrap_or_default();
        }
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            if let Ok(session) = kubectl_preview::cluster::client::connect(&(&global).into()).await {
                let _ = session.scope_label();
                let _ = Kind::Provider.list_path(session.scope());
            }
        });
    }
}
