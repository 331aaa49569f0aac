//! Observability parts: settings the sidecar forwards to the in-app agent (tracing, metrics and
//! the Kafka output server). The data plane does not interpret them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validate::{Problems, join};

/// All observability settings of a Service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObservabilitySpec {
    /// Where agents send their data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_server: Option<OutputServerSpec>,
    /// Tracing settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracings: Option<TracingsSpec>,
    /// Metrics settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<MetricsSpec>,
}

/// Kafka output for agents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutputServerSpec {
    /// Whether agents report.
    #[serde(default)]
    pub enabled: bool,
    /// Comma-separated `host:port` list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bootstrap_server: Option<String>,
    /// Timeout in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
}

/// Tracing settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TracingsSpec {
    /// Whether tracing is on.
    #[serde(default)]
    pub enabled: bool,
    /// Sampled traces per second.
    #[serde(default, rename = "sampleByQPS", skip_serializing_if = "Option::is_none")]
    pub sample_by_qps: Option<u32>,
    /// Span output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<TracingOutput>,
    /// Inbound requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<TracingDetail>,
    /// Outbound calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_invoke: Option<TracingDetail>,
    /// Kafka clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka: Option<TracingDetail>,
    /// JDBC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jdbc: Option<TracingDetail>,
    /// Redis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis: Option<TracingDetail>,
    /// RabbitMQ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rabbit: Option<TracingDetail>,
}

/// Span reporter settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TracingOutput {
    /// Whether spans are reported.
    #[serde(default)]
    pub enabled: bool,
    /// Reporter threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_thread: Option<u32>,
    /// Kafka topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Largest message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_max_bytes: Option<u64>,
    /// Spans queued before dropping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_max_spans: Option<u64>,
    /// Bytes queued before dropping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_max_size: Option<u64>,
    /// Send timeout in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_timeout: Option<u64>,
}

/// One traced component.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TracingDetail {
    /// Whether it is traced.
    #[serde(default)]
    pub enabled: bool,
    /// Prefix of span service names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_prefix: Option<String>,
}

/// Metrics settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricsSpec {
    /// Whether metrics are on.
    #[serde(default)]
    pub enabled: bool,
    /// Access logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<MetricsDetail>,
    /// Request metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<MetricsDetail>,
    /// JDBC statements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jdbc_statement: Option<MetricsDetail>,
    /// JDBC connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jdbc_connection: Option<MetricsDetail>,
    /// RabbitMQ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rabbit: Option<MetricsDetail>,
    /// Kafka.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka: Option<MetricsDetail>,
    /// Redis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis: Option<MetricsDetail>,
    /// JVM garbage collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jvm_gc: Option<MetricsDetail>,
    /// JVM memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jvm_memory: Option<MetricsDetail>,
    /// MD5 dictionary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md5_dictionary: Option<MetricsDetail>,
}

/// One metrics source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetricsDetail {
    /// Whether it is collected.
    #[serde(default)]
    pub enabled: bool,
    /// Report interval in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<u32>,
    /// Kafka topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
}

impl super::Spec for ObservabilitySpec {
    fn validate(&self, at: &str, p: &mut Problems) {
        if let Some(o) = &self.output_server {
            o.validate(&join(at, "outputServer"), p);
        }
        if let Some(m) = &self.metrics {
            m.validate(&join(at, "metrics"), p);
        }
    }
}

impl super::Spec for OutputServerSpec {
    fn validate(&self, at: &str, p: &mut Problems) {
        let field = join(at, "bootstrapServer");
        match self.bootstrap_server.as_deref().map(str::trim) {
            None | Some("") if self.enabled => p.push(field, "is required when enabled"),
            Some(list) if !list.is_empty() => {
                for server in list.split(',') {
                    let valid = server
                        .trim()
                        .rsplit_once(':')
                        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0));
                    if !valid {
                        p.push(&field, format!("{:?} is not host:port", server.trim()));
                    }
                }
            }
            _ => {}
        }
    }
}

impl super::Spec for TracingsSpec {
    fn validate(&self, _at: &str, _p: &mut Problems) {}
}

impl super::Spec for MetricsSpec {
    fn validate(&self, at: &str, p: &mut Problems) {
        let details = [
            ("access", &self.access),
            ("request", &self.request),
            ("jdbcStatement", &self.jdbc_statement),
            ("jdbcConnection", &self.jdbc_connection),
            ("rabbit", &self.rabbit),
            ("kafka", &self.kafka),
            ("redis", &self.redis),
            ("jvmGc", &self.jvm_gc),
            ("jvmMemory", &self.jvm_memory),
            ("md5Dictionary", &self.md5_dictionary),
        ];
        for (name, detail) in details {
            if let Some(d) = detail
                && d.enabled
                && d.interval == Some(0)
            {
                p.push(join(at, &format!("{name}.interval")), "must be at least 1 when enabled");
            }
        }
    }
}
