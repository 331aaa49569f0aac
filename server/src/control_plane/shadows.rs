//! The shadow controller (`meshd control-plane --shadow-namespaces`): makes the Kubernetes side
//! match the stored ShadowServices, in the namespaces it is allowed into.
//!
//! Level-based: every pass computes what should exist ([`meshlib::shadow::copy`] per
//! ShadowService, a ServiceCanary per header value) and makes the cluster match — creating or
//! updating (server-side apply) what is missing or stale, deleting every object carrying
//! [`SHADOW_LABEL`] that nothing asks for (with the claims of a StatefulSet copy), and every
//! canary it made that no shadow uses. Because deletion is decided by what exists, not by which
//! event arrived, a ShadowService or source deleted while the controller was down is cleaned up
//! on its next pass, and a re-created source gets its shadow back; no finalizers are needed.
//!
//! Passes are triggered by watches, never by polling: the store's change feed (ShadowServices,
//! ServiceCanaries) and kube-rs watchers on Deployments, StatefulSets, ConfigMaps, Secrets and
//! Services of each namespace (which re-list after any gap, so no delete is missed). Changes
//! arriving together are handled by one pass.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Secret, Service};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use kube::runtime::watcher;
use meshlib::kind::{Kind, ResourceKind};
use meshlib::resource::Resource;
use meshlib::shadow::{self, Namespace, SHADOW_LABEL, SHADOW_OF_LABEL, Workload};
use meshlib::spec::shadow::ShadowServiceSpec;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Notify;

use super::Objects;

/// Field manager of everything the controller applies.
const MANAGER: &str = "meshd-shadows";
/// Label on the ServiceCanaries the controller makes (mesh label keys have no `/`).
pub const CANARY_MANAGED_BY: (&str, &str) = ("managed-by", "meshd-shadows");
/// How long a pass waits for more changes before it starts.
const SETTLE: Duration = Duration::from_millis(300);
/// How long after a failed pass the next one starts, at first; it grows (with jitter) while
/// passes keep failing, up to a minute.
const RETRY: Duration = Duration::from_secs(2);
const RETRY_MAX: Duration = Duration::from_secs(60);

/// Where the controller may act.
#[derive(Debug, Clone)]
pub struct Config {
    /// Namespaces whose workloads may be shadowed (the install grants Roles in exactly these).
    pub namespaces: Vec<String>,
}

/// Runs until the process stops.
pub async fn run(objects: Arc<Objects>, config: Config, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let client = match kube::Client::try_default().await {
        Ok(client) => client,
        Err(err) => {
            tracing::error!(error = %err, "shadow controller: no Kubernetes client; shadows are not reconciled");
            return;
        }
    };
    let dirty = Arc::new(Notify::new());
    let mut triggers = vec![tokio::spawn(store_trigger(Arc::clone(&objects), Arc::clone(&dirty)))];
    for ns in &config.namespaces {
        triggers.push(watch::<Deployment>(&client, ns, &dirty));
        triggers.push(watch::<StatefulSet>(&client, ns, &dirty));
        triggers.push(watch::<ConfigMap>(&client, ns, &dirty));
        triggers.push(watch::<Secret>(&client, ns, &dirty));
        triggers.push(watch::<Service>(&client, ns, &dirty));
    }
    dirty.notify_one();
    let mut backoff = meshlib::backoff::Backoff::new(RETRY, RETRY_MAX);
    loop {
        tokio::select! {
            () = dirty.notified() => {}
            _ = shutdown.changed() => break,
        }
        tokio::time::sleep(SETTLE).await;
        match reconcile(&client, &objects, &config).await {
            Ok(()) => backoff.reset(),
            Err(err) => {
                let wait = backoff.next_wait();
                tracing::warn!(error = %err, ?wait, "shadow controller: pass failed; retrying");
                let dirty = Arc::clone(&dirty);
                tokio::spawn(async move {
                    tokio::time::sleep(wait).await;
                    dirty.notify_one();
                });
            }
        }
    }
    triggers.iter().for_each(tokio::task::JoinHandle::abort);
}

