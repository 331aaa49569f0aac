//! Registry wire types (what sidecars send) and the instance filters of
//! `emctl get serviceinstance`. Pure: no I/O.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::resource::Resource;
use crate::selector::Selector;
use crate::spec::instance::{Health, InstanceStatus};

/// How often a sidecar beats until a heartbeat reply tells it the MeshController's
/// `heartbeatInterval`; also the interval when no MeshController sets one.
pub const FIRST_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);

/// `POST /apis/v2/registry/instances`: a sidecar registers its instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    /// Service name; the Service must exist.
    pub service_name: String,
    /// Instance id, unique within the service.
    #[serde(rename = "instanceID")]
    pub instance_id: String,
    /// Address of the sidecar.
    pub ip: String,
    /// Ingress port of the sidecar.
    pub port: u16,
    /// Admin port of the sidecar (`/metrics`), on the same address; omitted by older sidecars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_port: Option<u16>,
    /// Instance labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Agent in the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_type: Option<String>,
    /// Health at registration.
    #[serde(default)]
    pub health: Health,
}

/// `PUT /apis/v2/registry/instances/{service}/{id}/heartbeat`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Heartbeat {
    /// The local health check's verdict; unchanged when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<Health>,
}

/// Answer to a heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HeartbeatReply {
    /// The instance's status now.
    pub status: InstanceStatus,
    /// How often to beat (the MeshController's `heartbeatInterval`).
    pub heartbeat_interval: String,
}

/// The filters of `emctl get serviceinstance`; all given ones must hold.
#[derive(Debug, Clone, Default)]
pub struct InstanceFilter {
    /// Only instances of this service.
    pub service: Option<String>,
    /// Only instances of services in this tenant.
    pub tenant: Option<String>,
    /// `Some(None)`: only canary instances; `Some(Some(v))`: canary instances with a canary label
    /// whose value (or `key=value`) is `v`.
    pub canary: Option<Option<String>>,
    /// Only instances with this status.
    pub status: Option<InstanceStatus>,
    /// Only instances whose labels match.
    pub selector: Option<Selector>,
}

