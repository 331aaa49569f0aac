//! Deterministic state for the dashboard's tests: a fixed clock and a small mesh (three services
//! in one tenant, five instances in every status, a canary), as the feed would deliver it.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use meshlib::kind::{Kind, ResourceKind};
use meshlib::resource::Resource;
use serde_json::{Value, json};

use super::action::Action;
use super::app::{App, Settings};
use super::metrics::Golden;
use super::theme::Theme;

/// The tests' "now".
pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

/// Where the tests' dashboard points.
pub fn settings(readonly: bool) -> Settings {
    Settings {
        server: "http://127.0.0.1:2381".into(),
        context: Some("dev".into()),
        client_version: "0.1.0".into(),
        readonly,
        theme: Theme::colored(),
    }
}

/// An object created `age` seconds before [`now()`].
pub fn object(kind: Kind, name: &str, spec: Value, age: u64) -> Resource {
    let mut resource = Resource::new(&ResourceKind::Builtin(kind), name, spec);
    let created = now() - Duration::from_secs(age);
    resource.metadata.creation_timestamp = Some(humantime::format_rfc3339_seconds(created).to_string());
    resource.metadata.resource_version = Some("7".into());
    resource
}

/// An instance of `service` as the control plane shows it.
pub fn instance(service: &str, id: &str, status: &str, canary: Option<&str>) -> Resource {
    let mut spec = json!({
        "serviceName": service, "instanceID": id, "ip": "10.0.0.1", "port": 13001, "adminPort": 13090,
        "status": status, "health": "UP", "tenant": "shop",
    });
    if let Some(canary) = canary {
        spec["canary"] = json!(canary);
        spec["labels"] = json!({"release": "v2"});
    }
    object(Kind::ServiceInstance, &format!("{service}/{id}"), spec, 3600)
}

/// The data of the small mesh, by kind.
pub fn data() -> Vec<(Kind, Vec<Resource>)> {
    let service = |name: &str, port: u16| {
        object(
            Kind::Service,
            name,
            json!({"registerTenant": "shop", "sidecar": {"ingressPort": port, "egressPort": port + 1}}),
            7200,
        )
    };
    vec![
        (
            Kind::Tenant,
            vec![
                object(
                    Kind::Tenant,
                    "global",
                    json!({"description": "Seen by every tenant"}),
                    86400 * 3,
                ),
                object(
                    Kind::Tenant,
                    "shop",
                    json!({"description": "The shop", "services": ["front", "order", "stock"]}),
                    86400 * 3,
                ),
            ],
        ),
        (
            Kind::Service,
            vec![
                service("front", 13001),
                service("order", 13101),
                service("stock", 13201),
            ],
        ),
        (
            Kind::ServiceInstance,
            vec![
                instance("front", "front-1", "UP", None),
                instance("order", "order-1", "UP", None),
                instance("order", "order-2", "DOWN", None),
                instance("order", "order-v2", "UP", Some("release=v2")),
                instance("stock", "stock-1", "OUT_OF_SERVICE", None),
            ],
        ),
        (
            Kind::ServiceCanary,
            vec![object(
                Kind::ServiceCanary,
                "order-v2",
                json!({"priority": 5, "selector": {"matchServices": ["order"], "matchInstanceLabels": {"release": "v2"}},
                       "trafficRules": {"headers": {"X-Canary": {"exact": "yes"}}}}),
                600,
            )],
        ),
        (Kind::CustomResourceKind, vec![]),
    ]
}

/// The small mesh on an 80 × 24 terminal, showing services, with metrics for `order`.
pub fn mesh(readonly: bool) -> App {
    let mut app = App::new(settings(readonly), ResourceKind::Builtin(Kind::Service), now());
    app.update(Action::Resize { width: 80, height: 24 });
    for (kind, items) in data() {
        app.update(Action::Synced(ResourceKind::Builtin(kind), items));
    }
    app.update(Action::Version("0.1.0".into()));
    let golden = Golden {
        rps: Some(12.5),
        success: Some(0.98),
        p50: Some(0.004),
        p99: Some(0.12),
    };
    app.update(Action::Golden(BTreeMap::from([("order".to_owned(), golden)])));
    app
}

/// Feeds `actions` to `app`, returning the effects.
pub fn run(app: &mut App, actions: impl IntoIterator<Item = Action>) -> Vec<super::action::Effect> {
    actions.into_iter().filter_map(|a| app.update(a)).collect()
}

/// The actions of typing `text` in a bar.
pub fn typed(text: &str) -> Vec<Action> {
    text.chars().map(Action::Input).collect()
}

/// The actions of `:text` and enter.
pub fn command(text: &str) -> Vec<Action> {
    [vec![Action::Command], typed(text), vec![Action::Submit]].concat()
}

/// The actions of `/text` and enter.
pub fn filter(text: &str) -> Vec<Action> {
    [vec![Action::Filter], typed(text), vec![Action::Submit]].concat()
}
