//! `meshd demo-app`: a small service for `emctl demo` and the Kubernetes journey. It behaves like
//! an ordinary Spring Cloud app with a Eureka client, in one of two ways:
//! - with a registry (`--registry`, or `EUREKA_CLIENT_SERVICEURL_DEFAULTZONE`, which Spring Boot
//!   reads and the mesh's injector sets to the sidecar's registry): it listens on loopback only
//!   (every call reaches it through its sidecar), registers, keeps heartbeating, discovers the
//!   service it calls by name and calls it at the address discovery gave;
//! - without one (a plain Deployment, before `emctl migrate`): it listens on every address and
//!   calls the service by its Kubernetes Service name, `http://NAME/`, through cluster DNS.
//!
//! `GET /` answers `NAME VERSION` (and `(NOTE)` with `--note`/`DEMO_APP_NOTE`) followed by its
//! downstream's answer; the canary and shadow headers are passed on, as an in-app agent would.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use serde_json::{Value, json};

/// `meshd demo-app` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoAppArgs {
    /// Service name.
    #[arg(long)]
    pub name: String,
    /// Version shown in answers (e.g. v1, v2).
    #[arg(long, default_value = "v1")]
    pub version: String,
    /// Port to serve on: on loopback with a registry, on every address without one.
    #[arg(long)]
    pub port: u16,
    /// Eureka registry URL (the sidecar's), e.g. http://127.0.0.1:13009/eureka/ [default: none:
    /// the service called is reached by its Kubernetes Service name].
    #[arg(long, env = "EUREKA_CLIENT_SERVICEURL_DEFAULTZONE")]
    pub registry: Option<String>,
    /// Service this one calls on every request.
    #[arg(long)]
    pub calls: Option<String>,
    /// Shown in answers after the version, in parentheses, when not empty (what a shadow's
    /// overridden environment or ConfigMap says).
    #[arg(long, env = "DEMO_APP_NOTE")]
    pub note: Option<String>,
}

#[derive(Clone)]
struct App {
    args: DemoAppArgs,
    http: reqwest::Client,
    /// Upper-case app name → `host:port`, from discovery.
    addresses: Arc<RwLock<BTreeMap<String, String>>>,
}

const FORWARDED: &[&str] = &["x-canary", "x-mesh-shadow", "x-mesh-service-canary"];

async fn root(State(app): State<App>, headers: HeaderMap) -> String {
    let mut answer = format!("{} {}", app.args.name, app.args.version);
    if let Some(note) = app.args.note.as_deref().filter(|n| !n.is_empty()) {
        answer = format!("{answer} ({note})");
    }
    if let Some(downstream) = &app.args.calls {
        let address = if app.args.registry.is_some() {
            app.addresses
                .read()
                .expect("address lock")
                .get(&downstream.to_ascii_uppercase())
                .cloned()
        } else {
            // The Kubernetes Service of that name, on port 80, through cluster DNS.
            Some(downstream.clone())
        };
        let part = match address {
            None => format!("{downstream}: not discovered yet"),
            Some(address) => {
                let mut request = app.http.get(format!("http://{address}/"));
                for name in FORWARDED {
                    if let Some(value) = headers.get(*name) {
                        request = request.header(*name, value);
                    }
                }
                match request.send().await {
                    Ok(response) => response.text().await.unwrap_or_default().trim().to_owned(),
                    Err(err) => format!("{downstream}: {err}"),
                }
            }
        };
        answer = format!("{answer} -> {part}");
    }
    answer.push('\n');
    answer
}

fn registration(args: &DemoAppArgs) -> Value {
    let app = args.name.to_ascii_uppercase();
    json!({"instance": {
        "instanceId": format!("127.0.0.1:{}:{}", args.name, args.port), "hostName": "127.0.0.1", "app": app,
        "ipAddr": "127.0.0.1", "status": "UP", "port": {"$": args.port, "@enabled": "true"},
        "vipAddress": args.name, "dataCenterInfo": {"@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", "name": "MyOwn"},
        "metadata": {"version": args.version}}})
}

/// Registers, heartbeats and refreshes discovery until the process ends.
async fn eureka_loop(app: App, registry: String) {
    let base = registry.trim_end_matches('/').to_owned();
    let name = app.args.name.to_ascii_uppercase();
    let id = format!("127.0.0.1:{}:{}", app.args.name, app.args.port);
    let mut registered = false;
    loop {
        if !registered {
            registered = app
                .http
                .post(format!("{base}/apps/{name}"))
                .json(&registration(&app.args))
                .send()
                .await
                .is_ok_and(|r| r.status().as_u16() == 204);
        } else {
            let beat = app.http.put(format!("{base}/apps/{name}/{id}?status=UP")).send().await;
            registered = beat.is_ok_and(|r| r.status().is_success());
        }
        if let Ok(response) = app
            .http
            .get(format!("{base}/apps/"))
            .header("Accept", "application/json")
            .send()
            .await
            && let Ok(apps) = response.json::<Value>().await
        {
            let mut found = BTreeMap::new();
            for application in apps["applications"]["application"].as_array().into_iter().flatten() {
                let up = application["instance"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|i| i["status"] == "UP");
                if let (Some(app_name), Some(instance)) = (application["name"].as_str(), up) {
                    found.insert(
                        app_name.to_owned(),
                        format!(
                            "{}:{}",
                            instance["hostName"].as_str().unwrap_or_default(),
                            instance["port"]["$"]
                        ),
                    );
                }
            }
            *app.addresses.write().expect("address lock") = found;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// Runs the app until `shutdown`.
///
/// # Errors
/// The port cannot be bound.
pub async fn run(
    args: DemoAppArgs,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = App {
        http: reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?,
        addresses: Arc::default(),
        args: args.clone(),
    };
    let host = if args.registry.is_some() {
        std::net::Ipv4Addr::LOCALHOST
    } else {
        std::net::Ipv4Addr::UNSPECIFIED
    };
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((host, args.port)))
        .await
        .map_err(|err| anyhow::anyhow!("cannot listen on {host}:{}: {err}", args.port))?;
    tracing::info!(address = %listener.local_addr()?, registry = ?args.registry, "demo app serving");
    let looping = args
        .registry
        .clone()
        .map(|registry| tokio::spawn(eureka_loop(app.clone(), registry)));
    let router = Router::new()
        .route("/health", get(|| async { "UP" }))
        .route("/", get(root))
        .with_state(app);
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await?;
    if let Some(looping) = looping {
        looping.abort();
    }
    Ok(())
}
