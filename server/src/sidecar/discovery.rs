//! What the emulated registries (Eureka, Consul, Nacos) answer from: the services the app may
//! call, each at its own loopback address on the egress port; and the parsing of paths and
//! queries they share.

use std::net::Ipv4Addr;
use std::sync::Arc;

use axum::http::Uri;
use meshlib::kind::Kind;
use meshlib::routing::Table;
use tokio::sync::watch;

use crate::catalog::Catalog;

/// A service the app may call, as every emulated registry presents it: one instance at the
/// service's own loopback address on the egress port, up when the service has an UP instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeshService {
    /// Service name.
    pub name: String,
    /// Its loopback address.
    pub address: Ipv4Addr,
    /// The egress port.
    pub port: u16,
    /// Whether any instance is UP.
    pub up: bool,
}

/// What the emulators answer from.
#[derive(Clone)]
pub struct Discovery {
    /// The app's own service.
    pub service: String,
    egress_port: u16,
    catalog: watch::Receiver<Arc<Catalog>>,
    tables: watch::Receiver<Arc<Table>>,
}

impl Discovery {
    /// Discovery for the app of `service`, handing out addresses on `egress_port`.
    pub fn new(
        service: &str,
        egress_port: u16,
        catalog: watch::Receiver<Arc<Catalog>>,
        tables: watch::Receiver<Arc<Table>>,
    ) -> Self {
        Self {
            service: service.to_owned(),
            egress_port,
            catalog,
            tables,
        }
    }

    /// The services the app may call (its tenant, `global`, TrafficTarget grants), sorted.
    pub fn services(&self) -> Vec<MeshService> {
        let catalog = Arc::clone(&self.catalog.borrow());
        let table = Arc::clone(&self.tables.borrow());
        let services: Vec<_> = catalog.of(Kind::Service).cloned().collect();
        let targets: Vec<_> = catalog.of(Kind::TrafficTarget).cloned().collect();
        meshlib::visibility::visible_services(&self.service, &services, &targets)
            .into_iter()
            .filter_map(|name| {
                let address = *table.addresses().get(&name)?;
                let up = catalog
                    .of(Kind::ServiceInstance)
                    .any(|i| i.spec["serviceName"] == name.as_str() && i.spec["status"] == "UP");
                Some(MeshService {
                    name,
                    address,
                    port: self.egress_port,
                    up,
                })
            })
            .collect()
    }

    /// Changes of the configuration (for Consul's index).
    pub fn changes(&self) -> watch::Receiver<Arc<Catalog>> {
        self.catalog.clone()
    }
}

/// The path's segments, percent-decoded (clients encode the `:` of instance ids).
pub fn segments(uri: &Uri) -> Vec<String> {
    uri.path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect()
}

/// `key=value` pairs of a query string or form body, percent-decoded (`+` is a space, as in Go's
/// `url.ParseQuery` that Consul and Nacos servers use).
pub fn pairs(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    text.split('&').filter(|p| !p.is_empty()).map(move |p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (decode(k), decode(v))
    })
}
