//! Every response the data plane makes itself, from one place. A [`Refusal`] says, typed, why
//! the proxy answers instead of an upstream; here it becomes its status (400/431/501 for a client
//! that broke HTTP/1.1, 403, 404, 429, 502, 503 with `Retry-After` for an open breaker, 504) and a
//! short text body marked `x-mesh-error`; where it concerns a service of the mesh,
//! [`Refusal::counted`] also counts it under its reason. A mock rule's canned answer is built here
//! too, marked `x-mesh-mock`.

use std::time::Duration;

use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use meshlib::resilience::MockResponse;
use meshlib::routing::RouteError;

use super::forward::ForwardError;
use super::h1::body::{Body, BodyError};
use super::h1::fields::strip_hop_by_hop;
use super::h1::server::ClientError;
use super::metrics::{Direction, Metrics};

/// Why the data plane answers a request itself.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The client broke HTTP/1.1 (400, or 431 for a head too large, 501 for what the mesh does
    /// not proxy).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The request body, kept so a retry could send it again, could not be read (400).
    #[error("reading the request body failed")]
    UnreadableBody(#[source] BodyError),
    /// Something other than this host's app called the egress (403).
    #[error("the egress serves this host's app only")]
    NotLocal,
    /// No Ingress rule matches the request (404).
    #[error("no Ingress rule matches {host}{path}")]
    NoIngressRule {
        /// The request's host.
        host: String,
        /// Its path.
        path: String,
    },
    /// The called service's rate limiter refused (429).
    #[error("{service} is rate limited (policy {policy})")]
    RateLimited {
        /// The service.
        service: String,
        /// The limiting policy.
        policy: String,
    },
    /// The request names no service the mesh can route to (503).
    #[error(transparent)]
    NoRoute(#[from] RouteError),
    /// The routed instance has no address to call (503).
    #[error("instance {instance} has no usable address ({ip:?})")]
    NoAddress {
        /// The instance.
        instance: String,
        /// What its record says.
        ip: String,
    },
    /// The egress cannot tell which service is called (503).
    #[error("no target service: set the {header} header or address the service by name")]
    NoTarget {
        /// The header that names one.
        header: &'static str,
    },
    /// The called service's circuit breaker is open (503 with `Retry-After`).
    #[error("the circuit breaker of {service} is open; calls are refused for now")]
    CircuitOpen {
        /// The service.
        service: String,
        /// When to try again.
        retry_after: Duration,
    },
    /// An Ingress rewrite gave a path that is not one (502).
    #[error("the Ingress rewrite gave a bad path {target:?}")]
    BadRewrite {
        /// The rewritten target.
        target: String,
        /// What is wrong with it.
        #[source]
        error: hyper::http::uri::InvalidUri,
    },
    /// Forwarding failed: the upstream cannot be reached (502), broke the exchange (502), or
    /// was too slow (504).
    #[error(transparent)]
    Forward(#[from] ForwardError),
}

impl Refusal {
    /// The status the caller gets.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Client(err) => err.status(),
            Self::UnreadableBody(_) => StatusCode::BAD_REQUEST,
            Self::NotLocal => StatusCode::FORBIDDEN,
            Self::NoIngressRule { .. } => StatusCode::NOT_FOUND,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::NoRoute(_) | Self::NoAddress { .. } | Self::NoTarget { .. } | Self::CircuitOpen { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::BadRewrite { .. } | Self::Forward(ForwardError::Connect(..) | ForwardError::Upstream(..)) => {
                StatusCode::BAD_GATEWAY
            }
            Self::Forward(ForwardError::Timeout(..)) => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    /// The metrics label of the failure (`failures{reason=...}`).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Client(_) | Self::UnreadableBody(_) => "bad_request",
            Self::NotLocal => "not_local",
            Self::NoIngressRule { .. } => "no_rule",
            Self::RateLimited { .. } => "rate_limited",
            Self::NoRoute(_) | Self::NoAddress { .. } | Self::NoTarget { .. } => "no_endpoints",
            Self::CircuitOpen { .. } => "circuit_open",
            Self::BadRewrite { .. } => "bad_rewrite",
            Self::Forward(ForwardError::Connect(..)) => "connect",
            Self::Forward(ForwardError::Timeout(..)) => "timeout",
            Self::Forward(ForwardError::Upstream(..)) => "upstream",
        }
    }

    /// The response the caller gets: the status, and the reason with its causes as text.
    pub fn respond(&self) -> Response<Body> {
        let mut text = format!("mesh: {self}");
        let mut cause = std::error::Error::source(self);
        while let Some(err) = cause {
            text.push_str(": ");
            text.push_str(&err.to_string());
            cause = err.source();
        }
        text.push('\n');
        let mut response = Response::new(Body::full(text));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        headers.insert("x-mesh-error", HeaderValue::from_static("true"));
        if let Self::CircuitOpen { retry_after, .. } = self
            && !retry_after.is_zero()
        {
            let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }

    /// Counts the failure against `service` and answers it.
    pub fn counted(&self, metrics: &Metrics, direction: Direction, service: &str) -> Response<Body> {
        tracing::debug!(?direction, service, error = %self, "answered by the mesh");
        metrics.failure(direction, service, self.reason());
        self.respond()
    }
}

/// The answer to a client that broke HTTP/1.1 (the connection closes after it).
pub fn client_error(err: &ClientError) -> Response<Body> {
    // The error is borrowed from the connection; its text is all the response needs.
    let refusal = match err {
        ClientError::Head(head) => Refusal::Client(ClientError::Head(head.clone())),
        ClientError::Body(framing) => Refusal::Client(ClientError::Body(framing.clone())),
    };
    refusal.respond()
}

/// A mock rule's canned response.
pub fn mock(canned: &MockResponse) -> Response<Body> {
    let mut response = Response::new(Body::full(canned.body.clone()));
    *response.status_mut() = StatusCode::from_u16(canned.status).unwrap_or(StatusCode::OK);
    for (name, value) in &canned.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    // The connection is the proxy's, not the rule's; so is the framing (a Content-Length that
    // does not match the body is replaced when the response is written).
    strip_hop_by_hop(response.headers_mut());
    response
        .headers_mut()
        .insert("x-mesh-mock", HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;
    use crate::proxy::h1::client::{ExchangeError, Failure};
    use crate::proxy::h1::head::HeadError;
    use crate::proxy::pool::ConnectError;

    #[test]
    fn every_refusal_has_one_status() {
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let cases: [(Refusal, u16); 8] = [
            (Refusal::Client(ClientError::Head(HeadError::TooLarge)), 431),
            (Refusal::NotLocal, 403),
            (
                Refusal::NoIngressRule {
                    host: "shop".into(),
                    path: "/".into(),
                },
                404,
            ),
            (
                Refusal::RateLimited {
                    service: "a".into(),
                    policy: "p".into(),
                },
                429,
            ),
            (Refusal::NoTarget { header: "X" }, 503),
            (
                Refusal::Forward(ForwardError::Connect(addr, ConnectError::Timeout)),
                502,
            ),
            (
                Refusal::Forward(ForwardError::Upstream(
                    addr,
                    ExchangeError {
                        failure: Failure::Closed,
                        resendable: false,
                    },
                )),
                502,
            ),
            (Refusal::Forward(ForwardError::Timeout(addr, Duration::ZERO)), 504),
        ];
        for (refusal, status) in cases {
            let response = refusal.respond();
            assert_eq!(response.status(), status, "{refusal}");
            assert_eq!(response.headers()["x-mesh-error"], "true");
        }
    }

    #[test]
    fn an_open_breaker_says_when_to_come_back_in_whole_seconds() {
        let open = Refusal::CircuitOpen {
            service: "back".into(),
            retry_after: Duration::from_millis(1500),
        };
        let response = open.respond();
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }

    #[test]
    fn causes_are_part_of_the_text() {
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let refused = Refusal::Forward(ForwardError::Upstream(
            addr,
            ExchangeError {
                failure: Failure::Receive(std::io::ErrorKind::ConnectionReset.into()),
                resendable: false,
            },
        ));
        assert_eq!(
            refused.to_string(),
            "127.0.0.1:1 failed",
            "the reason names this layer only"
        );
        let text = format!("{:?}", refused.respond().into_body());
        assert!(
            text.contains("127.0.0.1:1 failed: reading the response failed: connection reset"),
            "{text}"
        );
    }
}
