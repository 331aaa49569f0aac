//! The sidecar's ingress: requests from other sidecars go to the app, within the service's rate
//! limits (429) and time limit.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use hyper::{Request, Response};
use meshlib::resilience::{Admission, Policies};
use tokio::sync::watch;

use crate::proxy::forward::Forwarder;
use crate::proxy::h1::body::Body;
use crate::proxy::metrics::{Destination, Direction, Metrics};
use crate::proxy::respond::Refusal;

/// The ingress: every request goes to the app, within the service's rate limits and time limit.
pub struct Ingress {
    forwarder: Forwarder,
    app: SocketAddr,
    service: String,
    policies: watch::Receiver<Arc<Policies>>,
    metrics: Arc<Metrics>,
    destination: Arc<Destination>,
}

impl Ingress {
    /// Forwards to the app on `app_port` of this host.
    pub fn new(
        forwarder: Forwarder,
        app_port: u16,
        service: &str,
        policies: watch::Receiver<Arc<Policies>>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            forwarder,
            app: SocketAddr::from((Ipv4Addr::LOCALHOST, app_port)),
            service: service.to_owned(),
            policies,
            destination: metrics.destination(Direction::Ingress, service),
            metrics,
        }
    }

    /// Handles one request from another sidecar.
    pub async fn handle(&self, request: Request<Body>) -> Response<Body> {
        let start = Instant::now();
        let policy = self.policies.borrow().get(&self.service).cloned();
        let limiter = policy.as_ref().and_then(|p| p.rate_limiter.as_ref());
        if let Some(limiter) = limiter {
            match limiter.acquire(request.method().as_str(), request.uri().path(), start) {
                Admission::Now => {}
                Admission::After(wait) => tokio::time::sleep(wait).await,
                Admission::Rejected { policy } => {
                    let refusal = Refusal::RateLimited {
                        service: self.service.clone(),
                        policy,
                    };
                    let response = refusal.counted(&self.metrics, Direction::Ingress, &self.service);
                    self.destination.record(response.status().as_u16(), start.elapsed());
                    return response;
                }
            }
        }
        let timeout = policy.as_ref().and_then(|p| p.timeout);
        let response = match self.forwarder.forward(request, self.app, timeout).await {
            Ok(response) => response,
            Err(err) => Refusal::from(err).counted(&self.metrics, Direction::Ingress, &self.service),
        };
        self.destination.record(response.status().as_u16(), start.elapsed());
        response
    }
}
