//! The injection webhook called by a real kube-apiserver (`scripts/kube-local.sh`): a
//! MutatingWebhookConfiguration whose `clientConfig.url` points at meshd on loopback, and
//! Deployments and StatefulSets created, switched off, re-applied and refused through the API
//! server, which stores what the webhook's patches made of them.

use std::path::PathBuf;
use std::process::Command;

use k8s_openapi::ByteString;
use serde_json::{Value, json};

use crate::webhook_support::{Certs, apply_mesh_controller, start};

const SIDECAR: &str = meshlib::inject::SIDECAR_CONTAINER;

/// A local cluster, stopped (`kube-local.sh down`) when dropped, also when the test fails.
struct Cluster {
    script: PathBuf,
    dir: PathBuf,
    _parent: tempfile::TempDir,
    api: String,
    token: String,
    http: reqwest::Client,
}

impl Cluster {
    fn up() -> Self {
        let cache = std::env::var_os("EMESH_KUBE_CACHE").map_or_else(
            || PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/emesh/kubernetes"),
            PathBuf::from,
        );
        let apiserver = cache.join("bin/kube-apiserver");
        assert!(
            apiserver.exists(),
            "{} is missing: run `scripts/kube-local.sh build` (scripts/test.sh does) to build the local \
             Kubernetes control plane this test runs against",
            apiserver.display()
        );
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/kube-local.sh");
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("kube");
        let out = Command::new(&script)
            .arg("up")
            .arg(&dir)
            .output()
            .expect("run kube-local.sh");
        let mut cluster = Self {
            script,
            dir,
            _parent: parent,
            api: String::new(),
            token: String::new(),
            http: reqwest::Client::new(),
        };
        assert!(
            out.status.success(),
            "kube-local.sh up failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let kubeconfig = std::fs::read_to_string(cluster.dir.join("kubeconfig")).unwrap();
        let config = meshlib::yaml::documents(&kubeconfig).remove(0).unwrap();
        cluster.api = config["clusters"][0]["cluster"]["server"].as_str().unwrap().to_owned();
        cluster.token = config["users"][0]["user"]["token"].as_str().unwrap().to_owned();
        let builder = reqwest::Client::builder();
        let builder = match config["clusters"][0]["cluster"].get("certificate-authority-data") {
            Some(data) => {
                let pem: ByteString = serde_json::from_value(data.clone()).unwrap();
                builder.tls_certs_only(reqwest::Certificate::from_pem_bundle(&pem.0).unwrap())
            }
            // kube-local.sh writes insecure-skip-tls-verify when the server's own certificate
            // does not verify.
            None => builder.tls_danger_accept_invalid_certs(true),
        };
        cluster.http = builder.build().unwrap();
        cluster
    }

    /// Sends a request; returns the status and the JSON body.
    async fn call(&self, method: &str, path: &str, content_type: &str, body: Option<&Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.api))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.header("Content-Type", content_type).body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn ok(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let (status, body) = self.call(method, path, "application/json", body).await;
        assert!((200..300).contains(&status), "{method} {path}: {status} {body}");
        body
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(&self.script).arg("down").arg(&self.dir).output();
    }
}

fn workload(kind: &str, name: &str, enable: &str) -> Value {
    let mut object = json!({
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "annotations": {
            "mesh.megaease.com/enable": enable,
            "mesh.megaease.com/service-name": name,
            "mesh.megaease.com/service-labels": "release=v1",
        }},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{
                    "name": name, "image": format!("shop/{name}:1"),
                    "ports": [{"containerPort": 8080}],
                    "env": [{"name": "JAVA_TOOL_OPTIONS", "value": "-Xmx256m"}],
                }]},
            },
        },
    });
    if kind == "StatefulSet" {
        object["spec"]["serviceName"] = json!(name);
    }
    object
}

