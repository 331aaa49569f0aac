//! `meshd ingress-controller`: outside requests routed by Ingress objects to mesh services,
//! through their sidecars, with canary colouring; Ingress changes apply without a restart.

use std::process::Child;
use std::time::Duration;

use meshlib::kind::Kind;
use serde_json::json;

use crate::mesh::{Sidecar, app, call, object, shop_with, spawn_meshd, status_of};
use crate::support::{Meshd, eventually};

struct IngressController {
    child: Child,
    /// `host:port` outside traffic goes to.
    listen: String,
    admin: String,
}

impl IngressController {
    fn start(control_plane: &str) -> Self {
        let (child, line) = spawn_meshd(&[
            "ingress-controller",
            "--control-plane",
            control_plane,
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
        ]);
        // "meshd ingress-controller on http://A admin on http://B"
        let urls: Vec<&str> = line.split_whitespace().filter(|w| w.starts_with("http://")).collect();
        let [listen, admin] = urls[..] else {
            panic!("unexpected first line {line:?}")
        };
        Self {
            listen: listen.trim_start_matches("http://").to_owned(),
            admin: admin.to_owned(),
            child,
        }
    }
}

impl Drop for IngressController {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_requests_reach_services_by_host_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let meshd = Meshd::start(dir.path());
    let client = meshd.client();
    shop_with(&client, &["orders", "web"]).await;
    let canary = json!({"selector": {"matchServices": ["orders"], "matchInstanceLabels": {"release": "v2"}},
                        "trafficRules": {"headers": {"X-Beta": {"exact": "1"}}}});
    client
        .apply(&object(Kind::ServiceCanary, "orders-v2", canary))
        .await
        .unwrap();
    let rules = json!({"rules": [
        {"host": "shop.example.com", "paths": [
            {"path": "^/api/orders", "backend": "orders"},
            {"path": "^/static/(.*)", "rewriteTarget": "/assets/$1", "backend": "web"}]}]});
    client.apply(&object(Kind::Ingress, "shop", rules)).await.unwrap();
    let (orders, orders_v2, web) = (app("orders-1"), app("orders-v2"), app("web-1"));
    let _sidecars = [
        Sidecar::spawn(&meshd.url, "orders", "orders-1", &orders, &[]),
        Sidecar::spawn(
            &meshd.url,
            "orders",
            "orders-v2",
            &orders_v2,
            &["--labels", "release=v2"],
        ),
        Sidecar::spawn(&meshd.url, "web", "web-1", &web, &[]),
    ];
    let limit = Duration::from_secs(10);
    for id in ["orders/orders-1", "orders/orders-v2", "web/web-1"] {
        eventually(limit, id, async || {
            (status_of(&meshd, id).await.as_deref() == Some("UP")).then_some(())
        })
        .await;
    }
    let ingress = IngressController::start(&meshd.url);
    eventually(limit, "the ingress controller configured", async || {
        let ready = reqwest::get(format!("{}/ready", ingress.admin)).await.ok()?;
        ready.status().is_success().then_some(())
    })
    .await;
    let host = [("Host", "shop.example.com")];
    eventually(limit, "orders reachable through the ingress", async || {
        let (code, body) = call(&ingress.listen, "/api/orders/7?x=1", &host).await;
        (code == 200).then_some(body)
    })
    .await;

    // Normal traffic never reaches the canary; the header colours it, and the colour travels.
    for _ in 0..4 {
        let (code, body) = call(&ingress.listen, "/api/orders/7?x=1", &host).await;
        assert_eq!((code, body.as_str()), (200, "orders-1 /api/orders/7?x=1 canary="));
    }
    let (code, body) = call(&ingress.listen, "/api/orders", &[host[0], ("X-Beta", "1")]).await;
    assert_eq!((code, body.as_str()), (200, "orders-v2 /api/orders canary=orders-v2"));
    // An outside client cannot pick the canary with the mesh's own colour header.
    let colour = ("X-Mesh-Service-Canary", "orders-v2");
    let (code, body) = call(&ingress.listen, "/api/orders", &[host[0], colour]).await;
    assert_eq!((code, body.as_str()), (200, "orders-1 /api/orders canary="));
    // The rewrite keeps the query.
    let (code, body) = call(
        &ingress.listen,
        "/static/css/a.css?v=3",
        &[("Host", "shop.example.com:80")],
    )
    .await;
    assert_eq!((code, body.as_str()), (200, "web-1 /assets/css/a.css?v=3 canary="));
    // No rule: 404 naming what was asked.
    let (code, body) = call(&ingress.listen, "/api/orders", &[("Host", "elsewhere.example.com")]).await;
    assert_eq!(code, 404, "{body}");
    assert!(body.contains("elsewhere.example.com/api/orders"), "{body}");

    // A changed Ingress applies without a restart.
    let moved = json!({"rules": [{"paths": [{"path": "^/", "backend": "web"}]}]});
    client.apply(&object(Kind::Ingress, "shop", moved)).await.unwrap();
    eventually(Duration::from_secs(3), "the new rule in force", async || {
        let (code, body) = call(&ingress.listen, "/api/orders", &[("Host", "elsewhere.example.com")]).await;
        (code == 200 && body.starts_with("web-1 /api/orders")).then_some(())
    })
    .await;
    let metrics = reqwest::get(format!("{}/metrics", ingress.admin))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"mesh_ingress_requests_total{direction="egress",service="orders",class="2xx"}"#),
        "{metrics}"
    );
}
