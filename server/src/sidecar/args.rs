//! Sidecar arguments. Every flag can also come from the environment a pod gives (`HOSTNAME` is
//! the pod name, `APPLICATION_IP` the pod IP from the downward API).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use meshlib::validate::check_name;

use super::health::Probe;

/// `meshd sidecar` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct SidecarArgs {
    /// Control-plane URL.
    #[arg(long, env = "MESH_CONTROL_PLANE")]
    pub control_plane: String,
    /// Bearer token for the control plane.
    #[arg(long, env = "MESH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Mesh service this instance belongs to.
    #[arg(long, env = "MESH_SERVICE_NAME")]
    pub service: String,
    /// Port the app listens on.
    #[arg(long, env = "MESH_APPLICATION_PORT")]
    pub app_port: u16,
    /// Instance id [default: the host name, i.e. the pod name].
    #[arg(long, env = "HOSTNAME")]
    pub instance_id: Option<String>,
    /// Address other sidecars reach this one on [default: 127.0.0.1].
    #[arg(long, env = "APPLICATION_IP")]
    pub ip: Option<IpAddr>,
    /// Port of the admin API (/healthz, /ready, /config, /metrics); 0 picks a free one.
    #[arg(long, env = "MESH_ADMIN_PORT", default_value_t = 13090)]
    pub admin_port: u16,
    /// Address the admin API listens on.
    #[arg(long, env = "MESH_ADMIN_ADDRESS", default_value = "127.0.0.1")]
    pub admin_address: IpAddr,
    /// Ingress port other sidecars call; registered as the instance's port.
    #[arg(long, env = "MESH_INGRESS_PORT", default_value_t = 13001)]
    pub ingress_port: u16,
    /// Address the ingress listens on.
    #[arg(long, env = "MESH_INGRESS_ADDRESS", default_value = "0.0.0.0")]
    pub ingress_address: IpAddr,
    /// Egress port the app calls other services through.
    #[arg(long, env = "MESH_EGRESS_PORT", default_value_t = 13002)]
    pub egress_port: u16,
    /// Address the egress listens on. The default wildcard lets every service have its own
    /// 127.x.y.z address; connections that do not arrive on a loopback address are refused.
    #[arg(long, env = "MESH_EGRESS_ADDRESS", default_value = "0.0.0.0")]
    pub egress_address: IpAddr,
    /// Port of the emulated registries the app's Eureka client talks to (any path prefix, e.g.
    /// `http://127.0.0.1:13009/eureka/`).
    #[arg(long, env = "MESH_REGISTRY_PORT", default_value_t = 13009)]
    pub registry_port: u16,
    /// How long a proxied call may wait for its response head before the caller gets 504, and
    /// how long its response body may stall before it is cut off (Go duration).
    #[arg(long, env = "MESH_UPSTREAM_TIMEOUT", default_value = "30s", value_parser = meshlib::duration::parse_flag)]
    pub upstream_timeout: std::time::Duration,
    /// Instance labels, `k=v,k=v` (canaries select instances by them).
    #[arg(long, env = "MESH_SERVICE_LABELS", default_value = "")]
    pub labels: String,
    /// Health check: the app's URL to probe [default: http://127.0.0.1:APP_PORT/health].
    #[arg(long, env = "MESH_ALIVE_PROBE_URL")]
    pub health_url: Option<String>,
    /// Health check: the status a healthy app answers.
    #[arg(long, env = "MESH_HEALTH_STATUS", default_value_t = 200)]
    pub health_status: u16,
    /// Health check: a regular expression the body must match.
    #[arg(long, env = "MESH_HEALTH_BODY")]
    pub health_body: Option<String>,
    /// Directory of the sidecar's cache: the last configuration, which a sidecar restarted
    /// while the control plane is down starts from. Injected pods mount an emptyDir here; a
    /// directory that cannot be written only costs that.
    #[arg(long, env = "MESH_CACHE_DIR", default_value = meshlib::inject::SIDECAR_CACHE_DIR)]
    pub cache_dir: std::path::PathBuf,
}

/// Who this instance is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// Mesh service.
    pub service: String,
    /// Instance id.
    #[serde(rename = "instanceID")]
    pub instance_id: String,
    /// Address other sidecars reach it on.
    pub ip: String,
    /// Its ingress port.
    pub port: u16,
    /// Its admin port (`/metrics`), once bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_port: Option<u16>,
    /// Its labels.
    pub labels: std::collections::BTreeMap<String, String>,
}

impl SidecarArgs {
    /// The instance's identity, checked.
    ///
    /// # Errors
    /// Invalid service name, instance id or labels.
    pub fn identity(&self) -> anyhow::Result<Identity> {
        check_name(&self.service).map_err(|m| anyhow::anyhow!("--service: {m}"))?;
        let instance_id = self
            .instance_id
            .clone()
            .unwrap_or_else(|| format!("{}-{}", self.service, std::process::id()));
        check_name(&instance_id).map_err(|m| anyhow::anyhow!("--instance-id: {m}"))?;
        let mut labels = std::collections::BTreeMap::new();
        for pair in self.labels.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = pair
                .split_once('=')
                .filter(|(k, _)| !k.trim().is_empty())
                .ok_or_else(|| anyhow::anyhow!("--labels: {pair:?} is not key=value"))?;
            labels.insert(k.trim().to_owned(), v.trim().to_owned());
        }
        Ok(Identity {
            service: self.service.clone(),
            instance_id,
            ip: self.ip.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)).to_string(),
            port: self.ingress_port,
            admin_port: None,
            labels,
        })
    }

    /// The app's health check.
    ///
    /// # Errors
    /// An invalid body regular expression.
    pub fn probe(&self) -> anyhow::Result<Probe> {
        let url = self
            .health_url
            .clone()
            .unwrap_or_else(|| format!("http://127.0.0.1:{}/health", self.app_port));
        let body = self
            .health_body
            .as_deref()
            .map(regex::Regex::new)
            .transpose()
            .map_err(|err| anyhow::anyhow!("--health-body: {err}"))?;
        Ok(Probe::new(url, self.health_status, body))
    }

    /// Where the admin API listens.
    pub fn admin_address(&self) -> SocketAddr {
        SocketAddr::new(self.admin_address, self.admin_port)
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: SidecarArgs,
    }

    fn parse(extra: &[&str]) -> SidecarArgs {
        let base = [
            "meshd",
            "--control-plane",
            "http://cp:2381",
            "--service",
            "order",
            "--app-port",
            "8080",
        ];
        Cli::parse_from(base.iter().chain(extra)).args
    }

    #[test]
    fn identity_from_flags() {
        let identity = parse(&[
            "--instance-id",
            "order-7",
            "--ip",
            "10.1.2.3",
            "--labels",
            "release=v2, zone=a",
        ])
        .identity()
        .unwrap();
        assert_eq!(
            (identity.instance_id.as_str(), identity.ip.as_str(), identity.port),
            ("order-7", "10.1.2.3", 13001)
        );
        assert_eq!(identity.labels.get("zone").map(String::as_str), Some("a"));
        assert_eq!(parse(&[]).probe().unwrap().url(), "http://127.0.0.1:8080/health");
    }

    #[test]
    fn bad_identity_is_refused() {
        assert!(parse(&["--labels", "release"]).identity().is_err());
        assert!(parse(&["--instance-id", "a b"]).identity().is_err());
        assert!(parse(&["--health-body", "(["]).probe().is_err());
    }
}
