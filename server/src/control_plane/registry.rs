//! Routes sidecars use to register, beat and leave, operators' offline/online, and the
//! heartbeat checker loop.
//!
//! - `POST   /apis/v2/registry/instances` (Registration) → 201 new / 200 re-registered
//! - `PUT    /apis/v2/registry/instances/{service}/{id}/heartbeat` (Heartbeat) → HeartbeatReply;
//!   404 when unknown, so the sidecar registers again
//! - `DELETE /apis/v2/registry/instances/{service}/{id}` → removed
//! - `PUT    /apis/v2/registry/instances/{service}/{id}/offline` | `/online`
//! - `GET    /apis/v2/registry/services/{service}/visible` → the services it may call

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post, put};
use bytes::Bytes;
use meshlib::api::PREFIX;
use meshlib::registry::{Heartbeat, Registration};

use super::error::ApiError;
use super::extract::{Body, Path};
use super::instances::{Clock, Leader};
use super::{AppState, body};

fn parse<T: serde::de::DeserializeOwned>(payload: &Bytes, what: &str) -> Result<T, ApiError> {
    let value = if payload.iter().all(u8::is_ascii_whitespace) {
        serde_json::json!({})
    } else {
        body::parse(payload)?
    };
    serde_json::from_value(value).map_err(|err| ApiError::bad_request(format!("invalid {what}: {err}")))
}

async fn register(State(state): State<AppState>, Body(payload): Body) -> Result<Response, ApiError> {
    let registration: Registration = parse(&payload, "registration")?;
    let (instance, new) = state.objects.instances().register(registration).await?;
    let status = if new { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(instance)).into_response())
}

async fn heartbeat(
    State(state): State<AppState>,
    Path((service, id)): Path<(String, String)>,
    Body(payload): Body,
) -> Result<Response, ApiError> {
    let beat: Heartbeat = parse(&payload, "heartbeat")?;
    Ok(Json(state.objects.instances().heartbeat(&service, &id, beat).await?).into_response())
}

async fn deregister(
    State(state): State<AppState>,
    Path((service, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(state.objects.instances().deregister(&service, &id).await?).into_response())
}

async fn set_offline(state: &AppState, service: &str, id: &str, offline: bool) -> Result<Response, ApiError> {
    let instance = state.objects.instances().set_offline(service, id, offline).await?;
    Ok(Json(state.objects.decorate(vec![instance]).await?.remove(0)).into_response())
}

async fn visible(State(state): State<AppState>, Path(service): Path<String>) -> Result<Response, ApiError> {
    use meshlib::kind::{Kind, ResourceKind};
    let (services, _) = state.objects.list(&ResourceKind::Builtin(Kind::Service), None).await?;
    if !services.iter().any(|s| s.metadata.name == service) {
        return Err(ApiError::NotFound(format!("Service {service:?} not found")));
    }
    let (targets, _) = state
        .objects
        .list(&ResourceKind::Builtin(Kind::TrafficTarget), None)
        .await?;
    let visible = meshlib::visibility::visible_services(&service, &services, &targets);
    Ok(Json(serde_json::json!({"service": service, "visible": visible})).into_response())
}

/// The instances' collection (`POST` registers).
fn instances_route() -> String {
    format!("{PREFIX}/registry/instances")
}

/// One instance (`DELETE` deregisters).
fn instance_route() -> String {
    format!("{}/{{service}}/{{id}}", instances_route())
}

/// An instance's heartbeat (`PUT`).
fn heartbeat_route() -> String {
    format!("{}/heartbeat", instance_route())
}

/// Whether a request (method and matched route template) is one of the writes a sidecar makes:
/// register, heartbeat, deregister. Taking an instance offline or online is an operator's.
pub(super) fn is_sidecar_call(method: &Method, route: &str) -> bool {
    static CALLS: LazyLock<[(Method, String); 3]> = LazyLock::new(|| {
        [
            (Method::POST, instances_route()),
            (Method::PUT, heartbeat_route()),
            (Method::DELETE, instance_route()),
        ]
    });
    CALLS.iter().any(|(m, r)| m == method && r == route)
}

/// The registry routes.
pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .route(&instances_route(), post(register))
        .route(
            &format!("{PREFIX}/registry/services/{{service}}/visible"),
            axum::routing::get(visible),
        )
        .route(&instance_route(), delete(deregister))
        .route(&heartbeat_route(), put(heartbeat))
        .route(
            &format!("{}/offline", instance_route()),
            put(
                |State(s): State<AppState>, Path((svc, id)): Path<(String, String)>| async move {
                    set_offline(&s, &svc, &id, true).await
                },
            ),
        )
        .route(
            &format!("{}/online", instance_route()),
            put(
                |State(s): State<AppState>, Path((svc, id)): Path<(String, String)>| async move {
                    set_offline(&s, &svc, &id, false).await
                },
            ),
        )
}

/// Runs the heartbeat checker on the leader every `tick` until shutdown. The tick is well below
/// the heartbeat interval, so an instance goes OUT_OF_SERVICE within 2 × interval + tick.
pub async fn run_checker(state: AppState, clock: Arc<dyn Clock>, leader: Arc<dyn Leader>, tick: Duration) {
    let mut shutdown = state.shutdown.clone();
    let mut ticker = tokio::time::interval(tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = shutdown.changed() => return,
        }
        if !leader.is_leader() {
            continue;
        }
        if let Err(err) = state.objects.instances().sweep(clock.now()).await {
            tracing::warn!(error = %err, "heartbeat check failed; retrying on the next tick");
        }
    }
}
