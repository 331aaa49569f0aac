//! The Spring registry variables the injector sets on the app container (`registry_env.rs`).

use super::*;

/// The app with its own Eureka server configured, between two other variables.
const SPRING_APP: &str = r"
metadata:
  labels: {app: order}
spec:
  containers:
  - name: order
    image: shop/order:1.4
    ports: [{containerPort: 8080}]
    env:
    - {name: SPRING_PROFILES_ACTIVE, value: prod}
    - {name: EUREKA_CLIENT_SERVICEURL_DEFAULTZONE, value: 'http://eureka.infra:8761/eureka/'}
    - {name: TZ, value: UTC}
  - name: log-shipper
    image: fluent/fluent-bit:2.2
    env:
    - {name: EUREKA_CLIENT_SERVICEURL_DEFAULTZONE, value: 'http://its-own:8761/'}
";

fn env_names(t: &PodTemplateSpec, name: &str) -> Vec<String> {
    let c = container(t, name).unwrap();
    c.env.iter().flatten().map(|e| e.name.clone()).collect()
}

#[test]
fn the_app_registry_client_is_pointed_at_the_sidecar_and_given_back() {
    let original = template(SPRING_APP);
    let injected = run(&meshed(&[]), &original, &params());
    let order = container(&injected, "order").unwrap();
    assert_eq!(
        env(order, "EUREKA_CLIENT_SERVICEURL_DEFAULTZONE").as_deref(),
        Some("http://127.0.0.1:13009/eureka/")
    );
    // In place, so nothing else moves.
    assert_eq!(
        env_names(&injected, "order"),
        [
            "SPRING_PROFILES_ACTIVE",
            "EUREKA_CLIENT_SERVICEURL_DEFAULTZONE",
            "TZ",
            "JAVA_TOOL_OPTIONS"
        ]
    );
    // Other containers keep theirs.
    assert_eq!(
        env(
            container(&injected, "log-shipper").unwrap(),
            "EUREKA_CLIENT_SERVICEURL_DEFAULTZONE"
        )
        .as_deref(),
        Some("http://its-own:8761/")
    );
    let annotations = injected.metadata.as_ref().unwrap().annotations.as_ref().unwrap();
    assert_eq!(
        annotations[registry_env::ORIGINAL_ENV],
        r#"{"container":"order","env":[{"name":"EUREKA_CLIENT_SERVICEURL_DEFAULTZONE","before":{"name":"EUREKA_CLIENT_SERVICEURL_DEFAULTZONE","value":"http://eureka.infra:8761/eureka/"}}]}"#
    );
    assert_eq!(
        run(&meshed(&[]), &injected, &params()),
        injected,
        "twice changes nothing"
    );
    let removed = run(&annotations_off(), &injected, &params());
    assert_eq!(removed, original, "{}", yaml(&removed));
}

fn annotations_off() -> BTreeMap<String, String> {
    annotations(&[(ENABLE, "false"), (SERVICE_NAME, "order")])
}

#[test]
fn registry_variables_follow_the_registry_type_and_the_registry_port() {
    let original = template(SPRING_APP);
    let eureka = run(&meshed(&[]), &original, &bare_params());
    let mut consul = bare_params();
    consul.registry_type = crate::spec::mesh_controller::RegistryType::Consul;
    consul.ports.registry = 18500;
    let moved = run(&meshed(&[]), &eureka, &consul);
    let order = container(&moved, "order").unwrap();
    assert_eq!(
        env(order, "EUREKA_CLIENT_SERVICEURL_DEFAULTZONE").as_deref(),
        Some("http://eureka.infra:8761/eureka/"),
        "the Eureka setting is given back when the mesh speaks Consul"
    );
    assert_eq!(env(order, "SPRING_CLOUD_CONSUL_HOST").as_deref(), Some("127.0.0.1"));
    assert_eq!(env(order, "SPRING_CLOUD_CONSUL_PORT").as_deref(), Some("18500"));
    let mut nacos = bare_params();
    nacos.registry_type = crate::spec::mesh_controller::RegistryType::Nacos;
    let nacos = run(&meshed(&[]), &moved, &nacos);
    let order = container(&nacos, "order").unwrap();
    assert_eq!(
        env(order, "SPRING_CLOUD_NACOS_DISCOVERY_SERVER_ADDR").as_deref(),
        Some("127.0.0.1:13009")
    );
    assert_eq!(env(order, "SPRING_CLOUD_CONSUL_HOST"), None);
    assert_eq!(run(&annotations_off(), &nacos, &bare_params()), original);
}

#[test]
fn a_new_app_container_moves_the_registry_variables() {
    let original = template(SPRING_APP);
    let first = run(&meshed(&[]), &original, &bare_params());
    let moved = run(
        &meshed(&[(APP_CONTAINER_NAME, "log-shipper"), (APPLICATION_PORT, "2020")]),
        &first,
        &bare_params(),
    );
    assert_eq!(
        env(
            container(&moved, "order").unwrap(),
            "EUREKA_CLIENT_SERVICEURL_DEFAULTZONE"
        )
        .as_deref(),
        Some("http://eureka.infra:8761/eureka/")
    );
    assert_eq!(
        env(
            container(&moved, "log-shipper").unwrap(),
            "EUREKA_CLIENT_SERVICEURL_DEFAULTZONE"
        )
        .as_deref(),
        Some("http://127.0.0.1:13009/eureka/")
    );
    assert_eq!(run(&annotations_off(), &moved, &bare_params()), original);
}
