//! The data path: ingress (other sidecars → this app) and egress (this app → other services,
//! chosen by the routing table built from the catalog). The egress target comes from the local
//! address the connection arrived on (each service has its own 127.x.y.z, which discovery hands
//! to unmodified clients), else the `X-Mesh-Rpc-Service` header, else the Host header (`name`,
//! `name:port`, or `name.<namespace>.svc...`).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, Request, Response, header};
use axum::serve::IncomingStream;
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

/// Both ends of an egress connection: the local one names the service dialled.
#[derive(Debug, Clone, Copy)]
pub struct Connection {
    /// The app's end.
    pub peer: SocketAddr,
    /// The address the app dialled.
    pub local: SocketAddr,
}

impl Connected<IncomingStream<'_, tokio::net::TcpListener>> for Connection {
    fn connect_info(stream: IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        let peer = *stream.remote_addr();
        Self {
            peer,
            local: stream.io().local_addr().unwrap_or(peer),
        }
    }
}

async fn egress(
    State(state): State<Egress>,
    ConnectInfo(connection): ConnectInfo<Connection>,
    mut request: Request<Body>,
) -> Response<Body> {
    if !connection.local.ip().is_loopback() {
        let mut refused = Response::new(Body::from("mesh: the egress serves this host's app only\n"));
        *refused.status_mut() = axum::http::StatusCode::FORBIDDEN;
        return refused;
    }
    let peer = connection.peer;
    let table = Arc::clone(&state.tables.borrow());
    let dialled = match connection.local.ip() {
        std::net::IpAddr::V4(ip) if ip != std::net::Ipv4Addr::LOCALHOST => table.service_at(ip).map(str::to_owned),
        _ => None,
    };
    let Some(service) = dialled.or_else(|| target(&request, &table)) else {
        let err = ProxyError::NoEndpoints(format!(
            "no target service: set the {TARGET_HEADER} header or address the service by name"
        ));
        state.metrics.failure(Direction::Egress, "", err.reason());
        return err.rescue();
    };
    let client_ip = peer.ip().to_string();
    let decision = {
        let headers = request
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)));
        let view = routing::Request::new(headers, &client_ip, random_u64());
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

/// A cheap random number for balancing and splits (not for anything secret): every
/// `RandomState` gets fresh keys, so hashing nothing yields a new value each call.
fn random_u64() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(())
}

/// Egress: calls from the app to other services.
pub fn egress_router(forwarder: Forwarder, tables: watch::Receiver<Arc<Table>>, metrics: Arc<Metrics>) -> Router {
    Router::new().fallback(egress).with_state(Egress {
        forwarder,
        tables,
        metrics,
    })
}
