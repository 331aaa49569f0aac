//! Edits of a pod template: what injection adds and what removal takes away. Every piece is
//! found by name, so applying twice changes nothing, and a piece already there that contains
//! everything injection would write (the API server adds defaults such as probe timeouts) is
//! left as it is.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EmptyDirVolumeSource, EnvVar, EnvVarSource, HTTPGetAction, ObjectFieldSelector, PodSpec,
    PodTemplateSpec, Probe, ResourceRequirements, SecretKeySelector, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;
use serde_json::Value;

use super::plan::Plan;
use super::{
    AGENT_VOLUME, INIT_CONTAINER, INJECTED, InjectError, InjectionParams, SIDECAR_CACHE_DIR, SIDECAR_CACHE_VOLUME,
    SIDECAR_CONTAINER, SIDECAR_TOKEN_SECRET, registry_env,
};

/// Where the agent volume is mounted, in the app container and the init container.
const AGENT_MOUNT: &str = "/agent-volume";
/// Where the agent initializer image keeps the agent.
const AGENT_SOURCE: &str = "/easeagent-volume";
/// The agent options appended to `JAVA_TOOL_OPTIONS`: the jar, and the log configuration
/// (whose file name follows the MeshController, so it is matched by prefix when removed).
const AGENT_JAR_OPTION: &str = "-javaagent:/agent-volume/easeagent.jar";
const AGENT_LOG_OPTION: &str = "-Deaseagent.log.conf=/agent-volume/";
const JAVA_TOOL_OPTIONS: &str = "JAVA_TOOL_OPTIONS";
/// EaseMesh's sidecar configuration volume, dropped when its sidecar is replaced or removed.
const EASEMESH_SIDECAR_VOLUME: &str = "sidecar-volume";

/// Adds or refreshes the sidecar, and the agent when the plan has one (else removes it).
pub(super) fn apply(template: &mut PodTemplateSpec, plan: &Plan, params: &InjectionParams) -> Result<(), InjectError> {
    let spec = template.spec.get_or_insert_default();
    drop_easemesh_volume(spec);
    upsert(&mut spec.containers, sidecar(plan, params));
    match &plan.agent_image {
        Some(image) => {
            upsert(spec.init_containers.get_or_insert_default(), initializer(image, params));
            upsert(spec.volumes.get_or_insert_default(), empty_dir(AGENT_VOLUME));
        }
        None => {
            remove_named(&mut spec.init_containers, INIT_CONTAINER);
            remove_named(&mut spec.volumes, AGENT_VOLUME);
        }
    }
    upsert(spec.volumes.get_or_insert_default(), empty_dir(SIDECAR_CACHE_VOLUME));
    for container in &mut spec.containers {
        if container.name == plan.app_container && plan.agent_image.is_some() {
            add_agent(container, &params.log4j_config)?;
        } else if container.name != SIDECAR_CONTAINER {
            strip_agent(container);
        }
    }
    let registry = registry_env::variables(params.registry_type, params.ports.registry);
    registry_env::apply(template, &plan.app_container, &registry);
    template
        .metadata
        .get_or_insert_default()
        .annotations
        .get_or_insert_default()
        .insert(INJECTED.to_owned(), plan.sidecar_image.clone());
    Ok(())
}

/// Removes everything [`apply`] adds; a template without any of it is left untouched.
pub(super) fn remove(template: &mut PodTemplateSpec) {
    registry_env::restore(template);
    if let Some(spec) = &mut template.spec {
        drop_easemesh_volume(spec);
        let mut containers = Some(std::mem::take(&mut spec.containers));
        remove_named(&mut containers, SIDECAR_CONTAINER);
        spec.containers = containers.unwrap_or_default();
        remove_named(&mut spec.init_containers, INIT_CONTAINER);
        remove_named(&mut spec.volumes, AGENT_VOLUME);
        remove_named(&mut spec.volumes, SIDECAR_CACHE_VOLUME);
        spec.containers.iter_mut().for_each(strip_agent);
    }
    if let Some(metadata) = &mut template.metadata
        && let Some(annotations) = &mut metadata.annotations
        && annotations.remove(INJECTED).is_some()
        && annotations.is_empty()
    {
        metadata.annotations = None;
    }
}

/// Whether `template` carries an injected sidecar.
pub(super) fn is_injected(template: &PodTemplateSpec) -> bool {
    template
        .spec
        .as_ref()
        .is_some_and(|s| s.containers.iter().any(|c| c.name == SIDECAR_CONTAINER))
}

