//! A live snapshot: the first read (`read::fetch`), then kube's `watcher` feeding a `reflector`
//! store for every kind and scope that read returned (no polling). After each batch of events the
//! snapshot's objects of the kinds that changed are taken from the stores again, and the snapshot
//! is yielded. `list --watch` and `wait` are built on it.
//!
//! The watcher relists when the API server says the resource version is too old (410 Gone) or a
//! watch drops, with kube's default backoff; a store replaces its objects only when a relist is
//! complete, so a snapshot never shows a half-listed kind. Bookmarks are requested (kube's
//! default), so a quiet watch resumes close to where it was.
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt, TryStreamExt};
use kube::api::ApiResource;
use kube::runtime::reflector::{self, store::Writer};
use kube::runtime::{WatchStreamExt, watcher};

use crate::cluster::client::Session;
use crate::cluster::read::{self, Typed};
use crate::error::Result;
use crate::model::objects::{FluxObject, Identity, Object, Provider, ResourceSet};
use crate::model::snapshot::{Kind, Snapshot};

/// The reflector store of one watched collection (a kind in a namespace, or in all).
enum Store {
    Provider(reflector::Store<Provider>),
    ResourceSet(reflector::Store<ResourceSet>),
    Flux(reflector::Store<FluxObject>),
    Object(reflector::Store<Object>),
}

struct Target {
    kind: Kind,
    store: Store,
    /// The API resource the store's objects were read at (part of their store key).
    resource: ApiResource,
}

/// What one watcher event means for the snapshot.
enum Signal {
    /// Part of a (re)list still under way: the store is unchanged until it completes.
    Listing,
    /// A (re)list completed: the store holds a new whole collection.
    Listed,
    /// One object was applied (created or changed) or deleted; the store has it already.
    Applied(Key),
    Deleted(Key),
}

/// An object's namespace and name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    namespace: String,
    name: String,
}

impl Key {
    fn of(meta: &kube::api::ObjectMeta) -> Key {
        Key {
            namespace: meta.namespace().to_string(),
            name: meta.name().to_string(),
        }
    }

    fn is(&self, meta: &kube::api::ObjectMeta) -> bool {
        meta.namespace() == self.namespace && meta.name() == self.name
    }
}

type Events = BoxStream<'static, (usize, std::result::Result<Signal, watcher::Error>)>;

/// Starts the watcher of one collection, its events applied to a new store.
fn watch<T: Typed>(
    session: &Session,
    kind: Kind,
    version: &str,
    namespace: Option<&str>,
    index: usize,
    modify: impl FnMut(&mut T) + Clone + Send + 'static,
) -> (reflector::Store<T>, Events) {
    let api = read::api::<T>(&session.watch_client, kind.info(), version, namespace);
    let writer = Writer::new(kind.info().resource(version));
    let store = writer.as_reader();
    let events = watcher(api, watcher::Config::default())
        .default_backoff()
        .map_ok(move |event| event.modify(modify.clone()))
        .reflect(writer)
        .map_ok(|event| match event {
            watcher::Event::Init | watcher::Event::InitApply(_) => Signal::Listing,
            watcher::Event::InitDone => Signal::Listed,
            watcher::Event::Apply(o) => Signal::Applied(Key::of(o.meta())),
            watcher::Event::Delete(o) => Signal::Deleted(Key::of(o.meta())),
        })
        .map(move |signal| (index, signal))
        .boxed();
    (store, events)
}

/// What to watch: every kind read successfully by the first fetch, in the same scopes (and the
/// Flux kinds in the namespaces of the dependencies it found).
fn collections(session: &Session, snapshot: &Snapshot) -> Vec<(Kind, Option<String>)> {
    let scope = session.scope().map(str::to_string);
    let mut out: Vec<(Kind, Option<String>)> = Kind::ALL
        .into_iter()
        .filter(|k| !snapshot.missing.contains(k))
        .filter(|k| {
            !snapshot
                .problems
                .iter()
                .any(|p| p.kind == *k && p.namespace == scope)
        })
        .map(|kind| (kind, scope.clone()))
        .collect();
    if let Some(scope) = &scope {
        let deps: BTreeSet<&str> = snapshot
            .flux
            .iter()
            .map(|f| f.metadata.namespace())
            .filter(|ns| ns != scope)
            .collect();
        for ns in deps {
            for kind in [Kind::Kustomization, Kind::HelmRelease] {
                if !snapshot.missing.contains(&kind) {
                    out.push((kind, Some(ns.to_string())));
                }
            }
        }
    }
    out
}

