//! Rate limiter with resilience4j's `AtomicRateLimiter` arithmetic: time is cut into cycles of
//! `limitRefreshPeriod` counted from the limiter's creation; each cycle brings `limitForPeriod`
//! permits (unused ones do not pile up beyond one cycle's worth). A request without a permit may
//! reserve one of a later cycle if it can wait that long (`timeoutDuration`); reserved permits
//! are owed, so the available count goes negative.
//!
//! Requests are matched against the URL rules in order; the first match takes a permit of its
//! policy. Rules naming the same policy share its permits.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::matcher::Matcher;
use crate::spec::resilience::{self as spec, RateLimitPolicy};

/// Values for what a policy leaves out: EaseMesh's (Easegress `RateLimiter` filter), which
/// differ from resilience4j's.
mod default {
    use std::time::Duration;

    pub const LIMIT_FOR_PERIOD: u32 = 50;
    pub const LIMIT_REFRESH_PERIOD: Duration = Duration::from_millis(10);
    pub const TIMEOUT_DURATION: Duration = Duration::from_millis(100);
}

/// A service's inbound rate limits. Clones share their permits.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    rules: Vec<Rule>,
    policies: Vec<Arc<Policy>>,
}

/// Whether a request may go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Right away.
    Now,
    /// After waiting this long: a permit of a later cycle is reserved for it.
    After(Duration),
    /// Not within the policy's `timeoutDuration`: answer 429.
    Rejected {
        /// The policy that refused it.
        policy: String,
    },
}

#[derive(Debug, Clone)]
struct Rule {
    /// Compared ignoring case; empty for every method.
    methods: Vec<String>,
    url: Matcher,
    /// Index into `policies`.
    policy: usize,
}

#[derive(Debug)]
struct Policy {
    spec: RateLimitPolicy,
    limit: i64,
    period: u128,
    timeout: u128,
    origin: Instant,
    cycle: Mutex<Cycle>,
}

#[derive(Debug)]
struct Cycle {
    /// The cycle (since `origin`) `permits` refers to.
    index: u128,
    /// Permits left in that cycle; negative when permits of later cycles are reserved.
    permits: i64,
}

impl RateLimiter {
    /// Compiles `spec`; `None` when no URL rule can ever take a permit (no rules, or none whose
    /// policy exists and whose matcher compiles), as EaseMesh then adds no limiter either.
    /// Omitted policy fields take EaseMesh's values: 50 permits per 10 ms, 100 ms wait.
    #[must_use]
    pub fn new(spec: &spec::RateLimiter, now: Instant) -> Option<Self> {
        Self::carry(spec, now, None)
    }

    /// Like [`Self::new`], but a policy that `previous` has with the same settings keeps its
    /// permits, so a change to one policy or to the URL rules does not reset the others.
    #[must_use]
    pub fn carry(spec: &spec::RateLimiter, now: Instant, previous: Option<&Self>) -> Option<Self> {
        let policies: Vec<Arc<Policy>> = spec
            .policies
            .iter()
            .map(|p| {
                previous
                    .and_then(|prev| prev.policies.iter().find(|old| old.spec == *p))
                    .map_or_else(|| Arc::new(Policy::new(p, now)), Arc::clone)
            })
            .collect();
        let rules: Vec<Rule> = spec
            .urls
            .iter()
            .filter_map(|url| {
                let name = url.policy_ref.as_ref().or(spec.default_policy_ref.as_ref())?;
                Some(Rule {
                    methods: url.methods.clone(),
                    url: Matcher::new(&url.url)?,
                    policy: policies.iter().position(|p| p.spec.name == *name)?,
                })
            })
            .collect();
        (!rules.is_empty()).then_some(Self { rules, policies })
    }

    /// Takes a permit for a request, by the first URL rule matching its method and `path` (the
    /// request path without the query). Requests no rule matches always pass.
    pub fn acquire(&self, method: &str, path: &str, now: Instant) -> Admission {
        let Some(rule) = self.rules.iter().find(|rule| rule.matches(method, path)) else {
            return Admission::Now;
        };
        let policy = &self.policies[rule.policy];
        match policy.acquire(now) {
            Some(Duration::ZERO) => Admission::Now,
            Some(wait) => Admission::After(wait),
            None => Admission::Rejected {
                policy: policy.spec.name.clone(),
            },
        }
    }
}

impl Rule {
    fn matches(&self, method: &str, path: &str) -> bool {
        (self.methods.is_empty() || self.methods.iter().any(|m| m.eq_ignore_ascii_case(method)))
            && self.url.matches(path)
    }
}

impl Policy {
    fn new(spec: &RateLimitPolicy, now: Instant) -> Self {
        let duration = |text: &Option<String>| text.as_deref().and_then(|d| crate::duration::parse(d).ok());
        let limit = spec
            .limit_for_period
            .filter(|&n| n > 0)
            .unwrap_or(default::LIMIT_FOR_PERIOD);
        let period = duration(&spec.limit_refresh_period)
            .filter(|d| !d.is_zero())
            .unwrap_or(default::LIMIT_REFRESH_PERIOD);
        Self {
            spec: spec.clone(),
            limit: i64::from(limit),
            period: period.as_nanos(),
            timeout: duration(&spec.timeout_duration)
                .unwrap_or(default::TIMEOUT_DURATION)
                .as_nanos(),
            origin: now,
            cycle: Mutex::new(Cycle {
                index: 0,
                permits: i64::from(limit),
            }),
        }
    }

    /// The wait for a permit, which is then taken, or `None` when that is beyond the timeout
    /// (nothing is taken). resilience4j's `calculateNextState` for one permit.
    fn acquire(&self, now: Instant) -> Option<Duration> {
        let elapsed = now.saturating_duration_since(self.origin).as_nanos();
        let mut cycle = self.cycle.lock().unwrap_or_else(PoisonError::into_inner);
        let current = elapsed / self.period;
        if current > cycle.index {
            let refill = i64::try_from(current - cycle.index)
                .unwrap_or(i64::MAX)
                .saturating_mul(self.limit);
            cycle.permits = cycle.permits.saturating_add(refill).min(self.limit);
            cycle.index = current;
        }
        let wait = if cycle.permits >= 1 {
            0
        } else {
            // `current` may trail `cycle.index` when this caller read the clock before another
            // that already moved the cycle on; it then also waits for the time between.
            let to_next_cycle = (cycle.index + 1) * self.period - elapsed;
            let missing = 1 - (cycle.permits + self.limit);
            let full_cycles = if missing > 0 {
                (missing + self.limit - 1) / self.limit
            } else {
                0
            };
            u128::try_from(full_cycles).unwrap_or_default() * self.period + to_next_cycle
        };
        if wait > self.timeout {
            return None;
        }
        cycle.permits -= 1;
        Some(Duration::from_nanos(u64::try_from(wait).unwrap_or(u64::MAX)))
    }
}

#[cfg(test)]
mod tests;
