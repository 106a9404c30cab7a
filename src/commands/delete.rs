//! `delete ENV` (`teardown`): tear an environment down honestly. GitOps re-creates what it still
//! renders, so a PR that is no longer exported goes the GitOps way (refresh the provider,
//! reconcile the ResourceSet, which prunes), and a PR still exported is only deleted with
//! `--force`, saying when it will come back. What to delete is decided by the pure planner
//! (`crate::model::teardown`); this shell checks every write, re-checks ownership on the live objects
//! (one LIST per kind and namespace), deletes, and watches until everything planned is gone.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::IsTerminal;
use std::process::ExitCode;

use futures::StreamExt;
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, ListParams};
use kube::core::GroupVersionKind;
use kube::runtime::watcher::{self, Event};

use crate::cli::{DeleteArgs, GlobalArgs};
use crate::cluster::client::{self, Session};
use crate::cluster::triggers::{self, Target};
use crate::error::{Error, Result};
use crate::model::environments::{PreviewSet, ProviderInfo};
use crate::model::flux::{CHANGE_REQUEST_ANNOTATION, RECONCILE_EVERY_ANNOTATION};
use crate::model::inventory::ObjectRef;
use crate::model::objects::{Identity, Meta};
use crate::model::snapshot::Snapshot;
use crate::model::teardown::{self, Owner, Plan, Subject};
use crate::sanitize;
use crate::ui::progress::Progress;
use crate::ui::select;

/// How to make a teardown stick, from the provider's own rules.
pub fn stick_hint(
    snapshot: &Snapshot,
    subject: &Subject,
    provider: Option<&ProviderInfo>,
) -> String {
    let found = provider.and_then(|info| {
        snapshot
            .providers
            .iter()
            .find(|p| p.metadata.namespace() == info.namespace && p.metadata.name() == info.name)
    });
    let mut ways = vec![format!("close or merge PR {}", subject.id)];
    let Some(p) = found else {
        return format!("To make it stick: {}.", ways.join(", or "));
    };
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
        subject.namespace,
        subject.resource_set
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
    text
}

fn comes_back(snapshot: &Snapshot, subject: &Subject, provider: Option<&ProviderInfo>) -> String {
    let every = |meta: Option<&Meta>, default: &str| {
        meta.and_then(|m| m.annotations().get(RECONCILE_EVERY_ANNOTATION).cloned())
            .unwrap_or_else(|| format!("{default}, the default"))
    };
    let p = provider.and_then(|info| {
        snapshot
            .providers
            .iter()
            .find(|p| p.metadata.namespace() == info.namespace && p.metadata.name() == info.name)
    });
    let rset = snapshot.resource_sets.iter().find(|r| {
        r.metadata.namespace() == subject.namespace && r.metadata.name() == subject.resource_set
    });
    format!(
        "The provider still exports PR {}, so ResourceSet {}/{} re-creates it at its next reconcile: when the exported inputs change (the provider polls every {}) or within its own interval ({}).",
        subject.id,
        subject.namespace,
        subject.resource_set,
        every(p.map(|p| &p.metadata), "10m"),
        every(rset.map(|r| &r.metadata), "60m"),
    )
}

/// The API of each kind in the plan, resolved once per kind (never once per object).
struct Apis<'a> {
    session: &'a Session,
    resolved: HashMap<(String, String, String), ApiResource>,
    /// The versions the snapshot read its kinds at (an older Flux serves older ones).
    read_at: BTreeMap<crate::model::snapshot::Kind, String>,
}

impl<'a> Apis<'a> {
    fn new(session: &'a Session, snapshot: &Snapshot) -> Self {
        Apis {
            session,
            resolved: HashMap::new(),
            read_at: snapshot.versions.clone(),
        }
    }

    async fn resource(&mut self, r: &ObjectRef) -> Result<ApiResource> {
        // A reference without a version (from the snapshot, not an inventory) is of a kind the
        // snapshot read: at the version it read it.
        let mut with_version;
        let r = match crate::model::snapshot::Kind::of(&r.group, &r.kind)
            .and_then(|k| self.read_at.get(&k))
        {
            Some(v) if r.version.is_empty() => {
                with_version = r.clone();
                with_version.version = v.clone();
                &with_version
            }
            _ => r,
        };
        let version = if r.version.is_empty() {
            "v1"
        } else {
            r.version.as_str()
        };
        let key = (r.group.clone(), version.to_string(), r.kind.clone());
        if let Some(ar) = self.resolved.get(&key) {
            return Ok(ar.clone());
        }
        let ar = match Target::of(r) {
            Some(t) => t.resource,
            None => {
                let gvk = GroupVersionKind::gvk(&r.group, version, &r.kind);
                kube::discovery::pinned_kind(&self.session.client, &gvk)
                    .await
                    .map(|(ar, _)| ar)
                    .map_err(|e| {
                        self.session.error(
                            format!("discover the API of {}", sanitize::line(&r.kind)),
                            e,
                        )
                    })?
            }
        };
        self.resolved.insert(key, ar.clone());
        Ok(ar)
    }

