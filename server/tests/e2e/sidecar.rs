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

/// An app answering `/health` with 200 or 503 (switchable), `/slow` after 3 s, and anything else
/// with `NAME PATH canary=<X-Mesh-Service-Canary>`.
struct App {
    port: u16,
    healthy: Arc<AtomicBool>,
}

fn app(name: &str) -> App {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let healthy = Arc::new(AtomicBool::new(true));
    let flag = Arc::clone(&healthy);
    let name = name.to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (flag, name) = (Arc::clone(&flag), name.clone());
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
                    if path == "/slow" {
                        std::thread::sleep(Duration::from_secs(3));
                    }
                    ("200 OK", format!("{name} {path} canary={canary}"))
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
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
        Self::spawn(
            control_plane,
            "order",
            "order-1",
            app,
            &["--labels", "release=v2", "--health-body", "^UP$"],
        )
    }

    fn spawn(control_plane: &str, service: &str, id: &str, app: &App, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_meshd"))
            .args([
                "sidecar",
                "--control-plane",
                control_plane,
                "--service",
                service,
                "--instance-id",
                id,
            ])
            .args([
                "--app-port",
                &app.port.to_string(),
                "--admin-port",
                "0",
                "--ingress-port",
                "0",
                "--egress-port",
                "0",
            ])
            .args(["--ingress-address", "127.0.0.1", "--registry-port", "0"])
            .args(extra)
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
    status_of(meshd, "order/order-1").await
}

