//! The copy of a workload `emctl migrate` keeps, and how it is given back. Pure: the caller reads
//! and writes the Deployment.
//!
//! Before it annotates a workload for the mesh, migrate saves the workload's labels, annotations
//! and pod template, as they are, in the workload's own annotation [`BEFORE_MIGRATE`]. `emctl
//! uninstall` and `emctl migrate --rollback` give it back with [`restore`]: exactly the saved copy
//! when the workload has not been changed since (other than by the mesh), else the workload as it
//! is now with only the mesh taken out, so a change made after migrate (a new image, say) is kept.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodTemplateSpec;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::inject::{ENABLE, SERVICE_NAME};

/// Workload annotation holding the copy migrate saved (JSON of the labels, annotations and pod
/// template before migrate).
pub const BEFORE_MIGRATE: &str = "mesh.megaease.com/before-migrate";

/// Annotations the API server or its controllers write, never part of the copy.
const SERVER_MANAGED: [&str; 2] = ["deployment.kubernetes.io/revision", BEFORE_MIGRATE];

/// What migrate saves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Saved {
    /// `metadata.labels`.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`, without the server-managed ones.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// `spec.template`.
    pub template: Value,
}

impl Saved {
    /// The copy of `workload` (a Deployment or StatefulSet as JSON).
    #[must_use]
    pub fn of(workload: &Value) -> Self {
        let strings = |value: &Value| -> BTreeMap<String, String> {
            value
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        };
        let mut annotations = strings(&workload["metadata"]["annotations"]);
        annotations.retain(|key, _| !SERVER_MANAGED.contains(&key.as_str()));
        Self {
            labels: strings(&workload["metadata"]["labels"]),
            annotations,
            template: workload["spec"]["template"].clone(),
        }
    }

    /// The annotation value.
    #[must_use]
    pub fn to_annotation(&self) -> String {
        serde_json::to_string(self).expect("the copy serializes")
    }
}

/// The saved copy of `workload`, when migrate saved one.
///
/// # Errors
/// The annotation is there but not a copy (edited by hand, say): the message says so.
pub fn saved(workload: &Value) -> Result<Option<Saved>, String> {
    match workload["metadata"]["annotations"][BEFORE_MIGRATE].as_str() {
        None => Ok(None),
        Some(text) => serde_json::from_str(text)
            .map(Some)
            .map_err(|err| format!("annotation {BEFORE_MIGRATE} is not the copy emctl migrate saves: {err}")),
    }
}

/// How [`restore`] gave a workload back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restored {
    /// Exactly as it was before migrate.
    AsSaved,
    /// Changed since migrate: as it is now, without the mesh.
    KeptChanges,
}

/// `workload` given back: its labels, annotations and pod template as saved, or, when the
/// workload was changed after migrate, as they are now without the mesh (no sidecar, no mesh
/// annotations but those it had before). `None` when migrate saved no copy of it.
///
/// # Errors
/// The copy is unreadable, or the workload's template is not a pod template.
pub fn restore(workload: &Value) -> Result<Option<(Value, Restored)>, String> {
    let Some(saved) = saved(workload)? else {
        return Ok(None);
    };
    let current: PodTemplateSpec =
        serde_json::from_value(workload["spec"]["template"].clone()).map_err(|err| format!("spec.template: {err}"))?;
    let without_mesh = serde_json::to_value(without_sidecar(&current)).expect("pod templates serialize");
    let mut out = workload.clone();
    let unchanged = without_mesh == saved.template;
    let (labels, annotations, template, how) = if unchanged {
        (saved.labels, saved.annotations, saved.template, Restored::AsSaved)
    } else {
        let mut annotations = Saved::of(workload).annotations;
        for key in [ENABLE, SERVICE_NAME] {
            match saved.annotations.get(key) {
                Some(before) => annotations.insert(key.to_owned(), before.clone()),
                None => annotations.remove(key),
            };
        }
        (
            Saved::of(workload).labels,
            annotations,
            without_mesh,
            Restored::KeptChanges,
        )
    };
    let metadata = &mut out["metadata"];
    metadata["labels"] = serde_json::to_value(labels).expect("maps serialize");
    // What the server keeps (the revision) stays; the copy's own annotation goes.
    let mut all: BTreeMap<String, String> = SERVER_MANAGED
        .iter()
        .filter(|key| **key != BEFORE_MIGRATE)
        .filter_map(|key| Some(((*key).to_owned(), metadata["annotations"][*key].as_str()?.to_owned())))
        .collect();
    all.extend(annotations);
    metadata["annotations"] = serde_json::to_value(all).expect("maps serialize");
    out["spec"]["template"] = template;
    Ok(Some((out, how)))
}

/// The template with the injection taken out.
fn without_sidecar(template: &PodTemplateSpec) -> PodTemplateSpec {
    let params = crate::inject::InjectionParams::new("", None);
    crate::inject::inject(&BTreeMap::new(), template, &params)
        .map(|decision| decision.template)
        .unwrap_or_else(|_| template.clone())
}

#[cfg(test)]
mod tests;
