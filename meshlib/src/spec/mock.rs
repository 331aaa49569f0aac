//! Mock: canned responses a caller's sidecar returns instead of calling the service.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::matching::StringMatch;
use crate::validate::{Problems, join};

/// Mock settings (part of a Service).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MockSpec {
    /// Whether the rules are used.
    #[serde(default)]
    pub enabled: bool,
    /// Rules, first match wins.
    #[serde(default)]
    pub rules: Vec<MockRule>,
}

/// One canned response and the requests it answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MockRule {
    /// Which requests; all when empty.
    #[serde(default, rename = "match")]
    pub matcher: MockMatch,
    /// Response status.
    pub code: u16,
    /// Response headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Response body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Delay before responding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<String>,
}

/// Request matcher of a mock rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MockMatch {
    /// Exact path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Path prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
    /// Header matchers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, StringMatch>,
    /// Require every header matcher (otherwise any one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_all_headers: Option<bool>,
}

impl super::Spec for MockSpec {
    fn validate(&self, at: &str, p: &mut Problems) {
        if self.enabled && self.rules.is_empty() {
            p.push(join(at, "rules"), "at least one rule is required when enabled");
        }
        for (i, rule) in self.rules.iter().enumerate() {
            let at = format!("{}[{i}]", join(at, "rules"));
            p.status_code(&join(&at, "code"), rule.code);
            p.duration(&join(&at, "delay"), rule.delay.as_deref());
            let m = &rule.matcher;
            if m.path.is_some() && m.path_prefix.is_some() {
                p.push(join(&at, "match"), "set either path or pathPrefix, not both");
            }
            for (field, value) in [("path", &m.path), ("pathPrefix", &m.path_prefix)] {
                if let Some(path) = value
                    && !path.starts_with('/')
                {
                    p.push(join(&at, &format!("match.{field}")), "must start with '/'");
                }
            }
            for (name, matcher) in &m.headers {
                matcher.validate(&join(&at, &format!("match.headers.{name}")), p);
            }
        }
    }
}
