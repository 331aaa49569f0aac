//! `emctl install`: render the mesh's objects, server-side apply them stage by stage with
//! progress (removing what these options leave out), wait for the mesh's workloads, roll back this
//! run's creations on failure; then [`access`] writes ~/.emctlrc.

use std::time::Duration;

use anyhow::{Context as _, bail};
use indicatif::{ProgressBar, ProgressStyle};
use meshlib::client::ApplyOutcome as Applied;
use meshlib::install::{Expose, InstallOptions, Manifest, Ownership, Stage, Storage, WebhookTarget};
use serde_json::Value;

use super::Exit;
use crate::cli::{ExposeKind, InstallArgs, ManifestFormat, StorageKind};
use crate::cluster::{self, Cluster};
use crate::ops::readiness::{self, Workload};
use crate::ops::secrets;

mod access;

/// Runs `emctl install`.
pub async fn run(args: &InstallArgs) -> anyhow::Result<Exit> {
    let options = options(args)?;
    let problems = options.problems();
    if !problems.is_empty() {
        eprintln!("error: the install options are invalid:");
        for problem in problems {
            eprintln!("  - {problem}");
        }
        return Ok(Exit::Failure);
    }
    if args.dry_run {
        let secrets = secrets::Secrets::offline(&options, args.webhook_tls_dir.as_deref())?;
        let manifests = meshlib::install::render(&options, &secrets.tls, &secrets.tokens);
        print_manifests(&manifests, args.output)?;
        return Ok(Exit::Success);
    }
    let cluster = Cluster::connect(&args.kube).await?;
    let secrets = secrets::Secrets::load_or_create(&cluster, &options, args.webhook_tls_dir.as_deref()).await?;
    let manifests = meshlib::install::render(&options, &secrets.tls, &secrets.tokens);
    let leftovers = meshlib::install::leftovers(&options);
    let mut created: Vec<&Manifest> = Vec::new();
    if let Err(err) = apply_stages(&cluster, &manifests, &leftovers, &mut created, args).await {
        eprintln!("error: {err:#}");
        if args.keep_on_failure || created.is_empty() {
            if !created.is_empty() {
                eprintln!("  kept what this run created (--keep-on-failure)");
            }
        } else {
            eprintln!("rolling back what this run created:");
            for manifest in created.iter().rev() {
                let name = manifest.display_name();
                match cluster.remove_manifest(manifest).await {
                    Ok(_) => eprintln!("  {name} {}", cluster::removed_word(manifest)),
                    Err(err) => eprintln!("  {name}: cannot remove: {err:#}"),
                }
            }
        }
        return Ok(Exit::Failure);
    }
    access::finish(&cluster, args, &options, &secrets.tokens.admin).await
}

/// Flags over `-f` file over defaults.
fn options(args: &InstallArgs) -> anyhow::Result<InstallOptions> {
    let mut options = match &args.file {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            let value = match meshlib::yaml::documents(&text).into_iter().next() {
                Some(Ok(value)) => value,
                Some(Err(err)) => bail!("{}: invalid YAML: {err}", path.display()),
                None => Value::Object(serde_json::Map::new()),
            };
            serde_json::from_value(value).with_context(|| format!("{}: not install options", path.display()))?
        }
        None => InstallOptions::default(),
    };
    options.namespace.clone_from(&args.kube.mesh_namespace);
    let set = |target: &mut String, value: &Option<String>| {
        if let Some(value) = value {
            target.clone_from(value);
        }
    };
    set(&mut options.image, &args.image);
    set(&mut options.image_registry_url, &args.image_registry_url);
    set(&mut options.image_pull_policy, &args.image_pull_policy);
    set(&mut options.registry_type, &args.registry_type);
    set(&mut options.heartbeat_interval, &args.heartbeat_interval);
    set(&mut options.instance_lease, &args.instance_lease);
    set(&mut options.webhook_failure_policy, &args.webhook_failure_policy);
    if args.sidecar_image.is_some() {
        options.sidecar_image.clone_from(&args.sidecar_image);
    }
    if args.init_image.is_some() {
        options.init_image.clone_from(&args.init_image);
    }
    if let Some(replicas) = args.replicas {
        options.replicas = replicas;
    }
    if let Some(url) = &args.webhook_url {
        options.webhook = WebhookTarget::Url(url.clone());
    }
    let expose = |kind| match kind {
        ExposeKind::None => Expose::None,
        ExposeKind::NodePort => Expose::NodePort,
        ExposeKind::LoadBalancer => Expose::LoadBalancer,
    };
    if let Some(kind) = args.expose {
        options.expose = expose(kind);
    }
    if let Some(kind) = args.ingress_expose {
        options.ingress_expose = expose(kind);
    }
    if let Some(replicas) = args.ingress_replicas {
        options.ingress_replicas = replicas;
    }
    if let Some(port) = args.ingress_port {
        options.ingress_port = port;
    }
    if args.no_ingress_controller {
        options.ingress_controller = false;
    }
    if !args.shadow_namespaces.is_empty() {
        options.shadow_namespaces.clone_from(&args.shadow_namespaces);
    }
    match (args.storage, &mut options.storage) {
        (Some(StorageKind::EmptyDir), storage) => *storage = Storage::EmptyDir,
        (Some(StorageKind::Pvc), storage @ Storage::EmptyDir) => {
            *storage = Storage::Pvc {
                storage_class: None,
                size: "1Gi".into(),
            };
        }
        _ => {}
    }
    if let Storage::Pvc { storage_class, size } = &mut options.storage {
        if args.storage_class.is_some() {
            storage_class.clone_from(&args.storage_class);
        }
        set(size, &args.storage_size);
    }
    Ok(options)
}

