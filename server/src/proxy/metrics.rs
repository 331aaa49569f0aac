//! The metrics of a data-plane process (a sidecar, or the ingress controller), served in
//! Prometheus text format on its admin port: the traffic it proxied by direction and service,
//! what it answered itself, and its link to the control plane (and, for a sidecar, its
//! registration).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    direction: String,
    service: String,
    class: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DestinationLabels {
    direction: String,
    service: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabels {
    direction: String,
    service: String,
    reason: String,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms … ~8 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

/// Which way a proxied request went.
#[derive(Debug, Clone, Copy)]
pub enum Direction {
    /// From another sidecar to this app.
    Ingress = 0,
    /// From this app to another service.
    Egress = 1,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Ingress => "ingress",
            Self::Egress => "egress",
        }
    }
}

/// Metric handles of one direction and service, looked up once and then used per request.
pub struct Destination {
    direction: Direction,
    service: String,
    requests: Family<RequestLabels, Counter>,
    by_class: [OnceLock<Counter>; 6],
    latency: Histogram,
}

impl Destination {
    /// Records one proxied request and its status.
    pub fn record(&self, status: u16, elapsed: std::time::Duration) {
        let class = usize::from(status / 100).min(5);
        self.by_class[class]
            .get_or_init(|| {
                self.requests
                    .get_or_create(&RequestLabels {
                        direction: self.direction.as_str().to_owned(),
                        service: self.service.clone(),
                        class: format!("{class}xx"),
                    })
                    .clone()
            })
            .inc();
        self.latency.observe(elapsed.as_secs_f64());
    }
}

/// A data-plane process's metrics.
pub struct Metrics {
    destinations: [RwLock<HashMap<String, Arc<Destination>>>; 2],
    registry: Registry,
    heartbeats: Family<ResultLabel, Counter>,
    config_updates: Family<KindLabel, Counter>,
    registered: Gauge,
    control_plane_up: Gauge,
    requests: Family<RequestLabels, Counter>,
    failures: Family<FailureLabels, Counter>,
    latency: Family<DestinationLabels, Histogram, fn() -> Histogram>,
}

impl Default for Metrics {
    /// The sidecar's metrics, named `mesh_sidecar_*`.
    fn default() -> Self {
        Self::with_prefix("mesh_sidecar")
    }
}

impl Metrics {
    /// Metrics named `<prefix>_*`.
    pub fn with_prefix(prefix: &str) -> Self {
        let mut registry = Registry::with_prefix(prefix);
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
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "requests",
            "Proxied requests, by direction, service and status class",
            requests.clone(),
        );
        let failures = Family::<FailureLabels, Counter>::default();
        registry.register(
            "failures",
            "Requests the sidecar answered itself or tried again, by reason (no_endpoints, connect, timeout, upstream, circuit_open, rate_limited, retried)",
            failures.clone(),
        );
        let latency =
            Family::<DestinationLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        registry.register(
            "request_duration_seconds",
            "Time to the response headers, by direction and service",
            latency.clone(),
        );
        Self {
            destinations: Default::default(),
            registry,
            heartbeats,
            config_updates,
            registered,
            control_plane_up,
            requests,
            failures,
            latency,
        }
    }

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

    /// The handles of one direction and service (created on first use).
    pub fn destination(&self, direction: Direction, service: &str) -> Arc<Destination> {
        let map = &self.destinations[direction as usize];
        if let Some(found) = map.read().unwrap_or_else(PoisonError::into_inner).get(service) {
            return Arc::clone(found);
        }
        let labels = DestinationLabels {
            direction: direction.as_str().to_owned(),
            service: service.to_owned(),
        };
        let created = Arc::new(Destination {
            direction,
            service: service.to_owned(),
            requests: self.requests.clone(),
            by_class: Default::default(),
            latency: self.latency.get_or_create(&labels).clone(),
        });
        let mut map = map.write().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(map.entry(service.to_owned()).or_insert(created))
    }

    /// Records one proxied request and its status.
    pub fn request(&self, direction: Direction, service: &str, status: u16, elapsed: std::time::Duration) {
        self.destination(direction, service).record(status, elapsed);
    }

    /// Records a request the sidecar answered itself.
    pub fn failure(&self, direction: Direction, service: &str, reason: &str) {
        self.failures
            .get_or_create(&FailureLabels {
                direction: direction.as_str().to_owned(),
                service: service.to_owned(),
                reason: reason.to_owned(),
            })
            .inc();
    }

    /// `/metrics`: the content type and the Prometheus (OpenMetrics) text exposition.
    pub fn exposition(&self) -> ([(hyper::header::HeaderName, &'static str); 1], String) {
        (
            [(
                hyper::header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            self.encode(),
        )
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}