fn sidecar(plan: &Plan, params: &InjectionParams) -> Container {
    let ports = params.ports;
    let mut env = vec![
        value("MESH_CONTROL_PLANE", &params.control_plane),
        value("MESH_SERVICE_NAME", &plan.service),
        value("MESH_APPLICATION_PORT", &plan.app_port.to_string()),
    ];
    env.extend(plan.labels.as_deref().map(|l| value("MESH_SERVICE_LABELS", l)));
    env.extend(
        plan.alive_probe
            .as_deref()
            .map(|url| value("MESH_ALIVE_PROBE_URL", url)),
    );
    env.extend([
        field("HOSTNAME", "metadata.name"),
        field("APPLICATION_IP", "status.podIP"),
        value("MESH_INGRESS_PORT", &ports.ingress.to_string()),
        value("MESH_EGRESS_PORT", &ports.egress.to_string()),
        value("MESH_REGISTRY_PORT", &ports.registry.to_string()),
        value("MESH_ADMIN_PORT", &ports.admin.to_string()),
        // The kubelet probes the admin port on the pod's IP.
        value("MESH_ADMIN_ADDRESS", "0.0.0.0"),
        EnvVar {
            name: "MESH_TOKEN".to_owned(),
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: SIDECAR_TOKEN_SECRET.to_owned(),
                    key: "token".to_owned(),
                    optional: Some(true),
                }),
                ..EnvVarSource::default()
            }),
            ..EnvVar::default()
        },
    ]);
    let port = |name: &str, number: u16| ContainerPort {
        name: Some(name.to_owned()),
        container_port: i32::from(number),
        protocol: Some("TCP".to_owned()),
        ..ContainerPort::default()
    };
    let probe = |path: &str, period: i32, failures: i32| Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.to_owned()),
            port: IntOrString::Int(i32::from(ports.admin)),
            ..HTTPGetAction::default()
        }),
        period_seconds: Some(period),
        failure_threshold: Some(failures),
        ..Probe::default()
    };
    Container {
        name: SIDECAR_CONTAINER.to_owned(),
        image: Some(plan.sidecar_image.clone()),
        image_pull_policy: params.pull_policy.clone(),
        args: Some(vec!["sidecar".to_owned()]),
        env: Some(env),
        ports: Some(vec![
            port("sidecar-ingress", ports.ingress),
            port("sidecar-egress", ports.egress),
            // Port names have at most 15 characters: `apiPort` is the registry port.
            port("sidecar-api", ports.registry),
            port("sidecar-admin", ports.admin),
        ]),
        // The cache (the last configuration) outlives restarts of this container.
        volume_mounts: Some(vec![VolumeMount {
            name: SIDECAR_CACHE_VOLUME.to_owned(),
            mount_path: SIDECAR_CACHE_DIR.to_owned(),
            ..VolumeMount::default()
        }]),
        readiness_probe: Some(probe("/ready", 5, 3)),
        liveness_probe: Some(probe("/healthz", 10, 6)),
        resources: Some(ResourceRequirements {
            requests: Some(BTreeMap::from([
                ("cpu".to_owned(), Quantity("50m".to_owned())),
                ("memory".to_owned(), Quantity("32Mi".to_owned())),
            ])),
            ..ResourceRequirements::default()
        }),
        ..Container::default()
    }
}

fn initializer(image: &str, params: &InjectionParams) -> Container {
    Container {
        name: INIT_CONTAINER.to_owned(),
        image: Some(image.to_owned()),
        image_pull_policy: params.pull_policy.clone(),
        command: Some(vec![
            "sh".to_owned(),
            "-c".to_owned(),
            format!("cp -r {AGENT_SOURCE}/. {AGENT_MOUNT}/"),
        ]),
        volume_mounts: Some(vec![agent_mount()]),
        ..Container::default()
    }
}

fn empty_dir(name: &str) -> Volume {
    Volume {
        name: name.to_owned(),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Volume::default()
    }
}

fn agent_mount() -> VolumeMount {
    VolumeMount {
        name: AGENT_VOLUME.to_owned(),
        mount_path: AGENT_MOUNT.to_owned(),
        ..VolumeMount::default()
    }
}

