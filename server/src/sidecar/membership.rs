//! Keeps the instance in the registry: registers it (waiting while its Service does not exist
//! yet, instead of giving up as EaseMesh did), probes the app every heartbeat interval, reports
//! UP/DOWN with each heartbeat, registers again when the control plane forgot it, and
//! deregisters on shutdown.

use std::sync::Arc;
use std::time::Duration;

use meshlib::backoff::Backoff;
use meshlib::client::Client;
use meshlib::registry::{Heartbeat, Registration};
use meshlib::spec::instance::InstanceStatus;
use serde::Serialize;
use tokio::sync::watch;

use super::args::Identity;
use super::health::{Probe, Verdict};
use crate::proxy::metrics::Metrics;

/// The longest wait before trying again while the Service does not exist or the control plane
/// does not answer; short, so an instance is registered (and beating) soon after either is back.
const RETRY: Duration = Duration::from_secs(1);
/// The first of those waits.
const FIRST_RETRY: Duration = Duration::from_millis(250);

/// Where the instance stands, for `/ready` and `/config`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Whether the control plane knows the instance.
    pub registered: bool,
    /// Its status as the control plane last said.
    pub status: Option<InstanceStatus>,
    /// The last local health check.
    pub health: Option<Verdict>,
    /// When the last heartbeat was accepted (RFC 3339).
    pub last_heartbeat: Option<String>,
    /// The heartbeat interval in use.
    pub heartbeat_interval: Option<String>,
    /// What the sidecar is waiting for, if anything.
    pub waiting_for: Option<String>,
}

fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// Runs until `stop` turns true.
pub async fn run(
    client: Client,
    identity: Identity,
    probe: Probe,
    status: watch::Sender<Status>,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) {
    let mut interval = meshlib::registry::FIRST_HEARTBEAT_INTERVAL;
    let mut registered = false;
    let mut backoff = Backoff::new(FIRST_RETRY, RETRY);
    while !*stop.borrow() {
        let verdict = probe.check().await;
        if !registered {
            let registration = Registration {
                service_name: identity.service.clone(),
                instance_id: identity.instance_id.clone(),
                ip: identity.ip.clone(),
                port: identity.port,
                admin_port: identity.admin_port,
                labels: identity.labels.clone(),
                agent_type: None,
                health: verdict.health,
            };
            match client.register(&registration).await {
                Ok(_) => {
                    registered = true;
                    tracing::info!(service = %identity.service, instance = %identity.instance_id, "registered");
                }
                Err(err) => {
                    let waiting = if err.is_not_found() {
                        format!("Service {:?} to exist in the control plane", identity.service)
                    } else {
                        format!("the control plane ({err})")
                    };
                    tracing::warn!(waiting_for = %waiting, "not registered yet; retrying");
                    status.send_modify(|s| {
                        s.registered = false;
                        s.health = Some(verdict.clone());
                        s.waiting_for = Some(waiting);
                    });
                }
            }
        }
        metrics.set_registered(registered);
        let mut pause = if registered { interval } else { backoff.next_wait() };
        if registered {
            match client
                .heartbeat(
                    &identity.service,
                    &identity.instance_id,
                    &Heartbeat {
                        health: Some(verdict.health),
                    },
                )
                .await
            {
                Ok(reply) => {
                    backoff.reset();
                    metrics.heartbeat("ok");
                    metrics.set_control_plane_up(true);
                    if let Ok(d) = meshlib::duration::parse(&reply.heartbeat_interval)
                        && !d.is_zero()
                    {
                        interval = d;
                        pause = d;
                    }
                    status.send_modify(|s| {
                        s.registered = true;
                        s.status = Some(reply.status);
                        s.health = Some(verdict);
                        s.last_heartbeat = Some(now());
                        s.heartbeat_interval = Some(reply.heartbeat_interval);
                        s.waiting_for = None;
                    });
                }
                Err(err) if err.is_not_found() => {
                    // The control plane lost the record (lease expired, service recreated): register again now.
                    metrics.heartbeat("unknown");
                    tracing::warn!("the control plane does not know this instance; registering again");
                    registered = false;
                    pause = Duration::ZERO;
                }
                Err(err) => {
                    metrics.heartbeat("error");
                    metrics.set_control_plane_up(false);
                    tracing::warn!(error = %err, "heartbeat failed; keeping the last configuration and retrying");
                    status.send_modify(|s| {
                        s.health = Some(verdict);
                        s.waiting_for = Some(format!("the control plane ({err})"));
                    });
                    pause = backoff.next_wait().min(interval);
                }
            }
        }
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            _ = stop.changed() => {}
        }
    }
    if registered {
        match client.deregister(&identity.service, &identity.instance_id).await {
            Ok(_) => tracing::info!("deregistered"),
            Err(err) => tracing::warn!(error = %err, "could not deregister; the control plane expires the instance"),
        }
    }
}
