//! Arguments of the commands that work on a Kubernetes cluster: install, uninstall, check, migrate.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// Which cluster.
#[derive(Debug, Clone, Args)]
pub struct KubeArgs {
    /// Kubeconfig file [default: $KUBECONFIG, else ~/.kube/config].
    #[arg(long, global = true, help_heading = "Cluster")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context [default: its current context]. check and migrate reach the control
    /// plane through the ~/.emctlrc context of the same name (install writes it), when there is
    /// one.
    //
    // The same id as the global `--context` (an ~/.emctlrc context elsewhere): clap then does not
    // add the global one to these commands, and one value serves both.
    #[arg(long, visible_alias = "kube-context", global = true, help_heading = "Cluster")]
    pub context: Option<String>,
    /// Namespace of the mesh's own workloads.
    #[arg(long, global = true, default_value = "easemesh", help_heading = "Cluster")]
    pub mesh_namespace: String,
}

/// Storage of the control plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StorageKind {
    /// A PersistentVolumeClaim per replica.
    Pvc,
    /// An emptyDir: the store is lost with the pod (development only).
    EmptyDir,
}

/// `emctl install`.
#[derive(Debug, Clone, Args)]
pub struct InstallArgs {
    #[command(flatten)]
    pub kube: KubeArgs,
    /// Install options file (camelCase keys, see `--dry-run -o yaml`); flags override it.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// meshd image of the control plane and the ingress controller [default:
    /// megaease/meshd:<emctl version>, built by scripts/image.sh or the Dockerfile].
    #[arg(long)]
    pub image: Option<String>,
    /// Sidecar image the webhook injects [default: megaease/meshd-sidecar:<emctl version>].
    #[arg(long)]
    pub sidecar_image: Option<String>,
    /// Init-container (agent initializer) image the webhook injects [default: none].
    #[arg(long)]
    pub init_image: Option<String>,
    /// Registry prefix for images without a host part [default: docker.io].
    #[arg(long)]
    pub image_registry_url: Option<String>,
    /// Always, IfNotPresent or Never.
    #[arg(long)]
    pub image_pull_policy: Option<String>,
    /// Control-plane replicas (the embedded store serves one).
    #[arg(long)]
    pub replicas: Option<i32>,
    /// Control-plane storage.
    #[arg(long, value_enum)]
    pub storage: Option<StorageKind>,
    /// StorageClass of the control plane's volume [default: the cluster's default].
    #[arg(long)]
    pub storage_class: Option<String>,
    /// Size of the control plane's volume [default: 1Gi].
    #[arg(long)]
    pub storage_size: Option<String>,
    /// Registry protocol apps speak to their sidecar: eureka, consul or nacos.
    #[arg(long)]
    pub registry_type: Option<String>,
    /// Heartbeat interval of the sidecars (Go duration) [default: 5s].
    #[arg(long)]
    pub heartbeat_interval: Option<String>,
    /// How long an instance without heartbeats stays listed before the control plane removes it
    /// (Go duration) [default: 20m].
    #[arg(long)]
    pub instance_lease: Option<String>,
    /// Injector outside the cluster, called by the API server at this https URL.
    #[arg(long)]
    pub webhook_url: Option<String>,
    /// Fail or Ignore: what the API server does when the injector does not answer.
    #[arg(long)]
    pub webhook_failure_policy: Option<String>,
    /// Directory with the webhook's ca.crt, tls.crt and tls.key; created there when missing
    /// [default: kept in the cluster only].
    #[arg(long, value_name = "DIR")]
    pub webhook_tls_dir: Option<PathBuf>,
    /// How the control plane's API is reached from outside the cluster; with nodeport or
    /// loadbalancer, install writes an ~/.emctlrc context (named after the kubeconfig context) with
    /// the address it finds [default: none, kubectl port-forward].
    #[arg(long, value_enum)]
    pub expose: Option<ExposeKind>,
    /// Port outside traffic enters the mesh on (the MeshController's ingressPort) [default: 19527].
    #[arg(long)]
    pub ingress_port: Option<u16>,
    /// Ingress-controller replicas [default: 1].
    #[arg(long)]
    pub ingress_replicas: Option<i32>,
    /// How the ingress controller is reached from outside the cluster [default: nodeport].
    #[arg(long, value_enum)]
    pub ingress_expose: Option<ExposeKind>,
    /// Leave the ingress controller out (and remove one an earlier install made).
    #[arg(long)]
    pub no_ingress_controller: bool,
    /// Run the shadow controller for this namespace (repeat for more): the control plane gets a
    /// Role there to copy and delete Deployments, StatefulSets, ConfigMaps and Secrets, and
    /// nothing elsewhere [default: no shadows].
    #[arg(long = "shadow-namespace", value_name = "NAMESPACE")]
    pub shadow_namespaces: Vec<String>,
    /// Control-plane URL reachable from here: the MeshController is applied through it, and it is
    /// written to ~/.emctlrc as with --expose.
    #[arg(long)]
    pub control_plane_url: Option<String>,
    /// Print every manifest instead of applying.
    #[arg(long)]
    pub dry_run: bool,
    /// Output of --dry-run.
    #[arg(short = 'o', long, value_enum, default_value = "yaml", requires = "dry_run")]
    pub output: ManifestFormat,
    /// Wait until the control plane and the ingress controller are ready.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits (Go duration).
    #[arg(long, default_value = "5m", value_parser = meshlib::duration::parse_flag)]
    pub wait_timeout: std::time::Duration,
    /// On failure, keep what this run created instead of removing it.
    #[arg(long)]
    pub keep_on_failure: bool,
}

