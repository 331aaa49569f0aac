//! Retry: how many attempts a call gets and how long to wait between them (EaseMesh `retry`,
//! Easegress `RetryPolicy`; the defaults are resilience4j's, which Easegress shares).

use std::time::Duration;

use crate::spec::resilience::{BackOffPolicy, Retry};

/// resilience4j's defaults for what the spec leaves out.
mod default {
    use std::time::Duration;

    pub const MAX_ATTEMPTS: u32 = 3;
    pub const WAIT_DURATION: Duration = Duration::from_millis(500);
    /// `IntervalFunction.DEFAULT_RANDOMIZATION_FACTOR`, used by `ofRandomized`.
    pub const RANDOM_FACTOR: f64 = 0.5;
    /// `IntervalFunction.DEFAULT_MULTIPLIER`, the ×1.5 EaseMesh documents too.
    pub const MULTIPLIER: f64 = 1.5;
}

/// A compiled retry setting.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    wait: Duration,
    exponential: bool,
    factor: f64,
}

impl RetryPolicy {
    /// Compiles `spec`. Omitted fields: 3 attempts, 500 ms wait, a fixed wait (resilience4j's
    /// default interval) when `backOffPolicy` is omitted; `randomizationFactor` 0.5 for `random`
    /// (resilience4j's `ofRandomized`), 0 otherwise (no jitter unless asked for).
    #[must_use]
    pub fn new(spec: &Retry) -> Self {
        let factor = spec.randomization_factor.unwrap_or(match spec.back_off_policy {
            Some(BackOffPolicy::Random) => default::RANDOM_FACTOR,
            Some(BackOffPolicy::Exponential) | None => 0.0,
        });
        Self {
            max_attempts: spec.max_attempts.unwrap_or(default::MAX_ATTEMPTS).max(1),
            wait: spec
                .wait_duration
                .as_deref()
                .and_then(|d| crate::duration::parse(d).ok())
                .unwrap_or(default::WAIT_DURATION),
            exponential: spec.back_off_policy == Some(BackOffPolicy::Exponential),
            factor: if factor.is_finite() {
                factor.clamp(0.0, 1.0)
            } else {
                0.0
            },
        }
    }

    /// Attempts per call, the first included (at least 1).
    #[must_use]
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait after attempt `attempt` (1 for the first) failed, before the next one:
    /// `waitDuration`, times 1.5^(attempt−1) for `exponential`, then spread by the
    /// randomization factor f to `× (1 − f + 2f·random)`, i.e. within ±f of it. `random` is
    /// uniform in [0, 1) (values outside are clamped); tests pass fixed ones.
    #[must_use]
    pub fn delay(&self, attempt: u32, random: f64) -> Duration {
        let growth = if self.exponential {
            default::MULTIPLIER.powf(f64::from(attempt.max(1) - 1))
        } else {
            1.0
        };
        let random = if random.is_nan() { 0.5 } else { random.clamp(0.0, 1.0) };
        let spread = 1.0 - self.factor + 2.0 * self.factor * random;
        let nanos = (self.wait.as_nanos() as f64 * growth * spread).round();
        Duration::try_from_secs_f64(nanos / 1e9).unwrap_or(Duration::MAX)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn retry(spec: serde_json::Value) -> RetryPolicy {
        RetryPolicy::new(&serde_json::from_value(spec).unwrap())
    }

    #[test]
    fn omitted_fields_take_resilience4j_defaults() {
        let r = retry(json!({}));
        assert_eq!(r.max_attempts(), 3);
        assert_eq!(r.delay(1, 0.0), 500 * MS);
        assert_eq!(r.delay(2, 0.99), 500 * MS, "a fixed wait without a back-off policy");
    }

    #[test]
    fn random_back_off_spreads_the_wait_by_the_factor() {
        let r = retry(
            json!({"maxAttempts": 5, "waitDuration": "1s", "backOffPolicy": "random",
                             "randomizationFactor": 0.2}),
        );
        assert_eq!(r.max_attempts(), 5);
        assert_eq!(r.delay(1, 0.0), 800 * MS);
        assert_eq!(r.delay(1, 0.5), 1000 * MS);
        assert_eq!(r.delay(1, 0.75), 1100 * MS);
        assert_eq!(r.delay(4, 0.75), 1100 * MS, "random does not grow");
    }

    #[test]
    fn random_back_off_defaults_to_half_spread() {
        let r = retry(json!({"waitDuration": "1s", "backOffPolicy": "random"}));
        assert_eq!(r.delay(1, 0.0), 500 * MS);
        assert_eq!(r.delay(1, 0.75), 1250 * MS);
    }

    #[test]
    fn exponential_back_off_grows_by_half_per_attempt() {
        let r = retry(json!({"waitDuration": "100ms", "backOffPolicy": "exponential"}));
        assert_eq!(r.delay(1, 0.9), 100 * MS, "no jitter without a factor");
        assert_eq!(r.delay(2, 0.9), 150 * MS);
        assert_eq!(r.delay(3, 0.9), 225 * MS);
        assert_eq!(r.delay(0, 0.9), 100 * MS, "attempt 0 reads as the first");
    }

    #[test]
    fn exponential_back_off_takes_jitter_when_asked() {
        let r = retry(json!({"waitDuration": "100ms", "backOffPolicy": "exponential",
                             "randomizationFactor": 0.5}));
        assert_eq!(r.delay(3, 0.0), Duration::from_micros(112_500));
        assert_eq!(r.delay(3, 0.5), 225 * MS);
        assert_eq!(r.delay(3, 1.0), Duration::from_micros(337_500));
    }

    #[test]
    fn explicit_zero_wait_and_out_of_range_inputs_are_safe() {
        let r = retry(json!({"maxAttempts": 0, "waitDuration": "0s", "backOffPolicy": "exponential"}));
        assert_eq!(r.max_attempts(), 1);
        assert_eq!(r.delay(3, 0.5), Duration::ZERO);
        let long = retry(json!({"waitDuration": "1h", "backOffPolicy": "exponential"}));
        assert_eq!(long.delay(u32::MAX, 0.5), Duration::MAX);
        let jittery = retry(json!({"waitDuration": "1s", "backOffPolicy": "random"}));
        assert_eq!(jittery.delay(1, 7.0), 1500 * MS);
        assert_eq!(jittery.delay(1, -1.0), 500 * MS);
        assert_eq!(jittery.delay(1, f64::NAN), 1000 * MS);
    }
}
