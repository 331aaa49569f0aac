//! `meshd sidecar`: runs beside one instance of an app. It keeps the instance in the registry
//! (registration, local health checks, heartbeats), keeps the mesh configuration it needs
//! current through watches, proxies the app's traffic (ingress from other sidecars, egress to
//! other services with load balancing, canaries and TrafficSplits) and serves an admin port.
//! Registry emulation for unmodified Eureka/Consul/Nacos clients builds on the same catalog.
//!
//! With the control plane down it keeps its last configuration and keeps reconnecting; it also
//! keeps that configuration on disk ([`cache`]), so a sidecar restarted meanwhile starts from it.

pub mod admin;
pub mod args;
pub mod cache;
pub mod consul;
pub mod discovery;
pub mod eureka;
pub mod health;
pub mod inbound;
pub mod membership;
pub mod nacos;
pub mod outbound;
pub mod registries;

use std::sync::Arc;

use meshlib::client::{Client, Config};

use crate::catalog;
use crate::proxy::call::Caller;
use crate::proxy::forward::Forwarder;
use crate::proxy::listener as serve;
use crate::proxy::metrics;

pub use args::SidecarArgs;

/// Runs the sidecar until `shutdown` resolves; then deregisters the instance.
///
/// # Errors
/// Bad arguments or an admin port that cannot be bound.
pub async fn run(
    args: SidecarArgs,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let mut identity = args.identity()?;
    let probe = args.probe()?;
    let client = Client::new(&Config {
        server: args.control_plane.clone(),
        token: args.token.clone(),
        timeout: std::time::Duration::from_secs(5),
    })?;
    let metrics = Arc::new(metrics::Metrics::default());
    // The last configuration, until the control plane answers: a restart while it is down
    // keeps serving.
    let cache = cache::Cache::new(&args.cache_dir, &identity.service);
    let (restored, cache_status) = cache::restore(&cache, catalog::WATCHED);
    let (catalog_tx, catalog) = tokio::sync::watch::channel(Arc::new(restored.unwrap_or_default()));
    let (status_tx, status) = tokio::sync::watch::channel(membership::Status::default());
    let (stop_tx, stop) = tokio::sync::watch::channel(false);

    let listener = tokio::net::TcpListener::bind(args.admin_address())
        .await
        .map_err(|err| anyhow::anyhow!("cannot listen on admin address {}: {err}", args.admin_address()))?;
    let admin_address = listener.local_addr()?;
    // Registered with the instance, so dashboards can scrape `/metrics`.
    identity.admin_port = Some(admin_address.port());
    // The one line on stdout: tests and scripts read the admin address from it.
    println!("meshd sidecar for {} admin on http://{admin_address}", identity.service);
    tracing::info!(service = %identity.service, instance = %identity.instance_id, %admin_address, "sidecar started");

    let bind = serve::bind;
    let ingress = bind(
        std::net::SocketAddr::new(args.ingress_address, args.ingress_port),
        "ingress",
    )
    .await?;
    let egress = bind(
        std::net::SocketAddr::new(args.egress_address, args.egress_port),
        "egress",
    )
    .await?;
    let registry = bind(
        std::net::SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), args.registry_port),
        "registry",
    )
    .await?;
    // Register the port actually bound (`--ingress-port 0` picks a free one).
    identity.port = ingress.local_addr()?.port();
    let listeners = admin::Listeners {
        admin: admin_address,
        ingress: ingress.local_addr()?,
        egress: egress.local_addr()?,
        registry: registry.local_addr()?,
    };
    let forwarder = Forwarder::new(args.upstream_timeout);
    let tables = catalog::tables(catalog.clone());
    let tables_view = tables.clone();
    let until_stopped = |mut stop: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stop.changed().await;
    };
    let policies = catalog::policies(catalog.clone());
    let ingress_state = Arc::new(inbound::Ingress::new(
        forwarder.clone(),
        args.app_port,
        &identity.service,
        policies.clone(),
        Arc::clone(&metrics),
    ));
    let ingress_server = tokio::spawn(serve::serve(
        ingress,
        move |request, _| {
            let state = Arc::clone(&ingress_state);
            async move { state.handle(request).await }
        },
        stop.clone(),
        serve::IDLE_TIMEOUT,
    ));
    let discovery = discovery::Discovery::new(
        &identity.service,
        listeners.egress.port(),
        catalog.clone(),
        tables.clone(),
    );
    let registries = registries::Registries {
        eureka: eureka::Eureka::new(discovery.clone()),
        consul: consul::Consul::new(discovery.clone()),
        nacos: nacos::Nacos::new(discovery),
    };
    let registry_server = tokio::spawn(
        axum::serve(registry, registries::router(registries))
            .with_graceful_shutdown(until_stopped(stop.clone()))
            .into_future(),
    );
    let caller = Caller::new(forwarder, tables, policies.clone(), Arc::clone(&metrics));
    let egress_state = Arc::new(outbound::Egress::new(caller, Arc::clone(&metrics)));
    let egress_server = tokio::spawn(serve::serve(
        egress,
        move |request, peer| {
            let state = Arc::clone(&egress_state);
            async move { state.handle(request, peer).await }
        },
        stop.clone(),
        serve::IDLE_TIMEOUT,
    ));

    let watcher = tokio::spawn(catalog::run(
        client.clone(),
        catalog_tx,
        Arc::clone(&metrics),
        stop.clone(),
    ));
    let (cache_status_tx, cache_status) = tokio::sync::watch::channel(cache_status);
    let cached = tokio::spawn(cache::keep(cache, catalog.clone(), cache_status_tx, stop.clone()));
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
        listeners,
        tables: tables_view,
        policies,
        catalog,
        status,
        cache: cache_status,
        metrics,
    };
    let served = tokio::spawn(
        axum::serve(listener, admin::router(admin_state))
            .with_graceful_shutdown(until_stopped(stop.clone()))
            .into_future(),
    );
    shutdown.await;
    tracing::info!("sidecar shutting down");
    let _ = stop_tx.send(true);
    let _ = member.await;
    let _ = watcher.await;
    let _ = cached.await;
    served.await??;
    ingress_server.await?;
    egress_server.await?;
    registry_server.await??;
    tracing::info!("sidecar stopped");
    Ok(())
}
