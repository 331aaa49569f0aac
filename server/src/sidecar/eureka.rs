//! Eureka emulation for unmodified Eureka clients (Spring Cloud Netflix, py-eureka-client,
//! eureka-js-client), on the sidecar's registry port under any path prefix.
//!
//! The app's own registration is kept as it sent it (id, app name, address, metadata) and
//! answered back for its own service, so its remote status reads UP. Every other service it may
//! call is answered with one instance: the service's own loopback address on the egress port,
//! where the sidecar balances over the real instances. JSON when `Accept` contains `json`, XML
//! otherwise; arrays always; Netflix field names only; register → 204; a heartbeat for an
//! unknown instance → 404 so the client registers again; deltas are empty and carry the current
//! `apps__hashcode`, so a changed registry makes clients fetch it whole.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use quick_xml::escape::escape;
use serde_json::{Value, json};

use super::discovery::Discovery;

/// One instance as Eureka shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// `instanceId`.
    pub id: String,
    /// Upper-case app name.
    pub app: String,
    /// Where clients dial.
    pub host: String,
    /// Port clients dial.
    pub port: u16,
    /// `UP`, `DOWN`, ...
    pub status: String,
    /// Lookup key of clients (`vipAddress`).
    pub vip: String,
    /// Free metadata.
    pub metadata: BTreeMap<String, String>,
}

/// The emulator's state.
#[derive(Clone)]
pub struct Eureka {
    discovery: Discovery,
    own: Arc<Mutex<BTreeMap<String, Instance>>>,
}

impl Eureka {
    /// An emulator answering from `discovery`.
    pub fn new(discovery: Discovery) -> Self {
        Self {
            discovery,
            own: Arc::default(),
        }
    }

    /// Every app the client may see, sorted.
    pub fn apps(&self) -> Vec<(String, Vec<Instance>)> {
        let mut apps: Vec<(String, Vec<Instance>)> = self
            .discovery
            .services()
            .into_iter()
            .map(|s| {
                let app = s.name.to_ascii_uppercase();
                let instance = Instance {
                    id: format!("{}@mesh", s.name),
                    app: app.clone(),
                    host: s.address.to_string(),
                    port: s.port,
                    status: if s.up { "UP" } else { "DOWN" }.to_owned(),
                    vip: s.name,
                    metadata: BTreeMap::new(),
                };
                (app, vec![instance])
            })
            .collect();
        let own: Vec<Instance> = self.own.lock().expect("eureka lock").values().cloned().collect();
        if !own.is_empty() {
            apps.push((self.discovery.service.to_ascii_uppercase(), own));
        }
        apps.sort_by(|a, b| a.0.cmp(&b.0));
        apps
    }
}

/// `STATUS_count_` per status, sorted by status (Netflix's reconcile hash code).
pub fn hashcode(apps: &[(String, Vec<Instance>)]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, instances) in apps {
        for instance in instances {
            *counts.entry(instance.status.as_str()).or_default() += 1;
        }
    }
    counts.iter().map(|(status, n)| format!("{status}_{n}_")).collect()
}

fn instance_json(i: &Instance) -> Value {
    let metadata = if i.metadata.is_empty() {
        json!({"@class": "java.util.Collections$EmptyMap"})
    } else {
        json!(i.metadata)
    };
    let base = format!("http://{}:{}/", i.host, i.port);
    json!({
        "instanceId": i.id, "hostName": i.host, "app": i.app, "ipAddr": i.host, "status": i.status,
        "overriddenStatus": "UNKNOWN", "port": {"$": i.port, "@enabled": "true"},
        "securePort": {"$": 443, "@enabled": "false"}, "countryId": 1,
        "dataCenterInfo": {"@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", "name": "MyOwn"},
        "leaseInfo": {"renewalIntervalInSecs": 30, "durationInSecs": 90, "registrationTimestamp": 0,
                      "lastRenewalTimestamp": 0, "evictionTimestamp": 0, "serviceUpTimestamp": 0},
        "metadata": metadata, "homePageUrl": base, "statusPageUrl": format!("{base}actuator/info"),
        "healthCheckUrl": format!("{base}actuator/health"), "vipAddress": i.vip, "secureVipAddress": i.vip,
        "isCoordinatingDiscoveryServer": "false", "lastUpdatedTimestamp": "0", "lastDirtyTimestamp": "0",
        "actionType": "ADDED",
    })
}