/// How a port of the mesh (the control plane's API, the ingress controller's) is reached from
/// outside the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExposeKind {
    /// Only inside the cluster.
    None,
    /// A NodePort Service: a node's address and the port Kubernetes picks.
    #[value(name = "nodeport")]
    NodePort,
    /// A LoadBalancer Service: the address the load balancer assigns.
    #[value(name = "loadbalancer")]
    LoadBalancer,
}

/// Manifest output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ManifestFormat {
    /// YAML documents.
    Yaml,
    /// A JSON `List`.
    Json,
}

/// `emctl uninstall`.
#[derive(Debug, Clone, Args)]
pub struct UninstallArgs {
    #[command(flatten)]
    pub kube: KubeArgs,
    /// Also remove the namespace and the control plane's volumes (the mesh's data).
    #[arg(long)]
    pub purge: bool,
    /// Give the workloads `emctl migrate` moved into the mesh back as they were before it
    /// without asking.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Leave the workloads `emctl migrate` moved into the mesh as they are (with their sidecars,
    /// which will have no control plane).
    #[arg(long, conflicts_with = "yes")]
    pub keep_workloads: bool,
}

/// `emctl check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub kube: KubeArgs,
    /// Checks before an install: cluster reachable, version, permissions, namespace free.
    #[arg(long)]
    pub pre: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value = "text")]
    pub output: CheckFormat,
}

/// Check output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// One line per check.
    Text,
    /// A JSON array.
    Json,
}

/// `emctl migrate`.
#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub kube: KubeArgs,
    /// Only Deployments in this namespace [default: all namespaces].
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Deployments to migrate, as NAME or NAMESPACE/NAME (repeatable); no prompt to pick.
    #[arg(long = "deployment", value_name = "NAME")]
    pub deployments: Vec<String>,
    /// Every Deployment not in the mesh yet (in --namespace, else in every namespace but the
    /// system ones); no prompt to pick.
    #[arg(long, conflicts_with_all = ["deployments", "rollback"])]
    pub all: bool,
    /// Tenant of the mesh Services created for them.
    #[arg(long, default_value = "default")]
    pub tenant: String,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Take this Deployment (NAME or NAMESPACE/NAME) out of the mesh again.
    #[arg(long, value_name = "NAME", conflicts_with = "deployments")]
    pub rollback: Option<String>,
    /// How long to wait for the sidecar to appear in the pod template (Go duration).
    #[arg(long, default_value = "30s", value_parser = meshlib::duration::parse_flag)]
    pub wait_timeout: std::time::Duration,
}
