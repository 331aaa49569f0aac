//! `meshd`: the mesh daemon. `meshd control-plane` runs the control plane.

/// mimalloc: listing and decoding thousands of objects is allocation-bound, and glibc malloc
/// spent a quarter of `get serviceinstance` over 10k instances in malloc/free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use server::control_plane::{self, Auth};
use server::store::redb::RedbStore;

#[derive(Debug, Parser)]
#[command(
    name = "meshd",
    version,
    about = "The mesh daemon: control plane, sidecar and ingress controller"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the control plane: REST API, registry and durable store.
    ControlPlane(ControlPlaneArgs),
    /// Run beside one app instance: registration, health checks, heartbeats, configuration.
    Sidecar(server::sidecar::SidecarArgs),
    /// Run the mesh ingress: outside traffic routed to mesh services by the Ingress objects.
    IngressController(server::ingress_controller::IngressControllerArgs),
    /// A small demo service with a Eureka client (used by `emctl demo`).
    DemoApp(server::demo_app::DemoAppArgs),
}

#[derive(Debug, clap::Args)]
struct ControlPlaneArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "MESHD_LISTEN", default_value = "127.0.0.1:2381")]
    listen: SocketAddr,
    /// Directory of the embedded store.
    #[arg(long, env = "MESHD_DATA_DIR", default_value = "meshd-data")]
    data_dir: PathBuf,
    /// File of `token,name,role` lines (role admin, readonly or sidecar).
    #[arg(long, env = "MESHD_TOKEN_FILE", required_unless_present = "insecure_no_auth")]
    token_file: Option<PathBuf>,
    /// Accept every request without a token. For local demos only.
    #[arg(long, conflicts_with = "token_file")]
    insecure_no_auth: bool,
    /// How long an instance record lives without a heartbeat before it is removed (Go duration).
    #[arg(long, env = "MESHD_INSTANCE_LEASE", default_value = "20m", value_parser = meshlib::duration::parse_flag)]
    instance_lease: std::time::Duration,
    /// Serve the sidecar-injection webhook (`POST /mutate`) over HTTPS on this address [default:
    /// not served].
    #[arg(long, env = "MESHD_WEBHOOK_LISTEN", requires_all = ["webhook_cert_file", "webhook_key_file"])]
    webhook_listen: Option<SocketAddr>,
    /// PEM certificate chain of the webhook listener (read at start).
    #[arg(long, env = "MESHD_WEBHOOK_CERT_FILE", requires = "webhook_listen")]
    webhook_cert_file: Option<PathBuf>,
    /// PEM private key of the webhook listener (read at start).
    #[arg(long, env = "MESHD_WEBHOOK_KEY_FILE", requires = "webhook_listen")]
    webhook_key_file: Option<PathBuf>,
    /// Control-plane URL injected sidecars register with, e.g.
    /// http://easemesh-control-plane.easemesh.svc:2381 [default: http:// and the --listen
    /// address].
    #[arg(long, env = "MESHD_ADVERTISE_URL", value_parser = http_url)]
    advertise_url: Option<String>,
    /// Objects (YAML or JSON documents) to create at start when they do not exist yet, e.g. the
    /// MeshController `emctl install` writes. Existing objects are left alone, so changes made
    /// later with `emctl apply` stick.
    #[arg(long, env = "MESHD_BOOTSTRAP", value_name = "FILE")]
    bootstrap: Option<PathBuf>,
    /// Run the shadow controller for ShadowServices in these Kubernetes namespaces
    /// (comma-separated; needs in-cluster credentials or a kubeconfig allowed to manage their
    /// Deployments, StatefulSets, ConfigMaps, Secrets and claims) [default: not run].
    #[arg(long, env = "MESHD_SHADOW_NAMESPACES", value_delimiter = ',')]
    shadow_namespaces: Vec<String>,
}

/// The documents of `--bootstrap`, every one valid, or why not (file, document, field).
fn bootstrap(path: &std::path::Path) -> anyhow::Result<Vec<meshlib::resource::Resource>> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| anyhow::anyhow!("cannot read --bootstrap {}: {err}", path.display()))?;
    meshlib::decode::decode_str(&text, &path.display().to_string())
        .into_iter()
        .map(|document| {
            document
                .result
                .map_err(|err| anyhow::anyhow!("--bootstrap {}: {}", path.display(), err.report()))
        })
        .collect()
}

