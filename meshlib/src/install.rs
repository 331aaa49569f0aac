//! What `emctl install` puts into a cluster: the options, the stages, and every Kubernetes object
//! rendered from them. Pure: rendering needs no cluster, so `--dry-run -o yaml` and the snapshot
//! tests see exactly what an install applies.

pub mod exclusion;
pub mod external;
mod ingress;
mod objects;
pub mod shadows;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::spec::mesh_controller::SidecarPorts;

pub use objects::{leftovers, render, sidecar_token_secret};

/// Label every object the mesh installs carries; uninstall and check find them by it.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "emctl");
/// Second ownership label.
pub const PART_OF: (&str, &str) = ("app.kubernetes.io/part-of", "easemesh");
/// Field manager for server-side apply.
pub const FIELD_MANAGER: &str = "emctl";
/// Name of the control plane's StatefulSet and Service.
pub const CONTROL_PLANE: &str = "easemesh-control-plane";
/// Name of the Service exposing the control plane's API outside the cluster ([`Expose`]).
pub const EXTERNAL_SERVICE: &str = "easemesh-control-plane-external";
/// Name of the MutatingWebhookConfiguration.
pub const INJECTOR: &str = "easemesh-injector";
/// Secret holding the webhook's CA, serving certificate and key (`ca.crt`, `tls.crt`, `tls.key`).
pub const TLS_SECRET: &str = "easemesh-control-plane-tls";
/// Secret holding the control plane's token file (key `tokens`, lines `token,name,role`).
pub const TOKEN_SECRET: &str = "easemesh-control-plane-tokens";
/// Pod-template annotation of the control plane and the ingress controller: SHA-256 of the
/// secrets their meshd reads at start (the control plane's token file, webhook certificate and
/// key; the ingress controller's token), so that changing them restarts it.
pub const SECRETS_DIGEST: &str = "mesh.megaease.com/secrets-sha256";
/// The control plane's API port inside the cluster.
pub const API_PORT: u16 = 2381;
/// Deployment and Service of the ingress controller.
pub const INGRESS_CONTROLLER: &str = "easemesh-ingress-controller";
/// Ingress port EaseMesh's install sets.
pub const DEFAULT_INGRESS_PORT: u16 = 19527;
/// Admin port of the ingress controller (probes, metrics).
pub const INGRESS_ADMIN_PORT: u16 = 13091;
/// The control plane's webhook (HTTPS) port inside the cluster.
pub const WEBHOOK_PORT: u16 = 9443;

/// Install stages, in the order they run (uninstall runs them backwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The mesh namespace.
    Namespace,
    /// The control plane's service account and its permissions.
    Rbac,
    /// Secrets, Services and the StatefulSet of `meshd control-plane`.
    ControlPlane,
    /// The mutating webhook that injects sidecars.
    Injector,
    /// `meshd ingress-controller`: outside traffic into mesh services.
    IngressController,
}

impl Stage {
    /// Every stage, in install order.
    pub const ALL: [Stage; 5] = [
        Stage::Namespace,
        Stage::Rbac,
        Stage::ControlPlane,
        Stage::Injector,
        Stage::IngressController,
    ];

    /// Every stage, in uninstall order: the webhook first, so that the API server never calls an
    /// injector that is gone, then the workloads and what they use.
    pub const UNINSTALL: [Stage; 5] = [
        Stage::Injector,
        Stage::IngressController,
        Stage::ControlPlane,
        Stage::Rbac,
        Stage::Namespace,
    ];

    /// Human name for progress lines.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Stage::Namespace => "namespace",
            Stage::Rbac => "RBAC",
            Stage::ControlPlane => "control plane",
            Stage::Injector => "injector",
            Stage::IngressController => "ingress controller",
        }
    }
}

/// Where the control plane keeps its store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Storage {
    /// A PersistentVolumeClaim per replica.
    Pvc {
        /// StorageClass; the cluster's default when absent.
        storage_class: Option<String>,
        /// Requested size, e.g. `1Gi`.
        size: String,
    },
    /// An emptyDir: the store is lost with the pod. For development only.
    EmptyDir,
}

