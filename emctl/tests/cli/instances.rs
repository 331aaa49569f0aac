//! `emctl get serviceinstance` with its filters, offline/online, watch, and a restart.

use crate::support::{ControlPlane, testdata};

fn register(cp: &ControlPlane, service: &str, id: &str, labels: &str) {
    let body =
        format!(r#"{{"serviceName":"{service}","instanceID":"{id}","ip":"10.0.0.1","port":13001,"labels":{labels}}}"#);
    let reply = cp.api("POST", "/apis/v2/registry/instances", &body);
    assert!(reply.contains("\"kind\":\"ServiceInstance\""), "{reply}");
}

fn mesh_with_instances() -> ControlPlane {
    let cp = ControlPlane::start();
    cp.emctl(&["apply", "-f", &testdata("examples")]).success();
    register(&cp, "vets-service", "vets-1", "{}");
    register(&cp, "vets-service", "vets-2", "{}");
    register(&cp, "vets-service", "vets-bj", r#"{"release":"vets-beijing"}"#);
    register(
        &cp,
        "customers-service",
        "customers-android",
        r#"{"release":"android","zone":"a"}"#,
    );
    register(&cp, "api-gateway", "gw-1", r#"{"zone":"b"}"#);
    let down = cp.api(
        "PUT",
        "/apis/v2/registry/instances/vets-service/vets-2/heartbeat",
        r#"{"health":"DOWN"}"#,
    );
    assert!(down.contains("\"status\":\"DOWN\""), "{down}");
    cp
}

#[test]
fn instances_with_every_filter() {
    let cp = mesh_with_instances();
    let mut report = String::new();
    for args in [
        &["get", "serviceinstance"][..],
        &["get", "si", "-o", "wide"],
        &["get", "si", "vets-service"],
        &["get", "si", "--canary"],
        &["get", "si", "--canary=vets-beijing"],
        &["get", "si", "--canary=release=android"],
        &["get", "si", "--tenant", "pet"],
        &["get", "si", "--tenant", "pet", "--canary"],
        &["get", "si", "--status", "DOWN"],
        &["get", "si", "vets-service", "--status", "up", "--canary"],
        &["get", "si", "-l", "zone"],
        &["get", "si", "--tenant", "nowhere"],
        &["get", "si", "vets-service/vets-bj", "-o", "name"],
        &["get", "svc", "--canary"],
        &["get", "si", "a", "b"],
        &["get", "si", "--status", "sleepy"],
    ] {
        report.push_str(&format!(
            "### emctl {}\n{}\n",
            args.join(" "),
            cp.emctl(args).snapshot()
        ));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn offline_sticks_until_online_and_delete_means_offline() {
    let cp = mesh_with_instances();
    let run = cp.emctl(&["offline", "si", "vets-service/vets-1", "vets-service/ghost"]);
    insta::assert_snapshot!("offline", run.snapshot());
    // The sidecar keeps beating: the operator's offline stays.
    let beat = cp.api("PUT", "/apis/v2/registry/instances/vets-service/vets-1/heartbeat", "{}");
    assert!(beat.contains("OUT_OF_SERVICE"), "{beat}");
    let run = cp.emctl(&["get", "si", "--status", "OUT_OF_SERVICE", "-o", "name"]);
    assert_eq!(run.stdout, "serviceinstance/vets-service/vets-1\n");
    cp.emctl(&["online", "si", "vets-service/vets-1"]).success();
    let run = cp.emctl(&["delete", "si", "vets-service/vets-2"]);
    run.success();
    assert!(run.stdout.contains("taken offline"), "{}", run.stdout);
    // EaseMesh's DELETE route means offline too.
    let reply = cp.api("DELETE", "/apis/v2/mesh/serviceinstances/vets-service/vets-bj", "");
    assert!(reply.contains("\"status\":\"OUT_OF_SERVICE\""), "{reply}");
    let run = cp.emctl(&["offline", "svc", "vets-service"]);
    run.failure();
}

#[test]
fn watch_shows_status_changes() {
    let cp = mesh_with_instances();
    let mut watch = cp.watch(&["get", "si", "vets-service"]);
    for _ in 0..3 {
        let event = watch.next();
        assert_eq!(event["type"], "ADDED");
        assert_eq!(
            event["object"]["spec"]["tenant"], "pet",
            "watch events carry derived fields"
        );
    }
    cp.emctl(&["offline", "si", "vets-service/vets-1"]).success();
    let event = watch.next();
    assert_eq!(event["type"], "MODIFIED");
    assert_eq!(event["object"]["spec"]["status"], "OUT_OF_SERVICE");
}

#[test]
fn a_restart_keeps_instances_and_deleting_a_service_removes_its_instances() {
    let mut cp = mesh_with_instances();
    cp.emctl(&["offline", "si", "vets-service/vets-1"]).success();
    let before = cp.emctl(&["get", "si"]).stdout.clone();
    cp.restart();
    let after = cp.emctl(&["get", "si"]);
    after.success();
    assert_eq!(after.stdout, before);
    cp.emctl(&["delete", "-f", &testdata("examples/mock.yaml")]).success();
    cp.emctl(&["delete", "svc", "customers-service"]).success();
    let left = cp.emctl(&["get", "si", "customers-service"]);
    assert_eq!(left.stderr, "No resources found.\n");
}

#[test]
fn visibility_follows_tenants_global_and_traffic_targets() {
    let cp = mesh_with_instances();
    let visible = cp.api("GET", "/apis/v2/registry/services/vets-service/visible", "");
    let visible: serde_json::Value = serde_json::from_str(&visible).unwrap();
    // Its tenant (pet) and the global tenant; not itself.
    assert_eq!(
        visible["visible"],
        serde_json::json!(["api-gateway", "customers-service", "visits-service"])
    );
    // The gateway (global) is granted vets-service by a TrafficTarget in the examples.
    let visible = cp.api("GET", "/apis/v2/registry/services/api-gateway/visible", "");
    let visible: serde_json::Value = serde_json::from_str(&visible).unwrap();
    assert_eq!(visible["visible"], serde_json::json!(["vets-service"]));
}