/// Mounts the agent into the app container and appends its options to `JAVA_TOOL_OPTIONS`
/// (EaseMesh replaced the app's own options).
fn add_agent(container: &mut Container, log4j: &str) -> Result<(), InjectError> {
    let options = format!("{AGENT_JAR_OPTION} {AGENT_LOG_OPTION}{log4j}");
    let env = container.env.get_or_insert_default();
    match env.iter_mut().find(|e| e.name == JAVA_TOOL_OPTIONS) {
        Some(var) if var.value_from.is_some() => {
            return Err(InjectError::JavaToolOptionsFromSource {
                container: container.name.clone(),
            });
        }
        Some(var) => {
            let own = without_agent(var.value.as_deref().unwrap_or_default());
            var.value = Some(if own.is_empty() {
                options
            } else {
                format!("{own} {options}")
            });
        }
        None => env.push(value(JAVA_TOOL_OPTIONS, &options)),
    }
    upsert(container.volume_mounts.get_or_insert_default(), agent_mount());
    Ok(())
}

/// Undoes [`add_agent`]: the mount goes, and `JAVA_TOOL_OPTIONS` keeps only the app's own
/// options (it goes too when nothing is left).
fn strip_agent(container: &mut Container) {
    remove_named(&mut container.volume_mounts, AGENT_VOLUME);
    let Some(var) = container
        .env
        .iter_mut()
        .flatten()
        .find(|e| e.name == JAVA_TOOL_OPTIONS && e.value_from.is_none())
    else {
        return;
    };
    let current = var.value.clone().unwrap_or_default();
    let own = without_agent(&current);
    if own.is_empty() {
        remove_named(&mut container.env, JAVA_TOOL_OPTIONS);
    } else if own != current.trim() {
        var.value = Some(own);
    }
}

/// `options` without the agent's options.
fn without_agent(options: &str) -> String {
    options
        .split(' ')
        .filter(|o| *o != AGENT_JAR_OPTION && !o.starts_with(AGENT_LOG_OPTION))
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_owned()
}

/// An EaseMesh sidecar kept its configuration in a volume of its own; it goes with the sidecar.
fn drop_easemesh_volume(spec: &mut PodSpec) {
    let easemesh = spec.containers.iter().any(|c| {
        c.name == SIDECAR_CONTAINER
            && c.volume_mounts
                .iter()
                .flatten()
                .any(|m| m.name == EASEMESH_SIDECAR_VOLUME)
    });
    if easemesh {
        remove_named(&mut spec.volumes, EASEMESH_SIDECAR_VOLUME);
        for container in spec.init_containers.iter_mut().flatten() {
            remove_named(&mut container.volume_mounts, EASEMESH_SIDECAR_VOLUME);
        }
    }
}

fn value(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value: Some(value.to_owned()),
        ..EnvVar::default()
    }
}

/// An environment variable from the downward API.
fn field(name: &str, path: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                api_version: Some("v1".to_owned()),
                field_path: path.to_owned(),
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }
}

/// List items identified by name.
trait Named {
    fn name(&self) -> &str;
}

macro_rules! named {
    ($($t:ty),*) => {
        $(impl Named for $t {
            fn name(&self) -> &str {
                &self.name
            }
        })*
    };
}
named!(Container, Volume, VolumeMount, EnvVar);

/// Puts `desired` in place of the item of the same name, or at the end. An item that already
/// holds everything `desired` says (plus defaults or the user's additions) is kept.
fn upsert<T: Named + Serialize>(list: &mut Vec<T>, desired: T) {
    match list.iter_mut().find(|item| item.name() == desired.name()) {
        Some(item) if covers(item, &desired) => {}
        Some(item) => *item = desired,
        None => list.push(desired),
    }
}

/// Removes the item named `name`; a list left empty by that becomes absent.
fn remove_named<T: Named>(list: &mut Option<Vec<T>>, name: &str) {
    if let Some(items) = list {
        let before = items.len();
        items.retain(|item| item.name() != name);
        if items.len() != before && items.is_empty() {
            *list = None;
        }
    }
}

/// Whether `existing`, as JSON, contains every field of `desired` with the same value.
fn covers<T: Serialize>(existing: &T, desired: &T) -> bool {
    fn contains(big: &Value, small: &Value) -> bool {
        match (big, small) {
            (Value::Object(big), Value::Object(small)) => {
                small.iter().all(|(k, v)| big.get(k).is_some_and(|b| contains(b, v)))
            }
            (Value::Array(big), Value::Array(small)) => {
                big.len() == small.len() && big.iter().zip(small).all(|(b, s)| contains(b, s))
            }
            _ => big == small,
        }
    }
    match (serde_json::to_value(existing), serde_json::to_value(desired)) {
        (Ok(big), Ok(small)) => contains(&big, &small),
        _ => false,
    }
}
