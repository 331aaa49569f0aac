//! ShadowService: a copy of a meshed workload that receives only requests carrying
//! `X-Mesh-Shadow: <trafficHeaderValue>` and talks to other middleware. EaseMesh's shape
//! (its shadow add-on's custom kind) is accepted unchanged, plus `removeEnvs`.
//!
//! Middleware passwords and Secret data are write-only: see [`crate::kind::KindInfo::write_only`].

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validate::{Problems, join};

/// The request header whose value selects a shadow.
pub const HEADER: &str = "X-Mesh-Shadow";

/// A shadow of one mesh service's workload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShadowServiceSpec {
    /// Kubernetes namespace of the source workload.
    pub namespace: String,
    /// Mesh service whose workload is copied (its `mesh.megaease.com/service-name`).
    pub service_name: String,
    /// Value of `X-Mesh-Shadow` that reaches this shadow; names the copy and its canary.
    pub traffic_header_value: String,
    /// Staging MySQL for the copy (`EASE_RESOURCE_DATABASE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql: Option<Credentials>,
    /// Staging Kafka for the copy (`EASE_RESOURCE_KAFKA`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka: Option<Brokers>,
    /// Staging Redis for the copy (`EASE_RESOURCE_REDIS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis: Option<Credentials>,
    /// Staging RabbitMQ for the copy (`EASE_RESOURCE_RABBITMQ`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rabbit_mq: Option<Credentials>,
    /// Staging Elasticsearch for the copy (`EASE_RESOURCE_ELASTICSEARCH`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elastic_search: Option<Credentials>,
    /// Environment of the copy's app container: added, or replacing the source's value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub envs: BTreeMap<String, String>,
    /// Environment variables removed from the copy's app container.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove_envs: Vec<String>,
    /// Keys merged over the copies of the ConfigMaps the workload references, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_maps: Vec<ConfigMapOverride>,
    /// Keys merged over the copies of the Secrets the workload references, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretOverride>,
}

/// Address and account of a middleware.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Credentials {
    // Required, but checked as rules (not by the schema) so a missing one does not hide the
    // document's other problems.
    /// Where it is (a URI or a comma-separated list).
    #[serde(default)]
    pub uris: String,
    /// Account name.
    #[serde(default)]
    pub user_name: String,
    /// Account password (write-only: never shown on read).
    #[serde(default)]
    #[schemars(extend("writeOnly" = true))]
    pub password: String,
}

/// Address of a middleware without an account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Brokers {
    /// Where it is (a URI or a comma-separated list).
    pub uris: String,
}

/// Name and labels of a ConfigMap or Secret given in a ShadowService.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectMeta {
    /// Name of the source's ConfigMap or Secret these keys override.
    pub name: String,
    /// The ShadowService's namespace, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Labels added to the copy.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations added to the copy.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A Kubernetes ConfigMap whose keys override the copy of the source's ConfigMap of that name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigMapOverride {
    /// `v1`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `ConfigMap`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Which ConfigMap.
    pub metadata: ObjectMeta,
    /// Keys set in the copy.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
    /// Binary keys set in the copy (base64).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub binary_data: BTreeMap<String, String>,
}

/// A Kubernetes Secret whose keys override the copy of the source's Secret of that name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretOverride {
    /// `v1`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `Secret`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Which Secret.
    pub metadata: ObjectMeta,
    /// The Secret's type, when given; it must be the source's.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub secret_type: Option<String>,
    /// Keys set in the copy, base64-encoded (write-only).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("writeOnly" = true))]
    pub data: BTreeMap<String, String>,
    /// Keys set in the copy, as text (write-only).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("writeOnly" = true))]
    pub string_data: BTreeMap<String, String>,
}

impl ShadowServiceSpec {
    /// The ServiceCanary every shadow with this header value shares: `<value>-shadow`.
    #[must_use]
    pub fn canary_name(&self) -> String {
        canary_name(&self.traffic_header_value)
    }
}

/// The canary (and instance label value) of a traffic header value: `<value>-shadow`.
#[must_use]
pub fn canary_name(traffic_header_value: &str) -> String {
    format!("{traffic_header_value}-shadow")
}

/// Longest header value: `<value>-shadow` must stay a Kubernetes label value (63 characters).
const MAX_HEADER_VALUE: usize = 63 - "-shadow".len();

