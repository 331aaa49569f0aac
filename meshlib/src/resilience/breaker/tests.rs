//! The breaker's state machine, driven call by call with explicit instants.

use serde_json::json;

use super::*;

const MS: Duration = Duration::from_millis(1);
const SEC: Duration = Duration::from_secs(1);

fn breaker(spec: serde_json::Value, now: Instant) -> CircuitBreaker {
    CircuitBreaker::new(&serde_json::from_value(spec).unwrap(), now)
}

/// Makes one call that ends at `now` and took `elapsed`.
fn call(b: &CircuitBreaker, failure: bool, elapsed: Duration, now: Instant) -> Result<(), Open> {
    let permit = b.try_acquire(now)?;
    b.record(permit, failure, elapsed, now);
    Ok(())
}

fn fail(b: &CircuitBreaker, now: Instant) -> Result<(), Open> {
    call(b, true, MS, now)
}

fn succeed(b: &CircuitBreaker, now: Instant) -> Result<(), Open> {
    call(b, false, MS, now)
}

/// A count-based breaker that opens at 50 % failures over the last 4 calls, once 4 are in.
fn four_calls(t0: Instant) -> CircuitBreaker {
    breaker(
        json!({"slidingWindowType": "COUNT_BASED", "slidingWindowSize": 4, "minimumNumberOfCalls": 4,
               "failureRateThreshold": 50, "slowCallRateThreshold": 100,
               "waitDurationInOpenState": "10s", "permittedNumberOfCallsInHalfOpenState": 2}),
        t0,
    )
}

/// Opens `b` with failures and returns when it opened.
fn trip(b: &CircuitBreaker, t0: Instant) -> Instant {
    for _ in 0..4 {
        fail(b, t0).unwrap();
    }
    assert_eq!(b.state(), BreakerState::Open);
    t0
}

#[test]
fn stays_closed_until_minimum_number_of_calls() {
    let t0 = Instant::now();
    let b = four_calls(t0);
    for _ in 0..3 {
        fail(&b, t0).unwrap();
        assert_eq!(b.state(), BreakerState::Closed);
    }
    fail(&b, t0).unwrap();
    assert_eq!(b.state(), BreakerState::Open);
}

#[test]
fn opens_when_failure_rate_reaches_threshold() {
    let t0 = Instant::now();
    let below = four_calls(t0);
    for failure in [true, false, false, false] {
        call(&below, failure, MS, t0).unwrap();
    }
    assert_eq!(below.state(), BreakerState::Closed);
    let at = four_calls(t0);
    for failure in [true, false, true, false] {
        call(&at, failure, MS, t0).unwrap();
    }
    assert_eq!(at.state(), BreakerState::Open, "50 % failures reach a 50 % threshold");
}

#[test]
fn count_window_judges_only_the_last_calls() {
    let t0 = Instant::now();
    let b = four_calls(t0);
    for failure in [false, false, false, true] {
        call(&b, failure, MS, t0).unwrap();
    }
    assert_eq!(b.state(), BreakerState::Closed);
    // 2 failures in 5 calls is 40 %, but the window holds the last 4: 50 %.
    fail(&b, t0).unwrap();
    assert_eq!(b.state(), BreakerState::Open);
}

#[test]
fn count_window_needs_no_more_calls_than_it_holds() {
    let t0 = Instant::now();
    let b = breaker(json!({"slidingWindowSize": 2, "minimumNumberOfCalls": 5}), t0);
    fail(&b, t0).unwrap();
    fail(&b, t0).unwrap();
    assert_eq!(b.state(), BreakerState::Open);
}

#[test]
fn time_window_judges_only_the_last_seconds() {
    let t0 = Instant::now();
    let b = breaker(
        json!({"slidingWindowType": "TIME_BASED", "slidingWindowSize": 2, "minimumNumberOfCalls": 2,
               "failureRateThreshold": 60}),
        t0,
    );
    fail(&b, t0).unwrap();
    succeed(&b, t0 + SEC).unwrap();
    assert_eq!(b.state(), BreakerState::Closed, "1 of 2 is 50 %");
    // Second 0 has left the window: [success, failure] is 50 %, though 2 of 3 calls failed.
    fail(&b, t0 + 2500 * MS).unwrap();
    assert_eq!(b.state(), BreakerState::Closed);
    fail(&b, t0 + 2600 * MS).unwrap();
    assert_eq!(b.state(), BreakerState::Open, "2 of 3 in the window is 67 %");
}

