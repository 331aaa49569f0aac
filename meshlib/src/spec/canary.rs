//! ServiceCanary: requests matching header rules go to instances carrying given labels.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::matching::StringMatch;
use crate::validate::{Problems, join};

/// Priority given to canaries that omit it (or say 0), as EaseMesh does.
pub const DEFAULT_PRIORITY: u32 = 5;

/// A canary release.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceCanarySpec {
    /// 1 (first) to 9 (last); 5 when omitted. Ties are broken by name.
    #[serde(default)]
    pub priority: u32,
    /// Which services and instances form the canary.
    pub selector: CanarySelector,
    /// Which requests are coloured for the canary.
    pub traffic_rules: TrafficRules,
}

/// Services and instance labels of a canary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CanarySelector {
    /// Services that have canary instances.
    pub match_services: Vec<String>,
    /// Labels an instance must carry to be a canary instance.
    pub match_instance_labels: BTreeMap<String, String>,
}

/// Header rules; a request must match all of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrafficRules {
    /// Header name to matcher.
    pub headers: BTreeMap<String, StringMatch>,
}

impl super::Spec for ServiceCanarySpec {
    fn apply_defaults(&mut self) {
        if self.priority == 0 {
            self.priority = DEFAULT_PRIORITY;
        }
    }

    fn validate(&self, at: &str, p: &mut Problems) {
        p.range(&join(at, "priority"), self.priority, 1, 9);
        let services = join(at, "selector.matchServices");
        if self.selector.match_services.is_empty() {
            p.push(&services, "at least one service is required");
        }
        for (i, service) in self.selector.match_services.iter().enumerate() {
            p.name(&format!("{services}[{i}]"), service);
        }
        p.unique(&services, self.selector.match_services.iter().map(String::as_str));
        if self.selector.match_instance_labels.is_empty() {
            p.push(
                join(at, "selector.matchInstanceLabels"),
                "at least one label is required (otherwise every instance is a canary instance)",
            );
        }
        let headers = join(at, "trafficRules.headers");
        if self.traffic_rules.headers.is_empty() {
            p.push(
                &headers,
                "at least one header rule is required (otherwise all traffic goes to the canary)",
            );
        }
        for (name, matcher) in &self.traffic_rules.headers {
            matcher.validate(&join(&headers, name), p);
        }
    }
}
