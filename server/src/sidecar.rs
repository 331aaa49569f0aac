//! `meshd sidecar`: runs beside one instance of an app. This part keeps the instance in the
//! registry (registration, local health checks, heartbeats), keeps the mesh configuration it
//! needs current through watches, and serves an admin port. The registry emulation and the data
//! path (ingress, egress, load balancing, canaries) build on the catalog it maintains.
//!
//! With the control plane down it keeps its last configuration and keeps reconnecting.

pub mod admin;
pub mod args;
pub mod catalog;
pub mod health;
pub mod membership;
pub mod metrics;

use std::sync::Arc;

use meshlib::client::{Client, Config};

pub use args::SidecarArgs;

/// Runs the sidecar until `shutdown` resolves; then deregisters the instance.
///
/// # Errors
/// Bad arguments or an admin port that cannot be bound.
pub async fn run(
    args: SidecarArgs,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let identity = args.identity()?;
    let probe = args.probe()?;
    let client = Client::new(&Config {
        server: args.control_plane.clone(),
        token: args.token.clone(),
        timeout: std::time::Duration::from_secs(5),
    })?;
    let metrics = Arc::new(metrics::Metrics::default());
    let (catalog_tx, catalog) = tokio::sync::watch::channel(Arc::new(catalog::Catalog::default()));
    let (status_tx, status) = tokio::sync::watch::channel(membership::Status::default());
    let (stop_tx, stop) = tokio::sync::watch::channel(false);

    let listener = tokio::net::TcpListener::bind(args.admin_address())
        .await
        .map_err(|err| anyhow::anyhow!("cannot listen on admin address {}: {err}", args.admin_address()))?;
    let admin_address = listener.local_addr()?;
    // The one line on stdout: tests and scripts read the admin address from it.
    println!("meshd sidecar for {} admin on http://{admin_address}", identity.service);
    tracing::info!(service = %identity.service, instance = %identity.instance_id, %admin_address, "sidecar started");

    let watcher = tokio::spawn(catalog::run(
        client.clone(),
        catalog_tx,
        Arc::clone(&metrics),
        stop.clone(),
    ));
    let member = tokio::spawn(membership::run(
        client.clone(),
        identity.clone(),
        probe,
        status_tx,
        Arc::clone(&metrics),
        stop.clone(),
    ));
    let admin_state = admin::State {
        identity: identity.clone(),
        catalog,
        status,
        metrics,
    };
    let server = axum::serve(listener, admin::router(admin_state)).with_graceful_shutdown({
        let mut stop = stop.clone();
        async move {
            let _ = stop.changed().await;
        }
    });
    let served = tokio::spawn(async move { server.await });
    shutdown.await;
    tracing::info!("sidecar shutting down");
    let _ = stop_tx.send(true);
    let _ = member.await;
    let _ = watcher.await;
    served.await??;
    tracing::info!("sidecar stopped");
    Ok(())
}