#[test]
fn time_window_needs_minimum_number_of_calls_whatever_its_size() {
    let t0 = Instant::now();
    let b = breaker(
        json!({"slidingWindowType": "TIME_BASED", "slidingWindowSize": 2, "minimumNumberOfCalls": 5}),
        t0,
    );
    for _ in 0..4 {
        fail(&b, t0).unwrap();
    }
    assert_eq!(b.state(), BreakerState::Closed);
    fail(&b, t0).unwrap();
    assert_eq!(b.state(), BreakerState::Open);
}

#[test]
fn time_window_evicted_calls_do_not_count_towards_the_minimum() {
    let t0 = Instant::now();
    let b = breaker(
        json!({"slidingWindowType": "TIME_BASED", "slidingWindowSize": 1, "minimumNumberOfCalls": 2}),
        t0,
    );
    fail(&b, t0).unwrap();
    fail(&b, t0 + SEC).unwrap();
    assert_eq!(b.state(), BreakerState::Closed, "each second holds one call");
    fail(&b, t0 + 1500 * MS).unwrap();
    assert_eq!(b.state(), BreakerState::Open);
}

#[test]
fn opens_when_slow_call_rate_reaches_threshold() {
    let t0 = Instant::now();
    let spec = json!({"slidingWindowSize": 2, "minimumNumberOfCalls": 2, "slowCallRateThreshold": 50,
                      "slowCallDurationThreshold": "1s"});
    let at_threshold = breaker(spec.clone(), t0);
    call(&at_threshold, false, SEC, t0).unwrap();
    call(&at_threshold, false, SEC, t0).unwrap();
    assert_eq!(
        at_threshold.state(),
        BreakerState::Closed,
        "a call of exactly 1s is not slow"
    );
    let slower = breaker(spec, t0);
    call(&slower, false, SEC + MS, t0).unwrap();
    call(&slower, false, MS, t0).unwrap();
    assert_eq!(slower.state(), BreakerState::Open);
}

#[test]
fn slow_failures_count_as_slow_calls_too() {
    let t0 = Instant::now();
    let b = breaker(
        json!({"slidingWindowSize": 2, "minimumNumberOfCalls": 2, "failureRateThreshold": 100,
               "slowCallRateThreshold": 100, "slowCallDurationThreshold": "1s"}),
        t0,
    );
    call(&b, true, 2 * SEC, t0).unwrap();
    call(&b, false, 2 * SEC, t0).unwrap();
    assert_eq!(b.state(), BreakerState::Open, "failure rate 50 %, slow-call rate 100 %");
}

#[test]
fn open_breaker_refuses_until_its_wait_has_passed() {
    let t0 = Instant::now();
    let b = four_calls(t0);
    let opened = trip(&b, t0);
    assert_eq!(b.try_acquire(opened).unwrap_err().retry_after, 10 * SEC);
    assert_eq!(b.try_acquire(opened + 4 * SEC).unwrap_err().retry_after, 6 * SEC);
    assert_eq!(b.state(), BreakerState::Open);
    let permit = b.try_acquire(opened + 10 * SEC).expect("the wait has passed");
    assert_eq!(b.state(), BreakerState::HalfOpen);
    drop(permit);
}

#[test]
fn half_open_admits_only_its_trial_calls() {
    let t0 = Instant::now();
    let b = four_calls(t0);
    let t = trip(&b, t0) + 10 * SEC;
    let first = b.try_acquire(t).unwrap();
    let second = b.try_acquire(t).unwrap();
    assert_eq!(b.try_acquire(t).unwrap_err().retry_after, Duration::ZERO);
    b.record(first, false, MS, t);
    assert!(
        b.try_acquire(t).is_err(),
        "a recorded trial call does not free its slot"
    );
    assert_eq!(b.state(), BreakerState::HalfOpen);
    b.record(second, false, MS, t);
    assert_eq!(b.state(), BreakerState::Closed);
}

#[test]
fn healthy_trial_calls_close_it_with_a_fresh_window() {
    let t0 = Instant::now();
    let b = four_calls(t0);
    let t = trip(&b, t0) + 10 * SEC;
    succeed(&b, t).unwrap();
    succeed(&b, t).unwrap();
    assert_eq!(b.state(), BreakerState::Closed);
    // The four failures before are forgotten: three more stay below the minimum.
    for _ in 0..3 {
        fail(&b, t).unwrap();
    }
    assert_eq!(b.state(), BreakerState::Closed);
}

