//! `emctl uninstall` (alias `reset`): first the workloads `emctl migrate` moved into the mesh are
//! given back as they were before it (after a question, or `--yes`; `--keep-workloads` leaves
//! them), while the injector can still take their sidecars out; then the webhook (so no new pod
//! waits on a vanishing injector), then workloads, services, secrets and RBAC; `--purge` also the
//! volumes and the namespace, waiting until it is gone.

use std::time::Duration;

use kube::api::{Api, DeleteParams, ListParams};
use meshlib::install::{InstallOptions, Manifest, Stage, Tokens, WebhookTls};

use meshlib::inject::ENABLE;

use super::Exit;
use crate::cli::UninstallArgs;
use crate::cluster::{Cluster, reference};
use crate::ops::workloads;

/// Runs `emctl uninstall`.
pub async fn run(args: &UninstallArgs) -> anyhow::Result<Exit> {
    let cluster = Cluster::connect(&args.kube).await?;
    let ns = args.kube.mesh_namespace.as_str();
    let options = InstallOptions {
        namespace: ns.to_string(),
        ..InstallOptions::default()
    };
    // What an install with any options has: these options' objects and those they leave out.
    let mut manifests = meshlib::install::render(&options, &WebhookTls::default(), &Tokens::default());
    manifests.extend(meshlib::install::leftovers(&options));
    let mut removed = 0;
    let mut failed = false;
    match give_back_workloads(&cluster, args).await? {
        Some(given) => removed += given,
        None => return Ok(Exit::Failure),
    }
    for stage in Stage::UNINSTALL
        .iter()
        .filter(|s| args.purge || **s != Stage::Namespace)
    {
        for manifest in manifests.iter().rev().filter(|m| m.stage == *stage) {
            removed += usize::from(remove(&cluster, manifest, &mut failed).await);
        }
    }
    removed += delete_sidecar_tokens(&cluster, &mut failed).await;
    removed += delete_shadows(&cluster, &mut failed).await;
    if args.purge {
        let claims: Api<k8s_openapi::api::core::v1::PersistentVolumeClaim> =
            Api::namespaced(cluster.client.clone(), ns);
        let selector = meshlib::install::ownership_selector();
        match claims
            .delete_collection(&DeleteParams::default(), &ListParams::default().labels(&selector))
            .await
        {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(err) => {
                eprintln!("error: volumes of {ns}: {err}");
                failed = true;
            }
        }
        failed |= !wait_gone(&cluster, ns).await?;
    }
    match crate::config::remove_context(&cluster.context) {
        Ok(Some(path)) => {
            eprintln!("  context {:?} removed from {}", cluster.context, path.display());
            removed += 1;
        }
        Ok(None) => {}
        Err(err) => {
            eprintln!("error: {err:#}");
            failed = true;
        }
    }
    if failed {
        return Ok(Exit::Failure);
    }
    if removed == 0 {
        eprintln!("nothing to uninstall in {ns}");
    } else if args.purge {
        eprintln!("✔ uninstall complete (namespace {ns} and its volumes removed)");
    } else {
        eprintln!("✔ uninstall complete (namespace {ns} and the control plane's volumes kept; --purge removes them)");
    }
    Ok(Exit::Success)
}

/// Gives the migrated workloads back (see the module's doc). `None` when the user said no;
/// else how many were given back.
async fn give_back_workloads(cluster: &Cluster, args: &UninstallArgs) -> anyhow::Result<Option<usize>> {
    let migrated = workloads::migrated(cluster).await?;
    let meshed_by_hand = meshed_without_copy(cluster).await?;
    for deployment in &meshed_by_hand {
        eprintln!(
            "warning: deployment/{} is in the mesh by its own {ENABLE} annotation (not by emctl migrate): it keeps its sidecar until you remove the annotation",
            workloads::qualified(deployment)
        );
    }
    if migrated.is_empty() {
        return Ok(Some(0));
    }
    let names: Vec<String> = migrated.iter().map(workloads::qualified).collect();
    if args.keep_workloads {
        eprintln!(
            "warning: keeping the sidecars of the migrated deployments {} (--keep-workloads); they will have no control plane",
            names.join(", ")
        );
        return Ok(Some(0));
    }
    println!("Migrated workloads, given back as they were before emctl migrate:");
    for name in &names {
        println!("  deployment/{name}");
    }
    if !args.yes
        && !crate::prompt::confirm("Give them back and uninstall?")
            .map_err(|err| anyhow::anyhow!("{err:#} (or --keep-workloads to leave them in the mesh)"))?
    {
        eprintln!("nothing changed");
        return Ok(None);
    }
    let mut given = 0;
    for deployment in &migrated {
        match workloads::give_back(cluster, deployment).await {
            Ok(Some(how)) => {
                println!("  {}", workloads::said(deployment, how));
                given += 1;
            }
            Ok(None) => {}
            Err(err) => anyhow::bail!(
                "{err:#}\nuninstall stopped before removing any part of the mesh (--keep-workloads skips giving workloads back)"
            ),
        }
    }
    Ok(Some(given))
}

