//! "webhook reachable": the API server itself is asked to call the injector. emctl creates, as a
//! server-side dry run (nothing is stored), a meshed Deployment in `default`; the API server sends
//! it through every mutating webhook, so the answer carries the sidecar only when the injector was
//! called and answered, whether it sits behind an in-cluster Service or at a URL.

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, PostParams};
use meshlib::inject::{ENABLE, SERVICE_NAME, SIDECAR_CONTAINER};
use serde_json::{Value, json};

use super::{Check, Status};
use crate::cluster::Cluster;

const NAME: &str = "webhook reachable";
/// Where the dry run is made: a namespace every cluster has.
const NAMESPACE: &str = "default";

/// Where the webhook's client config points, for messages.
fn target(config: &Value) -> String {
    match (config["url"].as_str(), &config["service"]) {
        (Some(url), _) => url.to_owned(),
        (None, service) => format!(
            "Service {}/{} port {}",
            service["namespace"].as_str().unwrap_or_default(),
            service["name"].as_str().unwrap_or_default(),
            service["port"].as_i64().unwrap_or(443)
        ),
    }
}

fn probe() -> Deployment {
    serde_json::from_value(json!({
        "metadata": {
            "name": "emctl-check-injection",
            "annotations": {ENABLE: "true", SERVICE_NAME: "emctl-check"},
        },
        "spec": {
            "selector": {"matchLabels": {"app": "emctl-check"}},
            "template": {
                "metadata": {"labels": {"app": "emctl-check"}},
                "spec": {"containers": [{"name": "app", "image": "emctl-check", "ports": [{"containerPort": 8080}]}]},
            },
        },
    }))
    .expect("the probe is a Deployment")
}

/// Asks the API server for a dry-run create and looks for the sidecar in its answer.
pub async fn reachable(cluster: &Cluster, config: &Value) -> Check {
    let target = target(config);
    let api: Api<Deployment> = Api::namespaced(cluster.client.clone(), NAMESPACE);
    let params = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    match api.create(&params, &probe()).await {
        Ok(answer) => {
            let injected = answer
                .spec
                .and_then(|spec| spec.template.spec)
                .is_some_and(|pod| pod.containers.iter().any(|c| c.name == SIDECAR_CONTAINER));
            if injected {
                Check::new(
                    NAME,
                    Status::Ok,
                    format!("{target} (a dry-run Deployment came back injected)"),
                    "",
                )
            } else {
                Check::new(
                    NAME,
                    Status::Warn,
                    format!("{target}: a dry-run Deployment in {NAMESPACE} came back without the sidecar"),
                    format!("is namespace {NAMESPACE} excluded from injection? Then this check cannot tell"),
                )
            }
        }
        Err(kube::Error::Api(status)) if status.message.contains("webhook") => Check::new(
            NAME,
            Status::Fail,
            format!("{target}: {}", status.message),
            "is the control plane ready and its webhook port served? (`kubectl -n <mesh namespace> get endpoints`)",
        ),
        Err(err) => Check::new(
            NAME,
            Status::Warn,
            format!(
                "{target}: the dry run could not be made: {}",
                crate::cluster::api_error(err)
            ),
            format!("needs permission to create Deployments in {NAMESPACE}"),
        ),
    }
}
