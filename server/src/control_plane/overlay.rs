//! Fields shown on read that nobody writes: an instance's tenant and canary labels.

use std::collections::BTreeMap;

use meshlib::resource::Resource;
use serde_json::Value;

/// Canary labels of an instance: the labels selected by ServiceCanaries matching its service,
/// or, when none selects it, all its labels.
pub fn canary_labels(service: &str, labels: &BTreeMap<String, String>, canaries: &[Resource]) -> String {
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
                .all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str());
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

/// Adds `tenant` and `canary` to an instance.
pub fn instance(item: &mut Resource, tenants: &BTreeMap<String, String>, canaries: &[Resource]) {
    let service = item.spec["serviceName"].as_str().unwrap_or_default().to_owned();
    let labels: BTreeMap<String, String> = serde_json::from_value(item.spec["labels"].clone()).unwrap_or_default();
    let Some(spec) = item.spec.as_object_mut() else {
        return;
    };
    if let Some(tenant) = tenants.get(&service) {
        spec.insert("tenant".into(), Value::String(tenant.clone()));
    }
    let canary = canary_labels(&service, &labels, canaries);
    if !canary.is_empty() {
        spec.insert("canary".into(), Value::String(canary));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meshlib::kind::{Kind, ResourceKind};
    use serde_json::json;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
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
