//! Ingress: north-south routing from the mesh ingress to mesh services.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validate::{Problems, join};

/// Mesh ingress rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressSpec {
    /// Host rules, first match wins.
    pub rules: Vec<IngressRule>,
}

/// Paths served for one host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressRule {
    /// Host name; any host when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Path rules.
    pub paths: Vec<IngressPath>,
}

/// One path rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressPath {
    /// Path regular expression.
    pub path: String,
    /// Replacement for the matched path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite_target: Option<String>,
    /// Mesh service receiving the request.
    pub backend: String,
}

impl super::Spec for IngressSpec {
    fn validate(&self, at: &str, p: &mut Problems) {
        if self.rules.is_empty() {
            p.push(join(at, "rules"), "at least one rule is required");
        }
        for (i, rule) in self.rules.iter().enumerate() {
            let at = format!("{}[{i}]", join(at, "rules"));
            if rule.paths.is_empty() {
                p.push(join(&at, "paths"), "at least one path is required");
            }
            for (j, path) in rule.paths.iter().enumerate() {
                let at = format!("{at}.paths[{j}]");
                if p.required(&join(&at, "path"), &path.path) {
                    p.regex(&join(&at, "path"), &path.path);
                }
                if p.required(&join(&at, "backend"), &path.backend) {
                    p.name(&join(&at, "backend"), &path.backend);
                }
            }
        }
    }
}
