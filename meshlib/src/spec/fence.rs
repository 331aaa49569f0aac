//! ServiceFence: the services a service really calls, so its sidecar only receives their config
//! (lazy loading, after Slime). Static dependencies are declared; learned ones are recorded by
//! the control plane from observed calls and expire after `learnedTTL` without a call.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validate::{Problems, join};

/// Dependencies of the service named like this object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceFenceSpec {
    /// Whether lazy loading is on for this service (on when omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable: Option<bool>,
    /// Services always pushed to the sidecar.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub static_dependencies: Vec<String>,
    /// Services seen being called, with the time of the last call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub learned_dependencies: Vec<LearnedDependency>,
    /// How long a learned dependency lives without a call (Go duration).
    #[serde(default, rename = "learnedTTL", skip_serializing_if = "Option::is_none")]
    pub learned_ttl: Option<String>,
}

/// A dependency learned from traffic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LearnedDependency {
    /// The called service.
    pub service: String,
    /// When it was last called (RFC 3339).
    pub last_called: String,
}

impl super::Spec for ServiceFenceSpec {
    fn validate(&self, at: &str, p: &mut Problems) {
        let statics = join(at, "staticDependencies");
        for (i, dep) in self.static_dependencies.iter().enumerate() {
            p.name(&format!("{statics}[{i}]"), dep);
        }
        p.unique(&statics, self.static_dependencies.iter().map(String::as_str));
        let learned = join(at, "learnedDependencies");
        for (i, dep) in self.learned_dependencies.iter().enumerate() {
            p.name(&format!("{learned}[{i}].service"), &dep.service);
            if humantime::parse_rfc3339_weak(&dep.last_called).is_err() {
                p.push(
                    format!("{learned}[{i}].lastCalled"),
                    format!(
                        "{:?} is not an RFC 3339 time (e.g. 2026-01-02T15:04:05Z)",
                        dep.last_called
                    ),
                );
            }
        }
        p.unique(&learned, self.learned_dependencies.iter().map(|d| d.service.as_str()));
        if let Some(ttl) = &self.learned_ttl {
            p.positive_duration(&join(at, "learnedTTL"), ttl);
        }
    }
}