fn print_manifests(manifests: &[Manifest], format: ManifestFormat) -> anyhow::Result<()> {
    match format {
        ManifestFormat::Yaml => {
            for manifest in manifests {
                println!("---\n{}", meshlib::yaml::to_string(&manifest.object)?.trim_end());
            }
        }
        ManifestFormat::Json => {
            let items: Vec<&Value> = manifests.iter().map(|m| &m.object).collect();
            let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
    }
    Ok(())
}

fn spinner(message: String) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_message(message);
    bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("static template"));
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// Applies the manifests stage by stage; `changed` collects what this run created (objects) or
/// set (labels of objects the mesh does not own), for a rollback.
async fn apply_stages<'m>(
    cluster: &Cluster,
    manifests: &'m [Manifest],
    leftovers: &[Manifest],
    changed: &mut Vec<&'m Manifest>,
    args: &InstallArgs,
) -> anyhow::Result<()> {
    for stage in Stage::ALL {
        let bar = spinner(stage.title().to_string());
        let mut lines = Vec::new();
        for manifest in manifests.iter().filter(|m| m.stage == stage) {
            let name = manifest.display_name();
            bar.set_message(format!("{}: {name}", stage.title()));
            let outcome = cluster.apply_manifest(manifest).await.map_err(|err| {
                bar.finish_and_clear();
                err.context(format!("{name}: cannot apply"))
            })?;
            // Labels of an object that is not there: nothing to label.
            let Some(outcome) = outcome else { continue };
            let ours = match manifest.ownership {
                Ownership::Object => outcome == Applied::Created,
                Ownership::Labels => outcome == Applied::Configured,
            };
            if ours {
                changed.push(manifest);
            }
            lines.push(format!("  {name} {}", outcome.word()));
        }
        for leftover in leftovers.iter().filter(|m| m.stage == stage) {
            let name = leftover.display_name();
            let deleted = cluster.remove_manifest(leftover).await.map_err(|err| {
                bar.finish_and_clear();
                err.context(format!("{name}: cannot remove what these options leave out"))
            })?;
            if deleted {
                lines.push(format!("  {name} {}", cluster::removed_word(leftover)));
            }
        }
        let staged = manifests.iter().any(|m| m.stage == stage);
        let workload = match stage {
            Stage::ControlPlane => Some(&readiness::CONTROL_PLANE),
            Stage::IngressController => Some(&readiness::INGRESS_CONTROLLER),
            _ => None,
        };
        if let Some(workload) = workload.filter(|_| staged && args.wait) {
            bar.set_message(format!("{}: waiting until ready", stage.title()));
            let waited = wait_ready(cluster, &args.kube.mesh_namespace, workload, args.wait_timeout).await;
            if let Err(err) = waited {
                bar.finish_and_clear();
                return Err(err);
            }
        }
        bar.finish_and_clear();
        if !staged && lines.is_empty() {
            // A stage these options leave out, with nothing left to remove.
            continue;
        }
        eprintln!("✔ {}", stage.title());
        for line in lines {
            println!("{line}");
        }
    }
    Ok(())
}

/// Waits until a workload has all replicas ready; on timeout names the pods that are not, and why.
async fn wait_ready(cluster: &Cluster, namespace: &str, workload: &Workload, timeout: Duration) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some((ready, want)) = readiness::readiness(cluster, namespace, workload).await?
            && ready >= want
        {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            let reasons = readiness::unready_pods(cluster, namespace, workload).await?;
            bail!(
                "{}/{namespace}/{} not ready after {}:\n{}",
                workload.kind,
                workload.name,
                humantime::format_duration(timeout),
                if reasons.is_empty() {
                    "  no pods yet".to_string()
                } else {
                    reasons.join("\n")
                }
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