/// Deployments meshed by their own annotation, with no copy from migrate.
async fn meshed_without_copy(cluster: &Cluster) -> anyhow::Result<Vec<k8s_openapi::api::apps::v1::Deployment>> {
    let api: Api<k8s_openapi::api::apps::v1::Deployment> = Api::all(cluster.client.clone());
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(crate::cluster::api_error)?;
    Ok(list
        .items
        .into_iter()
        .filter(|d| {
            !workloads::has_copy(d)
                && !meshlib::shadow::Workload::Deployment(d.clone()).is_shadow()
                && d.metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(ENABLE))
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        })
        .collect())
}

async fn remove(cluster: &Cluster, manifest: &Manifest, failed: &mut bool) -> bool {
    let removed = cluster.remove_manifest(manifest).await;
    report(
        &manifest.display_name(),
        crate::cluster::removed_word(manifest),
        removed,
        failed,
    )
}

/// Prints one removal (or why it failed); true when something was removed.
fn report(name: &str, word: &str, removed: anyhow::Result<bool>, failed: &mut bool) -> bool {
    match removed {
        Ok(true) => {
            println!("  {name} {word}");
            true
        }
        Ok(false) => false,
        Err(err) => {
            eprintln!("error: {name}: {err:#}");
            *failed = true;
            false
        }
    }
}

/// The sidecar token Secrets `emctl migrate` put into the apps' namespaces.
async fn delete_sidecar_tokens(cluster: &Cluster, failed: &mut bool) -> usize {
    let secrets: Api<k8s_openapi::api::core::v1::Secret> = Api::all(cluster.client.clone());
    let selector = meshlib::install::ownership_selector();
    let list = match secrets.list(&ListParams::default().labels(&selector)).await {
        Ok(list) => list,
        Err(err) => {
            eprintln!("error: cannot list the sidecar token Secrets: {err}");
            *failed = true;
            return 0;
        }
    };
    let mut removed = 0;
    for secret in list
        .items
        .iter()
        .filter(|s| s.metadata.name.as_deref() == Some(meshlib::inject::SIDECAR_TOKEN_SECRET))
    {
        let ns = secret.metadata.namespace.as_deref().unwrap_or_default();
        let object = reference("v1", "Secret", meshlib::inject::SIDECAR_TOKEN_SECRET, Some(ns));
        let deleted = cluster.delete(&object).await;
        let name = meshlib::install::display_name(&object);
        removed += usize::from(report(&name, "deleted", deleted, failed));
    }
    removed
}

/// What the shadow controller made (copies, their ConfigMaps, Secrets and claims) and the Roles
/// it had, in every namespace: with the control plane gone, nothing else would remove them.
async fn delete_shadows(cluster: &Cluster, failed: &mut bool) -> usize {
    use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
    use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Secret};
    use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
    let copies = format!("{}=true", meshlib::shadow::SHADOW_LABEL);
    let access = format!(
        "{},app.kubernetes.io/component={}",
        meshlib::install::ownership_selector(),
        meshlib::install::shadows::COMPONENT
    );
    let mut removed = 0;
    removed += delete_labelled::<Deployment>(cluster, &copies, failed).await;
    removed += delete_labelled::<StatefulSet>(cluster, &copies, failed).await;
    removed += delete_labelled::<ConfigMap>(cluster, &copies, failed).await;
    removed += delete_labelled::<Secret>(cluster, &copies, failed).await;
    removed += delete_labelled::<PersistentVolumeClaim>(cluster, &copies, failed).await;
    removed += delete_labelled::<RoleBinding>(cluster, &access, failed).await;
    removed += delete_labelled::<Role>(cluster, &access, failed).await;
    removed
}

async fn delete_labelled<K>(cluster: &Cluster, selector: &str, failed: &mut bool) -> usize
where
    K: k8s_openapi::Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
{
    let all: Api<K> = Api::all(cluster.client.clone());
    let list = match all.list(&ListParams::default().labels(selector)).await {
        Ok(list) => list,
        Err(err) => {
            eprintln!("error: cannot list {} labelled {selector}: {err}", K::URL_PATH_SEGMENT);
            *failed = true;
            return 0;
        }
    };
    let mut removed = 0;
    for item in list.items {
        let (Some(ns), Some(name)) = (item.meta().namespace.clone(), item.meta().name.clone()) else {
            continue;
        };
        let api: Api<K> = Api::namespaced(cluster.client.clone(), &ns);
        let deleted = match api.delete(&name, &DeleteParams::background()).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(false),
            Err(err) => Err(anyhow::Error::new(err)),
        };
        removed += usize::from(report(&format!("{}/{ns}/{name}", K::KIND), "deleted", deleted, failed));
    }
    removed
}

/// Waits for the namespace to disappear; names what holds it when it does not.
async fn wait_gone(cluster: &Cluster, ns: &str) -> anyhow::Result<bool> {
    let namespace = reference("v1", "Namespace", ns, None);
    for _ in 0..240 {
        if cluster.get(&namespace).await?.is_none() {
            return Ok(true);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let held = cluster
        .get(&namespace)
        .await?
        .map(|object| object.data["status"]["conditions"].to_string())
        .unwrap_or_default();
    eprintln!("error: namespace {ns} is still terminating after 60s: {held}");
    Ok(false)
}