fn http_url(value: &str) -> Result<String, String> {
    let rest = value.strip_prefix("http://").or_else(|| value.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() => Ok(value.trim_end_matches('/').to_owned()),
        _ => Err(format!("expected an http:// or https:// URL, got {value:?}")),
    }
}

/// The webhook's listener and certificate, when it is served.
async fn webhook(args: &ControlPlaneArgs) -> anyhow::Result<Option<control_plane::webhook::Webhook>> {
    let (Some(address), Some(cert), Some(key)) = (args.webhook_listen, &args.webhook_cert_file, &args.webhook_key_file)
    else {
        return Ok(None);
    };
    let tls = server::tls::server_config(cert, key)
        .map_err(|err| anyhow::Error::new(err).context("--webhook-cert-file/--webhook-key-file"))?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|err| anyhow::anyhow!("cannot listen on {address} (--webhook-listen): {err}"))?;
    Ok(Some(control_plane::webhook::Webhook {
        listener,
        tls: Arc::new(tls),
    }))
}

async fn control_plane(args: ControlPlaneArgs) -> anyhow::Result<()> {
    let auth = match &args.token_file {
        Some(path) => Auth::from_file(path)?,
        None => {
            tracing::warn!(
                "authentication is disabled (--insecure-no-auth): anyone who can reach this port can change the mesh"
            );
            Auth::Disabled
        }
    };
    let bootstrap = match &args.bootstrap {
        Some(path) => bootstrap(path)?,
        None => Vec::new(),
    };
    let store = RedbStore::open(&args.data_dir)
        .map_err(|err| anyhow::anyhow!("cannot open the store in {}: {err}", args.data_dir.display()))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|err| anyhow::anyhow!("cannot listen on {}: {err}", args.listen))?;
    let address = listener.local_addr()?;
    let webhook = webhook(&args).await?;
    // The first line on stdout: tests and scripts read the bound address from it. The second,
    // only with --webhook-listen, gives the webhook's.
    println!("meshd control plane listening on http://{address}");
    if let Some(webhook) = &webhook {
        println!("meshd webhook listening on https://{}", webhook.listener.local_addr()?);
    }
    tracing::info!(%address, data_dir = %args.data_dir.display(), "control plane started");
    let mut settings = control_plane::Settings::single(auth, args.instance_lease);
    settings.advertise_url = match &args.advertise_url {
        Some(url) => url.clone(),
        None => advertised(address),
    };
    if webhook.is_some() && args.advertise_url.is_none() {
        tracing::warn!(
            url = %settings.advertise_url,
            "injected sidecars are told to reach the control plane on the --listen address; set --advertise-url to one pods can reach"
        );
    }
    settings.webhook = webhook;
    settings.bootstrap = bootstrap;
    if !args.shadow_namespaces.is_empty() {
        settings.shadows = Some(control_plane::shadows::Config {
            namespaces: args.shadow_namespaces.clone(),
        });
    }
    control_plane::serve(listener, Arc::new(store), settings, server::process::shutdown_signal()).await?;
    tracing::info!("control plane stopped");
    Ok(())
}

/// `http://` and the listen address, with a wildcard address replaced by loopback.
fn advertised(address: SocketAddr) -> String {
    let mut address = address;
    if address.ip().is_unspecified() {
        address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    format!("http://{address}")
}

fn main() -> ExitCode {
    server::process::init_logging();
    let cli = Cli::parse();
    // A sidecar runs beside every instance: one thread keeps its memory small; the control plane
    // uses every core.
    let runtime = match &cli.command {
        Command::Sidecar(_) | Command::DemoApp(_) => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        Command::ControlPlane(_) | Command::IngressController(_) => tokio::runtime::Runtime::new(),
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::ControlPlane(args) => control_plane(args).await,
            Command::Sidecar(args) => server::sidecar::run(args, server::process::shutdown_signal()).await,
            Command::IngressController(args) => {
                server::ingress_controller::run(args, server::process::shutdown_signal()).await
            }
            Command::DemoApp(args) => server::demo_app::run(args, server::process::shutdown_signal()).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