/// How the API server reaches the injector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WebhookTarget {
    /// The control plane's Service in the mesh namespace.
    InCluster,
    /// An injector running outside the cluster, e.g. `https://127.0.0.1:9443/mutate`.
    Url(String),
}

/// How a port of the mesh is reached from outside the cluster: the control plane's API
/// (`expose`) or the ingress controller's (`ingressExpose`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expose {
    /// It is not: only inside the cluster (`kubectl port-forward` from outside).
    #[default]
    None,
    /// A NodePort Service: any node's address, on a port Kubernetes picks.
    NodePort,
    /// A LoadBalancer Service: the address the cluster's load balancer assigns, on the port itself
    /// (2381 for the API).
    LoadBalancer,
}

/// TLS material for the webhook listener, PEM encoded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WebhookTls {
    /// CA that signed the serving certificate; becomes the webhook's `caBundle`.
    pub ca: String,
    /// Serving certificate.
    pub cert: String,
    /// Its private key.
    pub key: String,
}

/// Everything an install is made of. Flags and `-f install.yaml` fill it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct InstallOptions {
    /// Namespace of the mesh's own workloads.
    pub namespace: String,
    /// `meshd` image of the control plane and the ingress controller.
    pub image: String,
    /// Sidecar image written into the MeshController (what the webhook injects) [default:
    /// `megaease/meshd-sidecar` of this version].
    pub sidecar_image: Option<String>,
    /// Init-container (agent initializer) image written into the MeshController.
    pub init_image: Option<String>,
    /// Registry prefix for images without a host part.
    pub image_registry_url: String,
    /// Pull policy of the control plane and injected containers.
    pub image_pull_policy: String,
    /// Control-plane replicas. The embedded store serves one; several need the etcd store.
    pub replicas: i32,
    /// The control plane's store.
    pub storage: Storage,
    /// Registry protocol apps speak to their sidecar.
    pub registry_type: String,
    /// Heartbeat interval (Go duration).
    pub heartbeat_interval: String,
    /// How long an instance record lives without a heartbeat before the control plane removes
    /// it (Go duration).
    pub instance_lease: String,
    /// Sidecar ports injected into meshed pods.
    pub sidecar_ports: SidecarPorts,
    /// How the API server reaches the injector.
    pub webhook: WebhookTarget,
    /// What the webhook does when the injector does not answer: `Fail` or `Ignore`.
    pub webhook_failure_policy: String,
    /// How the control plane's API is reached from outside the cluster.
    pub expose: Expose,
    /// Whether the ingress controller is installed.
    pub ingress_controller: bool,
    /// Ingress-controller replicas (stateless: any number serves).
    pub ingress_replicas: i32,
    /// Port outside traffic enters the mesh on (the MeshController's `ingressPort`).
    pub ingress_port: u16,
    /// How the ingress controller is reached from outside the cluster.
    pub ingress_expose: Expose,
    /// Namespaces whose meshed workloads may be shadowed: the control plane runs the shadow
    /// controller for them, with a Role in each (none: no shadow controller, no access).
    pub shadow_namespaces: Vec<String>,
}

impl Default for InstallOptions {
    fn default() -> Self {
        Self {
            namespace: "easemesh".into(),
            image: format!("megaease/meshd:{}", crate::VERSION),
            sidecar_image: None,
            init_image: None,
            image_registry_url: "docker.io".into(),
            image_pull_policy: "IfNotPresent".into(),
            replicas: 1,
            storage: Storage::Pvc {
                storage_class: None,
                size: "1Gi".into(),
            },
            registry_type: "eureka".into(),
            heartbeat_interval: "5s".into(),
            instance_lease: "20m".into(),
            sidecar_ports: SidecarPorts::default(),
            webhook: WebhookTarget::InCluster,
            webhook_failure_policy: "Fail".into(),
            expose: Expose::None,
            ingress_controller: true,
            ingress_replicas: 1,
            ingress_port: DEFAULT_INGRESS_PORT,
            ingress_expose: Expose::NodePort,
            shadow_namespaces: Vec::new(),
        }
    }
}

