//! One named test per cloning rule, on a meshed `order` Deployment of the `shop` namespace (its
//! sidecar injected by the real injector) and a StatefulSet with claim templates.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Container, PodTemplateSpec, Secret, Service};
use serde_json::Value;

use super::*;
use crate::inject::{InjectionParams, SIDECAR_CONTAINER};

const DEPLOYMENT: &str = r"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: order
  namespace: shop
  uid: 6f1d
  resourceVersion: '4711'
  generation: 3
  creationTimestamp: '2026-12-03T10:00:00Z'
  labels: {app: order, team: checkout}
  annotations:
    mesh.megaease.com/enable: 'true'
    mesh.megaease.com/service-name: order
    mesh.megaease.com/service-labels: release=v1
    mesh.megaease.com/before-migrate: '{}'
    deployment.kubernetes.io/revision: '3'
spec:
  replicas: 2
  selector:
    matchLabels: {app: order}
  template:
    metadata:
      labels: {app: order, tier: backend, version: v1}
    spec:
      initContainers:
      - name: migrate-db
        image: shop/order:1.4
        envFrom: [{secretRef: {name: order-db}}]
      containers:
      - name: order
        image: shop/order:1.4
        ports: [{containerPort: 8080}]
        env:
        - {name: SPRING_PROFILES_ACTIVE, value: prod}
        - {name: PAYMENT_URL, value: https://pay.example.com}
        - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: order-db, key: password}}}
        - {name: MODE, valueFrom: {configMapKeyRef: {name: order-flags, key: mode}}}
        envFrom: [{configMapRef: {name: order-env}}]
        volumeMounts: [{name: config, mountPath: /config}, {name: bundle, mountPath: /bundle}]
      volumes:
      - {name: config, configMap: {name: order-config}}
      - name: bundle
        projected:
          sources:
          - {configMap: {name: order-ca}}
          - {secret: {name: order-tls}}
";

const STATEFULSET: &str = r"
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: stock
  namespace: shop
  annotations: {mesh.megaease.com/enable: 'true', mesh.megaease.com/service-name: stock}
spec:
  replicas: 2
  serviceName: stock
  selector: {matchLabels: {app: stock}}
  template:
    metadata: {labels: {app: stock}}
    spec:
      containers:
      - name: stock
        image: shop/stock:1.0
        ports: [{containerPort: 8080}]
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
";

fn parse<T: serde::de::DeserializeOwned>(yaml: &str) -> T {
    let doc = crate::yaml::documents(yaml).remove(0).expect("fixture parses");
    serde_json::from_value(doc).expect("fixture has the right shape")
}

fn params() -> InjectionParams {
    InjectionParams::new("http://easemesh-control-plane.easemesh.svc:2381", None)
}

/// What the webhook does to a workload: the template, injected per its annotations.
fn injected(template: &PodTemplateSpec, annotations: Option<&BTreeMap<String, String>>) -> PodTemplateSpec {
    crate::inject::inject(annotations.expect("annotated"), template, &params())
        .expect("injects")
        .template
}

fn meshed_deployment() -> Deployment {
    let mut d: Deployment = parse(DEPLOYMENT);
    let spec = d.spec.as_mut().unwrap();
    spec.template = injected(&spec.template, d.metadata.annotations.as_ref());
    d
}

fn meshed_statefulset() -> StatefulSet {
    let mut s: StatefulSet = parse(STATEFULSET);
    let spec = s.spec.as_mut().unwrap();
    spec.template = injected(&spec.template, s.metadata.annotations.as_ref());
    s
}

fn service(name: &str, selector: &[(&str, &str)]) -> Service {
    parse(&format!(
        "metadata: {{name: {name}, namespace: shop}}\nspec:\n  selector: {{{}}}\n",
        selector
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn config_map(name: &str, data: &[(&str, &str)]) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some("shop".to_owned()),
            uid: Some("uid-of-source".to_owned()),
            ..ObjectMeta::default()
        },
        data: Some(data.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
        ..ConfigMap::default()
    }
}

fn secret(name: &str, data: &[(&str, &str)]) -> Secret {
    Secret {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some("shop".to_owned()),
            ..ObjectMeta::default()
        },
        data: Some(
            data.iter()
                .map(|(k, v)| ((*k).to_owned(), ByteString(v.as_bytes().to_vec())))
                .collect(),
        ),
        type_: Some("Opaque".to_owned()),
        ..Secret::default()
    }
}

struct Fixture {
    config_maps: Vec<ConfigMap>,
    secrets: Vec<Secret>,
    services: Vec<Service>,
}