/// Marks the state dirty on every change of a ShadowService or ServiceCanary.
async fn store_trigger(objects: Arc<Objects>, dirty: Arc<Notify>) {
    let mut feed = objects.store().subscribe();
    let prefixes = [Kind::ShadowService, Kind::ServiceCanary].map(|k| super::stored::prefix(&ResourceKind::Builtin(k)));
    loop {
        match feed.recv().await {
            Ok(event) if prefixes.iter().any(|p| event.key.starts_with(p)) => dirty.notify_one(),
            Ok(_) => {}
            // Fell behind: something may have changed.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => dirty.notify_one(),
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

fn watch<K>(client: &kube::Client, ns: &str, dirty: &Arc<Notify>) -> tokio::task::JoinHandle<()>
where
    K: Namespaced,
{
    let api: Api<K> = Api::namespaced(client.clone(), ns);
    let dirty = Arc::clone(dirty);
    let ns = ns.to_owned();
    tokio::spawn(async move {
        use kube::runtime::WatchStreamExt as _;
        let mut events = std::pin::pin!(watcher(api, watcher::Config::default()).default_backoff());
        while let Some(event) = events.next().await {
            match event {
                Ok(_) => dirty.notify_one(),
                Err(err) => tracing::warn!(namespace = %ns, kind = K::KIND, error = %err, "shadow controller: watch"),
            }
        }
    })
}

/// The Kubernetes objects the controller reads and writes: namespaced, typed.
trait Namespaced:
    k8s_openapi::Resource<Scope = k8s_openapi::NamespaceResourceScope>
    + kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
    + Clone
    + DeserializeOwned
    + Serialize
    + std::fmt::Debug
    + Send
    + Sync
    + 'static
{
}

macro_rules! namespaced {
    ($($kind:ty),*) => {
        $(impl Namespaced for $kind {})*
    };
}
namespaced!(
    Deployment,
    StatefulSet,
    ConfigMap,
    Secret,
    Service,
    PersistentVolumeClaim
);

/// Why a pass failed.
#[derive(Debug, thiserror::Error)]
enum PassError {
    /// A Kubernetes call failed.
    #[error("{what}")]
    Kube {
        /// The call.
        what: String,
        /// Why.
        #[source]
        source: kube::Error,
    },
    /// The store could not be read or written.
    #[error("control-plane store")]
    Store(#[from] super::error::ApiError),
}

fn kube_call(what: impl Into<String>) -> impl FnOnce(kube::Error) -> PassError {
    let what = what.into();
    move |source| PassError::Kube { what, source }
}

/// One pass over every namespace and the canaries.
async fn reconcile(client: &kube::Client, objects: &Objects, config: &Config) -> Result<(), PassError> {
    let shadows = objects.list_stored(&ResourceKind::Builtin(Kind::ShadowService)).await?;
    let mut canaries: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for resource in &shadows {
        let Ok(spec) = serde_json::from_value::<ShadowServiceSpec>(resource.spec.clone()) else {
            continue;
        };
        if !config.namespaces.contains(&spec.namespace) {
            tracing::warn!(
                shadow = %resource.metadata.name, namespace = %spec.namespace,
                "shadow controller: namespace not enabled (emctl install --shadow-namespace); nothing copied"
            );
        }
    }
    for ns in &config.namespaces {
        let specs: Vec<(&str, ShadowServiceSpec)> = shadows
            .iter()
            .filter_map(|r| Some((r.metadata.name.as_str(), serde_json::from_value(r.spec.clone()).ok()?)))
            .filter(|(_, s): &(&str, ShadowServiceSpec)| s.namespace == *ns)
            .collect();
        for (header, service) in namespace(client, ns, &specs).await? {
            canaries.entry(header).or_default().insert(service);
        }
    }
    apply_canaries(objects, &canaries).await
}

/// Makes namespace `ns` hold exactly the shadows of `specs`; returns the (header value, mesh
/// service) of each shadow made.
async fn namespace(
    client: &kube::Client,
    ns: &str,
    specs: &[(&str, ShadowServiceSpec)],
) -> Result<Vec<(String, String)>, PassError> {
    let all = ListParams::default();
    let deployments = list::<Deployment>(client, ns, &all).await?;
    let statefulsets = list::<StatefulSet>(client, ns, &all).await?;
    let config_maps = list::<ConfigMap>(client, ns, &all).await?;
    let secrets = list::<Secret>(client, ns, &all).await?;
    let services = list::<Service>(client, ns, &all).await?;
    let namespace = Namespace {
        config_maps: &config_maps,
        secrets: &secrets,
        services: &services,
    };
    let mut live: BTreeMap<(&'static str, String), String> = BTreeMap::new();
    let mut note = |kind: &'static str, meta: &kube::api::ObjectMeta| {
        if let (Some(name), Some(digest)) = (&meta.name, meta.annotations.as_ref().and_then(|a| a.get(DIGEST))) {
            live.insert((kind, name.clone()), digest.clone());
        }
    };
    deployments.iter().for_each(|o| note("Deployment", &o.metadata));
    statefulsets.iter().for_each(|o| note("StatefulSet", &o.metadata));
    config_maps.iter().for_each(|o| note("ConfigMap", &o.metadata));
    secrets.iter().for_each(|o| note("Secret", &o.metadata));
    let applier = Applier {
        client,
        ns,
        live: &live,
    };
    let mut sources: Vec<Workload> = deployments
        .into_iter()
        .map(Workload::Deployment)
        .chain(statefulsets.into_iter().map(Workload::StatefulSet))
        .filter(|w| !w.is_shadow())
        .collect();
    sources.sort_by(|a, b| a.name().cmp(b.name()));
    let mut made = Vec::new();
    let mut wanted: BTreeSet<(&'static str, String)> = BTreeSet::new();
    for (name, spec) in specs {
        let Some(source) = sources
            .iter()
            .find(|w| w.service_name() == Some(spec.service_name.as_str()))
        else {
            tracing::info!(shadow = name, namespace = ns, service = %spec.service_name, "shadow controller: no workload of this service; nothing copied");
            continue;
        };
        let copy = match shadow::copy(name, spec, source, &namespace) {
            Ok(copy) => copy,
            Err(err) => {
                tracing::warn!(shadow = name, namespace = ns, error = %err, "shadow controller: not copied");
                continue;
            }
        };
        for config_map in &copy.config_maps {
            applier.apply(config_map.clone()).await?;
            wanted.insert(("ConfigMap", config_map.metadata.name.clone().unwrap_or_default()));
        }
        for secret in &copy.secrets {
            applier.apply(secret.clone()).await?;
            wanted.insert(("Secret", secret.metadata.name.clone().unwrap_or_default()));
        }
        match &copy.workload {
            Workload::Deployment(d) => applier.apply(d.clone()).await?,
            Workload::StatefulSet(s) => applier.apply(s.clone()).await?,
        }
        wanted.insert((copy.workload.kind(), copy.workload.name().to_owned()));
        made.push((spec.traffic_header_value.clone(), spec.service_name.clone()));
    }
    sweep(client, ns, &wanted).await?;
    Ok(made)
}

async fn list<K>(client: &kube::Client, ns: &str, params: &ListParams) -> Result<Vec<K>, PassError>
where
    K: Namespaced,
{
    let api: Api<K> = Api::namespaced(client.clone(), ns);
    Ok(api
        .list(params)
        .await
        .map_err(kube_call(format!("listing {} in {ns}", K::URL_PATH_SEGMENT)))?
        .items)
}

/// Annotation on everything the controller applies: a digest of what it applied, so that an
/// unchanged object is not written again (each write would wake the watches for another pass).
const DIGEST: &str = "mesh.megaease.com/shadow-digest";

/// Applies objects to one namespace, skipping those whose digest matches the live one's.
struct Applier<'a> {
    client: &'a kube::Client,
    ns: &'a str,
    /// (kind, name) → digest, of the objects as listed at the start of the pass.
    live: &'a BTreeMap<(&'static str, String), String>,
}

impl Applier<'_> {
    /// Creates or updates `object` (server-side apply: only the fields the controller sets).
    async fn apply<K: Namespaced>(&self, mut object: K) -> Result<(), PassError> {
        let name = object.meta().name.clone().unwrap_or_default();
        let text = serde_json::to_string(&object).expect("Kubernetes objects serialise");
        let digest = format!("{:08x}", meshlib::routing::fnv1a32(&text));
        if self.live.get(&(K::KIND, name.clone())) == Some(&digest) {
            return Ok(());
        }
        object
            .meta_mut()
            .annotations
            .get_or_insert_default()
            .insert(DIGEST.to_owned(), digest);
        let (ns, what) = (self.ns, K::KIND);
        let api: Api<K> = Api::namespaced(self.client.clone(), ns);
        api.patch(&name, &PatchParams::apply(MANAGER).force(), &Patch::Apply(&object))
            .await
            .map_err(kube_call(format!("applying {what} {ns}/{name}")))?;
        tracing::info!(kind = what, namespace = ns, name, "shadow controller: applied");
        Ok(())
    }
}

/// Deletes every shadow object of `ns` not in `wanted`, and the claims of StatefulSet copies
/// that are gone (Kubernetes 1.20 keeps a StatefulSet's claims after it is deleted).
async fn sweep(client: &kube::Client, ns: &str, wanted: &BTreeSet<(&'static str, String)>) -> Result<(), PassError> {
    let shadows = ListParams::default().labels(&format!("{SHADOW_LABEL}=true"));
    let stale = |kind: &'static str, items: Vec<kube::api::ObjectMeta>| {
        items
            .into_iter()
            .filter_map(|m| m.name)
            .filter(|name| !wanted.contains(&(kind, name.clone())))
            .collect::<Vec<_>>()
    };
    let meta = |items: Vec<_>| items.into_iter().map(|o: Deployment| o.metadata).collect();
    for name in stale("Deployment", meta(list::<Deployment>(client, ns, &shadows).await?)) {
        delete::<Deployment>(client, ns, &name).await?;
    }
    let sets = list::<StatefulSet>(client, ns, &shadows).await?;
    let live_sets: BTreeSet<String> = sets.iter().filter_map(|s| s.metadata.name.clone()).collect();
    for name in stale("StatefulSet", sets.into_iter().map(|s| s.metadata).collect()) {
        delete::<StatefulSet>(client, ns, &name).await?;
    }
    let maps = list::<ConfigMap>(client, ns, &shadows).await?;
    for name in stale("ConfigMap", maps.into_iter().map(|o| o.metadata).collect()) {
        delete::<ConfigMap>(client, ns, &name).await?;
    }
    let secrets = list::<Secret>(client, ns, &shadows).await?;
    for name in stale("Secret", secrets.into_iter().map(|o| o.metadata).collect()) {
        delete::<Secret>(client, ns, &name).await?;
    }
    // A StatefulSet's claims carry its selector's labels, the shadow ones included.
    for claim in list::<PersistentVolumeClaim>(client, ns, &shadows).await? {
        let owner = claim
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(SHADOW_OF_LABEL))
            .cloned();
        let kept = owner.is_some_and(|o| live_sets.contains(&o) && wanted.contains(&("StatefulSet", o)));
        if !kept && let Some(name) = &claim.metadata.name {
            delete::<PersistentVolumeClaim>(client, ns, name).await?;
        }
    }
    Ok(())
}

async fn delete<K>(client: &kube::Client, ns: &str, name: &str) -> Result<(), PassError>
where
    K: Namespaced,
{
    let api: Api<K> = Api::namespaced(client.clone(), ns);
    match api.delete(name, &DeleteParams::background()).await {
        Ok(_) => {
            tracing::info!(kind = K::KIND, namespace = ns, name, "shadow controller: deleted");
            Ok(())
        }
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(err) => Err(kube_call(format!("deleting {} {ns}/{name}", K::KIND))(err)),
    }
}

/// Makes the stored canaries the controller manages exactly those of `wanted` (header value →
/// shadowed services).
async fn apply_canaries(objects: &Objects, wanted: &BTreeMap<String, BTreeSet<String>>) -> Result<(), PassError> {
    let kind = ResourceKind::Builtin(Kind::ServiceCanary);
    let existing = objects.list_stored(&kind).await?;
    let managed =
        |r: &Resource| r.metadata.labels.get(CANARY_MANAGED_BY.0).map(String::as_str) == Some(CANARY_MANAGED_BY.1);
    for (header, services) in wanted {
        let mut canary = shadow::canary(header, services);
        canary
            .metadata
            .labels
            .insert(CANARY_MANAGED_BY.0.to_owned(), CANARY_MANAGED_BY.1.to_owned());
        let canary = meshlib::decode::normalize(serde_json::to_value(&canary).expect("resources serialise"))
            .map_err(|err| super::error::ApiError::bad_request(err.report()))?;
        match existing.iter().find(|r| r.metadata.name == canary.metadata.name) {
            Some(live) if live.same_content(&canary) => {}
            Some(live) if !managed(live) => {
                tracing::warn!(canary = %canary.metadata.name, "shadow controller: a ServiceCanary of that name exists and is not the controller's; left alone");
            }
            Some(_) => {
                objects.update(canary).await?;
            }
            None => {
                objects.create(canary).await?;
            }
        }
    }
    for live in existing.iter().filter(|r| {
        managed(r)
            && !r
                .metadata
                .name
                .strip_suffix("-shadow")
                .is_some_and(|header| wanted.contains_key(header))
    }) {
        match objects.delete(&kind, &live.metadata.name, None).await {
            Ok(_) => tracing::info!(canary = %live.metadata.name, "shadow controller: canary no shadow uses deleted"),
            Err(err) if err.status() == axum::http::StatusCode::NOT_FOUND => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}
