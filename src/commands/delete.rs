//! `delete ENV` (`teardown`): tear an environment down honestly. GitOps re-creates what it still
//! renders, so a PR that is no longer exported goes the GitOps way (refresh the provider,
//! reconcile the ResourceSet, which prunes), and a PR still exported is only deleted with
//! `--force`, saying when it will come back.
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use kube::api::{Api, ApiResource, DeleteParams, DynamicObject};
use kube::core::GroupVersionKind;
use serde::Serialize;

use crate::cli::{DeleteArgs, GlobalArgs};
use crate::client::{self, Session};
use crate::environments::{Environment, PreviewSet};
use crate::error::{Error, Result};
use crate::flux::{OWNER_NAME_LABEL, OWNER_NAMESPACE_LABEL, RECONCILE_EVERY_ANNOTATION};
use crate::inventory::ObjectRef;
use crate::objects::Meta;
use crate::progress::Progress;
use crate::select;
use crate::snapshot::Snapshot;
use crate::triggers::{self, Target};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    pub object: ObjectRef,
    /// Why it is deleted, or how it goes.
    pub why: String,
}

/// What `delete` will do, computed from the snapshot alone.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub environment: String,
    pub still_exported: bool,
    /// Deleted by this command, in order (Flux objects first).
    pub delete: Vec<Step>,
    /// Expected to disappear through Flux's pruning (nested inventories).
    pub pruned: Vec<Step>,
    /// Attributed objects this command will not touch, and why.
    pub untouched: Vec<Step>,
    pub notes: Vec<String>,
}

fn owned_by(meta: &Meta, rset: &str, ns: &str) -> bool {
    meta.labels.get(OWNER_NAME_LABEL).map(String::as_str) == Some(rset)
        && meta.labels.get(OWNER_NAMESPACE_LABEL).map(String::as_str) == Some(ns)
}

fn meta_of<'a>(snapshot: &'a Snapshot, r: &ObjectRef) -> Option<&'a Meta> {
    if r.is_flux_applier() {
        return snapshot
            .flux
            .iter()
            .find(|f| {
                f.kind == r.kind && f.metadata.namespace == r.namespace && f.metadata.name == r.name
            })
            .map(|f| &f.metadata);
    }
    let kind = crate::snapshot::Kind::of(&r.group, &r.kind)?;
    snapshot
        .objects_of(kind)
        .iter()
        .find(|o| o.metadata.namespace == r.namespace && o.metadata.name == r.name)
        .map(|o| &o.metadata)
}

/// Objects the ResourceSet may own but this tool never deletes.
fn protected(r: &ObjectRef) -> Option<&'static str> {
    match (r.group.as_str(), r.kind.as_str()) {
        ("", "Namespace") => Some("a namespace is never deleted"),
        ("fluxcd.controlplane.io", "ResourceSet") => Some("a ResourceSet is never deleted"),
        ("fluxcd.controlplane.io", "ResourceSetInputProvider") => {
            Some("a provider is never deleted")
        }
        _ => None,
    }
}

fn order(r: &ObjectRef) -> u8 {
    match r.group.as_str() {
        "kustomize.toolkit.fluxcd.io" | "helm.toolkit.fluxcd.io" => 0,
        "source.toolkit.fluxcd.io" => 1,
        _ => 2,
    }
}