impl super::Spec for ShadowServiceSpec {
    fn validate(&self, at: &str, p: &mut Problems) {
        let namespace = join(at, "namespace");
        if p.required(&namespace, &self.namespace) {
            dns_label(p, &namespace, &self.namespace, 63);
        }
        let service = join(at, "serviceName");
        if p.required(&service, &self.service_name) {
            p.name(&service, &self.service_name);
        }
        let header = join(at, "trafficHeaderValue");
        if p.required(&header, &self.traffic_header_value) {
            dns_label(p, &header, &self.traffic_header_value, MAX_HEADER_VALUE);
        }
        for (field, credentials) in [
            ("mysql", &self.mysql),
            ("redis", &self.redis),
            ("rabbitMq", &self.rabbit_mq),
            ("elasticSearch", &self.elastic_search),
        ] {
            if let Some(c) = credentials {
                let at = join(at, field);
                p.required(&join(&at, "uris"), &c.uris);
                p.required(&join(&at, "userName"), &c.user_name);
                p.required(&join(&at, "password"), &c.password);
            }
        }
        if let Some(kafka) = &self.kafka {
            p.required(&join(at, "kafka.uris"), &kafka.uris);
        }
        let envs = join(at, "envs");
        for name in self.envs.keys() {
            env_name(p, &join(&envs, name), name);
        }
        let remove = join(at, "removeEnvs");
        for (i, name) in self.remove_envs.iter().enumerate() {
            let field = format!("{remove}[{i}]");
            env_name(p, &field, name);
            if self.envs.contains_key(name) {
                p.push(
                    &field,
                    format!("{name:?} is also set in envs; set it or remove it, not both"),
                );
            }
        }
        p.unique(&remove, self.remove_envs.iter().map(String::as_str));
        let maps = join(at, "configMaps");
        for (i, map) in self.config_maps.iter().enumerate() {
            let at = format!("{maps}[{i}]");
            self.object_header(
                p,
                &at,
                map.api_version.as_deref(),
                map.kind.as_deref(),
                "ConfigMap",
                &map.metadata,
            );
            keys(p, &at, ("data", &map.data), ("binaryData", &map.binary_data));
            for (key, value) in &map.binary_data {
                base64(p, &join(&join(&at, "binaryData"), key), value);
            }
            if map.data.is_empty() && map.binary_data.is_empty() {
                p.push(&at, "sets no key; give data or binaryData");
            }
        }
        p.unique(&maps, self.config_maps.iter().map(|m| m.metadata.name.as_str()));
        let secrets = join(at, "secrets");
        for (i, secret) in self.secrets.iter().enumerate() {
            let at = format!("{secrets}[{i}]");
            self.object_header(
                p,
                &at,
                secret.api_version.as_deref(),
                secret.kind.as_deref(),
                "Secret",
                &secret.metadata,
            );
            keys(p, &at, ("data", &secret.data), ("stringData", &secret.string_data));
            for (key, value) in &secret.data {
                base64(p, &join(&join(&at, "data"), key), value);
            }
            if secret.data.is_empty() && secret.string_data.is_empty() {
                p.push(&at, "sets no key; give data or stringData");
            }
        }
        p.unique(&secrets, self.secrets.iter().map(|s| s.metadata.name.as_str()));
    }
}

impl ShadowServiceSpec {
    fn object_header(
        &self,
        p: &mut Problems,
        at: &str,
        api_version: Option<&str>,
        kind: Option<&str>,
        expected: &str,
        metadata: &ObjectMeta,
    ) {
        if let Some(version) = api_version
            && version != "v1"
        {
            p.push(join(at, "apiVersion"), format!("must be v1, got {version:?}"));
        }
        if let Some(kind) = kind
            && kind != expected
        {
            p.push(join(at, "kind"), format!("must be {expected}, got {kind:?}"));
        }
        let name = join(at, "metadata.name");
        if p.required(&name, &metadata.name) {
            dns_subdomain(p, &name, &metadata.name);
        }
        if let Some(namespace) = &metadata.namespace
            && *namespace != self.namespace
        {
            p.push(
                join(at, "metadata.namespace"),
                format!(
                    "must be the ShadowService's namespace {:?}, got {namespace:?}",
                    self.namespace
                ),
            );
        }
    }
}

/// RFC 1123 label: lower-case letters, digits and `-`, starting and ending alphanumeric.
fn dns_label(p: &mut Problems, field: &str, value: &str, max: usize) {
    if value.len() > max {
        p.push(field, format!("must be at most {max} characters, got {}", value.len()));
    } else if !is_dns_label(value) {
        p.push(
            field,
            format!(
                "invalid {value:?}: use lower-case letters, digits and '-', starting and ending with a letter or digit"
            ),
        );
    }
}

fn is_dns_label(value: &str) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
fn dns_subdomain(p: &mut Problems, field: &str, value: &str) {
    if value.len() > 253 || !value.split('.').all(is_dns_label) {
        p.push(
            field,
            format!("invalid {value:?}: a Kubernetes name is lower-case letters, digits, '-' and '.', at most 253 characters"),
        );
    }
}

/// Kubernetes accepts any printable ASCII but `=` in an environment variable name.
fn env_name(p: &mut Problems, field: &str, name: &str) {
    let printable = name.bytes().all(|b| b.is_ascii_graphic() && b != b'=');
    if name.is_empty() || !printable {
        p.push(
            field,
            format!("invalid environment variable name {name:?}: printable characters other than '=' and space"),
        );
    }
}

/// Checks the keys of two maps of one object, which must not share a key.
fn keys(
    p: &mut Problems,
    at: &str,
    (first, a): (&str, &BTreeMap<String, String>),
    (second, b): (&str, &BTreeMap<String, String>),
) {
    for key in a.keys() {
        config_key(p, &join(&join(at, first), key), key);
    }
    for key in b.keys() {
        let field = join(&join(at, second), key);
        config_key(p, &field, key);
        if a.contains_key(key) {
            p.push(&field, format!("{key:?} is also in {first}; give each key once"));
        }
    }
}

/// A ConfigMap or Secret key: letters, digits, `-`, `_` and `.`, at most 253 characters.
fn config_key(p: &mut Problems, field: &str, key: &str) {
    let valid = !key.is_empty()
        && key.len() <= 253
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && key != "."
        && key != "..";
    if !valid {
        p.push(
            field,
            format!("invalid key {key:?}: letters, digits, '-', '_' and '.', at most 253 characters"),
        );
    }
}

fn base64(p: &mut Problems, field: &str, value: &str) {
    use base64::Engine as _;
    if value != crate::redact::REDACTED && base64::engine::general_purpose::STANDARD.decode(value).is_err() {
        p.push(field, "must be base64 (use stringData for text)");
    }
}

#[cfg(test)]
mod tests;
