//! EaseMesh's routes and flat bodies keep working, every answer is JSON, and EaseMesh's bugs
//! (part DELETE panicking, YAML error bodies, null lists) are not copied.

use std::io::{BufRead, BufReader, Read};

use serde_json::{Value, json};

use crate::support::Meshd;

struct Reply {
    status: u16,
    content_type: String,
    location: Option<String>,
    body: Value,
}

async fn call(meshd: &Meshd, method: &str, path: &str, body: Option<&str>) -> Reply {
    let http = reqwest::Client::new();
    let mut request = http.request(method.parse().unwrap(), meshd.http(path));
    if let Some(body) = body {
        request = request.header("Content-Type", "application/json").body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
    let content_type = header("content-type").unwrap_or_default();
    let location = header("location");
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text:?}"));
    Reply {
        status,
        content_type,
        location,
        body,
    }
}

#[tokio::test]
async fn objects_and_parts_through_easemesh_routes() {
    let dir = tempfile::tempdir().unwrap();
    let meshd = Meshd::start(dir.path());

    let r = call(&meshd, "GET", "/apis/v2/mesh/tenants", None).await;
    assert_eq!(
        (r.status, r.body.clone()),
        (200, json!([])),
        "empty lists are [], never null"
    );

    let r = call(
        &meshd,
        "POST",
        "/apis/v2/mesh/tenants",
        Some(r#"{"name":"pet","description":"d"}"#),
    )
    .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.location.as_deref(), Some("/apis/v2/mesh/tenants/pet"));
    assert!(r.content_type.starts_with("application/json"));
    let r = call(&meshd, "POST", "/apis/v2/mesh/tenants", Some(r#"{"name":"pet"}"#)).await;
    assert_eq!((r.status, r.body["code"].as_u64()), (409, Some(409)));

    let service = r#"{"name":"vets","registerTenant":"pet","sidecar":{"discoveryType":"eureka","address":"127.0.0.1","ingressPort":13001,"ingressProtocol":"http","egressPort":13002,"egressProtocol":"http"}}"#;
    assert_eq!(
        call(&meshd, "POST", "/apis/v2/mesh/services", Some(service))
            .await
            .status,
        201
    );
    let r = call(&meshd, "GET", "/apis/v2/mesh/services/vets", None).await;
    assert_eq!(
        (r.body["name"].as_str(), r.body["registerTenant"].as_str()),
        (Some("vets"), Some("pet"))
    );
    let r = call(&meshd, "GET", "/apis/v2/mesh/tenants/pet", None).await;
    assert_eq!(
        r.body["services"],
        json!(["vets"]),
        "tenant membership follows services"
    );

    // Parts: bare bodies, 404/409 as EaseMesh, DELETE of an absent part is a 404 (EaseMesh panicked).
    let lb = "/apis/v2/mesh/services/vets/loadbalance";
    assert_eq!(call(&meshd, "GET", lb, None).await.status, 404);
    assert_eq!(
        call(&meshd, "POST", lb, Some(r#"{"policy":"random"}"#)).await.status,
        201
    );
    assert_eq!(
        call(&meshd, "POST", lb, Some(r#"{"policy":"random"}"#)).await.status,
        409
    );
    assert_eq!(
        call(&meshd, "PUT", lb, Some(r#"{"policy":"ipHash"}"#)).await.status,
        200
    );
    assert_eq!(call(&meshd, "GET", lb, None).await.body, json!({"policy": "ipHash"}));
    assert_eq!(call(&meshd, "DELETE", lb, None).await.status, 200);
    assert_eq!(
        call(&meshd, "DELETE", "/apis/v2/mesh/services/vets/resilience", None)
            .await
            .status,
        404
    );
    let r = call(
        &meshd,
        "POST",
        "/apis/v2/mesh/services/ghost/mock",
        Some(r#"{"enabled":false}"#),
    )
    .await;
    assert_eq!(r.status, 404);

    // Validation errors list every problem, as JSON.
    let r = call(
        &meshd,
        "PUT",
        "/apis/v2/mesh/services/vets/resilience",
        Some(r#"{"failureCodes":[503]}"#),
    )
    .await;
    assert_eq!(r.status, 404, "PUT of an absent part is 404");
    let r = call(
        &meshd,
        "POST",
        "/apis/v2/mesh/services/vets/resilience",
        Some(r#"{"circuitBreaker":{"failureRateThreshold":0},"retry":{"maxAttempts":0}}"#),
    )
    .await;
    assert_eq!(r.status, 400);
    let fields: Vec<&str> = r.body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["spec.circuitBreaker.failureRateThreshold", "spec.retry.maxAttempts"]
    );

    // Bad bodies, unknown routes and methods: JSON too.
    let r = call(&meshd, "POST", "/apis/v2/mesh/tenants", Some("{not json")).await;
    assert_eq!((r.status, r.content_type.starts_with("application/json")), (400, true));
    assert_eq!(call(&meshd, "GET", "/apis/v2/nothing", None).await.status, 404);
    assert_eq!(
        call(&meshd, "PATCH", "/apis/v2/mesh/tenants/pet", None).await.status,
        405
    );

    // MeshController through /objects, with the YAML body EaseMesh's installer sends.
    let yaml = "kind: MeshController\nname: easemesh-controller\nheartbeatInterval: 5s\nregistryType: consul\n";
    let r = call(&meshd, "POST", "/apis/v2/objects", Some(yaml)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = call(&meshd, "GET", "/apis/v2/objects/easemesh-controller", None).await;
    assert_eq!(
        (r.body["kind"].as_str(), r.body["registryType"].as_str()),
        (Some("MeshController"), Some("consul"))
    );

    // Optimistic concurrency on the envelope routes.
    let r = call(&meshd, "GET", "/apis/v2/resources/tenants/pet", None).await;
    let version = r.body["metadata"]["resourceVersion"].as_str().unwrap().to_owned();
    let update = |v: &str, d: &str| {
        json!({"kind": "Tenant", "metadata": {"name": "pet", "resourceVersion": v}, "spec": {"description": d}})
            .to_string()
    };
    assert_eq!(
        call(
            &meshd,
            "PUT",
            "/apis/v2/resources/tenants/pet",
            Some(&update(&version, "one"))
        )
        .await
        .status,
        200
    );
    let r = call(
        &meshd,
        "PUT",
        "/apis/v2/resources/tenants/pet",
        Some(&update(&version, "two")),
    )
    .await;
    assert_eq!(r.status, 409);
    assert_eq!(
        call(&meshd, "GET", "/apis/v2/mesh/tenants/pet", None).await.body["description"],
        "one"
    );

    // The OpenAPI document covers every kind.
    let r = call(&meshd, "GET", "/openapi.json", None).await;
    for info in meshlib::kind::KINDS {
        let path = format!("/apis/v2/resources/{}", info.plural);
        assert!(
            r.body["paths"].get(&path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
}

#[tokio::test]
async fn custom_resources_and_their_watch() {
    let dir = tempfile::tempdir().unwrap();
    let meshd = Meshd::start(dir.path());
    let kind = r#"{"name":"LoadTest","jsonSchema":{"type":"object","required":["name","serviceName"],"properties":{"serviceName":{"type":"string"}}}}"#;
    assert_eq!(
        call(&meshd, "POST", "/apis/v2/mesh/customresourcekinds", Some(kind))
            .await
            .status,
        201
    );
    let r = call(
        &meshd,
        "POST",
        "/apis/v2/mesh/customresources",
        Some(r#"{"kind":"LoadTest","name":"s1"}"#),
    )
    .await;
    assert_eq!(r.status, 400, "schema requires serviceName: {:?}", r.body);
    let r = call(
        &meshd,
        "POST",
        "/apis/v2/mesh/customresources",
        Some(r#"{"kind":"Nope","name":"s1"}"#),
    )
    .await;
    assert_eq!(r.status, 404);
    let one = r#"{"kind":"LoadTest","name":"s1","serviceName":"vets"}"#;
    assert_eq!(
        call(&meshd, "POST", "/apis/v2/mesh/customresources", Some(one))
            .await
            .status,
        201
    );

    // EaseMesh's watch: the whole list after every change, CRLF-terminated.
    let url = meshd.http("/apis/v2/mesh/watchcustomresources/LoadTest");
    let (opened_tx, opened) = tokio::sync::oneshot::channel();
    let reader = std::thread::spawn(move || {
        let mut curl = std::process::Command::new("curl")
            .args(["-sN", "--max-time", "5", &url])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(curl.stdout.take().unwrap());
        let mut first = String::new();
        lines.read_line(&mut first).unwrap();
        let _ = opened_tx.send(());
        let mut second = String::new();
        lines.read_line(&mut second).unwrap();
        let mut rest = String::new();
        let _ = lines.read_to_string(&mut rest);
        let _ = curl.wait();
        (first, second)
    });
    // The watch is open (its first list arrived) before the change it must see.
    opened.await.unwrap();
    let two = r#"{"kind":"LoadTest","name":"s2","serviceName":"visits"}"#;
    assert_eq!(
        call(&meshd, "POST", "/apis/v2/mesh/customresources", Some(two))
            .await
            .status,
        201
    );
    let (first, second) = reader.join().unwrap();
    assert!(
        first.ends_with("\r\n") && second.ends_with("\r\n"),
        "{first:?} {second:?}"
    );
    let first: Vec<Value> = serde_json::from_str(first.trim()).unwrap();
    let second: Vec<Value> = serde_json::from_str(second.trim()).unwrap();
    assert_eq!((first.len(), second.len()), (1, 2));
    assert_eq!(second[1]["serviceName"], "visits");

    let r = call(&meshd, "GET", "/apis/v2/mesh/customresources", None).await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(2));
    assert_eq!(
        call(&meshd, "DELETE", "/apis/v2/mesh/customresourcekinds/LoadTest", None)
            .await
            .status,
        409
    );
    assert_eq!(
        call(&meshd, "DELETE", "/apis/v2/mesh/customresources/LoadTest/s1", None)
            .await
            .status,
        200
    );
}

/// Every refusal, including axum's own (query, path, body, route, method), is the documented
/// JSON error with a reason programs can branch on.
#[tokio::test]
async fn every_refusal_is_a_json_error_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let meshd = Meshd::start(dir.path());
    let cases: &[(&str, &str, Option<&str>, u16, &str)] = &[
        (
            "DELETE",
            "/apis/v2/resources/tenants/pet?resourceVersion=",
            None,
            400,
            "BadRequest",
        ),
        ("GET", "/apis/v2/resources/tenants?watch=maybe", None, 400, "BadRequest"),
        ("POST", "/apis/v2/resources/tenants", Some("{"), 400, "BadRequest"),
        (
            "POST",
            "/apis/v2/resources/tenants",
            Some(r#"{"metadata":{"name":""},"spec":{}}"#),
            400,
            "Invalid",
        ),
        ("GET", "/apis/v2/resources/tenants/pet", None, 404, "NotFound"),
        ("GET", "/apis/v2/resources/Widget", None, 404, "UnknownKind"),
        ("GET", "/apis/v2/nowhere", None, 404, "NoRoute"),
        (
            "POST",
            "/apis/v2/resources/serviceinstances",
            Some("{}"),
            405,
            "MethodNotAllowed",
        ),
        ("PATCH", "/apis/v2/resources/tenants", None, 405, "MethodNotAllowed"),
    ];
    for (method, path, body, status, reason) in cases {
        let r = call(&meshd, method, path, *body).await;
        assert!(
            r.content_type.starts_with("application/json"),
            "{method} {path}: {}",
            r.content_type
        );
        assert_eq!(
            (r.status, r.body["code"].as_u64(), r.body["reason"].as_str()),
            (*status, Some(u64::from(*status)), Some(*reason)),
            "{method} {path}: {}",
            r.body
        );
    }
}