/// Pure: the plan for one environment.
pub fn plan(snapshot: &Snapshot, env: &Environment) -> Plan {
    let (rset, ns) = (env.resource_set.as_str(), env.namespace.as_str());
    let still_exported = snapshot.providers.iter().any(|p| {
        p.metadata.namespace == env.provider.namespace
            && p.metadata.name == env.provider.name
            && p.status.exported_inputs.iter().any(|i| match i.get("id") {
                Some(serde_json::Value::String(s)) => *s == env.pr.id,
                Some(serde_json::Value::Number(n)) => n.to_string() == env.pr.id,
                _ => false,
            })
    });
    let mut plan = Plan {
        environment: env.name.clone(),
        still_exported,
        delete: vec![],
        pruned: vec![],
        untouched: vec![],
        notes: vec![],
    };
    let mut top: Vec<&crate::environments::EnvObject> = env
        .objects
        .iter()
        .filter(|o| !matches!(o.attributed_by, crate::attribution::Rule::Inventory { .. }))
        .collect();
    top.sort_by_key(|o| order(&o.reference));
    for o in top {
        let r = &o.reference;
        if let Some(why) = protected(r) {
            plan.untouched.push(Step {
                object: r.clone(),
                why: why.into(),
            });
            continue;
        }
        let owned = match meta_of(snapshot, r) {
            Some(m) => owned_by(m, rset, ns),
            // Kinds this tool does not read (e.g. GitRepository) were attributed from the
            // ResourceSet's own inventory; their labels are checked again before deletion.
            None => true,
        };
        if !owned {
            plan.untouched.push(Step {
                object: r.clone(),
                why: format!("lacks the owner labels of ResourceSet {ns}/{rset}"),
            });
            continue;
        }
        let why = if still_exported {
            "rendered for this PR".to_string()
        } else {
            "left behind after the PR was no longer exported".into()
        };
        plan.delete.push(Step {
            object: r.clone(),
            why,
        });
        if !r.is_flux_applier() {
            continue;
        }
        let prune = snapshot
            .flux
            .iter()
            .find(|f| {
                f.kind == r.kind && f.metadata.namespace == r.namespace && f.metadata.name == r.name
            })
            .map(|f| {
                r.kind == "HelmRelease"
                    || f.spec
                        .get("prune")
                        .and_then(|p| p.as_bool())
                        .unwrap_or(false)
            })
            .unwrap_or(true);
        let parent = r.to_string();
        for child in env
            .objects
            .iter()
            .filter(|c| matches!(&c.attributed_by, crate::attribution::Rule::Inventory { parent: p } if *p == parent))
        {
            let c = &child.reference;
            if let Some(why) = protected(c) {
                plan.untouched.push(Step { object: c.clone(), why: why.into() });
            } else if prune {
                plan.pruned.push(Step { object: c.clone(), why: format!("pruned by {parent}") });
            } else {
                plan.delete.push(Step { object: c.clone(), why: format!("{parent} has prune: false and would orphan it") });
            }
        }
        if !prune {
            plan.notes.push(format!("{parent} has prune: false: deleting it would orphan what it applied, so those objects are deleted explicitly"));
        }
    }
    plan
}

/// The objects a PR that is no longer exported left behind, as an environment: entries of a preview
/// ResourceSet's inventory (or objects still carrying its owner labels, such as `prune: disabled`
/// ones that left the inventory) that name the PR id as a whole name token or carry its
/// `change_request` annotation. `None` when the reference names an exported PR or nothing is left.
pub fn leftover(
    snapshot: &Snapshot,
    catalog: &crate::environments::Catalog,
    reference: &crate::reference::Reference,
) -> Option<Environment> {
    if catalog.environments.iter().any(|e| reference.matches(e)) {
        return None;
    }
    let mut found: Vec<Environment> = Vec::new();
    for set in &catalog.preview_sets {
        if reference
            .resource_set
            .as_ref()
            .is_some_and(|r| *r != set.name)
            || reference
                .namespace
                .as_ref()
                .is_some_and(|n| *n != set.namespace)
        {
            continue;
        }
        let rset = snapshot
            .resource_sets
            .iter()
            .find(|r| r.metadata.namespace == set.namespace && r.metadata.name == set.name)?;
        let mut refs: Vec<ObjectRef> = rset
            .status
            .inventory
            .as_ref()
            .map(|i| crate::inventory::parse_entries(&i.entries))
            .unwrap_or_default();
        // Owner-labelled objects of the kinds read, in or out of the inventory.
        for f in &snapshot.flux {
            if owned_by(&f.metadata, &set.name, &set.namespace) {
                let group = if f.kind == "HelmRelease" {
                    crate::flux::HELM_GROUP
                } else {
                    crate::flux::KUSTOMIZE_GROUP
                };
                refs.push(ObjectRef::new(
                    group,
                    &f.kind,
                    &f.metadata.namespace,
                    &f.metadata.name,
                ));
            }
        }
        for (kind, objects) in &snapshot.objects {
            for o in objects
                .iter()
                .filter(|o| owned_by(&o.metadata, &set.name, &set.namespace))
            {
                refs.push(ObjectRef::new(
                    kind.api().0,
                    kind.kind_name(),
                    &o.metadata.namespace,
                    &o.metadata.name,
                ));
            }
        }
        refs.sort();
        refs.dedup_by(|a, b| a.same_object(b));
        let key = [crate::attribution::PrKey {
            id: reference.id.clone(),
            slugs: vec![],
        }];
        let claimed = crate::attribution::attribute(&refs, &key, |r| {
            meta_of(snapshot, r).map(|m| &m.annotations)
        });
        let mut objects = Vec::new();
        for (r, who) in refs.iter().zip(claimed) {
            if let Some((_, rule)) = who {
                objects.push(crate::environments::EnvObject {
                    reference: r.clone(),
                    attributed_by: rule,
                    ready: None,
                    message: None,
                    found: true,
                });
                if let Some(f) = snapshot.flux.iter().find(|f| {
                    f.kind == r.kind
                        && f.metadata.namespace == r.namespace
                        && f.metadata.name == r.name
                }) {
                    for child in f
                        .status
                        .inventory
                        .as_ref()
                        .map(|i| crate::inventory::parse_entries(&i.entries))
                        .unwrap_or_default()
                    {
                        objects.push(crate::environments::EnvObject {
                            reference: child,
                            attributed_by: crate::attribution::Rule::Inventory {
                                parent: r.to_string(),
                            },
                            ready: None,
                            message: None,
                            found: true,
                        });
                    }
                }
            }
        }
        if objects.is_empty() {
            continue;
        }
        let provider = set.providers.first()?.clone();
        found.push(Environment {
            name: format!("{}/{}/{}", set.namespace, set.name, reference.id),
            namespace: set.namespace.clone(),
            resource_set: set.name.clone(),
            pr: crate::environments::PullRequest {
                id: reference.id.clone(),
                sha: None,
                branch: None,
                title: None,
                author: None,
                labels: vec![],
                inputs: Default::default(),
            },
            provider,
            status: crate::health::Status::Unknown,
            message: "no longer exported".into(),
            url: None,
            urls: vec![],
            deployed_sha: None,
            up_to_date: None,
            created_at: None,
            objects,
            forbidden: vec![],
        });
    }
    (found.len() == 1).then(|| found.remove(0))
}

