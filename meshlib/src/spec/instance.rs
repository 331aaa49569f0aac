//! ServiceInstance: a running copy of a service, registered by its sidecar. Users read instances
//! and take them offline; they never write them.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validate::Problems;

/// A registered instance. Its resource name is `<serviceName>/<instanceID>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceInstanceSpec {
    /// Registry the instance comes from; empty for the mesh itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_name: Option<String>,
    /// Service name.
    pub service_name: String,
    /// Instance id (the pod name on Kubernetes).
    #[serde(rename = "instanceID")]
    pub instance_id: String,
    /// Address of the instance's sidecar.
    #[serde(default)]
    pub ip: String,
    /// Ingress port of the instance's sidecar.
    #[serde(default)]
    pub port: u16,
    /// Admin port of the instance's sidecar (`/metrics`), when it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_port: Option<u16>,
    /// When it registered (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_time: Option<String>,
    /// Instance labels, used by canaries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// What callers see: `UP`, `DOWN` or `OUT_OF_SERVICE`.
    #[serde(default)]
    pub status: InstanceStatus,
    /// What the sidecar's health check last said.
    #[serde(default)]
    pub health: Health,
    /// Taken offline by an operator; heartbeats do not undo it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub offline: bool,
    /// Agent in the app (`EaseAgent`, `GoSDK`, `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_type: Option<String>,
    /// Last heartbeat (RFC 3339; shown on read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_heartbeat_time: Option<String>,
    /// The service's tenant (shown on read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Canary labels of the instance (shown on read): those selected by a ServiceCanary, or any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<String>,
}

/// What callers see of an instance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InstanceStatus {
    /// Receives traffic.
    #[default]
    Up,
    /// Its health check fails.
    Down,
    /// Missed heartbeats, or taken offline by an operator.
    OutOfService,
}

/// Health reported by the sidecar's local check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Health {
    /// The check passes.
    #[default]
    Up,
    /// The check fails.
    Down,
}

impl InstanceStatus {
    /// The wire spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up => "UP",
            Self::Down => "DOWN",
            Self::OutOfService => "OUT_OF_SERVICE",
        }
    }
}

impl std::str::FromStr for InstanceStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_uppercase().replace('-', "_").as_str() {
            "UP" => Ok(Self::Up),
            "DOWN" => Ok(Self::Down),
            "OUT_OF_SERVICE" | "OFFLINE" => Ok(Self::OutOfService),
            _ => Err(format!("unknown status {text:?}; expected UP, DOWN or OUT_OF_SERVICE")),
        }
    }
}

impl super::Spec for ServiceInstanceSpec {
    fn validate(&self, _at: &str, _p: &mut Problems) {}
}
