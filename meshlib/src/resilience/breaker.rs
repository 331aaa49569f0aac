//! Circuit breaker with resilience4j's state machine: CLOSED → OPEN when the failure or slow-call
//! rate of the sliding window reaches its threshold, OPEN → HALF_OPEN once
//! `waitDurationInOpenState` has passed (on the next call, as resilience4j does without automatic
//! transition), HALF_OPEN → CLOSED or OPEN by the outcome of its trial calls.
//!
//! As in Easegress, every permit carries the id of the state it was issued in, and an outcome
//! recorded after the state changed is dropped: a call admitted while CLOSED cannot count as a
//! trial call of a later HALF_OPEN state, nor fill the fresh window of a later CLOSED state.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::later;
use super::window::{CountWindow, Outcome, TimeWindow, Totals};
use crate::spec::resilience::{self as spec, WindowType};

/// resilience4j's defaults for what the spec leaves out (Easegress uses the same values).
mod default {
    use std::time::Duration;

    pub const FAILURE_RATE_THRESHOLD: u32 = 50;
    pub const SLOW_CALL_RATE_THRESHOLD: u32 = 100;
    pub const SLIDING_WINDOW_SIZE: u32 = 100;
    pub const MINIMUM_NUMBER_OF_CALLS: u32 = 100;
    pub const PERMITTED_CALLS_IN_HALF_OPEN: u32 = 10;
    pub const SLOW_CALL_DURATION_THRESHOLD: Duration = Duration::from_secs(60);
    pub const WAIT_DURATION_IN_OPEN: Duration = Duration::from_secs(60);
}

/// A circuit breaker for all calls to one service. Clones share their state.
#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    shared: Arc<Shared>,
}

/// The breaker's state, named as in resilience4j.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BreakerState {
    /// Calls go through; outcomes fill the sliding window.
    Closed,
    /// Calls are refused until `waitDurationInOpenState` has passed.
    Open,
    /// A few trial calls go through; their outcome closes or re-opens the breaker.
    HalfOpen,
}

impl BreakerState {
    /// The resilience4j name: `CLOSED`, `OPEN` or `HALF_OPEN`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "CLOSED",
            Self::Open => "OPEN",
            Self::HalfOpen => "HALF_OPEN",
        }
    }
}

impl std::fmt::Display for BreakerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Permission for one call. Hand it back with [`CircuitBreaker::record`] when the call ends;
/// dropping it instead (the caller gave up) returns a half-open trial slot unused.
#[derive(Debug)]
#[must_use = "record the call's outcome with CircuitBreaker::record"]
pub struct Permit {
    shared: Arc<Shared>,
    state_id: u64,
    settled: bool,
}

/// The breaker refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("circuit breaker is open")]
pub struct Open {
    /// How long until the breaker admits trial calls again; zero when it is half open and all
    /// its trial calls are under way, since then their outcome decides.
    pub retry_after: Duration,
}

#[derive(Debug)]
struct Shared {
    config: Config,
    machine: Mutex<Machine>,
}

#[derive(Debug)]
struct Config {
    spec: spec::CircuitBreaker,
    time_based: bool,
    window_size: u32,
    failure_rate_threshold: u64,
    slow_call_rate_threshold: u64,
    slow_call_duration_threshold: Duration,
    minimum_number_of_calls: u32,
    permitted_calls_in_half_open: u32,
    wait_in_open: Duration,
    max_wait_in_half_open: Option<Duration>,
}

#[derive(Debug)]
struct Machine {
    /// Changes on every transition; permits carry the one they were issued under.
    state_id: u64,
    phase: Phase,
}

#[derive(Debug)]
enum Phase {
    Closed(Window),
    Open {
        until: Instant,
    },
    HalfOpen {
        trials: CountWindow,
        /// Trial calls that may still start.
        free: u32,
        /// When it gives up waiting for its trial calls and opens again.
        deadline: Option<Instant>,
    },
}

#[derive(Debug)]
enum Window {
    Count(CountWindow),
    Time(TimeWindow),
}

