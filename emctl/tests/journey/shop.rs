//! The shop the journey moves into the mesh: `front → order → stock`, plain Deployments of the
//! demo app from the mesh's own image, each with a Kubernetes Service (port 80). Without a sidecar
//! they call each other by cluster DNS; once migrated, through their sidecars.

use serde_json::{Value, json};

pub const NAMESPACE: &str = "shop";
/// Service, replicas, the service it calls.
pub const SERVICES: [(&str, i32, Option<&str>); 3] = [
    ("front", 1, Some("order")),
    ("order", 2, Some("stock")),
    ("stock", 1, None),
];

pub fn image() -> String {
    format!("docker.io/megaease/meshd:{}", env!("CARGO_PKG_VERSION"))
}

fn demo_app(name: &str, version: &str, calls: Option<&str>) -> Value {
    let mut args = vec!["demo-app", "--name", name, "--version", version, "--port", "8080"];
    if let Some(calls) = calls {
        args.extend(["--calls", calls]);
    }
    json!({
        "name": "app",
        "image": image(),
        "imagePullPolicy": "IfNotPresent",
        "args": args,
        "ports": [{"name": "http", "containerPort": 8080}],
        "env": [{"name": "RUST_LOG", "value": "info"}],
        // Optional: the shop runs without it; a shadow's copy of it can set DEMO_APP_NOTE.
        "envFrom": [{"configMapRef": {"name": format!("{name}-settings"), "optional": true}}],
    })
}

/// A Deployment of the demo app; `annotations` on the Deployment (the mesh switch, for a canary).
pub fn deployment(
    name: &str,
    service: &str,
    version: &str,
    replicas: i32,
    calls: Option<&str>,
    annotations: Value,
) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"app": name}, "annotations": annotations},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name, "shop/service": service}},
                "spec": {
                    "terminationGracePeriodSeconds": 10,
                    "containers": [demo_app(service, version, calls)],
                },
            },
        },
    })
}

fn service(name: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
    })
}

/// Everything of the shop before the mesh, as one kubectl List.
pub fn manifests() -> String {
    let mut items = vec![json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})];
    for (name, replicas, calls) in SERVICES {
        items.push(deployment(name, name, "v1", replicas, calls, json!({})));
        items.push(service(name));
    }
    json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string()
}

/// `order` v2, in the mesh from the start by its own annotations, labelled for the canary.
pub fn order_v2() -> String {
    deployment(
        "order-v2",
        "order",
        "v2",
        1,
        Some("stock"),
        json!({
            "mesh.megaease.com/enable": "true",
            "mesh.megaease.com/service-name": "order",
            "mesh.megaease.com/service-labels": "version=v2",
        }),
    )
    .to_string()
}

/// The mesh objects the journey applies: the ingress to `front`, and (separately) the canary.
pub const INGRESS: &str = r"
apiVersion: mesh.megaease.com/v1alpha1
kind: Ingress
metadata:
  name: shop
spec:
  rules:
  - paths:
    - path: /.*
      backend: front
";

pub const CANARY: &str = r"
apiVersion: mesh.megaease.com/v1alpha1
kind: ServiceCanary
metadata:
  name: order-v2
spec:
  priority: 1
  selector:
    matchServices: [order]
    matchInstanceLabels:
      version: v2
  trafficRules:
    headers:
      X-Canary:
        exact: v2
";

/// What the shop answers when every hop is v1.
pub const ALL_V1: &str = "front v1 -> order v1 -> stock v1";
/// What it answers through order v2.
pub const THROUGH_V2: &str = "front v1 -> order v2 -> stock v1";

/// The ConfigMap stock reads its note from, empty: the shop answers as without it.
pub const STOCK_SETTINGS: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: stock-settings, namespace: shop}
data: {DEMO_APP_NOTE: ""}
"#;

/// A shadow of every service of the shop, sharing the header value `t1`: order's environment
/// and stock's ConfigMap overridden, order given a staging database.
pub const SHADOWS: &str = r"
apiVersion: mesh.megaease.com/v1alpha1
kind: ShadowService
metadata: {name: shadow-front}
spec: {namespace: shop, serviceName: front, trafficHeaderValue: t1}
---
apiVersion: mesh.megaease.com/v1alpha1
kind: ShadowService
metadata: {name: shadow-order}
spec:
  namespace: shop
  serviceName: order
  trafficHeaderValue: t1
  envs: {DEMO_APP_NOTE: env-override}
  removeEnvs: [RUST_LOG]
  mysql: {uris: 'jdbc:mysql://mysql-staging:3306/order', userName: order, password: staging-secret}
---
apiVersion: mesh.megaease.com/v1alpha1
kind: ShadowService
metadata: {name: shadow-stock}
spec:
  namespace: shop
  serviceName: stock
  trafficHeaderValue: t1
  configMaps:
  - metadata: {name: stock-settings}
    data: {DEMO_APP_NOTE: configmap-override}
";

/// What the shop answers through its shadows.
pub const THROUGH_SHADOWS: &str = "front v1 -> order v1 (env-override) -> stock v1 (configmap-override)";
