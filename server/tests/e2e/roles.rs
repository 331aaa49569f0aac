//! Token roles end to end: a real sidecar with a `sidecar` token registers, beats, watches its
//! configuration and deregisters; the same token is refused (403, naming the role) for every
//! other write.

use std::process::Command;
use std::time::Duration;

use meshlib::kind::{Kind, ResourceKind};
use meshlib::registry::{Heartbeat, Registration};
use serde_json::{Value, json};

use crate::mesh::{Sidecar, app, object, shop_with};
use crate::support::{Meshd, eventually};

const ADMIN: &str = "admin-token-0123456789";
const SIDECAR: &str = "sidecar-token-0123456789";

/// The 403 of a refused call: its status and message.
#[track_caller]
fn refused<T: std::fmt::Debug>(result: meshlib::client::Result<T>) -> String {
    match result {
        Err(meshlib::client::Error::Status { status, body, .. }) => {
            assert_eq!(status, 403, "{}", body.message);
            body.message
        }
        other => panic!("expected 403, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sidecar_token_registers_beats_and_reads_but_writes_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, format!("{ADMIN},emctl,admin\n{SIDECAR},sidecars,sidecar\n")).unwrap();
    let meshd = Meshd::start_with_tokens(&dir.path().join("data"), &tokens);
    let admin = meshd.client_with(Some(ADMIN));
    let sidecar_client = meshd.client_with(Some(SIDECAR));
    shop_with(&admin, &["order"]).await;
    let instances = ResourceKind::Builtin(Kind::ServiceInstance);
    let limit = Duration::from_secs(10);

    // A real sidecar with the token: registered, beating, and configured by its watches.
    let order = app("order");
    let sidecar = Sidecar::spawn(&meshd.url, "order", "order-1", &order, &["--token", SIDECAR]);
    eventually(limit, "registered, beating and configured", async || {
        let (code, _) = sidecar.get("/ready").await;
        let membership = sidecar.config().await["membership"].clone();
        (code == 200 && membership["lastHeartbeat"].is_string()).then_some(())
    })
    .await;
    let instance = admin.get(&instances, "order/order-1").await.unwrap();
    assert_eq!(instance.spec["status"], "UP");

    // The same calls with the token directly, and reads of every kind.
    let registration = Registration {
        service_name: "order".into(),
        instance_id: "order-2".into(),
        ip: "127.0.0.1".into(),
        port: 9,
        admin_port: None,
        labels: Default::default(),
        agent_type: None,
        health: Default::default(),
    };
    sidecar_client.register(&registration).await.unwrap();
    sidecar_client
        .heartbeat("order", "order-2", &Heartbeat::default())
        .await
        .unwrap();
    assert_eq!(sidecar_client.list(&instances, None).await.unwrap().items.len(), 2);
    sidecar_client
        .get(&ResourceKind::Builtin(Kind::MeshController), "mesh")
        .await
        .unwrap();
    sidecar_client.deregister("order", "order-2").await.unwrap();

    // Every other write: refused, naming the token, its role and the request.
    let message = refused(
        sidecar_client
            .create(&object(Kind::Service, "pay", json!({"registerTenant": "shop"})))
            .await,
    );
    assert_eq!(
        message,
        "token \"sidecars\" has role sidecar: it may read, and register, beat and deregister instances, \
         not POST /apis/v2/resources/services"
    );
    refused(
        sidecar_client
            .delete(&ResourceKind::Builtin(Kind::Service), "order")
            .await,
    );
    refused(sidecar_client.set_offline("order", "order-1", true).await);
    // EaseMesh's routes as well, whatever the body.
    let easemesh = reqwest::Client::new()
        .delete(meshd.http("/apis/v2/mesh/serviceinstances/order/order-1"))
        .bearer_auth(SIDECAR)
        .send()
        .await
        .unwrap();
    assert_eq!(easemesh.status(), 403);
    let body: Value = easemesh.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("role sidecar"), "{body}");
    assert!(
        admin
            .get_opt(&ResourceKind::Builtin(Kind::Service), "pay")
            .await
            .unwrap()
            .is_none()
    );

    // On SIGTERM the sidecar deregisters its instance with the token.
    let pid = sidecar.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    eventually(limit, "deregistered", async || {
        admin
            .get_opt(&instances, "order/order-1")
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
}
