//! Forwarding one HTTP request to an upstream over kept-alive connections, within a time limit;
//! a failure comes back typed ([`ForwardError`]) for [`super::respond`] to answer.

use std::net::SocketAddr;
use std::time::Duration;

use std::sync::Arc;

use hyper::header::{self, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Request, Response, Uri, Version};
use tokio::time::Instant;

use super::h1::body::{Body, Upstream};
use super::h1::client::{ExchangeError, exchange};
use super::h1::conn::Conn;
use super::h1::deadline::Deadline;
use super::h1::fields::strip_hop_by_hop;
use super::h1::framing::Decoder;
use super::h1::head::ResponseHead;
use super::h1::io::Socket;
use super::pool::{Connect, ConnectError, Limits, Pool};

/// Why a request could not be forwarded.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The upstream could not be reached.
    #[error("cannot connect to {0}")]
    Connect(SocketAddr, #[source] ConnectError),
    /// The upstream did not answer in time.
    #[error("{0} did not answer within {1:?}")]
    Timeout(SocketAddr, Duration),
    /// The exchange broke after connecting.
    #[error("{0} failed")]
    Upstream(SocketAddr, #[source] ExchangeError),
}

/// Sends requests upstream over pooled HTTP/1.1 connections.
#[derive(Clone)]
pub struct Forwarder {
    pool: Pool,
    timeout: Duration,
}

impl Forwarder {
    /// A forwarder whose calls give up after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self {
            pool: Pool::new(Limits::default()),
            timeout,
        }
    }

    /// A forwarder whose connections come from `connector` (in-memory streams in tests).
    pub fn with_connector(timeout: Duration, connector: Arc<dyn Connect>) -> Self {
        Self {
            pool: Pool::with_connector(Limits::default(), connector),
            timeout,
        }
    }

    /// How long a call may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Idle upstream connections (for tests and `/config`).
    pub fn idle_connections(&self) -> usize {
        self.pool.idle_count()
    }

    /// Sends `request` to `addr`, keeping method, path, headers and body. With `timeout` (a
    /// time limit) the whole exchange must end within it, the response body included; without,
    /// sending the request and receiving the response head must take no longer than the
    /// forwarder's timeout (so an upload slower than that fails with 504 too), and the response
    /// body must not stall for as long.
    ///
    /// # Errors
    /// The upstream cannot be reached (502), breaks the exchange (502) or is too slow (504).
    pub async fn forward(
        &self,
        mut request: Request<Body>,
        addr: SocketAddr,
        timeout: Option<Duration>,
    ) -> Result<Response<Body>, ForwardError> {
        // The request's own hop-by-hop fields went when it was read (`h1::server`).
        origin_form(&mut request);
        let start = Instant::now();
        let (limit, deadline) = match timeout {
            Some(limit) => (limit, Deadline::total(start, limit)),
            None => (self.timeout, Deadline::idle(self.timeout)),
        };
        let (parts, mut body) = request.into_parts();
        let (conn, mut head) = self.send(&parts, &mut body, addr, start + limit, limit).await?;
        if head.hop_by_hop {
            strip_hop_by_hop(&mut head.parts.headers);
        }
        let body = Upstream::new(
            conn,
            Decoder::new(head.framing),
            head.keep_alive,
            self.pool.lease(addr),
            deadline,
        );
        Ok(Response::from_parts(head.parts, Body::Upstream(Box::new(body))))
    }

    /// One exchange on a kept-alive connection, or a new one. A kept-alive connection the
    /// upstream closed just before the request went out gets it again on a new connection when
    /// that is safe: nothing was answered, the body is held whole and the method is idempotent.
    /// The exchange must be over by `until` (which is `limit` after the call began).
    async fn send(
        &self,
        parts: &Parts,
        body: &mut Body,
        addr: SocketAddr,
        until: Instant,
        limit: Duration,
    ) -> Result<(Conn<Socket>, ResponseHead), ForwardError> {
        loop {
            let (mut conn, reused) = match self.pool.take(addr) {
                Some(conn) => (conn, true),
                // Boxed: connecting is the rarer path, and its future would weigh on every call's.
                None => (
                    Box::pin(self.pool.connect(addr))
                        .await
                        .map_err(|err| ForwardError::Connect(addr, err))?,
                    false,
                ),
            };
            // The connection's own timer, moved on for this exchange: moving a set timer later
            // costs no timer-wheel work, unlike setting a new one for every request.
            let mut timer = match conn.timer.take() {
                Some(mut timer) => {
                    timer.as_mut().reset(until);
                    timer
                }
                None => Box::pin(tokio::time::sleep_until(until)),
            };
            let exchanged = tokio::select! {
                biased;
                exchanged = exchange(&mut conn, parts, body) => exchanged,
                () = timer.as_mut() => return Err(ForwardError::Timeout(addr, limit)),
            };
            conn.timer = Some(timer);
            match exchanged {
                Ok(head) => return Ok((conn, head)),
                Err(err) if reused && err.resendable && parts.method.is_idempotent() => {
                    tracing::debug!(%addr, error = %err, "kept-alive connection was closed; sending again");
                }
                Err(err) => return Err(ForwardError::Upstream(addr, err)),
            }
        }
    }
}

