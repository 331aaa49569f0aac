//! `meshd sidecar` against a real control plane and a test app whose health can be switched.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use meshlib::kind::{Kind, ResourceKind};
use meshlib::resource::Resource;
use serde_json::{Value, json};

use crate::support::{Meshd, eventually};

/// An app answering its health endpoint with 200 or 503.
struct App {
    port: u16,
    healthy: Arc<AtomicBool>,
}

fn app() -> App {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let healthy = Arc::new(AtomicBool::new(true));
    let flag = Arc::clone(&healthy);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 2048];
            let _ = stream.read(&mut request);
            let (status, body) = if flag.load(Ordering::SeqCst) {
                ("200 OK", "UP")
            } else {
                ("503 Service Unavailable", "DOWN")
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    App { port, healthy }
}

struct Sidecar {
    child: Child,
    admin: String,
}

impl Sidecar {
    fn start(control_plane: &str, app: &App) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_meshd"))
            .args([
                "sidecar",
                "--control-plane",
                control_plane,
                "--service",
                "order",
                "--instance-id",
                "order-1",
            ])
            .args([
                "--app-port",
                &app.port.to_string(),
                "--admin-port",
                "0",
                "--labels",
                "release=v2",
            ])
            .args(["--health-body", "^UP$"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let admin = line.trim().rsplit(' ').next().unwrap().to_owned();
        Self { child, admin }
    }

    async fn get(&self, path: &str) -> (u16, String) {
        match reqwest::get(format!("{}{path}", self.admin)).await {
            Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
            Err(_) => (0, String::new()),
        }
    }

    async fn config(&self) -> Value {
        serde_json::from_str(&self.get("/config").await.1).unwrap()
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn status(meshd: &Meshd) -> Option<String> {
    let instance = meshd
        .client()
        .get_opt(&ResourceKind::Builtin(Kind::ServiceInstance), "order/order-1")
        .await
        .ok()??;
    instance.spec["status"].as_str().map(str::to_owned)
}

fn object(kind: Kind, name: &str, spec: Value) -> Resource {
    Resource::new(&ResourceKind::Builtin(kind), name, spec)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sidecar_keeps_its_instance_registered_healthy_and_configured() {
    let dir = tempfile::tempdir().unwrap();
    let meshd = Meshd::start(dir.path());
    let client = meshd.client();
    let app = app();
    let sidecar = Sidecar::start(&meshd.url, &app);
    let limit = Duration::from_secs(10);

    // No Service yet: the sidecar waits instead of giving up.
    let waiting = eventually(limit, "waiting for the Service", async || {
        let (code, body) = sidecar.get("/ready").await;
        let body: Value = serde_json::from_str(&body).ok()?;
        let waiting_for = body["waitingFor"].as_str()?;
        (code == 503 && waiting_for.contains("Service \"order\"")).then_some(body)
    })
    .await;
    assert_eq!(waiting["registered"], false);

    client
        .apply(&object(
            Kind::MeshController,
            "mesh",
            json!({"heartbeatInterval": "1s"}),
        ))
        .await
        .unwrap();
    client.apply(&object(Kind::Tenant, "shop", json!({}))).await.unwrap();
    client
        .apply(&object(Kind::Service, "order", json!({"registerTenant": "shop"})))
        .await
        .unwrap();
    eventually(limit, "registered and UP", async || {
        (status(&meshd).await.as_deref() == Some("UP")).then_some(())
    })
    .await;
    assert_eq!(sidecar.get("/ready").await.0, 200);
    let config = sidecar.config().await;
    assert_eq!(config["identity"]["labels"]["release"], "v2");

    // The local health check drives UP / DOWN.
    app.healthy.store(false, Ordering::SeqCst);
    eventually(limit, "DOWN after a failing check", async || {
        (status(&meshd).await.as_deref() == Some("DOWN")).then_some(())
    })
    .await;
    app.healthy.store(true, Ordering::SeqCst);
    eventually(limit, "UP again", async || {
        (status(&meshd).await.as_deref() == Some("UP")).then_some(())
    })
    .await;

    // Configuration changes arrive without a restart.
    let canary = json!({"selector": {"matchServices": ["order"], "matchInstanceLabels": {"release": "v2"}},
                        "trafficRules": {"headers": {"X-Canary": {"exact": "yes"}}}});
    client.apply(&object(Kind::ServiceCanary, "v2", canary)).await.unwrap();
    eventually(limit, "canary in the sidecar's config", async || {
        sidecar.config().await["catalog"]["objects"]["ServiceCanary"]
            .get("v2")
            .map(|_| ())
    })
    .await;
    let lb = json!({"policy": "random"});
    client.apply(&object(Kind::LoadBalance, "order", lb)).await.unwrap();
    eventually(limit, "load balance in the sidecar's config", async || {
        (sidecar.config().await["catalog"]["objects"]["Service"]["order"]["spec"]["loadBalance"]["policy"] == "random")
            .then_some(())
    })
    .await;

    // Control plane down: the last configuration stays, the sidecar keeps trying.
    let address = meshd.url.trim_start_matches("http://").to_owned();
    meshd.kill9();
    eventually(limit, "control plane seen down", async || {
        sidecar
            .get("/metrics")
            .await
            .1
            .contains("mesh_sidecar_control_plane_up 0")
            .then_some(())
    })
    .await;
    let config = sidecar.config().await;
    assert!(
        config["catalog"]["objects"]["ServiceCanary"].get("v2").is_some(),
        "configuration lost while the control plane is down"
    );
    let meshd = Meshd::start_on(dir.path(), &address);
    eventually(limit, "control plane seen up again", async || {
        sidecar
            .get("/metrics")
            .await
            .1
            .contains("mesh_sidecar_control_plane_up 1")
            .then_some(())
    })
    .await;
    eventually(limit, "UP after the restart", async || {
        (status(&meshd).await.as_deref() == Some("UP")).then_some(())
    })
    .await;

    // SIGTERM: the sidecar deregisters and exits cleanly.
    let mut sidecar = sidecar;
    let pid = sidecar.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let code = eventually(limit, "sidecar exit", async || sidecar.child.try_wait().unwrap()).await;
    assert!(code.success(), "sidecar exited with {code}");
    assert_eq!(status(&meshd).await, None, "the instance was not deregistered");
}
