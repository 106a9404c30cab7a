//! A live snapshot: a first LIST of every kind, then watches on every readable kind (no
//! polling), yielding a fresh snapshot after each batch of changes. `list --watch` and `wait`
//! are built on it.
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use kube::api::{Api, ApiResource, DynamicObject};
use kube::core::GroupVersionKind;
use kube::runtime::{WatchStreamExt, watcher};
use serde::de::DeserializeOwned;

use futures::stream::BoxStream;

use crate::client::Session;
use crate::error::Result;
use crate::select;
use crate::snapshot::{self, Kind, Snapshot};

/// One watched collection: a kind in a namespace (or all namespaces).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Target {
    kind: Kind,
    namespace: Option<String>,
}

#[derive(Debug, Clone)]
enum Typed {
    Provider(crate::objects::Provider),
    ResourceSet(crate::objects::ResourceSet),
    Flux(crate::objects::FluxObject),
    Object(crate::objects::Object),
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
            let mut f: crate::objects::FluxObject = convert(obj)?;
            f.kind = kind.kind_name().to_string();
            Typed::Flux(f)
        }
        _ => Typed::Object(convert(obj)?),
    })
}

type Key = (String, String);

/// The objects of every target, kept current from watch events.
#[derive(Default)]
struct Stores {
    live: BTreeMap<Target, BTreeMap<Key, Typed>>,
    /// Objects received during a (re)list, swapped in at InitDone.
    pending: BTreeMap<Target, BTreeMap<Key, Typed>>,
}

impl Stores {
    fn apply(&mut self, target: &Target, event: watcher::Event<DynamicObject>) -> bool {
        let key = |o: &DynamicObject| {
            (
                o.metadata.namespace.clone().unwrap_or_default(),
                o.metadata.name.clone().unwrap_or_default(),
            )
        };
        match event {
            watcher::Event::Apply(o) => {
                let Some(t) = typed(target.kind, &o) else {
                    return false;
                };
                self.live
                    .entry(target.clone())
                    .or_default()
                    .insert(key(&o), t);
                true
            }
            watcher::Event::Delete(o) => self
                .live
                .entry(target.clone())
                .or_default()
                .remove(&key(&o))
                .is_some(),
            watcher::Event::Init => {
                self.pending.insert(target.clone(), BTreeMap::new());
                false
            }
            watcher::Event::InitApply(o) => {
                if let Some(t) = typed(target.kind, &o) {
                    self.pending
                        .entry(target.clone())
                        .or_default()
                        .insert(key(&o), t);
                }
                false
            }
            watcher::Event::InitDone => {
                let fresh = self.pending.remove(target).unwrap_or_default();
                self.live.insert(target.clone(), fresh);
                true
            }
        }
    }

    fn snapshot(&self, base: &Snapshot) -> Snapshot {
        let mut s = Snapshot {
            scope: base.scope.clone(),
            missing: base.missing.clone(),
            problems: base.problems.clone(),
            ..Default::default()
        };
        for kind in [
            Kind::Ingress,
            Kind::HttpRoute,
            Kind::Service,
            Kind::Deployment,
            Kind::StatefulSet,
        ] {
            s.objects.insert(kind, Vec::new());
        }
        for (target, objects) in &self.live {
            for o in objects.values() {
                match o.clone() {
                    Typed::Provider(p) => s.providers.push(p),
                    Typed::ResourceSet(r) => s.resource_sets.push(r),
                    Typed::Flux(f) => s.flux.push(f),
                    Typed::Object(x) => s.objects.entry(target.kind).or_default().push(x),
                }
            }
        }
        s
    }
}

fn api_resource(kind: Kind) -> ApiResource {
    let (group, version, plural) = kind.api();
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(group, version, kind.kind_name()),
        plural,
    )
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
    first: Snapshot,
    targets: Vec<Target>,
    events: futures::stream::SelectAll<BoxStream<'static, WatchEvent>>,
    stores: Stores,
    initialized: BTreeSet<usize>,
}

impl Live {
    /// Lists everything once (warnings for unreadable kinds go to stderr) and starts the watches.
    pub async fn start(session: &Session) -> Result<Live> {
        let first = snapshot::fetch(session).await?;
        select::warn_problems(&first);
        let targets = targets(session, &first);
        let streams = targets.iter().enumerate().map(|(i, t)| {
            let ar = api_resource(t.kind);
            let api: Api<DynamicObject> = match &t.namespace {
                Some(ns) => Api::namespaced_with(session.client.clone(), ns, &ar),
                None => Api::all_with(session.client.clone(), &ar),
            };
            watcher(api, watcher::Config::default())
                .default_backoff()
                .map(move |ev| (i, ev))
                .boxed()
        });
        let events = futures::stream::select_all(streams);
        Ok(Live {
            first,
            targets,
            events,
            stores: Stores::default(),
            initialized: BTreeSet::new(),
        })
    }

    /// The snapshot of the first LIST.
    pub fn first(&self) -> &Snapshot {
        &self.first
    }

    /// Waits for the next batch of changes and returns the snapshot after it; `None` when every
    /// watch has ended.
    pub async fn next(&mut self) -> Option<Snapshot> {
        loop {
            let (i, event) = self.events.next().await?;
            let mut changed = self.handle(i, event);
            // Take what else already arrived, then a short quiet period, before one snapshot.
            loop {
                while let Some(Some((i, event))) = self.events.next().now_or_never() {
                    changed |= self.handle(i, event);
                }
                match tokio::time::timeout(Duration::from_millis(15), self.events.next()).await {
                    Ok(Some((i, event))) => changed |= self.handle(i, event),
                    _ => break,
                }
            }
            if changed && self.initialized.len() == self.targets.len() {
                return Some(self.stores.snapshot(&self.first));
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
                self.stores.apply(target, ev)
            }
            Err(e) => {
                eprintln!(
                    "Warning: watch of {} interrupted: {e}; retrying",
                    target.kind
                );
                false
            }
        }
    }
}
