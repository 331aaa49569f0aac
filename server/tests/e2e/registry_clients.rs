//! Unmodified registry clients from PyPI (py-eureka-client, py-consul, nacos-sdk-python) talking to
//! a sidecar's emulated registries, discovering a service and calling it through the mesh.

use serde_json::Value;

use crate::mesh::{mesh_for_a_client, run_client};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmodified_eureka_client_discovers_and_calls_through_the_mesh() {
    let mesh = mesh_for_a_client().await;
    let (front_app, registry) = (&mesh.front_app, &mesh.registry);

    let stdout = run_client("eureka_client.py", &[registry.as_str(), &front_app.port.to_string()]).await;
    assert_eq!(stdout, "b-1 /hello canary=\nb-1 /via-client canary=\n");

    // The client deregistered on stop; the front's own registration is gone. BACK is UP: with a
    // 1 s heartbeat interval a beat delayed on a loaded machine can expire it for a moment, so the
    // status is read until it settles (a few intervals at most).
    let mut apps = Value::Null;
    for _ in 0..50 {
        apps = reqwest::Client::new()
            .get(format!("http://{registry}/eureka/apps/"))
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if apps["applications"]["apps__hashcode"] == "UP_1_" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
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
    let (front_app, registry) = (&mesh.front_app, &mesh.registry);
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
    let (front_app, registry) = (&mesh.front_app, &mesh.registry);
    let stdout = run_client("nacos_client.py", &[registry.as_str(), &front_app.port.to_string()]).await;
    assert_eq!(
        stdout,
        "registered True\nbeat 10200\nb-1 /hello canary=\nremoved True\nbeat 20404\n"
    );
}