impl InstanceFilter {
    /// True when `instance` (a ServiceInstance as the control plane shows it) passes.
    #[must_use]
    pub fn matches(&self, instance: &Resource) -> bool {
        let spec = &instance.spec;
        let text = |field: &str| spec.get(field).and_then(|v| v.as_str()).unwrap_or_default();
        if self.service.as_deref().is_some_and(|s| s != text("serviceName")) {
            return false;
        }
        if self.tenant.as_deref().is_some_and(|t| t != text("tenant")) {
            return false;
        }
        if let Some(wanted) = self.status
            && text("status") != wanted.as_str()
        {
            return false;
        }
        let labels: BTreeMap<String, String> = spec
            .get("labels")
            .and_then(|l| serde_json::from_value(l.clone()).ok())
            .unwrap_or_default();
        if self.selector.as_ref().is_some_and(|s| !s.matches(&labels)) {
            return false;
        }
        match &self.canary {
            None => true,
            Some(None) => !text("canary").is_empty(),
            Some(Some(value)) => {
                let canary = text("canary");
                canary
                    .split(',')
                    .any(|pair| pair == value || pair.split_once('=').is_some_and(|(_, v)| v == value))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kind::{Kind, ResourceKind};

    fn instance(
        service: &str,
        id: &str,
        tenant: &str,
        status: &str,
        labels: serde_json::Value,
        canary: &str,
    ) -> Resource {
        let mut spec =
            json!({"serviceName": service, "instanceID": id, "tenant": tenant, "status": status, "labels": labels});
        if !canary.is_empty() {
            spec["canary"] = json!(canary);
        }
        Resource::new(
            &ResourceKind::Builtin(Kind::ServiceInstance),
            &format!("{service}/{id}"),
            spec,
        )
    }

    /// Instances covering every field the filters look at.
    fn instances() -> [Resource; 6] {
        [
            instance("order", "o-1", "shop", "UP", json!({}), ""),
            instance("order", "o-2", "shop", "DOWN", json!({"zone": "a"}), "zone=a"),
            instance(
                "order",
                "o-canary",
                "shop",
                "UP",
                json!({"release": "v2", "zone": "a"}),
                "release=v2",
            ),
            instance(
                "pay",
                "p-1",
                "finance",
                "OUT_OF_SERVICE",
                json!({"release": "v2"}),
                "release=v2",
            ),
            instance("pay", "p-2", "finance", "UP", json!({}), ""),
            instance("gateway", "g-1", "global", "UP", json!({"zone": "b"}), "zone=b"),
        ]
    }

    /// A filter, and the instances it must let through (in the order of [`instances`]).
    struct Case {
        name: &'static str,
        filter: InstanceFilter,
        matches: &'static [&'static str],
    }

    fn text(value: &str) -> Option<String> {
        Some(value.to_owned())
    }

    fn selector(text: &str) -> Option<Selector> {
        Some(text.parse().expect("a valid selector"))
    }

    fn cases() -> Vec<Case> {
        let none = InstanceFilter::default;
        vec![
            Case {
                name: "no filter lets every instance through",
                filter: none(),
                matches: &[
                    "order/o-1",
                    "order/o-2",
                    "order/o-canary",
                    "pay/p-1",
                    "pay/p-2",
                    "gateway/g-1",
                ],
            },
            Case {
                name: "a service keeps its own instances",
                filter: InstanceFilter {
                    service: text("order"),
                    ..none()
                },
                matches: &["order/o-1", "order/o-2", "order/o-canary"],
            },
            Case {
                name: "a tenant keeps the instances of its services",
                filter: InstanceFilter {
                    tenant: text("finance"),
                    ..none()
                },
                matches: &["pay/p-1", "pay/p-2"],
            },
            Case {
                name: "the global tenant is a tenant like the others",
                filter: InstanceFilter {
                    tenant: text("global"),
                    ..none()
                },
                matches: &["gateway/g-1"],
            },
            Case {
                name: "a service outside the tenant asked for matches nothing",
                filter: InstanceFilter {
                    service: text("order"),
                    tenant: text("global"),
                    ..none()
                },
                matches: &[],
            },
            Case {
                name: "status UP",
                filter: InstanceFilter {
                    status: Some(InstanceStatus::Up),
                    ..none()
                },
                matches: &["order/o-1", "order/o-canary", "pay/p-2", "gateway/g-1"],
            },
            Case {
                name: "status DOWN",
                filter: InstanceFilter {
                    status: Some(InstanceStatus::Down),
                    ..none()
                },
                matches: &["order/o-2"],
            },
            Case {
                name: "status OUT_OF_SERVICE",
                filter: InstanceFilter {
                    status: Some(InstanceStatus::OutOfService),
                    ..none()
                },
                matches: &["pay/p-1"],
            },
            Case {
                name: "--canary alone keeps every instance with a canary label",
                filter: InstanceFilter {
                    canary: Some(None),
                    ..none()
                },
                matches: &["order/o-2", "order/o-canary", "pay/p-1", "gateway/g-1"],
            },
            Case {
                name: "a canary value matches the value of a canary label",
                filter: InstanceFilter {
                    canary: Some(text("v2")),
                    ..none()
                },
                matches: &["order/o-canary", "pay/p-1"],
            },
            Case {
                name: "a canary key=value matches that pair",
                filter: InstanceFilter {
                    canary: Some(text("zone=a")),
                    ..none()
                },
                matches: &["order/o-2"],
            },
            Case {
                name: "a canary label's key alone is not a value",
                filter: InstanceFilter {
                    canary: Some(text("release")),
                    ..none()
                },
                matches: &[],
            },
            Case {
                name: "a canary filter applies to canary labels, not to the other labels",
                filter: InstanceFilter {
                    canary: Some(text("a")),
                    ..none()
                },
                matches: &["order/o-2"],
            },
            Case {
                name: "a label selector's equality",
                filter: InstanceFilter {
                    selector: selector("zone=a"),
                    ..none()
                },
                matches: &["order/o-2", "order/o-canary"],
            },
            Case {
                name: "a label selector's absence",
                filter: InstanceFilter {
                    selector: selector("!release"),
                    ..none()
                },
                matches: &["order/o-1", "order/o-2", "pay/p-2", "gateway/g-1"],
            },
            Case {
                name: "every given filter must hold",
                filter: InstanceFilter {
                    service: text("order"),
                    tenant: text("shop"),
                    canary: Some(None),
                    status: Some(InstanceStatus::Up),
                    selector: selector("zone=a"),
                },
                matches: &["order/o-canary"],
            },
            Case {
                name: "one filter that fails is enough to leave an instance out",
                filter: InstanceFilter {
                    service: text("order"),
                    canary: Some(text("v2")),
                    status: Some(InstanceStatus::Down),
                    ..none()
                },
                matches: &[],
            },
        ]
    }

    #[test]
    fn filters_let_through_exactly_the_instances_they_describe() {
        let instances = instances();
        let failed: Vec<String> = cases()
            .iter()
            .filter_map(|case| {
                let matched: Vec<&str> = instances
                    .iter()
                    .filter(|i| case.filter.matches(i))
                    .map(|i| i.metadata.name.as_str())
                    .collect();
                (matched != case.matches)
                    .then(|| format!("{}: expected {:?}, got {matched:?}", case.name, case.matches))
            })
            .collect();
        assert!(failed.is_empty(), "cases failed:\n{}", failed.join("\n"));
    }
}
