//! The injection webhook over HTTPS: AdmissionReviews in, JSON patches out, with the
//! MeshController read at every admission.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodTemplateSpec;
use meshlib::inject::{self, InjectionParams};
use serde_json::{Value, json};

use crate::support::{Meshd, refused_start};
use crate::webhook_support::{ADVERTISE, Certs, apply_mesh_controller, start};

const ORDER: &str = r#"{
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "order", "namespace": "shop", "annotations": {
    "mesh.megaease.com/enable": "true", "mesh.megaease.com/service-name": "order"}},
  "spec": {"selector": {"matchLabels": {"app": "order"}}, "template": {
    "metadata": {"creationTimestamp": null, "labels": {"app": "order"}},
    "spec": {"containers": [{"name": "order", "image": "shop/order:1",
      "ports": [{"containerPort": 8080, "protocol": "TCP"}], "resources": {}}]}}}
}"#;

fn order() -> Value {
    serde_json::from_str(ORDER).unwrap()
}

fn review(kind: &str, operation: &str, object: &Value) -> Value {
    let resource = format!("{}s", kind.to_lowercase());
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": format!("uid-{kind}-{operation}"),
            "kind": {"group": "apps", "version": "v1", "kind": kind},
            "resource": {"group": "apps", "version": "v1", "resource": resource},
            "name": object["metadata"]["name"],
            "namespace": "shop",
            "operation": operation,
            "userInfo": {"username": "admin"},
            "object": object,
            "oldObject": null,
            "dryRun": false,
        }
    })
}

/// A client of the webhook that trusts the test CA.
struct Webhook {
    http: reqwest::Client,
    url: String,
}

impl Webhook {
    /// meshd serving the webhook on a temporary store, and a client of it.
    fn serve() -> (tempfile::TempDir, Meshd, Self) {
        let dir = tempfile::tempdir().unwrap();
        let certs = Certs::for_loopback();
        let (meshd, url) = start(dir.path(), &certs);
        let ca = reqwest::Certificate::from_pem(certs.ca.as_bytes()).unwrap();
        let http = reqwest::Client::builder().tls_certs_only([ca]).build().unwrap();
        (dir, meshd, Self { http, url })
    }

    /// The review's `response`, checked for the v1 shape.
    async fn admit(&self, review: &Value) -> Value {
        let reply = self
            .http
            .post(format!("{}/mutate", self.url))
            .json(review)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
        let body: Value = reply.json().await.unwrap();
        assert_eq!(body["apiVersion"], "admission.k8s.io/v1", "{body}");
        assert_eq!(body["kind"], "AdmissionReview", "{body}");
        body["response"].clone()
    }
}

/// `object` with the response's patch applied (unchanged without one).
fn patched(object: &Value, response: &Value) -> Value {
    let mut object = object.clone();
    if let Some(bytes) = response.get("patch") {
        assert_eq!(response["patchType"], "JSONPatch");
        let bytes: Vec<u8> = serde_json::from_value(bytes.clone()).unwrap();
        let patch: json_patch::Patch = serde_json::from_slice(&bytes).unwrap();
        json_patch::patch(&mut object, &patch).expect("the patch applies to the object sent");
    }
    object
}

fn template(object: &Value) -> PodTemplateSpec {
    serde_json::from_value(object["spec"]["template"].clone()).unwrap()
}

fn annotations(object: &Value) -> BTreeMap<String, String> {
    serde_json::from_value(object["metadata"]["annotations"].clone()).unwrap()
}

