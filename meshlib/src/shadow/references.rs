//! The ConfigMaps, Secrets and claims a pod template references: volumes (plain and projected),
//! `envFrom` and `valueFrom` of every container and init container.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Container, PodTemplateSpec};

/// The names of the ConfigMaps and of the Secrets `template` references.
pub(super) fn collect(template: &PodTemplateSpec) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut copy = template.clone();
    let mut config_maps = BTreeSet::new();
    let mut secrets = BTreeSet::new();
    visit(&mut copy, &mut |kind, name| {
        match kind {
            Ref::ConfigMap => config_maps.insert(name.clone()),
            Ref::Secret => secrets.insert(name.clone()),
        };
    });
    (config_maps, secrets)
}

/// Renames every ConfigMap and Secret reference of `template` with `to`.
pub(super) fn rename(template: &mut PodTemplateSpec, to: &dyn Fn(&str) -> String) {
    visit(template, &mut |_, name| *name = to(name));
}

/// The first PersistentVolumeClaim a volume of `template` names.
pub(super) fn claim(template: &PodTemplateSpec) -> Option<String> {
    template
        .spec
        .as_ref()?
        .volumes
        .iter()
        .flatten()
        .find_map(|v| v.persistent_volume_claim.as_ref().map(|c| c.claim_name.clone()))
}

#[derive(Debug, Clone, Copy)]
enum Ref {
    ConfigMap,
    Secret,
}

fn visit(template: &mut PodTemplateSpec, f: &mut dyn FnMut(Ref, &mut String)) {
    let Some(spec) = &mut template.spec else {
        return;
    };
    for volume in spec.volumes.iter_mut().flatten() {
        if let Some(source) = &mut volume.config_map {
            f(Ref::ConfigMap, &mut source.name);
        }
        if let Some(name) = volume.secret.as_mut().and_then(|s| s.secret_name.as_mut()) {
            f(Ref::Secret, name);
        }
        for source in volume.projected.iter_mut().flat_map(|p| p.sources.iter_mut().flatten()) {
            if let Some(map) = &mut source.config_map {
                f(Ref::ConfigMap, &mut map.name);
            }
            if let Some(secret) = &mut source.secret {
                f(Ref::Secret, &mut secret.name);
            }
        }
    }
    let containers = spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten());
    containers.for_each(|c| container(c, f));
}

fn container(container: &mut Container, f: &mut dyn FnMut(Ref, &mut String)) {
    for source in container.env_from.iter_mut().flatten() {
        if let Some(map) = &mut source.config_map_ref {
            f(Ref::ConfigMap, &mut map.name);
        }
        if let Some(secret) = &mut source.secret_ref {
            f(Ref::Secret, &mut secret.name);
        }
    }
    for var in container.env.iter_mut().flatten() {
        let Some(from) = &mut var.value_from else {
            continue;
        };
        if let Some(key) = &mut from.config_map_key_ref {
            f(Ref::ConfigMap, &mut key.name);
        }
        if let Some(key) = &mut from.secret_key_ref {
            f(Ref::Secret, &mut key.name);
        }
    }
}
