//! `GET /apis/v2/metrics/instances`: the inbound counters of every UP instance, gathered from
//! their sidecars' `/metrics` (the admin port they registered) when asked. emctl talks only to
//! the control plane, which runs where the sidecars are reachable; a workstation usually cannot
//! reach pod addresses.
//!
//! The control plane only ever sends `GET /metrics` to a registered instance's address and admin
//! port, and answers only the numbers it parsed, never the sidecar's text.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use futures_util::StreamExt;
use meshlib::metrics::{InstanceInbound, InstancesInbound};
use meshlib::resource::Resource;

use super::AppState;
use super::error::ApiError;

/// How long one sidecar may take.
const TIMEOUT: Duration = Duration::from_secs(1);
/// How many sidecars are asked at once.
const CONCURRENCY: usize = 32;
/// The most a sidecar's exposition may be (a sidecar's is a few kB; more is not a sidecar).
const MAX_BYTES: usize = 1 << 20;

/// A sidecar to ask.
struct Target {
    instance: String,
    service: String,
    url: String,
}

/// The UP instances that registered an admin port.
fn targets(instances: &[Resource]) -> Vec<Target> {
    instances
        .iter()
        .filter_map(|instance| {
            let spec = &instance.spec;
            if spec["status"].as_str() != Some("UP") {
                return None;
            }
            let ip: std::net::IpAddr = spec["ip"].as_str()?.parse().ok()?;
            let port = u16::try_from(spec["adminPort"].as_u64()?).ok()?;
            Some(Target {
                instance: instance.metadata.name.clone(),
                service: spec["serviceName"].as_str()?.to_owned(),
                url: format!("http://{}/metrics", std::net::SocketAddr::new(ip, port)),
            })
        })
        .collect()
}

/// The handler.
pub async fn instances(State(state): State<AppState>) -> Result<Json<InstancesInbound>, ApiError> {
    let targets = targets(&state.objects.instances().list());
    let mut items: Vec<InstanceInbound> = futures_util::stream::iter(targets)
        .map(|target| ask(&state.http, target))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    items.sort_by(|a, b| a.instance.cmp(&b.instance));
    Ok(Json(InstancesInbound { items }))
}

async fn ask(http: &reqwest::Client, target: Target) -> InstanceInbound {
    let text = async {
        let mut response = http.get(&target.url).send().await.ok()?.error_for_status().ok()?;
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.ok()? {
            if body.len() + chunk.len() > MAX_BYTES {
                return None;
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body).ok()
    }
    .await;
    InstanceInbound {
        inbound: text.map(|text| meshlib::metrics::inbound(&meshlib::metrics::parse(&text), &target.service)),
        instance: target.instance,
        service: target.service,
    }
}

/// The client the control plane asks sidecars with.
///
/// # Errors
/// The TLS backend cannot be initialised.
pub fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

#[cfg(test)]
mod tests {
    use meshlib::kind::{Kind, ResourceKind};
    use serde_json::json;

    use super::*;

    #[test]
    fn only_up_instances_with_an_address_and_an_admin_port_are_asked() {
        let instance = |id: &str, spec: serde_json::Value| {
            Resource::new(
                &ResourceKind::Builtin(Kind::ServiceInstance),
                &format!("order/{id}"),
                spec,
            )
        };
        let instances = [
            instance(
                "a",
                json!({"serviceName": "order", "ip": "10.0.0.1", "adminPort": 13090, "status": "UP"}),
            ),
            instance("b", json!({"serviceName": "order", "ip": "10.0.0.2", "status": "UP"})),
            instance(
                "c",
                json!({"serviceName": "order", "ip": "10.0.0.3", "adminPort": 13090, "status": "DOWN"}),
            ),
            instance(
                "d",
                json!({"serviceName": "order", "ip": "::1", "adminPort": 13091, "status": "UP"}),
            ),
            // Not an address: never turned into a host name to resolve.
            instance(
                "e",
                json!({"serviceName": "order", "ip": "evil.example/x?", "adminPort": 80, "status": "UP"}),
            ),
            instance(
                "f",
                json!({"serviceName": "order", "ip": "10.0.0.6", "adminPort": 70000, "status": "UP"}),
            ),
        ];
        let urls: Vec<String> = targets(&instances).into_iter().map(|t| t.url).collect();
        assert_eq!(urls, ["http://10.0.0.1:13090/metrics", "http://[::1]:13091/metrics"]);
    }
}
