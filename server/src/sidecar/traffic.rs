//! The data path: ingress (other sidecars → this app) and egress (this app → other services,
//! chosen by the routing table built from the catalog). The egress target comes from the
//! `X-Mesh-Rpc-Service` header, or the Host header (`name`, `name:port`, or
//! `name.<namespace>.svc...`).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, Request, Response, header};
use meshlib::kind::Kind;
use meshlib::routing::{self, CANARY_HEADER, Table};
use tokio::sync::watch;

use super::catalog::Catalog;
use super::metrics::{Direction, Metrics};
use super::proxy::{Forwarder, ProxyError};

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
pub fn tables(mut catalog: watch::Receiver<Arc<Catalog>>) -> watch::Receiver<Arc<Table>> {
    let (tx, rx) = watch::channel(Arc::new(table(&catalog.borrow())));
    tokio::spawn(async move {
        while catalog.changed().await.is_ok() {
            let next = Arc::new(table(&catalog.borrow_and_update()));
            if tx.send(next).is_err() {
                return;
            }
        }
    });
    rx
}

#[derive(Clone)]
struct Ingress {
    forwarder: Forwarder,
    app: String,
    service: String,
    metrics: Arc<Metrics>,
}

/// Forwards and records the outcome.
async fn forward(
    forwarder: &Forwarder,
    metrics: &Metrics,
    direction: Direction,
    service: &str,
    request: Request<Body>,
    authority: &str,
) -> Response<Body> {
    let start = std::time::Instant::now();
    let response = match forwarder.forward(request, authority).await {
        Ok(response) => response,
        Err(err) => {
            tracing::debug!(?direction, service, error = %err, "forward failed");
            metrics.failure(direction, service, err.reason());
            err.rescue()
        }
    };
    metrics.request(direction, service, response.status().as_u16(), start.elapsed());
    response
}

async fn ingress(State(state): State<Ingress>, request: Request<Body>) -> Response<Body> {
    forward(
        &state.forwarder,
        &state.metrics,
        Direction::Ingress,
        &state.service,
        request,
        &state.app,
    )
    .await
}

/// Ingress: everything to the app on `app_port`.
pub fn ingress_router(forwarder: Forwarder, app_port: u16, service: &str, metrics: Arc<Metrics>) -> Router {
    Router::new().fallback(ingress).with_state(Ingress {
        forwarder,
        app: format!("127.0.0.1:{app_port}"),
        service: service.to_owned(),
        metrics,
    })
}

#[derive(Clone)]
struct Egress {
    forwarder: Forwarder,
    tables: watch::Receiver<Arc<Table>>,
    metrics: Arc<Metrics>,
}

/// The service a request addresses, if it names one.
pub fn target(request: &Request<Body>, table: &Table) -> Option<String> {
    if let Some(name) = request.headers().get(TARGET_HEADER).and_then(|v| v.to_str().ok()) {
        return Some(name.trim().to_owned());
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().host())?;
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    if table.services().any(|s| s == host) {
        return Some(host.to_owned());
    }
    // `name.namespace.svc.cluster.local` and the like.
    let first = host.split('.').next()?;
    (host.contains(".svc") && table.services().any(|s| s == first)).then(|| first.to_owned())
}

async fn egress(
    State(state): State<Egress>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request<Body>,
) -> Response<Body> {
    let table = Arc::clone(&state.tables.borrow());
    let Some(service) = target(&request, &table) else {
        let err = ProxyError::NoEndpoints(format!(
            "no target service: set the {TARGET_HEADER} header or address the service by name"
        ));
        state.metrics.failure(Direction::Egress, "", err.reason());
        return err.rescue();
    };
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let client_ip = peer.ip().to_string();
    let decision = {
        let view = routing::Request::new(
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &client_ip,
            fastrand_u64(),
        );
        table.route(&service, &view)
    };
    let route = match decision {
        Ok(route) => route,
        Err(err) => {
            let err = ProxyError::NoEndpoints(err.to_string());
            state.metrics.failure(Direction::Egress, &service, err.reason());
            state
                .metrics
                .request(Direction::Egress, &service, 503, std::time::Duration::ZERO);
            return err.rescue();
        }
    };
    if let Some(colour) = route.canary.as_deref().and_then(|c| HeaderValue::from_str(c).ok()) {
        request.headers_mut().insert(CANARY_HEADER, colour);
    }
    request.headers_mut().remove(TARGET_HEADER);
    let authority = format!("{}:{}", route.endpoint.ip, route.endpoint.port);
    forward(
        &state.forwarder,
        &state.metrics,
        Direction::Egress,
        &route.service,
        request,
        &authority,
    )
    .await
}

/// A cheap random number for balancing (not for anything secret).
fn fastrand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(u64::from(std::process::id()));
    hasher.finish()
}

/// Egress: calls from the app to other services.
pub fn egress_router(forwarder: Forwarder, tables: watch::Receiver<Arc<Table>>, metrics: Arc<Metrics>) -> Router {
    Router::new().fallback(egress).with_state(Egress {
        forwarder,
        tables,
        metrics,
    })
}