/// What a window says once an outcome is in it.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    TooFewCalls,
    Healthy,
    Trip,
}

fn duration(text: Option<&str>) -> Option<Duration> {
    text.and_then(|d| crate::duration::parse(d).ok())
}

impl Config {
    fn new(spec: &spec::CircuitBreaker) -> Self {
        Self {
            spec: spec.clone(),
            time_based: spec.sliding_window_type == Some(WindowType::TimeBased),
            window_size: spec.sliding_window_size.unwrap_or(default::SLIDING_WINDOW_SIZE).max(1),
            failure_rate_threshold: u64::from(spec.failure_rate_threshold.unwrap_or(default::FAILURE_RATE_THRESHOLD)),
            slow_call_rate_threshold: u64::from(
                spec.slow_call_rate_threshold
                    .unwrap_or(default::SLOW_CALL_RATE_THRESHOLD),
            ),
            slow_call_duration_threshold: duration(spec.slow_call_duration_threshold.as_deref())
                .unwrap_or(default::SLOW_CALL_DURATION_THRESHOLD),
            minimum_number_of_calls: spec
                .minimum_number_of_calls
                .unwrap_or(default::MINIMUM_NUMBER_OF_CALLS)
                .max(1),
            permitted_calls_in_half_open: spec
                .permitted_number_of_calls_in_half_open_state
                .unwrap_or(default::PERMITTED_CALLS_IN_HALF_OPEN)
                .max(1),
            wait_in_open: duration(spec.wait_duration_in_open_state.as_deref())
                .unwrap_or(default::WAIT_DURATION_IN_OPEN),
            max_wait_in_half_open: duration(spec.max_wait_duration_in_half_open_state.as_deref())
                .filter(|d| !d.is_zero()),
        }
    }

    /// Rates count once this many calls are in the window; like resilience4j, a count-based
    /// window never needs more calls than it holds.
    fn closed_minimum(&self) -> u32 {
        if self.time_based {
            self.minimum_number_of_calls
        } else {
            self.minimum_number_of_calls.min(self.window_size)
        }
    }

    fn half_open_minimum(&self) -> u32 {
        self.minimum_number_of_calls.min(self.permitted_calls_in_half_open)
    }

    fn verdict(&self, totals: Totals, minimum: u32) -> Verdict {
        if totals.calls == 0 || totals.calls < u64::from(minimum) {
            Verdict::TooFewCalls
        } else if totals.failed * 100 >= self.failure_rate_threshold * totals.calls
            || totals.slow * 100 >= self.slow_call_rate_threshold * totals.calls
        {
            Verdict::Trip
        } else {
            Verdict::Healthy
        }
    }

    fn closed(&self, now: Instant) -> Phase {
        Phase::Closed(if self.time_based {
            Window::Time(TimeWindow::new(self.window_size, now))
        } else {
            Window::Count(CountWindow::new(self.window_size))
        })
    }
}

impl Machine {
    fn enter(&mut self, phase: Phase) {
        self.state_id += 1;
        self.phase = phase;
    }

    /// Applies the transitions that time alone causes, as of `now`.
    fn catch_up(&mut self, config: &Config, now: Instant) {
        if let Phase::HalfOpen {
            deadline: Some(deadline),
            ..
        } = self.phase
            && now >= deadline
        {
            // As if resilience4j's timer had fired at the deadline.
            self.enter(Phase::Open {
                until: later(deadline, config.wait_in_open),
            });
        }
    }
}

impl CircuitBreaker {
    /// A closed breaker configured by `spec`; omitted fields take resilience4j's defaults
    /// (failure rate 50 %, slow-call rate 100 %, slow call 60 s, COUNT_BASED window of 100
    /// calls, 100 minimum calls, 10 half-open trial calls, 60 s open, unbounded half-open wait).
    #[must_use]
    pub fn new(spec: &spec::CircuitBreaker, now: Instant) -> Self {
        let config = Config::new(spec);
        let phase = config.closed(now);
        Self {
            shared: Arc::new(Shared {
                config,
                machine: Mutex::new(Machine { state_id: 0, phase }),
            }),
        }
    }

