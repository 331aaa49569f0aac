//! Everything `emctl` and `meshd` share: the kind table, resource specs and their validation,
//! document decoding, table rows, REST paths and wire types, and the control-plane client.
//!
//! Module map:
//! - [`kind`]: the kind table that drives everything generic.
//! - [`resource`]: the envelope every kind shares; [`spec`]: per-kind shapes and rules.
//! - [`decode`]: YAML/JSON documents → validated resources; [`yaml`]: the YAML boundary.
//! - [`validate`], [`schema`], [`duration`]: problems with field paths, structural checks, durations.
//! - [`install`]: the Kubernetes objects of `emctl install`.
//! - [`table`]: list rows; [`api`]: REST paths and wire types; [`client`]: the HTTP client.
//! - [`inert`]: what the mesh accepts but does not act on yet (apply warns about it).
//! - [`redact`]: write-only fields (passwords, Secret data), hidden on every read.
//! - [`shadow`]: the shadow copy of a meshed workload, and the canary that routes to it.
//! - [`inject`]: the sidecar injection transform of Kubernetes pod templates.
//! - [`backoff`]: the wait between retries (exponential, with jitter), for every retry loop.
//! - [`routing`]: where a call goes; [`resilience`]: mock, rate limit, circuit breaker, retry and
//!   timeout of a call; [`matcher`]: the compiled string matcher both use.

pub mod api;
pub mod backoff;
pub mod client;
pub mod decode;
pub mod duration;
pub mod inert;
pub mod inject;
pub mod install;
pub mod kind;
pub mod matcher;
pub mod metrics;
pub mod migration;
pub mod part;
pub mod redact;
pub mod registry;
pub mod resilience;
pub mod resource;
pub mod routing;
pub mod schema;
pub mod selector;
pub mod shadow;
pub mod spec;
pub mod table;
pub mod validate;
pub mod visibility;
pub mod yaml;

/// The version of this build, reported by `emctl version` and `/version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
