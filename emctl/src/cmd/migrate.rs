//! `emctl migrate`: pick Deployments not yet in the mesh, show the plan (annotations, mesh Service
//! and Tenant), confirm, save a copy of each workload as it is (`meshlib::migration`), apply, and
//! verify the injector put the sidecar into the pod template; `--rollback NAME` gives one back as
//! it was.

use std::time::Duration;

use anyhow::{Context as _, bail};
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, ListParams, Patch, PatchParams};
use meshlib::inject::{ENABLE, SERVICE_NAME, SIDECAR_CONTAINER as SIDECAR};
use meshlib::kind::{Kind, ResourceKind};
use meshlib::migration::{BEFORE_MIGRATE, Saved};
use serde_json::json;

use super::{Ctx, Exit};
use crate::cli::{GlobalArgs, MigrateArgs};
use crate::cluster::Cluster;
use crate::ops::workloads::{self, qualified};

/// Runs `emctl migrate`.
pub async fn run(global: &GlobalArgs, args: &MigrateArgs) -> anyhow::Result<Exit> {
    let cluster = Cluster::connect(&args.kube).await?;
    let ctx = &Ctx::for_cluster(global, &cluster.context)?;
    if let Some(name) = &args.rollback {
        return rollback(&cluster, args, name).await;
    }
    let all = list(&cluster, args.namespace.as_deref()).await?;
    let candidates: Vec<&Deployment> = all.iter().filter(|d| !meshed(d)).collect();
    let chosen = choose(args, &all, &candidates)?;
    if chosen.is_empty() {
        eprintln!("nothing to migrate");
        return Ok(Exit::Success);
    }
    let tenant_kind = ResourceKind::Builtin(Kind::Tenant);
    let service_kind = ResourceKind::Builtin(Kind::Service);
    let tenant_exists = ctx.client.get_opt(&tenant_kind, &args.tenant).await?.is_some();
    let sidecar_token = crate::ops::secrets::existing_tokens(&cluster, &args.kube.mesh_namespace)
        .await?
        .map(|tokens| tokens.sidecar)
        .filter(|token| !token.is_empty());
    if sidecar_token.is_none() {
        eprintln!(
            "warning: no mesh installed in namespace {} (its token Secret is missing): sidecars can only register with a control plane that has auth off",
            args.kube.mesh_namespace
        );
    }
    println!("Plan:");
    if !tenant_exists {
        println!("  create tenant/{}", args.tenant);
    }
    for deployment in &chosen {
        let name = deployment.metadata.name.clone().unwrap_or_default();
        if ctx.client.get_opt(&service_kind, &name).await?.is_none() {
            println!("  create service/{name} (tenant {})", args.tenant);
        }
        if sidecar_token.is_some() {
            let ns = deployment.metadata.namespace.as_deref().unwrap_or("default");
            println!(
                "  apply secret/{ns}/{} (the sidecars' token)",
                meshlib::inject::SIDECAR_TOKEN_SECRET
            );
        }
        println!(
            "  annotate deployment/{}: {ENABLE}=true, {SERVICE_NAME}={name}, and {BEFORE_MIGRATE} (a copy of it as it is now, for --rollback and uninstall)",
            qualified(deployment)
        );
    }
    if !args.yes && !crate::prompt::confirm("Apply this plan?")? {
        eprintln!("nothing changed");
        return Ok(Exit::Failure);
    }
    if !tenant_exists {
        apply_mesh(
            ctx,
            "Tenant",
            &args.tenant,
            json!({"description": "created by emctl migrate"}),
        )
        .await?;
    }
    let mut failed = false;
    for deployment in chosen {
        if let Some(token) = &sidecar_token {
            let ns = deployment.metadata.namespace.as_deref().unwrap_or("default");
            cluster
                .apply(&meshlib::install::sidecar_token_secret(ns, token))
                .await?;
        }
        let name = deployment.metadata.name.clone().unwrap_or_default();
        apply_mesh(ctx, "Service", &name, json!({"registerTenant": args.tenant})).await?;
        let copy = Saved::of(&serde_json::to_value(deployment)?).to_annotation();
        let annotations = json!({ ENABLE: "true", SERVICE_NAME: name, BEFORE_MIGRATE: copy });
        annotate(&cluster, deployment, annotations).await?;
        match wait_for_sidecar(&cluster, deployment, true, args.wait_timeout).await {
            Ok(()) => println!(
                "deployment/{} migrated: the pod template carries the sidecar",
                qualified(deployment)
            ),
            Err(err) => {
                eprintln!("error: deployment/{}: {err:#}", qualified(deployment));
                failed = true;
            }
        }
    }
    Ok(Exit::from_failed(failed))
}

fn meshed(deployment: &Deployment) -> bool {
    deployment
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ENABLE))
        .is_some_and(|v| v == "true")
}

fn has_sidecar(deployment: &Deployment) -> bool {
    deployment
        .spec
        .as_ref()
        .and_then(|spec| spec.template.spec.as_ref())
        .is_some_and(|pod| pod.containers.iter().any(|c| c.name == SIDECAR))
}

