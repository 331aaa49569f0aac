//! ShadowService decoding and validation: EaseMesh's documents accepted unchanged, and a table
//! of hostile inputs each refused at its field.

use serde_json::json;

use crate::decode::{DocumentError, decode_str};
use crate::kind::Kind;
use crate::resource::Resource;

fn decode(text: &str) -> Result<Resource, DocumentError> {
    let mut docs = decode_str(text, "shadow.yaml");
    assert_eq!(docs.len(), 1, "{docs:?}");
    docs.remove(0).result
}

fn document(spec: &str) -> String {
    format!("kind: ShadowService\nmetadata: {{name: shadow-order}}\nspec:\n{spec}")
}

const BASE: &str = "  namespace: shop\n  serviceName: order\n  trafficHeaderValue: t1\n";

#[test]
fn easemesh_documents_decode_unchanged() {
    // From EaseMesh's shadow guide, with the trafficHeaderValue its schema requires.
    let r = decode(
        "kind: ShadowService\napiVersion: mesh.megaease.com/v1alpla1\nmetadata:\n  name: shadow-user-service\nspec:\n  serviceName: user-service\n  namespace: megaease-mall\n  trafficHeaderValue: shadow\n  mysql:\n    uris: \"jdbc:mysql://172.20.2.216:3306/shadow_user_db\"\n    userName: \"megaease\"\n    password: \"megaease\"\n",
    )
    .unwrap();
    assert_eq!(r.kind, Kind::ShadowService);
    assert_eq!(r.spec["mysql"]["password"], "megaease");
    assert_eq!(r.spec["serviceName"], "user-service");
}

#[test]
fn every_field_round_trips_in_camel_case() {
    let spec = format!(
        "{BASE}  MYSQL: {{uris: m, username: u, password: p}}\n  kafka: {{uris: k}}\n  redis: {{uris: r, userName: u, password: p}}\n  rabbitmq: {{uris: q, userName: u, password: p}}\n  elasticsearch: {{uris: e, userName: u, password: p}}\n  envs: {{A: b}}\n  removeEnvs: [C]\n  configMaps:\n  - {{apiVersion: v1, kind: ConfigMap, metadata: {{name: app, namespace: shop}}, data: {{k: v}}, binaryData: {{b: aGk=}}}}\n  secrets:\n  - {{apiVersion: v1, kind: Secret, type: Opaque, metadata: {{name: db}}, data: {{pw: aGk=}}, stringData: {{user: u}}}}\n"
    );
    let r = decode(&document(&spec)).unwrap();
    let keys: Vec<&str> = r.spec.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "namespace",
            "serviceName",
            "trafficHeaderValue",
            "mysql",
            "kafka",
            "redis",
            "rabbitMq",
            "elasticSearch",
            "envs",
            "removeEnvs",
            "configMaps",
            "secrets"
        ]
    );
    assert_eq!(r.spec["mysql"], json!({"uris": "m", "userName": "u", "password": "p"}));
    assert_eq!(r.spec["secrets"][0]["type"], "Opaque");
}

