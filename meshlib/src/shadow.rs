//! Shadow copies of meshed workloads: the pure transform from a source Deployment or StatefulSet
//! and a ShadowService to the objects a shadow is made of, and the ServiceCanary that routes
//! `X-Mesh-Shadow: <value>` to them. No I/O: the caller reads the source and what it references,
//! and creates what comes back.
//!
//! The copy of workload `order` for header value `t1`:
//! - is named `order-t1-shadow` ([`workload_name`]) and carries [`SHADOW_LABEL`] on its metadata,
//!   selector and pod template, and [`SHADOW_OF_LABEL`] (its own name) on everything made for it;
//! - loses what the sidecar injector added (the webhook injects it again, because the copy keeps
//!   the source's mesh annotations), and registers its instances with the instance label
//!   `canary-name: t1-shadow` ([`inject::SERVICE_LABELS`] is replaced);
//! - has a `-shadow` suffix on each pod-label value a Kubernetes Service selecting the source, or
//!   the source's own selector, uses: ClusterIP traffic and the source's ReplicaSets never reach
//!   a shadow pod;
//! - gets the ShadowService's environment on its app container (`envs` set, `removeEnvs`
//!   removed, middleware as `EASE_RESOURCE_*` read from a Secret of its own, never as plain
//!   values in the pod template);
//! - references a copy `<name>-order-t1-shadow` of every ConfigMap and Secret the pod template
//!   references (volumes, projected volumes, `envFrom`, `valueFrom`), with the ShadowService's
//!   keys merged over it, so one shadow's cleanup never touches another's or the source's;
//! - keeps a StatefulSet's `volumeClaimTemplates`: claims are named after the StatefulSet, so the
//!   copy gets claims of its own ([`claim_names`] lists them for cleanup).
//!
//! It refuses a workload without the sidecar, a shadow, and a pod template that mounts a
//! PersistentVolumeClaim (the copy would share the source's data).

mod error;
mod references;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use k8s_openapi::ByteString;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, EnvVar, EnvVarSource, PodTemplateSpec, Secret, SecretKeySelector, Service,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde_json::json;

pub use error::CloneError;

use crate::inject;
use crate::kind::{Kind, ResourceKind};
use crate::resource::Resource;
use crate::spec::shadow::{self as spec, Credentials, ShadowServiceSpec};

/// Label (value `"true"`) on every shadow workload, its selector and pod template.
pub const SHADOW_LABEL: &str = "mesh.megaease.com/shadow-service";
/// Label on a shadow workload and on every object made for it: the shadow workload's name.
pub const SHADOW_OF_LABEL: &str = "mesh.megaease.com/shadow-of";
/// Annotation naming the ShadowService a copy belongs to.
pub const SHADOW_SERVICE_ANNOTATION: &str = "mesh.megaease.com/shadow-service-name";
/// Annotation naming the source of a copy: `Deployment/order`.
pub const SOURCE_ANNOTATION: &str = "mesh.megaease.com/shadow-source";
/// The instance label canaries of shadows select on.
pub const CANARY_LABEL: &str = "canary-name";
/// Priority of shadow canaries: before every other canary.
pub const CANARY_PRIORITY: u32 = 1;
/// Suffix of pod-label values Services select on.
const LABEL_SUFFIX: &str = "-shadow";

/// Annotations that belong to one object and never to its copy.
const NOT_COPIED: &[&str] = &[
    "deployment.kubernetes.io/revision",
    "kubectl.kubernetes.io/last-applied-configuration",
    crate::migration::BEFORE_MIGRATE,
];

/// A workload a shadow is made of.
#[derive(Debug, Clone, PartialEq)]
pub enum Workload {
    /// A Deployment.
    Deployment(Deployment),
    /// A StatefulSet.
    StatefulSet(StatefulSet),
}