    /// `previous` itself (sharing its state) when it was built from the same spec, otherwise a
    /// new closed breaker.
    #[must_use]
    pub fn carry(spec: &spec::CircuitBreaker, now: Instant, previous: Option<&Self>) -> Self {
        match previous {
            Some(previous) if previous.shared.config.spec == *spec => previous.clone(),
            _ => Self::new(spec, now),
        }
    }

    /// Asks to start a call.
    ///
    /// # Errors
    /// [`Open`] when the breaker is open, or half open with all its trial calls under way.
    pub fn try_acquire(&self, now: Instant) -> Result<Permit, Open> {
        let config = &self.shared.config;
        let mut machine = self.shared.lock();
        machine.catch_up(config, now);
        if let Phase::Open { until } = machine.phase {
            if now < until {
                return Err(Open {
                    retry_after: until - now,
                });
            }
            machine.enter(Phase::HalfOpen {
                trials: CountWindow::new(config.permitted_calls_in_half_open),
                free: config.permitted_calls_in_half_open,
                deadline: config.max_wait_in_half_open.map(|d| later(now, d)),
            });
        }
        let state_id = machine.state_id;
        match &mut machine.phase {
            Phase::Closed(_) => {}
            Phase::HalfOpen { free, .. } if *free > 0 => *free -= 1,
            Phase::HalfOpen { .. } | Phase::Open { .. } => {
                return Err(Open {
                    retry_after: Duration::ZERO,
                });
            }
        }
        Ok(Permit {
            shared: Arc::clone(&self.shared),
            state_id,
            settled: false,
        })
    }

    /// Records how the call admitted by `permit` went: `failure` as the caller judged it (see
    /// [`super::ServicePolicy::is_failure`]), and slow when `elapsed` exceeds
    /// `slowCallDurationThreshold` (a call can be both). The outcome goes to the breaker that
    /// issued the permit, and is dropped if that breaker changed state since.
    pub fn record(&self, mut permit: Permit, failure: bool, elapsed: Duration, now: Instant) {
        permit.settled = true;
        let shared = &permit.shared;
        let config = &shared.config;
        let mut machine = shared.lock();
        machine.catch_up(config, now);
        if machine.state_id != permit.state_id {
            return;
        }
        let outcome = Outcome {
            failed: failure,
            slow: elapsed > config.slow_call_duration_threshold,
        };
        let next = match &mut machine.phase {
            Phase::Closed(window) => {
                let totals = match window {
                    Window::Count(w) => w.record(outcome),
                    Window::Time(w) => w.record(outcome, now),
                };
                (config.verdict(totals, config.closed_minimum()) == Verdict::Trip).then(|| Phase::Open {
                    until: later(now, config.wait_in_open),
                })
            }
            Phase::HalfOpen { trials, .. } => {
                match config.verdict(trials.record(outcome), config.half_open_minimum()) {
                    Verdict::TooFewCalls => None,
                    Verdict::Healthy => Some(config.closed(now)),
                    Verdict::Trip => Some(Phase::Open {
                        until: later(now, config.wait_in_open),
                    }),
                }
            }
            Phase::Open { .. } => None,
        };
        if let Some(phase) = next {
            machine.enter(phase);
        }
    }

    /// The state as of the last call to [`Self::try_acquire`] or [`Self::record`]: an open breaker
    /// whose wait has passed reads OPEN until the next call asks to go through, as in
    /// resilience4j without automatic transition.
    #[must_use]
    pub fn state(&self) -> BreakerState {
        match self.shared.lock().phase {
            Phase::Closed(_) => BreakerState::Closed,
            Phase::Open { .. } => BreakerState::Open,
            Phase::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Machine> {
        // Every update leaves the machine consistent, so a panic elsewhere cannot poison it.
        self.machine.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let mut machine = self.shared.lock();
        if machine.state_id != self.state_id {
            return;
        }
        if let Phase::HalfOpen { free, .. } = &mut machine.phase {
            *free += 1;
        }
    }
}

#[cfg(test)]
mod tests;
