//! Which services a service may discover and call: every service of its own tenant, every service
//! of the `global` tenant, and the destinations of TrafficTargets that list it as a source
//! (cross-tenant grants). Never itself.

use std::collections::BTreeSet;

use crate::resource::Resource;

/// The tenant whose services every service sees.
pub const GLOBAL_TENANT: &str = "global";

fn tenant_of<'a>(services: &'a [Resource], name: &str) -> Option<&'a str> {
    services
        .iter()
        .find(|s| s.metadata.name == name)
        .and_then(|s| s.spec.get("registerTenant")?.as_str())
}

/// Services `service` may call, sorted; empty when the service does not exist.
#[must_use]
pub fn visible_services(service: &str, services: &[Resource], traffic_targets: &[Resource]) -> Vec<String> {
    let Some(own) = tenant_of(services, service) else {
        return Vec::new();
    };
    let mut visible: BTreeSet<String> = services
        .iter()
        .filter(|s| {
            let tenant = s.spec.get("registerTenant").and_then(|t| t.as_str());
            tenant == Some(own) || tenant == Some(GLOBAL_TENANT)
        })
        .map(|s| s.metadata.name.clone())
        .collect();
    for target in traffic_targets {
        let is_source = target.spec["sources"]
            .as_array()
            .is_some_and(|sources| sources.iter().any(|s| s["name"].as_str() == Some(service)));
        if let (true, Some(destination)) = (is_source, target.spec["destination"]["name"].as_str())
            && tenant_of(services, destination).is_some()
        {
            visible.insert(destination.to_owned());
        }
    }
    visible.remove(service);
    visible.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kind::{Kind, ResourceKind};

    fn service(name: &str, tenant: &str) -> Resource {
        Resource::new(
            &ResourceKind::Builtin(Kind::Service),
            name,
            json!({"registerTenant": tenant}),
        )
    }

    #[test]
    fn own_tenant_global_tenant_and_granted_destinations() {
        let services = [
            service("order", "shop"),
            service("cart", "shop"),
            service("gateway", "global"),
            service("ledger", "finance"),
            service("audit", "finance"),
        ];
        let grant = Resource::new(
            &ResourceKind::Builtin(Kind::TrafficTarget),
            "order-to-ledger",
            json!({"destination": {"kind": "Service", "name": "ledger"}, "sources": [{"kind": "Service", "name": "order"}]}),
        );
        assert_eq!(
            visible_services("order", &services, std::slice::from_ref(&grant)),
            ["cart", "gateway", "ledger"]
        );
        assert_eq!(
            visible_services("cart", &services, std::slice::from_ref(&grant)),
            ["gateway", "order"]
        );
        assert_eq!(
            visible_services("gateway", &services, &[]),
            Vec::<String>::new(),
            "global sees only global"
        );
        assert_eq!(visible_services("audit", &services, &[grant]), ["gateway", "ledger"]);
        assert!(visible_services("nope", &services, &[]).is_empty());
    }
}
