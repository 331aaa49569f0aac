//! Where a call goes: the routing decision the sidecar makes for each outbound request, as pure
//! logic over the mesh configuration (no I/O, deterministic given its inputs).
//!
//! Order of decisions, as in EaseMesh (inventory §5.3–5.5) plus SMI TrafficSplit:
//! 1. A TrafficSplit whose root is the target picks a backend service by weight.
//! 2. Colouring: a request already carrying `X-Mesh-Service-Canary` keeps its colour (so later
//!    hops stay in the same canary); otherwise the first ServiceCanary (priority 1 first, then
//!    name) whose header rules all match colours it.
//! 3. Pool: if the colour's canary selects `UP` instances of the service, those; otherwise the
//!    `UP` instances no canary selects (canary instances never receive normal traffic).
//! 4. The service's LoadBalance policy picks one instance.

pub mod address;
mod balance;
pub mod ingress;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::matcher::Matcher;
use crate::resource::Resource;
use crate::spec::canary::ServiceCanarySpec;
use crate::spec::instance::{InstanceStatus, ServiceInstanceSpec};
use crate::spec::load_balance::LbPolicy;
use crate::spec::service::ServiceSpec;
use crate::spec::smi::TrafficSplitSpec;

pub use balance::fnv1a32;

/// The host of a `Host` header value without its port (`name:8080` → `name`).
#[must_use]
pub fn host_name(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// The header carrying a request's canary colour from hop to hop.
pub const CANARY_HEADER: &str = "X-Mesh-Service-Canary";

/// An instance a request can go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `service/id`.
    pub name: String,
    /// Sidecar address.
    pub ip: String,
    /// Sidecar ingress port.
    pub port: u16,
    /// The socket address, when `ip` is one.
    pub addr: Option<SocketAddr>,
}

impl Endpoint {
    fn of(instance: &ServiceInstanceSpec) -> Self {
        Self {
            name: format!("{}/{}", instance.service_name, instance.instance_id),
            ip: instance.ip.clone(),
            port: instance.port,
            addr: instance
                .ip
                .parse::<IpAddr>()
                .ok()
                .map(|ip| SocketAddr::new(ip, instance.port)),
        }
    }
}

/// Where one request goes. Its parts are shared with the table, so routing a request does not
/// allocate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The service actually called (differs from the target after a TrafficSplit).
    pub service: Arc<str>,
    /// The chosen instance.
    pub endpoint: Arc<Endpoint>,
    /// The request's canary colour, to forward in [`CANARY_HEADER`].
    pub canary: Option<Arc<str>>,
}

/// Why a request cannot be routed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// The mesh has no such service.
    #[error("no service {0:?} in the mesh")]
    UnknownService(String),
    /// The service has no instance that may take this request.
    #[error("no UP instance of {service:?}{}", .canary.as_ref().map(|c| format!(" outside canaries (colour {c:?} has none)")).unwrap_or_default())]
    NoEndpoints {
        /// The service.
        service: String,
        /// The request's colour, if any.
        canary: Option<String>,
    },
}

/// Where the balancer finds a request's headers.
pub trait Headers: std::fmt::Debug {
    /// The first value of header `name` (matched ignoring case), when it is text.
    fn header(&self, name: &str) -> Option<&str>;
}

/// Header pairs as received: a request carries a handful, so a scan beats building a map.
impl Headers for Vec<(&str, &str)> {
    fn header(&self, name: &str) -> Option<&str> {
        scan(self, name)
    }
}

impl<const N: usize> Headers for [(&str, &str); N] {
    fn header(&self, name: &str) -> Option<&str> {
        scan(self, name)
    }
}

fn scan<'a>(pairs: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// What the balancer may look at in a request. Headers are looked up only when a canary rule
/// or `headerHash` asks, and the caller's address is written out only for `ipHash`, so routing
/// a plain request costs neither.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The request's headers.
    pub headers: &'a dyn Headers,
    /// The caller's address, for `ipHash`.
    pub client_ip: Option<IpAddr>,
    /// A random number for `random`, `weightedRandom` and TrafficSplit (tests pass fixed ones).
    pub random: u64,
}

impl<'a> Request<'a> {
    /// A request with these headers.
    pub fn new(headers: &'a dyn Headers, client_ip: Option<IpAddr>, random: u64) -> Self {
        Self {
            headers,
            client_ip,
            random,
        }
    }

