//! Object operations over every kind, with the cross-object rules of the mesh: a Service's
//! tenant must exist, a tenant or custom kind in use cannot be deleted, parts of a Service
//! (LoadBalance, Resilience, ...) are edited inside it, custom resources follow their kind's
//! schema, and every write carries an optimistic-concurrency precondition.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use meshlib::kind::{Kind, ResourceKind};
use meshlib::part::{self, path_of as part_kind, view as part_resource};
use meshlib::redact;
use meshlib::resource::Resource;
use meshlib::selector::Selector;
use meshlib::validate::FieldError;
use serde_json::Value;
use tokio::sync::Mutex;

use super::error::ApiError;
use super::instances::Instances;
use super::stored::{decode, encode, key, prefix};
use crate::store::{self, Op, Precondition, Store};

/// A resource version as the store's revision.
fn revision(resource: &Resource) -> Result<Option<u64>, ApiError> {
    resource
        .metadata
        .resource_version
        .as_deref()
        .map(|v| {
            v.parse::<u64>().map_err(|_| {
                ApiError::invalid(
                    &resource.reference(),
                    vec![FieldError {
                        field: "metadata.resourceVersion".into(),
                        message: format!("{v:?} is not a resource version of this control plane"),
                    }],
                )
            })
        })
        .transpose()
}

fn not_found(kind: &ResourceKind, name: &str) -> ApiError {
    ApiError::NotFound(format!("{kind} {name:?} not found"))
}

/// What the collection URL of a kind users may not write takes.
pub(super) const COLLECTION_ALLOWS: &str = "GET";
/// What the object URL of a kind users may not write takes.
pub(super) const OBJECT_ALLOWS: &str = "GET,DELETE";

/// Object operations; one per control plane.
pub struct Objects {
    store: Arc<dyn Store>,
    instances: Arc<Instances>,
    /// Serialises read-check-write sequences that span objects (tenant membership, singletons).
    writes: Mutex<()>,
}

impl Objects {
    /// Operations over `store`.
    pub fn new(store: Arc<dyn Store>, instances: Arc<Instances>) -> Self {
        Self {
            store,
            instances,
            writes: Mutex::new(()),
        }
    }

    /// The registry's instances.
    pub fn instances(&self) -> &Arc<Instances> {
        &self.instances
    }