fn instance_xml(i: &Instance) -> String {
    let e = |s: &str| escape(s).into_owned();
    let metadata = if i.metadata.is_empty() {
        r#"<metadata class="java.util.Collections$EmptyMap"/>"#.to_owned()
    } else {
        let fields: String = i.metadata.iter().map(|(k, v)| format!("<{k}>{}</{k}>", e(v))).collect();
        format!("<metadata>{fields}</metadata>")
    };
    let base = format!("http://{}:{}/", e(&i.host), i.port);
    format!(
        "<instance><instanceId>{id}</instanceId><hostName>{host}</hostName><app>{app}</app><ipAddr>{host}</ipAddr>\
<status>{status}</status><overriddenstatus>UNKNOWN</overriddenstatus><port enabled=\"true\">{port}</port>\
<securePort enabled=\"false\">443</securePort><countryId>1</countryId>\
<dataCenterInfo class=\"com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo\"><name>MyOwn</name></dataCenterInfo>\
<leaseInfo><renewalIntervalInSecs>30</renewalIntervalInSecs><durationInSecs>90</durationInSecs>\
<registrationTimestamp>0</registrationTimestamp><lastRenewalTimestamp>0</lastRenewalTimestamp>\
<evictionTimestamp>0</evictionTimestamp><serviceUpTimestamp>0</serviceUpTimestamp></leaseInfo>{metadata}\
<homePageUrl>{base}</homePageUrl><statusPageUrl>{base}actuator/info</statusPageUrl>\
<healthCheckUrl>{base}actuator/health</healthCheckUrl><vipAddress>{vip}</vipAddress>\
<secureVipAddress>{vip}</secureVipAddress><isCoordinatingDiscoveryServer>false</isCoordinatingDiscoveryServer>\
<lastUpdatedTimestamp>0</lastUpdatedTimestamp><lastDirtyTimestamp>0</lastDirtyTimestamp>\
<actionType>ADDED</actionType></instance>",
        id = e(&i.id),
        host = e(&i.host),
        app = e(&i.app),
        status = e(&i.status),
        port = i.port,
        vip = e(&i.vip),
    )
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"))
}

fn respond(json_wanted: bool, json: Value, xml: String) -> Response {
    if json_wanted {
        ([(header::CONTENT_TYPE, "application/json")], json.to_string()).into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "application/xml")],
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{xml}"),
        )
            .into_response()
    }
}

fn applications(apps: &[(String, Vec<Instance>)], listed: bool, json_wanted: bool) -> Response {
    let hash = hashcode(apps);
    let shown: &[(String, Vec<Instance>)] = if listed { apps } else { &[] };
    let json = json!({"applications": {"versions__delta": "1", "apps__hashcode": hash, "application":
        shown.iter().map(|(name, instances)| json!({"name": name, "instance": instances.iter().map(instance_json).collect::<Vec<_>>()})).collect::<Vec<_>>()}});
    let xml_apps: String = shown
        .iter()
        .map(|(name, instances)| {
            let body: String = instances.iter().map(instance_xml).collect();
            format!(
                "<application><name>{}</name>{body}</application>",
                escape(name.as_str())
            )
        })
        .collect();
    let xml = format!(
        "<applications><versions__delta>1</versions__delta><apps__hashcode>{hash}</apps__hashcode>{xml_apps}</applications>"
    );
    respond(json_wanted, json, xml)
}