    fn header(&self, name: &str) -> Option<&'a str> {
        self.headers.header(name)
    }
}

struct Canary {
    name: Arc<str>,
    services: Vec<String>,
    labels: BTreeMap<String, String>,
    rules: Vec<(String, Matcher)>,
}

impl Canary {
    fn selects(&self, service: &str, instance: &ServiceInstanceSpec) -> bool {
        self.services.iter().any(|s| s == service)
            && !self.labels.is_empty()
            && self.labels.iter().all(|(k, v)| instance.labels.get(k) == Some(v))
    }

    fn colours(&self, request: &Request<'_>) -> bool {
        self.rules
            .iter()
            .all(|(header, matcher)| request.header(header).is_some_and(|v| matcher.matches(v)))
    }
}

struct Service {
    name: Arc<str>,
    policy: LbPolicy,
    header_hash_key: Option<String>,
    instances: Vec<(ServiceInstanceSpec, Arc<Endpoint>)>,
    round_robin: AtomicU64,
}

/// The routing view of the mesh, built once per configuration change.
pub struct Table {
    services: BTreeMap<String, Service>,
    addresses: BTreeMap<String, Ipv4Addr>,
    by_address: BTreeMap<Ipv4Addr, String>,
    canaries: Vec<Canary>,
    splits: BTreeMap<String, Vec<(String, u64)>>,
}

fn typed<T: serde::de::DeserializeOwned>(resource: &Resource) -> Option<T> {
    serde_json::from_value(resource.spec.clone()).ok()
}

