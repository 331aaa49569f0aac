//! Calling a mesh service: the one path every outbound request takes, from the app's egress and
//! from the ingress controller alike. In order:
//! 1. the service's mock rules may answer at once (so a service not deployed yet can be mocked);
//! 2. the routing table picks an instance (TrafficSplit, canary colouring, load balancing);
//! 3. the chosen backend's circuit breaker may refuse (503 without calling);
//! 4. the call goes to the instance's sidecar within the service's time limit (504);
//! 5. a failure (transport error or a failure status) is retried per the service's retry policy,
//!    on a newly picked instance, when the request body could be kept (no body, or a small one
//!    of known length; streamed bodies are never retried).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Body as _;
use hyper::header::{HeaderMap, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Request, Response};
use meshlib::resilience::{MockResponse, Policies, RetryPolicy, ServicePolicy};
use meshlib::routing::{self, CANARY_HEADER, Route, RouteError, Table};
use tokio::sync::watch;

use super::forward::{ForwardError, Forwarder};
use super::h1::body::Body;
use super::metrics::{Direction, Metrics};
use super::respond::{self, Refusal};

/// The header naming the target service explicitly (dropped before the call goes on).
pub const TARGET_HEADER: &str = "X-Mesh-Rpc-Service";

/// The metrics label of services the mesh does not know.
pub const UNKNOWN_SERVICE: &str = "unknown";

/// The largest request body kept in memory so that a retry can send it again.
pub const REPLAY_LIMIT: u64 = 64 * 1024;

/// Calls mesh services with the routing table and policies in force.
#[derive(Clone)]
pub struct Caller {
    forwarder: Forwarder,
    tables: watch::Receiver<Arc<Table>>,
    policies: watch::Receiver<Arc<Policies>>,
    metrics: Arc<Metrics>,
}

/// What one attempt came to.
struct Attempt {
    outcome: Result<Response<Body>, Refusal>,
    /// A transport error or a failure status of the called service's policy.
    failure: bool,
    elapsed: Duration,
}

impl Caller {
    /// A caller routing with `tables` and applying `policies` as they change.
    pub fn new(
        forwarder: Forwarder,
        tables: watch::Receiver<Arc<Table>>,
        policies: watch::Receiver<Arc<Policies>>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            forwarder,
            tables,
            policies,
            metrics,
        }
    }

    /// The routing table in force.
    pub fn table(&self) -> Arc<Table> {
        Arc::clone(&self.tables.borrow())
    }

    /// Sends one request to `service` and answers with its response or the failure's.
    pub async fn call(&self, table: &Table, service: &str, parts: Parts, body: Body, client: IpAddr) -> Response<Body> {
        let policies = Arc::clone(&self.policies.borrow());
        let policy = policies.get(service).map(|p| &**p);
        // The rarer paths are boxed so that the common one's future stays small (it is moved
        // on every await).
        if let Some(canned) = policy.and_then(|p| mock(p, &parts)) {
            return Box::pin(self.mock(service, canned)).await;
        }
        let retry = policy.and_then(|p| p.retry.as_ref()).filter(|r| r.max_attempts() > 1);
        if let (Some(retry), true) = (retry, replayable(&body)) {
            return Box::pin(self.with_retries(table, service, parts, body, client, &policies, retry)).await;
        }
        let route = match route(table, service, &parts, client) {
            Ok(route) => route,
            Err(err) => return self.unroutable(service, err),
        };
        let request = Request::from_parts(parts, body);
        match self.attempt(&policies, policy, &route, request).await {
            Ok(attempt) => self.answer(&route, attempt),
            Err(refused) => refused,
        }
    }

    /// A mock rule's answer, after its delay.
    async fn mock(&self, service: &str, canned: &MockResponse) -> Response<Body> {
        let start = Instant::now();
        if let Some(delay) = canned.delay {
            tokio::time::sleep(delay).await;
        }
        let response = respond::mock(canned);
        self.metrics
            .destination(Direction::Egress, service)
            .record(response.status().as_u16(), start.elapsed());
        response
    }

    /// Attempts with the body kept in memory, so that a failure can go again.
    #[allow(clippy::too_many_arguments)]
    async fn with_retries(
        &self,
        table: &Table,
        service: &str,
        parts: Parts,
        body: Body,
        client: IpAddr,
        policies: &Policies,
        retry: &RetryPolicy,
    ) -> Response<Body> {
        let policy = policies.get(service).map(|p| &**p);
        let data = match body.collect().await {
            Ok(collected) => Some(collected.to_bytes()).filter(|b| !b.is_empty()),
            Err(err) => return Refusal::UnreadableBody(err).respond(),
        };
        let mut number = 1;
        loop {
            // Every attempt picks its instance afresh, so a retry usually lands elsewhere.
            let route = match route(table, service, &parts, client) {
                Ok(route) => route,
                Err(err) => return self.unroutable(service, err),
            };
            let request = copy(&parts, data.clone());
            match self.attempt(policies, policy, &route, request).await {
                Err(refused) => return refused,
                Ok(attempt) if attempt.failure && number < retry.max_attempts() && retryable(&parts, &attempt) => {
                    self.metrics.failure(Direction::Egress, &route.service, "retried");
                    tokio::time::sleep(retry.delay(number, fastrand::f64())).await;
                    number += 1;
                }
                Ok(attempt) => return self.answer(&route, attempt),
            }
        }
    }

    /// One attempt at the routed instance: its backend's circuit breaker, the time limit, the
    /// call; the breaker learns the outcome. `Err` is the breaker's refusal.
    async fn attempt(
        &self,
        policies: &Policies,
        policy: Option<&ServicePolicy>,
        route: &Route,
        request: Request<Body>,
    ) -> Result<Attempt, Response<Body>> {
        let backend = policies.get(&route.service);
        let breaker = backend.and_then(|p| p.breaker.as_ref());
        let start = Instant::now();
        let permit = match breaker.map(|b| b.try_acquire(start)).transpose() {
            Ok(permit) => permit,
            Err(open) => {
                self.metrics
                    .destination(Direction::Egress, &route.service)
                    .record(503, Duration::ZERO);
                let refusal = Refusal::CircuitOpen {
                    service: route.service.to_string(),
                    retry_after: open.retry_after,
                };
                return Err(refusal.counted(&self.metrics, Direction::Egress, &route.service));
            }
        };
        let outcome = match route.endpoint.addr {
            Some(addr) => {
                let timeout = policy.and_then(|p| p.timeout);
                self.forwarder
                    .forward(colour(request, route), addr, timeout)
                    .await
                    .map_err(Refusal::from)
            }
            None => Err(Refusal::NoAddress {
                instance: route.endpoint.name.clone(),
                ip: route.endpoint.ip.clone(),
            }),
        };
        let elapsed = start.elapsed();
        // A transport error, or a status the given policy counts as a failure.
        let failed_by = |p: Option<&ServicePolicy>| match &outcome {
            Ok(response) => p.is_some_and(|p| p.is_failure(response.status().as_u16())),
            Err(_) => true,
        };
        if let (Some(breaker), Some(permit)) = (breaker, permit) {
            breaker.record(permit, failed_by(backend.map(|p| &**p)), elapsed, Instant::now());
        }
        let failure = failed_by(policy);
        Ok(Attempt {
            outcome,
            failure,
            elapsed,
        })
    }

    /// The response of the last attempt, recorded.
    fn answer(&self, route: &Route, attempt: Attempt) -> Response<Body> {
        let response = match attempt.outcome {
            Ok(response) => response,
            Err(refusal) => refusal.counted(&self.metrics, Direction::Egress, &route.service),
        };
        self.metrics
            .destination(Direction::Egress, &route.service)
            .record(response.status().as_u16(), attempt.elapsed);
        response
    }

    /// The 503 for a request that has nowhere to go.
    fn unroutable(&self, service: &str, err: RouteError) -> Response<Body> {
        // Any name can arrive in a header: names the mesh does not know share one label, so
        // metrics stay bounded.
        let service = match err {
            RouteError::UnknownService(_) => UNKNOWN_SERVICE,
            _ => service,
        };
        let response = Refusal::NoRoute(err).counted(&self.metrics, Direction::Egress, service);
        self.metrics
            .destination(Direction::Egress, service)
            .record(response.status().as_u16(), Duration::ZERO);
        response
    }
}

