//! The circuit breaker's sliding windows, as in resilience4j: the last N calls
//! (`FixedSizeSlidingWindowMetrics`) or the calls of the last N seconds in per-second buckets
//! (`SlidingTimeWindowMetrics`).

use std::collections::VecDeque;
use std::time::Instant;

/// How one call went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Outcome {
    pub failed: bool,
    pub slow: bool,
}

/// Call counts over a window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Totals {
    pub calls: u64,
    pub failed: u64,
    pub slow: u64,
}

impl Totals {
    fn add(&mut self, outcome: Outcome) {
        self.calls += 1;
        self.failed += u64::from(outcome.failed);
        self.slow += u64::from(outcome.slow);
    }

    fn remove(&mut self, other: Totals) {
        self.calls -= other.calls;
        self.failed -= other.failed;
        self.slow -= other.slow;
    }
}

/// The outcomes of the last `size` calls.
#[derive(Debug, Clone)]
pub(super) struct CountWindow {
    /// Grows up to `size` as calls come, so a huge configured size costs nothing up front.
    ring: Vec<Outcome>,
    size: usize,
    /// Where the next outcome goes once the ring is full (the oldest outcome).
    next: usize,
    totals: Totals,
}

impl CountWindow {
    pub fn new(size: u32) -> Self {
        Self {
            ring: Vec::new(),
            size: usize::try_from(size.max(1)).unwrap_or(usize::MAX),
            next: 0,
            totals: Totals::default(),
        }
    }

    pub fn record(&mut self, outcome: Outcome) -> Totals {
        if self.ring.len() < self.size {
            self.ring.push(outcome);
        } else {
            let evicted = std::mem::replace(&mut self.ring[self.next], outcome);
            let mut gone = Totals::default();
            gone.add(evicted);
            self.totals.remove(gone);
            self.next = (self.next + 1) % self.size;
        }
        self.totals.add(outcome);
        self.totals
    }
}

/// The outcomes of the calls of the last `size` seconds, counted per second since `origin`.
#[derive(Debug, Clone)]
pub(super) struct TimeWindow {
    origin: Instant,
    size: u64,
    /// `(second since origin, counts)` of the seconds that had calls, oldest first; at most
    /// `size` entries, so a huge configured size costs nothing up front.
    buckets: VecDeque<(u64, Totals)>,
    /// The newest second seen.
    head: u64,
    totals: Totals,
}

impl TimeWindow {
    pub fn new(seconds: u32, origin: Instant) -> Self {
        Self {
            origin,
            size: u64::from(seconds.max(1)),
            buckets: VecDeque::new(),
            head: 0,
            totals: Totals::default(),
        }
    }

    pub fn record(&mut self, outcome: Outcome, now: Instant) -> Totals {
        let second = now.saturating_duration_since(self.origin).as_secs();
        // A call finishing "before" the newest second (its caller read the clock earlier than
        // one that recorded already) still belongs to the window: it counts in the newest second.
        self.head = self.head.max(second);
        while let Some(&(oldest, gone)) = self.buckets.front()
            && oldest + self.size <= self.head
        {
            self.totals.remove(gone);
            self.buckets.pop_front();
        }
        match self.buckets.back_mut() {
            Some((s, bucket)) if *s == self.head => bucket.add(outcome),
            _ => {
                let mut bucket = Totals::default();
                bucket.add(outcome);
                self.buckets.push_back((self.head, bucket));
            }
        }
        self.totals.add(outcome);
        self.totals
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const OK: Outcome = Outcome {
        failed: false,
        slow: false,
    };
    const FAILED: Outcome = Outcome {
        failed: true,
        slow: false,
    };
    const SLOW: Outcome = Outcome {
        failed: false,
        slow: true,
    };

    fn totals(calls: u64, failed: u64, slow: u64) -> Totals {
        Totals { calls, failed, slow }
    }

    #[test]
    fn count_window_keeps_the_last_n_calls() {
        let mut w = CountWindow::new(3);
        assert_eq!(w.record(FAILED), totals(1, 1, 0));
        assert_eq!(w.record(SLOW), totals(2, 1, 1));
        assert_eq!(w.record(OK), totals(3, 1, 1));
        // The failure is the oldest and goes first, then the slow call.
        assert_eq!(w.record(OK), totals(3, 0, 1));
        assert_eq!(w.record(OK), totals(3, 0, 0));
        assert_eq!(w.record(FAILED), totals(3, 1, 0));
    }

    #[test]
    fn time_window_evicts_seconds_older_than_its_size() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut w = TimeWindow::new(3, t0);
        assert_eq!(w.record(FAILED, at(0)), totals(1, 1, 0));
        assert_eq!(w.record(SLOW, at(999)), totals(2, 1, 1));
        assert_eq!(w.record(OK, at(1_500)), totals(3, 1, 1));
        assert_eq!(w.record(OK, at(2_999)), totals(4, 1, 1));
        // Second 3 starts: second 0 (the failure and the slow call) leaves the window.
        assert_eq!(w.record(OK, at(3_000)), totals(3, 0, 0));
        // Second 5: seconds 1 and 2 leave too.
        assert_eq!(w.record(FAILED, at(5_000)), totals(2, 1, 0));
    }

    #[test]
    fn time_window_forgets_everything_after_a_long_pause() {
        let t0 = Instant::now();
        let mut w = TimeWindow::new(2, t0);
        w.record(FAILED, t0);
        w.record(FAILED, t0 + Duration::from_secs(1));
        assert_eq!(w.record(OK, t0 + Duration::from_secs(60)), totals(1, 0, 0));
    }

    #[test]
    fn time_window_counts_late_records_in_the_newest_second() {
        let t0 = Instant::now();
        let mut w = TimeWindow::new(2, t0);
        w.record(OK, t0 + Duration::from_secs(5));
        assert_eq!(w.record(FAILED, t0 + Duration::from_secs(4)), totals(2, 1, 0));
        assert_eq!(w.record(OK, t0 + Duration::from_secs(6)), totals(3, 1, 0));
        assert_eq!(w.record(OK, t0 + Duration::from_secs(7)), totals(2, 0, 0));
    }
}
