//! The data path: ingress (other sidecars → this app) and egress (this app → other services,
//! chosen by the routing table built from the catalog). The egress target comes from the local
//! address the connection arrived on (each service has its own 127.x.y.z, which discovery hands
//! to unmodified clients), else the `X-Mesh-Rpc-Service` header, else the Host header (`name`,
//! `name:port`, or `name.<namespace>.svc...`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use hyper::header::{self, HeaderMap};
use hyper::{Request, Response, StatusCode, Uri};
use meshlib::kind::Kind;
use meshlib::resilience::{Admission, Policies};
use meshlib::routing::Table;
use meshlib::spec::service::ServiceSpec;
use tokio::sync::watch;

use super::body::Body;
use super::call::Caller;
use super::catalog::Catalog;
use super::metrics::{Destination, Direction, Metrics};
use super::proxy::{Forwarder, ProxyError, plain};
use super::serve::Peer;

/// The header naming the target service explicitly.
pub const TARGET_HEADER: &str = "X-Mesh-Rpc-Service";

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

/// The ingress: every request goes to the app, within the service's rate limits and time limit.
pub struct Ingress {
    forwarder: Forwarder,
    app: SocketAddr,
    service: String,
    policies: watch::Receiver<Arc<Policies>>,
    metrics: Arc<Metrics>,
    destination: Arc<Destination>,
}

impl Ingress {
    /// Forwards to the app on `app_port` of this host.
    pub fn new(
        forwarder: Forwarder,
        app_port: u16,
        service: &str,
        policies: watch::Receiver<Arc<Policies>>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            forwarder,
            app: SocketAddr::from((Ipv4Addr::LOCALHOST, app_port)),
            service: service.to_owned(),
            policies,
            destination: metrics.destination(Direction::Ingress, service),
            metrics,
        }
    }

    /// Handles one request from another sidecar.
    pub async fn handle(&self, request: Request<Body>) -> Response<Body> {
        let start = Instant::now();
        let policy = self.policies.borrow().get(&self.service).cloned();
        let limiter = policy.as_ref().and_then(|p| p.rate_limiter.as_ref());
        if let Some(limiter) = limiter {
            match limiter.acquire(request.method().as_str(), request.uri().path(), start) {
                Admission::Now => {}
                Admission::After(wait) => tokio::time::sleep(wait).await,
                Admission::Rejected { policy } => {
                    self.metrics.failure(Direction::Ingress, &self.service, "rate_limited");
                    self.destination.record(429, start.elapsed());
                    return plain(
                        StatusCode::TOO_MANY_REQUESTS,
                        format!("mesh: {} is rate limited (policy {policy})\n", self.service),
                    );
                }
            }
        }
        let timeout = policy.as_ref().and_then(|p| p.timeout);
        let response = match self.forwarder.forward(request, self.app, timeout).await {
            Ok(response) => response,
            Err(err) => failed(&self.metrics, Direction::Ingress, &self.service, &err),
        };
        self.destination.record(response.status().as_u16(), start.elapsed());
        response
    }
}

/// Counts a failure and answers it.
pub fn failed(metrics: &Metrics, direction: Direction, service: &str, err: &ProxyError) -> Response<Body> {
    tracing::debug!(?direction, service, error = %err, "forward failed");
    metrics.failure(direction, service, err.reason());
    err.rescue()
}

/// The service a request addresses, if it names one.
pub fn target(headers: &HeaderMap, uri: &Uri, table: &Table) -> Option<String> {
    if let Some(name) = headers.get(TARGET_HEADER).and_then(|v| v.to_str().ok()) {
        return Some(name.trim().to_owned());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.host())?;
    let host = meshlib::routing::host_name(host);
    if table.services().any(|s| s == host) {
        return Some(host.to_owned());
    }
    // `name.namespace.svc.cluster.local` and the like.
    let first = host.split('.').next()?;
    (host.contains(".svc") && table.services().any(|s| s == first)).then(|| first.to_owned())
}

/// The egress: calls from the app to other services.
pub struct Egress {
    caller: Caller,
    metrics: Arc<Metrics>,
}

impl Egress {
    /// Calls services through `caller`.
    pub fn new(caller: Caller, metrics: Arc<Metrics>) -> Self {
        Self { caller, metrics }
    }

    /// Handles one call of the app; `peer.local` is the address it dialled, which names the
    /// service when it is one of the per-service loopback addresses.
    pub async fn handle(&self, request: Request<Body>, peer: Peer) -> Response<Body> {
        if !peer.local.ip().is_loopback() {
            return plain(
                StatusCode::FORBIDDEN,
                "mesh: the egress serves this host's app only\n".to_owned(),
            );
        }
        let table = self.caller.table();
        let dialled = match peer.local.ip() {
            IpAddr::V4(ip) if ip != Ipv4Addr::LOCALHOST => table.service_at(ip).map(str::to_owned),
            _ => None,
        };
        let Some(service) = dialled.or_else(|| target(request.headers(), request.uri(), &table)) else {
            let err = ProxyError::NoEndpoints(format!(
                "no target service: set the {TARGET_HEADER} header or address the service by name"
            ));
            return failed(&self.metrics, Direction::Egress, "", &err);
        };
        let (mut parts, body) = request.into_parts();
        parts.headers.remove(TARGET_HEADER);
        self.caller.call(&table, &service, parts, body, peer.remote.ip()).await
    }
}
