//! MeshController: the mesh-wide settings object (heartbeats, registry flavour, ports, mTLS, images).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validate::{Problems, join};

/// Mesh-wide settings. EaseMesh files carry these fields inline at the top level; they are
/// accepted there and under `spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeshControllerSpec {
    /// How often sidecars send heartbeats (Go duration, e.g. `5s`).
    pub heartbeat_interval: String,
    /// Registry protocol apps speak to their sidecar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_type: Option<RegistryType>,
    /// Sidecar registry/discovery API port (loopback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_port: Option<u16>,
    /// Mesh ingress HTTP port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_port: Option<u16>,
    /// Injected sidecars: port other sidecars call this instance on [default: 13001].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidecar_ingress_port: Option<u16>,
    /// Injected sidecars: port the app calls other services through [default: 13002].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidecar_egress_port: Option<u16>,
    /// Injected sidecars: admin port (`/healthz`, `/ready`, `/config`, `/metrics`), probed by the
    /// kubelet [default: 13090].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidecar_admin_port: Option<u16>,
    /// Name of an external registry to synchronise with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_service_registry: Option<String>,
    /// Purge instances of foreign registries at start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clean_external_registry: Option<bool>,
    /// mTLS between sidecars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<Security>,
    /// Registry prefix for images without a host part.
    #[serde(default, rename = "imageRegistryURL", skip_serializing_if = "Option::is_none")]
    pub image_registry_url: Option<String>,
    /// Kubernetes pull policy for injected images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<PullPolicy>,
    /// Sidecar image injected into meshed pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidecar_image_name: Option<String>,
    /// Init-container image injected into meshed pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_initializer_image_name: Option<String>,
    /// Log configuration file name for the in-app agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log4j_config_name: Option<String>,
    /// TLS settings pushed to in-app agents for their metrics reporter.
    #[serde(default, rename = "monitorMTLS", skip_serializing_if = "Option::is_none")]
    pub monitor_mtls: Option<MonitorMtls>,
    /// Sidecar HTTP server settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_spec: Option<WorkerSpec>,
}

/// Registry protocols the sidecar emulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RegistryType {
    /// Netflix Eureka.
    Eureka,
    /// HashiCorp Consul.
    Consul,
    /// Alibaba Nacos.
    Nacos,
}

/// Kubernetes image pull policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PullPolicy {
    /// Always pull.
    Always,
    /// Pull when missing.
    IfNotPresent,
    /// Never pull.
    Never,
}

impl PullPolicy {
    /// The value Kubernetes takes (`Always`, `IfNotPresent`, `Never`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "Always",
            Self::IfNotPresent => "IfNotPresent",
            Self::Never => "Never",
        }
    }
}

/// mTLS settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Security {
    /// `strict` turns on mTLS between sidecars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtls_mode: Option<MtlsMode>,
    /// Certificate source; only `selfSign` exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_provider: Option<CertProvider>,
    /// Lifetime of the root certificate.
    #[serde(default, rename = "rootCertTTL", skip_serializing_if = "Option::is_none")]
    pub root_cert_ttl: Option<String>,
    /// Lifetime of instance certificates; must be shorter than the root's.
    #[serde(default, rename = "appCertTTL", skip_serializing_if = "Option::is_none")]
    pub app_cert_ttl: Option<String>,
}

/// mTLS modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MtlsMode {
    /// Plain HTTP between sidecars.
    Permissive,
    /// Mutual TLS between sidecars.
    Strict,
}

/// Certificate providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum CertProvider {
    /// The control plane signs certificates with its own root.
    #[serde(rename = "selfSign")]
    SelfSign,
}

/// TLS material for the agents' metrics reporter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MonitorMtls {
    /// Whether the reporter uses TLS.
    #[serde(default)]
    pub enabled: bool,
    /// Reporter endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Reporter user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Reporter password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// How the agent appends reports (`http`, `kafka`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter_append_type: Option<String>,
    /// CA certificate, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert_base64: Option<String>,
    /// Per-service client certificates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certs: Vec<MonitorCert>,
}

/// A client certificate and the services that use it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MonitorCert {
    /// Certificate, base64.
    pub cert_base64: String,
    /// Private key, base64.
    pub key_base64: String,
    /// Services using this certificate.
    #[serde(default)]
    pub services: Vec<String>,
}

/// Sidecar HTTP server settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkerSpec {
    /// Inbound server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<ServerSpec>,
    /// Outbound server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<ServerSpec>,
}

/// Keep-alive settings of one sidecar server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServerSpec {
    /// Whether connections are kept alive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<bool>,
    /// Idle timeout of kept-alive connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_alive_timeout: Option<String>,
}

impl super::Spec for MeshControllerSpec {
    fn validate(&self, at: &str, p: &mut Problems) {
        p.positive_duration(&join(at, "heartbeatInterval"), &self.heartbeat_interval);
        let ports = [
            ("apiPort", self.api_port),
            ("ingressPort", self.ingress_port),
            ("sidecarIngressPort", self.sidecar_ingress_port),
            ("sidecarEgressPort", self.sidecar_egress_port),
            ("sidecarAdminPort", self.sidecar_admin_port),
        ];
        for (field, port) in ports {
            if port == Some(0) {
                p.push(join(at, field), "must be between 1 and 65535, got 0");
            }
        }
        self.validate_sidecar_ports(at, p);
        if let Some(security) = &self.security {
            security.validate(&join(at, "security"), p);
        }
        if let Some(monitor) = &self.monitor_mtls {
            monitor.validate(&join(at, "monitorMTLS"), p);
        }
        if let Some(worker) = &self.worker_spec {
            for (name, server) in [("ingress", &worker.ingress), ("egress", &worker.egress)] {
                if let Some(server) = server {
                    p.duration(
                        &join(at, &format!("workerSpec.{name}.keepAliveTimeout")),
                        server.keep_alive_timeout.as_deref(),
                    );
                }
            }
        }
    }
}

