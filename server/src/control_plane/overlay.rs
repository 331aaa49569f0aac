//! Fields shown on read that nobody writes: an instance's tenant and canary labels.

use std::collections::BTreeMap;

use meshlib::resource::Resource;
use serde_json::Value;

/// Canary labels of an instance: the labels selected by ServiceCanaries matching its service,
/// or, when none selects it, all its labels.
pub fn canary_labels(service: &str, labels: &BTreeMap<&str, &str>, canaries: &[Resource]) -> String {
    let mut selected: BTreeMap<&str, &str> = BTreeMap::new();
    for canary in canaries {
        let selector = &canary.spec["selector"];
        let serves = selector["matchServices"]
            .as_array()
            .is_some_and(|services| services.iter().any(|s| s.as_str() == Some(service)));
        let Some(wanted) = selector["matchInstanceLabels"].as_object() else {
            continue;
        };
        let carries = !wanted.is_empty()
            && wanted
                .iter()
                .all(|(k, v)| labels.get(k.as_str()).copied() == v.as_str());
        if serves && carries {
            for (k, v) in wanted {
                if let Some(v) = v.as_str() {
                    selected.insert(k, v);
                }
            }
        }
    }
    let pairs: Vec<String> = if selected.is_empty() {
        labels.iter().map(|(k, v)| format!("{k}={v}")).collect()
    } else {
        selected.iter().map(|(k, v)| format!("{k}={v}")).collect()
    };
    pairs.join(",")
}

/// What deriving instance fields needs: each service's tenant, and the canaries.
pub struct InstanceContext {
    /// Service name → tenant.
    pub tenants: BTreeMap<String, String>,
    /// Every ServiceCanary.
    pub canaries: Vec<Resource>,
}

impl InstanceContext {
    /// The tenant and canary labels of an instance of `service` with `labels`.
    pub fn derive(&self, service: &str, labels: &Value) -> (Option<&str>, String) {
        let labels: BTreeMap<&str, &str> = labels
            .as_object()
            .map(|m| m.iter().filter_map(|(k, v)| Some((k.as_str(), v.as_str()?))).collect())
            .unwrap_or_default();
        (
            self.tenants.get(service).map(String::as_str),
            canary_labels(service, &labels, &self.canaries),
        )
    }
}

/// Adds `tenant` and `canary` to an instance.
pub fn instance(item: &mut Resource, context: &InstanceContext) {
    let service = item.spec["serviceName"].as_str().unwrap_or_default();
    let (tenant, canary) = context.derive(service, &item.spec["labels"]);
    let tenant = tenant.map(str::to_owned);
    let Some(spec) = item.spec.as_object_mut() else {
        return;
    };
    if let Some(tenant) = tenant {
        spec.insert("tenant".into(), Value::String(tenant));
    }
    if !canary.is_empty() {
        spec.insert("canary".into(), Value::String(canary));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meshlib::kind::{Kind, ResourceKind};
    use serde_json::json;

    fn labels<'a>(pairs: &[(&'a str, &'a str)]) -> BTreeMap<&'a str, &'a str> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn canary_labels_prefer_what_a_canary_selects() {
        let canary = Resource::new(
            &ResourceKind::Builtin(Kind::ServiceCanary),
            "bj",
            json!({"selector": {"matchServices": ["order"], "matchInstanceLabels": {"release": "bj"}}}),
        );
        let both = labels(&[("release", "bj"), ("zone", "a")]);
        assert_eq!(
            canary_labels("order", &both, std::slice::from_ref(&canary)),
            "release=bj"
        );
        assert_eq!(
            canary_labels("pay", &both, std::slice::from_ref(&canary)),
            "release=bj,zone=a"
        );
        assert_eq!(canary_labels("order", &labels(&[]), &[canary]), "");
    }
}
