//! Resilience and mock in the data path: retries on another attempt, the circuit breaker opening
//! and closing again, the callee's rate limit and time limit, and mocks of a service with no
//! instance — all configured on the called service, applied by real sidecars.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use meshlib::kind::Kind;
use serde_json::json;

use crate::mesh::{Sidecar, app, call, object, shop_with, status_of};
use crate::support::{Meshd, eventually};

/// A call through the egress: status, the headers asked for, body.
async fn call_with(egress: &str, path: &str, service: &str, wanted: &[&str]) -> (u16, Vec<Option<String>>, String) {
    let response = reqwest::Client::new()
        .get(format!("http://{egress}{path}"))
        .header("X-Mesh-Rpc-Service", service)
        .send()
        .await
        .unwrap();
    let headers = wanted
        .iter()
        .map(|name| Some(response.headers().get(*name)?.to_str().ok()?.to_owned()))
        .collect();
    (response.status().as_u16(), headers, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_breakers_limits_and_mocks_follow_the_called_service() {
    let dir = tempfile::tempdir().unwrap();
    let meshd = Meshd::start(dir.path());
    let client = meshd.client();
    shop_with(&client, &["front", "back", "limited", "mocked"]).await;
    let resilient = json!({"registerTenant": "shop", "resilience": {
        "retry": {"maxAttempts": 3, "waitDuration": "10ms"},
        "circuitBreaker": {"slidingWindowType": "COUNT_BASED", "slidingWindowSize": 4, "minimumNumberOfCalls": 4,
                           "failureRateThreshold": 75, "waitDurationInOpenState": "1s",
                           "permittedNumberOfCallsInHalfOpenState": 1}}});
    client.apply(&object(Kind::Service, "back", resilient)).await.unwrap();
    let limited = json!({"registerTenant": "shop", "resilience": {
        "rateLimiter": {"policies": [{"name": "two", "limitForPeriod": 2, "limitRefreshPeriod": "1m",
                                      "timeoutDuration": "0s"}],
                        "urls": [{"url": {"prefix": "/limited"}, "policyRef": "two"}]},
        "timeLimiter": {"timeout": "500ms"}}});
    client.apply(&object(Kind::Service, "limited", limited)).await.unwrap();
    let mocked = json!({"registerTenant": "shop", "mock": {"enabled": true, "rules": [
        {"match": {"pathPrefix": "/hello"}, "code": 418, "headers": {"X-Mocked": "yes"}, "body": "mocked hello"}]}});
    client.apply(&object(Kind::Service, "mocked", mocked)).await.unwrap();
    let (back_app, limited_app, front_app) = (app("b-1"), app("l-1"), app("front"));
    let _back = Sidecar::spawn(&meshd.url, "back", "b-1", &back_app, &[]);
    let _limited = Sidecar::spawn(&meshd.url, "limited", "l-1", &limited_app, &[]);
    let front = Sidecar::spawn(&meshd.url, "front", "f-1", &front_app, &[]);
    let limit = Duration::from_secs(10);
    for id in ["back/b-1", "limited/l-1"] {
        eventually(limit, id, async || {
            (status_of(&meshd, id).await.as_deref() == Some("UP")).then_some(())
        })
        .await;
    }
    let egress = front.egress().await;
    eventually(limit, "both services reachable", async || {
        let back = call(&egress, "/ping", &[("X-Mesh-Rpc-Service", "back")]).await.0;
        let limited = call(&egress, "/ping", &[("X-Mesh-Rpc-Service", "limited")]).await.0;
        (back == 200 && limited == 200).then_some(())
    })
    .await;

    // Retry: every other call of /flaky fails; each call still succeeds, on its second attempt.
    let before = back_app.calls.load(Ordering::SeqCst);
    if before % 2 == 1 {
        // Line the app's alternation up so that every first attempt is the failing one.
        call(&egress, "/ping", &[("X-Mesh-Rpc-Service", "back")]).await;
    }
    let before = back_app.calls.load(Ordering::SeqCst);
    for _ in 0..3 {
        let (code, _, body) = call_with(&egress, "/flaky", "back", &[]).await;
        assert_eq!((code, body.as_str()), (200, "b-1 /flaky canary="));
    }
    assert_eq!(back_app.calls.load(Ordering::SeqCst) - before, 6, "one retry per call");

    // Circuit breaker: a broken backend opens it; then calls are refused without reaching it.
    // (Its window still holds the /flaky calls, so it opens within the next call's retries.)
    back_app.failing.store(true, Ordering::SeqCst);
    let (_, headers, body) = eventually(limit, "the breaker open", async || {
        let answer = call_with(&egress, "/orders", "back", &["x-mesh-error", "retry-after"]).await;
        (answer.0 == 503).then_some(answer)
    })
    .await;
    assert!(body.contains("circuit breaker of back is open"), "{body}");
    assert_eq!(headers, [Some("true".to_owned()), Some("1".to_owned())]);
    let reached = back_app.calls.load(Ordering::SeqCst);
    assert_eq!(call_with(&egress, "/orders", "back", &[]).await.0, 503);
    assert_eq!(
        back_app.calls.load(Ordering::SeqCst),
        reached,
        "an open breaker does not call"
    );
    let config = front.config().await;
    assert_eq!(
        config["circuitBreakers"]["back"], "OPEN",
        "{}",
        config["circuitBreakers"]
    );
    // Healed, and after waitDurationInOpenState a trial call closes it again.
    back_app.failing.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (code, _, body) = call_with(&egress, "/orders", "back", &[]).await;
    assert_eq!((code, body.as_str()), (200, "b-1 /orders canary="));
    assert_eq!(front.config().await["circuitBreakers"]["back"], "CLOSED");

    // Rate limit, applied by the called service's own sidecar: two per minute on /limited.
    for path in ["/limited/1", "/limited/2"] {
        assert_eq!(call_with(&egress, path, "limited", &[]).await.0, 200, "{path}");
    }
    let (code, _, body) = call_with(&egress, "/limited/3", "limited", &[]).await;
    assert_eq!(code, 429, "{body}");
    assert!(body.contains("policy two"), "{body}");
    assert_eq!(
        call_with(&egress, "/other", "limited", &[]).await.0,
        200,
        "other paths are not limited"
    );
    // Time limit: 504 after 500 ms, though the app takes 3 s.
    let start = Instant::now();
    let (code, _, body) = call_with(&egress, "/slow", "limited", &[]).await;
    assert_eq!(code, 504, "{body}");
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());

    // Mock: answered by the caller's sidecar although no instance of `mocked` exists.
    let (code, headers, body) = call_with(&egress, "/hello/there", "mocked", &["x-mocked", "x-mesh-mock"]).await;
    assert_eq!((code, body.as_str()), (418, "mocked hello"));
    assert_eq!(headers, [Some("yes".to_owned()), Some("true".to_owned())]);
    assert_eq!(
        call_with(&egress, "/other", "mocked", &[]).await.0,
        503,
        "no rule, no instance"
    );

    let metrics = front.get("/metrics").await.1;
    for series in [
        r#"mesh_sidecar_failures_total{direction="egress",service="back",reason="retried"}"#,
        r#"mesh_sidecar_failures_total{direction="egress",service="back",reason="circuit_open"}"#,
    ] {
        assert!(metrics.contains(series), "{series} missing from\n{metrics}");
    }
}
