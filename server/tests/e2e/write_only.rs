//! Write-only fields (ShadowService passwords and Secret data): stored as written, never read
//! back — not by GET, lists, watches, EaseMesh's routes or the answer to a write — and kept when
//! a client sends the placeholder back.

use serde_json::{Value, json};

use crate::support::Meshd;

const SECRET: &str = "hunter2-do-not-show";
const SECRET_B64: &str = "aHVudGVyMg==";

fn shadow(password: &str) -> Value {
    json!({
        "kind": "ShadowService",
        "metadata": {"name": "shadow-order"},
        "spec": {
            "namespace": "shop", "serviceName": "order", "trafficHeaderValue": "t1",
            "mysql": {"uris": "jdbc:mysql://staging/order", "userName": "order", "password": password},
            "secrets": [{"metadata": {"name": "order-db"}, "data": {"key": SECRET_B64}, "stringData": {"pw": SECRET}}]
        }
    })
}

async fn send(meshd: &Meshd, method: reqwest::Method, path: &str, body: Option<&Value>) -> (u16, String) {
    let mut request = reqwest::Client::new().request(method, meshd.http(path));
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn assert_hidden(what: &str, text: &str) {
    assert!(
        !text.contains(SECRET) && !text.contains(SECRET_B64),
        "{what} shows a write-only value: {text}"
    );
    assert!(text.contains(meshlib::redact::REDACTED), "{what}: {text}");
}

#[tokio::test]
async fn write_only_values_never_leave_the_control_plane() {
    let dir = tempfile::tempdir().unwrap();
    let meshd = Meshd::start(dir.path());
    let collection = "/apis/v2/resources/shadowservices";
    let object = "/apis/v2/resources/shadowservices/shadow-order";

    let (status, created) = send(&meshd, reqwest::Method::POST, collection, Some(&shadow(SECRET))).await;
    assert_eq!(status, 201, "{created}");
    assert_hidden("the answer to a create", &created);

    for path in [
        object,
        collection,
        "/apis/v2/mesh/shadowservices",
        "/apis/v2/mesh/shadowservices/shadow-order",
        "/apis/v2/mesh/customresources",
        "/apis/v2/mesh/customresources/ShadowService",
        "/apis/v2/mesh/customresources/ShadowService/shadow-order",
    ] {
        let (status, body) = send(&meshd, reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_hidden(path, &body);
    }

    // A watch's first events, then a change.
    let mut watch = reqwest::get(meshd.http(&format!("{collection}?watch=true")))
        .await
        .unwrap();
    let first = String::from_utf8(watch.chunk().await.unwrap().unwrap().to_vec()).unwrap();
    assert_hidden("a watch's ADDED event", &first);

    // What a GET shows, sent back, changes nothing: the placeholder keeps the stored value.
    let (_, shown) = send(&meshd, reqwest::Method::GET, object, None).await;
    let shown: Value = serde_json::from_str(&shown).unwrap();
    let (status, replaced) = send(&meshd, reqwest::Method::PUT, object, Some(&shown)).await;
    assert_eq!(status, 200, "{replaced}");
    let replaced: Value = serde_json::from_str(&replaced).unwrap();
    assert_eq!(
        replaced["metadata"]["resourceVersion"], shown["metadata"]["resourceVersion"],
        "sending the placeholder back is no change"
    );

    // A new password is a change, and is hidden on the watch too.
    let mut changed = shown.clone();
    changed["spec"]["mysql"]["password"] = json!("another-secret");
    let (status, body) = send(&meshd, reqwest::Method::PUT, object, Some(&changed)).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("another-secret"), "{body}");
    let mut seen = String::new();
    while !seen.contains("MODIFIED") {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), watch.chunk())
            .await
            .expect("the change reaches the watch")
            .unwrap()
            .unwrap();
        seen.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert!(!seen.contains("another-secret") && !seen.contains(SECRET_B64), "{seen}");

    // The placeholder cannot create a value out of nothing.
    let mut copy = shadow(meshlib::redact::REDACTED);
    copy["metadata"]["name"] = json!("shadow-copy");
    let (status, body) = send(&meshd, reqwest::Method::POST, collection, Some(&copy)).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("spec.mysql.password"), "{body}");

    let (status, deleted) = send(&meshd, reqwest::Method::DELETE, object, None).await;
    assert_eq!(status, 200, "{deleted}");
    assert_hidden("the answer to a delete", &deleted);
}