fn application(name: &str, instances: &[Instance], json_wanted: bool) -> Response {
    let json =
        json!({"application": {"name": name, "instance": instances.iter().map(instance_json).collect::<Vec<_>>()}});
    let body: String = instances.iter().map(instance_xml).collect();
    respond(
        json_wanted,
        json,
        format!("<application><name>{}</name>{body}</application>", escape(name)),
    )
}

fn not_found(what: &str) -> Response {
    (StatusCode::NOT_FOUND, format!("{what} not found\n")).into_response()
}

/// Reads an InstanceInfo from a registration body (JSON `{"instance":{...}}` or XML).
pub fn parse_registration(body: &[u8]) -> Result<Instance, String> {
    let text = std::str::from_utf8(body).map_err(|_| "body is not UTF-8".to_owned())?;
    let fields: BTreeMap<String, Value> = if text.trim_start().starts_with('<') {
        xml_fields(text)?
    } else {
        let value: Value = serde_json::from_str(text).map_err(|err| format!("invalid JSON: {err}"))?;
        let instance = value.get("instance").unwrap_or(&value);
        instance
            .as_object()
            .ok_or("expected an instance object")?
            .clone()
            .into_iter()
            .collect()
    };
    let text = |key: &str| {
        fields
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .filter(|v| !v.is_empty())
    };
    let require = |key: &str| text(key).ok_or_else(|| format!("missing {key}"));
    let port = match fields.get("port") {
        Some(Value::Object(p)) => p.get("$").and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok())),
        Some(v) => v.as_u64().or_else(|| v.as_str()?.parse().ok()),
        None => None,
    };
    let metadata = match fields.get("metadata") {
        Some(Value::Object(m)) => m
            .iter()
            .filter(|(k, _)| !k.starts_with('@'))
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
        _ => BTreeMap::new(),
    };
    let app = require("app")?.to_ascii_uppercase();
    Ok(Instance {
        id: require("instanceId")?,
        host: require("hostName")?,
        port: port.and_then(|p| u16::try_from(p).ok()).unwrap_or(80),
        status: text("status").unwrap_or_else(|| "UP".to_owned()),
        vip: text("vipAddress").unwrap_or_else(|| app.to_ascii_lowercase()),
        app,
        metadata,
    })
    .and_then(|i| {
        if text("ipAddr").is_none() {
            Err("missing ipAddr".to_owned())
        } else {
            Ok(i)
        }
    })
}

