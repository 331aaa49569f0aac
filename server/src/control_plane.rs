//! `meshd control-plane`: the REST API over the durable store. Routes are assembled here; the
//! work is in the submodules.

mod auth;
mod body;
mod compat;
mod error;
mod extract;
pub mod instances;
mod metrics;
mod objects;
mod openapi;
mod overlay;
mod registry;
mod resources;
pub mod shadows;
mod stored;
mod watch;
pub mod webhook;

use std::future::Future;
use std::sync::{Arc, LazyLock};

use axum::extract::State;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use meshlib::api::{PREFIX, VersionInfo};
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub use auth::{Auth, Role, TokenFileError};
pub use error::ApiError;
pub use objects::Objects;

use crate::store::Store;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// Object operations.
    pub objects: Arc<Objects>,
    /// Flips to `true` when the server shuts down; long-lived streams end then.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// The control-plane URL injected sidecars use.
    pub advertise_url: Arc<str>,
    /// Asks sidecars for their metrics (`GET /apis/v2/metrics/instances`).
    pub http: reqwest::Client,
}

static OPENAPI: LazyLock<Value> = LazyLock::new(openapi::document);

async fn version(State(state): State<AppState>) -> Json<VersionInfo> {
    Json(VersionInfo {
        version: meshlib::VERSION.to_owned(),
        api_version: meshlib::resource::API_VERSION.to_owned(),
        store: state.objects.store().backend().to_owned(),
    })
}

async fn ready(State(state): State<AppState>) -> Response {
    match state.objects.store().get("ready-probe").await {
        Ok(_) => Json(json!({"status": "ready"})).into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "readiness probe failed");
            ApiError::Unavailable("store unavailable".to_owned()).into_response()
        }
    }
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::NoRoute(format!("no route for {method} {}", uri.path()))
}

async fn wrong_method(method: Method, uri: Uri) -> ApiError {
    // The method router sets `Allow` on this answer itself.
    ApiError::MethodNotAllowed {
        message: format!("{method} is not supported on {}", uri.path()),
        allow: "",
    }
}

/// All routes; `/apis/...` behind authentication, probes and documents open.
pub fn router(state: AppState, auth: Auth) -> Router {
    let api = Router::new()
        .route(
            &format!("{PREFIX}/resources/{{kind}}"),
            get(resources::list).post(resources::create),
        )
        .route(
            &format!("{PREFIX}/resources/{{kind}}/{{*name}}"),
            get(resources::get).put(resources::replace).delete(resources::delete),
        )
        .route(meshlib::metrics::INSTANCES_PATH, get(metrics::instances));
    let api = registry::routes(compat::routes(api)).route_layer(middleware::from_fn_with_state(auth, auth::require));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(ready))
        .route("/version", get(version))
        .route("/openapi.json", get(|| async { Json(OPENAPI.clone()) }))
        .merge(api)
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .with_state(state)
}

/// The webhook listener's routes: `POST /mutate` and the liveness probe.
pub fn webhook_router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/mutate", post(webhook::mutate))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .with_state(state)
}

/// How the control plane runs.
pub struct Settings {
    /// Authentication.
    pub auth: Auth,
    /// How long an instance record lives without a heartbeat.
    pub instance_lease: std::time::Duration,
    /// Where time comes from.
    pub clock: Arc<dyn instances::Clock>,
    /// Whether this replica runs the heartbeat checker.
    pub leader: Arc<dyn instances::Leader>,
    /// The control-plane URL injected sidecars use.
    pub advertise_url: String,
    /// The injection webhook's HTTPS listener, if it is served.
    pub webhook: Option<webhook::Webhook>,
    /// Objects created at start when they do not exist yet (`--bootstrap`).
    pub bootstrap: Vec<meshlib::resource::Resource>,
    /// The shadow controller, when it runs.
    pub shadows: Option<shadows::Config>,
}

/// The control-plane URL for sidecars when none is given: this machine, default port.
pub const DEFAULT_ADVERTISE_URL: &str = "http://127.0.0.1:2381";

impl Settings {
    /// A single replica on the system clock.
    pub fn single(auth: Auth, instance_lease: std::time::Duration) -> Self {
        Self {
            auth,
            instance_lease,
            clock: Arc::new(instances::SystemClock),
            leader: Arc::new(instances::SoleReplica),
            advertise_url: DEFAULT_ADVERTISE_URL.to_owned(),
            webhook: None,
            bootstrap: Vec::new(),
            shadows: None,
        }
    }
}

/// The state handlers share, over `store`.
///
/// # Errors
/// When the stored instances cannot be loaded.
pub async fn state(
    store: Arc<dyn Store>,
    settings: &Settings,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> Result<AppState, ApiError> {
    let instances =
        instances::Instances::load(Arc::clone(&store), Arc::clone(&settings.clock), settings.instance_lease).await?;
    Ok(AppState {
        objects: Arc::new(Objects::new(store, Arc::new(instances))),
        shutdown,
        advertise_url: settings.advertise_url.as_str().into(),
        http: metrics::client().map_err(|err| {
            tracing::error!(error = %err, "cannot build the HTTP client sidecars are asked with");
            ApiError::Internal
        })?,
    })
}

/// Serves until `shutdown` resolves, then stops accepting, ends watch streams and lets
/// in-flight requests finish. The webhook listener, if any, stops at the same time.
///
/// # Errors
/// I/O errors of the listener, or a store that cannot be read.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn Store>,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let state = state(store, &settings, stopped)
        .await
        .map_err(|err| std::io::Error::other(format!("cannot load the registry: {err}")))?;
    for resource in settings.bootstrap {
        let name = format!("{}/{}", resource.kind, resource.metadata.name);
        match state.objects.create(resource).await {
            Ok(_) => tracing::info!(object = %name, "created from --bootstrap"),
            Err(err) if err.status() == axum::http::StatusCode::CONFLICT => {
                tracing::info!(object = %name, "exists; --bootstrap leaves it as it is");
            }
            Err(err) => return Err(std::io::Error::other(format!("--bootstrap {name}: {err}"))),
        }
    }
    let checker = tokio::spawn(registry::run_checker(
        state.clone(),
        Arc::clone(&settings.clock),
        Arc::clone(&settings.leader),
        std::time::Duration::from_millis(500),
    ));
    let shadows = settings
        .shadows
        .map(|config| tokio::spawn(shadows::run(Arc::clone(&state.objects), config, state.shutdown.clone())));
    let webhook = match settings.webhook {
        Some(webhook) => {
            let tls = crate::tls::TlsListener::new(webhook.listener, webhook.tls)?;
            let mut stopped = state.shutdown.clone();
            let serve = axum::serve(tls, webhook_router(state.clone())).with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            });
            Some(tokio::spawn(serve.into_future()))
        }
        None => None,
    };
    let served = axum::serve(listener, router(state, settings.auth))
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop.send(true);
        })
        .await;
    let _ = checker.await;
    if let Some(shadows) = shadows {
        let _ = shadows.await;
    }
    if let Some(webhook) = webhook {
        webhook.await.map_err(std::io::Error::other)??;
    }
    served
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_route_registers_without_conflict() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = crate::store::redb::RedbStore::open(dir.path()).expect("store");
        let (_stop, stopped) = tokio::sync::watch::channel(false);
        let settings = Settings::single(Auth::Disabled, std::time::Duration::from_secs(1200));
        let state = state(Arc::new(store), &settings, stopped).await.expect("state");
        let _ = router(state, Auth::Disabled);
        assert!(OPENAPI["paths"].as_object().is_some_and(|p| p.len() > 30));
    }
}
