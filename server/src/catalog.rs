//! The mesh configuration a data-plane process (a sidecar, the ingress controller) works from,
//! kept current by one watch per kind, and what is derived from it (the routing table, the
//! services' policies). A kind's view is replaced only once the control plane says its snapshot
//! is complete (BOOKMARK), so a reconnect never publishes a partial view; while the control plane
//! is unreachable the last view stays in force and the watches reconnect with backoff (jittered, so
//! the sidecars of a mesh do not all come back at once after a control-plane restart).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use meshlib::api::EventType;
use meshlib::backoff::Backoff;
use meshlib::client::Client;
use meshlib::kind::{Kind, ResourceKind};
use meshlib::resilience::Policies;
use meshlib::resource::Resource;
use meshlib::routing::Table;
use meshlib::spec::service::ServiceSpec;
use serde::Serialize;
use tokio::sync::watch;

use crate::proxy::metrics::Metrics;

const SIDECAR_KINDS: [Kind; 6] = [
    Kind::MeshController,
    Kind::Service,
    Kind::ServiceCanary,
    Kind::TrafficSplit,
    Kind::TrafficTarget,
    Kind::ServiceInstance,
];

/// Kinds the sidecar follows (LoadBalance and the other parts arrive inside their Service).
pub const WATCHED: &[Kind] = &SIDECAR_KINDS;

/// What the ingress controller follows: the sidecar's kinds and the Ingress rules.
pub const INGRESS_WATCHED: &[Kind] = &{
    let mut kinds = [Kind::Ingress; SIDECAR_KINDS.len() + 1];
    let mut i = 0;
    while i < SIDECAR_KINDS.len() {
        kinds[i] = SIDECAR_KINDS[i];
        i += 1;
    }
    kinds
};

/// Objects of the watched kinds, by kind name then object name.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Catalog {
    /// The kinds followed.
    #[serde(skip)]
    kinds: &'static [Kind],
    /// Objects per kind.
    pub objects: BTreeMap<String, BTreeMap<String, Resource>>,
    /// Kinds whose snapshot is complete, with the revision it was read at.
    pub synced: BTreeMap<String, String>,
    /// When the catalog last changed (RFC 3339).
    pub updated: Option<String>,
}

impl Default for Catalog {
    /// An empty catalog of the sidecar's kinds.
    fn default() -> Self {
        Self::watching(WATCHED)
    }
}

impl Catalog {
    /// An empty catalog of `kinds`.
    pub fn watching(kinds: &'static [Kind]) -> Self {
        Self {
            kinds,
            objects: BTreeMap::new(),
            synced: BTreeMap::new(),
            updated: None,
        }
    }

    /// True when every watched kind has a complete snapshot.
    pub fn is_synced(&self) -> bool {
        self.kinds.iter().all(|k| self.synced.contains_key(k.name()))
    }

    /// Objects of one kind.
    pub fn of(&self, kind: Kind) -> impl Iterator<Item = &Resource> {
        self.objects.get(kind.name()).into_iter().flat_map(BTreeMap::values)
    }
}

