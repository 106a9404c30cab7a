//! A live snapshot: a first LIST of every kind, then watches on every readable kind (no
//! polling), yielding a fresh snapshot after each batch of changes. `list --watch` and `wait`
//! are built on it.
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use kube::api::{Api, ApiResource, DynamicObject};
use kube::runtime::{WatchStreamExt, watcher};
use serde::de::DeserializeOwned;

use futures::stream::BoxStream;

use crate::cluster::client::Session;
use crate::error::Result;
use crate::model::snapshot::{Kind, Snapshot};

/// One watched collection: a kind in a namespace (or all namespaces).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Target {
    kind: Kind,
    namespace: Option<String>,
}

#[derive(Debug, Clone)]
enum Typed {
    Provider(crate::model::objects::Provider),
    ResourceSet(crate::model::objects::ResourceSet),
    Flux(crate::model::objects::FluxObject),
    Object(crate::model::objects::Object),
}

fn convert<T: DeserializeOwned>(obj: &DynamicObject) -> Option<T> {
    serde_json::to_value(obj)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
}

fn typed(kind: Kind, obj: &DynamicObject) -> Option<Typed> {
    Some(match kind {
        Kind::Provider => Typed::Provider(convert(obj)?),
        Kind::ResourceSet => Typed::ResourceSet(convert(obj)?),
        Kind::Kustomization | Kind::HelmRelease => {
            let mut f: crate::model::objects::FluxObject = convert(obj)?;
            f.kind = kind.kind_name().to_string();
            Typed::Flux(f)
        }
        _ => Typed::Object(convert(obj)?),
    })
}

/// Objects received during a (re)list of a target, swapped in at InitDone.
#[derive(Default)]
struct Stores {
    pending: BTreeMap<Target, Vec<Typed>>,
}

fn meta_of(t: &Typed) -> &crate::model::objects::Meta {
    match t {
        Typed::Provider(p) => &p.metadata,
        Typed::ResourceSet(r) => &r.metadata,
        Typed::Flux(f) => &f.metadata,
        Typed::Object(o) => &o.metadata,
    }
}

/// Keeps `out`'s objects of `kind` (optionally in one namespace) only where `keep` says so.
fn retain_kind(
    out: &mut Snapshot,
    kind: Kind,
    keep: impl Fn(&crate::model::objects::Meta) -> bool,
) {
    match kind {
        Kind::Provider => out.providers.retain(|p| keep(&p.metadata)),
        Kind::ResourceSet => out.resource_sets.retain(|r| keep(&r.metadata)),
        Kind::Kustomization | Kind::HelmRelease => out
            .flux
            .retain(|f| f.kind != kind.kind_name() || keep(&f.metadata)),
        _ => out
            .objects
            .entry(kind)
            .or_default()
            .retain(|o| keep(&o.metadata)),
    }
}

fn push(out: &mut Snapshot, kind: Kind, t: Typed) {
    match t {
        Typed::Provider(p) => out.providers.push(p),
        Typed::ResourceSet(r) => out.resource_sets.push(r),
        Typed::Flux(f) => out.flux.push(f),
        Typed::Object(o) => out.objects.entry(kind).or_default().push(o),
    }
}

impl Stores {
    /// Applies one event to the live snapshot in place (no copy of the other objects).
    fn apply(
        &mut self,
        target: &Target,
        event: watcher::Event<DynamicObject>,
        out: &mut Snapshot,
    ) -> bool {
        let same = |o: &DynamicObject| {
            let (ns, name) = (
                o.metadata.namespace.clone().unwrap_or_default(),
                o.metadata.name.clone().unwrap_or_default(),
            );
            move |m: &crate::model::objects::Meta| !(m.namespace == ns && m.name == name)
        };
        match event {
            watcher::Event::Apply(o) => {
                let Some(t) = typed(target.kind, &o) else {
                    return false;
                };
                retain_kind(out, target.kind, same(&o));
                push(out, target.kind, t);
                true
            }
            watcher::Event::Delete(o) => {
                retain_kind(out, target.kind, same(&o));
                true
            }
            watcher::Event::Init => {
                self.pending.insert(target.clone(), Vec::new());
                false
            }
            watcher::Event::InitApply(o) => {
                if let Some(t) = typed(target.kind, &o) {
                    self.pending.entry(target.clone()).or_default().push(t);
                }
                false
            }
            watcher::Event::InitDone => {
                let fresh = self.pending.remove(target).unwrap_or_default();
                let scope = target.namespace.clone();
                retain_kind(out, target.kind, |m| {
                    scope.as_ref().is_some_and(|ns| *ns != m.namespace)
                });
                for t in fresh {
                    debug_assert!(scope.as_ref().is_none_or(|ns| *ns == meta_of(&t).namespace));
                    push(out, target.kind, t);
                }
                true
            }
        }
    }
}

