//! The sidecar's cache: a sidecar restarted while the control plane is down starts from the
//! configuration it had, instead of refusing every call until the control plane is back.

use std::time::Duration;

use serde_json::Value;

use crate::mesh::{Sidecar, app, call, shop};
use crate::support::{Meshd, eventually};

/// The cached configuration in `dir`, if there is one yet.
fn cached(dir: &std::path::Path) -> Option<Value> {
    serde_json::from_slice(&std::fs::read(dir.join("catalog.json")).ok()?).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sidecar_restarted_while_the_control_plane_is_down_serves_from_its_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().display().to_string();
    let meshd = Meshd::start(&dir.path().join("data"));
    shop(&meshd.client()).await;
    let (back_app, front_app) = (app("b-1"), app("front"));
    let _back = Sidecar::spawn(&meshd.url, "back", "b-1", &back_app, &[]);
    let front = Sidecar::spawn(&meshd.url, "front", "f-1", &front_app, &["--cache-dir", &cache_dir]);
    let limit = Duration::from_secs(10);
    let egress = front.egress().await;
    eventually(limit, "back reachable through the front", async || {
        (call(&egress, "/", &[("X-Mesh-Rpc-Service", "back")]).await.0 == 200).then_some(())
    })
    .await;
    eventually(limit, "back UP in the front's cache", async || {
        let entry = cached(cache.path())?;
        (entry["data"]["objects"]["ServiceInstance"]["back/b-1"]["spec"]["status"] == "UP").then_some(())
    })
    .await;

    // The control plane goes, then the front's sidecar restarts (a crash, a new container).
    let url = meshd.url.clone();
    meshd.kill9();
    drop(front);
    let front = Sidecar::spawn(&url, "front", "f-1", &front_app, &["--cache-dir", &cache_dir]);
    let egress = front.egress().await;
    let (code, body) = call(&egress, "/from-cache", &[("X-Mesh-Rpc-Service", "back")]).await;
    assert_eq!((code, body.as_str()), (200, "b-1 /from-cache canary="));
    let config = front.config().await;
    assert!(config["cache"]["restoredFrom"].is_string(), "{}", config["cache"]);
    assert_eq!(
        config["membership"]["registered"], false,
        "the control plane is still down"
    );
}
