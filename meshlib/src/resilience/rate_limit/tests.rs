//! Limiter arithmetic and rule selection, with explicit instants.

use serde_json::json;

use super::*;

const MS: Duration = Duration::from_millis(1);

fn limiter(spec: serde_json::Value, now: Instant) -> Option<RateLimiter> {
    RateLimiter::new(&serde_json::from_value(spec).unwrap(), now)
}

/// One policy `p` over every path.
fn single(policy: serde_json::Value, now: Instant) -> RateLimiter {
    let mut policy = policy;
    policy["name"] = json!("p");
    limiter(
        json!({"policies": [policy], "urls": [{"url": {"prefix": "/"}, "policyRef": "p"}]}),
        now,
    )
    .unwrap()
}

fn rejected(policy: &str) -> Admission {
    Admission::Rejected {
        policy: policy.to_owned(),
    }
}

#[test]
fn gives_limit_for_period_permits_per_refresh_period() {
    let t0 = Instant::now();
    let l = single(
        json!({"limitForPeriod": 2, "limitRefreshPeriod": "1s", "timeoutDuration": "0s"}),
        t0,
    );
    assert_eq!(l.acquire("GET", "/", t0), Admission::Now);
    assert_eq!(l.acquire("GET", "/", t0 + 10 * MS), Admission::Now);
    assert_eq!(l.acquire("GET", "/", t0 + 20 * MS), rejected("p"));
    assert_eq!(l.acquire("GET", "/", t0 + 999 * MS), rejected("p"));
    assert_eq!(l.acquire("GET", "/", t0 + 1000 * MS), Admission::Now);
}

#[test]
fn unused_permits_do_not_pile_up() {
    let t0 = Instant::now();
    let l = single(
        json!({"limitForPeriod": 2, "limitRefreshPeriod": "1s", "timeoutDuration": "0s"}),
        t0,
    );
    let t = t0 + 5000 * MS;
    assert_eq!(l.acquire("GET", "/", t), Admission::Now);
    assert_eq!(l.acquire("GET", "/", t), Admission::Now);
    assert_eq!(l.acquire("GET", "/", t), rejected("p"));
}

#[test]
fn reserves_a_later_permit_within_the_timeout() {
    let t0 = Instant::now();
    let l = single(
        json!({"limitForPeriod": 1, "limitRefreshPeriod": "1s", "timeoutDuration": "1s"}),
        t0,
    );
    assert_eq!(l.acquire("GET", "/", t0), Admission::Now);
    // The next cycle's permit, 800 ms away.
    assert_eq!(l.acquire("GET", "/", t0 + 200 * MS), Admission::After(800 * MS));
    // That one is taken: the one after is 1.7 s away, beyond the timeout.
    assert_eq!(l.acquire("GET", "/", t0 + 300 * MS), rejected("p"));
    // In cycle 1 the reserved permit is owed, so the next free one is cycle 2's.
    assert_eq!(l.acquire("GET", "/", t0 + 1000 * MS), Admission::After(1000 * MS));
}

#[test]
fn rejection_takes_no_permit_and_the_timeout_is_inclusive() {
    let t0 = Instant::now();
    let l = single(
        json!({"limitForPeriod": 1, "limitRefreshPeriod": "1s", "timeoutDuration": "500ms"}),
        t0,
    );
    assert_eq!(l.acquire("GET", "/", t0), Admission::Now);
    assert_eq!(l.acquire("GET", "/", t0 + 100 * MS), rejected("p"));
    assert_eq!(l.acquire("GET", "/", t0 + 499 * MS), rejected("p"));
    assert_eq!(l.acquire("GET", "/", t0 + 500 * MS), Admission::After(500 * MS));
    assert_eq!(l.acquire("GET", "/", t0 + 600 * MS), rejected("p"));
}

#[test]
fn omitted_fields_take_easemesh_defaults() {
    let t0 = Instant::now();
    let l = single(json!({}), t0);
    let admissions: Vec<Admission> = (0..551).map(|_| l.acquire("GET", "/", t0)).collect();
    // 50 permits per 10 ms; waits of up to 100 ms reserve the next ten cycles' permits.
    assert!(admissions[..50].iter().all(|a| *a == Admission::Now));
    for cycle in 1..=10_u32 {
        let group = &admissions[usize::try_from(cycle * 50).unwrap()..][..50];
        assert!(
            group.iter().all(|a| *a == Admission::After(cycle * 10 * MS)),
            "cycle {cycle}"
        );
    }
    assert_eq!(admissions[550], rejected("p"));
}