/// How to make a teardown stick, from the provider's own rules.
pub fn stick_hint(snapshot: &Snapshot, env: &Environment) -> String {
    let provider = snapshot.providers.iter().find(|p| {
        p.metadata.namespace == env.provider.namespace && p.metadata.name == env.provider.name
    });
    let mut ways = vec![format!("close or merge PR {}", env.pr.id)];
    if let Some(p) = provider {
        if !p.spec.filter.labels.is_empty() {
            ways.push(format!(
                "remove the label {} from it (the provider's filter.labels requires {})",
                p.spec
                    .filter
                    .labels
                    .iter()
                    .map(|l| format!("{l:?}"))
                    .collect::<Vec<_>>()
                    .join(" or "),
                if p.spec.filter.labels.len() == 1 {
                    "it"
                } else {
                    "all of them"
                }
            ));
        }
        let mut text = format!(
            "To make it stick: {}, then run `kubectl preview render {}/{}`.",
            ways.join(", or "),
            env.namespace,
            env.resource_set
        );
        for l in &p.spec.skip.labels {
            let note = match l.strip_prefix('!') {
                Some(required) => format!(
                    " Removing {required:?} (skip.labels {l:?}) only freezes an exported PR at its last commit; it does not remove it."
                ),
                None => format!(
                    " Adding {l:?} (skip.labels) only freezes an exported PR at its last commit; it does not remove it."
                ),
            };
            text.push_str(&note);
        }
        return text;
    }
    format!("To make it stick: {}.", ways.join(", or "))
}

fn comes_back(snapshot: &Snapshot, env: &Environment) -> String {
    let every = |meta: Option<&Meta>, default: &str| {
        meta.and_then(|m| m.annotations.get(RECONCILE_EVERY_ANNOTATION).cloned())
            .unwrap_or_else(|| format!("{default}, the default"))
    };
    let provider = snapshot.providers.iter().find(|p| {
        p.metadata.namespace == env.provider.namespace && p.metadata.name == env.provider.name
    });
    let rset = snapshot
        .resource_sets
        .iter()
        .find(|r| r.metadata.namespace == env.namespace && r.metadata.name == env.resource_set);
    format!(
        "The provider still exports PR {}, so ResourceSet {}/{} re-creates it at its next reconcile: when the exported inputs change (the provider polls every {}) or within its own interval ({}).",
        env.pr.id,
        env.namespace,
        env.resource_set,
        every(provider.map(|p| &p.metadata), "10m"),
        every(rset.map(|r| &r.metadata), "60m"),
    )
}

pub fn render_plan(plan: &Plan) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Plan for {}:", plan.environment);
    for step in &plan.delete {
        let _ = writeln!(s, "  delete  {}  ({})", step.object, step.why);
    }
    for step in &plan.pruned {
        let _ = writeln!(s, "  prune   {}  ({})", step.object, step.why);
    }
    for step in &plan.untouched {
        let _ = writeln!(s, "  keep    {}  ({})", step.object, step.why);
    }
    for note in &plan.notes {
        let _ = writeln!(s, "  note: {note}");
    }
    s
}

