//! Reading the cluster into a snapshot: one LIST per kind per scope, all issued concurrently.
//! Kinds whose API is not served are skipped; forbidden reads are recorded, not fatal.
use std::collections::{BTreeMap, BTreeSet};

use std::fmt::Debug;

use kube::Resource;
use kube::api::{Api, ApiResource, ListParams};
use kube::core::DynamicResourceScope;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::cluster::client::{Groups, Session};
use crate::error::Result;
use crate::model::kinds;
use crate::model::objects::{FluxObject, Identity, Object, Provider, ResourceSet};
use crate::model::snapshot::{self, Kind, ReadProblem, Served, Snapshot};

enum Outcome<T> {
    Items(Vec<T>),
    Missing,
    Problem(ReadProblem),
}

/// The typed objects every read decodes into (`model::objects`): kube `Resource`s addressed by
/// an `ApiResource` from the kinds table.
pub trait Typed:
    Resource<DynamicType = ApiResource, Scope = DynamicResourceScope>
    + Clone
    + DeserializeOwned
    + Debug
    + Send
    + Sync
    + 'static
{
}
impl<T> Typed for T where
    T: Resource<DynamicType = ApiResource, Scope = DynamicResourceScope>
        + Clone
        + DeserializeOwned
        + Debug
        + Send
        + Sync
        + 'static
{
}

/// The `kube::Api` of a kind of the table at `version` (the preferred one when empty), in one
/// namespace or, with `None` or for a cluster-scoped kind, all.
pub fn api<T: Typed>(
    client: &kube::Client,
    kind: &kinds::Api,
    version: &str,
    namespace: Option<&str>,
) -> Api<T> {
    let resource = kind.resource(version);
    match namespace {
        Some(ns) if kind.namespaced => Api::namespaced_with(client.clone(), ns, &resource),
        _ => Api::all_with(client.clone(), &resource),
    }
}

/// The items of one LIST of a kind of the table, every object (no selector).
pub async fn list_all<T: Typed>(
    client: &kube::Client,
    kind: &kinds::Api,
    version: &str,
    namespace: Option<&str>,
) -> std::result::Result<Vec<T>, kube::Error> {
    api::<T>(client, kind, version, namespace)
        .list(&ListParams::default())
        .await
        .map(|list| list.items)
}

/// A LIST whose failure to read (forbidden, not served) is a warning, not an error: `get`'s
/// pods and events, which only add detail.
pub async fn list_or_warn<T: Typed>(
    session: &Session,
    kind: &kinds::Api,
    ns: &str,
    params: &ListParams,
) -> Result<Vec<T>> {
    let what = kind.plural;
    match api::<T>(&session.client, kind, "", Some(ns))
        .list(params)
        .await
    {
        Ok(list) => Ok(list.items),
        Err(kube::Error::Api(s)) if s.code == 403 || s.code == 404 => {
            crate::safe_eprintln!(
                "Warning: cannot list {what} in namespace {ns} ({}); not shown",
                s.reason
            );
            Ok(vec![])
        }
        Err(e) => Err(session.error(format!("list {what} in namespace {ns}"), e)),
    }
}

/// Served API groups and their versions, from one discovery request per run (kept in the session): `/apis` as the plain
/// `APIGroupList` (an `APIGroupDiscoveryList`, aggregated discovery, is read too if a server sends
/// one). `None` when it cannot be read: every kind is then read
/// at its preferred version, as before discovery.
pub async fn discover(session: &Session) -> Option<Groups> {
    session
        .discovery
        .get_or_init(|| discover_now(session))
        .await
        .clone()
}

async fn discover_now(session: &Session) -> Option<Groups> {
    #[derive(Deserialize)]
    struct Groups {
        #[serde(default)]
        items: Vec<AggregatedGroup>,
        #[serde(default)]
        groups: Vec<PlainGroup>,
    }
    #[derive(Deserialize)]
    struct AggregatedGroup {
        #[serde(default)]
        metadata: NameOnly,
        #[serde(default)]
        versions: Vec<VersionOnly>,
    }
    #[derive(Deserialize, Default)]
    struct NameOnly {
        #[serde(default)]
        name: String,
    }
    #[derive(Deserialize)]
    struct VersionOnly {
        #[serde(default)]
        version: String,
    }
    #[derive(Deserialize)]
    struct PlainGroup {
        #[serde(default)]
        name: String,
        #[serde(default)]
        versions: Vec<VersionOnly>,
    }
    let request = http::Request::get("/apis")
        // The plain group list: groups and their versions are all that is needed, and it is a
        // fraction of aggregated discovery's size.
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .ok()?;
    let found: Groups = session.client.request(request).await.ok()?;
    let versions = |v: Vec<VersionOnly>| v.into_iter().map(|v| v.version).collect();
    let mut out: BTreeMap<String, Vec<String>> = found
        .items
        .into_iter()
        .map(|g| (g.metadata.name, versions(g.versions)))
        .collect();
    out.extend(
        found
            .groups
            .into_iter()
            .map(|g| (g.name, versions(g.versions))),
    );
    (!out.is_empty()).then_some(out)
}

