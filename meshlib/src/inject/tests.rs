use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::*;
use crate::spec::mesh_controller::{MeshControllerSpec, PullPolicy};

const CONTROL_PLANE: &str = "http://easemesh-control-plane.easemesh.svc:2381";

/// A Java app with its own JAVA_TOOL_OPTIONS and a log shipper beside it.
const TEMPLATE: &str = r"
metadata:
  labels: {app: order}
spec:
  containers:
  - name: order
    image: shop/order:1.4
    ports: [{containerPort: 8080}]
    env:
    - {name: JAVA_TOOL_OPTIONS, value: -Xmx512m}
    - {name: SPRING_PROFILES_ACTIVE, value: prod}
  - name: log-shipper
    image: fluent/fluent-bit:2.2
";

fn template(yaml: &str) -> PodTemplateSpec {
    let doc = crate::yaml::documents(yaml).remove(0).expect("fixture parses");
    serde_json::from_value(doc).expect("fixture is a pod template")
}

fn annotations(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn meshed(extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut a = annotations(&[(ENABLE, "true"), (SERVICE_NAME, "order")]);
    a.extend(annotations(extra));
    a
}

fn controller() -> MeshControllerSpec {
    MeshControllerSpec {
        heartbeat_interval: "5s".into(),
        image_registry_url: Some("registry.example.com".into()),
        image_pull_policy: Some(PullPolicy::IfNotPresent),
        sidecar_image_name: Some("megaease/meshd:1.0".into()),
        agent_initializer_image_name: Some("megaease/easeagent-initializer:2.2".into()),
        log4j_config_name: Some("log4j2.xml".into()),
        ..MeshControllerSpec::default()
    }
}

fn params() -> InjectionParams {
    InjectionParams::new(CONTROL_PLANE, Some(&controller()))
}

/// Without the agent: no MeshController at all.
fn bare_params() -> InjectionParams {
    InjectionParams::new(CONTROL_PLANE, None)
}

fn run(annotations: &BTreeMap<String, String>, t: &PodTemplateSpec, p: &InjectionParams) -> PodTemplateSpec {
    inject(annotations, t, p).expect("injects").template
}

fn error(annotations: &BTreeMap<String, String>, t: &str) -> String {
    inject(annotations, &template(t), &params())
        .expect_err("refused")
        .to_string()
}

fn container<'a>(t: &'a PodTemplateSpec, name: &str) -> Option<&'a Container> {
    t.spec.as_ref()?.containers.iter().find(|c| c.name == name)
}

fn env(c: &Container, name: &str) -> Option<String> {
    let var = c.env.as_ref()?.iter().find(|e| e.name == name)?;
    Some(match (&var.value, &var.value_from) {
        (Some(v), _) => v.clone(),
        (None, Some(from)) => match (&from.field_ref, &from.secret_key_ref) {
            (Some(f), _) => format!("fieldRef:{}", f.field_path),
            (_, Some(s)) => format!("secret:{}/{}", s.name, s.key),
            _ => "?".into(),
        },
        (None, None) => String::new(),
    })
}

fn yaml(t: &PodTemplateSpec) -> String {
    crate::yaml::to_string(t).expect("yaml")
}

fn patch(before: &PodTemplateSpec, after: &PodTemplateSpec) -> json_patch::Patch {
    json_patch::diff(
        &serde_json::to_value(before).expect("json"),
        &serde_json::to_value(after).expect("json"),
    )
}

#[test]
fn injected_deployment_template() {
    let injected = run(
        &meshed(&[(SERVICE_LABELS, "release=v2, zone=a")]),
        &template(TEMPLATE),
        &params(),
    );
    insta::assert_snapshot!(yaml(&injected));
}