/// The objects of `kinds` in every store, cloned out of their `Arc`s, in the order a LIST returns
/// them (by namespace, then name).
fn objects<T: Typed>(
    targets: &[Target],
    kinds: &[Kind],
    state: fn(&Store) -> Option<Vec<Arc<T>>>,
) -> Vec<T> {
    let mut out: Vec<T> = targets
        .iter()
        .filter(|t| kinds.contains(&t.kind))
        .filter_map(|t| state(&t.store))
        .flatten()
        .map(|o| (*o).clone())
        .collect();
    out.sort_by(|a, b| {
        (a.meta().namespace(), a.meta().name()).cmp(&(b.meta().namespace(), b.meta().name()))
    });
    out
}

pub struct Live {
    /// The first read, then kept current from the stores.
    current: Snapshot,
    targets: Vec<Target>,
    events: futures::stream::SelectAll<Events>,
    listed: BTreeSet<usize>,
    /// Kinds whose stores were relisted since the last snapshot: taken whole from the stores.
    relisted: BTreeSet<Kind>,
    /// Single-object changes since the last snapshot, by target: applied in place (a status
    /// change of one Kustomization does not copy the thousand others).
    changes: Vec<(usize, Signal)>,
}

impl Live {
    /// Lists everything once and starts the watches; `first()` holds what could not be read, for
    /// the caller to warn about.
    pub async fn start(session: &Session) -> Result<Live> {
        let first = read::fetch(session).await?;
        let mut targets = Vec::new();
        let mut streams = Vec::new();
        for (i, (kind, namespace)) in collections(session, &first).into_iter().enumerate() {
            let (version, ns) = (first.version_of(kind), namespace.as_deref());
            let (store, events) = match kind {
                Kind::Provider => {
                    let (s, e) = watch(session, kind, version, ns, i, |_: &mut Provider| {});
                    (Store::Provider(s), e)
                }
                Kind::ResourceSet => {
                    let (s, e) = watch(session, kind, version, ns, i, |_: &mut ResourceSet| {});
                    (Store::ResourceSet(s), e)
                }
                Kind::Kustomization | Kind::HelmRelease => {
                    // Watch events carry the kind, LIST items may not: set it either way.
                    let name = kind.kind_name();
                    let (s, e) = watch(session, kind, version, ns, i, move |f: &mut FluxObject| {
                        name.clone_into(&mut f.kind)
                    });
                    (Store::Flux(s), e)
                }
                _ => {
                    let (s, e) = watch(session, kind, version, ns, i, |_: &mut Object| {});
                    (Store::Object(s), e)
                }
            };
            targets.push(Target {
                kind,
                store,
                resource: kind.info().resource(version),
            });
            streams.push(events);
        }
        Ok(Live {
            current: first,
            targets,
            events: futures::stream::select_all(streams),
            listed: BTreeSet::new(),
            relisted: BTreeSet::new(),
            changes: Vec::new(),
        })
    }

    /// The snapshot of the first read.
    pub fn first(&self) -> &Snapshot {
        &self.current
    }

    /// Waits for the next batch of changes and returns the snapshot after it; `None` when every
    /// watch has ended. Nothing is returned before every store has listed once.
    pub async fn next(&mut self) -> Option<&Snapshot> {
        loop {
            let (i, event) = self.events.next().await?;
            self.handle(i, event);
            // Take what else already arrived, then a short quiet period, before one snapshot.
            loop {
                while let Some(Some((i, event))) = self.events.next().now_or_never() {
                    self.handle(i, event);
                }
                match tokio::time::timeout(Duration::from_millis(5), self.events.next()).await {
                    Ok(Some((i, event))) => self.handle(i, event),
                    _ => break,
                }
            }
            let changed = !self.relisted.is_empty() || !self.changes.is_empty();
            if changed && self.listed.len() == self.targets.len() {
                self.refresh();
                return Some(&self.current);
            }
        }
    }

    fn handle(&mut self, index: usize, event: std::result::Result<Signal, watcher::Error>) {
        let kind = self.targets[index].kind;
        match event {
            Ok(Signal::Listing) => {}
            Ok(Signal::Listed) => {
                self.listed.insert(index);
                self.relisted.insert(kind);
            }
            Ok(change) => self.changes.push((index, change)),
            Err(e) => {
                crate::safe_eprintln!("Warning: watch of {kind} interrupted: {e}; retrying");
            }
        }
    }