#[test]
fn first_matching_rule_takes_a_permit_of_its_policy() {
    let t0 = Instant::now();
    let l = limiter(
        json!({
            "policies": [
                {"name": "a", "limitForPeriod": 1, "limitRefreshPeriod": "1s", "timeoutDuration": "0s"},
                {"name": "b", "limitForPeriod": 1, "limitRefreshPeriod": "1s", "timeoutDuration": "0s"},
            ],
            "defaultPolicyRef": "b",
            "urls": [
                {"methods": ["GET"], "url": {"prefix": "/api"}, "policyRef": "a"},
                {"url": {"exact": "/api/x"}},
                {"url": {"regex": "^/shared"}, "policyRef": "a"},
            ],
        }),
        t0,
    )
    .unwrap();
    assert_eq!(l.acquire("get", "/api/x", t0), Admission::Now, "methods ignore case");
    assert_eq!(l.acquire("GET", "/api/x", t0), rejected("a"));
    // Not a GET: the second rule, on the default policy.
    assert_eq!(l.acquire("POST", "/api/x", t0), Admission::Now);
    assert_eq!(l.acquire("POST", "/api/x", t0), rejected("b"));
    // Another rule naming policy a shares its permits.
    assert_eq!(l.acquire("POST", "/shared/1", t0), rejected("a"));
    for _ in 0..3 {
        assert_eq!(l.acquire("POST", "/elsewhere", t0), Admission::Now);
    }
}

#[test]
fn no_limiter_without_usable_rules() {
    let t0 = Instant::now();
    assert!(limiter(json!({"policies": [{"name": "a"}]}), t0).is_none());
    assert!(
        limiter(
            json!({"policies": [{"name": "a"}], "urls": [{"url": {"prefix": "/"}}]}),
            t0
        )
        .is_none()
    );
    assert!(
        limiter(
            json!({"policies": [{"name": "a"}], "urls": [{"url": {"prefix": "/"}, "policyRef": "b"}]}),
            t0
        )
        .is_none()
    );
    assert!(
        limiter(
            json!({"policies": [{"name": "a"}], "defaultPolicyRef": "a", "urls": [{"url": {}}]}),
            t0
        )
        .is_none()
    );
}

#[test]
fn carry_keeps_the_permits_of_unchanged_policies() {
    let t0 = Instant::now();
    let spec = |b_limit: u32, b_path: &str| -> spec::RateLimiter {
        serde_json::from_value(json!({
            "policies": [
                {"name": "a", "limitForPeriod": 1, "limitRefreshPeriod": "1h", "timeoutDuration": "0s"},
                {"name": "b", "limitForPeriod": b_limit, "limitRefreshPeriod": "1h", "timeoutDuration": "0s"},
            ],
            "urls": [
                {"url": {"prefix": "/a"}, "policyRef": "a"},
                {"url": {"prefix": b_path}, "policyRef": "b"},
            ],
        }))
        .unwrap()
    };
    let old = RateLimiter::new(&spec(1, "/b"), t0).unwrap();
    assert_eq!(old.acquire("GET", "/a", t0), Admission::Now);
    assert_eq!(old.acquire("GET", "/b", t0), Admission::Now);

    let same = RateLimiter::carry(&spec(1, "/b"), t0, Some(&old)).unwrap();
    assert_eq!(same.acquire("GET", "/a", t0), rejected("a"));
    assert_eq!(same.acquire("GET", "/b", t0), rejected("b"));

    // Policy b changed: it starts afresh; a, and a change of b's rule, keep a's state.
    let changed = RateLimiter::carry(&spec(2, "/c"), t0, Some(&old)).unwrap();
    assert_eq!(changed.acquire("GET", "/a", t0), rejected("a"));
    assert_eq!(changed.acquire("GET", "/c", t0), Admission::Now);
    assert_eq!(changed.acquire("GET", "/c", t0), Admission::Now);
    assert_eq!(changed.acquire("GET", "/c", t0), rejected("b"));
}