#[test]
fn disabling_removes_everything_injected() {
    let original = template(TEMPLATE);
    let injected = run(&meshed(&[]), &original, &params());
    for off in [
        annotations(&[(ENABLE, "false"), (SERVICE_NAME, "order")]),
        annotations(&[]),
    ] {
        let decision = inject(&off, &injected, &params()).unwrap();
        assert!(!decision.meshed);
        assert_eq!(decision.template, original, "{}", yaml(&decision.template));
    }
    insta::assert_snapshot!(yaml(&run(&annotations(&[]), &injected, &params())));
}

#[test]
fn injecting_twice_changes_nothing() {
    let once = run(
        &meshed(&[(SERVICE_LABELS, "release=v2")]),
        &template(TEMPLATE),
        &params(),
    );
    let twice = run(&meshed(&[(SERVICE_LABELS, "release=v2")]), &once, &params());
    assert_eq!(twice, once);
    insta::assert_snapshot!(serde_json::to_string(&patch(&once, &twice)).unwrap(), @"[]");
    let containers: Vec<&str> = twice
        .spec
        .as_ref()
        .unwrap()
        .containers
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(containers, ["order", "log-shipper", SIDECAR_CONTAINER]);
}

#[test]
fn defaults_the_api_server_added_are_kept() {
    let once = run(&meshed(&[]), &template(TEMPLATE), &params());
    let mut stored = serde_json::to_value(&once).unwrap();
    let sidecar = &mut stored["spec"]["containers"][2];
    sidecar["terminationMessagePath"] = "/dev/termination-log".into();
    sidecar["readinessProbe"]["timeoutSeconds"] = 1.into();
    sidecar["readinessProbe"]["httpGet"]["scheme"] = "HTTP".into();
    stored["spec"]["initContainers"][0]["terminationMessagePolicy"] = "File".into();
    let stored: PodTemplateSpec = serde_json::from_value(stored).unwrap();
    assert_eq!(run(&meshed(&[]), &stored, &params()), stored);
    // A real change still replaces the sidecar.
    let mut other = params();
    other.sidecar_image = "megaease/meshd:1.1".into();
    let updated = run(&meshed(&[]), &stored, &other);
    let sidecar = container(&updated, SIDECAR_CONTAINER).unwrap();
    assert_eq!(
        sidecar.image.as_deref(),
        Some("registry.example.com/megaease/meshd:1.1")
    );
    assert_eq!(sidecar.termination_message_path, None);
}

#[test]
fn not_meshed_template_is_untouched() {
    let mut plain = template(TEMPLATE);
    plain.spec.as_mut().unwrap().volumes = Some(Vec::new());
    for a in [annotations(&[]), annotations(&[(ENABLE, "False")])] {
        let decision = inject(&a, &plain, &params()).unwrap();
        assert!(!decision.meshed);
        assert_eq!(decision.template, plain);
    }
}

#[test]
fn enable_annotation_values() {
    assert!(enabled(&annotations(&[(ENABLE, "TRUE")])).unwrap());
    assert!(!enabled(&annotations(&[(ENABLE, " false ")])).unwrap());
    assert!(!enabled(&annotations(&[(SERVICE_NAME, "order")])).unwrap());
    assert_eq!(
        error(&annotations(&[(ENABLE, "yes")]), TEMPLATE),
        r#"annotation mesh.megaease.com/enable: expected "true" or "false", got "yes""#
    );
}

#[test]
fn service_name_is_required_and_checked() {
    assert_eq!(
        error(&annotations(&[(ENABLE, "true")]), TEMPLATE),
        r#"annotation mesh.megaease.com/service-name: required when mesh.megaease.com/enable is "true""#
    );
    assert!(
        error(&meshed(&[(SERVICE_NAME, "or der")]), TEMPLATE)
            .starts_with("annotation mesh.megaease.com/service-name: invalid character ' '")
    );
}