async fn resource_for(session: &Session, r: &ObjectRef) -> Result<ApiResource> {
    if let Some(t) = Target::of(r) {
        return Ok(t.resource);
    }
    let version = if r.version.is_empty() {
        "v1"
    } else {
        r.version.as_str()
    };
    let gvk = GroupVersionKind::gvk(&r.group, version, &r.kind);
    kube::discovery::pinned_kind(&session.client, &gvk)
        .await
        .map(|(ar, _)| ar)
        .map_err(|e| session.error(format!("discover the API of {}", r.kind), e))
}

fn api(session: &Session, ar: &ApiResource, r: &ObjectRef) -> Api<DynamicObject> {
    if r.namespace.is_empty() {
        Api::all_with(session.client.clone(), ar)
    } else {
        Api::namespaced_with(session.client.clone(), &r.namespace, ar)
    }
}

fn delete_error(session: &Session, ar: &ApiResource, r: &ObjectRef, err: kube::Error) -> Error {
    match &err {
        kube::Error::Api(s) if s.code == 403 => Error::Forbidden {
            verb: "delete".into(),
            resource: if ar.group.is_empty() {
                ar.plural.clone()
            } else {
                format!("{}.{}", ar.plural, ar.group)
            },
            scope: if r.namespace.is_empty() {
                "the cluster scope".into()
            } else {
                format!("namespace {}", r.namespace)
            },
            message: s.message.clone(),
        },
        _ => session.error(format!("delete {r}"), err),
    }
}

pub async fn run(global: &GlobalArgs, args: &DeleteArgs) -> Result<ExitCode> {
    let session = client::connect(global).await?;
    let loaded = select::load(session, args.env.env.as_deref()).await?;
    // A PR that is no longer exported has no environment any more, but may have left objects.
    let env = match loaded
        .reference
        .as_ref()
        .and_then(|r| leftover(&loaded.snapshot, &loaded.catalog, r))
    {
        Some(env) => env,
        None => select::choose(&loaded).await?.clone(),
    };
    let session = loaded.session.clone();
    let plan = plan(&loaded.snapshot, &env);
    if plan.delete.is_empty() && plan.pruned.is_empty() {
        println!(
            "{}: nothing to delete ({}).",
            env.name,
            if plan.still_exported {
                "nothing is rendered for it"
            } else {
                "no object remains"
            }
        );
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", render_plan(&plan));
    if plan.still_exported {
        println!("  PR {} is still exported by {}.", env.pr.id, env.provider);
        if !args.force {
            return Err(Error::Other(format!(
                "refusing to delete {}: the provider still exports PR {}, so the ResourceSet would re-create it (use --force to delete anyway). {}",
                env.name,
                env.pr.id,
                stick_hint(&loaded.snapshot, &env)
            )));
        }
        println!("  {}", comes_back(&loaded.snapshot, &env));
    } else {
        println!(
            "  PR {} is no longer exported: first the GitOps way (refresh {}, reconcile ResourceSet {}/{}, which prunes), then delete what remains with its owner labels.",
            env.pr.id, env.provider, env.namespace, env.resource_set
        );
    }
    if args.dry_run {
        println!("Dry run: nothing changed.");
        return Ok(ExitCode::SUCCESS);
    }
    // Every write is checked before the first one: a forbidden one changes nothing.
    let mut checks: Vec<Target> = Vec::new();
    for step in &plan.delete {
        let ar = resource_for(&session, &step.object).await?;
        checks.push(Target {
            reference: step.object.clone(),
            resource: ar,
        });
    }
    let set = PreviewSet {
        namespace: env.namespace.clone(),
        name: env.resource_set.clone(),
        providers: vec![env.provider.clone()],
        shared_objects: vec![],
    };
    if !plan.still_exported {
        checks.push(Target::new(
            "fluxcd.controlplane.io",
            "v1",
            "ResourceSetInputProvider",
            "resourcesetinputproviders",
            &env.provider.namespace,
            &env.provider.name,
        ));
        checks.push(Target::new(
            "fluxcd.controlplane.io",
            "v1",
            "ResourceSet",
            "resourcesets",
            &env.namespace,
            &env.resource_set,
        ));
    }
    let (deletes, patches): (Vec<&Target>, Vec<&Target>) = checks
        .iter()
        .partition(|t| t.resource.group != "fluxcd.controlplane.io");
    triggers::preflight(&session, "delete", &deletes).await?;
    triggers::preflight(&session, "patch", &patches).await?;
    confirm(args, &env)?;

    let progress = Progress::new();
    let mut deleted = Vec::new();
    if !plan.still_exported {
        crate::commands::render::render_sets(
            &session,
            std::slice::from_ref(&set),
            args.wait.timeout,
        )
        .await?;
    }
    // What still exists is deleted explicitly (after the GitOps path: what it left, e.g.
    // `fluxcd.controlplane.io/prune: disabled` objects), each re-checked for its labels.
    for (step, target) in plan.delete.iter().zip(&checks) {
        let api = api(&session, &target.resource, &step.object);
        let current = match api.get_opt(&step.object.name).await {
            Ok(Some(o)) => o,
            Ok(None) => continue,
            Err(e) => return Err(session.error(format!("read {}", step.object), e)),
        };
        let labels = current.metadata.labels.clone().unwrap_or_default();
        let nested = step.why.contains("prune: false");
        let owner_ok = if nested {
            let parent = step.why.split_whitespace().next().unwrap_or_default();
            let parent_name = parent.rsplit('/').next().unwrap_or_default();
            labels
                .get("kustomize.toolkit.fluxcd.io/name")
                .map(String::as_str)
                == Some(parent_name)
                || labels
                    .get("helm.toolkit.fluxcd.io/name")
                    .map(String::as_str)
                    == Some(parent_name)
        } else {
            labels.get(OWNER_NAME_LABEL) == Some(&env.resource_set)
                && labels.get(OWNER_NAMESPACE_LABEL) == Some(&env.namespace)
        };
        if !owner_ok {
            progress.line(&format!(
                "  keep {}: it lacks the owner labels",
                step.object
            ));
            continue;
        }
        api.delete(&step.object.name, &DeleteParams::background())
            .await
            .map_err(|e| delete_error(&session, &target.resource, &step.object, e))?;
        progress.line(&format!("✔ deleted {}", step.object));
        deleted.push(step.object.clone());
    }
    let gone = wait_gone(&session, &plan, args.wait.timeout, &progress).await?;
    println!(
        "Deleted {} object(s); {} object(s) gone in all.",
        deleted.len(),
        gone
    );
    if plan.still_exported {
        println!("{}", stick_hint(&loaded.snapshot, &env));
    }
    Ok(ExitCode::SUCCESS)
}

fn confirm(args: &DeleteArgs, env: &Environment) -> Result<()> {
    if args.yes {
        return Ok(());
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Error::Usage(format!(
            "refusing to delete {} without confirmation: pass --yes (or --dry-run to see the plan)",
            env.name
        )));
    }
    let yes = dialoguer::Confirm::new()
        .with_prompt(format!("Delete {}?", env.name))
        .default(false)
        .interact()
        .map_err(|e| Error::Other(format!("cannot read the answer: {e}")))?;
    if yes {
        Ok(())
    } else {
        Err(Error::Other("aborted: nothing was changed".into()))
    }
}