fn sidecar_image(object: &Value) -> Option<String> {
    let containers = object["spec"]["template"]["spec"]["containers"].as_array()?;
    let sidecar = containers.iter().find(|c| c["name"] == inject::SIDECAR_CONTAINER)?;
    sidecar["image"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn injects_over_https_and_follows_the_mesh_controller() {
    let (_dir, meshd, webhook) = Webhook::serve();

    // No MeshController yet: the defaults, with a warning.
    let response = webhook.admit(&review("Deployment", "CREATE", &order())).await;
    assert_eq!(
        (&response["uid"], &response["allowed"]),
        (&json!("uid-Deployment-CREATE"), &json!(true))
    );
    assert!(
        response["warnings"][0].as_str().unwrap().contains("no MeshController"),
        "{response}"
    );
    let injected = patched(&order(), &response);
    let expected = inject::inject(
        &annotations(&order()),
        &template(&order()),
        &InjectionParams::new(ADVERTISE, None),
    )
    .unwrap();
    assert_eq!(template(&injected), expected.template);

    // Injected already: nothing to change.
    let again = webhook.admit(&review("Deployment", "UPDATE", &injected)).await;
    assert_eq!((&again["allowed"], again.get("patch")), (&json!(true), None), "{again}");

    // A changed MeshController applies to the next admission, without a restart.
    apply_mesh_controller(
        &meshd,
        json!({"heartbeatInterval": "5s", "imageRegistryURL": "registry.test", "sidecarImageName": "megaease/meshd:2.0"}),
    )
    .await;
    let updated = patched(
        &injected,
        &webhook.admit(&review("Deployment", "UPDATE", &injected)).await,
    );
    assert_eq!(
        sidecar_image(&updated).as_deref(),
        Some("registry.test/megaease/meshd:2.0")
    );
    let containers = updated["spec"]["template"]["spec"]["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 2, "one sidecar: {updated}");

    // Switched off: back to the original template.
    let mut off = updated.clone();
    off["metadata"]["annotations"]["mesh.megaease.com/enable"] = json!("false");
    let reverted = patched(&off, &webhook.admit(&review("Deployment", "UPDATE", &off)).await);
    assert_eq!(reverted["spec"], order()["spec"]);

    // StatefulSets too.
    let mut set = order();
    set["kind"] = json!("StatefulSet");
    let response = webhook.admit(&review("StatefulSet", "CREATE", &set)).await;
    assert!(sidecar_image(&patched(&set, &response)).is_some(), "{response}");
}

#[tokio::test]
async fn invalid_annotations_are_refused_with_a_message() {
    let (_dir, _meshd, webhook) = Webhook::serve();

    let mut bad = order();
    bad["metadata"]["annotations"]["mesh.megaease.com/service-labels"] = json!("release=v2,zone");
    let response = webhook.admit(&review("Deployment", "CREATE", &bad)).await;
    assert_eq!(response["uid"], "uid-Deployment-CREATE");
    assert_eq!(response["allowed"], false);
    assert_eq!(response["status"]["code"], 400);
    assert_eq!(
        response["status"]["message"],
        "Deployment shop/order: annotation mesh.megaease.com/service-labels: item \"zone\" is not key=value \
         (expected k=v,k=v)"
    );
    assert_eq!(response.get("patch"), None);

    // Not ours: allowed as it is.
    for (kind, operation) in [("Deployment", "DELETE"), ("DaemonSet", "CREATE")] {
        let response = webhook.admit(&review(kind, operation, &bad)).await;
        assert_eq!(
            (&response["allowed"], response.get("patch")),
            (&json!(true), None),
            "{kind} {operation}"
        );
    }
    let mut plain = order();
    plain["metadata"]["annotations"] = json!({});
    let response = webhook.admit(&review("Deployment", "CREATE", &plain)).await;
    assert_eq!((&response["allowed"], response.get("patch")), (&json!(true), None));

    // Not an AdmissionReview: refused, still in the v1 shape.
    let response = webhook.admit(&json!({"hello": "world"})).await;
    assert_eq!(response["allowed"], false);
    assert!(
        response["status"]["message"]
            .as_str()
            .unwrap()
            .contains("AdmissionReview"),
        "{response}"
    );

    // Only /mutate and /healthz are served there.
    let health = webhook
        .http
        .get(format!("{}/healthz", webhook.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let api = webhook
        .http
        .get(format!("{}/apis/v2/resources/tenants", webhook.url))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
}

#[test]
fn webhook_flags_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let run = |flags: &[&str]| String::from_utf8_lossy(&refused_start(dir.path(), flags).stderr).into_owned();
    let stderr = run(&["--webhook-listen", "127.0.0.1:0"]);
    assert!(stderr.contains("--webhook-cert-file"), "{stderr}");
    let missing = dir.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    let stderr = run(&[
        "--webhook-listen",
        "127.0.0.1:0",
        "--webhook-cert-file",
        missing,
        "--webhook-key-file",
        missing,
    ]);
    assert!(
        stderr.contains("cannot read") && stderr.contains("missing.pem"),
        "{stderr}"
    );
    let stderr = run(&["--advertise-url", "meshd:2381"]);
    assert!(stderr.contains("expected an http:// or https:// URL"), "{stderr}");
}

#[tokio::test]
async fn sigterm_stops_the_webhook_listener_too() {
    let (_dir, mut meshd, webhook) = Webhook::serve();
    // A kept-alive connection to the webhook must not hold the shutdown up.
    let response = webhook.admit(&review("Deployment", "CREATE", &order())).await;
    assert_eq!(response["allowed"], true);
    let pid = meshd.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = crate::support::eventually(std::time::Duration::from_secs(5), "meshd exits", async || {
        meshd.child.try_wait().unwrap()
    })
    .await;
    assert!(status.success(), "meshd exited with {status}");
}