#[test]
fn sidecar_environment() {
    let t = run(
        &meshed(&[
            (SERVICE_LABELS, " release=v2 ,zone=a,"),
            (ALIVE_PROBE_URL, "http://localhost:9900/health"),
        ]),
        &template(TEMPLATE),
        &params(),
    );
    let sidecar = container(&t, SIDECAR_CONTAINER).unwrap();
    let expect = [
        ("MESH_CONTROL_PLANE", CONTROL_PLANE),
        ("MESH_SERVICE_NAME", "order"),
        ("MESH_APPLICATION_PORT", "8080"),
        ("MESH_SERVICE_LABELS", "release=v2,zone=a"),
        ("MESH_ALIVE_PROBE_URL", "http://localhost:9900/health"),
        ("HOSTNAME", "fieldRef:metadata.name"),
        ("APPLICATION_IP", "fieldRef:status.podIP"),
        ("MESH_INGRESS_PORT", "13001"),
        ("MESH_EGRESS_PORT", "13002"),
        ("MESH_REGISTRY_PORT", "13009"),
        ("MESH_ADMIN_PORT", "13090"),
        ("MESH_ADMIN_ADDRESS", "0.0.0.0"),
        ("MESH_TOKEN", "secret:easemesh-sidecar-token/token"),
    ];
    for (name, value) in expect {
        assert_eq!(env(sidecar, name).as_deref(), Some(value), "{name}");
    }
    assert_eq!(sidecar.args.as_deref(), Some(&["sidecar".to_owned()][..]));
    // Without labels or probe URL the sidecar's own defaults apply.
    let t = run(&meshed(&[]), &template(TEMPLATE), &params());
    let sidecar = container(&t, SIDECAR_CONTAINER).unwrap();
    assert_eq!(env(sidecar, "MESH_SERVICE_LABELS"), None);
    assert_eq!(env(sidecar, "MESH_ALIVE_PROBE_URL"), None);
}

#[test]
fn labels_must_be_key_value_pairs() {
    assert_eq!(
        error(&meshed(&[(SERVICE_LABELS, "release=v2,zone")]), TEMPLATE),
        r#"annotation mesh.megaease.com/service-labels: item "zone" is not key=value (expected k=v,k=v)"#
    );
    for bad in ["=v", "k=", "a=b=c"] {
        assert!(error(&meshed(&[(SERVICE_LABELS, bad)]), TEMPLATE).contains(&format!("item {bad:?}")));
    }
    assert_eq!(
        error(&meshed(&[(SERVICE_LABELS, "zone=a,zone=b")]), TEMPLATE),
        r#"annotation mesh.megaease.com/service-labels: key "zone" appears more than once"#
    );
}

#[test]
fn application_port_from_annotation_or_first_container_port() {
    let port = |t: &PodTemplateSpec| env(container(t, SIDECAR_CONTAINER).unwrap(), "MESH_APPLICATION_PORT");
    let t = run(&meshed(&[(APPLICATION_PORT, "9000")]), &template(TEMPLATE), &params());
    assert_eq!(port(&t).as_deref(), Some("9000"));
    assert_eq!(
        error(&meshed(&[(APPLICATION_PORT, "http")]), TEMPLATE),
        r#"annotation mesh.megaease.com/application-port: expected a port number between 1 and 65535, got "http""#
    );
    assert!(error(&meshed(&[(APPLICATION_PORT, "0")]), TEMPLATE).contains("got \"0\""));
    let no_ports = "spec:\n  containers:\n  - {name: app, image: app:1}\n";
    assert_eq!(
        error(&meshed(&[]), no_ports),
        "annotation mesh.megaease.com/application-port is not set and container \"app\" declares no containerPort; \
         set the annotation to the port the app listens on"
    );
    let t = run(&meshed(&[(APPLICATION_PORT, "8081")]), &template(no_ports), &params());
    assert_eq!(port(&t).as_deref(), Some("8081"));
}