impl InstallOptions {
    /// Problems that make these options uninstallable, each naming its option.
    #[must_use]
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.replicas != 1 {
            problems.push(format!(
                "replicas: {} asked, but the embedded store serves exactly one replica (several replicas need the etcd store)",
                self.replicas
            ));
        }
        if !is_dns_label(&self.namespace) {
            problems.push(format!(
                "namespace: {:?} is not a Kubernetes namespace name (lower-case letters, digits and '-', at most 63)",
                self.namespace
            ));
        }
        if exclusion::SYSTEM_NAMESPACES.contains(&self.namespace.as_str()) {
            problems.push(format!(
                "namespace: {:?} belongs to Kubernetes; the mesh needs a namespace of its own",
                self.namespace
            ));
        }
        // What ends up in the MeshController is checked by the MeshController's own rules.
        if let Err(err) = crate::decode::normalize(self.mesh_controller()) {
            problems.extend(err.problems().iter().map(ToString::to_string));
        }
        match crate::duration::parse(&self.instance_lease) {
            Ok(lease) if !lease.is_zero() => {}
            _ => problems.push(format!(
                "instanceLease: {:?} is not a positive Go duration (e.g. 20m, 90s)",
                self.instance_lease
            )),
        }
        if self.ingress_controller && self.ingress_replicas < 1 {
            problems.push(format!(
                "ingressReplicas: {} asked, at least 1 needed (ingressController: false, or --no-ingress-controller, leaves it out)",
                self.ingress_replicas
            ));
        }
        if self.ingress_controller && [API_PORT, WEBHOOK_PORT, INGRESS_ADMIN_PORT].contains(&self.ingress_port) {
            problems.push(format!(
                "ingressPort: {} is taken by the mesh's own ports ({API_PORT}, {WEBHOOK_PORT}, {INGRESS_ADMIN_PORT})",
                self.ingress_port
            ));
        }
        if !["Fail", "Ignore"].contains(&self.webhook_failure_policy.as_str()) {
            problems.push(format!(
                "webhookFailurePolicy: {:?}, expected Fail or Ignore",
                self.webhook_failure_policy
            ));
        }
        for ns in &self.shadow_namespaces {
            if !is_dns_label(ns) {
                problems.push(format!("shadowNamespaces: {ns:?} is not a Kubernetes namespace name"));
            } else if *ns == self.namespace || exclusion::SYSTEM_NAMESPACES.contains(&ns.as_str()) {
                problems.push(format!(
                    "shadowNamespaces: {ns:?} holds no app workloads (the mesh's own or Kubernetes' namespace)"
                ));
            }
        }
        if let WebhookTarget::Url(url) = &self.webhook
            && !url.starts_with("https://")
        {
            problems.push(format!(
                "webhook url: {url:?} must start with https:// (the API server only calls webhooks over TLS)"
            ));
        }
        problems
    }

    /// The address sidecars in the cluster reach the control plane on.
    #[must_use]
    pub fn in_cluster_url(&self) -> String {
        format!("http://{CONTROL_PLANE}.{}.svc:{API_PORT}", self.namespace)
    }

    /// The MeshController the install creates (flat EaseMesh form, as `emctl apply` accepts it).
    #[must_use]
    pub fn mesh_controller(&self) -> Value {
        let mut spec = serde_json::json!({
            "name": "easemesh-controller",
            "kind": "MeshController",
            "heartbeatInterval": self.heartbeat_interval,
            "registryType": self.registry_type,
            "apiPort": self.sidecar_ports.registry,
            "ingressPort": self.ingress_port,
            "sidecarIngressPort": self.sidecar_ports.ingress,
            "sidecarEgressPort": self.sidecar_ports.egress,
            "sidecarAdminPort": self.sidecar_ports.admin,
            "imageRegistryURL": self.image_registry_url,
            "imagePullPolicy": self.image_pull_policy,
            "sidecarImageName": self.sidecar_image.clone().unwrap_or_else(|| crate::inject::DEFAULT_SIDECAR_IMAGE.to_owned()),
        });
        if let Some(init) = &self.init_image {
            spec["agentInitializerImageName"] = Value::String(init.clone());
        }
        spec
    }

    /// The image with the registry prefix, by the same rule the injector uses.
    #[must_use]
    pub fn qualified(&self, image: &str) -> String {
        crate::inject::resolve_image(Some(&self.image_registry_url), image)
    }
}