/// HTTP/1.1 to an origin server carries only the path and query (a client configured to use the
/// sidecar as an HTTP proxy sends the absolute form); the authority moves to `Host`. An HTTP/1.0
/// request may have no `Host` at all; it travels on as HTTP/1.1, which must have one: empty, for
/// a target without an authority (RFC 9112 §3.2).
fn origin_form(request: &mut Request<Body>) {
    if request.version() == Version::HTTP_10
        && request.uri().authority().is_none()
        && !request.headers().contains_key(header::HOST)
    {
        request.headers_mut().insert(header::HOST, HeaderValue::from_static(""));
    }
    if request.uri().scheme().is_none() && request.uri().authority().is_none() {
        return;
    }
    if let Some(authority) = request.uri().authority().cloned()
        && !request.headers().contains_key(header::HOST)
        && let Ok(host) = HeaderValue::from_str(authority.as_str())
    {
        request.headers_mut().insert(header::HOST, host);
    }
    // `http://host?q` has no path: its origin form is `/?q`.
    let uri = request.uri();
    let path = Some(uri.path()).filter(|p| !p.is_empty()).unwrap_or("/");
    let target = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    *request.uri_mut() = target.parse().unwrap_or_else(|_| Uri::from_static("/"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_form_becomes_origin_form_with_host() {
        let mut request = Request::builder()
            .uri("http://orders:8080/v1/items?x=1")
            .body(Body::empty())
            .unwrap();
        origin_form(&mut request);
        assert_eq!(request.uri(), "/v1/items?x=1");
        assert_eq!(request.headers()[header::HOST], "orders:8080");
    }

    #[test]
    fn an_absolute_form_without_a_path_keeps_its_query() {
        let mut request = Request::builder()
            .uri("http://orders:8080?b=1")
            .body(Body::empty())
            .unwrap();
        origin_form(&mut request);
        assert_eq!(request.uri(), "/?b=1");
    }

    #[test]
    fn an_http_1_0_request_without_host_goes_on_with_an_empty_one() {
        let mut request = Request::builder()
            .version(Version::HTTP_10)
            .uri("/old")
            .body(Body::empty())
            .unwrap();
        origin_form(&mut request);
        assert_eq!(request.headers()[header::HOST], "");
    }

    #[test]
    fn origin_form_and_its_host_are_kept() {
        let mut request = Request::builder()
            .uri("http://ignored/a")
            .header(header::HOST, "orders")
            .body(Body::empty())
            .unwrap();
        origin_form(&mut request);
        assert_eq!(request.uri(), "/a");
        assert_eq!(request.headers()[header::HOST], "orders");
    }
}
