//! `meshd ingress-controller`: the mesh's north-south entry. Outside requests are matched
//! against the Ingress objects (host, then path expression, optional rewrite) and sent to the
//! backend mesh service exactly as a sidecar's egress would send them (TrafficSplit, canary
//! colouring, load balancing, resilience), to the chosen instance's sidecar. It follows the
//! configuration through watches, so a changed Ingress applies within a second, and keeps its
//! last configuration while the control plane is away.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response as AxumResponse};
use axum::routing::get;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Request, Response, Uri};
use meshlib::client::{Client, Config};
use meshlib::kind::Kind;
use meshlib::routing::ingress::IngressRoutes;
use serde_json::json;
use tokio::sync::watch;

use crate::catalog::{self, Catalog};
use crate::proxy::call::{Caller, TARGET_HEADER};
use crate::proxy::forward::Forwarder;
use crate::proxy::h1::body::Body;
use crate::proxy::listener::{self as serve, Peer};
use crate::proxy::metrics::Metrics;
use crate::proxy::respond::Refusal;

/// `meshd ingress-controller` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct IngressControllerArgs {
    /// Control-plane URL.
    #[arg(long, env = "MESH_CONTROL_PLANE")]
    pub control_plane: String,
    /// Bearer token for the control plane.
    #[arg(long, env = "MESH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Address outside traffic arrives on (the MeshController's `ingressPort`).
    #[arg(long, env = "MESH_INGRESS_LISTEN", default_value = "0.0.0.0:13010")]
    pub listen: SocketAddr,
    /// Address of the admin API (/healthz, /ready, /config, /metrics); port 0 picks a free one.
    #[arg(long, env = "MESH_ADMIN_LISTEN", default_value = "127.0.0.1:13091")]
    pub admin_listen: SocketAddr,
    /// How long a proxied call may take before the caller gets 504 (Go duration).
    #[arg(long, env = "MESH_UPSTREAM_TIMEOUT", default_value = "30s", value_parser = meshlib::duration::parse_flag)]
    pub upstream_timeout: std::time::Duration,
}

/// How long an outside client may take to send a request head.
const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

fn ingress_routes(catalog: &Catalog) -> IngressRoutes {
    IngressRoutes::new(catalog.of(Kind::Ingress))
}

struct Controller {
    routes: watch::Receiver<Arc<IngressRoutes>>,
    caller: Caller,
}

impl Controller {
    async fn handle(&self, request: Request<Body>, peer: Peer) -> Response<Body> {
        let routes = Arc::clone(&self.routes.borrow());
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .or_else(|| request.uri().host())
            .unwrap_or_default();
        let Some(found) = routes.find(host, request.uri().path()) else {
            let refusal = Refusal::NoIngressRule {
                host: host.to_owned(),
                path: request.uri().path().to_owned(),
            };
            return refusal.respond();
        };
        let backend = found.backend.to_owned();
        let rewritten = (found.path != request.uri().path()).then(|| found.path.into_owned());
        let (mut parts, body) = request.into_parts();
        if let Some(path) = rewritten {
            // A rewrite to "" or "orders" still means a path.
            let path = if path.starts_with('/') {
                path
            } else {
                format!("/{path}")
            };
            let target = match parts.uri.query() {
                Some(query) => format!("{path}?{query}"),
                None => path,
            };
            match target.parse::<Uri>() {
                Ok(uri) => parts.uri = uri,
                Err(error) => return Refusal::BadRewrite { target, error }.respond(),
            }
        }
        // Outside callers do not choose canaries or targets: the mesh's own headers are dropped
        // and the Ingress rules and ServiceCanaries decide.
        parts.headers.remove(meshlib::routing::CANARY_HEADER);
        parts.headers.remove(TARGET_HEADER);
        forwarded_headers(&mut parts.headers, peer);
        let table = self.caller.table();
        self.caller.call(&table, &backend, parts, body, peer.remote.ip()).await
    }
}

/// `X-Forwarded-For` gets the caller appended; `X-Forwarded-Host` and `-Proto` are set when absent.
fn forwarded_headers(headers: &mut hyper::HeaderMap, peer: Peer) {
    let for_name = HeaderName::from_static("x-forwarded-for");
    let client = peer.remote.ip().to_string();
    let chain = match headers.get(&for_name).and_then(|v| v.to_str().ok()) {
        Some(earlier) => format!("{earlier}, {client}"),
        None => client,
    };
    if let Ok(value) = HeaderValue::from_str(&chain) {
        headers.insert(for_name, value);
    }
    if let Some(host) = headers.get(header::HOST).cloned() {
        headers
            .entry(HeaderName::from_static("x-forwarded-host"))
            .or_insert(host);
    }
    headers
        .entry(HeaderName::from_static("x-forwarded-proto"))
        .or_insert(HeaderValue::from_static("http"));
}

