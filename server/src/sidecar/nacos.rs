//! Nacos HTTP Open API v1 (naming) for unmodified Nacos 1.x clients (nacos-client 1.x,
//! nacos-sdk-python 2.x), under `/nacos/v1/` on the sidecar's registry port.
//!
//! Parameters come from the query string and the form body; service names arrive grouped
//! (`DEFAULT_GROUP@@order`) or bare with `groupName`; booleans in any case, `None` as absent.
//! The app's own instances are kept; a beat for an unknown one answers `code: 20404` so the
//! client registers again. Other services are answered with one host: the service's loopback
//! address on the egress port. (nacos-client 2.x speaks gRPC; not emulated here.)

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::body::Bytes;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::discovery::Discovery;

const DEFAULT_GROUP: &str = "DEFAULT_GROUP";
/// How often clients re-query (`cacheMillis`), and beat (`clientBeatInterval`).
const CACHE_MILLIS: u64 = 10_000;
const BEAT_MILLIS: u64 = 5_000;

#[derive(Debug, Clone, PartialEq)]
struct Host {
    ip: String,
    port: u16,
    healthy: bool,
    weight: f64,
    metadata: Value,
}

/// The emulator's state.
#[derive(Clone)]
pub struct Nacos {
    discovery: Discovery,
    /// `group@@name` → hosts the app registered.
    own: Arc<Mutex<BTreeMap<String, Vec<Host>>>>,
}

/// Query string and form body, percent-decoded (`+` is a space in forms).
fn params(uri: &Uri, body: &Bytes) -> BTreeMap<String, String> {
    use super::discovery::pairs;
    let body = std::str::from_utf8(body).unwrap_or_default();
    pairs(uri.query().unwrap_or_default())
        .chain(pairs(body))
        .filter(|(_, v)| v != "None")
        .collect()
}

/// `(group, name)` from `serviceName` (grouped or bare) and `groupName`.
fn service_key(params: &BTreeMap<String, String>) -> Option<(String, String)> {
    let name = params.get("serviceName").filter(|n| !n.is_empty())?;
    Some(match name.split_once("@@") {
        Some((group, bare)) => (group.to_owned(), bare.to_owned()),
        None => (
            params
                .get("groupName")
                .cloned()
                .unwrap_or_else(|| DEFAULT_GROUP.to_owned()),
            name.clone(),
        ),
    })
}

fn truthy(value: Option<&String>, default: bool) -> bool {
    value.map_or(default, |v| v.eq_ignore_ascii_case("true"))
}

fn bad(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, format!("caused: {message};")).into_response()
}

impl Nacos {
    /// An emulator answering from `discovery`.
    pub fn new(discovery: Discovery) -> Self {
        Self {
            discovery,
            own: Arc::default(),
        }
    }

    fn visible(&self) -> Vec<String> {
        self.discovery.services().into_iter().map(|s| s.name).collect()
    }

    fn hosts(&self, group: &str, name: &str) -> Vec<Host> {
        if let Some(own) = self.own.lock().expect("nacos lock").get(&format!("{group}@@{name}")) {
            return own.clone();
        }
        self.discovery
            .services()
            .into_iter()
            .filter(|s| s.name == name)
            .map(|s| Host {
                ip: s.address.to_string(),
                port: s.port,
                healthy: s.up,
                weight: 1.0,
                metadata: json!({}),
            })
            .collect()
    }
}

fn host_json(host: &Host, grouped: &str) -> Value {
    json!({"instanceId": format!("{}#{}#DEFAULT#{grouped}", host.ip, host.port), "ip": host.ip, "port": host.port,
           "weight": host.weight, "healthy": host.healthy, "enabled": true, "ephemeral": true, "valid": host.healthy,
           "marked": false, "clusterName": "DEFAULT", "serviceName": grouped, "metadata": host.metadata})
}

