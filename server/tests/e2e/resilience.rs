//! Resilience and mock in the data path: retries on another attempt, the circuit breaker opening
//! and closing again, the callee's rate limit and time limit, and mocks of a service with no
//! instance — all configured on the called service, applied by real sidecars. Each test has a
//! mesh of its own: `front` calling one service configured for the behaviour under test.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use meshlib::kind::Kind;
use serde_json::{Value, json};

use crate::mesh::{App, Sidecar, app, object, shop_with, status_of};
use crate::support::{Meshd, eventually};

/// How long a mesh gets to come up, and a breaker to close.
const LIMIT: Duration = Duration::from_secs(10);

/// `front`'s sidecar calling `service`. Processes stop before the store's directory goes
/// (fields drop in order).
struct Caller {
    /// The egress of `front`'s sidecar (`127.0.0.1:PORT`).
    egress: String,
    service: String,
    front: Sidecar,
    /// The app of the called service's one instance (if it has one).
    callee: App,
    _callee_sidecar: Option<Sidecar>,
    _front_app: App,
    meshd: Meshd,
    _dir: tempfile::TempDir,
}

/// A mesh where `front` calls `service`, whose Service carries `spec` (in tenant `shop`). With
/// `instance`, the service has one instance behind its own sidecar, and this returns once
/// `front` reaches it; without, at once (the test waits for what it expects).
async fn front_calling(service: &str, spec: Value, instance: bool) -> Caller {
    let dir = tempfile::tempdir().unwrap();
    let meshd = Meshd::start(dir.path());
    let client = meshd.client();
    shop_with(&client, &["front", service]).await;
    let mut spec = spec;
    spec["registerTenant"] = json!("shop");
    client.apply(&object(Kind::Service, service, spec)).await.unwrap();
    let (callee, front_app) = (app(&format!("{service}-1")), app("front"));
    let callee_sidecar = instance.then(|| Sidecar::spawn(&meshd.url, service, &format!("{service}-1"), &callee, &[]));
    let front = Sidecar::spawn(&meshd.url, "front", "f-1", &front_app, &[]);
    let egress = front.egress().await;
    let caller = Caller {
        egress,
        service: service.to_owned(),
        front,
        callee,
        _callee_sidecar: callee_sidecar,
        _front_app: front_app,
        meshd,
        _dir: dir,
    };
    if instance {
        let id = format!("{service}/{service}-1");
        eventually(LIMIT, "the instance UP", async || {
            (status_of(&caller.meshd, &id).await.as_deref() == Some("UP")).then_some(())
        })
        .await;
        eventually(LIMIT, "the service reachable", async || {
            (caller.call("/ping", &[]).await.status == 200).then_some(())
        })
        .await;
    }
    caller
}

/// What a call through the egress answered.
struct Answer {
    status: u16,
    /// The headers asked for, in order.
    headers: Vec<Option<String>>,
    body: String,
}

impl Caller {
    /// Calls `path` of the service through `front`'s egress.
    async fn call(&self, path: &str, wanted: &[&str]) -> Answer {
        let response = reqwest::Client::new()
            .get(format!("http://{}{path}", self.egress))
            .header("X-Mesh-Rpc-Service", &self.service)
            .send()
            .await
            .unwrap();
        let headers = wanted
            .iter()
            .map(|name| Some(response.headers().get(*name)?.to_str().ok()?.to_owned()))
            .collect();
        let status = response.status().as_u16();
        Answer {
            status,
            headers,
            body: response.text().await.unwrap(),
        }
    }

    /// The callee's calls so far (health checks aside).
    fn calls(&self) -> usize {
        self.callee.calls.load(Ordering::SeqCst)
    }

    /// Asserts that `front`'s sidecar counted failures of calls to the service for `reason`.
    async fn assert_failures_counted(&self, reason: &str) {
        let series = format!(
            r#"mesh_sidecar_failures_total{{direction="egress",service="{}",reason="{reason}"}}"#,
            self.service
        );
        let metrics = self.front.get("/metrics").await.1;
        assert!(metrics.contains(&series), "{series} missing from\n{metrics}");
    }

    async fn breaker(&self) -> Value {
        self.front.config().await["circuitBreakers"][&self.service].clone()
    }
}

/// A breaker over 4 calls that opens at 3 failures and stays open 1 s.
fn breaker() -> Value {
    json!({"resilience": {"circuitBreaker": {
        "slidingWindowType": "COUNT_BASED", "slidingWindowSize": 4, "minimumNumberOfCalls": 4,
        "failureRateThreshold": 75, "waitDurationInOpenState": "1s",
        "permittedNumberOfCallsInHalfOpenState": 1}}})
}

