//! Calling a mesh service: the one path every outbound request takes, from the app's egress and
//! from the ingress controller alike — pick an instance with the routing table (TrafficSplit,
//! canary colouring, load balancing), forward to its sidecar, and record the outcome.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::http::request::Parts;
use hyper::{Request, Response};
use meshlib::routing::{self, CANARY_HEADER, Route, RouteError, Table};
use tokio::sync::watch;

use super::body::Body;
use super::metrics::{Direction, Metrics};
use super::proxy::{Forwarder, ProxyError};
use super::traffic::failed;

/// Calls mesh services with the routing table in force.
#[derive(Clone)]
pub struct Caller {
    forwarder: Forwarder,
    tables: watch::Receiver<Arc<Table>>,
    metrics: Arc<Metrics>,
}

impl Caller {
    /// A caller routing with `tables` as they change.
    pub fn new(forwarder: Forwarder, tables: watch::Receiver<Arc<Table>>, metrics: Arc<Metrics>) -> Self {
        Self {
            forwarder,
            tables,
            metrics,
        }
    }

    /// The routing table in force.
    pub fn table(&self) -> Arc<Table> {
        Arc::clone(&self.tables.borrow())
    }

    /// Sends one request to `service` and answers with its response or the failure's.
    pub async fn call(
        &self,
        table: &Table,
        service: &str,
        mut parts: Parts,
        body: Incoming,
        client: IpAddr,
    ) -> Response<Body> {
        let route = match route(table, service, &parts, client) {
            Ok(route) => route,
            Err(err) => return self.unroutable(service, &err),
        };
        let Ok(ip) = route.endpoint.ip.parse::<IpAddr>() else {
            let err = ProxyError::NoEndpoints(format!(
                "instance {} has no usable address ({:?})",
                route.endpoint.name, route.endpoint.ip
            ));
            return failed(&self.metrics, Direction::Egress, &route.service, &err);
        };
        if let Some(colour) = route.canary.as_deref().and_then(|c| HeaderValue::from_str(c).ok()) {
            parts.headers.insert(CANARY_HEADER, colour);
        }
        let destination = self.metrics.destination(Direction::Egress, &route.service);
        let start = Instant::now();
        let request = Request::from_parts(parts, Body::stream(body));
        let addr = SocketAddr::new(ip, route.endpoint.port);
        let response = match self.forwarder.forward(request, addr, None).await {
            Ok(response) => response,
            Err(err) => failed(&self.metrics, Direction::Egress, &route.service, &err),
        };
        destination.record(response.status().as_u16(), start.elapsed());
        response
    }

    /// The 503 for a request that has nowhere to go.
    fn unroutable(&self, service: &str, err: &RouteError) -> Response<Body> {
        let response = failed(
            &self.metrics,
            Direction::Egress,
            service,
            &ProxyError::NoEndpoints(err.to_string()),
        );
        self.metrics
            .destination(Direction::Egress, service)
            .record(response.status().as_u16(), Duration::ZERO);
        response
    }
}

/// The instance for this request.
fn route(table: &Table, service: &str, parts: &Parts, client: IpAddr) -> Result<Route, RouteError> {
    let client_ip = client.to_string();
    let headers = parts
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)));
    table.route(service, &routing::Request::new(headers, &client_ip, random_u64()))
}

/// A cheap random number for balancing and splits (not for anything secret): every
/// `RandomState` gets fresh keys, so hashing nothing yields a new value each call.
fn random_u64() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(())
}
