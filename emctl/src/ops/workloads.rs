//! Giving workloads back as they were before `emctl migrate` (from the copy it saved, see
//! `meshlib::migration`): `emctl uninstall` does it for every migrated workload before it removes
//! the webhook, and `emctl migrate --rollback` for one.

use anyhow::Context as _;
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, ListParams, PostParams};
use meshlib::migration::{self, Restored};

use crate::cluster::Cluster;

/// `namespace/name` of a Deployment.
pub fn qualified(deployment: &Deployment) -> String {
    format!(
        "{}/{}",
        deployment.metadata.namespace.clone().unwrap_or_default(),
        deployment.metadata.name.clone().unwrap_or_default()
    )
}

/// Whether migrate saved a copy of `deployment`.
pub fn has_copy(deployment: &Deployment) -> bool {
    deployment
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(migration::BEFORE_MIGRATE))
}

/// Every Deployment migrate saved a copy of, in every namespace, by namespace and name.
///
/// # Errors
/// The Deployments cannot be listed.
pub async fn migrated(cluster: &Cluster) -> anyhow::Result<Vec<Deployment>> {
    let api: Api<Deployment> = Api::all(cluster.client.clone());
    let mut found: Vec<Deployment> = api
        .list(&ListParams::default())
        .await
        .context("cannot list Deployments")?
        .items
        .into_iter()
        .filter(has_copy)
        .collect();
    found.sort_by_key(qualified);
    Ok(found)
}

/// Puts the copy of `deployment` back (read again, and retried when someone else wrote it in
/// between). `None` when it has no copy.
///
/// # Errors
/// The copy is unreadable or the API server refused the update.
pub async fn give_back(cluster: &Cluster, deployment: &Deployment) -> anyhow::Result<Option<Restored>> {
    let namespace = deployment.metadata.namespace.as_deref().unwrap_or("default");
    let name = deployment.metadata.name.as_deref().unwrap_or_default();
    let api: Api<Deployment> = Api::namespaced(cluster.client.clone(), namespace);
    for _ in 0..5 {
        let current = api
            .get(name)
            .await
            .with_context(|| format!("cannot read deployment/{namespace}/{name}"))?;
        let json = serde_json::to_value(&current)?;
        let Some((restored, how)) =
            migration::restore(&json).map_err(|err| anyhow::anyhow!("deployment/{namespace}/{name}: {err}"))?
        else {
            return Ok(None);
        };
        let restored: Deployment = serde_json::from_value(restored)?;
        match api.replace(name, &PostParams::default(), &restored).await {
            Ok(_) => return Ok(Some(how)),
            // Changed between our read and write: read it again.
            Err(kube::Error::Api(status)) if status.code == 409 => {}
            Err(err) => {
                return Err(crate::cluster::api_error(err))
                    .with_context(|| format!("cannot update deployment/{namespace}/{name}"));
            }
        }
    }
    anyhow::bail!("deployment/{namespace}/{name} kept changing while it was being given back; try again")
}

/// The line telling how a workload was given back.
pub fn said(deployment: &Deployment, how: Restored) -> String {
    match how {
        Restored::AsSaved => format!("deployment/{} restored as it was before migrate", qualified(deployment)),
        Restored::KeptChanges => format!(
            "deployment/{} changed since migrate: kept as it is now, without the mesh",
            qualified(deployment)
        ),
    }
}
