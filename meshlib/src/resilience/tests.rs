//! A service's compiled policy, and state kept across configuration changes.

use serde_json::json;

use super::*;

const MS: Duration = Duration::from_millis(1);

fn service(spec: serde_json::Value) -> ServiceSpec {
    let mut spec = spec;
    spec["registerTenant"] = json!("t");
    serde_json::from_value(spec).unwrap()
}

/// Opens after one failure, for an hour; one permit per hour on `/`.
fn guarded(retry_attempts: u32, mock_enabled: bool) -> ServiceSpec {
    service(json!({
        "mock": {"enabled": mock_enabled, "rules": [{"match": {"path": "/mocked"}, "code": 200}]},
        "resilience": {
            "circuitBreaker": {"slidingWindowSize": 1, "minimumNumberOfCalls": 1, "waitDurationInOpenState": "1h"},
            "rateLimiter": {
                "policies": [{"name": "p", "limitForPeriod": 1, "limitRefreshPeriod": "1h", "timeoutDuration": "0s"}],
                "defaultPolicyRef": "p",
                "urls": [{"url": {"prefix": "/"}}],
            },
            "retry": {"maxAttempts": retry_attempts},
        },
    }))
}

/// Opens the breaker and spends the only permit.
fn use_up(policy: &ServicePolicy, now: Instant) {
    let breaker = policy.breaker.as_ref().unwrap();
    let permit = breaker.try_acquire(now).unwrap();
    breaker.record(permit, true, MS, now);
    assert_eq!(breaker.state(), BreakerState::Open);
    assert_eq!(
        policy.rate_limiter.as_ref().unwrap().acquire("GET", "/", now),
        Admission::Now
    );
}

fn breaker_state(policies: &Policies, name: &str) -> BreakerState {
    policies.get(name).unwrap().breaker.as_ref().unwrap().state()
}

fn admission(policies: &Policies, name: &str, now: Instant) -> Admission {
    policies
        .get(name)
        .unwrap()
        .rate_limiter
        .as_ref()
        .unwrap()
        .acquire("GET", "/", now)
}

#[test]
fn compiles_every_part_of_the_spec() {
    let now = Instant::now();
    let p = ServicePolicy::new(
        &service(json!({
            "mock": {"enabled": true, "rules": [{"code": 200}]},
            "resilience": {
                "rateLimiter": {"policies": [{"name": "p"}], "urls": [{"url": {"prefix": "/"}, "policyRef": "p"}]},
                "circuitBreaker": {"slidingWindowType": "COUNT_BASED"},
                "retry": {"maxAttempts": 4, "waitDuration": "20ms"},
                "timeLimiter": {"timeout": "2s"},
            },
        })),
        now,
    );
    assert!(p.mock.is_some());
    assert!(p.rate_limiter.is_some());
    assert_eq!(
        p.breaker.as_ref().map(CircuitBreaker::state),
        Some(BreakerState::Closed)
    );
    assert_eq!(
        p.retry.as_ref().map(|r| (r.max_attempts(), r.delay(1, 0.0))),
        Some((4, 20 * MS))
    );
    assert_eq!(p.timeout, Some(Duration::from_secs(2)));
}

#[test]
fn a_plain_service_has_no_policy_parts() {
    let p = ServicePolicy::new(&service(json!({})), Instant::now());
    assert!(p.mock.is_none() && p.rate_limiter.is_none() && p.breaker.is_none() && p.retry.is_none());
    assert_eq!(p.timeout, None);
}

#[test]
fn mock_is_left_out_when_disabled_or_without_rules() {
    let now = Instant::now();
    let disabled = service(json!({"mock": {"enabled": false, "rules": [{"code": 200}]}}));
    assert!(ServicePolicy::new(&disabled, now).mock.is_none());
    let empty = service(json!({"mock": {"enabled": true}}));
    assert!(ServicePolicy::new(&empty, now).mock.is_none());
}

#[test]
fn zero_or_broken_timeout_means_none() {
    let now = Instant::now();
    for timeout in ["0s", "soon"] {
        let spec = service(json!({"resilience": {"timeLimiter": {"timeout": timeout}}}));
        assert_eq!(ServicePolicy::new(&spec, now).timeout, None, "{timeout}");
    }
}