impl MeshControllerSpec {
    /// The ports one injected sidecar listens on must differ (the defaults fill the unset ones).
    fn validate_sidecar_ports(&self, at: &str, p: &mut Problems) {
        let sidecar = [
            ("sidecarIngressPort", self.sidecar_ingress_port, SIDECAR_INGRESS_PORT),
            ("sidecarEgressPort", self.sidecar_egress_port, SIDECAR_EGRESS_PORT),
            ("apiPort", self.api_port, SIDECAR_REGISTRY_PORT),
            ("sidecarAdminPort", self.sidecar_admin_port, SIDECAR_ADMIN_PORT),
        ];
        for (i, (field, port, default)) in sidecar.iter().enumerate() {
            let port = port.unwrap_or(*default);
            if let Some((other, _, _)) = sidecar[..i].iter().find(|(_, q, d)| q.unwrap_or(*d) == port) {
                p.push(
                    join(at, field),
                    format!("sidecar port {port} is also {other}; each sidecar port must differ"),
                );
            }
        }
    }

    /// The ports of injected sidecars, defaults filled in.
    #[must_use]
    pub fn sidecar_ports(&self) -> SidecarPorts {
        SidecarPorts {
            ingress: self.sidecar_ingress_port.unwrap_or(SIDECAR_INGRESS_PORT),
            egress: self.sidecar_egress_port.unwrap_or(SIDECAR_EGRESS_PORT),
            registry: self.api_port.unwrap_or(SIDECAR_REGISTRY_PORT),
            admin: self.sidecar_admin_port.unwrap_or(SIDECAR_ADMIN_PORT),
        }
    }
}

/// Default ingress port of a sidecar.
pub const SIDECAR_INGRESS_PORT: u16 = 13001;
/// Default egress port of a sidecar.
pub const SIDECAR_EGRESS_PORT: u16 = 13002;
/// Default registry (discovery API) port of a sidecar: `apiPort`.
pub const SIDECAR_REGISTRY_PORT: u16 = 13009;
/// Default admin port of a sidecar.
pub const SIDECAR_ADMIN_PORT: u16 = 13090;

/// The ports an injected sidecar listens on (also the `sidecarPorts` of install options).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SidecarPorts {
    /// Calls from other sidecars (`MESH_INGRESS_PORT`).
    pub ingress: u16,
    /// Calls from the app (`MESH_EGRESS_PORT`).
    pub egress: u16,
    /// The emulated registries (`MESH_REGISTRY_PORT`; MeshController `apiPort`).
    pub registry: u16,
    /// Admin API (`MESH_ADMIN_PORT`).
    pub admin: u16,
}

impl Default for SidecarPorts {
    fn default() -> Self {
        MeshControllerSpec::default().sidecar_ports()
    }
}

impl Security {
    fn validate(&self, at: &str, p: &mut Problems) {
        let root = self.root_cert_ttl.as_deref();
        let app = self.app_cert_ttl.as_deref();
        p.duration(&format!("{at}.rootCertTTL"), root);
        p.duration(&format!("{at}.appCertTTL"), app);
        if self.mtls_mode == Some(MtlsMode::Strict) {
            if self.cert_provider.is_none() {
                p.push(format!("{at}.certProvider"), "is required when mtlsMode is strict");
            }
            match (root.map(crate::duration::parse), app.map(crate::duration::parse)) {
                (Some(Ok(root)), Some(Ok(app))) if app >= root => {
                    p.push(format!("{at}.appCertTTL"), "must be shorter than rootCertTTL")
                }
                (None, _) => p.push(format!("{at}.rootCertTTL"), "is required when mtlsMode is strict"),
                (_, None) => p.push(format!("{at}.appCertTTL"), "is required when mtlsMode is strict"),
                _ => {}
            }
        }
    }
}

impl MonitorMtls {
    fn validate(&self, at: &str, p: &mut Problems) {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        if self.enabled && self.url.as_deref().is_none_or(str::is_empty) {
            p.push(format!("{at}.url"), "is required when enabled");
        }
        if let Some(ca) = &self.ca_cert_base64
            && b64.decode(ca).is_err()
        {
            p.push(format!("{at}.caCertBase64"), "must be base64");
        }
        let mut owner = std::collections::BTreeMap::new();
        for (i, cert) in self.certs.iter().enumerate() {
            for (field, value) in [("certBase64", &cert.cert_base64), ("keyBase64", &cert.key_base64)] {
                if b64.decode(value).is_err() {
                    p.push(format!("{at}.certs[{i}].{field}"), "must be base64");
                }
            }
            for (j, service) in cert.services.iter().enumerate() {
                if let Some(first) = owner.insert(service.as_str(), i) {
                    p.push(
                        format!("{at}.certs[{i}].services[{j}]"),
                        format!("service {service:?} already has a certificate in certs[{first}]"),
                    );
                }
            }
        }
    }
}