/// Answers one `/nacos/...` call.
pub fn handle(nacos: &Nacos, method: &Method, uri: &Uri, body: &Bytes) -> Response {
    let params = params(uri, body);
    let path = uri.path().trim_end_matches('/');
    let tail = path.split("/nacos/v1").nth(1).unwrap_or(path);
    match (method, tail) {
        (&Method::POST | &Method::PUT, "/ns/instance") => {
            let Some((group, name)) = service_key(&params) else {
                return bad("serviceName is required");
            };
            let Some(ip) = params.get("ip").filter(|i| !i.is_empty()).cloned() else {
                return bad("ip is required");
            };
            let Some(port) = params.get("port").and_then(|p| p.parse::<u16>().ok()) else {
                return bad("port is required");
            };
            let host = Host {
                ip,
                port,
                healthy: truthy(params.get("healthy"), true),
                weight: params.get("weight").and_then(|w| w.parse().ok()).unwrap_or(1.0),
                metadata: params
                    .get("metadata")
                    .and_then(|m| serde_json::from_str(m).ok())
                    .unwrap_or_else(|| json!({})),
            };
            tracing::info!(service = %name, ip = %host.ip, port, "app registered with the Nacos emulation");
            let mut own = nacos.own.lock().expect("nacos lock");
            let hosts = own.entry(format!("{group}@@{name}")).or_default();
            hosts.retain(|h| !(h.ip == host.ip && h.port == host.port));
            hosts.push(host);
            "ok".into_response()
        }
        (&Method::DELETE, "/ns/instance") => {
            let Some((group, name)) = service_key(&params) else {
                return bad("serviceName is required");
            };
            let (ip, port) = (
                params.get("ip").cloned().unwrap_or_default(),
                params.get("port").and_then(|p| p.parse::<u16>().ok()),
            );
            let mut own = nacos.own.lock().expect("nacos lock");
            if let Some(hosts) = own.get_mut(&format!("{group}@@{name}")) {
                hosts.retain(|h| !(h.ip == ip && Some(h.port) == port));
                if hosts.is_empty() {
                    own.remove(&format!("{group}@@{name}"));
                }
            }
            "ok".into_response()
        }
        (&Method::PUT, "/ns/instance/beat") => {
            let beat: Value = params
                .get("beat")
                .and_then(|b| serde_json::from_str(b).ok())
                .unwrap_or(Value::Null);
            let mut key = params.clone();
            if let Some(name) = beat["serviceName"]
                .as_str()
                .filter(|_| !key.contains_key("serviceName"))
            {
                key.insert("serviceName".into(), name.to_owned());
            }
            let ip = params
                .get("ip")
                .cloned()
                .or_else(|| beat["ip"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let port = params
                .get("port")
                .and_then(|p| p.parse::<u64>().ok())
                .or_else(|| beat["port"].as_u64());
            let known = service_key(&key).is_some_and(|(group, name)| {
                nacos
                    .own
                    .lock()
                    .expect("nacos lock")
                    .get(&format!("{group}@@{name}"))
                    .is_some_and(|hosts| hosts.iter().any(|h| h.ip == ip && Some(u64::from(h.port)) == port))
            });
            let code = if known { 10200 } else { 20404 };
            axum::Json(json!({"clientBeatInterval": BEAT_MILLIS, "code": code, "lightBeatEnabled": true}))
                .into_response()
        }
        (&Method::GET, "/ns/instance/list") => {
            let Some((group, name)) = service_key(&params) else {
                return bad("serviceName is required");
            };
            let grouped = format!("{group}@@{name}");
            let healthy_only = truthy(params.get("healthyOnly"), false);
            let hosts: Vec<Value> = nacos
                .hosts(&group, &name)
                .iter()
                .filter(|h| h.healthy || !healthy_only)
                .map(|h| host_json(h, &grouped))
                .collect();
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis();
            axum::Json(
                json!({"name": grouped, "groupName": group, "clusters": "", "cacheMillis": CACHE_MILLIS,
                              "hosts": hosts, "lastRefTime": now, "checksum": "", "allIPs": false,
                              "reachProtectionThreshold": false, "valid": true, "dom": name}),
            )
            .into_response()
        }
        (&Method::GET, "/ns/instance") => {
            let Some((group, name)) = service_key(&params) else {
                return bad("serviceName is required");
            };
            let ip = params.get("ip").cloned().unwrap_or_default();
            let port = params.get("port").and_then(|p| p.parse::<u16>().ok());
            match nacos
                .hosts(&group, &name)
                .into_iter()
                .find(|h| h.ip == ip && Some(h.port) == port)
            {
                Some(h) => axum::Json(
                    json!({"service": format!("{group}@@{name}"), "ip": h.ip, "port": h.port,
                    "clusterName": "DEFAULT", "weight": h.weight, "healthy": h.healthy,
                    "instanceId": format!("{}#{}#DEFAULT#{group}@@{name}", h.ip, h.port), "metadata": h.metadata}),
                )
                .into_response(),
                None => (StatusCode::NOT_FOUND, "caused: no ips found for cluster DEFAULT;").into_response(),
            }
        }
        (&Method::GET, "/ns/service/list") => {
            let mut names = nacos.visible();
            names.extend(
                nacos
                    .own
                    .lock()
                    .expect("nacos lock")
                    .keys()
                    .filter_map(|k| k.split_once("@@").map(|(_, n)| n.to_owned())),
            );
            names.sort();
            names.dedup();
            let page: usize = params.get("pageNo").and_then(|p| p.parse().ok()).unwrap_or(1).max(1);
            let size: usize = params
                .get("pageSize")
                .and_then(|p| p.parse().ok())
                .unwrap_or(100)
                .max(1);
            let doms: Vec<&String> = names.iter().skip((page - 1) * size).take(size).collect();
            axum::Json(json!({"count": names.len(), "doms": doms})).into_response()
        }
        (&Method::GET, "/ns/operator/metrics") => axum::Json(json!({"status": "UP"})).into_response(),
        (&Method::POST, "/auth/login" | "/auth/users/login") => {
            axum::Json(json!({"accessToken": "", "tokenTtl": 18000, "globalAdmin": false})).into_response()
        }
        _ => (StatusCode::NOT_FOUND, "caused: unsupported Nacos call;").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_arrive_grouped_or_bare_and_none_is_absent() {
        let uri: Uri = "/nacos/v1/ns/instance?serviceName=DEFAULT_GROUP%40%40order&clusterName=None"
            .parse()
            .unwrap();
        let p = params(&uri, &Bytes::from_static(b"ip=10.0.0.1&port=8080&enable=True"));
        assert_eq!(service_key(&p), Some(("DEFAULT_GROUP".into(), "order".into())));
        assert!(!p.contains_key("clusterName"));
        assert_eq!(p.get("ip").map(String::as_str), Some("10.0.0.1"));
        assert!(truthy(p.get("enable"), false));
        let bare: Uri = "/nacos/v1/ns/instance?serviceName=order&groupName=G".parse().unwrap();
        assert_eq!(
            service_key(&params(&bare, &Bytes::new())),
            Some(("G".into(), "order".into()))
        );
    }
}
