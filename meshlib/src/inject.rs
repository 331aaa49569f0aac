//! Sidecar injection into Kubernetes workloads: the pure transform the mutating webhook applies
//! to the pod template of a Deployment or StatefulSet. No I/O here: the caller reads the
//! MeshController ([`InjectionParams`]) and turns the new template into a patch.
//!
//! A workload is in the mesh when its own `metadata.annotations` say
//! [`ENABLE`]` = "true"`; [`SERVICE_NAME`] is then required, and [`SERVICE_LABELS`],
//! [`APP_CONTAINER_NAME`], [`APPLICATION_PORT`], [`ALIVE_PROBE_URL`], [`SIDECAR_IMAGE`] and
//! [`INIT_CONTAINER_IMAGE`] are optional (EaseMesh's annotations, plus the explicit switch).
//!
//! What a meshed pod template gets:
//! - the container [`SIDECAR_CONTAINER`]: the sidecar image, started with the argument `sidecar`
//!   (the image's entrypoint is `meshd`), configured through the environment `meshd sidecar`
//!   reads: `MESH_CONTROL_PLANE`, `MESH_SERVICE_NAME`, `MESH_APPLICATION_PORT`,
//!   `MESH_SERVICE_LABELS` and `MESH_ALIVE_PROBE_URL` (when annotated), `HOSTNAME` and
//!   `APPLICATION_IP` (pod name and IP from the downward API), `MESH_INGRESS_PORT`,
//!   `MESH_EGRESS_PORT`, `MESH_REGISTRY_PORT`, `MESH_ADMIN_PORT`, `MESH_ADMIN_ADDRESS=0.0.0.0`
//!   (probed by the kubelet) and `MESH_TOKEN` from the key `token` of the Secret
//!   [`SIDECAR_TOKEN_SECRET`] in the workload's namespace, if there is one; ports
//!   `sidecar-ingress`, `sidecar-egress`, `sidecar-api` (the registry) and `sidecar-admin`;
//!   readiness on `/ready` and liveness on `/healthz` of the admin port; small requests; the
//!   emptyDir [`SIDECAR_CACHE_VOLUME`] mounted at [`SIDECAR_CACHE_DIR`], where the sidecar keeps
//!   its last configuration across restarts of its container;
//! - with an agent initializer image only: the init container [`INIT_CONTAINER`] copying the Java
//!   agent into the emptyDir [`AGENT_VOLUME`], mounted at `/agent-volume` in the app container,
//!   whose `JAVA_TOOL_OPTIONS` gets the agent's options appended;
//! - on the app container, the environment variables Spring Boot binds to its registry client's
//!   address, pointing it at the sidecar's emulated registry on loopback (for the
//!   MeshController's `registryType`; see [`registry_env`]), with the values they replace kept in
//!   the annotation [`registry_env::ORIGINAL_ENV`] and put back when the sidecar is removed;
//! - the annotation [`INJECTED`] on the pod template, naming the sidecar image.
//!
//! Without the annotation (or with `false`) all of that is removed again, so switching a
//! workload off reverts it. Injecting twice gives the same template.

mod error;
mod params;
mod plan;
pub mod registry_env;
mod template;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec};

pub use error::InjectError;
pub use params::{DEFAULT_LOG4J_CONFIG, DEFAULT_SIDECAR_IMAGE, InjectionParams, resolve_image};
pub use plan::enabled;

pub use crate::spec::mesh_controller::SidecarPorts;

/// `"true"` puts the workload in the mesh, `"false"` or no annotation takes it out.
pub const ENABLE: &str = "mesh.megaease.com/enable";
/// The mesh service the workload's pods are instances of (required when enabled).
pub const SERVICE_NAME: &str = "mesh.megaease.com/service-name";
/// Instance labels, `k=v,k=v` (canaries select instances by them).
pub const SERVICE_LABELS: &str = "mesh.megaease.com/service-labels";
/// The container the sidecar serves [default: the first container that is not the sidecar].
pub const APP_CONTAINER_NAME: &str = "mesh.megaease.com/app-container-name";
/// The port the app listens on [default: the app container's first containerPort].
pub const APPLICATION_PORT: &str = "mesh.megaease.com/application-port";
/// The URL the sidecar checks the app's health on [default: the sidecar's,
/// `http://127.0.0.1:<application port>/health`].
pub const ALIVE_PROBE_URL: &str = "mesh.megaease.com/alive-probe-url";
/// Overrides the MeshController's sidecar image for this workload.
pub const SIDECAR_IMAGE: &str = "mesh.megaease.com/sidecar-image";
/// Overrides the MeshController's agent initializer image for this workload.
pub const INIT_CONTAINER_IMAGE: &str = "mesh.megaease.com/init-container-image";
/// Written on injected pod templates; its value is the sidecar image.
pub const INJECTED: &str = "mesh.megaease.com/injected";

/// Name of the injected sidecar container.
pub const SIDECAR_CONTAINER: &str = "easemesh-sidecar";
/// Name of the injected init container that provides the Java agent.
pub const INIT_CONTAINER: &str = "initializer";
/// Name of the emptyDir volume holding the Java agent.
pub const AGENT_VOLUME: &str = "agent-volume";
/// Name of the emptyDir volume of the sidecar's cache (its last configuration), which outlives
/// restarts of the sidecar container.
pub const SIDECAR_CACHE_VOLUME: &str = "mesh-sidecar-cache";
/// Where the sidecar keeps its cache (`meshd sidecar --cache-dir`'s default), and where the
/// injector mounts [`SIDECAR_CACHE_VOLUME`].
pub const SIDECAR_CACHE_DIR: &str = "/var/cache/meshd-sidecar";
/// Secret (in the workload's namespace, optional) whose key `token` sidecars present to the
/// control plane.
pub const SIDECAR_TOKEN_SECRET: &str = "easemesh-sidecar-token";

/// The outcome of [`inject`].
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Whether the workload is in the mesh.
    pub meshed: bool,
    /// The pod template to store: injected when meshed, else with any injection removed.
    pub template: PodTemplateSpec,
}

/// Injects the sidecar into `template` when `annotations` (the workload's own) enable the mesh,
/// and removes a previous injection when they do not.
///
/// # Errors
/// An [`InjectError`] naming the annotation or field at fault, when the workload is meshed but
/// its annotations or pod spec do not allow injection, or the enable annotation is unreadable.
pub fn inject(
    annotations: &BTreeMap<String, String>,
    template: &PodTemplateSpec,
    params: &InjectionParams,
) -> Result<Decision, InjectError> {
    let meshed = enabled(annotations)?;
    let mut out = template.clone();
    if meshed {
        let empty = PodSpec::default();
        let plan = plan::Plan::new(annotations, template.spec.as_ref().unwrap_or(&empty), params)?;
        template::apply(&mut out, &plan, params)?;
    } else {
        template::remove(&mut out);
    }
    Ok(Decision { meshed, template: out })
}

/// Removes everything injection added to `template` (what [`inject`] does for a workload taken
/// out of the mesh); a template without any of it is left untouched.
pub fn strip(template: &mut PodTemplateSpec) {
    template::remove(template);
}

/// Whether `template` carries an injected sidecar.
#[must_use]
pub fn is_injected(template: &PodTemplateSpec) -> bool {
    template::is_injected(template)
}
