//! Durable key-value storage behind the control plane, with etcd-like semantics: a global
//! revision, per-key modification revisions, atomic multi-key commits with preconditions and a
//! change feed. The embedded redb backend lives in [`redb`]; an etcd backend can implement the
//! same trait.

pub mod redb;

use async_trait::async_trait;
use tokio::sync::broadcast;

/// A stored value and the revision that last wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// The value.
    pub value: Vec<u8>,
    /// Global revision of the commit that last wrote this key.
    pub revision: u64,
}

/// What must hold for a commit to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// Nothing.
    None,
    /// The key does not exist.
    Absent,
    /// The key exists.
    Exists,
    /// The key was last written at this revision.
    Revision(u64),
}

/// One operation of an atomic commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Write `value` at `key`.
    Put {
        /// Key.
        key: String,
        /// Value.
        value: Vec<u8>,
        /// Condition.
        when: Precondition,
    },
    /// Remove `key`.
    Delete {
        /// Key.
        key: String,
        /// Condition.
        when: Precondition,
    },
    /// Only check a condition (e.g. that a referenced object still exists).
    Check {
        /// Key.
        key: String,
        /// Condition.
        when: Precondition,
    },
}

/// A committed change, in commit order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The key.
    pub key: String,
    /// The new value; `None` when deleted.
    pub value: Option<Vec<u8>>,
    /// The value before the change, if any.
    pub previous: Option<Vec<u8>>,
    /// Revision of the commit.
    pub revision: u64,
}

/// Storage failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A precondition did not hold; nothing was written.
    #[error("precondition failed on {key}")]
    Precondition {
        /// The key whose condition failed.
        key: String,
        /// Its current revision, if it exists.
        current: Option<u64>,
    },
    /// The backend failed.
    #[error("storage backend failed")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Result of storage calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Durable storage with atomic commits and a change feed.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// One key.
    async fn get(&self, key: &str) -> Result<Option<Entry>>;

    /// Every key under `prefix`, sorted, and the store revision they were read at.
    async fn list(&self, prefix: &str) -> Result<(Vec<Entry>, u64)>;

    /// The last committed revision.
    async fn revision(&self) -> Result<u64>;

    /// Applies every op or none; returns the new revision once it is durable.
    async fn commit(&self, ops: Vec<Op>) -> Result<u64>;

    /// Changes committed from now on, in order.
    fn subscribe(&self) -> broadcast::Receiver<Event>;

    /// Backend name for `/version`.
    fn backend(&self) -> &'static str;
}