/// Waits until every planned object (deleted or pruned) is gone; returns how many are.
async fn wait_gone(
    session: &Session,
    plan: &Plan,
    timeout: Duration,
    progress: &Progress,
) -> Result<usize> {
    let all: Vec<&ObjectRef> = plan
        .delete
        .iter()
        .chain(&plan.pruned)
        .map(|s| &s.object)
        .collect();
    let mut apis = Vec::new();
    for r in &all {
        let ar = resource_for(session, r).await?;
        apis.push(api(session, &ar, r));
    }
    let bar = progress.bar(all.len() as u64, "waiting for the objects to be gone");
    let deadline = tokio::time::Instant::now() + timeout;
    let mut remaining: Vec<usize> = (0..all.len()).collect();
    loop {
        let mut still = Vec::new();
        for &i in &remaining {
            match apis[i].get_opt(&all[i].name).await {
                Ok(None) => {}
                Ok(Some(_)) => still.push(i),
                Err(e) => return Err(session.error(format!("read {}", all[i]), e)),
            }
        }
        remaining = still;
        if let Some(b) = &bar {
            b.set_position((all.len() - remaining.len()) as u64);
        }
        if remaining.is_empty() {
            if let Some(b) = bar {
                b.finish_with_message("all gone");
            }
            return Ok(all.len());
        }
        let left: Vec<String> = remaining.iter().map(|&i| all[i].to_string()).collect();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Err(Error::Other(format!("interrupted; still present: {}", left.join(", ")))),
            _ = tokio::time::sleep_until(deadline) => return Err(Error::Other(format!("timed out; still present: {}", left.join(", ")))),
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}