    fn api<K>(&self, ar: &ApiResource, namespace: &str) -> Api<K>
    where
        K: kube::Resource<DynamicType = ApiResource, Scope = kube::core::DynamicResourceScope>,
    {
        if namespace.is_empty() {
            Api::all_with(self.session.client.clone(), ar)
        } else {
            Api::namespaced_with(self.session.client.clone(), namespace, ar)
        }
    }

    /// For watches: the client without a read timeout (`--request-timeout` bounds requests, not
    /// watches).
    fn watch_api(&self, ar: &ApiResource, namespace: &str) -> Api<MetaOnly> {
        if namespace.is_empty() {
            Api::all_with(self.session.watch_client.clone(), ar)
        } else {
            Api::namespaced_with(self.session.watch_client.clone(), namespace, ar)
        }
    }
}

/// Metadata-only reads: a LIST or watch of them asks the server for metadata alone.
type MetaOnly = kube::core::PartialObjectMeta<DynamicObject>;

/// Objects grouped by API and namespace: one LIST or watch per group.
type Groups = BTreeMap<(String, String, String, String), (ApiResource, Vec<ObjectRef>)>;

fn group_key(ar: &ApiResource, namespace: &str) -> (String, String, String, String) {
    (
        ar.group.clone(),
        ar.version.clone(),
        ar.plural.clone(),
        namespace.to_string(),
    )
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

/// The teardown subject a reference names: one exported environment, or one PR that is no longer
/// exported but left objects behind. `None` when the reference names no PR that is gone, or names
/// several exported environments: `select::choose` then says so (or offers a picker), as for every
/// other command.
fn pick(loaded: &select::Loaded) -> Result<Option<(Subject, Plan)>> {
    let Some(reference) = loaded.reference.as_ref() else {
        return Ok(None);
    };
    let mut found = teardown::subjects(&loaded.snapshot, &loaded.catalog, reference);
    if found.len() == 1 {
        return Ok(found.pop());
    }
    if found.iter().all(|(_, plan)| plan.still_exported) {
        return Ok(None);
    }
    Err(Error::Other(format!(
        "environment {:?} is ambiguous in {}: {}; name it as RESOURCESET/PR or NAMESPACE/RESOURCESET/PR",
        sanitize::line(loaded.text.as_deref().unwrap_or(&reference.id)),
        loaded.session.scope_label(),
        found
            .iter()
            .map(|(s, _)| sanitize::line(&s.to_string()).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// The preview sets in whose objects a reference to a PR that no environment exports may have
/// left something: those in the reference's scope, when the id is a number no environment there
/// exports.
fn sets_for_reference(loaded: &select::Loaded) -> Vec<&PreviewSet> {
    let Some(reference) = loaded.reference.as_ref() else {
        return vec![];
    };
    // Only a number can name a PR that is no longer exported (as the planner requires).
    if reference.id.is_empty() || !reference.id.bytes().all(|b| b.is_ascii_digit()) {
        return vec![];
    }
    let in_scope = |ns: &str, name: &str| {
        reference.namespace.as_deref().is_none_or(|n| n == ns)
            && reference.resource_set.as_deref().is_none_or(|r| r == name)
    };
    if loaded
        .catalog
        .environments
        .iter()
        .any(|e| e.pr.id == reference.id && in_scope(&e.namespace, &e.resource_set))
    {
        return vec![];
    }
    loaded
        .catalog
        .preview_sets
        .iter()
        .filter(|s| in_scope(&s.namespace, &s.name))
        .collect()
}

/// What the Flux Operator may have left behind out of its inventory for PRs of `sets` that are
/// no longer exported, of the kinds the ResourceSets' templates produce that the snapshot does
/// not read. One metadata LIST per kind and namespace, selected by the owner labels, in the
/// command's scope only (cluster-scoped kinds cluster-wide): never one per PR or per object. A
/// read that fails (forbidden, API gone) is a warning: the plan then has less to delete, never
/// more.
async fn read_leftovers(loaded: &select::Loaded, sets: &[&PreviewSet]) -> Vec<(ObjectRef, Meta)> {
    let session = &loaded.session;
    let warn = |what: String| {
        crate::safe_eprintln!(
            "warning: {what} (objects of that kind left behind are not looked for)"
        )
    };
    let mut out = Vec::new();
    for set in sets {
        for read in teardown::leftover_reads(&loaded.snapshot, &set.namespace, &set.name) {
            // Discovery with the template's own version, which also says the kind's scope.
            let gvk = GroupVersionKind::gvk(&read.group, &read.version, &read.kind);
            let (ar, caps) = match kube::discovery::pinned_kind(&session.client, &gvk).await {
                Ok(found) => found,
                Err(e) => {
                    warn(
                        session
                            .error(format!("discover the API of {}", read.kind), e)
                            .to_string(),
                    );
                    continue;
                }
            };
            let namespace = match caps.scope {
                kube::discovery::Scope::Cluster => String::new(),
                kube::discovery::Scope::Namespaced => read.namespace.clone(),
            };
            if !namespace.is_empty() && !session.all_namespaces && namespace != session.namespace {
                warn(format!(
                    "{} of ResourceSet {}/{} live in namespace {namespace}, outside this command's scope: use -A or -n {namespace}",
                    ar.plural, set.namespace, set.name
                ));
                continue;
            }
            let selector = read
                .owner
                .labels()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",");
            let api: Api<MetaOnly> = if namespace.is_empty() {
                Api::all_with(session.client.clone(), &ar)
            } else {
                Api::namespaced_with(session.client.clone(), &namespace, &ar)
            };
            match api.list(&ListParams::default().labels(&selector)).await {
                Ok(list) => {
                    for o in list.items {
                        let meta = o.metadata;
                        let mut r =
                            ObjectRef::new(&read.group, &read.kind, meta.namespace(), meta.name());
                        r.version = read.version.clone();
                        out.push((r, meta));
                    }
                }
                Err(e) => warn(
                    session
                        .error(format!("list {} in {}", ar.plural, scope_of(&namespace)), e)
                        .to_string(),
                ),
            }
        }
    }
    out
}

pub async fn run(global: &GlobalArgs, args: &DeleteArgs) -> Result<ExitCode> {
    let session = client::connect(&global.into()).await?;
    if args.closed {
        return closed(session, args).await;
    }
    let mut loaded = select::load(session, args.env.env.as_deref()).await?;
    loaded.snapshot.leftovers = read_leftovers(&loaded, &sets_for_reference(&loaded)).await;
    let (subject, plan) = match pick(&loaded)? {
        Some(found) => found,
        None => {
            // Unknown references (and the picker) are resolved as for every other command.
            let env = select::choose(&loaded).await?;
            let subject = Subject {
                namespace: env.namespace.clone(),
                resource_set: env.resource_set.clone(),
                id: env.pr.id.clone(),
                provider: env.name.contains('@').then(|| env.provider.name.clone()),
            };
            let plan = teardown::plan(&loaded.snapshot, &subject).ok_or_else(|| {
                Error::Other(format!(
                    "cannot plan the teardown of {}: its ResourceSet could not be read",
                    sanitize::line(&env.name)
                ))
            })?;
            (subject, plan)
        }
    };
    let snapshot = &loaded.snapshot;
    let session = loaded.session.clone();
    // Attribution per PR does not hold for combinations of inputs: refuse rather than guess.
    if snapshot.resource_sets.iter().any(|r| {
        r.metadata.namespace() == subject.namespace
            && r.metadata.name() == subject.resource_set
            && crate::model::permute::is_permute(&r.spec)
    }) {
        return Err(Error::Other(format!(
            "ResourceSet {}/{} uses inputStrategy Permute: an environment is a combination of inputs, and tearing one down by hand is not supported; close the PR (or remove its label) and run `kubectl preview render {}/{}`",
            subject.namespace, subject.resource_set, subject.namespace, subject.resource_set
        )));
    }
    let provider = plan.provider.clone();
    if plan.is_empty() {
        print!("{}", teardown::render(&plan));
        println!(
            "{}: nothing to delete ({}).",
            sanitize::line(&plan.environment),
            if plan.still_exported {
                "nothing is rendered for it"
            } else {
                "no object remains"
            }
        );
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", teardown::render(&plan));
    if plan.still_exported {
        let by = provider
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        println!(
            "  PR {} is still exported by {}.",
            sanitize::line(&subject.id),
            sanitize::line(&by)
        );
        if !args.force {
            return Err(Error::Other(format!(
                "refusing to delete {}: the provider still exports PR {}, so the ResourceSet would re-create it (use --force to delete anyway). {}",
                plan.environment,
                subject.id,
                stick_hint(snapshot, &subject, provider.as_ref())
            )));
        }
        println!(
            "  {}",
            sanitize::line(&comes_back(snapshot, &subject, provider.as_ref()))
        );
    } else {
        println!(
            "  PR {} is no longer exported: first the GitOps way (refresh {}, reconcile ResourceSet {}/{}, which prunes), then delete what remains with its owner labels.",
            sanitize::line(&subject.id),
            provider
                .as_ref()
                .map(|p| sanitize::line(&p.to_string()).into_owned())
                .unwrap_or_else(|| "its providers".into()),
            subject.namespace,
            subject.resource_set
        );
    }
    if args.dry_run {
        println!("Dry run: nothing changed.");
        return Ok(ExitCode::SUCCESS);
    }

    let (deleted, gone) = execute(
        &session,
        snapshot,
        vec![(subject.clone(), plan.clone())],
        args,
        &plan.environment,
    )
    .await?;
    println!("Deleted {deleted} object(s); {gone} object(s) gone in all.");
    if plan.still_exported {
        println!(
            "{}",
            sanitize::line(&stick_hint(snapshot, &subject, provider.as_ref()))
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `delete --closed`: every environment in scope whose PR is no longer exported but whose
/// objects remain, in one plan, one confirmation and one GitOps pass, with the rules of
/// `delete ENV` for each.
async fn closed(session: Session, args: &DeleteArgs) -> Result<ExitCode> {
    let mut loaded = select::load(session, None).await?;
    let sets: Vec<&PreviewSet> = loaded.catalog.preview_sets.iter().collect();
    loaded.snapshot.leftovers = read_leftovers(&loaded, &sets).await;
    let found = teardown::closed(&loaded.snapshot, &loaded.catalog, None, None);
    for (ns, name, why) in &found.skipped {
        crate::safe_eprintln!("Warning: ResourceSet {ns}/{name} was not looked at: {why}");
    }
    let scope = loaded.session.scope_label();
    if found.found.is_empty() {
        println!("No environment of a closed PR is left in {scope}.");
        return Ok(ExitCode::SUCCESS);
    }
    for (_, plan) in &found.found {
        print!("{}", teardown::render(plan));
    }
    let mut rsets: Vec<String> = found
        .found
        .iter()
        .map(|(s, _)| format!("{}/{}", s.namespace, s.resource_set))
        .collect();
    rsets.dedup();
    let what = format!(
        "{} environment(s) of PRs that are no longer exported ({})",
        found.found.len(),
        found
            .found
            .iter()
            .map(|(s, _)| s.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "{}: first the GitOps way (refresh their providers, reconcile ResourceSet {}, which prunes), then delete what remains with its owner labels.",
        sanitize::line(&what),
        rsets.join(", ")
    );
    if args.dry_run {
        println!("Dry run: nothing changed.");
        return Ok(ExitCode::SUCCESS);
    }
    let (deleted, gone) =
        execute(&loaded.session, &loaded.snapshot, found.found, args, &what).await?;
    println!("Deleted {deleted} object(s); {gone} object(s) gone in all.");
    Ok(ExitCode::SUCCESS)
}

/// One planned deletion or expected prune, with the environment it is planned for.
struct Entry {
    item: usize,
    object: ObjectRef,
    resource: ApiResource,
}

/// Carries out the plans of `items` (one environment for `delete ENV`, several for `--closed`):
/// checks every write, confirms, takes the GitOps path for the PRs that are no longer exported
/// (one refresh of their providers and one reconcile of their ResourceSets, whatever their
/// number), re-checks ownership on the live objects (one LIST per kind and namespace), deletes,
/// and waits until everything is gone. Returns the objects deleted and the objects gone.
async fn execute(
    session: &Session,
    snapshot: &Snapshot,
    items: Vec<(Subject, Plan)>,
    args: &DeleteArgs,
    what: &str,
) -> Result<(usize, usize)> {
    // Every write is checked before the first one: a forbidden one changes nothing.
    let mut apis = Apis::new(session, snapshot);
    let mut deletes: Vec<Entry> = Vec::new();
    let mut pruned: Vec<(Entry, ObjectRef)> = Vec::new();
    for (i, (_, plan)) in items.iter().enumerate() {
        for d in &plan.delete {
            deletes.push(Entry {
                item: i,
                object: d.object.clone(),
                resource: apis.resource(&d.object).await?,
            });
        }
        for p in &plan.pruned {
            let entry = Entry {
                item: i,
                object: p.object.clone(),
                resource: apis.resource(&p.object).await?,
            };
            pruned.push((entry, p.by.clone()));
        }
    }
    // The preview sets the GitOps path reconciles, each with the providers of its PRs.
    let mut sets: Vec<PreviewSet> = Vec::new();
    for (subject, plan) in items.iter().filter(|(_, p)| !p.still_exported) {
        let at = match sets
            .iter()
            .position(|s| s.namespace == subject.namespace && s.name == subject.resource_set)
        {
            Some(at) => at,
            None => {
                sets.push(PreviewSet {
                    namespace: subject.namespace.clone(),
                    name: subject.resource_set.clone(),
                    providers: vec![],
                    shared_objects: vec![],
                    not_rendered: None,
                });
                sets.len() - 1
            }
        };
        // Every preview provider of the ResourceSet is refreshed: a PR that is no longer exported
        // may be any one's, and the check after the refresh reads them all.
        let rset = snapshot.resource_sets.iter().find(|r| {
            r.metadata.namespace() == subject.namespace && r.metadata.name() == subject.resource_set
        });
        let all: Vec<ProviderInfo> = rset
            .map(|r| {
                crate::model::environments::resolve_inputs(r, &snapshot.providers)
                    .into_iter()
                    .filter(|p| crate::model::flux::is_change_request_type(&p.spec.type_))
                    .map(|p| ProviderInfo {
                        namespace: p.metadata.namespace().to_string(),
                        name: p.metadata.name().to_string(),
                        type_: p.spec.type_.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        for p in plan.provider.iter().chain(&all) {
            if !sets[at].providers.contains(p) {
                sets[at].providers.push(p.clone());
            }
        }
    }
    let mut patches: Vec<Target> = Vec::new();
    for set in &sets {
        for p in &set.providers {
            patches.push(Target::provider(&p.namespace, &p.name));
        }
        patches.push(Target::resource_set(&set.namespace, &set.name));
    }
    let target = |e: &Entry| Target {
        reference: e.object.clone(),
        resource: e.resource.clone(),
    };
    // A closed PR's objects that the reconcile leaves behind are deleted too.
    let writes: Vec<Target> = deletes
        .iter()
        .map(target)
        .chain(
            pruned
                .iter()
                .filter(|(_, by)| by.kind == "ResourceSet")
                .map(|(e, _)| target(e)),
        )
        .collect();
    triggers::preflight(session, "delete", &writes.iter().collect::<Vec<_>>()).await?;
    triggers::preflight(session, "patch", &patches.iter().collect::<Vec<_>>()).await?;
    confirm(args, what)?;

    // One --timeout covers the whole command after the confirmation: the GitOps path, the
    // deletes and the wait.
    let deadline = tokio::time::Instant::now()
        .checked_add(args.wait.timeout)
        .unwrap_or_else(|| {
            tokio::time::Instant::now() + std::time::Duration::from_secs(86_400 * 365)
        });
    let progress = Progress::new();
    // After the GitOps path: what a ResourceSet still lists is rendered for a current input,
    // whatever its name says, and is never deleted (nor waited for).
    let mut still_listed: BTreeMap<(String, String), BTreeSet<ObjectRef>> = BTreeMap::new();
    // Items whose PR is exported again after the refresh: nothing of theirs is touched.
    let mut dropped: BTreeSet<usize> = BTreeSet::new();
    // What an exported environment holds after the refresh (its inputs may have changed: a new
    // PR, a new branch): never deleted, whatever the plan made before said.
    let mut now_rendered: BTreeMap<ObjectRef, String> = BTreeMap::new();
    if !sets.is_empty() {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        crate::commands::render::render_sets(session, &sets, left).await?;
        let after = crate::cluster::read::fetch(session).await?;
        for env in crate::model::environments::build(&after, &Vec::new()).environments {
            for o in env.objects {
                let r = &o.reference;
                now_rendered.insert(
                    ObjectRef::new(&r.group, &r.kind, &r.namespace, &r.name),
                    env.name.clone(),
                );
            }
        }
        for (i, (subject, plan)) in items.iter().enumerate() {
            if plan.still_exported {
                continue;
            }
            let again = teardown::plan(&after, subject);
            if again.as_ref().is_some_and(|p| p.still_exported) {
                if items.len() == 1 {
                    return Err(Error::Other(format!(
                        "PR {} is exported again (reopened, labelled, or back under the provider's limit): nothing was deleted",
                        sanitize::line(&subject.id)
                    )));
                }
                progress.line(&format!(
                    "  keep everything of {}: PR {} is exported again",
                    sanitize::line(&plan.environment),
                    sanitize::line(&subject.id)
                ));
                dropped.insert(i);
            }
        }
        for set in &sets {
            still_listed.insert(
                (set.namespace.clone(), set.name.clone()),
                after
                    .resource_sets
                    .iter()
                    .filter(|r| {
                        r.metadata.namespace() == set.namespace && r.metadata.name() == set.name
                    })
                    .flat_map(|r| {
                        r.status
                            .inventory
                            .iter()
                            .flat_map(|i| crate::model::inventory::parse_entries(&i.entries))
                    })
                    .map(|r| ObjectRef::new(&r.group, &r.kind, &r.namespace, &r.name))
                    .collect(),
            );
        }
    }
    let listed = |item: usize, r: &ObjectRef| {
        let subject = &items[item].0;
        still_listed
            .get(&(subject.namespace.clone(), subject.resource_set.clone()))
            .is_some_and(|l| l.contains(&ObjectRef::new(&r.group, &r.kind, &r.namespace, &r.name)))
    };
    let rendered_still = |item: usize, r: &ObjectRef, owner: &Owner| {
        listed(item, r) || matches!(owner, Owner::Flux { parent } if listed(item, parent))
    };
    let exported_env = |r: &ObjectRef, owner: &Owner| {
        let plain = |r: &ObjectRef| ObjectRef::new(&r.group, &r.kind, &r.namespace, &r.name);
        now_rendered.get(&plain(r)).or(match owner {
            Owner::Flux { parent } => now_rendered.get(&plain(parent)),
            Owner::ResourceSet { .. } => None,
        })
    };
    deletes.retain(|e| !dropped.contains(&e.item));
    pruned.retain(|(e, _)| !dropped.contains(&e.item));
    // An object planned for two PRs is provably neither's: it is kept. (The planner never plans
    // one object for two PRs; this holds the line should it ever.)
    let mut claims: BTreeMap<(String, String, String, String, String), BTreeSet<usize>> =
        BTreeMap::new();
    for e in deletes.iter().chain(pruned.iter().map(|(e, _)| e)) {
        claims
            .entry(wait_key(
                &group_key(&e.resource, &e.object.namespace),
                &e.object.name,
            ))
            .or_default()
            .insert(e.item);
    }
    let contested = |e: &Entry| {
        claims
            .get(&wait_key(
                &group_key(&e.resource, &e.object.namespace),
                &e.object.name,
            ))
            .is_some_and(|c| c.len() > 1)
    };

    // Ownership, checked on the live objects right before deleting: one LIST per kind and
    // namespace. What is gone already (pruned by the GitOps path) is skipped.
    let mut groups: Groups = BTreeMap::new();
    for e in deletes.iter().chain(pruned.iter().map(|(e, _)| e)) {
        groups
            .entry(group_key(&e.resource, &e.object.namespace))
            .or_insert_with(|| (e.resource.clone(), Vec::new()))
            .1
            .push(e.object.clone());
    }
    let mut live: HashMap<
        (String, String, String, String),
        BTreeMap<String, kube::core::ObjectMeta>,
    > = HashMap::new();
    for (key, (ar, _)) in &groups {
        let api: Api<MetaOnly> = apis.api(ar, &key.3);
        let list = api
            .list(&ListParams::default())
            .await
            .map_err(|e| session.error(format!("list {} in {}", ar.plural, scope_of(&key.3)), e))?;
        live.insert(
            key.clone(),
            list.items
                .into_iter()
                .filter_map(|o| Some((o.metadata.name.clone()?, o.metadata)))
                .collect(),
        );
    }
    // What to delete now: the plans' deletes, plus what was expected to be pruned but is left
    // (a closed PR's objects the ResourceSet no longer lists, children that Flux will not prune
    // because they carry `kustomize.toolkit.fluxcd.io/prune: disabled`).
    let mut to_delete: Vec<(usize, ObjectRef, ApiResource, Owner)> = Vec::new();
    let mut waiting: BTreeSet<(String, String, String, String, String)> = BTreeSet::new();
    let owners: Vec<BTreeMap<ObjectRef, Owner>> = items
        .iter()
        .map(|(_, plan)| {
            plan.delete
                .iter()
                .map(|d| (d.object.clone(), d.owner.clone()))
                .collect()
        })
        .collect();
    for e in &deletes {
        let Some(owner) = owners[e.item].get(&e.object) else {
            continue;
        };
        if contested(e) {
            progress.line(&format!(
                "  keep {}: planned for two PRs",
                sanitize::line(&e.object.to_string())
            ));
            continue;
        }
        if rendered_still(e.item, &e.object, owner) {
            progress.line(&format!(
                "  keep {}: the ResourceSet still renders it",
                sanitize::line(&e.object.to_string())
            ));
            continue;
        }
        if let Some(env) =
            exported_env(&e.object, owner).filter(|_| !items[e.item].1.still_exported)
        {
            progress.line(&format!(
                "  keep {}: it is now {}'s",
                sanitize::line(&e.object.to_string()),
                sanitize::line(env)
            ));
            continue;
        }
        to_delete.push((e.item, e.object.clone(), e.resource.clone(), owner.clone()));
    }
    for (e, by) in &pruned {
        let subject = &items[e.item].0;
        let (r, ar) = (&e.object, &e.resource);
        let key = group_key(ar, &r.namespace);
        let by_rset = by.kind == "ResourceSet";
        let owner = if by_rset {
            Owner::ResourceSet {
                namespace: subject.namespace.clone(),
                name: subject.resource_set.clone(),
            }
        } else {
            Owner::Flux { parent: by.clone() }
        };
        if contested(e) {
            progress.line(&format!(
                "  keep {}: planned for two PRs",
                sanitize::line(&r.to_string())
            ));
            continue;
        }
        if rendered_still(e.item, r, &owner) {
            progress.line(&format!(
                "  keep {}: the ResourceSet still renders it",
                sanitize::line(&r.to_string())
            ));
            continue;
        }
        if let Some(env) = exported_env(r, &owner).filter(|_| !items[e.item].1.still_exported) {
            progress.line(&format!(
                "  keep {}: it is now {}'s",
                sanitize::line(&r.to_string()),
                sanitize::line(env)
            ));
            continue;
        }
        let Some(meta) = live.get(&key).and_then(|m| m.get(&r.name)) else {
            continue;
        };
        if let Some(why) = refuse(meta, &owner, &subject.id) {
            progress.line(&format!(
                "  keep {}: {why}; {} will not prune it",
                sanitize::line(&r.to_string()),
                sanitize::line(&by.to_string())
            ));
            continue;
        }
        let excluded = [&meta.labels, &meta.annotations].iter().any(|m| {
            m.as_ref().is_some_and(|m| {
                [teardown::KUSTOMIZE_PRUNE, teardown::OPERATOR_PRUNE]
                    .iter()
                    .any(|k| {
                        m.get(*k)
                            .is_some_and(|v| v.eq_ignore_ascii_case("disabled"))
                    })
            })
        });
        if by_rset || excluded {
            // The ResourceSet's reconcile has run: what it left is deleted; Flux leaves what is
            // excluded from its garbage collection.
            to_delete.push((e.item, r.clone(), ar.clone(), owner));
        } else {
            waiting.insert(wait_key(&key, &r.name));
        }
    }
    let mut deleted = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    for (item, object, resource, owner) in &to_delete {
        let subject = &items[*item].0;
        let key = group_key(resource, &object.namespace);
        let Some(meta) = live.get(&key).and_then(|m| m.get(&object.name)) else {
            continue;
        };
        if let Some(why) = refuse(meta, owner, &subject.id) {
            progress.line(&format!(
                "  keep {}: {why}",
                sanitize::line(&object.to_string())
            ));
            continue;
        }
        if let Some(planned) = teardown::planned_uid(snapshot, object)
            && meta.uid.as_deref() != Some(planned)
        {
            progress.line(&format!(
                "  keep {}: re-created since the plan was made (another UID)",
                sanitize::line(&object.to_string())
            ));
            continue;
        }
        if meta.deletion_timestamp.is_some() {
            // Already terminating (e.g. pruned a moment ago): only waited for.
            waiting.insert(wait_key(&key, &object.name));
            continue;
        }
        // The object deleted is the one checked: same UID and resourceVersion, or nothing.
        let params = DeleteParams {
            preconditions: Some(kube::api::Preconditions {
                uid: meta.uid.clone(),
                resource_version: meta.resource_version.clone(),
            }),
            ..DeleteParams::background()
        };
        let api: Api<DynamicObject> = apis.api(resource, &object.namespace);
        match api.delete(&object.name, &params).await {
            Ok(_) => {
                progress.line(&format!(
                    "✔ deleted {}",
                    sanitize::line(&object.to_string())
                ));
                deleted.push(object.clone());
                waiting.insert(wait_key(&key, &object.name));
            }
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(kube::Error::Api(s)) if s.code == 409 => progress.line(&format!(
                "  keep {}: it changed after it was checked",
                sanitize::line(&object.to_string())
            )),
            // One failure does not strand the rest: every failure is reported at the end.
            Err(e) => failures.push(delete_error(session, resource, object, e).one_line()),
        }
    }
    let total = waiting.len();
    wait_gone(&apis, &groups, waiting, deadline, &progress).await?;
    if !failures.is_empty() {
        return Err(Error::Other(format!(
            "deleted {} object(s), but {} could not be deleted: {}",
            deleted.len(),
            failures.len(),
            failures.join("; ")
        )));
    }
    Ok((deleted.len(), total))
}

fn scope_of(namespace: &str) -> String {
    if namespace.is_empty() {
        "the cluster scope".into()
    } else {
        format!("namespace {namespace}")
    }
}

fn wait_key(
    group: &(String, String, String, String),
    name: &str,
) -> (String, String, String, String, String) {
    (
        group.0.clone(),
        group.1.clone(),
        group.2.clone(),
        group.3.clone(),
        name.to_string(),
    )
}

/// Why the live object must not be deleted (or waited for) after all, if so: it lacks the owner
/// labels the plan requires, or its `change_request` annotation names another PR.
fn refuse(meta: &kube::core::ObjectMeta, owner: &Owner, id: &str) -> Option<String> {
    let empty = BTreeMap::new();
    let labels = meta.labels.as_ref().unwrap_or(&empty);
    if !owner.owns(labels) {
        return Some(format!("it lacks {owner}"));
    }
    let annotations = meta.annotations.as_ref().unwrap_or(&empty);
    match crate::model::attribution::annotated_id(annotations) {
        Some(other) if other != id => Some(format!(
            "its {CHANGE_REQUEST_ANNOTATION} annotation names PR {}",
            sanitize::line(other)
        )),
        _ => None,
    }
}

fn confirm(args: &DeleteArgs, name: &str) -> Result<()> {
    if args.yes {
        return Ok(());
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Error::Usage(format!(
            "refusing to delete {} without confirmation: pass --yes (or --dry-run to see the plan)",
            sanitize::line(name)
        )));
    }
    let yes = dialoguer::Confirm::new()
        .with_prompt(format!("Delete {}?", sanitize::line(name)))
        .default(false)
        .interact()
        .map_err(|e| Error::Other(format!("cannot read the answer: {e}")))?;
    if yes {
        Ok(())
    } else {
        Err(Error::Other("aborted: nothing was changed".into()))
    }
}

/// Waits until every object in `waiting` is gone, from one metadata watch per kind and namespace
/// (never a request per object), until `deadline` or Ctrl-C.
async fn wait_gone(
    apis: &Apis<'_>,
    groups: &Groups,
    mut waiting: BTreeSet<(String, String, String, String, String)>,
    deadline: tokio::time::Instant,
    progress: &Progress,
) -> Result<()> {
    if waiting.is_empty() {
        return Ok(());
    }
    let total = waiting.len();
    let bar = progress.bar(total as u64, "waiting for the objects to be gone");
    let streams = groups
        .iter()
        .filter(|(key, _)| {
            waiting
                .iter()
                .any(|w| (&w.0, &w.1, &w.2, &w.3) == (&key.0, &key.1, &key.2, &key.3))
        })
        .map(|(key, (ar, _))| {
            let key = key.clone();
            watcher::watcher(apis.watch_api(ar, &key.3), watcher::Config::default())
                .map(move |event| (key.clone(), event))
                .boxed()
        });
    let mut events = futures::stream::select_all(streams);
    // Names seen during a (re-)list, per group; a group's present set is replaced at InitDone.
    let mut listing: HashMap<(String, String, String, String), BTreeSet<String>> = HashMap::new();
    let mut listed: BTreeSet<(String, String, String, String)> = BTreeSet::new();
    let needed: BTreeSet<(String, String, String, String)> = waiting
        .iter()
        .map(|w| (w.0.clone(), w.1.clone(), w.2.clone(), w.3.clone()))
        .collect();
    let remaining_text = |waiting: &BTreeSet<(String, String, String, String, String)>| {
        waiting
            .iter()
            .map(|w| {
                sanitize::line(&format!(
                    "{}/{}",
                    w.2,
                    if w.3.is_empty() {
                        w.4.clone()
                    } else {
                        format!("{}/{}", w.3, w.4)
                    }
                ))
                .into_owned()
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    loop {
        if listed.is_superset(&needed) && waiting.is_empty() {
            if let Some(b) = &bar {
                b.finish_with_message("all gone");
            }
            return Ok(());
        }
        let event = tokio::select! {
            _ = tokio::signal::ctrl_c() => return Err(Error::Other(format!("interrupted; still present: {}", remaining_text(&waiting)))),
            _ = tokio::time::sleep_until(deadline) => return Err(Error::Other(format!("timed out; still present: {}", remaining_text(&waiting)))),
            e = events.next() => e,
        };
        let Some((key, event)) = event else {
            return Err(Error::Other("the watch ended early".into()));
        };
        let name_of = |m: &kube::core::ObjectMeta| m.name.clone().unwrap_or_default();
        match event {
            Ok(Event::Init) => {
                listing.insert(key, BTreeSet::new());
            }
            Ok(Event::InitApply(o)) => {
                listing.entry(key).or_default().insert(name_of(&o.metadata));
            }
            Ok(Event::InitDone) => {
                let present = listing.remove(&key).unwrap_or_default();
                waiting.retain(|w| {
                    (&w.0, &w.1, &w.2, &w.3) != (&key.0, &key.1, &key.2, &key.3)
                        || present.contains(&w.4)
                });
                listed.insert(key);
            }
            Ok(Event::Apply(_)) => {}
            Ok(Event::Delete(o)) => {
                let name = name_of(&o.metadata);
                waiting.remove(&wait_key(&key, &name));
            }
            Err(watcher::Error::InitialListFailed(kube::Error::Api(s)))
            | Err(watcher::Error::WatchStartFailed(kube::Error::Api(s)))
                if s.code == 403 =>
            {
                return Err(Error::Forbidden {
                    verb: "watch".into(),
                    resource: if key.0.is_empty() {
                        key.2.clone()
                    } else {
                        format!("{}.{}", key.2, key.0)
                    },
                    scope: scope_of(&key.3),
                    message: format!("{}; deleted objects may still be terminating", s.message),
                });
            }
            // Transient watch errors: the watcher re-lists on its next poll; a short pause keeps
            // a failing server from being hammered.
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
        if let Some(b) = &bar {
            b.set_position((total - waiting.len().min(total)) as u64);
        }
    }
}