impl Workload {
    /// `Deployment` or `StatefulSet`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Deployment(_) => "Deployment",
            Self::StatefulSet(_) => "StatefulSet",
        }
    }

    /// The object's metadata.
    #[must_use]
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Self::Deployment(d) => &d.metadata,
            Self::StatefulSet(s) => &s.metadata,
        }
    }

    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        match self {
            Self::Deployment(d) => &mut d.metadata,
            Self::StatefulSet(s) => &mut s.metadata,
        }
    }

    /// The object's name.
    #[must_use]
    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or_default()
    }

    /// The pod template, when there is a spec.
    #[must_use]
    pub fn template(&self) -> Option<&PodTemplateSpec> {
        match self {
            Self::Deployment(d) => d.spec.as_ref().map(|s| &s.template),
            Self::StatefulSet(s) => s.spec.as_ref().map(|s| &s.template),
        }
    }

    fn parts_mut(&mut self) -> Option<(&mut LabelSelector, &mut PodTemplateSpec)> {
        match self {
            Self::Deployment(d) => d.spec.as_mut().map(|s| (&mut s.selector, &mut s.template)),
            Self::StatefulSet(s) => s.spec.as_mut().map(|s| (&mut s.selector, &mut s.template)),
        }
    }

    /// Whether this workload is itself a shadow.
    #[must_use]
    pub fn is_shadow(&self) -> bool {
        self.metadata()
            .labels
            .as_ref()
            .is_some_and(|l| l.get(SHADOW_LABEL).map(String::as_str) == Some("true"))
    }

    /// The mesh service its annotations name, if any.
    #[must_use]
    pub fn service_name(&self) -> Option<&str> {
        self.metadata()
            .annotations
            .as_ref()?
            .get(inject::SERVICE_NAME)
            .map(String::as_str)
    }
}

/// What the source's namespace holds that a copy depends on. The caller reads these; objects the
/// source does not reference are ignored.
#[derive(Debug, Clone, Copy, Default)]
pub struct Namespace<'a> {
    /// ConfigMaps the source references (those that exist).
    pub config_maps: &'a [ConfigMap],
    /// Secrets the source references (those that exist).
    pub secrets: &'a [Secret],
    /// Kubernetes Services of the namespace.
    pub services: &'a [Service],
}

/// Everything a shadow is made of, ready to create in the source's namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct Shadow {
    /// The copy of the workload.
    pub workload: Workload,
    /// Copies of the ConfigMaps it references.
    pub config_maps: Vec<ConfigMap>,
    /// Copies of the Secrets it references, and the Secret of its middleware settings.
    pub secrets: Vec<Secret>,
}

/// The name of the copy of `source` for `traffic_header_value`: `<source>-<value>-shadow`.
#[must_use]
pub fn workload_name(source: &str, traffic_header_value: &str) -> String {
    format!("{source}-{traffic_header_value}{LABEL_SUFFIX}")
}

/// The name of the copy of ConfigMap or Secret `name` made for shadow workload `shadow`.
#[must_use]
pub fn copy_name(name: &str, shadow: &str) -> String {
    format!("{name}-{shadow}")
}

/// The Secret holding a shadow's middleware settings.
#[must_use]
pub fn middleware_secret_name(shadow: &str) -> String {
    format!("{shadow}-middleware")
}

/// The names of the ConfigMaps and Secrets `template` references.
#[must_use]
pub fn referenced(template: &PodTemplateSpec) -> (BTreeSet<String>, BTreeSet<String>) {
    references::collect(template)
}

/// The claims a StatefulSet's `volumeClaimTemplates` give its pods: `<template>-<name>-<i>`
/// for each of `replicas` ordinals.
#[must_use]
pub fn claim_names(statefulset: &StatefulSet, replicas: i32) -> Vec<String> {
    let name = statefulset.metadata.name.as_deref().unwrap_or_default();
    let templates = statefulset
        .spec
        .iter()
        .flat_map(|s| s.volume_claim_templates.iter().flatten())
        .filter_map(|t| t.metadata.name.as_deref());
    templates
        .flat_map(|t| (0..replicas.max(0)).map(move |i| format!("{t}-{name}-{i}")))
        .collect()
}