async fn list<T: Typed>(
    session: &Session,
    kind: Kind,
    version: &str,
    namespace: Option<&str>,
) -> Result<Outcome<T>> {
    match list_all::<T>(&session.client, kind.info(), version, namespace).await {
        Ok(items) => Ok(Outcome::Items(items)),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(Outcome::Missing),
        Err(kube::Error::Api(status)) if status.code == 403 => Ok(Outcome::Problem(ReadProblem {
            kind,
            namespace: namespace.map(str::to_string),
            forbidden: true,
            message: status.message.clone(),
        })),
        Err(kube::Error::Api(status)) if status.code != 401 => Ok(Outcome::Problem(ReadProblem {
            kind,
            namespace: namespace.map(str::to_string),
            forbidden: false,
            message: format!("{} ({})", status.message, status.code),
        })),
        Err(kube::Error::SerdeError(e)) => Ok(Outcome::Problem(ReadProblem {
            kind,
            namespace: namespace.map(str::to_string),
            forbidden: false,
            message: format!("unreadable response: {e}"),
        })),
        Err(e) => Err(session.error(format!("list {kind}"), e)),
    }
}

/// The items of a read, recording a missing kind or a problem in the snapshot instead.
fn absorb<T>(outcome: Outcome<T>, kind: Kind, snapshot: &mut Snapshot) -> Vec<T> {
    match outcome {
        Outcome::Items(items) => items,
        Outcome::Missing => {
            snapshot.missing.insert(kind);
            Vec::new()
        }
        Outcome::Problem(p) => {
            snapshot.problems.push(p);
            Vec::new()
        }
    }
}