/// The API of a kind at the version the first read used (discovery may have chosen an older one).
fn api_resource(kind: Kind, version: &str) -> ApiResource {
    kind.info().resource(version)
}

/// What to watch: every kind read successfully by the first fetch, in the same scopes.
fn targets(session: &Session, snapshot: &Snapshot) -> Vec<Target> {
    let scope = session.scope().map(str::to_string);
    let mut out: Vec<Target> = Kind::ALL
        .into_iter()
        .filter(|k| !snapshot.missing.contains(k))
        .filter(|k| {
            !snapshot
                .problems
                .iter()
                .any(|p| p.kind == *k && p.namespace == scope)
        })
        .map(|kind| Target {
            kind,
            namespace: scope.clone(),
        })
        .collect();
    if let Some(scope) = &scope {
        let deps: BTreeSet<String> = snapshot
            .flux
            .iter()
            .map(|f| f.metadata.namespace.clone())
            .filter(|ns| ns != scope)
            .collect();
        for ns in deps {
            for kind in [Kind::Kustomization, Kind::HelmRelease] {
                if !snapshot.missing.contains(&kind) {
                    out.push(Target {
                        kind,
                        namespace: Some(ns.clone()),
                    });
                }
            }
        }
    }
    out
}

type WatchEvent = (
    usize,
    std::result::Result<watcher::Event<DynamicObject>, watcher::Error>,
);

pub struct Live {
    /// The first LIST, then kept current by the watches.
    current: Snapshot,
    targets: Vec<Target>,
    events: futures::stream::SelectAll<BoxStream<'static, WatchEvent>>,
    stores: Stores,
    initialized: BTreeSet<usize>,
}

impl Live {
    /// Lists everything once and starts the watches; `first()` holds what could not be read, for
    /// the caller to warn about.
    pub async fn start(session: &Session) -> Result<Live> {
        let first = crate::cluster::read::fetch(session).await?;
        let targets = targets(session, &first);
        let streams = targets.iter().enumerate().map(|(i, t)| {
            let ar = api_resource(t.kind, first.version_of(t.kind));
            let api: Api<DynamicObject> = match &t.namespace {
                Some(ns) => Api::namespaced_with(session.watch_client.clone(), ns, &ar),
                None => Api::all_with(session.watch_client.clone(), &ar),
            };
            watcher(api, watcher::Config::default())
                .default_backoff()
                .map(move |ev| (i, ev))
                .boxed()
        });
        let events = futures::stream::select_all(streams);
        Ok(Live {
            current: first,
            targets,
            events,
            stores: Stores::default(),
            initialized: BTreeSet::new(),
        })
    }

    /// The snapshot of the first LIST.
    pub fn first(&self) -> &Snapshot {
        &self.current
    }

    /// Waits for the next batch of changes and returns the snapshot after it; `None` when every
    /// watch has ended.
    pub async fn next(&mut self) -> Option<&Snapshot> {
        loop {
            let (i, event) = self.events.next().await?;
            let mut changed = self.handle(i, event);
            // Take what else already arrived, then a short quiet period, before one snapshot.
            loop {
                while let Some(Some((i, event))) = self.events.next().now_or_never() {
                    changed |= self.handle(i, event);
                }
                match tokio::time::timeout(Duration::from_millis(5), self.events.next()).await {
                    Ok(Some((i, event))) => changed |= self.handle(i, event),
                    _ => break,
                }
            }
            if changed && self.initialized.len() == self.targets.len() {
                return Some(&self.current);
            }
        }
    }

    fn handle(
        &mut self,
        index: usize,
        event: std::result::Result<watcher::Event<DynamicObject>, watcher::Error>,
    ) -> bool {
        let target = &self.targets[index];
        match event {
            Ok(ev) => {
                if matches!(ev, watcher::Event::InitDone) {
                    self.initialized.insert(index);
                }
                self.stores.apply(target, ev, &mut self.current)
            }
            Err(e) => {
                crate::safe_eprintln!(
                    "Warning: watch of {} interrupted: {e}; retrying",
                    target.kind
                );
                false
            }
        }
    }
}