/// Makes the shadow of `source` that ShadowService `shadow_service` (named `name`) asks for.
///
/// # Errors
/// A [`CloneError`] naming what makes the copy impossible or unsafe.
pub fn copy(
    name: &str,
    shadow_service: &ShadowServiceSpec,
    source: &Workload,
    namespace: &Namespace<'_>,
) -> Result<Shadow, CloneError> {
    let source_name = source.name().to_owned();
    let refuse = |reason| CloneError::Refused {
        kind: source.kind(),
        name: source_name.clone(),
        reason,
    };
    if source.is_shadow() {
        return Err(refuse(error::Reason::IsShadow));
    }
    let template = source.template().ok_or_else(|| refuse(error::Reason::NoSpec))?;
    if !inject::is_injected(template) {
        return Err(refuse(error::Reason::NoSidecar));
    }
    if let Some(claim) = references::claim(template) {
        return Err(refuse(error::Reason::SharedClaim(claim)));
    }
    let shadow = workload_name(&source_name, &shadow_service.traffic_header_value);
    let limit = match source {
        Workload::Deployment(_) => 63,
        // The controller labels each pod with `<name>-<10-character revision hash>`.
        Workload::StatefulSet(_) => 52,
    };
    if shadow.len() > limit {
        return Err(refuse(error::Reason::NameTooLong { name: shadow, limit }));
    }
    let canary = shadow_service.canary_name();
    let (config_maps, secrets) = referenced(template);
    check_overrides(shadow_service, &config_maps, &secrets)?;

    let mut workload = source.clone();
    let selected = selected_keys(source, namespace.services);
    metadata(workload.metadata_mut(), &shadow, name, source);
    let (selector, template) = workload.parts_mut().ok_or_else(|| refuse(error::Reason::NoSpec))?;
    inject::strip(template);
    for (key, value) in selector.match_labels.iter_mut().flatten() {
        if selected.contains(key) {
            value.push_str(LABEL_SUFFIX);
        }
    }
    // In the selector, so that a StatefulSet copy's claims carry them too (the controller
    // deletes those claims by them).
    let matched = selector.match_labels.get_or_insert_default();
    matched.insert(SHADOW_LABEL.to_owned(), "true".to_owned());
    matched.insert(SHADOW_OF_LABEL.to_owned(), shadow.clone());
    let pod = template.metadata.get_or_insert_default();
    let labels = pod.labels.get_or_insert_default();
    for (key, value) in labels.iter_mut() {
        if selected.contains(key) {
            if value.len() + LABEL_SUFFIX.len() > 63 {
                return Err(refuse(error::Reason::LabelTooLong { key: key.clone() }));
            }
            value.push_str(LABEL_SUFFIX);
        }
    }
    labels.insert(SHADOW_LABEL.to_owned(), "true".to_owned());
    labels.insert(SHADOW_OF_LABEL.to_owned(), shadow.clone());
    references::rename(template, &|n| copy_name(n, &shadow));

    let mut middleware = BTreeMap::new();
    for (variable, credentials) in [
        ("EASE_RESOURCE_DATABASE", shadow_service.mysql.as_ref()),
        ("EASE_RESOURCE_REDIS", shadow_service.redis.as_ref()),
        ("EASE_RESOURCE_RABBITMQ", shadow_service.rabbit_mq.as_ref()),
        ("EASE_RESOURCE_ELASTICSEARCH", shadow_service.elastic_search.as_ref()),
    ] {
        if let Some(Credentials {
            uris,
            user_name,
            password,
        }) = credentials
        {
            let value = json!({"uris": uris, "userName": user_name, "password": password});
            middleware.insert(variable.to_owned(), value.to_string());
        }
    }
    if let Some(kafka) = &shadow_service.kafka {
        middleware.insert(
            "EASE_RESOURCE_KAFKA".to_owned(),
            json!({"uris": kafka.uris}).to_string(),
        );
    }
    let app = app_container(source, template).ok_or_else(|| refuse(error::Reason::NoAppContainer))?;
    let container = template
        .spec
        .get_or_insert_default()
        .containers
        .iter_mut()
        .find(|c| c.name == app)
        .ok_or_else(|| refuse(error::Reason::NoAppContainer))?;
    let env = container.env.get_or_insert_default();
    env.retain(|e| !shadow_service.remove_envs.contains(&e.name));
    for (variable, value) in &shadow_service.envs {
        set_env(
            env,
            EnvVar {
                name: variable.clone(),
                value: Some(value.clone()),
                ..EnvVar::default()
            },
        );
    }
    let middleware_secret = middleware_secret_name(&shadow);
    for variable in middleware.keys() {
        set_env(
            env,
            EnvVar {
                name: variable.clone(),
                value_from: Some(EnvVarSource {
                    secret_key_ref: Some(SecretKeySelector {
                        name: middleware_secret.clone(),
                        key: variable.clone(),
                        optional: None,
                    }),
                    ..EnvVarSource::default()
                }),
                ..EnvVar::default()
            },
        );
    }
    if env.is_empty() {
        container.env = None;
    }

    let owned = |original: &str| owned_metadata(&copy_name(original, &shadow), &shadow, name, namespace_of(source));
    let config_maps = config_maps
        .iter()
        .filter_map(|original| {
            let found = namespace
                .config_maps
                .iter()
                .find(|c| c.metadata.name.as_deref() == Some(original));
            let given = shadow_service.config_maps.iter().find(|c| c.metadata.name == *original);
            if found.is_none() && given.is_none() {
                return None;
            }
            let mut copy = ConfigMap {
                metadata: owned(original),
                data: found.and_then(|c| c.data.clone()),
                binary_data: found.and_then(|c| c.binary_data.clone()),
                immutable: found.and_then(|c| c.immutable),
            };
            if let Some(given) = given {
                extend(&mut copy.metadata, &given.metadata.labels, &given.metadata.annotations);
                copy.data.get_or_insert_default().extend(given.data.clone());
                copy.binary_data
                    .get_or_insert_default()
                    .extend(given.binary_data.iter().map(|(k, v)| (k.clone(), decoded(v))));
                copy.data = copy.data.filter(|d| !d.is_empty());
                copy.binary_data = copy.binary_data.filter(|d| !d.is_empty());
            }
            Some(copy)
        })
        .collect();
    let mut secret_copies = Vec::new();
    for original in &secrets {
        let found = namespace
            .secrets
            .iter()
            .find(|s| s.metadata.name.as_deref() == Some(original));
        let given = shadow_service.secrets.iter().find(|s| s.metadata.name == *original);
        if found.is_none() && given.is_none() {
            continue;
        }
        let mut copy = Secret {
            metadata: owned(original),
            data: found.and_then(|s| s.data.clone()),
            type_: found.and_then(|s| s.type_.clone()),
            immutable: found.and_then(|s| s.immutable),
            string_data: None,
        };
        if let Some(given) = given {
            if let (Some(wanted), Some(found)) = (&given.secret_type, &copy.type_)
                && wanted != found
            {
                return Err(CloneError::SecretType {
                    name: original.clone(),
                    found: found.clone(),
                    given: wanted.clone(),
                });
            }
            copy.type_ = copy.type_.or_else(|| given.secret_type.clone());
            extend(&mut copy.metadata, &given.metadata.labels, &given.metadata.annotations);
            let data = copy.data.get_or_insert_default();
            data.extend(given.data.iter().map(|(k, v)| (k.clone(), decoded(v))));
            data.extend(
                given
                    .string_data
                    .iter()
                    .map(|(k, v)| (k.clone(), ByteString(v.clone().into_bytes()))),
            );
        }
        secret_copies.push(copy);
    }
    if !middleware.is_empty() {
        secret_copies.push(Secret {
            metadata: owned_metadata(&middleware_secret, &shadow, name, namespace_of(source)),
            data: Some(
                middleware
                    .into_iter()
                    .map(|(k, v)| (k, ByteString(v.into_bytes())))
                    .collect(),
            ),
            type_: Some("Opaque".to_owned()),
            ..Secret::default()
        });
    }
    let annotations = workload.metadata_mut().annotations.get_or_insert_default();
    annotations.insert(inject::SERVICE_LABELS.to_owned(), format!("{CANARY_LABEL}={canary}"));
    Ok(Shadow {
        workload,
        config_maps,
        secrets: secret_copies,
    })
}