impl Fixture {
    fn shop() -> Self {
        Self {
            config_maps: vec![
                config_map("order-config", &[("application.yaml", "db: prod"), ("cache", "on")]),
                config_map("order-env", &[("LOG_LEVEL", "info")]),
                config_map("order-flags", &[("mode", "live")]),
                config_map("order-ca", &[("ca.crt", "---")]),
                config_map("unrelated", &[("x", "y")]),
            ],
            secrets: vec![
                secret("order-db", &[("password", "prod-pw")]),
                secret("order-tls", &[("tls.key", "k")]),
            ],
            services: vec![
                service("order", &[("app", "order")]),
                service("backends", &[("tier", "backend")]),
                service("other", &[("app", "stock")]),
            ],
        }
    }

    fn namespace(&self) -> Namespace<'_> {
        Namespace {
            config_maps: &self.config_maps,
            secrets: &self.secrets,
            services: &self.services,
        }
    }
}

fn shadow_service(extra: &str) -> ShadowServiceSpec {
    let text = format!(
        "kind: ShadowService\nmetadata: {{name: shadow-order}}\nspec:\n  namespace: shop\n  serviceName: order\n  trafficHeaderValue: t1\n{extra}"
    );
    let decoded = crate::decode::decode_str(&text, "t.yaml")
        .remove(0)
        .result
        .expect("valid ShadowService");
    serde_json::from_value(decoded.spec).expect("spec")
}

fn shadow_of(source: &Workload, extra: &str) -> Shadow {
    copy(
        "shadow-order",
        &shadow_service(extra),
        source,
        &Fixture::shop().namespace(),
    )
    .expect("copied")
}

fn order(extra: &str) -> Shadow {
    shadow_of(&Workload::Deployment(meshed_deployment()), extra)
}

fn template(shadow: &Shadow) -> &PodTemplateSpec {
    shadow.workload.template().expect("template")
}

fn app(shadow: &Shadow) -> &Container {
    template(shadow)
        .spec
        .as_ref()
        .unwrap()
        .containers
        .iter()
        .find(|c| c.name == "order")
        .expect("app container")
}

fn env(container: &Container) -> BTreeMap<String, String> {
    container
        .env
        .iter()
        .flatten()
        .map(|e| {
            let shown = match (&e.value, &e.value_from) {
                (Some(v), _) => v.clone(),
                (None, Some(from)) => match (&from.secret_key_ref, &from.config_map_key_ref) {
                    (Some(s), _) => format!("secret:{}/{}", s.name, s.key),
                    (_, Some(c)) => format!("configMap:{}/{}", c.name, c.key),
                    _ => "?".to_owned(),
                },
                _ => String::new(),
            };
            (e.name.clone(), shown)
        })
        .collect()
}

fn labels(meta: Option<&ObjectMeta>) -> BTreeMap<String, String> {
    meta.and_then(|m| m.labels.clone()).unwrap_or_default()
}

fn refusal(source: &Workload) -> String {
    copy(
        "shadow-order",
        &shadow_service(""),
        source,
        &Fixture::shop().namespace(),
    )
    .expect_err("refused")
    .to_string()
}

#[test]
fn a_workload_without_the_sidecar_is_refused_with_a_clear_message() {
    let plain: Deployment = parse(DEPLOYMENT);
    insta::assert_snapshot!(
        refusal(&Workload::Deployment(plain)),
        @r#"Deployment "order" cannot be shadowed: its pods carry no mesh sidecar; only meshed workloads can be shadowed (emctl migrate puts one in the mesh)"#
    );
}

#[test]
fn a_shadow_is_not_shadowed_again() {
    let shadow = order("");
    assert!(shadow.workload.is_shadow());
    let mut again = shadow.workload.clone();
    if let Workload::Deployment(d) = &mut again {
        let spec = d.spec.as_mut().unwrap();
        spec.template = injected(&spec.template, d.metadata.annotations.as_ref());
    }
    assert!(refusal(&again).contains("it is a shadow itself"), "{}", refusal(&again));
}

#[test]
fn a_mounted_claim_is_refused_because_the_copy_would_share_it() {
    let mut d = meshed_deployment();
    let volumes = d
        .spec
        .as_mut()
        .unwrap()
        .template
        .spec
        .as_mut()
        .unwrap()
        .volumes
        .get_or_insert_default();
    volumes.push(parse("{name: data, persistentVolumeClaim: {claimName: order-data}}"));
    let message = refusal(&Workload::Deployment(d));
    assert!(message.contains("PersistentVolumeClaim \"order-data\""), "{message}");
}

