//! Operations more than one command (or the dashboard) carries out. Commands are thin adapters
//! over these and never import each other.

pub mod describe;
pub mod edit;
pub mod readiness;
pub mod secrets;
pub mod workloads;

use meshlib::kind::{Kind, ResourceKind};

/// What deleting `kind/name` did, as the user is told (instances are taken offline).
pub fn deleted(kind: &ResourceKind, name: &str) -> String {
    let subject = format!("{}/{name}", kind.name().to_ascii_lowercase());
    if *kind == Kind::ServiceInstance {
        format!("{subject} taken offline (its sidecar removes it; `emctl online` undoes this)")
    } else {
        format!("{subject} deleted")
    }
}
