//! `meshd sidecar` against a real control plane and test apps: membership, configuration, the
//! data path and its failure modes.

use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::Duration;

use meshlib::kind::{Kind, ResourceKind};
use serde_json::{Value, json};

use crate::mesh::{Sidecar, app, call, mesh_for_a_client, object, shop, shop_with, status, status_of};
use crate::support::{Meshd, eventually};

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

    shop_with(&client, &["order"]).await;
    eventually(limit, "registered and UP", async || {
        (status(&meshd).await.as_deref() == Some("UP")).then_some(())
    })
    .await;
    assert_eq!(sidecar.get("/ready").await.0, 200);
    let config = sidecar.config().await;
    assert_eq!(config["identity"]["labels"]["release"], "v2");
    // The admin port is registered, so dashboards can scrape the sidecar's metrics.
    let instance = client
        .get(&ResourceKind::Builtin(Kind::ServiceInstance), "order/order-1")
        .await
        .unwrap();
    assert_eq!(
        Some(instance.spec["adminPort"].to_string()),
        sidecar.admin.rsplit(':').next().map(str::to_owned)
    );

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn egress_balances_colours_canaries_and_maps_failures() {
    let dir = tempfile::tempdir().unwrap();
    let meshd = Meshd::start(dir.path());
    let client = meshd.client();
    shop(&client).await;
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
    let egress = front.egress().await;
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
        value(r#"mesh_sidecar_failures_total{direction="egress",service="unknown",reason="no_endpoints"}"#),
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

/// Open file descriptors of a process (sockets included).
fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborted_calls_leave_no_connections_behind() {
    let mesh = mesh_for_a_client().await;
    let egress = mesh.front.egress().await;
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
    // While the calls are in flight (the clients give up after 1 s, the app answers after 3 s).
    eventually(Duration::from_millis(900), "the calls in flight", async || {
        (open_fds(front_pid) >= baseline + 40).then_some(())
    })
    .await;
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