#[test]
fn the_copy_is_named_source_value_shadow() {
    assert_eq!(order("").workload.name(), "order-t1-shadow");
    assert_eq!(workload_name("order", "t1"), "order-t1-shadow");
}

#[test]
fn a_name_too_long_for_kubernetes_is_refused() {
    let mut d = meshed_deployment();
    d.metadata.name = Some("o".repeat(60));
    assert!(refusal(&Workload::Deployment(d)).contains("longer than 63 characters"));
}

#[test]
fn what_the_injector_added_is_stripped_so_the_webhook_adds_it_again() {
    let shadow = order("");
    let t = template(&shadow);
    let spec = t.spec.as_ref().unwrap();
    assert!(spec.containers.iter().all(|c| c.name != SIDECAR_CONTAINER));
    assert!(!crate::inject::is_injected(t));
    let annotations = shadow.workload.metadata().annotations.clone().unwrap();
    assert_eq!(annotations.get(crate::inject::ENABLE).map(String::as_str), Some("true"));
    assert_eq!(
        annotations.get(crate::inject::SERVICE_NAME).map(String::as_str),
        Some("order")
    );
    // The webhook's injection of the copy works and gives the sidecar the canary label.
    let again = injected(t, Some(&annotations));
    let sidecar = again
        .spec
        .as_ref()
        .unwrap()
        .containers
        .iter()
        .find(|c| c.name == SIDECAR_CONTAINER)
        .unwrap();
    assert_eq!(
        env(sidecar).get("MESH_SERVICE_LABELS").map(String::as_str),
        Some("canary-name=t1-shadow")
    );
}

#[test]
fn instances_register_with_the_shadow_canary_label_only() {
    let annotations = order("").workload.metadata().annotations.clone().unwrap();
    assert_eq!(
        annotations.get(crate::inject::SERVICE_LABELS).map(String::as_str),
        Some("canary-name=t1-shadow"),
        "the source's release=v1 is replaced, so no other canary selects the copy"
    );
    assert_eq!(
        annotations.get(SHADOW_SERVICE_ANNOTATION).map(String::as_str),
        Some("shadow-order")
    );
    assert_eq!(
        annotations.get(SOURCE_ANNOTATION).map(String::as_str),
        Some("Deployment/order")
    );
}

#[test]
fn the_shadow_label_is_on_metadata_selector_and_template() {
    let shadow = order("");
    let Workload::Deployment(d) = &shadow.workload else {
        panic!()
    };
    let spec = d.spec.as_ref().unwrap();
    for (place, labels) in [
        ("metadata", labels(Some(&d.metadata))),
        ("selector", spec.selector.match_labels.clone().unwrap()),
        ("template", labels(spec.template.metadata.as_ref())),
    ] {
        assert_eq!(labels.get(SHADOW_LABEL).map(String::as_str), Some("true"), "{place}");
    }
    // The selector still selects the template.
    let pod = labels(spec.template.metadata.as_ref());
    for (k, v) in spec.selector.match_labels.iter().flatten() {
        assert_eq!(pod.get(k), Some(v), "selector {k}");
    }
}

#[test]
fn pod_label_values_services_select_on_get_the_suffix() {
    let shadow = order("");
    let pod = labels(template(&shadow).metadata.as_ref());
    assert_eq!(
        pod["app"], "order-shadow",
        "selected by Service order and the source's selector"
    );
    assert_eq!(pod["tier"], "backend-shadow", "selected by Service backends");
    assert_eq!(pod["version"], "v1", "selected by nothing");
    for svc in Fixture::shop().services {
        let selector = svc.spec.unwrap().selector.unwrap();
        assert!(
            !selector.iter().all(|(k, v)| pod.get(k) == Some(v)),
            "{selector:?} selects a shadow pod"
        );
    }
    let Workload::Deployment(d) = &shadow.workload else {
        panic!()
    };
    assert_eq!(
        d.spec.as_ref().unwrap().selector.match_labels.as_ref().unwrap()["app"],
        "order-shadow"
    );
    assert_eq!(
        labels(Some(&d.metadata))["app"],
        "order",
        "the workload's own labels stay"
    );
}

#[test]
fn server_set_metadata_and_per_object_annotations_are_not_copied() {
    let meta = order("").workload.metadata().clone();
    assert_eq!(
        (
            meta.uid,
            meta.resource_version,
            meta.generation,
            meta.creation_timestamp
        ),
        (None, None, None, None)
    );
    assert_eq!(meta.namespace.as_deref(), Some("shop"));
    let annotations = meta.annotations.unwrap();
    assert!(!annotations.contains_key(crate::migration::BEFORE_MIGRATE));
    assert!(!annotations.contains_key("deployment.kubernetes.io/revision"));
}

