//! Why a workload cannot be injected: each message names the annotation or field at fault and
//! what was expected, since it reaches the user as the API server's refusal.

use super::{ALIVE_PROBE_URL, APP_CONTAINER_NAME, APPLICATION_PORT, ENABLE, SERVICE_LABELS, SERVICE_NAME};

/// An invalid injection request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InjectError {
    /// The enable annotation is neither `true` nor `false`.
    #[error("annotation {ENABLE}: expected \"true\" or \"false\", got {value:?}")]
    Enable {
        /// The value found.
        value: String,
    },
    /// Meshed without a service name.
    #[error("annotation {SERVICE_NAME}: required when {ENABLE} is \"true\"")]
    MissingServiceName,
    /// The service name is not a valid mesh name.
    #[error("annotation {SERVICE_NAME}: {reason}")]
    ServiceName {
        /// What is wrong with it.
        reason: String,
    },
    /// One item of the labels is not `key=value`.
    #[error("annotation {SERVICE_LABELS}: item {item:?} is not key=value (expected k=v,k=v)")]
    Label {
        /// The offending item.
        item: String,
    },
    /// A label key appears twice.
    #[error("annotation {SERVICE_LABELS}: key {key:?} appears more than once")]
    DuplicateLabel {
        /// The repeated key.
        key: String,
    },
    /// The application port annotation is not a port number.
    #[error("annotation {APPLICATION_PORT}: expected a port number between 1 and 65535, got {value:?}")]
    ApplicationPort {
        /// The value found.
        value: String,
    },
    /// No application port annotation and the app container declares none.
    #[error(
        "annotation {APPLICATION_PORT} is not set and container {container:?} declares no containerPort; \
         set the annotation to the port the app listens on"
    )]
    NoApplicationPort {
        /// The app container.
        container: String,
    },
    /// The application port is one the sidecar listens on.
    #[error(
        "application port {port} is also the sidecar's {sidecar} port (MeshController {field}); \
         the app and its sidecar share the pod's network and need different ports"
    )]
    PortConflict {
        /// The port.
        port: u16,
        /// Which sidecar listener uses it (`ingress`, `egress`, `registry`, `admin`).
        sidecar: &'static str,
        /// The MeshController field that sets that listener's port.
        field: &'static str,
    },
    /// The alive-probe URL is not an HTTP URL.
    #[error("annotation {ALIVE_PROBE_URL}: expected an http:// or https:// URL, got {value:?}")]
    AliveProbeUrl {
        /// The value found.
        value: String,
    },
    /// The named app container does not exist.
    #[error(
        "annotation {APP_CONTAINER_NAME}: no container named {name:?} in spec.template.spec.containers \
         (containers: {available})"
    )]
    AppContainerNotFound {
        /// The name asked for.
        name: String,
        /// The containers there are, comma-separated.
        available: String,
    },
    /// The named app container is the sidecar's name.
    #[error("annotation {APP_CONTAINER_NAME}: {name:?} is the name of the injected sidecar, not of an app container")]
    AppContainerIsSidecar {
        /// The name asked for.
        name: String,
    },
    /// There is no app container at all.
    #[error("spec.template.spec.containers: no app container to put beside a sidecar")]
    NoAppContainer,
    /// The agent options cannot be appended to a `JAVA_TOOL_OPTIONS` taken from a source.
    #[error(
        "spec.template.spec.containers[{container:?}].env[JAVA_TOOL_OPTIONS]: set with valueFrom, so the Java \
         agent options cannot be appended; give it a plain value or remove the MeshController's \
         agentInitializerImageName"
    )]
    JavaToolOptionsFromSource {
        /// The app container.
        container: String,
    },
}
