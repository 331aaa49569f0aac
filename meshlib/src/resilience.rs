//! What the sidecar applies to a call besides routing, compiled from each Service's `mock` and
//! `resilience` settings: pure logic over explicit instants (no I/O, no clock, no runtime), so
//! the data path decides and the tests replay time.
//!
//! Where each part applies (inventory §5.2–5.7): the rate limiter on the service's own ingress;
//! mock, circuit breaker, retry and timeout on its callers' egress, configured on the callee.
//! [`Policies`] holds every service's [`ServicePolicy`] and is rebuilt on each configuration
//! change, keeping the breaker and limiter state of settings that did not change.
//!
//! Not here: sleeping, timers, HTTP, metrics; the proxy does those with what this returns.

mod breaker;
mod mock;
mod rate_limit;
mod retry;
mod window;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use breaker::{BreakerState, CircuitBreaker, Open, Permit};
pub use mock::{Mock, MockResponse};
pub use rate_limit::{Admission, RateLimiter};
pub use retry::RetryPolicy;

use crate::spec::mock::MockSpec;
use crate::spec::resilience::ResilienceSpec;
use crate::spec::service::ServiceSpec;

/// Everything compiled from one Service's spec.
#[derive(Debug, Clone)]
pub struct ServicePolicy {
    /// Canned answers given instead of calling the service; `None` when disabled or without rules.
    pub mock: Option<Mock>,
    /// Callee side: applied by the service's own sidecar on ingress.
    pub rate_limiter: Option<RateLimiter>,
    /// Caller side: applied by callers' egress to all calls to the service.
    pub breaker: Option<CircuitBreaker>,
    /// Caller side: attempts and waits.
    pub retry: Option<RetryPolicy>,
    /// Caller side: the deadline of one attempt (`timeLimiter.timeout`).
    pub timeout: Option<Duration>,
    /// Statuses that count as failures; empty for every 5xx.
    failure_codes: Vec<u16>,
}

impl ServicePolicy {
    /// Compiles `spec`; `now` starts the limiter cycles and the breaker's time window.
    #[must_use]
    pub fn new(spec: &ServiceSpec, now: Instant) -> Self {
        Self::carry(spec, now, None)
    }

    /// Like [`Self::new`], but keeps the state of `previous`'s breaker when the circuit-breaker
    /// settings are unchanged, and of each rate-limit policy whose settings are unchanged.
    #[must_use]
    pub fn carry(spec: &ServiceSpec, now: Instant, previous: Option<&Self>) -> Self {
        let resilience = spec.resilience.as_ref();
        Self {
            mock: spec.mock.as_ref().map(Mock::new).filter(Mock::is_active),
            rate_limiter: resilience
                .and_then(|r| r.rate_limiter.as_ref())
                .and_then(|rl| RateLimiter::carry(rl, now, previous.and_then(|p| p.rate_limiter.as_ref()))),
            breaker: resilience
                .and_then(|r| r.circuit_breaker.as_ref())
                .map(|cb| CircuitBreaker::carry(cb, now, previous.and_then(|p| p.breaker.as_ref()))),
            retry: resilience.and_then(|r| r.retry.as_ref()).map(RetryPolicy::new),
            timeout: resilience
                .and_then(|r| r.time_limiter.as_ref())
                .and_then(|t| crate::duration::parse(&t.timeout).ok())
                .filter(|d| !d.is_zero()),
            failure_codes: resilience.map(|r| r.failure_codes.clone()).unwrap_or_default(),
        }
    }

    /// Whether a response with `status` counts as a failed call, for the breaker and retry:
    /// a status in `failureCodes`, or any 5xx when that list is empty. (A transport error is a
    /// failure too; the caller knows that without asking.)
    #[must_use]
    pub fn is_failure(&self, status: u16) -> bool {
        if self.failure_codes.is_empty() {
            (500..600).contains(&status)
        } else {
            self.failure_codes.contains(&status)
        }
    }
}

/// The policies of all services, cheap to share behind an `Arc` (e.g. in a watch channel).
#[derive(Debug, Clone, Default)]
pub struct Policies {
    services: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    mock: Option<MockSpec>,
    resilience: Option<ResilienceSpec>,
    policy: Arc<ServicePolicy>,
}

impl Policies {
    /// No services.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The policies for `services` (name, spec), built from these. A service whose `mock` and
    /// `resilience` are unchanged keeps its very `Arc<ServicePolicy>`; otherwise the new policy
    /// keeps the breaker state if the circuit-breaker settings are unchanged, and the permits of
    /// each unchanged rate-limit policy. Services not listed are dropped.
    #[must_use]
    pub fn update<'a>(&self, services: impl IntoIterator<Item = (&'a str, &'a ServiceSpec)>, now: Instant) -> Self {
        let services = services
            .into_iter()
            .map(|(name, spec)| {
                let previous = self.services.get(name);
                let policy = match previous {
                    Some(p) if p.mock == spec.mock && p.resilience == spec.resilience => Arc::clone(&p.policy),
                    _ => Arc::new(ServicePolicy::carry(spec, now, previous.map(|p| &*p.policy))),
                };
                let entry = Entry {
                    mock: spec.mock.clone(),
                    resilience: spec.resilience.clone(),
                    policy,
                };
                (name.to_owned(), entry)
            })
            .collect();
        Self { services }
    }

    /// The policy of `service`.
    #[must_use]
    pub fn get(&self, service: &str) -> Option<&Arc<ServicePolicy>> {
        self.services.get(service).map(|e| &e.policy)
    }

    /// Every service and its policy, by name (for `/config` and metrics).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arc<ServicePolicy>)> {
        self.services.iter().map(|(name, e)| (name.as_str(), &e.policy))
    }
}

/// `at + wait`, saturating far in the future instead of overflowing on absurd durations.
fn later(at: Instant, wait: Duration) -> Instant {
    at.checked_add(wait)
        .or_else(|| at.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(at)
}

#[cfg(test)]
mod tests;