fn containers(object: &Value) -> Vec<String> {
    object["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

fn sidecar_image(object: &Value) -> String {
    let containers = object["spec"]["template"]["spec"]["containers"].as_array().unwrap();
    let sidecar = containers.iter().find(|c| c["name"] == SIDECAR).expect("a sidecar");
    sidecar["image"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_api_server_calls_the_webhook() {
    let cluster = Cluster::up();
    let data = tempfile::tempdir().unwrap();
    let certs = Certs::for_loopback();
    let (meshd, url) = start(data.path(), &certs);
    apply_mesh_controller(
        &meshd,
        json!({"heartbeatInterval": "5s", "sidecarImageName": "megaease/meshd:1.0",
               "agentInitializerImageName": "megaease/easeagent-initializer:1.0"}),
    )
    .await;

    let hook = json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": "easemesh-injector"},
        "webhooks": [{
            "name": "inject.mesh.megaease.com",
            "admissionReviewVersions": ["v1"],
            "sideEffects": "None",
            "failurePolicy": "Fail",
            "clientConfig": {"url": format!("{url}/mutate"), "caBundle": ByteString(certs.ca.clone().into_bytes())},
            "namespaceSelector": {"matchExpressions": [
                {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}]},
            "rules": [{"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
                       "resources": ["deployments", "statefulsets"], "scope": "Namespaced"}],
        }],
    });
    cluster
        .ok(
            "POST",
            "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
            Some(&hook),
        )
        .await;

    let deployments = "/apis/apps/v1/namespaces/default/deployments";
    let order = format!("{deployments}/order");

    // Created enabled: stored with the sidecar, the init container and the agent.
    let created = cluster
        .ok("POST", deployments, Some(&workload("Deployment", "order", "true")))
        .await;
    assert_eq!(containers(&created), ["order", SIDECAR]);
    let stored = cluster.ok("GET", &order, None).await;
    assert_eq!(containers(&stored), ["order", SIDECAR]);
    assert_eq!(sidecar_image(&stored), "megaease/meshd:1.0");
    let spec = &stored["spec"]["template"]["spec"];
    assert_eq!(spec["initContainers"][0]["name"], "initializer");
    let env = spec["containers"][0]["env"].to_string();
    assert!(env.contains("-Xmx256m -javaagent:/agent-volume/easeagent.jar"), "{env}");

    // Re-applied as the user wrote it (twice), and as stored: one sidecar, the same template.
    // (Compared by template: the Deployment's own annotations change with the controller's
    // revision bookkeeping, and that alone bumps its generation.)
    for _ in 0..2 {
        let applied = cluster
            .ok("PUT", &order, Some(&workload("Deployment", "order", "true")))
            .await;
        assert_eq!(applied["spec"]["template"], stored["spec"]["template"]);
    }
    let mut again = stored.clone();
    again["metadata"].as_object_mut().unwrap().remove("resourceVersion");
    let applied = cluster.ok("PUT", &order, Some(&again)).await;
    assert_eq!(applied["spec"]["template"], stored["spec"]["template"]);

    // Switched off (as `kubectl annotate` does): sidecar, agent and marker gone.
    let off = json!({"metadata": {"annotations": {"mesh.megaease.com/enable": "false"}}});
    let (status, patched) = cluster
        .call("PATCH", &order, "application/merge-patch+json", Some(&off))
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(containers(&patched), ["order"]);
    let template = &patched["spec"]["template"];
    assert!(template["spec"].get("initContainers").is_none(), "{template}");
    assert!(template["spec"].get("volumes").is_none(), "{template}");
    assert_eq!(template["spec"]["containers"][0]["env"][0]["value"], "-Xmx256m");
    assert!(template["metadata"].get("annotations").is_none(), "{template}");

    // Back on after a MeshController change: the new sidecar image, still exactly one sidecar.
    apply_mesh_controller(
        &meshd,
        json!({"heartbeatInterval": "5s", "sidecarImageName": "megaease/meshd:1.1"}),
    )
    .await;
    let on = json!({"metadata": {"annotations": {"mesh.megaease.com/enable": "true"}}});
    let (status, patched) = cluster
        .call("PATCH", &order, "application/merge-patch+json", Some(&on))
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(containers(&patched), ["order", SIDECAR]);
    assert_eq!(sidecar_image(&patched), "megaease/meshd:1.1");
    assert!(patched["spec"]["template"]["spec"].get("initContainers").is_none());

    // Invalid annotations: refused, with the webhook's message.
    let mut bad = workload("Deployment", "pay", "true");
    bad["metadata"]["annotations"]["mesh.megaease.com/service-labels"] = json!("release");
    let (status, body) = cluster.call("POST", deployments, "application/json", Some(&bad)).await;
    assert_eq!(status, 400, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("Deployment default/pay: annotation mesh.megaease.com/service-labels: item \"release\""),
        "{message}"
    );

    // StatefulSets too.
    let sets = "/apis/apps/v1/namespaces/default/statefulsets";
    let created = cluster
        .ok("POST", sets, Some(&workload("StatefulSet", "stock", "true")))
        .await;
    assert_eq!(containers(&created), ["stock", SIDECAR]);
    let stored = cluster.ok("GET", &format!("{sets}/stock"), None).await;
    assert_eq!(containers(&stored), ["stock", SIDECAR]);
}