/// Everything `list`/`get` need, for the session's scope: one LIST per kind, concurrently, at each
/// kind's preferred version; a kind the server serves only at an older version we read (HelmRelease
/// `v2beta2` on Flux 2.2) is found by one discovery request and listed again at that version.
/// Then, when scoped to a namespace, one LIST of Kustomizations and HelmReleases per other
/// namespace that per-PR objects depend on (a bounded number, independent of the number of
/// environments).
pub async fn fetch(session: &Session) -> Result<Snapshot> {
    let scope = session.scope().map(str::to_string);
    let ns = scope.as_deref();
    let mut snapshot = Snapshot {
        scope: scope.clone(),
        ..Default::default()
    };
    let v = |k: Kind| k.api().1;
    // The ResourceSets are rendered (attribution rule 2) as soon as they and the providers are
    // read, on blocking threads, while the larger LISTs are still on their way.
    let inputs = async {
        let (providers, rsets) = futures::try_join!(
            list::<Provider>(session, Kind::Provider, v(Kind::Provider), ns),
            list::<ResourceSet>(session, Kind::ResourceSet, v(Kind::ResourceSet), ns),
        )?;
        // The lists move into the task and come back with the renderings: no copy of every
        // exported input is held while the larger LISTs are decoded.
        let (providers, rsets, rendering) = match (providers, rsets) {
            (Outcome::Items(p), Outcome::Items(r)) => (
                Outcome::Items(Vec::new()),
                Outcome::Items(Vec::new()),
                Some(tokio::task::spawn_blocking(move || {
                    let renderings = crate::model::render::render_all(&r, &p);
                    (p, r, renderings)
                })),
            ),
            (p, r) => (p, r, None),
        };
        Ok::<_, crate::error::Error>((providers, rsets, rendering))
    };
    let ((providers, rsets, rendering), mut ks, mut hr, ing, mut routes, svc, deploy, sts) = futures::try_join!(
        inputs,
        list::<FluxObject>(session, Kind::Kustomization, v(Kind::Kustomization), ns),
        list::<FluxObject>(session, Kind::HelmRelease, v(Kind::HelmRelease), ns),
        list::<Object>(session, Kind::Ingress, v(Kind::Ingress), ns),
        list::<Object>(session, Kind::HttpRoute, v(Kind::HttpRoute), ns),
        list::<Object>(session, Kind::Service, v(Kind::Service), ns),
        list::<Object>(session, Kind::Deployment, v(Kind::Deployment), ns),
        list::<Object>(session, Kind::StatefulSet, v(Kind::StatefulSet), ns),
    )?;
    // A kind with older versions we read that is not served at its preferred one: one discovery
    // request says whether an older Flux serves it at another (HelmRelease v2beta2 on Flux 2.2),
    // and it is listed again there. A current cluster never pays for it.
    let not_found = |k: Kind| match k {
        Kind::Kustomization => matches!(ks, Outcome::Missing),
        Kind::HelmRelease => matches!(hr, Outcome::Missing),
        Kind::HttpRoute => matches!(routes, Outcome::Missing),
        _ => false,
    };
    let retry: Vec<Kind> = Kind::ALL.into_iter().filter(|k| not_found(*k)).collect();
    if !retry.is_empty()
        && let Some(groups) = discover(session).await
    {
        for kind in retry {
            match snapshot::choose(kind, &groups) {
                Served::At(version) if version != kind.api().1 => {
                    match kind {
                        Kind::Kustomization => ks = list(session, kind, version, ns).await?,
                        Kind::HelmRelease => hr = list(session, kind, version, ns).await?,
                        Kind::HttpRoute => routes = list(session, kind, version, ns).await?,
                        _ => continue,
                    }
                    snapshot.versions.insert(kind, version.to_string());
                }
                Served::Unsupported(served) => snapshot.problems.push(ReadProblem {
                    kind,
                    namespace: None,
                    forbidden: false,
                    message: format!(
                        "{} is served at {} only; this plugin reads {}",
                        kind.api().0,
                        served.join(", "),
                        kind.versions().join(", ")
                    ),
                }),
                _ => {}
            }
        }
    }
    let (mut providers, mut rsets) = (providers, rsets);
    if let Some(task) = rendering {
        match task.await {
            Ok((p, r, renderings)) => {
                (providers, rsets) = (Outcome::Items(p), Outcome::Items(r));
                snapshot.renderings = renderings;
            }
            // A panic while rendering is a bug; it goes on as it would have on this thread.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => return Err(crate::error::Error::Other(format!("rendering: {e}"))),
        }
    }
    snapshot.providers = absorb(providers, Kind::Provider, &mut snapshot);
    snapshot.resource_sets = absorb(rsets, Kind::ResourceSet, &mut snapshot);
    let mut flux = absorb(ks, Kind::Kustomization, &mut snapshot);
    set_kind(&mut flux, "Kustomization");
    let mut releases = absorb(hr, Kind::HelmRelease, &mut snapshot);
    set_kind(&mut releases, "HelmRelease");
    flux.extend(releases);
    snapshot.flux = flux;
    for (kind, outcome) in [
        (Kind::Ingress, ing),
        (Kind::HttpRoute, routes),
        (Kind::Service, svc),
        (Kind::Deployment, deploy),
        (Kind::StatefulSet, sts),
    ] {
        let v = absorb(outcome, kind, &mut snapshot);
        snapshot.objects.insert(kind, v);
    }
    if let Some(scope) = ns {
        fetch_dependencies(session, scope, &mut snapshot).await?;
    }
    Ok(snapshot)
}

fn set_kind(objects: &mut [FluxObject], kind: &str) {
    for o in objects {
        o.kind = kind.to_string();
    }
}