#[derive(Clone)]
struct AdminState {
    catalog: watch::Receiver<Arc<Catalog>>,
    metrics: Arc<Metrics>,
    listen: SocketAddr,
}

async fn ready(axum::extract::State(state): axum::extract::State<AdminState>) -> AxumResponse {
    let synced = state.catalog.borrow().is_synced();
    let code = if synced {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(json!({"configured": synced}))).into_response()
}

async fn config(axum::extract::State(state): axum::extract::State<AdminState>) -> AxumResponse {
    let catalog = Arc::clone(&state.catalog.borrow());
    Json(json!({"listen": state.listen, "catalog": &*catalog})).into_response()
}

fn admin_router(state: AdminState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/ready", get(ready))
        .route("/config", get(config))
        .route(
            "/metrics",
            get(
                |axum::extract::State(state): axum::extract::State<AdminState>| async move {
                    state.metrics.exposition().into_response()
                },
            ),
        )
        .with_state(state)
}

/// Runs the ingress controller until `shutdown` resolves.
///
/// # Errors
/// A bad control-plane URL, or an address that cannot be bound.
pub async fn run(
    args: IngressControllerArgs,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let client = Client::new(&Config {
        server: args.control_plane.clone(),
        token: args.token.clone(),
        timeout: std::time::Duration::from_secs(5),
    })?;
    let bind = serve::bind;
    let listener = bind(args.listen, "ingress").await?;
    let admin_listener = bind(args.admin_listen, "admin").await?;
    let (listen, admin_address) = (listener.local_addr()?, admin_listener.local_addr()?);
    // The one line on stdout: tests and scripts read the addresses from it.
    println!("meshd ingress-controller on http://{listen} admin on http://{admin_address}");
    tracing::info!(%listen, %admin_address, "ingress controller started");

    let metrics = Arc::new(Metrics::with_prefix("mesh_ingress"));
    let (catalog_tx, catalog) = watch::channel(Arc::new(Catalog::watching(catalog::INGRESS_WATCHED)));
    let (stop_tx, stop) = watch::channel(false);
    let caller = Caller::new(
        Forwarder::new(args.upstream_timeout),
        catalog::tables(catalog.clone()),
        catalog::policies(catalog.clone()),
        Arc::clone(&metrics),
    );
    let controller = Arc::new(Controller {
        routes: catalog::derived(catalog.clone(), |catalog, _| ingress_routes(catalog)),
        caller,
    });
    let served = tokio::spawn(serve::serve(
        listener,
        move |request, peer| {
            let controller = Arc::clone(&controller);
            async move { controller.handle(request, peer).await }
        },
        stop.clone(),
        HEADER_TIMEOUT,
    ));
    let watcher = tokio::spawn(catalog::run(client, catalog_tx, Arc::clone(&metrics), stop.clone()));
    let mut admin_stop = stop.clone();
    let admin = tokio::spawn(
        axum::serve(
            admin_listener,
            admin_router(AdminState {
                catalog,
                metrics,
                listen,
            }),
        )
        .with_graceful_shutdown(async move {
            let _ = admin_stop.wait_for(|stopped| *stopped).await;
        })
        .into_future(),
    );
    shutdown.await;
    tracing::info!("ingress controller shutting down");
    let _ = stop_tx.send(true);
    let _ = watcher.await;
    served.await?;
    admin.await??;
    tracing::info!("ingress controller stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_headers_append_the_caller_and_keep_what_is_set() {
        let peer = Peer {
            remote: "10.0.0.9:5000".parse().unwrap(),
            local: "10.0.0.1:13010".parse().unwrap(),
        };
        let mut headers = hyper::HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("shop.example.com"));
        headers.insert("x-forwarded-for", HeaderValue::from_static("1.2.3.4"));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        forwarded_headers(&mut headers, peer);
        assert_eq!(headers["x-forwarded-for"], "1.2.3.4, 10.0.0.9");
        assert_eq!(headers["x-forwarded-host"], "shop.example.com");
        assert_eq!(headers["x-forwarded-proto"], "https");
    }
}