#[test]
fn application_port_must_not_be_a_sidecar_port() {
    assert_eq!(
        error(&meshed(&[(APPLICATION_PORT, "13009")]), TEMPLATE),
        "application port 13009 is also the sidecar's registry port (MeshController apiPort); \
         the app and its sidecar share the pod's network and need different ports"
    );
    let mut spec = controller();
    spec.sidecar_admin_port = Some(8080);
    let err = inject(
        &meshed(&[]),
        &template(TEMPLATE),
        &InjectionParams::new(CONTROL_PLANE, Some(&spec)),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            InjectError::PortConflict {
                port: 8080,
                sidecar: "admin",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn app_container_by_annotation_or_first() {
    let t = run(
        &meshed(&[(APP_CONTAINER_NAME, "log-shipper"), (APPLICATION_PORT, "2020")]),
        &template(TEMPLATE),
        &params(),
    );
    assert!(container(&t, "log-shipper").unwrap().volume_mounts.is_some());
    assert!(container(&t, "order").unwrap().volume_mounts.is_none());
    assert_eq!(
        error(&meshed(&[(APP_CONTAINER_NAME, "web")]), TEMPLATE),
        "annotation mesh.megaease.com/app-container-name: no container named \"web\" in \
         spec.template.spec.containers (containers: order, log-shipper)"
    );
    assert_eq!(
        error(&meshed(&[(APP_CONTAINER_NAME, SIDECAR_CONTAINER)]), TEMPLATE),
        "annotation mesh.megaease.com/app-container-name: \"easemesh-sidecar\" is the name of the injected \
         sidecar, not of an app container"
    );
    assert_eq!(
        error(&meshed(&[]), "spec:\n  containers: []\n"),
        "spec.template.spec.containers: no app container to put beside a sidecar"
    );
    assert_eq!(
        inject(&meshed(&[]), &PodTemplateSpec::default(), &params()).unwrap_err(),
        InjectError::NoAppContainer
    );
}

#[test]
fn changing_the_app_container_moves_the_agent() {
    let first = run(&meshed(&[]), &template(TEMPLATE), &params());
    let moved = run(
        &meshed(&[(APP_CONTAINER_NAME, "log-shipper"), (APPLICATION_PORT, "2020")]),
        &first,
        &params(),
    );
    let order = container(&moved, "order").unwrap();
    assert_eq!(env(order, "JAVA_TOOL_OPTIONS").as_deref(), Some("-Xmx512m"));
    assert!(order.volume_mounts.is_none());
    let shipper = container(&moved, "log-shipper").unwrap();
    assert!(env(shipper, "JAVA_TOOL_OPTIONS").unwrap().starts_with("-javaagent:"));
}

#[test]
fn alive_probe_url_must_be_http() {
    assert_eq!(
        error(&meshed(&[(ALIVE_PROBE_URL, "localhost:9900/health")]), TEMPLATE),
        r#"annotation mesh.megaease.com/alive-probe-url: expected an http:// or https:// URL, got "localhost:9900/health""#
    );
    assert!(error(&meshed(&[(ALIVE_PROBE_URL, "http://")]), TEMPLATE).contains("alive-probe-url"));
}

#[test]
fn java_tool_options_are_appended_and_restored() {
    let options = |t: &PodTemplateSpec| env(container(t, "order").unwrap(), "JAVA_TOOL_OPTIONS");
    let t = run(&meshed(&[]), &template(TEMPLATE), &params());
    assert_eq!(
        options(&t).as_deref(),
        Some("-Xmx512m -javaagent:/agent-volume/easeagent.jar -Deaseagent.log.conf=/agent-volume/log4j2.xml")
    );
    // Without options of its own the app gets the agent's alone, and loses the variable again.
    let no_options = TEMPLATE.replace("    - {name: JAVA_TOOL_OPTIONS, value: -Xmx512m}\n", "");
    let t = run(&meshed(&[]), &template(&no_options), &params());
    assert!(options(&t).unwrap().starts_with("-javaagent:"));
    assert_eq!(run(&annotations(&[]), &t, &params()), template(&no_options));
    // Options from a ConfigMap cannot be appended to.
    let from_source = TEMPLATE.replace(
        "{name: JAVA_TOOL_OPTIONS, value: -Xmx512m}",
        "{name: JAVA_TOOL_OPTIONS, valueFrom: {configMapKeyRef: {name: jvm, key: options}}}",
    );
    let message = error(&meshed(&[]), &from_source);
    assert!(
        message.starts_with("spec.template.spec.containers[\"order\"].env[JAVA_TOOL_OPTIONS]: set with valueFrom"),
        "{message}"
    );
    // ... but without an agent there is nothing to append.
    assert!(inject(&meshed(&[]), &template(&from_source), &bare_params()).is_ok());
}

#[test]
fn without_agent_image_there_is_no_init_container() {
    let t = run(&meshed(&[]), &template(TEMPLATE), &bare_params());
    let spec = t.spec.as_ref().unwrap();
    assert!(spec.init_containers.is_none());
    let volumes: Vec<&str> = spec.volumes.iter().flatten().map(|v| v.name.as_str()).collect();
    assert_eq!(volumes, [SIDECAR_CACHE_VOLUME], "the sidecar's cache only");
    assert_eq!(
        env(container(&t, "order").unwrap(), "JAVA_TOOL_OPTIONS").as_deref(),
        Some("-Xmx512m")
    );
    assert_eq!(
        container(&t, SIDECAR_CONTAINER).unwrap().image.as_deref(),
        Some(DEFAULT_SIDECAR_IMAGE)
    );
    assert_eq!(container(&t, SIDECAR_CONTAINER).unwrap().image_pull_policy, None);
    // The MeshController dropping its agent image removes the agent on the next admission.
    let with_agent = run(&meshed(&[]), &template(TEMPLATE), &params());
    let mut without = params();
    without.agent_image = None;
    let t2 = run(&meshed(&[]), &with_agent, &without);
    assert_eq!(t2, run(&meshed(&[]), &template(TEMPLATE), &without));
}

#[test]
fn images_and_their_overrides() {
    let t = run(
        &meshed(&[
            (SIDECAR_IMAGE, "quay.io/me/meshd:dev"),
            (INIT_CONTAINER_IMAGE, "me/agent:3"),
        ]),
        &template(TEMPLATE),
        &params(),
    );
    assert_eq!(
        container(&t, SIDECAR_CONTAINER).unwrap().image.as_deref(),
        Some("quay.io/me/meshd:dev")
    );
    let init = &t.spec.as_ref().unwrap().init_containers.as_ref().unwrap()[0];
    assert_eq!(init.image.as_deref(), Some("registry.example.com/me/agent:3"));
    assert_eq!(init.image_pull_policy.as_deref(), Some("IfNotPresent"));
    let annotations = t.metadata.as_ref().unwrap().annotations.as_ref().unwrap();
    assert_eq!(annotations[INJECTED], "quay.io/me/meshd:dev");
    assert!(is_injected(&t) && !is_injected(&template(TEMPLATE)));
}

#[test]
fn image_registry_prefix_rule() {
    let cases = [
        (Some("docker.io"), "megaease/meshd:1.0", "docker.io/megaease/meshd:1.0"),
        (
            Some("https://registry.example.com/"),
            "meshd",
            "registry.example.com/meshd",
        ),
        (Some("docker.io"), "quay.io/megaease/meshd", "quay.io/megaease/meshd"),
        (Some("docker.io"), "localhost:5000/meshd", "localhost:5000/meshd"),
        (Some("docker.io"), "localhost/meshd", "localhost/meshd"),
        // A dot in the tag is not a registry host (EaseMesh took it for one).
        (Some("docker.io"), "megaease/app:1.0", "docker.io/megaease/app:1.0"),
        (None, "megaease/meshd", "megaease/meshd"),
        (Some(" "), "megaease/meshd", "megaease/meshd"),
    ];
    for (registry, image, expect) in cases {
        assert_eq!(resolve_image(registry, image), expect, "{registry:?} {image}");
    }
}

#[test]
fn sidecar_ports_follow_the_mesh_controller() {
    let mut spec = controller();
    spec.api_port = Some(14009);
    spec.sidecar_ingress_port = Some(14001);
    spec.sidecar_egress_port = Some(14002);
    spec.sidecar_admin_port = Some(14090);
    let t = run(
        &meshed(&[]),
        &template(TEMPLATE),
        &InjectionParams::new(CONTROL_PLANE, Some(&spec)),
    );
    let sidecar = container(&t, SIDECAR_CONTAINER).unwrap();
    let ports: Vec<(String, i32)> = sidecar
        .ports
        .iter()
        .flatten()
        .map(|p| (p.name.clone().unwrap_or_default(), p.container_port))
        .collect();
    assert_eq!(
        ports,
        [
            ("sidecar-ingress".to_owned(), 14001),
            ("sidecar-egress".to_owned(), 14002),
            ("sidecar-api".to_owned(), 14009),
            ("sidecar-admin".to_owned(), 14090)
        ]
    );
    assert_eq!(env(sidecar, "MESH_REGISTRY_PORT").as_deref(), Some("14009"));
    let probe = sidecar.readiness_probe.as_ref().unwrap().http_get.as_ref().unwrap();
    assert_eq!(
        (probe.path.as_deref(), &probe.port),
        (Some("/ready"), &IntOrString::Int(14090))
    );
}

/// A pod template as EaseMesh's operator injected it.
const EASEMESH_INJECTED: &str = r#"
spec:
  initContainers:
  - name: initializer
    image: megaease/easeagent-initializer:latest
    command: [sh, -c, "cp -r /easeagent-volume/* /agent-volume; echo ... > /sidecar-volume/sidecar-config.yaml"]
    volumeMounts:
    - {name: agent-volume, mountPath: /agent-volume}
    - {name: sidecar-volume, mountPath: /sidecar-volume}
  containers:
  - name: order
    image: shop/order:1.4
    ports: [{containerPort: 8080}]
    env:
    - {name: JAVA_TOOL_OPTIONS, value: " -javaagent:/agent-volume/easeagent.jar -Deaseagent.log.conf=/agent-volume/easeagent-log4j2.xml "}
    volumeMounts:
    - {name: agent-volume, mountPath: /agent-volume}
  - name: easemesh-sidecar
    image: megaease/easegress:server-sidecar
    command: [/bin/sh, -c, /opt/easegress/bin/easegress-server -f /sidecar-volume/sidecar-config.yaml]
    volumeMounts:
    - {name: sidecar-volume, mountPath: /sidecar-volume}
  volumes:
  - {name: agent-volume, emptyDir: {}}
  - {name: sidecar-volume, emptyDir: {}}
"#;

#[test]
fn easemesh_injection_is_replaced_or_removed() {
    let removed = run(
        &annotations(&[(SERVICE_NAME, "order")]),
        &template(EASEMESH_INJECTED),
        &params(),
    );
    let plain =
        "spec:\n  containers:\n  - name: order\n    image: shop/order:1.4\n    ports: [{containerPort: 8080}]\n";
    assert_eq!(removed, template(plain), "{}", yaml(&removed));
    let replaced = run(&meshed(&[]), &template(EASEMESH_INJECTED), &params());
    assert_eq!(
        replaced,
        run(&meshed(&[]), &template(plain), &params()),
        "{}",
        yaml(&replaced)
    );
}

#[test]
fn mesh_controller_sidecar_ports_must_differ() {
    let doc = serde_json::json!({
        "heartbeatInterval": "5s",
        "apiPort": 13001,
        "sidecarAdminPort": 0,
    });
    let problems = crate::spec::normalize::<MeshControllerSpec>("easemesh-controller", doc, "spec").unwrap_err();
    let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        messages.contains(&"spec.sidecarAdminPort: must be between 1 and 65535, got 0".to_owned()),
        "{messages:?}"
    );
    assert!(
        messages.contains(
            &"spec.apiPort: sidecar port 13001 is also sidecarIngressPort; each sidecar port must differ".to_owned()
        ),
        "{messages:?}"
    );
}

mod registry_variables;