/// The ServiceCanary of every shadow with `traffic_header_value`: `X-Mesh-Shadow: <value>` goes
/// to instances labelled `canary-name: <value>-shadow` of exactly `services`, before any other
/// canary.
#[must_use]
pub fn canary(traffic_header_value: &str, services: &BTreeSet<String>) -> Resource {
    let name = spec::canary_name(traffic_header_value);
    Resource::new(
        &ResourceKind::Builtin(Kind::ServiceCanary),
        &name,
        json!({
            "priority": CANARY_PRIORITY,
            "selector": {
                "matchServices": services,
                "matchInstanceLabels": {CANARY_LABEL: name},
            },
            "trafficRules": {"headers": {spec::HEADER: {"exact": traffic_header_value}}},
        }),
    )
}

/// Every override must name a ConfigMap or Secret the source references: anything else would
/// be created for nothing (EaseMesh left such copies dangling).
fn check_overrides(
    shadow_service: &ShadowServiceSpec,
    config_maps: &BTreeSet<String>,
    secrets: &BTreeSet<String>,
) -> Result<(), CloneError> {
    for (i, given) in shadow_service.config_maps.iter().enumerate() {
        if !config_maps.contains(&given.metadata.name) {
            return Err(CloneError::NotReferenced {
                field: format!("spec.configMaps[{i}].metadata.name"),
                kind: "ConfigMap",
                name: given.metadata.name.clone(),
            });
        }
    }
    for (i, given) in shadow_service.secrets.iter().enumerate() {
        if !secrets.contains(&given.metadata.name) {
            return Err(CloneError::NotReferenced {
                field: format!("spec.secrets[{i}].metadata.name"),
                kind: "Secret",
                name: given.metadata.name.clone(),
            });
        }
    }
    Ok(())
}