#[test]
fn failing_trial_calls_open_it_again_for_a_full_wait() {
    let t0 = Instant::now();
    let b = four_calls(t0);
    let t = trip(&b, t0) + 10 * SEC;
    succeed(&b, t).unwrap();
    fail(&b, t + SEC).unwrap();
    assert_eq!(b.state(), BreakerState::Open, "1 of 2 trial calls failed: 50 %");
    assert_eq!(b.try_acquire(t + 2 * SEC).unwrap_err().retry_after, 9 * SEC);
    assert!(b.try_acquire(t + 11 * SEC).is_ok());
}

#[test]
fn half_open_decides_after_minimum_number_of_calls_when_fewer_than_permitted() {
    let t0 = Instant::now();
    let b = breaker(
        json!({"slidingWindowSize": 1, "minimumNumberOfCalls": 2, "permittedNumberOfCallsInHalfOpenState": 4,
               "waitDurationInOpenState": "1s"}),
        t0,
    );
    fail(&b, t0).unwrap();
    assert_eq!(b.state(), BreakerState::Open);
    let t = t0 + SEC;
    succeed(&b, t).unwrap();
    assert_eq!(b.state(), BreakerState::HalfOpen);
    succeed(&b, t).unwrap();
    assert_eq!(b.state(), BreakerState::Closed);
}

#[test]
fn dropped_half_open_permit_gives_its_trial_slot_back() {
    let t0 = Instant::now();
    let b = breaker(
        json!({"slidingWindowSize": 1, "minimumNumberOfCalls": 1, "permittedNumberOfCallsInHalfOpenState": 1,
               "waitDurationInOpenState": "1s"}),
        t0,
    );
    fail(&b, t0).unwrap();
    let t = t0 + SEC;
    let aborted = b.try_acquire(t).unwrap();
    assert!(b.try_acquire(t).is_err());
    drop(aborted);
    assert_eq!(b.state(), BreakerState::HalfOpen, "an aborted call decides nothing");
    let trial = b.try_acquire(t).expect("the slot is free again");
    b.record(trial, false, MS, t);
    assert_eq!(b.state(), BreakerState::Closed);
}

#[test]
fn dropped_closed_permit_changes_nothing() {
    let t0 = Instant::now();
    let b = breaker(json!({"slidingWindowSize": 1, "minimumNumberOfCalls": 1}), t0);
    for _ in 0..5 {
        drop(b.try_acquire(t0).unwrap());
    }
    assert_eq!(b.state(), BreakerState::Closed);
    fail(&b, t0).unwrap();
    assert_eq!(
        b.state(),
        BreakerState::Open,
        "no outcome was recorded for the dropped permits"
    );
}

#[test]
fn outcome_of_a_call_admitted_in_an_earlier_state_is_dropped() {
    let t0 = Instant::now();
    let b = breaker(
        json!({"slidingWindowSize": 1, "minimumNumberOfCalls": 1, "permittedNumberOfCallsInHalfOpenState": 1,
               "waitDurationInOpenState": "1s"}),
        t0,
    );
    let early = b.try_acquire(t0).unwrap();
    fail(&b, t0).unwrap();
    let t = t0 + SEC;
    let trial = b.try_acquire(t).unwrap();
    b.record(early, false, MS, t);
    assert_eq!(b.state(), BreakerState::HalfOpen, "the early success is no trial call");
    b.record(trial, true, MS, t);
    assert_eq!(b.state(), BreakerState::Open);
}

#[test]
fn max_wait_in_half_open_opens_it_again() {
    let t0 = Instant::now();
    let b = breaker(
        json!({"slidingWindowSize": 1, "minimumNumberOfCalls": 1, "permittedNumberOfCallsInHalfOpenState": 1,
               "waitDurationInOpenState": "10s", "maxWaitDurationInHalfOpenState": "5s"}),
        t0,
    );
    fail(&b, t0).unwrap();
    let half_open = t0 + 10 * SEC;
    let hung = b.try_acquire(half_open).unwrap();
    assert_eq!(
        b.try_acquire(half_open + 4 * SEC).unwrap_err().retry_after,
        Duration::ZERO
    );
    assert_eq!(b.state(), BreakerState::HalfOpen);
    // Open again from the deadline, for a full wait.
    assert_eq!(b.try_acquire(half_open + 6 * SEC).unwrap_err().retry_after, 9 * SEC);
    assert_eq!(b.state(), BreakerState::Open);
    b.record(hung, false, MS, half_open + 7 * SEC);
    assert_eq!(b.state(), BreakerState::Open, "the late trial outcome decides nothing");
    assert!(b.try_acquire(half_open + 15 * SEC).is_ok());
    assert_eq!(b.state(), BreakerState::HalfOpen);
}

