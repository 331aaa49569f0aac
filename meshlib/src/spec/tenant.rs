//! Tenant: a group of services that can see each other (`global` is visible to all).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validate::Problems;

/// A tenant. `services` is derived by the control plane from each Service's `registerTenant`:
/// it is shown on read and ignored on write.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantSpec {
    /// Services registered to this tenant (read-only, maintained by the control plane).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl super::Spec for TenantSpec {
    fn validate(&self, at: &str, p: &mut Problems) {
        for (i, service) in self.services.iter().enumerate() {
            p.name(&format!("{at}.services[{i}]"), service);
        }
    }
}