/// Breaks the callee and calls until its breaker is open; returns the refusal and when it came.
async fn open_breaker(caller: &Caller) -> (Answer, Instant) {
    caller.callee.failing.store(true, Ordering::SeqCst);
    eventually(LIMIT, "the breaker open", async || {
        let answer = caller.call("/orders", &["x-mesh-error", "retry-after"]).await;
        (answer.status == 503).then(|| (answer, Instant::now()))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_attempt_is_retried_and_the_call_succeeds() {
    let retry = json!({"resilience": {"retry": {"maxAttempts": 3, "waitDuration": "10ms"}}});
    let caller = front_calling("back", retry, true).await;
    if caller.calls() % 2 == 1 {
        // Line the app's alternation up so that every first attempt of /flaky is the failing one.
        caller.call("/ping", &[]).await;
    }
    let before = caller.calls();
    for _ in 0..3 {
        let answer = caller.call("/flaky", &[]).await;
        assert_eq!((answer.status, answer.body.as_str()), (200, "back-1 /flaky canary="));
    }
    assert_eq!(caller.calls() - before, 6, "one retry per call");
    caller.assert_failures_counted("retried").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_open_the_breaker_and_an_open_breaker_calls_no_instance() {
    let caller = front_calling("back", breaker(), true).await;
    let (refused, _) = open_breaker(&caller).await;
    assert!(
        refused.body.contains("circuit breaker of back is open"),
        "{}",
        refused.body
    );
    assert_eq!(refused.headers, [Some("true".to_owned()), Some("1".to_owned())]);
    let reached = caller.calls();
    assert_eq!(caller.call("/orders", &[]).await.status, 503);
    assert_eq!(caller.calls(), reached, "an open breaker does not call");
    assert_eq!(caller.breaker().await, "OPEN");
    caller.assert_failures_counted("circuit_open").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_breaker_closes_after_its_wait_when_a_trial_call_succeeds() {
    let caller = front_calling("back", breaker(), true).await;
    let (_, opened) = open_breaker(&caller).await;
    caller.callee.failing.store(false, Ordering::SeqCst);
    let answer = eventually(LIMIT, "a call answered again", async || {
        let answer = caller.call("/orders", &[]).await;
        (answer.status != 503).then_some(answer)
    })
    .await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "back-1 /orders canary="));
    // Refused meanwhile: it opened a little before `opened`, for waitDurationInOpenState (1 s).
    assert!(opened.elapsed() >= Duration::from_millis(500), "{:?}", opened.elapsed());
    assert_eq!(caller.breaker().await, "CLOSED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_called_services_rate_limit_refuses_calls_over_it_on_its_paths_only() {
    let limited = json!({"resilience": {"rateLimiter": {
        "policies": [{"name": "two", "limitForPeriod": 2, "limitRefreshPeriod": "1m", "timeoutDuration": "0s"}],
        "urls": [{"url": {"prefix": "/limited"}, "policyRef": "two"}]}}});
    let caller = front_calling("limited", limited, true).await;
    for path in ["/limited/1", "/limited/2"] {
        assert_eq!(caller.call(path, &[]).await.status, 200, "{path}");
    }
    let refused = caller.call("/limited/3", &[]).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.body.contains("policy two"), "{}", refused.body);
    assert_eq!(
        caller.call("/other", &[]).await.status,
        200,
        "other paths are not limited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_called_services_time_limit_answers_504_without_waiting_for_the_app() {
    let limited = json!({"resilience": {"timeLimiter": {"timeout": "500ms"}}});
    let caller = front_calling("limited", limited, true).await;
    // The app takes 3 s on /slow.
    let start = Instant::now();
    let answer = caller.call("/slow", &[]).await;
    assert_eq!(answer.status, 504, "{}", answer.body);
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mocked_service_is_answered_by_the_callers_sidecar_without_any_instance() {
    let mocked = json!({"mock": {"enabled": true, "rules": [
        {"match": {"pathPrefix": "/hello"}, "code": 418, "headers": {"X-Mocked": "yes"}, "body": "mocked hello"}]}});
    let caller = front_calling("mocked", mocked, false).await;
    let answer = eventually(LIMIT, "the mock configured in front", async || {
        let answer = caller.call("/hello/there", &["x-mocked", "x-mesh-mock"]).await;
        (answer.status != 503).then_some(answer)
    })
    .await;
    assert_eq!((answer.status, answer.body.as_str()), (418, "mocked hello"));
    assert_eq!(answer.headers, [Some("yes".to_owned()), Some("true".to_owned())]);
    assert_eq!(caller.call("/other", &[]).await.status, 503, "no rule, no instance");
}
