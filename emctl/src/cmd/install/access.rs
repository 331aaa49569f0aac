//! After the objects of an install are in place: how emctl reaches the control plane from here.
//! With `--control-plane-url` the MeshController is applied through it; with `--expose` the
//! address is worked out from the external Service (and the nodes). Either way the address and
//! the admin token go into an ~/.emctlrc context named after the kubeconfig context. Without an
//! address it says why and how to get one.

use std::time::Duration;

use anyhow::Context as _;
use k8s_openapi::api::core::v1::{Node, Service};
use kube::api::{Api, ListParams};
use meshlib::install::{EXTERNAL_SERVICE, Expose, InstallOptions};

use crate::cli::InstallArgs;
use crate::cluster::{Cluster, api_error};
use crate::context::Exit;

/// Applies the MeshController through `--control-plane-url`, or finds the exposed address, and
/// writes the ~/.emctlrc context; prints the way to reach the control plane otherwise.
///
/// # Errors
/// The MeshController is refused, or the rc file cannot be written.
pub async fn finish(
    cluster: &Cluster,
    args: &InstallArgs,
    options: &InstallOptions,
    token: &str,
) -> anyhow::Result<Exit> {
    let url = match (&args.control_plane_url, options.expose) {
        (Some(url), _) => {
            apply_mesh_controller(url, options, token).await?;
            url.clone()
        }
        (None, Expose::None) => {
            eprintln!("{}", hint(options));
            return Ok(Exit::Success);
        }
        (None, _) => {
            let wait = if args.wait { args.wait_timeout } else { Duration::ZERO };
            match external_url(cluster, options, wait).await {
                Ok(url) => url,
                Err(why) => {
                    eprintln!(
                        "‼ no address of the control plane outside the cluster: {why}\n{}",
                        hint(options)
                    );
                    return Ok(Exit::Success);
                }
            }
        }
    };
    let path = crate::config::write_context(&cluster.context, &url, token)?;
    eprintln!(
        "✔ mesh ready: context {:?} (now the current one) points at {url}; written to {}",
        cluster.context,
        path.display()
    );
    Ok(Exit::Success)
}

/// How to reach the control plane when install found no address.
fn hint(options: &InstallOptions) -> String {
    format!(
        "the control plane listens on {} inside the cluster. To reach it from here:\n  kubectl -n {} port-forward svc/{} 2381\n  emctl install ... --control-plane-url http://127.0.0.1:2381   (writes ~/.emctlrc)\nor install with --expose nodeport or --expose loadbalancer",
        options.in_cluster_url(),
        options.namespace,
        meshlib::install::CONTROL_PLANE
    )
}

async fn apply_mesh_controller(url: &str, options: &InstallOptions, token: &str) -> anyhow::Result<()> {
    let client = meshlib::client::Client::new(&meshlib::client::Config {
        server: url.to_string(),
        token: Some(token.to_string()),
        timeout: Duration::from_secs(10),
    })?;
    let resource = meshlib::decode::normalize(options.mesh_controller())
        .map_err(|err| anyhow::anyhow!("the MeshController of these options is invalid: {}", err.report()))?;
    let (outcome, _) = client
        .apply(&resource)
        .await
        .with_context(|| format!("cannot create the MeshController at {url}"))?;
    println!("  meshcontroller/{} {}", resource.metadata.name, outcome.word());
    Ok(())
}

/// The exposed address, read from the cluster until it is known or `wait` has passed (a load
/// balancer assigns its address a while after the Service is created); otherwise why not.
async fn external_url(cluster: &Cluster, options: &InstallOptions, wait: Duration) -> Result<String, String> {
    let services: Api<Service> = Api::namespaced(cluster.client.clone(), &options.namespace);
    let nodes: Api<Node> = Api::all(cluster.client.clone());
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let service = services.get(EXTERNAL_SERVICE).await.map_err(|err| {
            format!(
                "cannot read Service {}/{EXTERNAL_SERVICE}: {:#}",
                options.namespace,
                api_error(err)
            )
        })?;
        let nodes = match options.expose {
            Expose::NodePort => {
                nodes
                    .list(&ListParams::default())
                    .await
                    .map_err(|err| format!("cannot list the nodes: {:#}", api_error(err)))?
                    .items
            }
            _ => Vec::new(),
        };
        match meshlib::install::external::url(options.expose, &options.namespace, &service, &nodes) {
            Ok(url) => return Ok(url),
            Err(why) if tokio::time::Instant::now() >= deadline => return Err(why.to_string()),
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}