/// The control plane's bearer tokens, kept in its token Secret as a `token,name,role` file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tokens {
    /// emctl's (role admin).
    pub admin: String,
    /// The injected sidecars' (role sidecar: they read, register, beat and deregister, nothing
    /// else).
    pub sidecar: String,
}

impl Tokens {
    /// Name of the admin token's line.
    pub const ADMIN: &'static str = "emctl";
    /// Name of the sidecars' token line.
    pub const SIDECAR: &'static str = "sidecars";

    /// The token file. Tokens are kept across installs, roles are not: a file of an older
    /// install (sidecars as admin) comes out with today's roles.
    #[must_use]
    pub fn file(&self) -> String {
        format!(
            "{},{},admin\n{},{},sidecar\n",
            self.admin,
            Self::ADMIN,
            self.sidecar,
            Self::SIDECAR
        )
    }

    /// Reads a token file; missing tokens are empty.
    #[must_use]
    pub fn parse(file: &str) -> Self {
        let mut tokens = Self::default();
        for line in file.lines() {
            let mut fields = line.split(',').map(str::trim);
            let (Some(token), Some(name)) = (fields.next(), fields.next()) else {
                continue;
            };
            match name {
                Self::ADMIN => tokens.admin = token.to_string(),
                Self::SIDECAR => tokens.sidecar = token.to_string(),
                _ => {}
            }
        }
        tokens
    }
}

/// An RFC 1123 label, which Kubernetes requires of namespace names.
fn is_dns_label(name: &str) -> bool {
    let edges_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    name.len() <= 63
        && edges_ok(name.chars().next())
        && edges_ok(name.chars().last())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// How much of an object an install owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// The whole object: install creates it, uninstall deletes it. It carries the ownership
    /// labels.
    Object,
    /// Only the labels given, on an object that exists without the mesh (the opt-out label of a
    /// system namespace): install sets them when the object exists, uninstall takes them off
    /// again and leaves the object. It carries no ownership labels.
    Labels,
}

/// One object to apply, with the stage it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// Install stage.
    pub stage: Stage,
    /// The object, with `apiVersion`, `kind` and `metadata`.
    pub object: Value,
    /// Whether the install owns the object or only some of its labels.
    pub ownership: Ownership,
}

impl Manifest {
    /// `Kind/name`, or `Kind/namespace/name`, for progress and error lines.
    #[must_use]
    pub fn display_name(&self) -> String {
        display_name(&self.object)
    }
}

/// `Kind/name`, or `Kind/namespace/name`, of any Kubernetes object.
#[must_use]
pub fn display_name(object: &Value) -> String {
    let meta = &object["metadata"];
    let kind = object["kind"].as_str().unwrap_or_default();
    let name = meta["name"].as_str().unwrap_or_default();
    match meta["namespace"].as_str() {
        Some(ns) => format!("{kind}/{ns}/{name}"),
        None => format!("{kind}/{name}"),
    }
}

/// The ownership labels, plus a component.
#[must_use]
pub fn labels(component: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY.0.to_string(), MANAGED_BY.1.to_string()),
        (PART_OF.0.to_string(), PART_OF.1.to_string()),
        ("app.kubernetes.io/component".to_string(), component.to_string()),
        ("app.kubernetes.io/version".to_string(), crate::VERSION.to_string()),
    ])
}

/// Label selector matching everything the mesh installed.
#[must_use]
pub fn ownership_selector() -> String {
    format!("{}={},{}={}", MANAGED_BY.0, MANAGED_BY.1, PART_OF.0, PART_OF.1)
}

#[cfg(test)]
mod tests;