#[test]
fn envs_are_added_changed_and_removed_on_the_app_container() {
    let shadow = order("  envs: {SPRING_PROFILES_ACTIVE: shadow, NEW_ONE: '1'}\n  removeEnvs: [PAYMENT_URL]\n");
    let env = env(app(&shadow));
    assert_eq!(env["SPRING_PROFILES_ACTIVE"], "shadow");
    assert_eq!(env["NEW_ONE"], "1");
    assert!(!env.contains_key("PAYMENT_URL"));
    let order: Vec<&str> = app(&shadow).env.iter().flatten().map(|e| e.name.as_str()).collect();
    assert_eq!(order[0], "SPRING_PROFILES_ACTIVE", "a changed variable keeps its place");
}

#[test]
fn middleware_reaches_the_app_from_a_secret_never_as_plain_values() {
    let shadow = order(
        "  mysql: {uris: 'jdbc:mysql://staging/order', userName: order, password: s3cret}\n  kafka: {uris: 'kafka-staging:9092'}\n",
    );
    let env = env(app(&shadow));
    assert_eq!(
        env["EASE_RESOURCE_DATABASE"],
        "secret:order-t1-shadow-middleware/EASE_RESOURCE_DATABASE"
    );
    assert_eq!(
        env["EASE_RESOURCE_KAFKA"],
        "secret:order-t1-shadow-middleware/EASE_RESOURCE_KAFKA"
    );
    let workload = shadow.workload_value().to_string();
    assert!(!workload.contains("s3cret"), "{workload}");
    let middleware = shadow
        .secrets
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some("order-t1-shadow-middleware"))
        .unwrap();
    let database: Value =
        serde_json::from_slice(&middleware.data.as_ref().unwrap()["EASE_RESOURCE_DATABASE"].0).unwrap();
    assert_eq!(
        database,
        serde_json::json!({"uris": "jdbc:mysql://staging/order", "userName": "order", "password": "s3cret"})
    );
}

#[test]
fn a_statefulset_keeps_its_claim_templates_so_the_copy_gets_claims_of_its_own() {
    let source = meshed_statefulset();
    let shadow = copy(
        "shadow-stock",
        &shadow_service(""),
        &Workload::StatefulSet(source.clone()),
        &Namespace::default(),
    )
    .unwrap();
    let Workload::StatefulSet(copy) = &shadow.workload else {
        panic!()
    };
    assert_eq!(
        copy.spec.as_ref().unwrap().volume_claim_templates,
        source.spec.as_ref().unwrap().volume_claim_templates
    );
    assert_eq!(
        claim_names(copy, 2),
        ["data-stock-t1-shadow-0", "data-stock-t1-shadow-1"]
    );
    assert_eq!(claim_names(&source, 2), ["data-stock-0", "data-stock-1"]);
    assert_eq!(copy.spec.as_ref().unwrap().service_name.as_deref(), Some("stock"));
}

#[test]
fn the_canary_routes_the_header_to_exactly_the_shadowed_services_first() {
    let services: BTreeSet<String> = ["front", "order", "stock"].iter().map(|s| (*s).to_owned()).collect();
    let canary = canary("t1", &services);
    assert_eq!(canary.metadata.name, "t1-shadow");
    // It is a valid ServiceCanary, as the control plane will check.
    let normalized = (Kind::ServiceCanary.info().normalize)("t1-shadow", canary.spec.clone(), "spec").expect("valid");
    insta::assert_snapshot!(crate::yaml::to_string(&normalized).unwrap(), @r"
    priority: 1
    selector:
      matchServices:
      - front
      - order
      - stock
      matchInstanceLabels:
        canary-name: t1-shadow
    trafficRules:
      headers:
        X-Mesh-Shadow:
          exact: t1
    ");
}

#[test]
fn the_whole_shadow_of_order() {
    let shadow = order(
        "  envs: {SPRING_PROFILES_ACTIVE: shadow}\n  mysql: {uris: 'jdbc:mysql://staging/order', userName: order, password: s3cret}\n",
    );
    insta::assert_snapshot!(crate::yaml::to_string(&shadow.workload_value()).unwrap());
}

impl Shadow {
    fn workload_value(&self) -> Value {
        match &self.workload {
            Workload::Deployment(d) => serde_json::to_value(d).unwrap(),
            Workload::StatefulSet(s) => serde_json::to_value(s).unwrap(),
        }
    }
}

mod config;