async fn status_of(meshd: &Meshd, name: &str) -> Option<String> {
    let instance = meshd
        .client()
        .get_opt(&ResourceKind::Builtin(Kind::ServiceInstance), name)
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
    let app = app("order");
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

/// A mesh with `back` (one instance, UP) and `front`, whose sidecar an app's registry client
/// talks to. Processes stop before the store's directory goes (fields drop in order).
struct ClientMesh {
    front: Sidecar,
    front_app: App,
    _back: Sidecar,
    _meshd: Meshd,
    _dir: tempfile::TempDir,
}

async fn mesh_for_a_client() -> ClientMesh {
    let dir = tempfile::tempdir().unwrap();
    let meshd = Meshd::start(dir.path());
    let client = meshd.client();
    client
        .apply(&object(
            Kind::MeshController,
            "mesh",
            json!({"heartbeatInterval": "1s"}),
        ))
        .await
        .unwrap();
    client.apply(&object(Kind::Tenant, "shop", json!({}))).await.unwrap();
    for name in ["front", "back"] {
        client
            .apply(&object(Kind::Service, name, json!({"registerTenant": "shop"})))
            .await
            .unwrap();
    }
    let (back_app, front_app) = (app("b-1"), app("front"));
    let back = Sidecar::spawn(&meshd.url, "back", "b-1", &back_app, &[]);
    let front = Sidecar::spawn(&meshd.url, "front", "f-1", &front_app, &[]);
    eventually(Duration::from_secs(10), "back UP in the front's catalog", async || {
        let config = front.config().await;
        (config["catalog"]["objects"]["ServiceInstance"]["back/b-1"]["spec"]["status"] == "UP").then_some(())
    })
    .await;
    ClientMesh {
        front,
        front_app,
        _back: back,
        _meshd: meshd,
        _dir: dir,
    }
}

/// Runs a registry client script from `tests/e2e` with `args`; returns its stdout, failing the
/// test with its output when it fails.
async fn run_client(script: &str, args: &[&str]) -> String {
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
async fn call(egress: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut request = reqwest::Client::new().get(format!("http://{egress}{path}"));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn egress_balances_colours_canaries_and_maps_failures() {
    let dir = tempfile::tempdir().unwrap();
    let meshd = Meshd::start(dir.path());
    let client = meshd.client();
    client
        .apply(&object(
            Kind::MeshController,
            "mesh",
            json!({"heartbeatInterval": "1s"}),
        ))
        .await
        .unwrap();
    client.apply(&object(Kind::Tenant, "shop", json!({}))).await.unwrap();
    for name in ["front", "back"] {
        client
            .apply(&object(Kind::Service, name, json!({"registerTenant": "shop"})))
            .await
            .unwrap();
    }
    let canary = json!({"selector": {"matchServices": ["back"], "matchInstanceLabels": {"release": "v2"}},
                        "trafficRules": {"headers": {"X-Canary": {"exact": "yes"}}}});
    client
        .apply(&object(Kind::ServiceCanary, "back-v2", canary))
        .await
        .unwrap();
    let (b1, b2, bc, f) = (app("b-1"), app("b-2"), app("b-canary"), app("front"));
    let backs = [
        Sidecar::spawn(&meshd.url, "back", "b-1", &b1, &[]),
        Sidecar::spawn(&meshd.url, "back", "b-2", &b2, &[]),
        Sidecar::spawn(&meshd.url, "back", "b-canary", &bc, &["--labels", "release=v2"]),
    ];
    let front = Sidecar::spawn(&meshd.url, "front", "f-1", &f, &["--upstream-timeout", "1s"]);
    let limit = Duration::from_secs(10);
    for id in ["back/b-1", "back/b-2", "back/b-canary"] {
        eventually(limit, id, async || {
            (status_of(&meshd, id).await.as_deref() == Some("UP")).then_some(())
        })
        .await;
    }
    let port = front.config().await["listeners"]["egress"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_owned();
    let egress = format!("127.0.0.1:{port}");
    // The front sidecar must have seen all three instances before traffic is checked.
    eventually(limit, "instances in the front's catalog", async || {
        (front.config().await["catalog"]["objects"]["ServiceInstance"]
            .as_object()?
            .len()
            >= 4)
            .then_some(())
    })
    .await;

    // Normal traffic round-robins over the two primary instances, never the canary.
    let mut seen = Vec::new();
    for _ in 0..4 {
        let (code, body) = call(&egress, "/orders?id=7", &[("X-Mesh-Rpc-Service", "back")]).await;
        assert_eq!(code, 200, "{body}");
        seen.push(body);
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "b-1 /orders?id=7 canary=",
            "b-1 /orders?id=7 canary=",
            "b-2 /orders?id=7 canary=",
            "b-2 /orders?id=7 canary="
        ]
    );
    // The Host header names the service too.
    let (code, body) = call(&egress, "/", &[("Host", "back.shop.svc.cluster.local")]).await;
    assert!(code == 200 && body.starts_with("b-"), "{code} {body}");
    // An unmodified client dials the service's own loopback address: no header needed.
    let address = front.config().await["addresses"]["back"].as_str().unwrap().to_owned();
    assert!(
        address.starts_with("127.") && !address.starts_with("127.0.0.1:"),
        "{address}"
    );
    let (code, body) = call(&address, "/direct", &[]).await;
    assert!(
        code == 200 && body.starts_with("b-") && body.contains("/direct canary="),
        "{code} {body}"
    );
    let (_, body) = call(&address, "/direct", &[("X-Canary", "yes")]).await;
    assert_eq!(body, "b-canary /direct canary=back-v2");
    // A matching header goes to the canary, and the colour travels with the request.
    let (code, body) = call(&egress, "/pay", &[("X-Mesh-Rpc-Service", "back"), ("X-Canary", "yes")]).await;
    assert_eq!((code, body.as_str()), (200, "b-canary /pay canary=back-v2"));

    // Failures: one clear status each.
    let (code, body) = call(&egress, "/", &[("X-Mesh-Rpc-Service", "ghost")]).await;
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("ghost"), "{body}");
    let (code, _) = call(&egress, "/", &[]).await;
    assert_eq!(code, 503);
    let (code, body) = call(&egress, "/slow", &[("X-Mesh-Rpc-Service", "back")]).await;
    assert_eq!(code, 504, "{body}");
    // Per-destination metrics, in Prometheus text format.
    let metrics = front.get("/metrics").await.1;
    let value = |series: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{series} missing from\n{metrics}"))
    };
    assert!(value(r#"mesh_sidecar_requests_total{direction="egress",service="back",class="2xx"}"#) >= 8.0);
    assert_eq!(
        value(r#"mesh_sidecar_failures_total{direction="egress",service="ghost",reason="no_endpoints"}"#),
        1.0
    );
    assert_eq!(
        value(r#"mesh_sidecar_failures_total{direction="egress",service="back",reason="timeout"}"#),
        1.0
    );
    assert_eq!(
        value(r#"mesh_sidecar_requests_total{direction="egress",service="back",class="5xx"}"#),
        1.0
    );
    assert!(value(r#"mesh_sidecar_request_duration_seconds_count{direction="egress",service="back"}"#) >= 9.0);
    let canary_metrics = backs[2].get("/metrics").await.1;
    assert!(
        canary_metrics.contains(r#"mesh_sidecar_requests_total{direction="ingress",service="back",class="2xx"} 2"#),
        "{canary_metrics}"
    );

    // A dead instance's sidecar: 502 until the registry notices, then the other instance serves.
    let [b1_sidecar, b2_sidecar, _canary] = backs;
    let mut dead = b1_sidecar;
    dead.child.kill().unwrap();
    let _ = dead.child.wait();
    let mut codes = std::collections::BTreeSet::new();
    for _ in 0..4 {
        codes.insert(call(&egress, "/", &[("X-Mesh-Rpc-Service", "back")]).await.0);
    }
    assert!(codes.is_subset(&[200, 502].into()), "{codes:?}");
    eventually(Duration::from_secs(15), "dead instance out of service", async || {
        (status_of(&meshd, "back/b-1").await.as_deref() == Some("OUT_OF_SERVICE")).then_some(())
    })
    .await;
    eventually(limit, "only b-2 serves", async || {
        let (code, body) = call(&egress, "/", &[("X-Mesh-Rpc-Service", "back")]).await;
        (code == 200 && body.starts_with("b-2")).then_some(())
    })
    .await;
    drop(b2_sidecar);
    drop(front);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmodified_eureka_client_discovers_and_calls_through_the_mesh() {
    let mesh = mesh_for_a_client().await;
    let (front, front_app) = (&mesh.front, &mesh.front_app);
    let registry = front.config().await["listeners"]["registry"]
        .as_str()
        .unwrap()
        .to_owned();

    let stdout = run_client("eureka_client.py", &[&registry, &front_app.port.to_string()]).await;
    assert_eq!(stdout, "b-1 /hello canary=\nb-1 /via-client canary=\n");

    // The client deregistered on stop; the front's own registration is gone.
    let apps: Value = reqwest::Client::new()
        .get(format!("http://{registry}/eureka/apps/"))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = apps["applications"]["application"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["BACK"]);
    assert_eq!(apps["applications"]["apps__hashcode"], "UP_1_");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmodified_consul_client_discovers_and_calls_through_the_mesh() {
    let mesh = mesh_for_a_client().await;
    let (front, front_app) = (&mesh.front, &mesh.front_app);
    let registry = front.config().await["listeners"]["registry"]
        .as_str()
        .unwrap()
        .to_owned();
    let (host, port) = registry.rsplit_once(':').unwrap();

    let stdout = run_client("consul_client.py", &[host, port, &front_app.port.to_string()]).await;
    assert_eq!(
        stdout,
        "services ['back', 'consul', 'front']\nb-1 /hello canary=\nblocked True index True\nservices ['back', 'consul']\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmodified_nacos_client_discovers_and_calls_through_the_mesh() {
    let mesh = mesh_for_a_client().await;
    let (front, front_app) = (&mesh.front, &mesh.front_app);
    let registry = front.config().await["listeners"]["registry"]
        .as_str()
        .unwrap()
        .to_owned();
    let stdout = run_client("nacos_client.py", &[&registry, &front_app.port.to_string()]).await;
    assert_eq!(
        stdout,
        "registered True\nbeat 10200\nb-1 /hello canary=\nremoved True\nbeat 20404\n"
    );
}

/// Open file descriptors of a process (sockets included).
fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborted_calls_leave_no_connections_behind() {
    let mesh = mesh_for_a_client().await;
    let egress = mesh.front.config().await["listeners"]["egress"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_owned();
    let egress = format!("127.0.0.1:{egress}");
    let (code, _) = call(&egress, "/", &[("X-Mesh-Rpc-Service", "back")]).await;
    assert_eq!(code, 200);
    let front_pid = mesh.front.child.id();
    let baseline = open_fds(front_pid);
    // Clients that give up while the app is still answering (/slow takes 3 s).
    let mut aborted = Vec::new();
    for _ in 0..40 {
        let egress = egress.clone();
        aborted.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_millis(200))
                .build()
                .unwrap();
            let _ = client
                .get(format!("http://{egress}/slow"))
                .header("X-Mesh-Rpc-Service", "back")
                .send()
                .await;
        }));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let during = open_fds(front_pid);
    assert!(
        during >= baseline + 40,
        "the calls were not in flight: {baseline} → {during} descriptors"
    );
    for task in aborted {
        task.await.unwrap();
    }
    // Once the app's answers are due, every connection of the aborted calls is gone.
    eventually(
        Duration::from_secs(15),
        "file descriptors back to the baseline",
        async || (open_fds(front_pid) <= baseline + 2).then_some(()),
    )
    .await;
    let (code, _) = call(&egress, "/", &[("X-Mesh-Rpc-Service", "back")]).await;
    assert_eq!(code, 200, "the sidecar still serves after the aborts");
}
