//! What the fuzz targets share: turning fuzz input into an HTTP request for the registry
//! emulators, and the mesh those emulators answer from.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Method, Uri};
use meshlib::kind::Kind;
use meshlib::resource::Resource;
use server::catalog::{self, Catalog};
use server::sidecar::discovery::Discovery;

/// The methods the emulators tell apart, picked by the input's first byte.
const METHODS: [Method; 4] = [Method::GET, Method::POST, Method::PUT, Method::DELETE];

/// A request made of fuzz input: the first byte picks the method and whether the client asks
/// for JSON, the next line is the target (path and query), the rest the body.
pub fn request(data: &[u8], prefix: &str) -> Option<(Method, Uri, HeaderMap, Bytes)> {
    let (&first, rest) = data.split_first()?;
    let method = METHODS[usize::from(first) % METHODS.len()].clone();
    let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let target = std::str::from_utf8(&rest[..end]).ok()?;
    let uri: Uri = format!("{prefix}{target}").parse().ok()?;
    let mut headers = HeaderMap::new();
    if first & 0x80 != 0 {
        headers.insert("accept", HeaderValue::from_static("application/json"));
    }
    if first & 0x40 != 0 {
        headers.insert("content-type", HeaderValue::from_static("application/json"));
    }
    let body = Bytes::copy_from_slice(rest.get(end + 1..).unwrap_or_default());
    Some((method, uri, headers, body))
}

fn resource(kind: Kind, name: &str, spec: serde_json::Value) -> Resource {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "mesh.megaease.com/v2alpha1",
        "kind": kind.name(),
        "metadata": {"name": name},
        "spec": spec,
    }))
    .expect("a valid resource")
}

/// Discovery for the app of `front` in a mesh of `front`, `order` (one UP instance) and `stock`.
pub fn discovery() -> Discovery {
    let mut mesh = Catalog::default();
    let objects = [
        resource(Kind::Service, "front", serde_json::json!({"registerTenant": "shop"})),
        resource(Kind::Service, "order", serde_json::json!({"registerTenant": "shop"})),
        resource(Kind::Service, "stock", serde_json::json!({"registerTenant": "shop"})),
        resource(
            Kind::ServiceInstance,
            "order/o-1",
            serde_json::json!({"serviceName": "order", "instanceID": "o-1", "ip": "10.0.0.2", "port": 13001, "status": "UP"}),
        ),
    ];
    for object in objects {
        mesh.objects
            .entry(object.kind.to_string())
            .or_default()
            .insert(object.metadata.name.clone(), object);
    }
    // The sender goes: the catalog never changes, and its last value stays readable.
    let (_, catalog) = tokio::sync::watch::channel(Arc::new(mesh));
    let tables = catalog::tables(catalog.clone());
    Discovery::new("front", 13002, catalog, tables)
}

/// A runtime for one input: the emulators and the data plane run in tokio. Its clock is paused
/// and moves on whenever every task waits, so a timer never costs real time.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime")
}

/// One runtime and one mesh for every input of a registry target (each input gets its own
/// emulator, so no state carries over).
pub fn shared() -> &'static (tokio::runtime::Runtime, Discovery) {
    static SHARED: OnceLock<(tokio::runtime::Runtime, Discovery)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = runtime();
        let discovery = runtime.block_on(async { discovery() });
        (runtime, discovery)
    })
}
