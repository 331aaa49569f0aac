//! Points the app's own registry client at its sidecar, with no change to the app: the injector
//! sets the environment variables Spring Boot binds to the registry client's address
//! (`EUREKA_CLIENT_SERVICEURL_DEFAULTZONE` is `eureka.client.serviceUrl.defaultZone`, and so on),
//! for the MeshController's `registryType`.
//!
//! Apps moved into the mesh usually had these variables already, naming their old registry. What
//! the injector changed is written into the pod-template annotation [`ORIGINAL_ENV`] (the
//! container, and each variable's value before, or that it was not there), and undone, in place,
//! when the sidecar is removed: taking a workload out of the mesh gives it its registry back.

use k8s_openapi::api::core::v1::{EnvVar, PodTemplateSpec};
use serde::{Deserialize, Serialize};

use crate::spec::mesh_controller::RegistryType;

/// Pod-template annotation: what the injector changed in the app container's environment, undone
/// when the sidecar is removed.
pub const ORIGINAL_ENV: &str = "mesh.megaease.com/original-env";

/// The variables that point a registry client of `registry` at a sidecar whose registry port is
/// `port`.
#[must_use]
pub fn variables(registry: RegistryType, port: u16) -> Vec<(&'static str, String)> {
    match registry {
        RegistryType::Eureka => vec![(
            "EUREKA_CLIENT_SERVICEURL_DEFAULTZONE",
            format!("http://127.0.0.1:{port}/eureka/"),
        )],
        RegistryType::Consul => vec![
            ("SPRING_CLOUD_CONSUL_HOST", "127.0.0.1".to_owned()),
            ("SPRING_CLOUD_CONSUL_PORT", port.to_string()),
        ],
        RegistryType::Nacos => vec![("SPRING_CLOUD_NACOS_DISCOVERY_SERVER_ADDR", format!("127.0.0.1:{port}"))],
    }
}

/// The annotation's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Changed {
    /// The container whose environment was changed.
    container: String,
    /// One entry per variable set.
    env: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Change {
    name: String,
    /// The variable as it was; absent when the container did not have it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    before: Option<EnvVar>,
}

/// Sets `wanted` on the container `container`, recording what was there. Undoes an earlier
/// injection first, so applying twice changes nothing and a new app container or registry type
/// leaves nothing behind.
pub(super) fn apply(template: &mut PodTemplateSpec, container: &str, wanted: &[(&'static str, String)]) {
    restore(template);
    let Some(app) = template
        .spec
        .as_mut()
        .and_then(|spec| spec.containers.iter_mut().find(|c| c.name == container))
    else {
        return;
    };
    let env = app.env.get_or_insert_default();
    let mut changes = Vec::new();
    for (name, value) in wanted {
        let ours = EnvVar {
            name: (*name).to_owned(),
            value: Some(value.clone()),
            ..EnvVar::default()
        };
        let before = match env.iter_mut().find(|e| e.name == *name) {
            Some(existing) => Some(std::mem::replace(existing, ours)),
            None => {
                env.push(ours);
                None
            }
        };
        changes.push(Change {
            name: (*name).to_owned(),
            before,
        });
    }
    let changed = Changed {
        container: container.to_owned(),
        env: changes,
    };
    template
        .metadata
        .get_or_insert_default()
        .annotations
        .get_or_insert_default()
        .insert(
            ORIGINAL_ENV.to_owned(),
            serde_json::to_string(&changed).expect("the record serializes"),
        );
}

/// Undoes [`apply`]: each variable it set goes back to what it was (in place), or goes, and the
/// annotation goes. A template without the annotation is left as it is.
pub(super) fn restore(template: &mut PodTemplateSpec) {
    let Some(metadata) = &mut template.metadata else { return };
    let Some(annotations) = &mut metadata.annotations else {
        return;
    };
    let Some(text) = annotations.remove(ORIGINAL_ENV) else {
        return;
    };
    if annotations.is_empty() {
        metadata.annotations = None;
    }
    // An annotation someone edited into something unreadable: nothing can be undone by it.
    let Ok(changed) = serde_json::from_str::<Changed>(&text) else {
        return;
    };
    let Some(container) = template
        .spec
        .as_mut()
        .and_then(|spec| spec.containers.iter_mut().find(|c| c.name == changed.container))
    else {
        return;
    };
    let Some(env) = &mut container.env else { return };
    for change in changed.env {
        let at = env.iter().position(|e| e.name == change.name);
        match (at, change.before) {
            (Some(at), Some(before)) => env[at] = before,
            (None, Some(before)) => env.push(before),
            (Some(at), None) => {
                env.remove(at);
            }
            (None, None) => {}
        }
    }
    if env.is_empty() {
        container.env = None;
    }
}
