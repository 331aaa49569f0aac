//! Resilience: rate limiting (callee side), circuit breaking, retries and timeouts (caller side,
//! configured on the callee), as in EaseMesh's v2alpha1 model.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::matching::StringMatch;
use crate::validate::{Problems, join};

/// Resilience settings (part of a Service).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResilienceSpec {
    /// Limits inbound request rates per URL rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limiter: Option<RateLimiter>,
    /// Stops calling a failing service for a while.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circuit_breaker: Option<CircuitBreaker>,
    /// Retries failed calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
    /// Bounds each call's duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limiter: Option<TimeLimiter>,
    /// Response codes counted as failures by the circuit breaker and retry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failure_codes: Vec<u16>,
}

/// Rate-limit policies and the URL rules that use them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimiter {
    /// Named policies.
    #[serde(default)]
    pub policies: Vec<RateLimitPolicy>,
    /// Policy for URL rules without `policyRef`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_policy_ref: Option<String>,
    /// Which requests are limited, and by which policy.
    #[serde(default)]
    pub urls: Vec<UrlRule>,
}

/// One rate-limit policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimitPolicy {
    /// Referenced by URL rules.
    pub name: String,
    /// How long a request may wait for a permit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_duration: Option<String>,
    /// Period after which permits are refreshed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_refresh_period: Option<String>,
    /// Permits per period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_for_period: Option<u32>,
}

/// Requests a rate-limit policy applies to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UrlRule {
    /// HTTP methods; all when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    /// Path matcher.
    pub url: StringMatch,
    /// Policy name; `defaultPolicyRef` when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_ref: Option<String>,
}

/// Circuit-breaker settings (resilience4j semantics).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CircuitBreaker {
    /// Count- or time-based sliding window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sliding_window_type: Option<WindowType>,
    /// Percentage of failures that opens the breaker (1–100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_rate_threshold: Option<u32>,
    /// Percentage of slow calls that opens the breaker (1–100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_call_rate_threshold: Option<u32>,
    /// Window size in calls or seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sliding_window_size: Option<u32>,
    /// Trial calls allowed while half open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permitted_number_of_calls_in_half_open_state: Option<u32>,
    /// Calls needed before rates are computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_number_of_calls: Option<u32>,
    /// A call slower than this counts as slow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_call_duration_threshold: Option<String>,
    /// Longest stay in half-open state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_wait_duration_in_half_open_state: Option<String>,
    /// Time the breaker stays open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_duration_in_open_state: Option<String>,
}

/// Sliding-window kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WindowType {
    /// The last N calls.
    CountBased,
    /// The last N seconds.
    TimeBased,
}

/// Retry settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Retry {
    /// Attempts including the first (at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// Wait between attempts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_duration: Option<String>,
    /// How the wait grows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_off_policy: Option<BackOffPolicy>,
    /// Jitter, from 0 (none) to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub randomization_factor: Option<f64>,
}

/// Back-off policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BackOffPolicy {
    /// Random jitter around the wait.
    Random,
    /// The wait grows by 1.5× per attempt.
    Exponential,
}

/// Per-call deadline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimeLimiter {
    /// Deadline of one call.
    pub timeout: String,
}

impl super::Spec for ResilienceSpec {
    fn validate(&self, at: &str, p: &mut Problems) {
        if let Some(rl) = &self.rate_limiter {
            rl.validate(&join(at, "rateLimiter"), p);
        }
        if let Some(cb) = &self.circuit_breaker {
            cb.validate(&join(at, "circuitBreaker"), p);
        }
        if let Some(retry) = &self.retry {
            let at = join(at, "retry");
            if retry.max_attempts == Some(0) {
                p.push(join(&at, "maxAttempts"), "must be at least 1");
            }
            p.duration(&join(&at, "waitDuration"), retry.wait_duration.as_deref());
            if let Some(f) = retry.randomization_factor
                && !(0.0..=1.0).contains(&f)
            {
                p.push(
                    join(&at, "randomizationFactor"),
                    format!("must be between 0 and 1, got {f}"),
                );
            }
        }
        if let Some(tl) = &self.time_limiter {
            p.positive_duration(&join(at, "timeLimiter.timeout"), &tl.timeout);
        }
        let codes = join(at, "failureCodes");
        let mut seen = BTreeSet::new();
        for (i, code) in self.failure_codes.iter().enumerate() {
            p.status_code(&format!("{codes}[{i}]"), *code);
            if !seen.insert(code) {
                p.push(format!("{codes}[{i}]"), format!("duplicate value {code}"));
            }
        }
    }
}

impl RateLimiter {
    fn validate(&self, at: &str, p: &mut Problems) {
        let names: Vec<&str> = self.policies.iter().map(|x| x.name.as_str()).collect();
        p.unique(&join(at, "policies"), names.iter().copied());
        for (i, policy) in self.policies.iter().enumerate() {
            let at = format!("{at}.policies[{i}]");
            p.required(&join(&at, "name"), &policy.name);
            p.duration(&join(&at, "timeoutDuration"), policy.timeout_duration.as_deref());
            p.duration(&join(&at, "limitRefreshPeriod"), policy.limit_refresh_period.as_deref());
            if policy.limit_for_period == Some(0) {
                p.push(join(&at, "limitForPeriod"), "must be at least 1");
            }
        }
        let known = |name: &str| names.contains(&name);
        if let Some(default) = &self.default_policy_ref
            && !known(default)
        {
            p.push(join(at, "defaultPolicyRef"), format!("no policy named {default:?}"));
        }
        for (i, url) in self.urls.iter().enumerate() {
            let at = format!("{at}.urls[{i}]");
            for (j, method) in url.methods.iter().enumerate() {
                p.http_method(&format!("{at}.methods[{j}]"), method, false);
            }
            url.url.validate(&join(&at, "url"), p);
            match (&url.policy_ref, &self.default_policy_ref) {
                (Some(name), _) if !known(name) => {
                    p.push(join(&at, "policyRef"), format!("no policy named {name:?}"));
                }
                (None, None) => p.push(join(&at, "policyRef"), "is required when defaultPolicyRef is not set"),
                _ => {}
            }
        }
    }
}

impl CircuitBreaker {
    fn validate(&self, at: &str, p: &mut Problems) {
        for (field, value) in [
            ("failureRateThreshold", self.failure_rate_threshold),
            ("slowCallRateThreshold", self.slow_call_rate_threshold),
        ] {
            if let Some(v) = value {
                p.range(&join(at, field), v, 1, 100);
            }
        }
        for (field, value) in [
            ("slidingWindowSize", self.sliding_window_size),
            (
                "permittedNumberOfCallsInHalfOpenState",
                self.permitted_number_of_calls_in_half_open_state,
            ),
            ("minimumNumberOfCalls", self.minimum_number_of_calls),
        ] {
            if value == Some(0) {
                p.push(join(at, field), "must be at least 1");
            }
        }
        for (field, value) in [
            ("slowCallDurationThreshold", &self.slow_call_duration_threshold),
            (
                "maxWaitDurationInHalfOpenState",
                &self.max_wait_duration_in_half_open_state,
            ),
            ("waitDurationInOpenState", &self.wait_duration_in_open_state),
        ] {
            p.duration(&join(at, field), value.as_deref());
        }
    }
}
