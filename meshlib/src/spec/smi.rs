//! SMI kinds: HTTPRouteGroup (traffic specs), TrafficTarget (access) and TrafficSplit (weights).
//! Identities are mesh services, not Kubernetes service accounts.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validate::{Problems, join};

/// Named HTTP matches that TrafficTargets and TrafficSplits refer to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpRouteGroupSpec {
    /// The matches.
    pub matches: Vec<HttpMatch>,
}

/// One HTTP match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpMatch {
    /// Referenced by rules.
    pub name: String,
    /// Methods; `*` for any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    /// Path regular expression, anchored at the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_regex: Option<String>,
}

/// Allows source services to call a destination service on some routes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrafficTargetSpec {
    /// The service being called.
    pub destination: ServiceRef,
    /// The services allowed to call it.
    pub sources: Vec<ServiceRef>,
    /// Allowed routes.
    #[serde(default)]
    pub rules: Vec<RouteRef>,
}

/// A reference to a mesh service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceRef {
    /// Always `Service`.
    pub kind: ServiceKind,
    /// Service name.
    pub name: String,
}

/// The only identity kind: a mesh service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ServiceKind {
    /// A mesh service.
    #[default]
    Service,
}

/// A reference to matches of an HTTPRouteGroup.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteRef {
    /// Always `HTTPRouteGroup`.
    pub kind: RouteKind,
    /// Group name.
    pub name: String,
    /// Match names; all of the group's when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<String>,
}

/// The only route kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum RouteKind {
    /// An HTTPRouteGroup.
    #[default]
    #[serde(rename = "HTTPRouteGroup")]
    HttpRouteGroup,
}

/// Splits traffic for a root service between backend services by weight.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrafficSplitSpec {
    /// The root service callers address.
    pub service: String,
    /// Weighted backends.
    pub backends: Vec<Backend>,
    /// Only requests matching these routes are split; all when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<RouteRef>,
}

/// A weighted backend.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Backend {
    /// Backend service.
    pub service: String,
    /// Relative weight.
    pub weight: u32,
}

impl super::Spec for HttpRouteGroupSpec {
    fn validate(&self, at: &str, p: &mut Problems) {
        let field = join(at, "matches");
        if self.matches.is_empty() {
            p.push(&field, "at least one match is required");
        }
        p.unique(&field, self.matches.iter().map(|m| m.name.as_str()));
        for (i, m) in self.matches.iter().enumerate() {
            let at = format!("{field}[{i}]");
            p.required(&join(&at, "name"), &m.name);
            for (j, method) in m.methods.iter().enumerate() {
                p.http_method(&format!("{at}.methods[{j}]"), method, true);
            }
            if let Some(regex) = &m.path_regex {
                p.regex(&join(&at, "pathRegex"), regex);
            }
        }
    }
}

impl super::Spec for TrafficTargetSpec {
    fn validate(&self, at: &str, p: &mut Problems) {
        p.name(&join(at, "destination.name"), &self.destination.name);
        let sources = join(at, "sources");
        if self.sources.is_empty() {
            p.push(&sources, "at least one source is required");
        }
        for (i, source) in self.sources.iter().enumerate() {
            p.name(&format!("{sources}[{i}].name"), &source.name);
        }
        p.unique(&sources, self.sources.iter().map(|s| s.name.as_str()));
        for (i, rule) in self.rules.iter().enumerate() {
            p.name(&format!("{}[{i}].name", join(at, "rules")), &rule.name);
        }
    }
}

impl super::Spec for TrafficSplitSpec {
    fn validate(&self, at: &str, p: &mut Problems) {
        p.name(&join(at, "service"), &self.service);
        let backends = join(at, "backends");
        if self.backends.is_empty() {
            p.push(&backends, "at least one backend is required");
        } else if self.backends.iter().all(|b| b.weight == 0) {
            p.push(&backends, "at least one backend needs a weight above 0");
        }
        for (i, backend) in self.backends.iter().enumerate() {
            p.name(&format!("{backends}[{i}].service"), &backend.service);
        }
        p.unique(&backends, self.backends.iter().map(|b| b.service.as_str()));
        for (i, route) in self.matches.iter().enumerate() {
            p.name(&format!("{}[{i}].name", join(at, "matches")), &route.name);
        }
    }
}
