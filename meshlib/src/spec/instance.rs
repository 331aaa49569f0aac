//! ServiceInstance: a running copy of a service, registered by its sidecar (read-only for users).

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
    /// When it registered (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_time: Option<String>,
    /// Instance labels, used by canaries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `UP`, `DOWN` or `OUT_OF_SERVICE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Agent in the app (`EaseAgent`, `GoSDK`, `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_type: Option<String>,
}

impl super::Spec for ServiceInstanceSpec {
    fn validate(&self, _at: &str, _p: &mut Problems) {}
}