/// Runs one watch per kind of the catalog until `stop` turns true.
pub async fn run(
    client: Client,
    catalog: watch::Sender<Arc<Catalog>>,
    metrics: Arc<Metrics>,
    stop: watch::Receiver<bool>,
) {
    let kinds = catalog.borrow().kinds;
    let tasks: Vec<_> = kinds
        .iter()
        .map(|kind| {
            tokio::spawn(follow(
                client.clone(),
                *kind,
                catalog.clone(),
                Arc::clone(&metrics),
                stop.clone(),
            ))
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
}

fn publish(
    catalog: &watch::Sender<Arc<Catalog>>,
    kind: Kind,
    objects: &BTreeMap<String, Resource>,
    revision: Option<&str>,
) {
    catalog.send_modify(|current| {
        let mut next = (**current).clone();
        next.objects.insert(kind.name().to_owned(), objects.clone());
        if let Some(revision) = revision {
            next.synced.insert(kind.name().to_owned(), revision.to_owned());
        }
        next.updated = Some(humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string());
        *current = Arc::new(next);
    });
}

async fn follow(
    client: Client,
    kind: Kind,
    catalog: watch::Sender<Arc<Catalog>>,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    let resource_kind = ResourceKind::Builtin(kind);
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    while !*stop.borrow() {
        let stream = tokio::select! {
            stream = client.watch(&resource_kind) => stream,
            _ = stop.changed() => return,
        };
        match stream {
            Err(err) => {
                metrics.set_control_plane_up(false);
                tracing::warn!(kind = kind.name(), error = %err, "cannot watch; keeping the last configuration");
            }
            Ok(events) => {
                let mut events = Box::pin(events);
                let mut fresh: BTreeMap<String, Resource> = BTreeMap::new();
                let mut synced = false;
                loop {
                    let event = tokio::select! {
                        event = events.next() => event,
                        _ = stop.changed() => return,
                    };
                    let Some(Ok(event)) = event else {
                        tracing::warn!(kind = kind.name(), "watch ended; reconnecting");
                        break;
                    };
                    match event.event {
                        EventType::Added | EventType::Modified => {
                            fresh.insert(event.object.metadata.name.clone(), event.object);
                        }
                        EventType::Deleted => {
                            fresh.remove(&event.object.metadata.name);
                        }
                        EventType::Bookmark => {
                            synced = true;
                            backoff.reset();
                            metrics.set_control_plane_up(true);
                            publish(
                                &catalog,
                                kind,
                                &fresh,
                                event.object.metadata.resource_version.as_deref(),
                            );
                            metrics.config_update(kind.name());
                            continue;
                        }
                    }
                    if synced {
                        publish(&catalog, kind, &fresh, None);
                        metrics.config_update(kind.name());
                    }
                }
            }
        }
        let wait = backoff.next_wait();
        tracing::debug!(kind = kind.name(), retry_in = ?wait, "watching again after a pause");
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Builds the routing table from a catalog.
pub fn table(catalog: &Catalog) -> Table {
    Table::new(
        catalog.of(Kind::Service),
        catalog.of(Kind::ServiceInstance),
        catalog.of(Kind::ServiceCanary),
        catalog.of(Kind::TrafficSplit),
    )
}

/// Keeps a routing table in step with the catalog.
pub fn tables(catalog: watch::Receiver<Arc<Catalog>>) -> watch::Receiver<Arc<Table>> {
    derived(catalog, |catalog, _| table(catalog))
}

/// Keeps every service's resilience and mock policy in step with the catalog; a service whose
/// settings did not change keeps its breaker and limiter state.
pub fn policies(catalog: watch::Receiver<Arc<Catalog>>) -> watch::Receiver<Arc<Policies>> {
    derived(catalog, |catalog, previous| {
        let specs: Vec<(&str, ServiceSpec)> = catalog
            .of(Kind::Service)
            .filter_map(|r| Some((r.metadata.name.as_str(), serde_json::from_value(r.spec.clone()).ok()?)))
            .collect();
        previous
            .map(|p| &**p)
            .unwrap_or(&Policies::new())
            .update(specs.iter().map(|(name, spec)| (*name, spec)), Instant::now())
    })
}

/// Keeps something built from the catalog (a routing table, ingress rules, policies) in step
/// with it; `build` sees what it built last time.
pub fn derived<T: Send + Sync + 'static>(
    mut catalog: watch::Receiver<Arc<Catalog>>,
    build: fn(&Catalog, Option<&Arc<T>>) -> T,
) -> watch::Receiver<Arc<T>> {
    let (tx, rx) = watch::channel(Arc::new(build(&catalog.borrow(), None)));
    tokio::spawn(async move {
        while catalog.changed().await.is_ok() {
            let previous = Arc::clone(&tx.borrow());
            let next = Arc::new(build(&catalog.borrow_and_update(), Some(&previous)));
            if tx.send(next).is_err() {
                return;
            }
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use meshlib::client::Config;
    use tokio::net::TcpListener;

    use super::*;

    const KINDS: &[Kind] = &[Kind::Service];

    /// When each connection to a control plane that hangs up at once came.
    async fn hanging_up(listener: TcpListener, attempts: Arc<std::sync::Mutex<Vec<Instant>>>) {
        while let Ok((stream, _)) = listener.accept().await {
            attempts.lock().expect("attempts").push(Instant::now());
            drop(stream);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sidecars_that_lost_the_control_plane_together_do_not_come_back_together() {
        let (stop_tx, stop) = watch::channel(false);
        let mut followers = Vec::new();
        for _ in 0..16 {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let client = Client::new(&Config {
                server: format!("http://{}", listener.local_addr().unwrap()),
                token: None,
                timeout: Duration::from_secs(5),
            })
            .unwrap();
            let attempts = Arc::new(std::sync::Mutex::new(Vec::new()));
            tokio::spawn(hanging_up(listener, Arc::clone(&attempts)));
            let (catalog, _) = watch::channel(Arc::new(Catalog::watching(KINDS)));
            let metrics = Arc::new(Metrics::default());
            tokio::spawn(run(client, catalog, metrics, stop.clone()));
            followers.push(attempts);
        }
        let second_tries = async {
            loop {
                let gaps: Option<Vec<Duration>> = followers
                    .iter()
                    .map(|attempts| {
                        let attempts = attempts.lock().expect("attempts");
                        Some(*attempts.get(1)? - attempts[0])
                    })
                    .collect();
                if let Some(gaps) = gaps {
                    return gaps;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        let gaps = tokio::time::timeout(Duration::from_secs(10), second_tries)
            .await
            .expect("every follower tried twice within 10 s");
        let _ = stop_tx.send(true);
        let (shortest, longest) = (gaps.iter().min().unwrap(), gaps.iter().max().unwrap());
        assert!(
            *longest - *shortest > Duration::from_millis(40),
            "every follower waited about as long before its second try: {gaps:?}"
        );
    }
}
