//! Forwarding one HTTP request to an upstream over kept-alive connections, and the one place
//! where a failure becomes a response: no endpoints → 503, connection failure → 502,
//! timeout → 504, each with a short reason.

use std::net::SocketAddr;
use std::time::Duration;

use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Request, Response, StatusCode, Uri};

use super::body::Body;
use super::pool::{Limits, Pool};

/// Headers that belong to one connection, never forwarded.
const HOP_BY_HOP: [header::HeaderName; 8] = [
    header::CONNECTION,
    header::HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// Why a request could not be forwarded.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// Nowhere to send it.
    #[error("{0}")]
    NoEndpoints(String),
    /// The upstream could not be reached.
    #[error("cannot connect to {0}: {1}")]
    Connect(SocketAddr, String),
    /// The upstream did not answer in time.
    #[error("{0} did not answer within {1:?}")]
    Timeout(SocketAddr, Duration),
    /// The exchange broke after connecting.
    #[error("{0} failed: {1}")]
    Upstream(SocketAddr, String),
}

impl ProxyError {
    /// A metrics label for the failure.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NoEndpoints(_) => "no_endpoints",
            Self::Connect(..) => "connect",
            Self::Timeout(..) => "timeout",
            Self::Upstream(..) => "upstream",
        }
    }

    /// The status a caller gets.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NoEndpoints(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Connect(..) | Self::Upstream(..) => StatusCode::BAD_GATEWAY,
            Self::Timeout(..) => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    /// The response a caller gets.
    pub fn rescue(&self) -> Response<Body> {
        plain(self.status(), format!("mesh: {self}\n"))
    }
}

/// A short text answer from the sidecar itself, marked `x-mesh-error`.
pub fn plain(status: StatusCode, text: String) -> Response<Body> {
    let mut response = Response::new(Body::full(text));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert("x-mesh-error", HeaderValue::from_static("true"));
    response
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
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

    /// How long a call may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Idle upstream connections (for tests and `/config`).
    pub fn idle_connections(&self) -> usize {
        self.pool.idle_count()
    }

    /// Sends `request` to `addr`, keeping method, path, headers and body; gives up after the
    /// forwarder's timeout, or `timeout` when given.
    ///
    /// # Errors
    /// The upstream cannot be reached (502), breaks the exchange (502) or is too slow (504).
    pub async fn forward(
        &self,
        mut request: Request<Body>,
        addr: SocketAddr,
        timeout: Option<Duration>,
    ) -> Result<Response<Body>, ProxyError> {
        origin_form(&mut request);
        strip_hop_by_hop(request.headers_mut());
        let timeout = timeout.unwrap_or(self.timeout);
        let mut response = tokio::time::timeout(timeout, self.send(request, addr))
            .await
            .map_err(|_| ProxyError::Timeout(addr, timeout))??;
        strip_hop_by_hop(response.headers_mut());
        Ok(response)
    }

    async fn send(&self, mut request: Request<Body>, addr: SocketAddr) -> Result<Response<Body>, ProxyError> {
        loop {
            let (mut sender, reused) = match self.pool.take(addr).await {
                Some(sender) => (sender, true),
                None => (
                    self.pool
                        .connect(addr)
                        .await
                        .map_err(|err| ProxyError::Connect(addr, err.to_string()))?,
                    false,
                ),
            };
            match sender.try_send_request(request).await {
                Ok(response) => {
                    let (parts, incoming) = response.into_parts();
                    let body = Body::Stream {
                        incoming,
                        lease: Some(self.pool.lease(sender, addr)),
                    };
                    return Ok(Response::from_parts(parts, body));
                }
                Err(mut err) => match err.take_message() {
                    // A kept-alive connection the upstream had just closed: the request was not
                    // sent, so it goes again on a new one.
                    Some(unsent) if reused => request = unsent,
                    _ => return Err(ProxyError::Upstream(addr, err.into_error().to_string())),
                },
            }
        }
    }
}

/// HTTP/1.1 to an origin server carries only the path and query (a client configured to use the
/// sidecar as an HTTP proxy sends the absolute form); the authority moves to `Host`.
fn origin_form(request: &mut Request<Body>) {
    if request.uri().scheme().is_none() && request.uri().authority().is_none() {
        return;
    }
    if let Some(authority) = request.uri().authority().cloned()
        && !request.headers().contains_key(header::HOST)
        && let Ok(host) = HeaderValue::from_str(authority.as_str())
    {
        request.headers_mut().insert(header::HOST, host);
    }
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    *request.uri_mut() = path.parse().unwrap_or_else(|_| Uri::from_static("/"));
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

    #[test]
    fn failures_map_to_one_status_each() {
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        assert_eq!(ProxyError::NoEndpoints(String::new()).status(), 503);
        assert_eq!(ProxyError::Connect(addr, String::new()).status(), 502);
        assert_eq!(ProxyError::Upstream(addr, String::new()).status(), 502);
        assert_eq!(ProxyError::Timeout(addr, Duration::ZERO).status(), 504);
        let response = ProxyError::Timeout(addr, Duration::from_secs(1)).rescue();
        assert_eq!(response.headers()["x-mesh-error"], "true");
    }
}