impl Table {
    /// Builds the table from Services, ServiceInstances, ServiceCanaries and TrafficSplits;
    /// objects that do not decode are left out.
    pub fn new<'r>(
        services: impl IntoIterator<Item = &'r Resource>,
        instances: impl IntoIterator<Item = &'r Resource>,
        canaries: impl IntoIterator<Item = &'r Resource>,
        splits: impl IntoIterator<Item = &'r Resource>,
    ) -> Self {
        let mut table: BTreeMap<String, Service> = services
            .into_iter()
            .filter_map(|r| {
                let spec: ServiceSpec = typed(r)?;
                let lb = spec.load_balance.unwrap_or_default();
                Some((
                    r.metadata.name.clone(),
                    Service {
                        name: Arc::from(r.metadata.name.as_str()),
                        policy: lb.policy.unwrap_or(LbPolicy::RoundRobin),
                        header_hash_key: lb.header_hash_key,
                        instances: Vec::new(),
                        round_robin: AtomicU64::new(0),
                    },
                ))
            })
            .collect();
        for instance in instances.into_iter().filter_map(typed::<ServiceInstanceSpec>) {
            if let Some(service) = table.get_mut(&instance.service_name) {
                let endpoint = Arc::new(Endpoint::of(&instance));
                service.instances.push((instance, endpoint));
            }
        }
        for service in table.values_mut() {
            service
                .instances
                .sort_by(|(a, _), (b, _)| a.instance_id.cmp(&b.instance_id));
        }
        let mut canaries: Vec<(u32, Canary)> = canaries
            .into_iter()
            .filter_map(|r| {
                let spec: ServiceCanarySpec = typed(r)?;
                let rules = spec
                    .traffic_rules
                    .headers
                    .iter()
                    .map(|(h, m)| Some((h.clone(), Matcher::new(m)?)))
                    .collect::<Option<Vec<_>>>()?;
                Some((
                    spec.priority,
                    Canary {
                        name: Arc::from(r.metadata.name.as_str()),
                        services: spec.selector.match_services,
                        labels: spec.selector.match_instance_labels,
                        rules,
                    },
                ))
            })
            .collect();
        canaries.sort_by(|(pa, a), (pb, b)| pa.cmp(pb).then_with(|| a.name.cmp(&b.name)));
        let splits = splits
            .into_iter()
            .filter_map(|r| {
                let spec: TrafficSplitSpec = typed(r)?;
                let backends = spec
                    .backends
                    .into_iter()
                    .map(|b| (b.service, u64::from(b.weight)))
                    .collect();
                Some((spec.service, backends))
            })
            .collect();
        let addresses = address::assign(table.keys().map(String::as_str));
        Self {
            by_address: addresses.iter().map(|(s, a)| (*a, s.clone())).collect(),
            addresses,
            services: table,
            canaries: canaries.into_iter().map(|(_, c)| c).collect(),
            splits,
        }
    }

    /// The services a call can be addressed to.
    pub fn services(&self) -> impl Iterator<Item = &str> {
        self.services.keys().map(String::as_str)
    }

    /// Each service's loopback address (see [`address`]).
    pub fn addresses(&self) -> &BTreeMap<String, Ipv4Addr> {
        &self.addresses
    }

    /// The service whose loopback address is `ip`.
    pub fn service_at(&self, ip: Ipv4Addr) -> Option<&str> {
        self.by_address.get(&ip).map(String::as_str)
    }

    /// Decides where a request to `target` goes.
    ///
    /// # Errors
    /// [`RouteError`] when the service is unknown or has no instance for this request.
    pub fn route(&self, target: &str, request: &Request<'_>) -> Result<Route, RouteError> {
        let service_name = self.split(target, request.random);
        let service = self
            .services
            .get(service_name)
            .ok_or_else(|| RouteError::UnknownService(service_name.to_owned()))?;
        let canary: Option<Arc<str>> = match request.header(CANARY_HEADER).filter(|c| !c.is_empty()) {
            Some(colour) => Some(Arc::from(colour)),
            None => self
                .canaries
                .iter()
                .find(|c| c.colours(request))
                .map(|c| Arc::clone(&c.name)),
        };
        // The colour's instances when it has any UP, else the UP instances no canary selects.
        let colour = canary
            .as_ref()
            .and_then(|colour| self.canaries.iter().find(|c| c.name == *colour));
        let up = |i: &ServiceInstanceSpec| i.status == InstanceStatus::Up;
        let coloured = |i: &ServiceInstanceSpec| colour.is_some_and(|c| up(i) && c.selects(service_name, i));
        let in_colour = service.instances.iter().any(|(i, _)| coloured(i));
        let eligible = |i: &ServiceInstanceSpec| {
            if in_colour {
                coloured(i)
            } else {
                up(i) && !self.canaries.iter().any(|c| c.selects(service_name, i))
            }
        };
        let pool = || service.instances.iter().filter(|(i, _)| eligible(i));
        // An address is at most 45 characters (IPv6 with an embedded IPv4 address).
        let mut ip_text = [0u8; 48];
        let hash_value = match service.policy {
            LbPolicy::IpHash => Some(ip_string(request.client_ip, &mut ip_text)),
            LbPolicy::HeaderHash => Some(
                service
                    .header_hash_key
                    .as_deref()
                    .and_then(|k| request.header(k))
                    .unwrap_or(""),
            ),
            _ => None,
        };
        let counter = service.round_robin.fetch_add(1, Ordering::Relaxed);
        let chosen = balance::pick(service.policy, pool().count(), counter, request.random, hash_value)
            .and_then(|index| pool().nth(index))
            .ok_or_else(|| RouteError::NoEndpoints {
                service: service_name.to_owned(),
                canary: canary.as_deref().map(str::to_owned),
            })?;
        Ok(Route {
            service: Arc::clone(&service.name),
            endpoint: Arc::clone(&chosen.1),
            canary,
        })
    }

    fn split<'s>(&'s self, target: &'s str, random: u64) -> &'s str {
        let Some(backends) = self.splits.get(target) else {
            return target;
        };
        let total: u64 = backends.iter().map(|(_, w)| w).sum();
        if total == 0 {
            return target;
        }
        let mut point = random % total;
        for (service, weight) in backends {
            if point < *weight {
                return service;
            }
            point -= weight;
        }
        target
    }
}

/// `ip` as text, written into `text` (no allocation); empty when there is none.
fn ip_string(ip: Option<IpAddr>, text: &mut [u8; 48]) -> &str {
    use std::io::Write as _;
    let Some(ip) = ip else { return "" };
    let mut cursor = &mut text[..];
    // The longest address fits: the write cannot fail.
    let _ = write!(cursor, "{ip}");
    let len = 48 - cursor.len();
    std::str::from_utf8(&text[..len]).unwrap_or_default()
}

#[cfg(test)]
mod tests;