    /// The underlying store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    async fn raw(&self, kind: &ResourceKind, name: &str) -> Result<Option<Resource>, ApiError> {
        self.store.get(&key(kind, name)).await?.as_ref().map(decode).transpose()
    }

    async fn raw_list(&self, kind: &ResourceKind) -> Result<(Vec<Resource>, u64), ApiError> {
        let (entries, revision) = self.store.list(&prefix(kind)).await?;
        let items = entries.iter().map(decode).collect::<Result<_, _>>()?;
        Ok((items, revision))
    }

    /// Every object of `kind` as stored: write-only values included. For the control plane's own
    /// controllers; never serve it.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub async fn list_stored(&self, kind: &ResourceKind) -> Result<Vec<Resource>, ApiError> {
        Ok(self.raw_list(kind).await?.0)
    }

    /// The definition of a custom kind, matched exactly or else ignoring case; 404 if none.
    async fn custom_definition(&self, kind: &str) -> Result<Resource, ApiError> {
        let definitions = ResourceKind::Builtin(Kind::CustomResourceKind);
        if let Some(definition) = self.raw(&definitions, kind).await? {
            return Ok(definition);
        }
        let (all, _) = self.raw_list(&definitions).await?;
        all.into_iter()
            .find(|d| d.metadata.name.eq_ignore_ascii_case(kind))
            .ok_or_else(|| {
                ApiError::UnknownKind(format!(
                    "kind {kind:?} not found; define it with a CustomResourceKind first"
                ))
            })
    }

    /// The JSON Schema of a custom kind, or 404.
    async fn custom_schema(&self, kind: &str) -> Result<Value, ApiError> {
        let definition = self.custom_definition(kind).await?;
        Ok(definition.spec.get("jsonSchema").cloned().unwrap_or(Value::Bool(true)))
    }

    /// The kind with a custom kind's name spelled as its definition spells it.
    async fn canonical(&self, kind: &ResourceKind) -> Result<ResourceKind, ApiError> {
        match kind {
            ResourceKind::Custom(name) => Ok(ResourceKind::Custom(self.custom_definition(name).await?.metadata.name)),
            builtin => Ok(builtin.clone()),
        }
    }

    /// Objects as clients see them: write-only fields redacted, derived fields added (a
    /// tenant's services; an instance's tenant and canary labels).
    pub async fn decorate(&self, mut items: Vec<Resource>) -> Result<Vec<Resource>, ApiError> {
        items.iter_mut().for_each(redact::redact);
        if items.iter().any(|r| r.kind == Kind::ServiceInstance) {
            let context = self.instance_context().await?;
            for item in &mut items {
                super::overlay::instance(item, &context);
            }
        }
        if items.iter().any(|r| r.kind == Kind::Tenant) {
            let members = self.tenant_members().await?;
            for item in &mut items {
                if let Some(services) = members.get(&item.metadata.name) {
                    item.spec["services"] = serde_json::json!(services);
                }
            }
        }
        Ok(items)
    }

    /// What deriving instances' tenant and canary labels needs.
    pub async fn instance_context(&self) -> Result<super::overlay::InstanceContext, ApiError> {
        let (services, _) = self.raw_list(&ResourceKind::Builtin(Kind::Service)).await?;
        let tenants = services
            .into_iter()
            .filter_map(|s| Some((s.metadata.name, s.spec.get("registerTenant")?.as_str()?.to_owned())))
            .collect();
        let (canaries, _) = self.raw_list(&ResourceKind::Builtin(Kind::ServiceCanary)).await?;
        Ok(super::overlay::InstanceContext { tenants, canaries })
    }

    async fn tenant_members(&self) -> Result<BTreeMap<String, Vec<String>>, ApiError> {
        let (services, _) = self.raw_list(&ResourceKind::Builtin(Kind::Service)).await?;
        let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for service in services {
            if let Some(tenant) = service.spec.get("registerTenant").and_then(Value::as_str) {
                members
                    .entry(tenant.to_owned())
                    .or_default()
                    .push(service.metadata.name);
            }
        }
        Ok(members)
    }

    /// One object.
    pub async fn get(&self, kind: &ResourceKind, name: &str) -> Result<Resource, ApiError> {
        if is_registry(kind) {
            let instance = self.instances.get(name).ok_or_else(|| not_found(kind, name))?;
            return Ok(self.decorate(vec![instance]).await?.remove(0));
        }
        if let Some((part, path)) = part_kind(kind) {
            let service = self.service(name).await?;
            return part_resource(part, &service, path).ok_or_else(|| not_found(kind, name));
        }
        let kind = &self.canonical(kind).await?;
        let resource = self.raw(kind, name).await?.ok_or_else(|| not_found(kind, name))?;
        Ok(self.decorate(vec![resource]).await?.remove(0))
    }

    async fn service(&self, name: &str) -> Result<Resource, ApiError> {
        self.raw(&ResourceKind::Builtin(Kind::Service), name)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("Service {name:?} not found")))
    }

    /// Every object of a kind matching `selector`, sorted by name, and the revision read at.
    pub async fn list(
        &self,
        kind: &ResourceKind,
        selector: Option<&Selector>,
    ) -> Result<(Vec<Resource>, u64), ApiError> {
        let kind = &self.canonical(kind).await?;
        let (items, revision) = match part_kind(kind) {
            Some((part, path)) => {
                let (services, revision) = self.raw_list(&ResourceKind::Builtin(Kind::Service)).await?;
                let parts = services.iter().filter_map(|s| part_resource(part, s, path)).collect();
                (parts, revision)
            }
            None if is_registry(kind) => {
                let revision = self.store.revision().await?;
                (self.instances.list(), revision)
            }
            None => self.raw_list(kind).await?,
        };
        let items = items
            .into_iter()
            .filter(|r| selector.is_none_or(|s| s.matches(&r.metadata.labels)))
            .collect();
        Ok((self.decorate(items).await?, revision))
    }

    /// Refuses writing a kind users may not write (405); `allow` is what the URL takes instead.
    pub(super) fn check_writable(kind: &ResourceKind, allow: &'static str) -> Result<(), ApiError> {
        match kind.builtin() {
            Some(k) if !k.info().writable => Err(ApiError::MethodNotAllowed {
                message: format!(
                    "{k} objects are registered by sidecars and cannot be written; take an instance offline with DELETE"
                ),
                allow,
            }),
            _ => Ok(()),
        }
    }

    /// Cross-object checks of a write; returns the extra store preconditions it relies on.
    async fn references(&self, resource: &Resource) -> Result<Vec<Op>, ApiError> {
        match &resource.kind {
            ResourceKind::Builtin(Kind::Service) => {
                let tenant = resource
                    .spec
                    .get("registerTenant")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let tenant_key = key(&ResourceKind::Builtin(Kind::Tenant), tenant);
                if self.store.get(&tenant_key).await?.is_none() {
                    return Err(ApiError::invalid(
                        &resource.reference(),
                        vec![FieldError {
                            field: "spec.registerTenant".into(),
                            message: format!("tenant {tenant:?} not found; create the Tenant first"),
                        }],
                    ));
                }
                Ok(vec![Op::Check {
                    key: tenant_key,
                    when: Precondition::Exists,
                }])
            }
            ResourceKind::Custom(kind) => {
                let schema = self.custom_schema(kind).await?;
                meshlib::spec::custom::validate_resource(&schema, kind, &resource.metadata.name, &resource.spec)
                    .map_err(|problems| ApiError::invalid(&resource.reference(), problems))?;
                Ok(vec![Op::Check {
                    key: key(&ResourceKind::Builtin(Kind::CustomResourceKind), kind),
                    when: Precondition::Exists,
                }])
            }
            _ => Ok(Vec::new()),
        }
    }

    /// What is stored for a user's object: derived fields removed.
    fn stored_form(mut resource: Resource) -> Resource {
        if resource.kind == Kind::Tenant
            && let Some(spec) = resource.spec.as_object_mut()
        {
            spec.remove("services");
        }
        resource
    }

    /// Creates an object (the caller has validated it with `meshlib::decode::normalize`).
    pub async fn create(&self, mut resource: Resource) -> Result<Resource, ApiError> {
        let kind = self.canonical(&resource.kind).await?;
        resource.kind = kind.clone();
        Self::check_writable(&kind, COLLECTION_ALLOWS)?;
        redact::restore(&mut resource, None).map_err(|problems| ApiError::invalid(&resource.reference(), problems))?;
        let _guard = self.writes.lock().await;
        if let Some((_, path)) = part_kind(&kind) {
            let service = self.service(&resource.metadata.name).await?;
            if part::get(&service.spec, path).is_some() {
                return Err(ApiError::AlreadyExists(format!(
                    "{} already exists",
                    resource.reference()
                )));
            }
            return self.write_part(&kind, service, Some(resource.spec), None).await;
        }
        if kind == ResourceKind::Builtin(Kind::MeshController) {
            let (existing, _) = self.raw_list(&kind).await?;
            if let Some(other) = existing.iter().find(|c| c.metadata.name != resource.metadata.name) {
                return Err(ApiError::bad_request(format!(
                    "the mesh already has MeshController {:?}; there is one per mesh, update that one",
                    other.metadata.name
                )));
            }
        }
        let mut ops = self.references(&resource).await?;
        let mut resource = Self::stored_form(resource);
        resource.metadata.resource_version = None;
        resource.metadata.creation_timestamp = Some(now());
        let object_key = key(&kind, &resource.metadata.name);
        ops.push(Op::Put {
            key: object_key.clone(),
            value: encode(&resource),
            when: Precondition::Absent,
        });
        let revision = self.commit(ops, &object_key, &resource.reference()).await?;
        resource.metadata.resource_version = Some(revision.to_string());
        Ok(self.decorate(vec![resource]).await?.remove(0))
    }

    /// Replaces an object; `metadata.resourceVersion`, when given, must be the current one.
    /// Returns the object and whether anything changed.
    pub async fn update(&self, mut resource: Resource) -> Result<(Resource, bool), ApiError> {
        let kind = self.canonical(&resource.kind).await?;
        resource.kind = kind.clone();
        Self::check_writable(&kind, OBJECT_ALLOWS)?;
        let expected = revision(&resource)?;
        let _guard = self.writes.lock().await;
        if let Some((part, path)) = part_kind(&kind) {
            let service = self.service(&resource.metadata.name).await?;
            let live = part_resource(part, &service, path).ok_or_else(|| not_found(&kind, &resource.metadata.name))?;
            check_version(expected, &live)?;
            if live.spec == resource.spec {
                return Ok((live, false));
            }
            let updated = self.write_part(&kind, service, Some(resource.spec), expected).await?;
            return Ok((updated, true));
        }
        let name = resource.metadata.name.clone();
        let live = self.raw(&kind, &name).await?.ok_or_else(|| not_found(&kind, &name))?;
        check_version(expected, &live)?;
        redact::restore(&mut resource, Some(&live))
            .map_err(|problems| ApiError::invalid(&resource.reference(), problems))?;
        let mut resource = Self::stored_form(resource);
        if Self::stored_form(live.clone()).same_content(&resource) {
            return Ok((self.decorate(vec![live]).await?.remove(0), false));
        }
        let mut ops = self.references(&resource).await?;
        let live_revision = revision(&live)?.expect("stored objects carry a revision");
        resource.metadata.resource_version = None;
        resource
            .metadata
            .creation_timestamp
            .clone_from(&live.metadata.creation_timestamp);
        let object_key = key(&kind, &name);
        ops.push(Op::Put {
            key: object_key.clone(),
            value: encode(&resource),
            when: Precondition::Revision(live_revision),
        });
        let revision = self.commit(ops, &object_key, &resource.reference()).await?;
        resource.metadata.resource_version = Some(revision.to_string());
        Ok((self.decorate(vec![resource]).await?.remove(0), true))
    }

    /// Deletes an object and returns its last state.
    pub async fn delete(&self, kind: &ResourceKind, name: &str, expected: Option<u64>) -> Result<Resource, ApiError> {
        if is_registry(kind) {
            // As in EaseMesh, deleting an instance takes it offline; its sidecar removes it.
            let (service, id) = name.split_once('/').ok_or_else(|| not_found(kind, name))?;
            let instance = self.instances.set_offline(service, id, true).await?;
            return Ok(self.decorate(vec![instance]).await?.remove(0));
        }
        Self::check_writable(kind, OBJECT_ALLOWS)?;
        let kind = &self.canonical(kind).await?;
        let _guard = self.writes.lock().await;
        if let Some((part, path)) = part_kind(kind) {
            let service = self.service(name).await?;
            let live = part_resource(part, &service, path).ok_or_else(|| not_found(kind, name))?;
            check_version(expected, &live)?;
            self.write_part(kind, service, None, expected).await?;
            return Ok(live);
        }
        let live = self.raw(kind, name).await?.ok_or_else(|| not_found(kind, name))?;
        check_version(expected, &live)?;
        match kind {
            ResourceKind::Builtin(Kind::Tenant) => {
                if let Some(services) = self.tenant_members().await?.get(name) {
                    return Err(ApiError::InUse(format!(
                        "tenant {name:?} still has services: {}; delete them or move them to another tenant first",
                        services.join(", ")
                    )));
                }
            }
            ResourceKind::Builtin(Kind::CustomResourceKind) => {
                let (resources, _) = self.raw_list(&ResourceKind::Custom(name.to_owned())).await?;
                if !resources.is_empty() {
                    let count = resources.len();
                    return Err(ApiError::InUse(format!(
                        "kind {name:?} still has {count} resource{}; delete them first",
                        if count == 1 { "" } else { "s" }
                    )));
                }
            }
            _ => {}
        }
        let live_revision = revision(&live)?.expect("stored objects carry a revision");
        let object_key = key(kind, name);
        let reference = live.reference();
        if *kind == ResourceKind::Builtin(Kind::Service) {
            let removed = self.instances.forget_service(name).await?;
            if removed > 0 {
                tracing::info!(service = name, removed, "instances of a deleted service removed");
            }
        }
        self.commit(
            vec![Op::Delete {
                key: object_key.clone(),
                when: Precondition::Revision(live_revision),
            }],
            &object_key,
            &reference,
        )
        .await?;
        let mut live = live;
        redact::redact(&mut live);
        Ok(live)
    }

    async fn write_part(
        &self,
        kind: &ResourceKind,
        mut service: Resource,
        part: Option<Value>,
        expected: Option<u64>,
    ) -> Result<Resource, ApiError> {
        let (part_kind, path) = part_kind(kind).expect("called for part kinds");
        let service_revision = revision(&service)?.expect("stored objects carry a revision");
        if let Some(expected) = expected
            && expected != service_revision
        {
            return Err(stale(&service.reference()));
        }
        part::set(&mut service.spec, path, part);
        let service_key = key(&ResourceKind::Builtin(Kind::Service), &service.metadata.name);
        let reference = format!("{kind}/{}", service.metadata.name);
        let revision = self
            .commit(
                vec![Op::Put {
                    key: service_key.clone(),
                    value: encode(&service),
                    when: Precondition::Revision(service_revision),
                }],
                &service_key,
                &reference,
            )
            .await?;
        service.metadata.resource_version = Some(revision.to_string());
        Ok(part_resource(part_kind, &service, path).unwrap_or_else(|| {
            let mut gone = Resource::new(kind, &service.metadata.name, Value::Null);
            gone.metadata.resource_version = Some(revision.to_string());
            gone
        }))
    }

    async fn commit(&self, ops: Vec<Op>, object_key: &str, reference: &str) -> Result<u64, ApiError> {
        let creating = ops
            .iter()
            .any(|op| matches!(op, Op::Put { key, when: Precondition::Absent, .. } if key == object_key));
        match self.store.commit(ops).await {
            Ok(revision) => Ok(revision),
            Err(store::Error::Precondition { key, current }) if key == object_key => Err(match current {
                Some(_) if creating => ApiError::AlreadyExists(format!("{reference} already exists")),
                Some(_) => stale(reference),
                None => ApiError::NotFound(format!("{reference} was deleted meanwhile")),
            }),
            Err(store::Error::Precondition { key, .. }) => Err(ApiError::Conflict(format!(
                "{reference} refers to {key}, which was deleted meanwhile"
            ))),
            Err(err) => Err(err.into()),
        }
    }
}

fn check_version(expected: Option<u64>, live: &Resource) -> Result<(), ApiError> {
    match expected {
        Some(expected) if Some(expected.to_string()) != live.metadata.resource_version => Err(stale(&live.reference())),
        _ => Ok(()),
    }
}

fn stale(reference: &str) -> ApiError {
    ApiError::Conflict(format!(
        "{reference} was changed by someone else since it was read (stale resourceVersion); read it again and retry"
    ))
}

fn is_registry(kind: &ResourceKind) -> bool {
    kind.builtin()
        .is_some_and(|k| k.info().scope == meshlib::kind::Scope::Registry)
}

fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}