async fn list(cluster: &Cluster, namespace: Option<&str>) -> anyhow::Result<Vec<Deployment>> {
    let api: Api<Deployment> = match namespace {
        Some(ns) => Api::namespaced(cluster.client.clone(), ns),
        None => Api::all(cluster.client.clone()),
    };
    let mut items = api
        .list(&ListParams::default())
        .await
        .context("cannot list Deployments")?
        .items;
    items.retain(|d| {
        let ns = d.metadata.namespace.as_deref().unwrap_or_default();
        !matches!(ns, "kube-system" | "kube-public")
            && !d
                .metadata
                .labels
                .as_ref()
                .is_some_and(|l| l.contains_key(meshlib::install::PART_OF.0))
    });
    items.sort_by_key(qualified);
    Ok(items)
}

/// Named with --deployment, all of them with --all, else picked interactively.
fn choose<'a>(
    args: &MigrateArgs,
    all: &'a [Deployment],
    candidates: &[&'a Deployment],
) -> anyhow::Result<Vec<&'a Deployment>> {
    if !args.deployments.is_empty() {
        let mut chosen = Vec::new();
        for wanted in &args.deployments {
            let found = find(all, wanted)?;
            if meshed(found) {
                eprintln!("deployment/{} is already in the mesh", qualified(found));
            } else {
                chosen.push(found);
            }
        }
        return Ok(chosen);
    }
    if args.all || candidates.is_empty() {
        return Ok(candidates.to_vec());
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        bail!("name the Deployments with --deployment NAME, or take them all with --all (no terminal to pick them in)");
    }
    let items: Vec<String> = candidates.iter().map(|d| qualified(d)).collect();
    let picked = dialoguer::MultiSelect::new()
        .with_prompt("Deployments to move into the mesh (space selects, enter confirms)")
        .items(&items)
        .interact()?;
    Ok(picked.into_iter().map(|i| candidates[i]).collect())
}

fn find<'a>(all: &'a [Deployment], wanted: &str) -> anyhow::Result<&'a Deployment> {
    let matches: Vec<&Deployment> = all
        .iter()
        .filter(|d| qualified(d) == wanted || d.metadata.name.as_deref() == Some(wanted))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => bail!("deployment {wanted:?} not found"),
        _ => bail!("deployment {wanted:?} exists in several namespaces: name it as NAMESPACE/NAME"),
    }
}

async fn apply_mesh(ctx: &Ctx, kind: &str, name: &str, spec: serde_json::Value) -> anyhow::Result<()> {
    let object =
        json!({"apiVersion": meshlib::resource::API_VERSION, "kind": kind, "metadata": {"name": name}, "spec": spec});
    let resource = meshlib::decode::normalize(object).map_err(|err| anyhow::anyhow!("{}", err.report()))?;
    let (outcome, _) = ctx
        .client
        .apply(&resource)
        .await
        .map_err(|err| anyhow::anyhow!(crate::report::client_error("", &err, &ctx.config)))?;
    println!(
        "{}/{} {}",
        resource.kind.name().to_lowercase(),
        resource.metadata.name,
        outcome.word()
    );
    Ok(())
}

async fn annotate(cluster: &Cluster, deployment: &Deployment, annotations: serde_json::Value) -> anyhow::Result<()> {
    let api: Api<Deployment> = Api::namespaced(
        cluster.client.clone(),
        deployment.metadata.namespace.as_deref().unwrap_or("default"),
    );
    let name = deployment.metadata.name.as_deref().unwrap_or_default();
    let patch = json!({"metadata": {"annotations": annotations}});
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .with_context(|| format!("cannot annotate deployment/{}", qualified(deployment)))?;
    Ok(())
}

async fn wait_for_sidecar(
    cluster: &Cluster,
    deployment: &Deployment,
    present: bool,
    timeout: Duration,
) -> anyhow::Result<()> {
    let api: Api<Deployment> = Api::namespaced(
        cluster.client.clone(),
        deployment.metadata.namespace.as_deref().unwrap_or("default"),
    );
    let name = deployment.metadata.name.as_deref().unwrap_or_default();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if has_sidecar(&api.get(name).await?) == present {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            bail!(
                "the pod template {} the sidecar after {}: is the injector registered and reachable? (`emctl check`)",
                if present { "still lacks" } else { "still has" },
                humantime::format_duration(timeout)
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn rollback(cluster: &Cluster, args: &MigrateArgs, wanted: &str) -> anyhow::Result<Exit> {
    let all = list(cluster, args.namespace.as_deref()).await?;
    let deployment = find(&all, wanted)?;
    if !meshed(deployment) && !has_sidecar(deployment) {
        eprintln!("deployment/{} is not in the mesh", qualified(deployment));
        return Ok(Exit::Success);
    }
    if !args.yes && !crate::prompt::confirm(&format!("Take deployment/{} out of the mesh?", qualified(deployment)))? {
        eprintln!("nothing changed");
        return Ok(Exit::Failure);
    }
    let said = match workloads::give_back(cluster, deployment).await? {
        Some(how) => workloads::said(deployment, how),
        // Meshed before migrate kept copies: take the mesh out by its switch.
        None => {
            annotate(cluster, deployment, json!({ ENABLE: "false" })).await?;
            format!(
                "deployment/{} rolled back: the pod template has no sidecar",
                qualified(deployment)
            )
        }
    };
    wait_for_sidecar(cluster, deployment, false, args.wait_timeout).await?;
    println!("{said}");
    Ok(Exit::Success)
}
