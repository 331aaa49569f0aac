//! One workload's injection, decided: its annotations read and checked against its pod spec and
//! the mesh's settings. Nothing is changed here.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodSpec;

use super::{
    ALIVE_PROBE_URL, APP_CONTAINER_NAME, APPLICATION_PORT, ENABLE, INIT_CONTAINER_IMAGE, InjectError, InjectionParams,
    SERVICE_LABELS, SERVICE_NAME, SIDECAR_CONTAINER, SIDECAR_IMAGE,
};

/// Whether the workload's annotations put it in the mesh.
///
/// # Errors
/// [`InjectError::Enable`] for a value other than `true` or `false` (any case).
pub fn enabled(annotations: &BTreeMap<String, String>) -> Result<bool, InjectError> {
    match annotations.get(ENABLE).map(|v| v.trim()) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(InjectError::Enable { value: v.to_owned() }),
    }
}

/// What to inject into one workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Plan {
    /// Mesh service name.
    pub service: String,
    /// Instance labels, normalised to `k=v,k=v` (none when empty).
    pub labels: Option<String>,
    /// The container the sidecar serves.
    pub app_container: String,
    /// The port the app listens on.
    pub app_port: u16,
    /// The app's health URL, when not the sidecar's default.
    pub alive_probe: Option<String>,
    /// Sidecar image as pulled.
    pub sidecar_image: String,
    /// Agent initializer image as pulled, when the agent is injected.
    pub agent_image: Option<String>,
}

/// A non-empty annotation value, trimmed.
fn annotation<'a>(annotations: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    annotations.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

impl Plan {
    /// Reads the annotations of a workload whose pod spec is `spec`.
    pub(super) fn new(
        annotations: &BTreeMap<String, String>,
        spec: &PodSpec,
        params: &InjectionParams,
    ) -> Result<Self, InjectError> {
        let service = annotation(annotations, SERVICE_NAME).ok_or(InjectError::MissingServiceName)?;
        crate::validate::check_name(service).map_err(|reason| InjectError::ServiceName { reason })?;
        let labels = annotation(annotations, SERVICE_LABELS)
            .map(labels)
            .transpose()?
            .flatten();
        let app_container = app_container(spec, annotation(annotations, APP_CONTAINER_NAME))?;
        let app_port = match annotation(annotations, APPLICATION_PORT) {
            Some(value) => {
                value
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| InjectError::ApplicationPort {
                        value: value.to_owned(),
                    })?
            }
            None => first_port(spec, &app_container)?,
        };
        check_port(app_port, params)?;
        let alive_probe = annotation(annotations, ALIVE_PROBE_URL)
            .map(|url| {
                let http = url.split_once("://").is_some_and(|(scheme, rest)| {
                    (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) && !rest.is_empty()
                });
                if http {
                    Ok(url.to_owned())
                } else {
                    Err(InjectError::AliveProbeUrl { value: url.to_owned() })
                }
            })
            .transpose()?;
        let sidecar_image = params.image(annotation(annotations, SIDECAR_IMAGE).unwrap_or(&params.sidecar_image));
        let agent_image = annotation(annotations, INIT_CONTAINER_IMAGE)
            .or(params.agent_image.as_deref())
            .map(|image| params.image(image));
        Ok(Self {
            service: service.to_owned(),
            labels,
            app_container,
            app_port,
            alive_probe,
            sidecar_image,
            agent_image,
        })
    }
}

/// `k=v,k=v` checked and normalised (items trimmed, empty items skipped); `None` when empty.
fn labels(value: &str) -> Result<Option<String>, InjectError> {
    let mut seen = Vec::new();
    let mut items = Vec::new();
    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let bad = || InjectError::Label { item: item.to_owned() };
        let (key, val) = item.split_once('=').ok_or_else(bad)?;
        let (key, val) = (key.trim(), val.trim());
        if key.is_empty() || val.is_empty() || val.contains('=') {
            return Err(bad());
        }
        if seen.contains(&key) {
            return Err(InjectError::DuplicateLabel { key: key.to_owned() });
        }
        seen.push(key);
        items.push(format!("{key}={val}"));
    }
    Ok((!items.is_empty()).then(|| items.join(",")))
}

/// The app container: the one named by the annotation, else the first that is not the sidecar.
fn app_container(spec: &PodSpec, named: Option<&str>) -> Result<String, InjectError> {
    match named {
        Some(SIDECAR_CONTAINER) => Err(InjectError::AppContainerIsSidecar {
            name: SIDECAR_CONTAINER.to_owned(),
        }),
        Some(name) if spec.containers.iter().any(|c| c.name == name) => Ok(name.to_owned()),
        Some(name) => Err(InjectError::AppContainerNotFound {
            name: name.to_owned(),
            available: spec
                .containers
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
        None => spec
            .containers
            .iter()
            .find(|c| c.name != SIDECAR_CONTAINER)
            .map(|c| c.name.clone())
            .ok_or(InjectError::NoAppContainer),
    }
}

/// The first containerPort the app container declares.
fn first_port(spec: &PodSpec, container: &str) -> Result<u16, InjectError> {
    spec.containers
        .iter()
        .find(|c| c.name == container)
        .and_then(|c| c.ports.as_ref()?.first())
        .and_then(|p| u16::try_from(p.container_port).ok())
        .filter(|p| *p != 0)
        .ok_or_else(|| InjectError::NoApplicationPort {
            container: container.to_owned(),
        })
}

/// The app's port must not be one of the sidecar's.
fn check_port(port: u16, params: &InjectionParams) -> Result<(), InjectError> {
    let ports = params.ports;
    let taken = [
        ("ingress", "sidecarIngressPort", ports.ingress),
        ("egress", "sidecarEgressPort", ports.egress),
        ("registry", "apiPort", ports.registry),
        ("admin", "sidecarAdminPort", ports.admin),
    ];
    match taken.into_iter().find(|(_, _, p)| *p == port) {
        Some((sidecar, field, _)) => Err(InjectError::PortConflict { port, sidecar, field }),
        None => Ok(()),
    }
}
