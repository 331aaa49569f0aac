//! What injection needs from the control plane: images, pull policy, sidecar ports (all from the
//! MeshController, read at each admission) and the control-plane URL sidecars use.

use crate::spec::mesh_controller::{MeshControllerSpec, RegistryType, SidecarPorts};

/// The sidecar image when the MeshController names none: `meshd-sidecar` of this very version
/// (`scripts/image.sh` or the Dockerfile build it). The container is started with the argument
/// `sidecar`, which both `meshd` and `meshd-sidecar` take, so a `meshd` image serves too.
pub const DEFAULT_SIDECAR_IMAGE: &str = concat!("megaease/meshd-sidecar:", env!("CARGO_PKG_VERSION"));

/// The agent's log configuration file when the MeshController names none.
pub const DEFAULT_LOG4J_CONFIG: &str = "log4j2.xml";

/// Injection settings of the whole mesh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InjectionParams {
    /// The control-plane URL sidecars register with (`MESH_CONTROL_PLANE`).
    pub control_plane: String,
    /// Registry prefix for images without a registry host (MeshController `imageRegistryURL`).
    pub image_registry: Option<String>,
    /// Sidecar image, before the registry prefix (MeshController `sidecarImageName`).
    pub sidecar_image: String,
    /// Java agent initializer image, before the registry prefix (MeshController
    /// `agentInitializerImageName`); no init container and no agent without one.
    pub agent_image: Option<String>,
    /// Pull policy of both injected images (MeshController `imagePullPolicy`); Kubernetes' own
    /// default when unset.
    pub pull_policy: Option<String>,
    /// The agent's log configuration file in the agent volume (MeshController `log4jConfigName`).
    pub log4j_config: String,
    /// The sidecar's ports.
    pub ports: SidecarPorts,
    /// The registry protocol apps speak (MeshController `registryType`): which variables point
    /// the app's registry client at its sidecar.
    pub registry_type: RegistryType,
}

impl InjectionParams {
    /// Settings from the mesh's MeshController, or the defaults when there is none yet.
    #[must_use]
    pub fn new(control_plane: impl Into<String>, controller: Option<&MeshControllerSpec>) -> Self {
        let default = MeshControllerSpec::default();
        let spec = controller.unwrap_or(&default);
        let set = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Self {
            control_plane: control_plane.into(),
            image_registry: set(&spec.image_registry_url),
            sidecar_image: set(&spec.sidecar_image_name).unwrap_or_else(|| DEFAULT_SIDECAR_IMAGE.to_owned()),
            agent_image: set(&spec.agent_initializer_image_name),
            pull_policy: spec.image_pull_policy.map(|p| p.as_str().to_owned()),
            log4j_config: set(&spec.log4j_config_name).unwrap_or_else(|| DEFAULT_LOG4J_CONFIG.to_owned()),
            ports: spec.sidecar_ports(),
            registry_type: spec.registry_type.unwrap_or(RegistryType::Eureka),
        }
    }

    /// `image` as pulled: prefixed with the image registry unless it names a registry itself.
    #[must_use]
    pub fn image(&self, image: &str) -> String {
        resolve_image(self.image_registry.as_deref(), image)
    }
}

/// `image` prefixed with `registry`, unless `image` already names a registry host: its first
/// path segment contains a `.` or a `:`, or is `localhost` (`quay.io/x`, `10.0.0.1:5000/x`).
/// Unlike EaseMesh, a dot in the tag (`megaease/app:1.0`) does not count.
#[must_use]
pub fn resolve_image(registry: Option<&str>, image: &str) -> String {
    let registry = registry
        .map(|r| {
            let r = r.trim();
            let r = r
                .strip_prefix("https://")
                .or_else(|| r.strip_prefix("http://"))
                .unwrap_or(r);
            r.trim_end_matches('/')
        })
        .filter(|r| !r.is_empty());
    let has_host = image
        .split_once('/')
        .is_some_and(|(first, _)| first.contains(['.', ':']) || first == "localhost");
    match registry {
        Some(registry) if !has_host => format!("{registry}/{image}"),
        _ => image.to_owned(),
    }
}