/// Each hostile input and the field it is refused at.
#[test]
fn hostile_inputs_are_refused_at_their_field() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "no namespace",
            "  serviceName: order\n  trafficHeaderValue: t1\n",
            "spec.namespace",
        ),
        (
            "empty namespace",
            "  namespace: ''\n  serviceName: order\n  trafficHeaderValue: t1\n",
            "spec.namespace",
        ),
        (
            "upper-case namespace",
            "  namespace: Shop\n  serviceName: order\n  trafficHeaderValue: t1\n",
            "spec.namespace",
        ),
        (
            "namespace path traversal",
            "  namespace: ../kube-system\n  serviceName: order\n  trafficHeaderValue: t1\n",
            "spec.namespace",
        ),
        (
            "namespace too long",
            &format!(
                "  namespace: {}\n  serviceName: order\n  trafficHeaderValue: t1\n",
                "a".repeat(64)
            ),
            "spec.namespace",
        ),
        (
            "no service",
            "  namespace: shop\n  trafficHeaderValue: t1\n",
            "spec.serviceName",
        ),
        (
            "service with a slash",
            "  namespace: shop\n  serviceName: a/b\n  trafficHeaderValue: t1\n",
            "spec.serviceName",
        ),
        (
            "no header value",
            "  namespace: shop\n  serviceName: order\n",
            "spec.trafficHeaderValue",
        ),
        (
            "header value with CRLF",
            "  namespace: shop\n  serviceName: order\n  trafficHeaderValue: \"a\\r\\nX-Evil: 1\"\n",
            "spec.trafficHeaderValue",
        ),
        (
            "header value upper case",
            "  namespace: shop\n  serviceName: order\n  trafficHeaderValue: Blue\n",
            "spec.trafficHeaderValue",
        ),
        (
            "header value ending in a dash",
            "  namespace: shop\n  serviceName: order\n  trafficHeaderValue: blue-\n",
            "spec.trafficHeaderValue",
        ),
        (
            "header value too long for a label",
            &format!(
                "  namespace: shop\n  serviceName: order\n  trafficHeaderValue: {}\n",
                "a".repeat(57)
            ),
            "spec.trafficHeaderValue",
        ),
        (
            "header value a number",
            "  namespace: shop\n  serviceName: order\n  trafficHeaderValue: 7\n",
            "spec.trafficHeaderValue",
        ),
        ("unknown field", &format!("{BASE}  replicas: 3\n"), "spec.replicas"),
        (
            "mysql without password",
            &format!("{BASE}  mysql: {{uris: m, userName: u}}\n"),
            "spec.mysql.password",
        ),
        (
            "mysql empty password",
            &format!("{BASE}  mysql: {{uris: m, userName: u, password: ''}}\n"),
            "spec.mysql.password",
        ),
        (
            "redis empty uris",
            &format!("{BASE}  redis: {{uris: ' ', userName: u, password: p}}\n"),
            "spec.redis.uris",
        ),
        (
            "kafka with a password",
            &format!("{BASE}  kafka: {{uris: k, password: p}}\n"),
            "spec.kafka.password",
        ),
        ("rabbitMq a list", &format!("{BASE}  rabbitMq: [a]\n"), "spec.rabbitMq"),
        (
            "env value not a string",
            &format!("{BASE}  envs: {{A: {{b: c}}}}\n"),
            "spec.envs.A",
        ),
        (
            "env name with '='",
            &format!("{BASE}  envs: {{'A=B': c}}\n"),
            "spec.envs.A=B",
        ),
        (
            "env name with a space",
            &format!("{BASE}  envs: {{'A B': c}}\n"),
            "spec.envs.A B",
        ),
        (
            "removed env also set",
            &format!("{BASE}  envs: {{A: b}}\n  removeEnvs: [A]\n"),
            "spec.removeEnvs[0]",
        ),
        (
            "removed env twice",
            &format!("{BASE}  removeEnvs: [A, A]\n"),
            "spec.removeEnvs[1]",
        ),
        (
            "removed env empty",
            &format!("{BASE}  removeEnvs: ['']\n"),
            "spec.removeEnvs[0]",
        ),
        (
            "configMap without name",
            &format!("{BASE}  configMaps: [{{metadata: {{}}, data: {{k: v}}}}]\n"),
            "spec.configMaps[0].metadata.name",
        ),
        (
            "configMap name with a slash",
            &format!("{BASE}  configMaps: [{{metadata: {{name: a/b}}, data: {{k: v}}}}]\n"),
            "spec.configMaps[0].metadata.name",
        ),
        (
            "configMap of another namespace",
            &format!("{BASE}  configMaps: [{{metadata: {{name: a, namespace: prod}}, data: {{k: v}}}}]\n"),
            "spec.configMaps[0].metadata.namespace",
        ),
        (
            "configMap of another kind",
            &format!("{BASE}  configMaps: [{{kind: Secret, metadata: {{name: a}}, data: {{k: v}}}}]\n"),
            "spec.configMaps[0].kind",
        ),
        (
            "configMap of another version",
            &format!("{BASE}  configMaps: [{{apiVersion: v2, metadata: {{name: a}}, data: {{k: v}}}}]\n"),
            "spec.configMaps[0].apiVersion",
        ),
        (
            "configMap key traversal",
            &format!("{BASE}  configMaps: [{{metadata: {{name: a}}, data: {{'../etc': v}}}}]\n"),
            "spec.configMaps[0].data.../etc",
        ),
        (
            "configMap binary not base64",
            &format!("{BASE}  configMaps: [{{metadata: {{name: a}}, binaryData: {{b: '%%%'}}}}]\n"),
            "spec.configMaps[0].binaryData.b",
        ),
        (
            "configMap key in data and binaryData",
            &format!("{BASE}  configMaps: [{{metadata: {{name: a}}, data: {{k: v}}, binaryData: {{k: aGk=}}}}]\n"),
            "spec.configMaps[0].binaryData.k",
        ),
        (
            "configMap with no key",
            &format!("{BASE}  configMaps: [{{metadata: {{name: a}}}}]\n"),
            "spec.configMaps[0]",
        ),
        (
            "configMap named twice",
            &format!(
                "{BASE}  configMaps: [{{metadata: {{name: a}}, data: {{k: v}}}}, {{metadata: {{name: a}}, data: {{j: v}}}}]\n"
            ),
            "spec.configMaps[1]",
        ),
        (
            "configMap with a status",
            &format!("{BASE}  configMaps: [{{metadata: {{name: a}}, data: {{k: v}}, status: x}}]\n"),
            "spec.configMaps[0].status",
        ),
        (
            "secret data not base64",
            &format!("{BASE}  secrets: [{{metadata: {{name: s}}, data: {{pw: 'not base64!'}}}}]\n"),
            "spec.secrets[0].data.pw",
        ),
        (
            "secret key in data and stringData",
            &format!("{BASE}  secrets: [{{metadata: {{name: s}}, data: {{pw: aGk=}}, stringData: {{pw: x}}}}]\n"),
            "spec.secrets[0].stringData.pw",
        ),
        (
            "secret of another kind",
            &format!("{BASE}  secrets: [{{kind: ConfigMap, metadata: {{name: s}}, stringData: {{a: b}}}}]\n"),
            "spec.secrets[0].kind",
        ),
        (
            "secrets not a list",
            &format!("{BASE}  secrets: {{a: b}}\n"),
            "spec.secrets",
        ),
    ];
    let mut failures = Vec::new();
    for (name, spec, field) in cases {
        match decode(&document(spec)) {
            Ok(r) => failures.push(format!("{name}: accepted as {}", r.spec)),
            Err(err) => {
                if !err.problems().iter().any(|p| p.field == *field) {
                    failures.push(format!("{name}: expected a problem at {field}, got {}", err.report()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_problem_is_reported_at_once() {
    let err = decode(&document(
        "  namespace: Shop\n  serviceName: a/b\n  trafficHeaderValue: ''\n  mysql: {uris: m, userName: u}\n  envs: {A: b}\n  removeEnvs: [A]\n  secrets: [{metadata: {name: s}, data: {pw: '!'}}]\n",
    ))
    .unwrap_err();
    insta::assert_snapshot!(err.report());
}