#[test]
fn recording_after_max_wait_in_half_open_opens_it_again() {
    let t0 = Instant::now();
    let b = breaker(
        json!({"slidingWindowSize": 1, "minimumNumberOfCalls": 1, "permittedNumberOfCallsInHalfOpenState": 1,
               "waitDurationInOpenState": "10s", "maxWaitDurationInHalfOpenState": "5s"}),
        t0,
    );
    fail(&b, t0).unwrap();
    let half_open = t0 + 10 * SEC;
    let slow_trial = b.try_acquire(half_open).unwrap();
    b.record(slow_trial, false, MS, half_open + 5 * SEC);
    assert_eq!(b.state(), BreakerState::Open, "the trial ended after the deadline");
}

#[test]
fn zero_max_wait_in_half_open_waits_forever() {
    let t0 = Instant::now();
    let b = breaker(
        json!({"slidingWindowSize": 1, "minimumNumberOfCalls": 1, "permittedNumberOfCallsInHalfOpenState": 1,
               "waitDurationInOpenState": "1s", "maxWaitDurationInHalfOpenState": "0s"}),
        t0,
    );
    fail(&b, t0).unwrap();
    let trial = b.try_acquire(t0 + SEC).unwrap();
    assert!(b.try_acquire(t0 + 3600 * SEC).is_err());
    assert_eq!(b.state(), BreakerState::HalfOpen);
    b.record(trial, false, MS, t0 + 3600 * SEC);
    assert_eq!(b.state(), BreakerState::Closed);
}

#[test]
fn omitted_fields_take_resilience4j_defaults() {
    let t0 = Instant::now();
    let b = breaker(json!({}), t0);
    // 100 calls in a window of 100 before judging; 50 % failures open it.
    for i in 0..99 {
        call(&b, i % 2 == 0, MS, t0).unwrap();
    }
    assert_eq!(b.state(), BreakerState::Closed);
    call(&b, false, MS, t0).unwrap();
    assert_eq!(b.state(), BreakerState::Open);
    // Open for 60 s, then 10 trial calls.
    assert_eq!(b.try_acquire(t0).unwrap_err().retry_after, 60 * SEC);
    let t = t0 + 60 * SEC;
    let trials: Vec<Permit> = (0..10).map(|_| b.try_acquire(t).unwrap()).collect();
    assert!(b.try_acquire(t).is_err());
    drop(trials);

    // A call is slow beyond 60 s, and only 100 % slow calls open it.
    let slow = breaker(json!({}), t0);
    for _ in 0..99 {
        call(&slow, false, 61 * SEC, t0).unwrap();
    }
    call(&slow, false, 60 * SEC, t0).unwrap();
    assert_eq!(slow.state(), BreakerState::Closed, "99 % slow");
    let all_slow = breaker(json!({}), t0);
    for _ in 0..100 {
        call(&all_slow, false, 61 * SEC, t0).unwrap();
    }
    assert_eq!(all_slow.state(), BreakerState::Open);
}

#[test]
fn carry_keeps_state_only_for_the_same_spec() {
    let t0 = Instant::now();
    let spec: spec::CircuitBreaker =
        serde_json::from_value(json!({"slidingWindowSize": 1, "minimumNumberOfCalls": 1})).unwrap();
    let b = CircuitBreaker::new(&spec, t0);
    fail(&b, t0).unwrap();
    let kept = CircuitBreaker::carry(&spec, t0, Some(&b));
    assert_eq!(kept.state(), BreakerState::Open);
    let changed = spec::CircuitBreaker {
        failure_rate_threshold: Some(60),
        ..spec.clone()
    };
    assert_eq!(
        CircuitBreaker::carry(&changed, t0, Some(&b)).state(),
        BreakerState::Closed
    );
    assert_eq!(CircuitBreaker::carry(&spec, t0, None).state(), BreakerState::Closed);
}

#[test]
fn state_names_are_resilience4js() {
    assert_eq!(BreakerState::HalfOpen.to_string(), "HALF_OPEN");
    assert_eq!(BreakerState::Closed.as_str(), "CLOSED");
    assert_eq!(serde_json::to_value(BreakerState::Open).unwrap(), json!("OPEN"));
    assert_eq!(
        serde_json::to_value(BreakerState::HalfOpen).unwrap(),
        json!("HALF_OPEN")
    );
}
