//! Forwarding one HTTP request to an upstream over kept-alive connections, and the one place
//! where a failure becomes a response: no endpoints → 503, connection failure → 502,
//! timeout → 504, each with a short reason.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, Uri, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Headers that belong to one connection, never forwarded.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Why a request could not be forwarded.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// Nowhere to send it.
    #[error("{0}")]
    NoEndpoints(String),
    /// The upstream could not be reached.
    #[error("cannot connect to {0}")]
    Connect(String),
    /// The upstream did not answer in time.
    #[error("{0} did not answer within {1:?}")]
    Timeout(String, Duration),
    /// The exchange broke after connecting.
    #[error("{0} failed: {1}")]
    Upstream(String, String),
}

impl ProxyError {
    /// A metrics label for the failure.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NoEndpoints(_) => "no_endpoints",
            Self::Connect(_) => "connect",
            Self::Timeout(..) => "timeout",
            Self::Upstream(..) => "upstream",
        }
    }

    /// The response a caller gets.
    pub fn rescue(&self) -> Response<Body> {
        let status = match self {
            Self::NoEndpoints(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Connect(_) | Self::Upstream(..) => StatusCode::BAD_GATEWAY,
            Self::Timeout(..) => StatusCode::GATEWAY_TIMEOUT,
        };
        let mut response = Response::new(Body::from(format!("mesh: {self}\n")));
        *response.status_mut() = status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
            .headers_mut()
            .insert("x-mesh-error", HeaderValue::from_static("true"));
        response
    }
}

/// A pooled HTTP/1.1 client for forwarding.
#[derive(Clone)]
pub struct Forwarder {
    client: Client<HttpConnector, Body>,
    timeout: Duration,
}

impl Forwarder {
    /// A forwarder whose calls give up after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(2)));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(64)
            .build(connector);
        Self { client, timeout }
    }

    /// Sends `request` to `authority` (`host:port`), keeping method, path, headers and body.
    pub async fn forward(&self, mut request: Request<Body>, authority: &str) -> Result<Response<Body>, ProxyError> {
        let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
        let uri: Uri = format!("http://{authority}{path}")
            .parse()
            .map_err(|err| ProxyError::Upstream(authority.to_owned(), format!("bad address: {err}")))?;
        *request.uri_mut() = uri;
        let headers = request.headers_mut();
        for name in HOP_BY_HOP {
            headers.remove(*name);
        }
        match tokio::time::timeout(self.timeout, self.client.request(request)).await {
            Err(_) => Err(ProxyError::Timeout(authority.to_owned(), self.timeout)),
            Ok(Err(err)) if err.is_connect() => Err(ProxyError::Connect(authority.to_owned())),
            Ok(Err(err)) => Err(ProxyError::Upstream(authority.to_owned(), err.to_string())),
            Ok(Ok(response)) => {
                let (mut parts, body) = response.into_parts();
                for name in HOP_BY_HOP {
                    parts.headers.remove(*name);
                }
                Ok(Response::from_parts(parts, Body::new(body)))
            }
        }
    }
}
