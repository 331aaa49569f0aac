//! Consul emulation for unmodified Consul clients (Spring Cloud Consul, py-consul), under `/v1/`
//! on the sidecar's registry port.
//!
//! The app's own registration is kept; every other service it may call is answered with one
//! passing instance at the service's loopback address on the egress port. Every read carries
//! `X-Consul-Index` (≥ 1, moving whenever the answer may have changed) and honours blocking
//! queries (`?index=N&wait=10s`). Lists are `[]`, never null; request keys are matched ignoring
//! case and `snake_case`; no Content-Type is needed.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use super::discovery::Discovery;

/// The emulator's state.
#[derive(Clone)]
pub struct Consul {
    discovery: Discovery,
    /// The app's own registrations, by id (always passing: the sidecar checks the app).
    own: Arc<Mutex<BTreeMap<String, Entry>>>,
    index: watch::Sender<u64>,
}

/// One instance as Consul shows it: a mesh service, or a registration of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    id: String,
    name: String,
    address: String,
    port: u16,
    tags: Vec<String>,
    meta: BTreeMap<String, String>,
    passing: bool,
}

impl Consul {
    /// An emulator answering from `discovery`; its index moves with every configuration change.
    pub fn new(discovery: Discovery) -> Self {
        let (index, _) = watch::channel(1);
        let (mut changes, bump) = (discovery.changes(), index.clone());
        tokio::spawn(async move {
            while changes.changed().await.is_ok() {
                bump.send_modify(|i| *i += 1);
            }
        });
        Self {
            discovery,
            own: Arc::default(),
            index,
        }
    }

    fn entries(&self) -> BTreeMap<String, Vec<Entry>> {
        let mut out: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
        for s in self.discovery.services() {
            out.entry(s.name.clone()).or_default().push(Entry {
                id: format!("{}@mesh", s.name),
                address: s.address.to_string(),
                port: s.port,
                tags: Vec::new(),
                meta: BTreeMap::new(),
                passing: s.up,
                name: s.name,
            });
        }
        for r in self.own.lock().expect("consul lock").values() {
            out.entry(r.name.clone()).or_default().push(r.clone());
        }
        out
    }
}

fn node() -> Value {
    json!({"ID": "00000000-0000-0000-0000-000000000001", "Node": "mesh-sidecar", "Address": "127.0.0.1",
           "Datacenter": "dc1", "TaggedAddresses": {"lan": "127.0.0.1", "wan": "127.0.0.1"}, "Meta": {},
           "CreateIndex": 1, "ModifyIndex": 1})
}

fn service_json(e: &Entry) -> Value {
    json!({"ID": e.id, "Service": e.name, "Tags": e.tags, "Address": e.address, "Meta": e.meta, "Port": e.port,
           "Weights": {"Passing": 1, "Warning": 1}, "EnableTagOverride": false, "CreateIndex": 1, "ModifyIndex": 1})
}

fn check_json(e: &Entry) -> Value {
    json!({"Node": "mesh-sidecar", "CheckID": format!("service:{}", e.id), "Name": format!("Service '{}' check", e.name),
           "Status": if e.passing { "passing" } else { "critical" }, "Notes": "", "Output": "", "ServiceID": e.id,
           "ServiceName": e.name, "ServiceTags": e.tags, "CreateIndex": 1, "ModifyIndex": 1})
}

/// Consul's boolean query parameters: present and empty is true, else Go's `ParseBool`.
fn bool_param(query: &BTreeMap<String, String>, key: &str) -> Result<bool, String> {
    match query.get(key).map(String::as_str) {
        None => Ok(false),
        Some("" | "1" | "t" | "T" | "true" | "TRUE" | "True") => Ok(true),
        Some("0" | "f" | "F" | "false" | "FALSE" | "False") => Ok(false),
        Some(_) => Err(format!("Invalid value for ?{key}")),
    }
}

/// Request keys ignoring case and `_` (`ID`, `id`, `Service_Id`...).
fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    let wanted = name.to_ascii_lowercase();
    object
        .iter()
        .find(|(k, _)| k.replace('_', "").to_ascii_lowercase() == wanted)
        .map(|(_, v)| v)
}

