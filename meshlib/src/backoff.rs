//! The wait between tries of something that failed and is tried again: a watch reconnecting, a
//! sidecar registering, a URL read again. Every retry loop of the workspace uses this one.
//!
//! Waits grow exponentially and carry jitter: each is drawn between half and all of a step that
//! doubles after every failure. Without jitter, clients that failed together (every sidecar of
//! the mesh when the control plane restarts) would all come back at the same instant, again and
//! again.

use std::time::Duration;

/// Exponential backoff with jitter; [`Backoff::reset`] after a success.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    step: Duration,
    rng: fastrand::Rng,
}

impl Backoff {
    /// Steps of `first`, twice that, and so on up to `max`.
    #[must_use]
    pub fn new(first: Duration, max: Duration) -> Self {
        Self {
            first,
            max,
            step: first.min(max),
            rng: fastrand::Rng::new(),
        }
    }

    /// The same, with a seeded generator, so tests see the same waits every run.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.rng = fastrand::Rng::with_seed(seed);
        self
    }

    /// The wait before the next try: between half and all of the current step. The step after
    /// it is twice as long, up to the maximum.
    pub fn next_wait(&mut self) -> Duration {
        let step = self.step;
        self.step = step.saturating_mul(2).min(self.max);
        let half = step / 2;
        half + half.mul_f64(self.rng.f64())
    }

    /// After a success: the next failure starts again from the first step.
    pub fn reset(&mut self) {
        self.step = self.first.min(self.max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn waits_double_up_to_the_maximum_each_within_half_and_all_of_its_step() {
        let mut backoff = Backoff::new(500 * MS, 10_000 * MS).with_seed(7);
        let steps = [500, 1000, 2000, 4000, 8000, 10_000, 10_000];
        for step in steps {
            let wait = backoff.next_wait();
            assert!(
                wait >= step * MS / 2 && wait <= step * MS,
                "{wait:?} outside [{}ms, {step}ms]",
                step / 2
            );
        }
    }

    #[test]
    fn a_reset_starts_again_from_the_first_step() {
        let mut backoff = Backoff::new(200 * MS, 5000 * MS);
        for _ in 0..10 {
            backoff.next_wait();
        }
        backoff.reset();
        assert!(backoff.next_wait() <= 200 * MS);
    }

    #[test]
    fn clients_that_failed_together_do_not_retry_together() {
        let waits: std::collections::BTreeSet<Duration> = (0..100)
            .map(|seed| Backoff::new(1000 * MS, 1000 * MS).with_seed(seed).next_wait())
            .collect();
        assert!(waits.len() > 90, "only {} distinct waits of 100", waits.len());
        let (first, last) = (waits.first().unwrap(), waits.last().unwrap());
        assert!(*last - *first > 400 * MS, "spread over {:?} only", *last - *first);
    }

    #[test]
    fn a_first_step_beyond_the_maximum_is_the_maximum() {
        let mut backoff = Backoff::new(10_000 * MS, 1000 * MS);
        assert!(backoff.next_wait() <= 1000 * MS);
    }
}
