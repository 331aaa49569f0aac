//! What the registry's expiry depends on besides its records: the time, and whether this replica
//! is the one that expires instances.

use std::time::SystemTime;

/// Where time comes from; tests use a manual clock.
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> SystemTime;
}

/// The real clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Whether this replica runs the heartbeat checker. With several replicas exactly one must,
/// so expiry neither double-fires nor goes missing.
pub trait Leader: Send + Sync + 'static {
    /// True while this replica leads.
    fn is_leader(&self) -> bool;
}

/// A single control plane always leads.
#[derive(Debug, Default)]
pub struct SoleReplica;

impl Leader for SoleReplica {
    fn is_leader(&self) -> bool {
        true
    }
}
