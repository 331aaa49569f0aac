//! Sidecar metrics, served in Prometheus text format on the admin port.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: String,
}

/// The sidecar's metrics.
pub struct Metrics {
    registry: Registry,
    heartbeats: Family<ResultLabel, Counter>,
    config_updates: Family<KindLabel, Counter>,
    registered: Gauge,
    control_plane_up: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("mesh_sidecar");
        let heartbeats = Family::<ResultLabel, Counter>::default();
        registry.register(
            "heartbeats",
            "Heartbeats sent, by result (ok, unknown, error)",
            heartbeats.clone(),
        );
        let config_updates = Family::<KindLabel, Counter>::default();
        registry.register(
            "config_updates",
            "Configuration changes applied, by kind",
            config_updates.clone(),
        );
        let registered = Gauge::default();
        registry.register(
            "registered",
            "1 when the control plane knows this instance",
            registered.clone(),
        );
        let control_plane_up = Gauge::default();
        registry.register(
            "control_plane_up",
            "1 when the control plane answered last time",
            control_plane_up.clone(),
        );
        Self {
            registry,
            heartbeats,
            config_updates,
            registered,
            control_plane_up,
        }
    }
}

impl Metrics {
    /// Counts a heartbeat.
    pub fn heartbeat(&self, result: &str) {
        self.heartbeats
            .get_or_create(&ResultLabel {
                result: result.to_owned(),
            })
            .inc();
    }

    /// Counts a configuration change.
    pub fn config_update(&self, kind: &str) {
        self.config_updates
            .get_or_create(&KindLabel { kind: kind.to_owned() })
            .inc();
    }

    /// Whether the instance is registered.
    pub fn set_registered(&self, registered: bool) {
        self.registered.set(i64::from(registered));
    }

    /// Whether the control plane answers.
    pub fn set_control_plane_up(&self, up: bool) {
        self.control_plane_up.set(i64::from(up));
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}
