//! Service: a mesh service, its tenant, sidecar ports and the parts other kinds edit in place
//! (LoadBalance, Resilience, Mock, Observability*).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::load_balance::LoadBalanceSpec;
use super::mesh_controller::RegistryType;
use super::mock::MockSpec;
use super::observability::ObservabilitySpec;
use super::resilience::ResilienceSpec;
use crate::validate::{Problems, join};

/// Default sidecar ports, as in EaseMesh.
pub const DEFAULT_INGRESS_PORT: u16 = 13001;
/// Default sidecar egress port.
pub const DEFAULT_EGRESS_PORT: u16 = 13002;

/// A mesh service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceSpec {
    /// The tenant the service belongs to; it must exist.
    pub register_tenant: String,
    /// Registry the service comes from; empty for mesh-native services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_name: Option<String>,
    /// How the service's sidecar listens.
    #[serde(default)]
    pub sidecar: SidecarSpec,
    /// Mock responses given to callers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mock: Option<MockSpec>,
    /// Rate limiting, circuit breaking, retries and timeouts applied to calls to this service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resilience: Option<ResilienceSpec>,
    /// How callers pick an instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balance: Option<LoadBalanceSpec>,
    /// Settings forwarded to the in-app agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observability: Option<ObservabilitySpec>,
}

/// Sidecar listening settings; omitted fields take EaseMesh's conventional values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SidecarSpec {
    /// Registry protocol the app uses (defaults to the mesh's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery_type: Option<RegistryType>,
    /// Address the sidecar reaches the app on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Inbound port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_port: Option<u16>,
    /// Inbound protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_protocol: Option<Protocol>,
    /// Outbound port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_port: Option<u16>,
    /// Outbound protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_protocol: Option<Protocol>,
}

/// Sidecar protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// HTTP/1.1.
    Http,
}

impl super::Spec for ServiceSpec {
    fn apply_defaults(&mut self) {
        let s = &mut self.sidecar;
        s.address.get_or_insert_with(|| "127.0.0.1".to_owned());
        s.ingress_port.get_or_insert(DEFAULT_INGRESS_PORT);
        s.ingress_protocol.get_or_insert(Protocol::Http);
        s.egress_port.get_or_insert(DEFAULT_EGRESS_PORT);
        s.egress_protocol.get_or_insert(Protocol::Http);
    }

    fn validate(&self, at: &str, p: &mut Problems) {
        let tenant = join(at, "registerTenant");
        if p.required(&tenant, &self.register_tenant) {
            p.name(&tenant, &self.register_tenant);
        }
        let s = &self.sidecar;
        for (field, port) in [("ingressPort", s.ingress_port), ("egressPort", s.egress_port)] {
            if port == Some(0) {
                p.push(
                    join(at, &format!("sidecar.{field}")),
                    "must be between 1 and 65535, got 0",
                );
            }
        }
        if s.ingress_port.is_some() && s.ingress_port == s.egress_port {
            p.push(join(at, "sidecar.egressPort"), "must differ from ingressPort");
        }
        if let Some(mock) = &self.mock {
            mock.validate(&join(at, "mock"), p);
        }
        if let Some(resilience) = &self.resilience {
            resilience.validate(&join(at, "resilience"), p);
        }
        if let Some(lb) = &self.load_balance {
            lb.validate(&join(at, "loadBalance"), p);
        }
        if let Some(observability) = &self.observability {
            observability.validate(&join(at, "observability"), p);
        }
    }
}
