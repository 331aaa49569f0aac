//! Building blocks of the sidecar tests: a switchable test app, sidecar processes, a small mesh.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use meshlib::kind::{Kind, ResourceKind};
use meshlib::resource::Resource;
use serde_json::{Value, json};

use crate::support::{Meshd, eventually};

/// An app answering `/health` with 200 or 503 (switchable), `/slow` after 3 s, `/flaky` with 500
/// on every other call, and anything else with `NAME PATH canary=<X-Mesh-Service-Canary>`, or
/// with 500 while `failing` is set. `calls` counts every request but health checks.
pub struct App {
    pub port: u16,
    pub healthy: Arc<AtomicBool>,
    pub failing: Arc<AtomicBool>,
    pub calls: Arc<AtomicUsize>,
}

pub fn app(name: &str) -> App {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let healthy = Arc::new(AtomicBool::new(true));
    let failing = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicUsize::new(0));
    let (flag, broken, counter) = (Arc::clone(&healthy), Arc::clone(&failing), Arc::clone(&calls));
    let name = name.to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (flag, broken, counter, name) = (
                Arc::clone(&flag),
                Arc::clone(&broken),
                Arc::clone(&counter),
                name.clone(),
            );
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let n = stream.read(&mut request).unwrap_or(0);
                let text = String::from_utf8_lossy(&request[..n]).into_owned();
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let canary = text
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("x-mesh-service-canary:")
                            .map(|v| v.trim().to_owned())
                    })
                    .unwrap_or_default();
                let (status, body) = if path == "/health" {
                    if flag.load(Ordering::SeqCst) {
                        ("200 OK", "UP".to_owned())
                    } else {
                        ("503 Service Unavailable", "DOWN".to_owned())
                    }
                } else {
                    let call = counter.fetch_add(1, Ordering::SeqCst);
                    if path == "/slow" {
                        std::thread::sleep(Duration::from_secs(3));
                    }
                    if broken.load(Ordering::SeqCst) || (path == "/flaky" && call % 2 == 0) {
                        ("500 Internal Server Error", format!("{name} broken"))
                    } else {
                        ("200 OK", format!("{name} {path} canary={canary}"))
                    }
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    App {
        port,
        healthy,
        failing,
        calls,
    }
}

/// Starts `meshd ARGS` quietly; returns it with the first line it prints (its addresses).
pub fn spawn_meshd(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_meshd"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let line = first_line(&mut child);
    (child, line)
}

/// The first line a meshd process prints (the addresses it listens on).
fn first_line(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    line
}

pub struct Sidecar {
    pub child: Child,
    pub admin: String,
    /// Its own cache directory (unless the test gave one), so no sidecar ever starts from what
    /// another test cached.
    _cache: Option<tempfile::TempDir>,
}

impl Sidecar {
    pub fn start(control_plane: &str, app: &App) -> Self {
        Self::spawn(
            control_plane,
            "order",
            "order-1",
            app,
            &["--labels", "release=v2", "--health-body", "^UP$"],
        )
    }

    pub fn spawn(control_plane: &str, service: &str, id: &str, app: &App, extra: &[&str]) -> Self {
        let app_port = app.port.to_string();
        let mut args = vec![
            "sidecar",
            "--control-plane",
            control_plane,
            "--service",
            service,
            "--instance-id",
            id,
            "--app-port",
            &app_port,
            "--admin-port",
            "0",
            "--ingress-port",
            "0",
            "--egress-port",
            "0",
            "--ingress-address",
            "127.0.0.1",
            "--registry-port",
            "0",
        ];
        args.extend_from_slice(extra);
        let cache = (!extra.contains(&"--cache-dir")).then(|| tempfile::tempdir().unwrap());
        let cache_dir = cache.as_ref().map(|dir| dir.path().display().to_string());
        if let Some(dir) = &cache_dir {
            args.extend(["--cache-dir", dir]);
        }
        let (child, line) = spawn_meshd(&args);
        let admin = line.trim().rsplit(' ').next().unwrap().to_owned();
        Self {
            child,
            admin,
            _cache: cache,
        }
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        match reqwest::get(format!("{}{path}", self.admin)).await {
            Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
            Err(_) => (0, String::new()),
        }
    }