#[test]
fn failures_are_5xx_without_failure_codes() {
    let p = ServicePolicy::new(&service(json!({"resilience": {}})), Instant::now());
    for status in [500, 503, 599] {
        assert!(p.is_failure(status), "{status}");
    }
    for status in [200, 404, 429, 499, 600] {
        assert!(!p.is_failure(status), "{status}");
    }
}

#[test]
fn failures_are_exactly_the_failure_codes_when_given() {
    let p = ServicePolicy::new(
        &service(json!({"resilience": {"failureCodes": [429, 502]}})),
        Instant::now(),
    );
    assert!(p.is_failure(429));
    assert!(p.is_failure(502));
    assert!(!p.is_failure(500));
    assert!(!p.is_failure(200));
}

#[test]
fn update_keeps_an_unchanged_service_as_is() {
    let t0 = Instant::now();
    let spec = guarded(3, true);
    let first = Policies::new().update([("a", &spec)], t0);
    use_up(first.get("a").unwrap(), t0);
    let second = first.update([("a", &spec)], t0 + MS);
    assert!(Arc::ptr_eq(first.get("a").unwrap(), second.get("a").unwrap()));
    assert_eq!(breaker_state(&second, "a"), BreakerState::Open);
    assert_eq!(
        admission(&second, "a", t0),
        Admission::Rejected { policy: "p".to_owned() }
    );
}

#[test]
fn update_keeps_breaker_and_limiter_state_when_only_other_settings_change() {
    let t0 = Instant::now();
    let first = Policies::new().update([("a", &guarded(3, true))], t0);
    use_up(first.get("a").unwrap(), t0);
    for changed in [guarded(5, true), guarded(3, false)] {
        let next = first.update([("a", &changed)], t0 + MS);
        assert!(!Arc::ptr_eq(first.get("a").unwrap(), next.get("a").unwrap()));
        assert_eq!(breaker_state(&next, "a"), BreakerState::Open);
        assert_eq!(
            admission(&next, "a", t0),
            Admission::Rejected { policy: "p".to_owned() }
        );
    }
    let next = first.update([("a", &guarded(5, false))], t0 + MS);
    assert_eq!(
        next.get("a").unwrap().retry.as_ref().map(RetryPolicy::max_attempts),
        Some(5)
    );
    assert!(next.get("a").unwrap().mock.is_none());
}

#[test]
fn update_resets_the_state_whose_settings_changed() {
    let t0 = Instant::now();
    let first = Policies::new().update([("a", &guarded(3, true))], t0);
    use_up(first.get("a").unwrap(), t0);

    let mut new_breaker = guarded(3, true);
    let resilience = new_breaker.resilience.as_mut().unwrap();
    resilience.circuit_breaker.as_mut().unwrap().failure_rate_threshold = Some(90);
    let next = first.update([("a", &new_breaker)], t0 + MS);
    assert_eq!(breaker_state(&next, "a"), BreakerState::Closed);
    assert_eq!(
        admission(&next, "a", t0),
        Admission::Rejected { policy: "p".to_owned() }
    );

    let mut new_limit = guarded(3, true);
    let resilience = new_limit.resilience.as_mut().unwrap();
    resilience.rate_limiter.as_mut().unwrap().policies[0].limit_for_period = Some(2);
    let next = first.update([("a", &new_limit)], t0 + MS);
    assert_eq!(breaker_state(&next, "a"), BreakerState::Open);
    assert_eq!(admission(&next, "a", t0 + MS), Admission::Now);
}

#[test]
fn update_adds_and_drops_services() {
    let t0 = Instant::now();
    let spec = guarded(3, true);
    let plain = service(json!({}));
    let first = Policies::new().update([("b", &spec), ("a", &plain)], t0);
    assert_eq!(first.iter().map(|(name, _)| name).collect::<Vec<_>>(), ["a", "b"]);
    use_up(first.get("b").unwrap(), t0);
    let second = first.update([("a", &plain)], t0);
    assert!(second.get("b").is_none());
    assert!(Policies::new().get("a").is_none());
    // A service that comes back starts afresh.
    let third = second.update([("a", &plain), ("b", &spec)], t0);
    assert_eq!(breaker_state(&third, "b"), BreakerState::Closed);
}