fn parse_registration(body: &[u8]) -> Result<Entry, String> {
    let value: Value = serde_json::from_slice(body).map_err(|err| format!("Request decode failed: {err}"))?;
    let object = value.as_object().ok_or("Request decode failed: expected an object")?;
    let text = |key: &str| field(object, key).and_then(Value::as_str).map(str::to_owned);
    let name = text("name").filter(|n| !n.is_empty()).ok_or("Missing service name")?;
    let strings = |key: &str| -> Vec<String> {
        field(object, key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let meta = field(object, "meta")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    Ok(Entry {
        id: text("id").filter(|i| !i.is_empty()).unwrap_or_else(|| name.clone()),
        address: text("address").unwrap_or_default(),
        port: field(object, "port")
            .and_then(Value::as_u64)
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(0),
        tags: strings("tags"),
        meta,
        passing: true,
        name,
    })
}

fn with_index(index: u64, body: Value) -> Response {
    let mut response = axum::Json(body).into_response();
    let headers = response.headers_mut();
    headers.insert("X-Consul-Index", HeaderValue::from(index));
    headers.insert("X-Consul-KnownLeader", HeaderValue::from_static("true"));
    headers.insert("X-Consul-LastContact", HeaderValue::from_static("0"));
    response
}

/// Waits, for a blocking query, until the index moves past `seen` or `wait` runs out.
async fn block(consul: &Consul, query: &BTreeMap<String, String>) -> u64 {
    let mut index = consul.index.subscribe();
    let seen: u64 = query.get("index").and_then(|i| i.parse().ok()).unwrap_or(0);
    if seen == 0 || *index.borrow() > seen {
        return *index.borrow();
    }
    let wait = query
        .get("wait")
        .and_then(|w| meshlib::duration::parse(w).ok())
        .unwrap_or(Duration::from_secs(300))
        .min(Duration::from_secs(600));
    let _ = tokio::time::timeout(wait, index.wait_for(|i| *i > seen)).await;
    *index.borrow()
}

/// Answers one `/v1/...` call.
pub async fn handle(consul: &Consul, method: &Method, uri: &Uri, _headers: &HeaderMap, body: &Bytes) -> Response {
    let query: BTreeMap<String, String> = super::discovery::pairs(uri.query().unwrap_or_default()).collect();
    let segments = super::discovery::segments(uri);
    let path: Vec<&str> = segments.iter().map(String::as_str).collect();
    let bump = || consul.index.send_modify(|i| *i += 1);
    match (method, path.as_slice()) {
        (&Method::PUT, ["v1", "agent", "service", "register"] | ["v1", "catalog", "register"]) => {
            match parse_registration(body) {
                Ok(registered) => {
                    tracing::info!(id = %registered.id, "app registered with the Consul emulation");
                    consul
                        .own
                        .lock()
                        .expect("consul lock")
                        .insert(registered.id.clone(), registered);
                    bump();
                    StatusCode::OK.into_response()
                }
                Err(reason) => (StatusCode::BAD_REQUEST, reason).into_response(),
            }
        }
        (&Method::PUT, ["v1", "agent", "service", "deregister", id]) => {
            consul.own.lock().expect("consul lock").remove(*id);
            bump();
            StatusCode::OK.into_response()
        }
        (&Method::PUT, ["v1", "agent", "check", "pass" | "warn" | "fail" | "update", _])
        | (&Method::PUT, ["v1", "agent", "service", "maintenance", _])
        | (&Method::PUT, ["v1", "catalog", "deregister"]) => StatusCode::OK.into_response(),
        (&Method::GET, ["v1", "catalog", "services"]) => {
            let index = block(consul, &query).await;
            let mut services = Map::new();
            services.insert("consul".into(), json!([]));
            for (name, entries) in consul.entries() {
                let mut tags: Vec<String> = entries.into_iter().flat_map(|e| e.tags).collect();
                tags.sort();
                tags.dedup();
                services.insert(name, json!(tags));
            }
            with_index(index, Value::Object(services))
        }
        (&Method::GET, ["v1", "health", "service", name]) => {
            let passing_only = match bool_param(&query, "passing") {
                Ok(p) => p,
                Err(reason) => return (StatusCode::BAD_REQUEST, reason).into_response(),
            };
            let index = block(consul, &query).await;
            let entries = consul.entries().remove(*name).unwrap_or_default();
            let list: Vec<Value> = entries
                .iter()
                .filter(|e| e.passing || !passing_only)
                .map(|e| json!({"Node": node(), "Service": service_json(e), "Checks": [check_json(e)]}))
                .collect();
            with_index(index, Value::Array(list))
        }
        (&Method::GET, ["v1", "health", "checks", name]) => {
            let index = block(consul, &query).await;
            let entries = consul.entries().remove(*name).unwrap_or_default();
            with_index(index, Value::Array(entries.iter().map(check_json).collect()))
        }
        (&Method::GET, ["v1", "catalog", "service", name]) => {
            let index = block(consul, &query).await;
            let entries = consul.entries().remove(*name).unwrap_or_default();
            let node = node();
            let list: Vec<Value> = entries
                .iter()
                .map(|e| {
                    json!({"ID": node["ID"], "Node": "mesh-sidecar", "Address": "127.0.0.1", "Datacenter": "dc1",
                           "TaggedAddresses": node["TaggedAddresses"], "NodeMeta": {}, "ServiceID": e.id,
                           "ServiceName": e.name, "ServiceTags": e.tags, "ServiceAddress": e.address,
                           "ServicePort": e.port, "ServiceMeta": e.meta, "ServiceEnableTagOverride": false,
                           "ServiceWeights": {"Passing": 1, "Warning": 1}, "CreateIndex": 1, "ModifyIndex": 1})
                })
                .collect();
            with_index(index, Value::Array(list))
        }
        (&Method::GET, ["v1", "agent", "services"]) => {
            let services: Map<String, Value> = consul
                .own
                .lock()
                .expect("consul lock")
                .values()
                .map(|r| (r.id.clone(), service_json(r)))
                .collect();
            axum::Json(Value::Object(services)).into_response()
        }
        (&Method::GET, ["v1", "status", "leader"]) => axum::Json(json!("127.0.0.1:8300")).into_response(),
        (&Method::GET, ["v1", "status", "peers"]) => axum::Json(json!(["127.0.0.1:8300"])).into_response(),
        (&Method::GET, ["v1", "agent", "self"]) => axum::Json(json!({
            "Config": {"Datacenter": "dc1", "NodeName": "mesh-sidecar", "NodeID": node()["ID"], "Server": false,
                       "Revision": "mesh", "Version": "1.15.0"},
            "Member": {"Name": "mesh-sidecar", "Addr": "127.0.0.1", "Port": 8301, "Tags": {}, "Status": 1},
            "Meta": {}}))
        .into_response(),
        (&Method::GET, ["v1", "kv", ..]) => StatusCode::NOT_FOUND.into_response(),
        _ => (StatusCode::METHOD_NOT_ALLOWED, "unsupported Consul call\n").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_accept_any_key_case_and_snake_case() {
        let py = br#"{"name": "demo-py", "id": "demo-py-1", "address": "127.0.0.1", "port": 9090, "checks": [{"ttl": "10s"}]}"#;
        let r = parse_registration(py).unwrap();
        assert_eq!((r.id.as_str(), r.name.as_str(), r.port), ("demo-py-1", "demo-py", 9090));
        let spring = br#"{"ID":"order-8080","Name":"order","Tags":["a"],"Address":"10.0.0.5","Port":8080,"Meta":{"secure":"false"}}"#;
        let r = parse_registration(spring).unwrap();
        assert_eq!(
            (r.tags.clone(), r.meta.get("secure").cloned()),
            (vec!["a".to_owned()], Some("false".to_owned()))
        );
        assert_eq!(
            parse_registration(br#"{"id": "x"}"#).unwrap_err(),
            "Missing service name"
        );
    }

    #[test]
    fn passing_parses_like_consul() {
        let q = |v: &str| BTreeMap::from([("passing".to_owned(), v.to_owned())]);
        assert_eq!(bool_param(&q(""), "passing"), Ok(true));
        assert_eq!(bool_param(&q("1"), "passing"), Ok(true));
        assert_eq!(bool_param(&q("false"), "passing"), Ok(false));
        assert!(bool_param(&q("maybe"), "passing").is_err());
        assert_eq!(bool_param(&BTreeMap::new(), "passing"), Ok(false));
    }
}