/// The pod-label keys whose values must change so nothing that selects the source selects the
/// copy: those of each Kubernetes Service whose selector the source's pods match, and those of
/// the source's own selector.
fn selected_keys(source: &Workload, services: &[Service]) -> BTreeSet<String> {
    let empty = BTreeMap::new();
    let labels = source
        .template()
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.labels.as_ref())
        .unwrap_or(&empty);
    let mut keys: BTreeSet<String> = match source {
        Workload::Deployment(d) => d.spec.as_ref().map(|s| &s.selector),
        Workload::StatefulSet(s) => s.spec.as_ref().map(|s| &s.selector),
    }
    .and_then(|s| s.match_labels.as_ref())
    .into_iter()
    .flatten()
    .map(|(k, _)| k.clone())
    .collect();
    for service in services {
        let Some(selector) = service.spec.as_ref().and_then(|s| s.selector.as_ref()) else {
            continue;
        };
        if !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
            keys.extend(selector.keys().cloned());
        }
    }
    keys.retain(|k| labels.contains_key(k));
    keys
}

fn namespace_of(source: &Workload) -> Option<String> {
    source.metadata().namespace.clone()
}

/// The copy's metadata: the source's labels and annotations (without per-object ones), the
/// shadow's labels and annotations, and nothing the API server set.
fn metadata(meta: &mut ObjectMeta, shadow: &str, shadow_service: &str, source: &Workload) {
    let source_ref = format!("{}/{}", source.kind(), source.name());
    *meta = ObjectMeta {
        name: Some(shadow.to_owned()),
        namespace: meta.namespace.take(),
        labels: meta.labels.take(),
        annotations: meta.annotations.take(),
        ..ObjectMeta::default()
    };
    let labels = meta.labels.get_or_insert_default();
    labels.insert(SHADOW_LABEL.to_owned(), "true".to_owned());
    labels.insert(SHADOW_OF_LABEL.to_owned(), shadow.to_owned());
    let annotations = meta.annotations.get_or_insert_default();
    annotations.retain(|k, _| !NOT_COPIED.contains(&k.as_str()));
    annotations.insert(SHADOW_SERVICE_ANNOTATION.to_owned(), shadow_service.to_owned());
    annotations.insert(SOURCE_ANNOTATION.to_owned(), source_ref);
}

/// Metadata of a ConfigMap or Secret made for shadow workload `shadow`.
fn owned_metadata(name: &str, shadow: &str, shadow_service: &str, namespace: Option<String>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace,
        labels: Some(BTreeMap::from([
            (SHADOW_LABEL.to_owned(), "true".to_owned()),
            (SHADOW_OF_LABEL.to_owned(), shadow.to_owned()),
        ])),
        annotations: Some(BTreeMap::from([(
            SHADOW_SERVICE_ANNOTATION.to_owned(),
            shadow_service.to_owned(),
        )])),
        ..ObjectMeta::default()
    }
}

fn extend(meta: &mut ObjectMeta, labels: &BTreeMap<String, String>, annotations: &BTreeMap<String, String>) {
    // The shadow's own labels win: they are how the controller finds what to delete.
    let own = meta.labels.get_or_insert_default();
    for (k, v) in labels {
        own.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let own = meta.annotations.get_or_insert_default();
    for (k, v) in annotations {
        own.entry(k.clone()).or_insert_with(|| v.clone());
    }
}

/// Base64 text validated by the ShadowService's rules.
fn decoded(text: &str) -> ByteString {
    ByteString(
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap_or_else(|_| text.as_bytes().to_vec()),
    )
}

/// The app container: the one the workload's annotation names, else the first one.
fn app_container(source: &Workload, stripped: &PodTemplateSpec) -> Option<String> {
    let named = source
        .metadata()
        .annotations
        .as_ref()
        .and_then(|a| a.get(inject::APP_CONTAINER_NAME))
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    named.or_else(|| stripped.spec.as_ref()?.containers.first().map(|c| c.name.clone()))
}

/// Puts `var` in place of the variable of the same name, or at the end.
fn set_env(env: &mut Vec<EnvVar>, var: EnvVar) {
    match env.iter_mut().find(|e| e.name == var.name) {
        Some(existing) => *existing = var,
        None => env.push(var),
    }
}