    /// Takes the objects of the changed kinds from their stores into the snapshot.
    fn refresh(&mut self) {
        let dirty = std::mem::take(&mut self.relisted);
        let changes = std::mem::take(&mut self.changes);
        let targets = &self.targets;
        // Renderings depend on the ResourceSets and the providers' inputs only: when one of
        // those changes, they are rendered again once the snapshot is up to date; a status change
        // elsewhere keeps them.
        let inputs = [Kind::Provider, Kind::ResourceSet];
        let rerender = inputs.iter().any(|k| dirty.contains(k))
            || changes.iter().any(|(index, _)| {
                targets
                    .get(*index)
                    .is_some_and(|t| inputs.contains(&t.kind))
            });
        if dirty.contains(&Kind::Provider) {
            self.current.providers = objects(targets, &[Kind::Provider], |s| match s {
                Store::Provider(s) => Some(s.state()),
                _ => None,
            });
        }
        if dirty.contains(&Kind::ResourceSet) {
            self.current.resource_sets = objects(targets, &[Kind::ResourceSet], |s| match s {
                Store::ResourceSet(s) => Some(s.state()),
                _ => None,
            });
        }
        let flux_kinds = [Kind::Kustomization, Kind::HelmRelease];
        if flux_kinds.iter().any(|k| dirty.contains(k)) {
            // Both kinds share the snapshot's `flux`; a kind that is not watched keeps what the
            // first read found (nothing: it was missing or unreadable).
            let mut flux = objects(targets, &flux_kinds, |s| match s {
                Store::Flux(s) => Some(s.state()),
                _ => None,
            });
            let watched: BTreeSet<&str> = targets.iter().map(|t| t.kind.kind_name()).collect();
            flux.extend(
                self.current
                    .flux
                    .drain(..)
                    .filter(|f| !watched.contains(f.kind.as_str())),
            );
            self.current.flux = flux;
        }
        for kind in dirty.iter().copied() {
            if matches!(
                kind,
                Kind::Provider | Kind::ResourceSet | Kind::Kustomization | Kind::HelmRelease
            ) {
                continue;
            }
            let fresh = objects(targets, &[kind], |s| match s {
                Store::Object(s) => Some(s.state()),
                _ => None,
            });
            self.current.objects.insert(kind, fresh);
        }
        // Single changes of kinds not taken whole: the object as the store has it now.
        for (index, change) in changes {
            let target = &self.targets[index];
            if dirty.contains(&target.kind) {
                continue;
            }
            apply(&mut self.current, target, &change);
        }
        if rerender {
            self.current.renderings = crate::model::render::render_all(
                &self.current.resource_sets,
                &self.current.providers,
            );
        }
    }
}

/// Replaces, adds or removes one object of `target`'s kind in the snapshot, from its store.
fn apply(snapshot: &mut Snapshot, target: &Target, change: &Signal) {
    let (key, deleted) = match change {
        Signal::Applied(key) => (key, false),
        Signal::Deleted(key) => (key, true),
        Signal::Listing | Signal::Listed => return,
    };
    fn put<T: Typed>(
        items: &mut Vec<T>,
        same: impl Fn(&T) -> bool,
        store: &reflector::Store<T>,
        resource: &ApiResource,
        key: &Key,
        deleted: bool,
        modify: impl Fn(&mut T),
    ) {
        let current = (!deleted)
            .then(|| {
                store.get(
                    &reflector::ObjectRef::new_with(&key.name, resource.clone())
                        .within(&key.namespace),
                )
            })
            .flatten();
        match (items.iter().position(same), current) {
            (Some(i), Some(o)) => {
                items[i] = (*o).clone();
                modify(&mut items[i]);
            }
            (None, Some(o)) => {
                let mut o = (*o).clone();
                modify(&mut o);
                items.push(o);
            }
            (Some(i), None) => {
                items.remove(i);
            }
            (None, None) => {}
        }
    }
    let (resource, kind) = (&target.resource, target.kind);
    match &target.store {
        Store::Provider(s) => put(
            &mut snapshot.providers,
            |o| key.is(&o.metadata),
            s,
            resource,
            key,
            deleted,
            |_| {},
        ),
        Store::ResourceSet(s) => put(
            &mut snapshot.resource_sets,
            |o| key.is(&o.metadata),
            s,
            resource,
            key,
            deleted,
            |_| {},
        ),
        Store::Flux(s) => put(
            &mut snapshot.flux,
            |o| o.kind == kind.kind_name() && key.is(&o.metadata),
            s,
            resource,
            key,
            deleted,
            |o| kind.kind_name().clone_into(&mut o.kind),
        ),
        Store::Object(s) => put(
            snapshot.objects.entry(kind).or_default(),
            |o| key.is(&o.metadata),
            s,
            resource,
            key,
            deleted,
            |_| {},
        ),
    }
}
