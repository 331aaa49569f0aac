//! The control plane's address from outside the cluster, worked out from its external Service
//! (see [`Expose`]) and the cluster's nodes: what `emctl install` writes to `~/.emctlrc`.

use k8s_openapi::api::core::v1::{Node, Service};

use super::{EXTERNAL_SERVICE, Expose};

/// Why the address is not known (yet).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unknown {
    /// The API is not exposed.
    #[error("the control plane is not exposed outside the cluster (--expose none)")]
    NotExposed,
    /// The load balancer has not assigned an address.
    #[error(
        "the LoadBalancer Service {namespace}/{EXTERNAL_SERVICE} has no address yet (is there a load-balancer controller in this cluster?)"
    )]
    NoIngress {
        /// The mesh's namespace.
        namespace: String,
    },
    /// The Service has no node port for the API.
    #[error("the NodePort Service {namespace}/{EXTERNAL_SERVICE} has no node port for the API")]
    NoNodePort {
        /// The mesh's namespace.
        namespace: String,
    },
    /// No node reports an address.
    #[error("no node has an ExternalIP or InternalIP address ({nodes} nodes)")]
    NoNodeAddress {
        /// How many nodes there are.
        nodes: usize,
    },
}

/// `http://HOST:PORT` of the API through the external Service `service` (as the cluster has it,
/// with its allocated node port and load-balancer status): the load balancer's address, or a
/// node's (the first by name with an ExternalIP, else with an InternalIP) with the node port.
///
/// # Errors
/// What is missing, as [`Unknown`] says.
pub fn url(expose: Expose, namespace: &str, service: &Service, nodes: &[Node]) -> Result<String, Unknown> {
    let spec = service.spec.as_ref();
    let api_port = spec
        .and_then(|s| s.ports.as_ref())
        .and_then(|ports| ports.iter().find(|p| p.name.as_deref() == Some("api")));
    match expose {
        Expose::None => Err(Unknown::NotExposed),
        Expose::LoadBalancer => {
            let ingress = service
                .status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.as_ref())
                .and_then(|ingress| ingress.iter().find_map(|i| i.ip.clone().or_else(|| i.hostname.clone())))
                .ok_or_else(|| Unknown::NoIngress {
                    namespace: namespace.to_string(),
                })?;
            let port = api_port.map_or(i32::from(super::API_PORT), |p| p.port);
            Ok(http(&ingress, port))
        }
        Expose::NodePort => {
            let port = api_port.and_then(|p| p.node_port).ok_or_else(|| Unknown::NoNodePort {
                namespace: namespace.to_string(),
            })?;
            let address = node_address(nodes, "ExternalIP")
                .or_else(|| node_address(nodes, "InternalIP"))
                .ok_or(Unknown::NoNodeAddress { nodes: nodes.len() })?;
            Ok(http(&address, port))
        }
    }
}

/// The address of the given type of the first node by name that has one.
fn node_address(nodes: &[Node], kind: &str) -> Option<String> {
    let mut named: Vec<&Node> = nodes.iter().collect();
    named.sort_by_key(|node| node.metadata.name.clone());
    named.into_iter().find_map(|node| {
        let addresses = node.status.as_ref()?.addresses.as_ref()?;
        addresses
            .iter()
            .find(|a| a.type_ == kind && !a.address.is_empty())
            .map(|a| a.address.clone())
    })
}

/// `http://host:port`, with an IPv6 address in brackets.
fn http(host: &str, port: i32) -> String {
    if host.contains(':') {
        format!("http://[{host}]:{port}")
    } else {
        format!("http://{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn service(node_port: Option<i32>, ingress: serde_json::Value) -> Service {
        serde_json::from_value(json!({
            "metadata": {"name": EXTERNAL_SERVICE},
            "spec": {"ports": [{"name": "api", "port": 2381, "nodePort": node_port}]},
            "status": {"loadBalancer": {"ingress": ingress}},
        }))
        .unwrap()
    }

    fn node(name: &str, addresses: &[(&str, &str)]) -> Node {
        let addresses: Vec<_> = addresses
            .iter()
            .map(|(kind, address)| json!({"type": kind, "address": address}))
            .collect();
        serde_json::from_value(json!({"metadata": {"name": name}, "status": {"addresses": addresses}})).unwrap()
    }

    #[test]
    fn a_node_port_is_reached_on_a_nodes_external_else_internal_address() {
        let exposed = service(Some(31234), json!([]));
        let nodes = [
            node("b", &[("InternalIP", "10.0.0.2"), ("ExternalIP", "203.0.113.2")]),
            node("a", &[("InternalIP", "10.0.0.1"), ("Hostname", "a")]),
        ];
        let url = |nodes: &[Node]| super::url(Expose::NodePort, "easemesh", &exposed, nodes);
        assert_eq!(url(&nodes).unwrap(), "http://203.0.113.2:31234");
        assert_eq!(url(&nodes[1..]).unwrap(), "http://10.0.0.1:31234");
        assert_eq!(
            url(&[node("v6", &[("InternalIP", "fd00::1")])]).unwrap(),
            "http://[fd00::1]:31234"
        );
        assert_eq!(url(&[]).unwrap_err(), Unknown::NoNodeAddress { nodes: 0 });
        let unallocated = super::url(Expose::NodePort, "easemesh", &service(None, json!([])), &nodes);
        assert_eq!(
            unallocated.unwrap_err().to_string(),
            "the NodePort Service easemesh/easemesh-control-plane-external has no node port for the API"
        );
    }

    #[test]
    fn a_load_balancer_is_reached_on_its_ingress_once_assigned() {
        let url = |ingress| super::url(Expose::LoadBalancer, "easemesh", &service(None, ingress), &[]);
        assert_eq!(
            url(json!([{"ip": "198.51.100.7"}])).unwrap(),
            "http://198.51.100.7:2381"
        );
        assert_eq!(
            url(json!([{"hostname": "lb.example.com"}])).unwrap(),
            "http://lb.example.com:2381"
        );
        assert_eq!(
            url(json!([])).unwrap_err().to_string(),
            "the LoadBalancer Service easemesh/easemesh-control-plane-external has no address yet (is there a \
             load-balancer controller in this cluster?)"
        );
        let none = super::url(Expose::None, "easemesh", &service(None, json!([])), &[]);
        assert_eq!(none.unwrap_err(), Unknown::NotExposed);
    }
}