/// Per-PR Flux objects usually depend on shared infrastructure in another namespace
/// (`flux-system/app-common-dev`); its readiness decides "waiting for …".
async fn fetch_dependencies(session: &Session, scope: &str, snapshot: &mut Snapshot) -> Result<()> {
    let namespaces: BTreeSet<String> = snapshot
        .flux
        .iter()
        .filter(|o| {
            o.metadata
                .labels()
                .contains_key(crate::model::flux::OWNER_NAME_LABEL)
        })
        .flat_map(|o| o.depends_on())
        .map(|(ns, _)| ns)
        .filter(|ns| ns != scope)
        .collect();
    let kinds: Vec<(Kind, String)> = [Kind::Kustomization, Kind::HelmRelease]
        .into_iter()
        .filter(|k| !snapshot.missing.contains(k))
        .map(|k| (k, snapshot.version_of(k).to_string()))
        .collect();
    let reads = namespaces.iter().flat_map(|ns| {
        kinds.iter().map(move |(k, version)| async move {
            (*k, list::<FluxObject>(session, *k, version, Some(ns)).await)
        })
    });
    for (kind, outcome) in futures::future::join_all(reads).await {
        let mut v = absorb(outcome?, kind, snapshot);
        set_kind(&mut v, kind.kind_name());
        snapshot.flux.extend(v);
    }
    Ok(())
}

/// Only providers and ResourceSets (two LISTs): enough to name environments, for completion.
pub async fn fetch_catalog_sources(session: &Session) -> Result<Snapshot> {
    let scope = session.scope().map(str::to_string);
    let ns = scope.as_deref();
    let mut snapshot = Snapshot {
        scope: scope.clone(),
        ..Default::default()
    };
    let (providers, rsets) = futures::try_join!(
        list::<Provider>(session, Kind::Provider, "v1", ns),
        list::<ResourceSet>(session, Kind::ResourceSet, "v1", ns),
    )?;
    snapshot.providers = absorb(providers, Kind::Provider, &mut snapshot);
    snapshot.resource_sets = absorb(rsets, Kind::ResourceSet, &mut snapshot);
    Ok(snapshot)
}

/// One kind to read for `render --diff`: its group, version and kind, and the namespace of the
/// objects (`""` for every namespace the kind may be in, or a cluster-scoped kind).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OwnedRead {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub namespace: String,
}

/// The live objects a ResourceSet applied, whole: one LIST per kind and namespace, selected by
/// the owner labels the Flux Operator puts on everything it applies. Kinds the server does not
/// serve and reads that fail are reported in the second value (what could not be compared).
pub async fn owned_objects(
    session: &Session,
    reads: &BTreeSet<OwnedRead>,
    owner: (&str, &str),
) -> (
    BTreeMap<(String, String, String, String), serde_json::Value>,
    Vec<String>,
) {
    use kube::api::DynamicObject;
    use kube::core::GroupVersionKind;
    let selector = format!(
        "{}={},{}={}",
        crate::model::flux::OWNER_NAME_LABEL,
        owner.0,
        crate::model::flux::OWNER_NAMESPACE_LABEL,
        owner.1
    );
    let mut live = BTreeMap::new();
    let mut problems = Vec::new();
    for read in reads {
        let gvk = GroupVersionKind::gvk(&read.group, &read.version, &read.kind);
        let (ar, caps) = match kube::discovery::pinned_kind(&session.client, &gvk).await {
            Ok(found) => found,
            Err(e) => {
                problems.push(
                    session
                        .error(format!("discover the API of {}", read.kind), e)
                        .one_line(),
                );
                continue;
            }
        };
        let api: Api<DynamicObject> = match (caps.scope, read.namespace.as_str()) {
            (kube::discovery::Scope::Namespaced, ns) if !ns.is_empty() => {
                Api::namespaced_with(session.client.clone(), ns, &ar)
            }
            _ => Api::all_with(session.client.clone(), &ar),
        };
        match api.list(&ListParams::default().labels(&selector)).await {
            Ok(list) => {
                for o in list.items {
                    let key = (
                        read.group.clone(),
                        read.kind.clone(),
                        o.metadata.namespace.clone().unwrap_or_default(),
                        o.metadata.name.clone().unwrap_or_default(),
                    );
                    if let Ok(serde_json::Value::Object(mut v)) = serde_json::to_value(&o) {
                        // Items of a LIST may come without their type.
                        v.entry("apiVersion")
                            .or_insert_with(|| ar.api_version.clone().into());
                        v.entry("kind").or_insert_with(|| ar.kind.clone().into());
                        live.insert(key, serde_json::Value::Object(v));
                    }
                }
            }
            Err(e) => problems.push(
                session
                    .error(
                        format!(
                            "list {} in {}",
                            ar.plural,
                            if read.namespace.is_empty() {
                                "all namespaces"
                            } else {
                                read.namespace.as_str()
                            }
                        ),
                        e,
                    )
                    .one_line(),
            ),
        }
    }
    (live, problems)
}