/// The mock rule answering this request, if any.
fn mock<'p>(policy: &'p ServicePolicy, parts: &Parts) -> Option<&'p MockResponse> {
    policy
        .mock
        .as_ref()?
        .respond(parts.method.as_str(), parts.uri.path(), |name| {
            parts.headers.get(name).and_then(|v| v.to_str().ok())
        })
}

/// Whether a failed attempt may go again: always when it never reached the upstream (no
/// connection); after that only for idempotent methods, since the upstream may have acted on it.
fn retryable(parts: &Parts, attempt: &Attempt) -> bool {
    matches!(attempt.outcome, Err(Refusal::Forward(ForwardError::Connect(..)))) || parts.method.is_idempotent()
}

/// A copy of the request for one attempt of several.
fn copy(parts: &Parts, data: Option<Bytes>) -> Request<Body> {
    let mut request = Request::new(Body::Full(data));
    *request.method_mut() = parts.method.clone();
    *request.uri_mut() = parts.uri.clone();
    *request.version_mut() = parts.version;
    *request.headers_mut() = parts.headers.clone();
    request
}

/// A body that can be kept for a retry: none, or a small one of known length.
fn replayable(body: &Body) -> bool {
    body.is_end_stream() || body.size_hint().exact().is_some_and(|n| n <= REPLAY_LIMIT)
}

/// Carries the route's canary colour to the next hop.
fn colour(mut request: Request<Body>, route: &Route) -> Request<Body> {
    if let Some(colour) = route.canary.as_deref().and_then(|c| HeaderValue::from_str(c).ok()) {
        request.headers_mut().insert(CANARY_HEADER, colour);
    }
    request
}

/// The instance for this request.
fn route(table: &Table, service: &str, parts: &Parts, client: IpAddr) -> Result<Route, RouteError> {
    let headers = RequestHeaders(&parts.headers);
    table.route(
        service,
        &routing::Request::new(&headers, Some(client), fastrand::u64(..)),
    )
}

/// A request's header map as the balancer looks at it: only when a rule asks, without copying.
#[derive(Debug)]
struct RequestHeaders<'a>(&'a HeaderMap);

impl routing::Headers for RequestHeaders<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.0.get_all(name).iter().find_map(|v| v.to_str().ok())
    }
}
