//! The sidecar's egress: calls from the app to other services. The target comes from the local
//! address the connection arrived on (each service has its own 127.x.y.z, which discovery hands
//! to unmodified clients), else the `X-Mesh-Rpc-Service` header, else the Host header (`name`,
//! `name:port`, or `name.<namespace>.svc...`).

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use hyper::header::{self, HeaderMap};
use hyper::{Request, Response, Uri};
use meshlib::routing::Table;

use crate::proxy::call::{Caller, TARGET_HEADER};
use crate::proxy::h1::body::Body;
use crate::proxy::listener::Peer;
use crate::proxy::metrics::{Direction, Metrics};
use crate::proxy::respond::Refusal;

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
            return Refusal::NotLocal.respond();
        }
        let table = self.caller.table();
        let dialled = match peer.local.ip() {
            IpAddr::V4(ip) if ip != Ipv4Addr::LOCALHOST => table.service_at(ip).map(str::to_owned),
            _ => None,
        };
        let Some(service) = dialled.or_else(|| target(request.headers(), request.uri(), &table)) else {
            let refusal = Refusal::NoTarget { header: TARGET_HEADER };
            return refusal.counted(&self.metrics, Direction::Egress, "");
        };
        let (mut parts, body) = request.into_parts();
        parts.headers.remove(TARGET_HEADER);
        self.caller.call(&table, &service, parts, body, peer.remote.ip()).await
    }
}
