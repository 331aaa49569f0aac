//! Whether the mesh's own workloads (the control plane, the ingress controller) are ready, and
//! why not: `emctl check` reports it, `emctl install --wait` waits for it.

use kube::api::{Api, ListParams};
use serde_json::Value;

use crate::cluster::{Cluster, reference};

/// A workload of the mesh whose pods must be ready.
pub struct Workload {
    /// Its kind (`apps/v1`).
    pub kind: &'static str,
    /// Its name, also its pods' `app.kubernetes.io/name`.
    pub name: &'static str,
    /// What the check line calls it.
    pub title: &'static str,
}

/// The control plane's StatefulSet.
pub const CONTROL_PLANE: Workload = Workload {
    kind: "StatefulSet",
    name: meshlib::install::CONTROL_PLANE,
    title: "control plane",
};

/// The ingress controller's Deployment.
pub const INGRESS_CONTROLLER: Workload = Workload {
    kind: "Deployment",
    name: meshlib::install::INGRESS_CONTROLLER,
    title: "ingress controller",
};

/// Ready and wanted replicas of a workload; `None` when it is not installed.
///
/// # Errors
/// The API server failed.
pub async fn readiness(cluster: &Cluster, namespace: &str, workload: &Workload) -> anyhow::Result<Option<(i64, i64)>> {
    let object = reference("apps/v1", workload.kind, workload.name, Some(namespace));
    Ok(cluster.get(&object).await?.map(|object| replicas(&object.data)))
}

/// Ready replicas of a workload's current pod template, and the replicas it wants. During a
/// rollout the ready count includes old pods, so only those that must be new count (a lower
/// bound), and none before its controller has seen the current spec: `install --wait` after a
/// change then waits for the new pods rather than returning on the old ones.
fn replicas(object: &Value) -> (i64, i64) {
    let want = object["spec"]["replicas"].as_i64().unwrap_or(1);
    let status = &object["status"];
    let count = |field: &str| status[field].as_i64().unwrap_or(0);
    let generation = object["metadata"]["generation"].as_i64().unwrap_or(0);
    if count("observedGeneration") < generation {
        return (0, want);
    }
    let updated = count("updatedReplicas");
    let old = (count("replicas") - updated).max(0);
    ((count("readyReplicas") - old).clamp(0, updated), want)
}

/// One line per pod of a workload that is not ready, with the reason.
///
/// # Errors
/// The API server failed.
pub async fn unready_pods(cluster: &Cluster, namespace: &str, workload: &Workload) -> anyhow::Result<Vec<String>> {
    let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(cluster.client.clone(), namespace);
    let selector = format!("app.kubernetes.io/name={}", workload.name);
    let list = pods.list(&ListParams::default().labels(&selector)).await?;
    Ok(list
        .items
        .iter()
        .filter_map(|pod| {
            let status = pod.status.as_ref()?;
            let ready = status
                .conditions
                .iter()
                .flatten()
                .any(|c| c.type_ == "Ready" && c.status == "True");
            if ready {
                return None;
            }
            let waiting = status
                .container_statuses
                .iter()
                .flatten()
                .filter_map(|c| c.state.as_ref()?.waiting.as_ref())
                .map(|w| {
                    format!(
                        "{} {}",
                        w.reason.clone().unwrap_or_default(),
                        w.message.clone().unwrap_or_default()
                    )
                })
                .next();
            let condition = status
                .conditions
                .iter()
                .flatten()
                .find(|c| c.status != "True" && c.message.is_some())
                .map(|c| {
                    format!(
                        "{}: {}",
                        c.reason.clone().unwrap_or_default(),
                        c.message.clone().unwrap_or_default()
                    )
                });
            let why = waiting
                .or(condition)
                .unwrap_or_else(|| format!("{} (no node has started it)", status.phase.clone().unwrap_or_default()));
            Some(format!(
                "  pod/{}: {}",
                pod.metadata.name.clone().unwrap_or_default(),
                why.trim()
            ))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::replicas;

    fn workload(generation: i64, status: serde_json::Value) -> serde_json::Value {
        serde_json::json!({"metadata": {"generation": generation}, "spec": {"replicas": 2}, "status": status})
    }

    #[test]
    fn only_ready_pods_of_the_current_template_count() {
        let settled = json_status(3, 2, 2, 2);
        assert_eq!(replicas(&workload(3, settled.clone())), (2, 2));
        assert_eq!(replicas(&workload(4, settled)), (0, 2), "the new spec not seen yet");
        // Rolling: one new pod not ready, two old ones ready.
        assert_eq!(replicas(&workload(4, json_status(4, 3, 1, 2))), (0, 2));
        // Rolling: both new pods ready, one old one still there.
        assert_eq!(replicas(&workload(4, json_status(4, 3, 2, 3))), (2, 2));
        // Just created: no status yet.
        assert_eq!(replicas(&workload(1, serde_json::json!({}))), (0, 2));
    }

    fn json_status(observed: i64, total: i64, updated: i64, ready: i64) -> serde_json::Value {
        serde_json::json!({
            "observedGeneration": observed,
            "replicas": total,
            "updatedReplicas": updated,
            "readyReplicas": ready,
        })
    }
}
