//! `get ENV` (`describe`): the whole story of one environment.
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::process::ExitCode;

use kube::api::ListParams;
use serde::Serialize;

use crate::cli::{DetailOutput, GetArgs, GlobalArgs};
use crate::cluster::client::{self, Session};
use crate::cluster::read;
use crate::error::Result;
use crate::model::environments::{self, Column, Environment};
use crate::model::flux::{RECONCILE_EVERY_ANNOTATION, is_change_request_type};
use crate::model::health::{PodProblem, TERMINAL_POD_REASONS, short};
use crate::model::inventory::ObjectRef;
use crate::model::kinds;
use crate::model::objects::{
    Condition, Event, HistoryEntry, Identity, InvolvedObject, Object, find_condition,
};
use crate::model::snapshot::{Kind, Snapshot};
use crate::ui::output::{self, FORBIDDEN, NONE};
use crate::ui::select;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Detail {
    #[serde(flatten)]
    pub environment: Environment,
    pub provider_status: ProviderDetail,
    pub resource_set_status: Option<ResourceSetDetail>,
    pub depends_on: Vec<DependencyDetail>,
    pub events: Vec<EventDetail>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderDetail {
    pub url: Option<String>,
    pub ready: Option<Condition>,
    pub last_poll: Option<String>,
    pub next_poll: Option<String>,
    pub poll_interval: Option<String>,
    pub filter_labels: Vec<String>,
    pub skip_labels: Vec<String>,
    pub exported: usize,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSetDetail {
    pub ready: Option<Condition>,
    pub last_applied_revision: Option<String>,
    pub history: Vec<HistoryEntry>,
    pub shared_objects: Vec<ObjectRef>,
    /// Why objects were attributed by name rather than by rendering the templates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_rendered: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DependencyDetail {
    pub of: String,
    pub namespace: String,
    pub name: String,
    pub ready: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventDetail {
    pub last_seen: Option<String>,
    pub object: String,
    pub reason: String,
    pub message: String,
    pub count: Option<i64>,
}

pub async fn run(global: &GlobalArgs, args: &GetArgs) -> Result<ExitCode> {
    let session = client::connect(&global.into()).await?;
    let loaded = select::load(session, args.env.env.as_deref()).await?;
    let chosen = select::choose(&loaded).await?;
    let (pods, events) = read_namespace_extras(&loaded.session, &chosen.namespace).await?;
    let problems = pod_problems(&loaded.snapshot, &chosen.namespace, &pods);
    // Health again, now that pods are known (terminal pod reasons make an environment Failed).
    let catalog = environments::build(&loaded.snapshot, &problems);
    let env = catalog
        .environments
        .into_iter()
        .find(|e| e.name == chosen.name)
        .unwrap_or_else(|| chosen.clone());
    let detail = detail(&loaded.snapshot, &loaded.catalog, env, &events);
    match args.output {
        DetailOutput::Json => output::print_json(&detail)?,
        DetailOutput::Yaml => output::print_yaml(&detail)?,
        DetailOutput::Text => print!("{}", render(&detail)),
    }
    Ok(ExitCode::SUCCESS)
}

/// Pods and Warning events of the environment's namespace: one LIST each.
async fn read_namespace_extras(session: &Session, ns: &str) -> Result<(Vec<Object>, Vec<Event>)> {
    let (all, warnings) = (
        ListParams::default(),
        ListParams::default().fields("type=Warning"),
    );
    futures::try_join!(
        read::list_or_warn(session, kinds::of("", "Pod"), ns, &all),
        read::list_or_warn(session, kinds::of("", "Event"), ns, &warnings)
    )
}

/// Pods of the namespace's Deployments/StatefulSets (matched by selector) waiting for a reason
/// that will not resolve by itself.
pub fn pod_problems(snapshot: &Snapshot, ns: &str, pods: &[Object]) -> Vec<PodProblem> {
    let mut out = Vec::new();
    for kind in [Kind::Deployment, Kind::StatefulSet] {
        for w in snapshot
            .objects_of(kind)
            .iter()
            .filter(|w| w.metadata.namespace() == ns)
        {
            let selector = w.spec.selector.clone().unwrap_or_default();
            if selector.match_labels.is_empty() && selector.match_expressions.is_empty() {
                continue;
            }
            for pod in pods
                .iter()
                .filter(|p| selector.matches(p.metadata.labels()))
            {
                if let Some(reason) = pod.status.container_statuses.iter().find_map(|c| {
                    c.state
                        .waiting
                        .as_ref()
                        .and_then(|w| w.reason.as_deref())
                        .filter(|r| TERMINAL_POD_REASONS.contains(r))
                }) {
                    out.push(PodProblem {
                        workload: ObjectRef::new("apps", kind.kind_name(), ns, w.metadata.name()),
                        pod: pod.metadata.name().to_string(),
                        reason: reason.to_string(),
                    });
                }
            }
        }
    }
    out
}

/// Pure: the whole story of `env` from the snapshot it was built from and the namespace's events.
pub fn detail(
    snapshot: &Snapshot,
    catalog: &environments::Catalog,
    env: Environment,
    events: &[Event],
) -> Detail {
    let provider = snapshot.providers.iter().find(|p| {
        p.metadata.namespace() == env.provider.namespace
            && p.metadata.name() == env.provider.name
            && is_change_request_type(&p.spec.type_)
    });
    let provider_status = ProviderDetail {
        url: provider
            .map(|p| p.spec.url.clone())
            .filter(|u| !u.is_empty()),
        ready: provider.and_then(|p| find_condition(&p.status.conditions, "Ready").cloned()),
        last_poll: provider.and_then(|p| {
            find_condition(&p.status.conditions, "Ready")
                .and_then(|c| c.last_transition_time.clone())
                .or_else(|| p.status.last_handled_reconcile_at.clone())
        }),
        next_poll: provider
            .and_then(|p| p.status.next_schedule.as_ref().and_then(|s| s.when.clone())),
        poll_interval: provider.map(|p| {
            p.metadata
                .annotations()
                .get(RECONCILE_EVERY_ANNOTATION)
                .cloned()
                .unwrap_or_else(|| "10m (default)".into())
        }),
        filter_labels: provider
            .map(|p| p.spec.filter.labels.clone())
            .unwrap_or_default(),
        skip_labels: provider
            .map(|p| p.spec.skip.labels.clone())
            .unwrap_or_default(),
        exported: provider
            .map(|p| p.status.exported_inputs.len())
            .unwrap_or(0),
        limit: provider.map(|p| p.spec.filter.limit.unwrap_or(100)),
    };
    let rset = snapshot
        .resource_sets
        .iter()
        .find(|r| r.metadata.namespace() == env.namespace && r.metadata.name() == env.resource_set);
    let resource_set_status = rset.map(|r| {
        let set = catalog
            .preview_sets
            .iter()
            .find(|s| s.namespace == r.metadata.namespace() && s.name == r.metadata.name());
        ResourceSetDetail {
            ready: find_condition(&r.status.conditions, "Ready").cloned(),
            last_applied_revision: r.status.last_applied_revision.clone(),
            history: r.status.history.clone(),
            shared_objects: set.map(|s| s.shared_objects.clone()).unwrap_or_default(),
            not_rendered: set.and_then(|s| s.not_rendered.clone()),
        }
    });
    let mut depends_on = Vec::new();
    for o in env.objects.iter().filter(|o| o.reference.is_flux_applier()) {
        if let Some(f) = snapshot.flux.iter().find(|f| {
            f.kind == o.reference.kind
                && f.metadata.namespace() == o.reference.namespace
                && f.metadata.name() == o.reference.name
        }) {
            for (ns, name) in f.depends_on() {
                let dep = snapshot.flux.iter().find(|d| {
                    d.kind == f.kind && d.metadata.namespace() == ns && d.metadata.name() == name
                });
                let ready = dep.and_then(|d| find_condition(&d.status.conditions, "Ready"));
                depends_on.push(DependencyDetail {
                    of: o.reference.to_string(),
                    namespace: ns,
                    name,
                    ready: ready.map(|c| c.status.clone()),
                    message: ready.map(|c| c.message.clone()),
                });
            }
        }
    }
    let names: BTreeSet<(String, String)> = env
        .objects
        .iter()
        .map(|o| (o.reference.kind.clone(), o.reference.name.clone()))
        .collect();
    let mut events: Vec<EventDetail> = events
        .iter()
        .filter_map(|e| {
            let InvolvedObject { kind, name } = &e.involved_object;
            names
                .contains(&(kind.clone(), name.clone()))
                .then(|| EventDetail {
                    last_seen: e.last_timestamp.clone().or_else(|| e.event_time.clone()),
                    object: format!("{kind}/{name}"),
                    reason: e.reason.clone(),
                    message: e.message.trim().to_string(),
                    count: e.count,
                })
        })
        .collect();
    events.sort_by(|a, b| b.last_seen.cmp(&a.last_seen));
    events.truncate(10);
    Detail {
        environment: env,
        provider_status,
        resource_set_status,
        depends_on,
        events,
    }
}

fn cond_line(c: Option<&Condition>) -> String {
    match c {
        Some(c) if c.message.is_empty() => format!("{} ({})", c.status, c.reason),
        Some(c) => format!("{} ({}): {}", c.status, c.reason, c.message),
        None => "<unknown>".into(),
    }
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        NONE.into()
    } else {
        v.join(", ")
    }
}

/// The text view; a pure function of the detail.
pub fn render(d: &Detail) -> String {
    let e = &d.environment;
    let mut s = String::new();
    crate::safe_writeln!(s, "Environment:  {}", e.name);
    crate::safe_writeln!(
        s,
        "Status:       {}{}",
        e.status,
        if e.message.is_empty() {
            String::new()
        } else {
            format!(": {}", e.message)
        }
    );
    crate::safe_writeln!(s, "URL:          {}", e.url.as_deref().unwrap_or(NONE));
    crate::safe_writeln!(
        s,
        "Age:          {}",
        if e.created_at.is_some() {
            output::age(e.created_at.as_deref())
        } else {
            NONE.into()
        }
    );
    crate::safe_writeln!(
        s,
        "Last deploy:  {}",
        match &e.last_deploy {
            Some(_) => format!("{} ago", output::age(e.last_deploy.as_deref())),
            None => NONE.into(),
        }
    );
    crate::safe_writeln!(s, "Pull request:");
    crate::safe_writeln!(s, "  ID:         {}", e.pr.id);
    if let Some(url) = &e.pr.url {
        crate::safe_writeln!(s, "  URL:        {url}");
    }
    crate::safe_writeln!(s, "  Title:      {}", e.pr.title.as_deref().unwrap_or(NONE));
    crate::safe_writeln!(
        s,
        "  Author:     {}",
        e.pr.author.as_deref().unwrap_or(NONE)
    );
    crate::safe_writeln!(
        s,
        "  Branch:     {}",
        e.pr.branch.as_deref().unwrap_or(NONE)
    );
    crate::safe_writeln!(s, "  Labels:     {}", list_or_none(&e.pr.labels));
    crate::safe_writeln!(s, "  Head:       {}", e.pr.sha.as_deref().unwrap_or(NONE));
    let deployed = match (&e.deployed_sha, e.up_to_date) {
        (Some(d), Some(true)) => format!("{} (the PR head)", short(d)),
        (Some(d), Some(false)) => format!(
            "{} (behind the PR head {})",
            short(d),
            e.pr.sha.as_deref().map(short).unwrap_or("")
        ),
        (Some(d), None) => short(d).to_string(),
        (None, _) if e.forbidden.contains(&Column::Deployed) => FORBIDDEN.into(),
        (None, _) => "<unknown: the environment's Flux objects carry no commit>".into(),
    };
    crate::safe_writeln!(s, "  Deployed:   {deployed}");
    let p = &d.provider_status;
    crate::safe_writeln!(s, "Provider:     {} ({})", e.provider, e.provider.type_);
    crate::safe_writeln!(s, "  URL:        {}", p.url.as_deref().unwrap_or(NONE));
    crate::safe_writeln!(s, "  Ready:      {}", cond_line(p.ready.as_ref()));
    crate::safe_writeln!(
        s,
        "  Last poll:  {}",
        p.last_poll
            .as_deref()
            .map(|t| format!("{} ago ({t})", output::age(Some(t))))
            .unwrap_or("<unknown>".into())
    );
    crate::safe_writeln!(
        s,
        "  Next poll:  {}",
        p.next_poll.clone().unwrap_or_else(|| format!(
            "every {}",
            p.poll_interval.as_deref().unwrap_or("10m (default)")
        ))
    );
    crate::safe_writeln!(
        s,
        "  Filter:     labels {}; skip labels {}",
        list_or_none(&p.filter_labels),
        list_or_none(&p.skip_labels)
    );
    if let Some(limit) = p.limit {
        crate::safe_writeln!(s, "  Exported:   {} of limit {limit}", p.exported);
    }
    crate::safe_writeln!(s, "ResourceSet:  {}/{}", e.namespace, e.resource_set);
    if let Some(r) = &d.resource_set_status {
        crate::safe_writeln!(s, "  Ready:      {}", cond_line(r.ready.as_ref()));
        crate::safe_writeln!(
            s,
            "  Revision:   {}",
            r.last_applied_revision.as_deref().unwrap_or(NONE)
        );
        if !r.history.is_empty() {
            crate::safe_writeln!(s, "  History:");
            for h in &r.history {
                let meta: Vec<String> =
                    h.metadata.iter().map(|(k, v)| format!("{k}={v}")).collect();
                crate::safe_writeln!(
                    s,
                    "    {}  {}  {}  x{}  {}",
                    h.last_reconciled.as_deref().unwrap_or("-"),
                    h.last_reconciled_status.as_deref().unwrap_or("-"),
                    h.last_reconciled_duration.as_deref().unwrap_or("-"),
                    h.total_reconciliations.unwrap_or(0),
                    meta.join(" ")
                );
            }
        }
        if !r.shared_objects.is_empty() {
            let shared: Vec<String> = r.shared_objects.iter().map(|o| o.to_string()).collect();
            crate::safe_writeln!(
                s,
                "  Shared:     {} (rendered for every PR; not part of this environment)",
                shared.join(", ")
            );
        }
    }
    crate::safe_writeln!(s, "Objects:");
    if let Some(why) = d
        .resource_set_status
        .as_ref()
        .and_then(|r| r.not_rendered.as_deref())
    {
        crate::safe_writeln!(
            s,
            "  (attributed by name: the templates were not rendered: {})",
            crate::sanitize::line(why)
        );
    }
    if e.objects.is_empty() {
        crate::safe_writeln!(s, "  <none rendered yet>");
    }
    let tops: Vec<usize> = (0..e.objects.len())
        .filter(|&i| {
            !matches!(
                e.objects[i].attributed_by,
                crate::model::attribution::Rule::Inventory { .. }
            )
        })
        .collect();
    for i in tops {
        let o = &e.objects[i];
        crate::safe_writeln!(
            s,
            "  {}  {}  [{}]",
            o.reference,
            state(o),
            o.attributed_by.describe()
        );
        let parent = o.reference.to_string();
        let children: Vec<&environments::EnvObject> = e
            .objects
            .iter()
            .filter(|c| matches!(&c.attributed_by, crate::model::attribution::Rule::Inventory { parent: p } if *p == parent))
            .collect();
        for (j, c) in children.iter().enumerate() {
            let branch = if j + 1 == children.len() {
                "└──"
            } else {
                "├──"
            };
            crate::safe_writeln!(s, "  {branch} {}  {}", c.reference, state(c));
        }
    }
    if !d.depends_on.is_empty() {
        crate::safe_writeln!(s, "Depends on:");
        for dep in &d.depends_on {
            crate::safe_writeln!(
                s,
                "  {}/{}  {}{}",
                dep.namespace,
                dep.name,
                dep.ready
                    .as_deref()
                    .map(|r| if r == "True" {
                        "Ready".to_string()
                    } else {
                        format!("Ready={r}")
                    })
                    .unwrap_or("<not readable in scope>".into()),
                dep.message
                    .as_deref()
                    .filter(|m| !m.is_empty())
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            );
        }
    }
    crate::safe_writeln!(s, "URLs:");
    if e.urls.is_empty() {
        crate::safe_writeln!(
            s,
            "  {}",
            if e.forbidden.contains(&Column::Url) {
                FORBIDDEN
            } else {
                NONE
            }
        );
    }
    for u in &e.urls {
        crate::safe_writeln!(s, "  {}  (from {})", u.url, u.source);
    }
    crate::safe_writeln!(s, "Events (Warning):");
    if d.events.is_empty() {
        crate::safe_writeln!(s, "  <none>");
    }
    for ev in &d.events {
        crate::safe_writeln!(
            s,
            "  {}  {}  {}  {}",
            ev.last_seen
                .as_deref()
                .map(|t| output::age(Some(t)))
                .unwrap_or("-".into()),
            ev.object,
            ev.reason,
            ev.message.lines().next().unwrap_or("")
        );
    }
    s
}

fn state(o: &environments::EnvObject) -> String {
    if !o.found {
        return "<not read>".into();
    }
    match (&o.ready, &o.message) {
        (Some(r), Some(m)) if !m.is_empty() => format!("Ready={r}: {m}"),
        (Some(r), _) => format!("Ready={r}"),
        _ => "present".into(),
    }
}
