//! The admin port: `/healthz` (the process runs), `/ready` (registered and configured),
//! `/config` (the effective configuration, membership and cache), `/metrics` (Prometheus).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tokio::sync::watch;

use super::args::Identity;
use super::membership::Status;
use crate::catalog::Catalog;
use crate::proxy::metrics::Metrics;

/// Where the sidecar listens.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Listeners {
    /// Admin API.
    pub admin: std::net::SocketAddr,
    /// Calls from other sidecars.
    pub ingress: std::net::SocketAddr,
    /// Calls from the app.
    pub egress: std::net::SocketAddr,
    /// The emulated registries (loopback only).
    pub registry: std::net::SocketAddr,
}

/// What the admin handlers read.
#[derive(Clone)]
pub struct State {
    /// This instance.
    pub identity: Identity,
    /// Its listeners.
    pub listeners: Listeners,
    /// The routing table in force (for each service's address).
    pub tables: watch::Receiver<Arc<meshlib::routing::Table>>,
    /// Resilience and mock policies in force (for the breakers' states).
    pub policies: watch::Receiver<Arc<meshlib::resilience::Policies>>,
    /// The configuration in force.
    pub catalog: watch::Receiver<Arc<Catalog>>,
    /// Membership.
    pub status: watch::Receiver<Status>,
    /// The on-disk cache.
    pub cache: watch::Receiver<super::cache::Status>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
}

async fn ready(axum::extract::State(state): axum::extract::State<State>) -> Response {
    let status = state.status.borrow().clone();
    let synced = state.catalog.borrow().is_synced();
    let body = json!({"registered": status.registered, "configured": synced, "waitingFor": status.waiting_for});
    let code = if status.registered && synced {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

async fn config(axum::extract::State(state): axum::extract::State<State>) -> Response {
    let catalog = Arc::clone(&state.catalog.borrow());
    let status = state.status.borrow().clone();
    let port = state.listeners.egress.port();
    let addresses: std::collections::BTreeMap<String, String> = state
        .tables
        .borrow()
        .addresses()
        .iter()
        .map(|(service, ip)| (service.clone(), format!("{ip}:{port}")))
        .collect();
    let cache = state.cache.borrow().clone();
    let policies = Arc::clone(&state.policies.borrow());
    let breakers: std::collections::BTreeMap<&str, meshlib::resilience::BreakerState> = policies
        .iter()
        .filter_map(|(service, policy)| Some((service, policy.breaker.as_ref()?.state())))
        .collect();
    Json(
        json!({"identity": state.identity, "listeners": state.listeners, "addresses": addresses,
                "membership": status, "circuitBreakers": breakers, "cache": cache, "catalog": &*catalog}),
    )
    .into_response()
}

async fn metrics(axum::extract::State(state): axum::extract::State<State>) -> Response {
    state.metrics.exposition().into_response()
}

/// The admin routes.
pub fn router(state: State) -> Router {
    Router::new()
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/ready", get(ready))
        .route("/config", get(config))
        .route("/metrics", get(metrics))
        .with_state(state)
}
