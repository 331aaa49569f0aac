//! `emctl check [--pre]`: one ✔/‼/× line per check with a hint, or JSON; non-zero on ×.

use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use kube::api::{Api, ListParams};
use serde::Serialize;
use serde_json::Value;

mod webhook;

use super::Exit;
use crate::cli::{CheckArgs, CheckFormat, GlobalArgs};
use crate::cluster::{Cluster, reference};
use crate::ops::readiness::{CONTROL_PLANE, INGRESS_CONTROLLER, Workload, readiness, unready_pods};

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Serialize)]
struct Check {
    name: String,
    status: Status,
    #[serde(skip_serializing_if = "String::is_empty")]
    message: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    hint: String,
}

impl Check {
    fn new(name: impl Into<String>, status: Status, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            status,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// Runs `emctl check`.
pub async fn run(args: &CheckArgs, global: &GlobalArgs) -> anyhow::Result<Exit> {
    let mut checks = Vec::new();
    match Cluster::connect(&args.kube).await {
        Err(err) => checks.push(Check::new(
            "cluster reachable",
            Status::Fail,
            format!("{err:#}"),
            "pass --kubeconfig / --context",
        )),
        Ok(cluster) => match cluster.client.apiserver_version().await {
            Err(err) => checks.push(Check::new(
                "cluster reachable",
                Status::Fail,
                format!("{}: {err}", cluster.server),
                "is the API server up, and the kubeconfig's credentials valid?",
            )),
            Ok(version) => {
                checks.push(Check::new("cluster reachable", Status::Ok, cluster.server.clone(), ""));
                checks.push(version_check(&version));
                if args.pre {
                    pre_checks(&cluster, &args.kube.mesh_namespace, &mut checks).await;
                } else {
                    let control_plane = super::Ctx::for_cluster(global, &cluster.context).ok();
                    mesh_checks(&cluster, &args.kube.mesh_namespace, control_plane.as_ref(), &mut checks).await;
                }
            }
        },
    }
    let failed = checks.iter().any(|c| c.status == Status::Fail);
    match args.output {
        CheckFormat::Json => println!("{}", serde_json::to_string_pretty(&checks)?),
        CheckFormat::Text => {
            for check in &checks {
                let mark = match check.status {
                    Status::Ok => "✔",
                    Status::Warn => "‼",
                    Status::Fail => "×",
                };
                let detail = if check.message.is_empty() {
                    String::new()
                } else {
                    format!(": {}", check.message)
                };
                println!("{mark} {}{detail}", check.name);
                if check.status != Status::Ok && !check.hint.is_empty() {
                    println!("    hint: {}", check.hint);
                }
            }
            let word = if failed {
                "some checks failed"
            } else {
                "all checks passed"
            };
            println!("\n{word}");
        }
    }
    Ok(Exit::from_failed(failed))
}

fn version_check(version: &k8s_openapi::apimachinery::pkg::version::Info) -> Check {
    let minor: u32 = version.minor.trim_end_matches('+').parse().unwrap_or(0);
    let text = format!("v{}.{}", version.major, version.minor);
    if version.major == "1" && minor >= 20 {
        Check::new("Kubernetes version", Status::Ok, text, "")
    } else {
        Check::new(
            "Kubernetes version",
            Status::Fail,
            text,
            "the mesh needs Kubernetes 1.20 or later",
        )
    }
}

/// What an install creates, as (group, resource, namespaced).
const WRITES: &[(&str, &str, bool)] = &[
    ("", "namespaces", false),
    ("", "serviceaccounts", true),
    ("", "secrets", true),
    ("", "services", true),
    ("apps", "statefulsets", true),
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations", false),
];

async fn pre_checks(cluster: &Cluster, namespace: &str, checks: &mut Vec<Check>) {
    let mut denied = Vec::new();
    let reviews: Api<SelfSubjectAccessReview> = Api::all(cluster.client.clone());
    for (group, resource, namespaced) in WRITES {
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    group: Some((*group).to_owned()),
                    resource: Some((*resource).to_owned()),
                    verb: Some("create".to_owned()),
                    namespace: namespaced.then(|| namespace.to_owned()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let allowed = reviews
            .create(&Default::default(), &review)
            .await
            .is_ok_and(|answer| answer.status.is_some_and(|status| status.allowed));
        if !allowed {
            denied.push(format!("create {resource}"));
        }
    }
    checks.push(if denied.is_empty() {
        Check::new("permissions", Status::Ok, "can create everything an install needs", "")
    } else {
        Check::new(
            "permissions",
            Status::Fail,
            format!("not allowed: {}", denied.join(", ")),
            "run as a cluster admin",
        )
    });
    let ns = cluster.get(&reference("v1", "Namespace", namespace, None)).await;
    checks.push(match ns {
        Ok(None) => Check::new("namespace free", Status::Ok, namespace, ""),
        Ok(Some(object)) if owned(&object.metadata.labels) => Check::new(
            "namespace free",
            Status::Warn,
            format!("{namespace} holds an existing install"),
            "install again to update it, or `emctl uninstall --purge` first",
        ),
        Ok(Some(_)) => Check::new(
            "namespace free",
            Status::Fail,
            format!("{namespace} exists and is not the mesh's"),
            "choose another with --mesh-namespace",
        ),
        Err(err) => Check::new("namespace free", Status::Fail, format!("{err:#}"), ""),
    });
}

fn owned(labels: &Option<std::collections::BTreeMap<String, String>>) -> bool {
    let (key, value) = meshlib::install::MANAGED_BY;
    labels.as_ref().and_then(|l| l.get(key)).is_some_and(|v| v == value)
}

async fn mesh_checks(cluster: &Cluster, namespace: &str, control_plane: Option<&super::Ctx>, checks: &mut Vec<Check>) {
    checks.push(
        workload_check(cluster, namespace, &CONTROL_PLANE)
            .await
            .unwrap_or_else(|| {
                Check::new(
                    "control plane ready",
                    Status::Fail,
                    "not installed",
                    "run `emctl install`",
                )
            }),
    );
    // Installed only when wanted (`--no-ingress-controller` leaves it out).
    if let Some(check) = workload_check(cluster, namespace, &INGRESS_CONTROLLER).await {
        checks.push(check);
    }
    let hook = reference(
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
        meshlib::install::INJECTOR,
        None,
    );
    match cluster.get(&hook).await {
        Ok(Some(object)) => {
            let config = &object.data["webhooks"][0]["clientConfig"];
            let has_ca = config["caBundle"].as_str().is_some_and(|ca| !ca.is_empty());
            checks.push(if has_ca {
                Check::new("webhook registered", Status::Ok, meshlib::install::INJECTOR, "")
            } else {
                Check::new(
                    "webhook registered",
                    Status::Fail,
                    "no caBundle",
                    "run `emctl install` again",
                )
            });
            checks.push(webhook::reachable(cluster, config).await);
            checks
                .push(namespaces_excluded(cluster, namespace, &object.data["webhooks"][0]["namespaceSelector"]).await);
        }
        Ok(None) => checks.push(Check::new(
            "webhook registered",
            Status::Fail,
            "not registered",
            "run `emctl install`",
        )),
        Err(err) => checks.push(Check::new("webhook registered", Status::Fail, format!("{err:#}"), "")),
    }
    let instances = match control_plane {
        None => None,
        Some(ctx) => match ctx.client.version().await {
            Ok(version) => {
                checks.push(Check::new(
                    "control plane answering",
                    Status::Ok,
                    format!("{} ({})", ctx.config.server, version.version),
                    "",
                ));
                ctx.client
                    .list(
                        &meshlib::kind::ResourceKind::Builtin(meshlib::kind::Kind::ServiceInstance),
                        None,
                    )
                    .await
                    .ok()
            }
            Err(err) => {
                checks.push(Check::new(
                    "control plane answering",
                    Status::Fail,
                    format!("{}: {err}", ctx.config.server),
                    "point ~/.emctlrc or --server at it (`emctl install --expose nodeport` or `--control-plane-url` writes it)",
                ));
                None
            }
        },
    };
    checks.push(injected_pods_registered(cluster, instances.as_ref()).await);
}

/// Whether the webhook's namespace selector leaves out the system namespaces and the mesh's, as
/// the API server evaluates it on their labels (on Kubernetes 1.20 it relies on the opt-out label
/// install puts on them).
async fn namespaces_excluded(cluster: &Cluster, namespace: &str, selector: &Value) -> Check {
    use meshlib::install::exclusion::{OPT_OUT, SYSTEM_NAMESPACES, selects};
    const NAME: &str = "system namespaces excluded";
    let selector = serde_json::from_value(selector.clone()).unwrap_or_default();
    let mut checked = Vec::new();
    let mut sent = Vec::new();
    for name in SYSTEM_NAMESPACES.into_iter().chain([namespace]) {
        match cluster.get(&reference("v1", "Namespace", name, None)).await {
            Ok(None) => {}
            Ok(Some(found)) => {
                let labels = found.metadata.labels.unwrap_or_default();
                if selects(&selector, &labels) {
                    sent.push(name);
                }
                checked.push(name);
            }
            Err(err) => return Check::new(NAME, Status::Fail, format!("{name}: {err:#}"), ""),
        }
    }
    if sent.is_empty() {
        Check::new(NAME, Status::Ok, checked.join(", "), "")
    } else {
        Check::new(
            NAME,
            Status::Fail,
            format!("the injector is called for {}", sent.join(", ")),
            format!("run `emctl install` again: it labels them {}={}", OPT_OUT.0, OPT_OUT.1),
        )
    }
}

async fn injected_pods_registered(cluster: &Cluster, instances: Option<&meshlib::api::List>) -> Check {
    let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::all(cluster.client.clone());
    let list = match pods.list(&ListParams::default()).await {
        Ok(list) => list,
        Err(err) => return Check::new("injected pods registered", Status::Fail, err.to_string(), ""),
    };
    let ids: std::collections::BTreeSet<String> = instances
        .map(|list| {
            list.items
                .iter()
                .filter_map(|i| i.spec["instanceID"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut running = 0;
    let mut missing = Vec::new();
    let mut pending = 0;
    for pod in &list.items {
        let injected = pod.spec.as_ref().is_some_and(|s| {
            s.containers
                .iter()
                .any(|c| c.name == meshlib::inject::SIDECAR_CONTAINER)
        });
        if !injected {
            continue;
        }
        let name = pod.metadata.name.clone().unwrap_or_default();
        if pod.status.as_ref().and_then(|s| s.phase.as_deref()) != Some("Running") {
            pending += 1;
        } else {
            running += 1;
            if !ids.contains(&name) {
                missing.push(format!("{}/{name}", pod.metadata.namespace.clone().unwrap_or_default()));
            }
        }
    }
    match (instances, missing.is_empty()) {
        (None, _) if running > 0 => Check::new(
            "injected pods registered",
            Status::Warn,
            "control plane not reachable",
            "",
        ),
        (_, true) if pending > 0 => Check::new(
            "injected pods registered",
            Status::Warn,
            format!("{running} running pods registered; {pending} injected pods not running yet"),
            "",
        ),
        (_, true) => Check::new(
            "injected pods registered",
            Status::Ok,
            format!("{running} running pods"),
            "",
        ),
        (_, false) => Check::new(
            "injected pods registered",
            Status::Fail,
            format!("not registered: {}", missing.join(", ")),
            "see the sidecar's log: kubectl logs POD -c easemesh-sidecar",
        ),
    }
}

/// The ✔/× line of a workload; `None` when it is not installed.
async fn workload_check(cluster: &Cluster, namespace: &str, workload: &Workload) -> Option<Check> {
    let title = format!("{} ready", workload.title);
    Some(match readiness(cluster, namespace, workload).await {
        Ok(Some((ready, want))) if ready >= want => {
            Check::new(&title, Status::Ok, format!("{ready}/{want} replicas"), "")
        }
        Ok(Some((ready, want))) => {
            let reasons = unready_pods(cluster, namespace, workload).await.unwrap_or_default();
            Check::new(
                &title,
                Status::Fail,
                format!(
                    "{ready}/{want} replicas ready{}",
                    if reasons.is_empty() {
                        String::new()
                    } else {
                        format!("\n{}", reasons.join("\n"))
                    }
                ),
                format!("kubectl -n {namespace} describe pods"),
            )
        }
        Ok(None) => return None,
        Err(err) => Check::new(&title, Status::Fail, format!("{err:#}"), ""),
    })
}
