//! Routing decisions over a small mesh.

use serde_json::json;

use super::*;
use crate::kind::{Kind, ResourceKind};

fn resource(kind: Kind, name: &str, spec: serde_json::Value) -> Resource {
    Resource::new(&ResourceKind::Builtin(kind), name, spec)
}

fn instance(service: &str, id: &str, status: &str, labels: serde_json::Value) -> Resource {
    resource(
        Kind::ServiceInstance,
        &format!("{service}/{id}"),
        json!({"serviceName": service, "instanceID": id, "ip": format!("10.0.0.{}", id.len()), "port": 13001,
               "status": status, "labels": labels}),
    )
}

struct Mesh {
    services: Vec<Resource>,
    instances: Vec<Resource>,
    canaries: Vec<Resource>,
    splits: Vec<Resource>,
}

impl Mesh {
    fn new() -> Self {
        Self {
            services: vec![
                resource(Kind::Service, "order", json!({"registerTenant": "t"})),
                resource(
                    Kind::Service,
                    "pay",
                    json!({"registerTenant": "t", "loadBalance": {"policy": "headerHash", "headerHashKey": "X-User"}}),
                ),
                resource(Kind::Service, "pay-v2", json!({"registerTenant": "t"})),
            ],
            instances: vec![
                instance("order", "o-1", "UP", json!({})),
                instance("order", "o-2", "UP", json!({})),
                instance("order", "o-down", "DOWN", json!({})),
                instance("order", "o-gone", "OUT_OF_SERVICE", json!({})),
                instance("order", "o-bj", "UP", json!({"release": "bj"})),
                instance("order", "o-vip", "UP", json!({"release": "vip"})),
                instance("pay", "p-1", "UP", json!({})),
                instance("pay", "p-2", "UP", json!({})),
                instance("pay", "p-3", "UP", json!({})),
                instance("pay-v2", "p2-1", "UP", json!({})),
            ],
            canaries: vec![
                resource(
                    Kind::ServiceCanary,
                    "beijing",
                    json!({"priority": 5, "selector": {"matchServices": ["order"], "matchInstanceLabels": {"release": "bj"}},
                    "trafficRules": {"headers": {"X-Location": {"exact": "Beijing"}}}}),
                ),
                resource(
                    Kind::ServiceCanary,
                    "vip",
                    json!({"priority": 1, "selector": {"matchServices": ["order"], "matchInstanceLabels": {"release": "vip"}},
                    "trafficRules": {"headers": {"X-User": {"prefix": "vip-"}}}}),
                ),
                resource(
                    Kind::ServiceCanary,
                    "android",
                    json!({"priority": 2, "selector": {"matchServices": ["order"], "matchInstanceLabels": {"release": "android"}},
                    "trafficRules": {"headers": {"User-Agent": {"regex": ".*Android.*"}}}}),
                ),
            ],
            splits: vec![resource(
                Kind::TrafficSplit,
                "pay-rollout",
                json!({"service": "pay", "backends": [{"service": "pay", "weight": 90}, {"service": "pay-v2", "weight": 10}]}),
            )],
        }
    }

    fn table(&self) -> Table {
        Table::new(&self.services, &self.instances, &self.canaries, &self.splits)
    }
}

fn ids(table: &Table, target: &str, headers: &[(&str, &str)], n: u64) -> Vec<String> {
    (0..n)
        .map(|i| {
            let headers = headers.to_vec();
            let request = Request::new(&headers, Some(Ipv4Addr::new(192, 168, 1, 7).into()), i);
            table
                .route(target, &request)
                .map(|r| r.endpoint.name.clone())
                .unwrap_or_else(|e| e.to_string())
        })
        .collect()
}

#[test]
fn normal_traffic_round_robins_over_up_non_canary_instances() {
    let table = Mesh::new().table();
    assert_eq!(
        ids(&table, "order", &[], 4),
        ["order/o-1", "order/o-2", "order/o-1", "order/o-2"]
    );
}

#[test]
fn matching_headers_colour_the_request_and_the_highest_priority_wins() {
    let table = Mesh::new().table();
    let route = table
        .route("order", &Request::new(&[("x-location", "Beijing")], None, 0))
        .unwrap();
    assert_eq!(
        (route.endpoint.name.as_str(), route.canary.as_deref()),
        ("order/o-bj", Some("beijing"))
    );
    // Both canaries match: vip has priority 1.
    let both = [("X-Location", "Beijing"), ("X-User", "vip-42")];
    let route = table.route("order", &Request::new(&both, None, 0)).unwrap();
    assert_eq!(route.canary.as_deref(), Some("vip"));
    assert_eq!(route.endpoint.name, "order/o-vip");
}