/// The text children of `<instance>` (and `port`'s text), as JSON strings.
fn xml_fields(text: &str) -> Result<BTreeMap<String, Value>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut fields = BTreeMap::new();
    loop {
        match reader.read_event().map_err(|err| format!("invalid XML: {err}"))? {
            Event::Start(start) => path.push(start.local_name().as_ref().to_owned()),
            Event::End(_) => {
                path.pop();
            }
            Event::Text(t) if path.len() == 2 => {
                let raw = t.xml10_content();
                let value = quick_xml::escape::unescape(&raw)
                    .map_err(|err| format!("invalid XML text: {err}"))?
                    .into_owned();
                fields.insert(path[1].clone(), Value::String(value));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(fields)
}

/// Answers one Eureka call.
pub fn handle(eureka: &Eureka, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Response {
    let segments = super::discovery::segments(uri);
    let Some(start) = segments
        .iter()
        .position(|s| matches!(s.as_str(), "apps" | "instances" | "vips" | "svips"))
    else {
        return not_found("route");
    };
    let rest: Vec<&str> = segments[start..].iter().map(String::as_str).collect();
    let json_wanted = wants_json(headers);
    let own = |id: &str| eureka.own.lock().expect("eureka lock").get(id).cloned();
    match (method, rest.as_slice()) {
        (&Method::GET, ["apps"]) => applications(&eureka.apps(), true, json_wanted),
        (&Method::GET, ["apps", "delta"]) => applications(&eureka.apps(), false, json_wanted),
        (&Method::GET, ["apps", app]) => match eureka
            .apps()
            .into_iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(app))
        {
            Some((name, instances)) => application(&name, &instances, json_wanted),
            None => not_found("application"),
        },
        (&Method::GET, ["apps", _, id] | ["instances", id]) => {
            let found = eureka.apps().into_iter().flat_map(|(_, i)| i).find(|i| i.id == *id);
            match found {
                Some(i) => respond(json_wanted, json!({"instance": instance_json(&i)}), instance_xml(&i)),
                None => not_found("instance"),
            }
        }
        (&Method::GET, ["vips" | "svips", vip]) => {
            let instances: Vec<Instance> = eureka
                .apps()
                .into_iter()
                .flat_map(|(_, i)| i)
                .filter(|i| i.vip.eq_ignore_ascii_case(vip))
                .collect();
            if instances.is_empty() {
                not_found("vip")
            } else {
                applications(&[(instances[0].app.clone(), instances)], true, json_wanted)
            }
        }
        (&Method::POST, ["apps", app]) => match parse_registration(body) {
            Ok(instance) if !instance.app.eq_ignore_ascii_case(app) => (
                StatusCode::BAD_REQUEST,
                format!("app name {} does not match {app}\n", instance.app),
            )
                .into_response(),
            Ok(instance) => {
                tracing::info!(instance = %instance.id, status = %instance.status, "app registered with the Eureka emulation");
                eureka
                    .own
                    .lock()
                    .expect("eureka lock")
                    .insert(instance.id.clone(), instance);
                StatusCode::NO_CONTENT.into_response()
            }
            Err(reason) => (StatusCode::BAD_REQUEST, format!("{reason}\n")).into_response(),
        },
        (&Method::PUT, ["apps", _, id]) | (&Method::PUT | &Method::DELETE, ["apps", _, id, "status" | "metadata"]) => {
            if own(id).is_some() {
                StatusCode::OK.into_response()
            } else {
                not_found("instance")
            }
        }
        (&Method::DELETE, ["apps", _, id]) => match eureka.own.lock().expect("eureka lock").remove(*id) {
            Some(_) => StatusCode::OK.into_response(),
            None => not_found("instance"),
        },
        _ => (StatusCode::METHOD_NOT_ALLOWED, "unsupported Eureka call\n").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_parse_from_json_and_xml() {
        let json = br#"{"instance":{"instanceId":"h:front:9090","hostName":"127.0.0.1","app":"FRONT","ipAddr":"127.0.0.1",
            "status":"UP","port":{"$":9090,"@enabled":"true"},"vipAddress":"front","metadata":{"management.port":"9091"},
            "dataCenterInfo":{"@class":"x","name":"MyOwn"}}}"#;
        let i = parse_registration(json).unwrap();
        assert_eq!((i.id.as_str(), i.port, i.vip.as_str()), ("h:front:9090", 9090, "front"));
        assert_eq!(i.metadata.get("management.port").map(String::as_str), Some("9091"));
        let xml = br#"<instance><instanceId>x1</instanceId><hostName>10.0.0.1</hostName><app>pay</app><ipAddr>10.0.0.1</ipAddr>
            <status>UP</status><port enabled="true">8080</port><vipAddress>pay</vipAddress></instance>"#;
        let i = parse_registration(xml).unwrap();
        assert_eq!((i.app.as_str(), i.port, i.host.as_str()), ("PAY", 8080, "10.0.0.1"));
        assert_eq!(
            parse_registration(br#"{"instance":{"app":"A"}}"#).unwrap_err(),
            "missing instanceId"
        );
    }

    #[test]
    fn hashcode_counts_statuses_in_order() {
        let instance = |status: &str| Instance {
            id: status.into(),
            app: "A".into(),
            host: "h".into(),
            port: 1,
            status: status.into(),
            vip: "a".into(),
            metadata: BTreeMap::new(),
        };
        let apps = vec![("A".to_owned(), vec![instance("UP"), instance("DOWN"), instance("UP")])];
        assert_eq!(hashcode(&apps), "DOWN_1_UP_2_");
        assert_eq!(hashcode(&[]), "");
    }
}