    pub async fn config(&self) -> Value {
        serde_json::from_str(&self.get("/config").await.1).unwrap()
    }

    /// `127.0.0.1:PORT` of the egress.
    pub async fn egress(&self) -> String {
        let port = self.config().await["listeners"]["egress"]
            .as_str()
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap()
            .to_owned();
        format!("127.0.0.1:{port}")
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn status(meshd: &Meshd) -> Option<String> {
    status_of(meshd, "order/order-1").await
}

pub async fn status_of(meshd: &Meshd, name: &str) -> Option<String> {
    let instance = meshd
        .client()
        .get_opt(&ResourceKind::Builtin(Kind::ServiceInstance), name)
        .await
        .ok()??;
    instance.spec["status"].as_str().map(str::to_owned)
}

pub fn object(kind: Kind, name: &str, spec: Value) -> Resource {
    Resource::new(&ResourceKind::Builtin(kind), name, spec)
}

/// A mesh with `back` (one instance, UP) and `front`, whose sidecar an app's registry client
/// talks to. Processes stop before the store's directory goes (fields drop in order).
pub struct ClientMesh {
    pub front: Sidecar,
    pub front_app: App,
    /// The front sidecar's registry address (`host:port`).
    pub registry: String,
    _back: Sidecar,
    _meshd: Meshd,
    _dir: tempfile::TempDir,
}

/// A 1 s heartbeat interval, tenant `shop`, and services `front` and `back` in it.
pub async fn shop(client: &meshlib::client::Client) {
    shop_with(client, &["front", "back"]).await;
}

/// A 1 s heartbeat interval, tenant `shop`, and these services in it.
pub async fn shop_with(client: &meshlib::client::Client, services: &[&str]) {
    client
        .apply(&object(
            Kind::MeshController,
            "mesh",
            json!({"heartbeatInterval": "1s"}),
        ))
        .await
        .unwrap();
    client.apply(&object(Kind::Tenant, "shop", json!({}))).await.unwrap();
    for name in services {
        client
            .apply(&object(Kind::Service, name, json!({"registerTenant": "shop"})))
            .await
            .unwrap();
    }
}

pub async fn mesh_for_a_client() -> ClientMesh {
    let dir = tempfile::tempdir().unwrap();
    let meshd = Meshd::start(dir.path());
    let client = meshd.client();
    shop(&client).await;
    let (back_app, front_app) = (app("b-1"), app("front"));
    let back = Sidecar::spawn(&meshd.url, "back", "b-1", &back_app, &[]);
    let front = Sidecar::spawn(&meshd.url, "front", "f-1", &front_app, &[]);
    eventually(Duration::from_secs(10), "back UP in the front's catalog", async || {
        let config = front.config().await;
        (config["catalog"]["objects"]["ServiceInstance"]["back/b-1"]["spec"]["status"] == "UP").then_some(())
    })
    .await;
    let registry = front.config().await["listeners"]["registry"]
        .as_str()
        .expect("the registry listener")
        .to_owned();
    ClientMesh {
        front,
        front_app,
        registry,
        _back: back,
        _meshd: meshd,
        _dir: dir,
    }
}

/// Runs a registry client script from `tests/e2e` with `args`; returns its stdout, failing the
/// test with its output when it fails.
pub async fn run_client(script: &str, args: &[&str]) -> String {
    let script = format!("{}/tests/e2e/{script}", env!("CARGO_MANIFEST_DIR"));
    let output = tokio::process::Command::new("python3")
        .arg(&script)
        .args(args)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{script}: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Calls `path` through a sidecar's egress with `headers`; returns status and body.
pub async fn call(egress: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut request = reqwest::Client::new().get(format!("http://{egress}{path}"));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}