#[test]
fn a_coloured_request_keeps_its_colour_and_falls_back_when_the_canary_has_no_instance() {
    let table = Mesh::new().table();
    let route = table
        .route("order", &Request::new(&[(CANARY_HEADER, "beijing")], None, 0))
        .unwrap();
    assert_eq!(route.endpoint.name, "order/o-bj", "an upstream hop's colour is kept");
    // The android canary matches but has no instance: primary instances serve, colour forwarded.
    let route = table
        .route("order", &Request::new(&[("User-Agent", "Mozilla Android 14")], None, 0))
        .unwrap();
    assert_eq!(route.canary.as_deref(), Some("android"));
    assert!(["order/o-1", "order/o-2"].contains(&route.endpoint.name.as_str()));
}

#[test]
fn traffic_splits_follow_their_weights() {
    let table = Mesh::new().table();
    let routes: Vec<String> = (0..100)
        .map(|random| {
            table
                .route("pay", &Request::new(&[], None, random))
                .unwrap()
                .service
                .to_string()
        })
        .collect();
    assert_eq!(routes.iter().filter(|s| *s == "pay-v2").count(), 10);
    assert_eq!(routes.iter().filter(|s| *s == "pay").count(), 90);
}

#[test]
fn header_hash_is_sticky_and_policies_differ() {
    let table = Mesh::new().table();
    // random 0..10 all fall in the 90 % of the split that stays on `pay`.
    let alice = ids(&table, "pay", &[("X-User", "alice")], 5);
    assert!(alice.windows(2).all(|w| w[0] == w[1]), "{alice:?}");
    let index = balance::pick(LbPolicy::HeaderHash, 3, 0, 0, Some("alice")).unwrap();
    assert_eq!(alice[0], format!("pay/p-{}", index + 1));
    assert_eq!(fnv1a32(""), 0x811c_9dc5);
    assert_eq!(fnv1a32("a"), 0xe40c_292c);
    assert_eq!(balance::pick(LbPolicy::Random, 3, 0, 7, None), Some(1));
    assert_eq!(balance::pick(LbPolicy::RoundRobin, 0, 0, 0, None), None);
}

#[test]
fn failures_name_the_service() {
    let mut mesh = Mesh::new();
    mesh.instances
        .retain(|i| !i.metadata.name.starts_with("order/o-1") && !i.metadata.name.starts_with("order/o-2"));
    let table = mesh.table();
    let err = table.route("order", &Request::new(&[], None, 0)).unwrap_err();
    assert_eq!(err.to_string(), "no UP instance of \"order\"");
    assert!(matches!(
        table.route("ghost", &Request::new(&[], None, 0)),
        Err(RouteError::UnknownService(_))
    ));
    // DOWN and OUT_OF_SERVICE instances never receive traffic, and canary instances never get
    // normal traffic, even when nothing else is left.
    let names = ids(&table, "order", &[], 6);
    assert!(names.iter().all(|n| n.starts_with("no UP instance")), "{names:?}");
}

#[test]
fn ip_hash_hashes_the_callers_address_as_text() {
    let mut mesh = Mesh::new();
    mesh.services[0] = resource(
        Kind::Service,
        "order",
        json!({"registerTenant": "t", "loadBalance": {"policy": "ipHash"}}),
    );
    let table = mesh.table();
    let pool = ["order/o-1", "order/o-2"];
    for ip in [
        IpAddr::from([192, 168, 1, 7]),
        IpAddr::from([10, 0, 0, 1]),
        "fe80::1".parse().unwrap(),
    ] {
        let expected = pool[fnv1a32(&ip.to_string()) as usize % pool.len()];
        for random in 0..3 {
            let route = table.route("order", &Request::new(&[], Some(ip), random)).unwrap();
            assert_eq!(route.endpoint.name, expected, "{ip}");
        }
    }
    // No address known: one fixed instance.
    let expected = pool[fnv1a32("") as usize % pool.len()];
    assert_eq!(
        table.route("order", &Request::new(&[], None, 9)).unwrap().endpoint.name,
        expected
    );
}
