//! The registry port: Consul's `/v1/...` API, Nacos's `/nacos/...` and Eureka's (any other
//! prefix), at once, so an app keeps whichever client it has.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;

use super::consul::{self, Consul};
use super::eureka::{self, Eureka};
use super::nacos::{self, Nacos};

/// The three emulators.
#[derive(Clone)]
pub struct Registries {
    /// Eureka.
    pub eureka: Eureka,
    /// Consul.
    pub consul: Consul,
    /// Nacos.
    pub nacos: Nacos,
}

async fn handle(State(r): State<Registries>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    if uri.path().starts_with("/v1/") {
        consul::handle(&r.consul, &method, &uri, &headers, &body).await
    } else if uri.path().starts_with("/nacos/") {
        nacos::handle(&r.nacos, &method, &uri, &body)
    } else {
        eureka::handle(&r.eureka, &method, &uri, &headers, &body)
    }
}

/// The registry port's routes.
pub fn router(registries: Registries) -> Router {
    Router::new().fallback(handle).with_state(registries)
}
