//! A deadline that costs nothing until something actually has to wait: no clock read and no
//! timer until the first wait, and a stall timer that is moved on only when it fires.

use std::future::Future as _;
use std::pin::Pin;
use std::task::Context;
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// How long something may take: to its end (a time limit), or between two signs of progress
/// (a stall: a body's next piece, a connection's next request).
#[derive(Debug)]
pub struct Deadline {
    /// The end for a time limit; `None` for stalls.
    at: Option<Instant>,
    limit: Duration,
    timer: Option<Pin<Box<Sleep>>>,
    /// Progress was made since the stall timer was last set.
    progressed: bool,
}

impl Deadline {
    /// It must end by `limit` after `start`.
    pub fn total(start: Instant, limit: Duration) -> Self {
        Self {
            at: Some(start + limit),
            limit,
            timer: None,
            progressed: false,
        }
    }

    /// It must not stall for `limit` (it is over between one and two `limit`s after the last
    /// progress).
    pub fn idle(limit: Duration) -> Self {
        Self {
            at: None,
            limit,
            timer: None,
            progressed: false,
        }
    }

    /// Something happened: a stall starts again from here.
    pub fn progressed(&mut self) {
        self.progressed = true;
    }

    /// Whether the deadline has passed; otherwise `cx` is woken when it may have.
    pub fn poll_passed(&mut self, cx: &mut Context<'_>) -> bool {
        let (at, limit) = (self.at, self.limit);
        let timer = self.timer.get_or_insert_with(|| {
            Box::pin(match at {
                Some(at) => tokio::time::sleep_until(at),
                None => tokio::time::sleep(limit),
            })
        });
        loop {
            if timer.as_mut().poll(cx).is_pending() {
                return false;
            }
            if self.at.is_some() || !self.progressed {
                return true;
            }
            self.progressed = false;
            timer.as_mut().reset(Instant::now() + limit);
        }
    }

    /// The time allowed.
    pub fn limit(&self) -> Duration {
        self.limit
    }
}
