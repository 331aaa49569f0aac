//! The registry's instances: records are durable in the store (registration, status, health and
//! operator changes), heartbeats only touch memory, so thousands of beats per second cost no disk
//! writes. After a restart every instance gets a fresh grace period.
//!
//! Status rules: an operator's offline sticks until the operator puts the instance online;
//! otherwise no beat for 2 × heartbeatInterval → OUT_OF_SERVICE, a failing local health check →
//! DOWN, else UP. A record without a beat for the lease (20 min by default) is removed.
//!
//! The interval an instance is held to is the one its last heartbeat reply told it, not the
//! MeshController's of the moment: a sidecar beats at the interval it was told until its next
//! reply, so lowering `heartbeatInterval` must not expire instances that are beating as told.
//! Until an instance is told (just registered, or loaded after a restart) it is held to the
//! longer of the MeshController's interval and the one sidecars start with.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use meshlib::kind::{Kind, ResourceKind};
use meshlib::registry::{Heartbeat, HeartbeatReply, Registration};
use meshlib::resource::Resource;
use meshlib::spec::instance::{Health, InstanceStatus, ServiceInstanceSpec};
use meshlib::validate::{FieldError, check_name};
use tokio::sync::Mutex;

use super::error::ApiError;
use crate::store::{Op, Precondition, Store};

mod clock;
pub use clock::{Clock, Leader, SoleReplica, SystemClock};

/// Default heartbeat interval when no MeshController says otherwise.
pub const DEFAULT_INTERVAL: Duration = meshlib::registry::FIRST_HEARTBEAT_INTERVAL;

fn millis(time: SystemTime) -> u64 {
    u64::try_from(time.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis()).unwrap_or(u64::MAX)
}

fn from_millis(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

/// Store key of an instance.
pub fn key(service: &str, id: &str) -> String {
    format!("{}/{service}/{id}", Kind::ServiceInstance.name())
}

struct Record {
    spec: ServiceInstanceSpec,
    created: String,
    last_beat_ms: AtomicU64,
    /// The interval (ms) the last heartbeat reply told the instance; 0 until it is told.
    told_ms: AtomicU64,
    /// The record as users see it, but for the last heartbeat (built once per change, since
    /// listings of thousands of instances are frequent and changes are rare).
    view: Resource,
}

impl Record {
    fn new(spec: ServiceInstanceSpec, created: String, revision: u64, last_beat_ms: u64, told_ms: u64) -> Self {
        let name = format!("{}/{}", spec.service_name, spec.instance_id);
        let mut view = Resource::new(
            &ResourceKind::Builtin(Kind::ServiceInstance),
            &name,
            serde_json::to_value(&spec).expect("instance specs serialise"),
        );
        view.metadata.creation_timestamp = Some(created.clone());
        view.metadata.resource_version = Some(revision.to_string());
        Self {
            spec,
            created,
            last_beat_ms: AtomicU64::new(last_beat_ms),
            told_ms: AtomicU64::new(told_ms),
            view,
        }
    }

    /// The interval the instance is held to now that the MeshController says `current`.
    fn held_to(&self, current: Duration) -> Duration {
        match self.told_ms.load(Ordering::Relaxed) {
            0 => current.max(meshlib::registry::FIRST_HEARTBEAT_INTERVAL),
            told => Duration::from_millis(told),
        }
    }

    /// Remembers the interval a reply tells the instance.
    fn tell(&self, interval: Duration) {
        let ms = u64::try_from(interval.as_millis()).unwrap_or(u64::MAX).max(1);
        self.told_ms.store(ms, Ordering::Relaxed);
    }

    fn resource(&self) -> Resource {
        let mut resource = self.view.clone();
        if let Some(spec) = resource.spec.as_object_mut() {
            let beat = rfc3339(from_millis(self.last_beat_ms.load(Ordering::Relaxed)));
            spec.insert("lastHeartbeatTime".into(), serde_json::Value::String(beat));
        }
        resource
    }

    /// The last beat and the interval told then, carried over when the record is replaced.
    fn beats(&self) -> (u64, u64) {
        (
            self.last_beat_ms.load(Ordering::Relaxed),
            self.told_ms.load(Ordering::Relaxed),
        )
    }

    fn stored(spec: &ServiceInstanceSpec, created: &str) -> Vec<u8> {
        let mut resource = Resource::new(
            &ResourceKind::Builtin(Kind::ServiceInstance),
            &format!("{}/{}", spec.service_name, spec.instance_id),
            serde_json::to_value(spec).expect("instance specs serialise"),
        );
        resource.metadata.creation_timestamp = Some(created.to_owned());
        serde_json::to_vec(&resource).expect("resources serialise")
    }
}

/// The status an instance should have now, held to heartbeats every `interval`.
pub fn desired_status(
    spec: &ServiceInstanceSpec,
    last_beat: SystemTime,
    now: SystemTime,
    interval: Duration,
) -> InstanceStatus {
    let silent = now.duration_since(last_beat).unwrap_or_default();
    if spec.offline || silent > interval * 2 {
        InstanceStatus::OutOfService
    } else if spec.health == Health::Down {
        InstanceStatus::Down
    } else {
        InstanceStatus::Up
    }
}

/// An instance's stored spec plus the fields derived on read.
struct SpecOut<'a> {
    base: &'a serde_json::Value,
    beat: &'a str,
    tenant: Option<&'a str>,
    canary: &'a str,
}

impl serde::Serialize for SpecOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        if let Some(base) = self.base.as_object() {
            for (k, v) in base {
                map.serialize_entry(k, v)?;
            }
        }
        map.serialize_entry("lastHeartbeatTime", self.beat)?;
        if let Some(tenant) = self.tenant {
            map.serialize_entry("tenant", tenant)?;
        }
        if !self.canary.is_empty() {
            map.serialize_entry("canary", self.canary)?;
        }
        map.end()
    }
}

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Instances whose status changed.
    pub changed: usize,
    /// Instances removed after the lease.
    pub removed: usize,
}

/// All instances, in memory and in the store.
pub struct Instances {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    lease: Duration,
    /// By store key, so listings come out sorted.
    table: RwLock<BTreeMap<String, Arc<Record>>>,
    /// Serialises durable changes of instances.
    writes: Mutex<()>,
    /// The MeshController's interval, and when (by `clock`) it was read.
    interval: RwLock<(Option<SystemTime>, Duration)>,
}

impl Instances {
    /// Loads every stored instance; each starts a fresh grace period.
    pub async fn load(store: Arc<dyn Store>, clock: Arc<dyn Clock>, lease: Duration) -> Result<Self, ApiError> {
        let (entries, _) = store.list(&format!("{}/", Kind::ServiceInstance.name())).await?;
        let now = millis(clock.now());
        let mut table = BTreeMap::new();
        for entry in entries {
            let resource = super::stored::decode(&entry)?;
            let spec: ServiceInstanceSpec = serde_json::from_value(resource.spec).map_err(|err| {
                tracing::error!(key = %entry.key, error = %err, "undecodable instance");
                ApiError::Internal
            })?;
            let created = resource.metadata.creation_timestamp.unwrap_or_default();
            table.insert(
                entry.key.clone(),
                Arc::new(Record::new(spec, created, entry.revision, now, 0)),
            );
        }
        Ok(Self {
            store,
            clock,
            lease,
            table: RwLock::new(table),
            writes: Mutex::new(()),
            interval: RwLock::new((None, DEFAULT_INTERVAL)),
        })
    }

    /// The MeshController's heartbeat interval (re-read at most once a second).
    pub async fn interval(&self) -> Duration {
        let now = self.clock.now();
        if let (Some(read), interval) = *self.interval.read().expect("interval lock")
            && now.duration_since(read).is_ok_and(|age| age < Duration::from_secs(1))
        {
            return interval;
        }
        let interval = match self.store.list(&format!("{}/", Kind::MeshController.name())).await {
            Ok((entries, _)) => entries
                .first()
                .and_then(|e| serde_json::from_slice::<serde_json::Value>(&e.value).ok())
                .and_then(|v| {
                    v["spec"]["heartbeatInterval"]
                        .as_str()
                        .and_then(|d| meshlib::duration::parse(d).ok())
                })
                .filter(|d| !d.is_zero())
                .unwrap_or(DEFAULT_INTERVAL),
            Err(_) => self.interval.read().expect("interval lock").1,
        };
        *self.interval.write().expect("interval lock") = (Some(now), interval);
        interval
    }

    /// Every instance as users see it, sorted by name.
    pub fn list(&self) -> Vec<Resource> {
        self.table
            .read()
            .expect("registry lock")
            .values()
            .map(|r| r.resource())
            .collect()
    }

    /// Writes the list of instances matching `keep` as a JSON `List`, straight from the records:
    /// listing 10,000 instances is frequent (`emctl get serviceinstance`), and building and
    /// cloning a JSON tree per instance dominated it.
    pub fn write_list(
        &self,
        revision: u64,
        context: &super::overlay::InstanceContext,
        keep: impl Fn(&ServiceInstanceSpec) -> bool,
    ) -> serde_json::Result<Vec<u8>> {
        use serde::ser::{SerializeMap, Serializer as _};
        let records: Vec<Arc<Record>> = self.table.read().expect("registry lock").values().cloned().collect();
        let mut out = Vec::with_capacity(256 + records.len() * 448);
        out.extend_from_slice(
            format!(
                r#"{{"apiVersion":"{}","kind":"List","metadata":{{"resourceVersion":"{revision}"}},"items":["#,
                meshlib::resource::API_VERSION
            )
            .as_bytes(),
        );
        let mut first = true;
        for record in records.iter().filter(|r| keep(&r.spec)) {
            if !first {
                out.push(b',');
            }
            first = false;
            let (tenant, canary) = context.derive(&record.spec.service_name, &record.view.spec["labels"]);
            let beat = rfc3339(from_millis(record.last_beat_ms.load(Ordering::Relaxed)));
            let mut serializer = serde_json::Serializer::new(&mut out);
            let mut object = serializer.serialize_map(Some(4))?;
            object.serialize_entry("apiVersion", &record.view.api_version)?;
            object.serialize_entry("kind", &record.view.kind)?;
            object.serialize_entry("metadata", &record.view.metadata)?;
            object.serialize_entry(
                "spec",
                &SpecOut {
                    base: &record.view.spec,
                    beat: &beat,
                    tenant,
                    canary: &canary,
                },
            )?;
            SerializeMap::end(object)?;
        }
        out.extend_from_slice(b"]}");
        Ok(out)
    }

    /// One instance, by `service/id`.
    pub fn get(&self, name: &str) -> Option<Resource> {
        let (service, id) = name.split_once('/')?;
        self.table
            .read()
            .expect("registry lock")
            .get(&key(service, id))
            .map(|r| r.resource())
    }

    fn record(&self, service: &str, id: &str) -> Result<Arc<Record>, ApiError> {
        self.table
            .read()
            .expect("registry lock")
            .get(&key(service, id))
            .cloned()
            .ok_or_else(|| ApiError::NotFound(format!("ServiceInstance \"{service}/{id}\" not found")))
    }

    /// Writes `spec` durably and swaps the in-memory record.
    async fn save(
        &self,
        spec: ServiceInstanceSpec,
        created: String,
        last_beat_ms: u64,
        ops: Vec<Op>,
    ) -> Result<Arc<Record>, ApiError> {
        let key = key(&spec.service_name, &spec.instance_id);
        let mut ops = ops;
        ops.push(Op::Put {
            key: key.clone(),
            value: Record::stored(&spec, &created),
            when: Precondition::None,
        });
        let revision = match self.store.commit(ops).await {
            Ok(revision) => revision,
            Err(crate::store::Error::Precondition { key: failed, .. }) if failed != key => {
                return Err(ApiError::NotFound(format!("Service {:?} not found", spec.service_name)));
            }
            Err(err) => return Err(err.into()),
        };
        let mut table = self.table.write().expect("registry lock");
        // A beat may have landed while this was written; never move the last beat backwards.
        let (latest, told) = table.get(&key).map_or((0, 0), |r| r.beats());
        let record = Arc::new(Record::new(spec, created, revision, last_beat_ms.max(latest), told));
        table.insert(key, Arc::clone(&record));
        Ok(record)
    }

    /// Registers (or re-registers) an instance; its Service must exist. Returns the instance and
    /// whether it is new.
    pub async fn register(&self, registration: Registration) -> Result<(Resource, bool), ApiError> {
        let mut problems = Vec::new();
        for (field, value) in [
            ("serviceName", &registration.service_name),
            ("instanceID", &registration.instance_id),
        ] {
            if let Err(message) = check_name(value) {
                problems.push(FieldError {
                    field: field.into(),
                    message,
                });
            }
        }
        if registration.ip.trim().is_empty() {
            problems.push(FieldError {
                field: "ip".into(),
                message: "is required".into(),
            });
        }
        if registration.port == 0 {
            problems.push(FieldError {
                field: "port".into(),
                message: "must be between 1 and 65535".into(),
            });
        }
        if registration.admin_port == Some(0) {
            problems.push(FieldError {
                field: "adminPort".into(),
                message: "must be between 1 and 65535".into(),
            });
        }
        if !problems.is_empty() {
            return Err(ApiError::invalid("registration", problems));
        }
        let service_key = format!("{}/{}", Kind::Service.name(), registration.service_name);
        if self.store.get(&service_key).await?.is_none() {
            return Err(ApiError::NotFound(format!(
                "Service {:?} not found; the instance can register once the Service exists",
                registration.service_name
            )));
        }
        let _guard = self.writes.lock().await;
        let now = self.clock.now();
        let existing = self.record(&registration.service_name, &registration.instance_id).ok();
        if let Some(existing) = &existing {
            // It may be a new sidecar process, beating at its starting interval until told.
            existing.told_ms.store(0, Ordering::Relaxed);
        }
        let created = existing.as_ref().map_or_else(|| rfc3339(now), |r| r.created.clone());
        let mut spec = existing.as_ref().map(|r| r.spec.clone()).unwrap_or_default();
        spec.service_name = registration.service_name;
        spec.instance_id = registration.instance_id;
        spec.ip = registration.ip;
        spec.port = registration.port;
        spec.admin_port = registration.admin_port;
        spec.labels = registration.labels;
        spec.agent_type = registration.agent_type;
        spec.health = registration.health;
        spec.registry_time.get_or_insert_with(|| rfc3339(now));
        spec.status = desired_status(&spec, now, now, self.interval().await);
        let check = Op::Check {
            key: service_key,
            when: Precondition::Exists,
        };
        let record = self.save(spec, created, millis(now), vec![check]).await?;
        Ok((record.resource(), existing.is_none()))
    }

    /// Records a heartbeat; a changed health or a resumed instance is saved.
    pub async fn heartbeat(&self, service: &str, id: &str, beat: Heartbeat) -> Result<HeartbeatReply, ApiError> {
        let interval = self.interval().await;
        let now = self.clock.now();
        let record = self.record(service, id)?;
        record.last_beat_ms.store(millis(now), Ordering::Relaxed);
        record.tell(interval);
        let health = beat.health.unwrap_or(record.spec.health);
        let mut status = record.spec.status;
        let wanted = {
            let mut spec = record.spec.clone();
            spec.health = health;
            desired_status(&spec, now, now, interval)
        };
        if health != record.spec.health || wanted != record.spec.status {
            let _guard = self.writes.lock().await;
            let current = self.record(service, id)?;
            let mut spec = current.spec.clone();
            spec.health = health;
            spec.status = desired_status(&spec, now, now, interval);
            status = spec.status;
            if spec != current.spec {
                self.save(spec, current.created.clone(), millis(now), Vec::new())
                    .await?;
            }
        }
        Ok(HeartbeatReply {
            status,
            heartbeat_interval: format!("{}s", interval.as_secs_f64()),
        })
    }

    /// Removes an instance (the sidecar is going away).
    pub async fn deregister(&self, service: &str, id: &str) -> Result<Resource, ApiError> {
        let _guard = self.writes.lock().await;
        let record = self.record(service, id)?;
        let key = key(service, id);
        self.store
            .commit(vec![Op::Delete {
                key: key.clone(),
                when: Precondition::None,
            }])
            .await?;
        self.table.write().expect("registry lock").remove(&key);
        Ok(record.resource())
    }

    /// Takes an instance offline (sticky) or puts it back online.
    pub async fn set_offline(&self, service: &str, id: &str, offline: bool) -> Result<Resource, ApiError> {
        let interval = self.interval().await;
        let _guard = self.writes.lock().await;
        let record = self.record(service, id)?;
        let last = record.last_beat_ms.load(Ordering::Relaxed);
        let mut spec = record.spec.clone();
        spec.offline = offline;
        spec.status = desired_status(&spec, from_millis(last), self.clock.now(), record.held_to(interval));
        if spec == record.spec {
            return Ok(record.resource());
        }
        Ok(self
            .save(spec, record.created.clone(), last, Vec::new())
            .await?
            .resource())
    }

    /// Removes every instance of a deleted service.
    pub async fn forget_service(&self, service: &str) -> Result<usize, ApiError> {
        let _guard = self.writes.lock().await;
        let prefix = format!("{}/{service}/", Kind::ServiceInstance.name());
        let keys: Vec<String> = self
            .table
            .read()
            .expect("registry lock")
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        if keys.is_empty() {
            return Ok(0);
        }
        let ops = keys
            .iter()
            .map(|k| Op::Delete {
                key: k.clone(),
                when: Precondition::None,
            })
            .collect();
        self.store.commit(ops).await?;
        let mut table = self.table.write().expect("registry lock");
        for k in &keys {
            table.remove(k);
        }
        Ok(keys.len())
    }

    /// Applies the status rules at `now`: saves changed statuses, removes expired leases.
    pub async fn sweep(&self, now: SystemTime) -> Result<Sweep, ApiError> {
        let interval = self.interval().await;
        let _guard = self.writes.lock().await;
        let records: Vec<(String, Arc<Record>)> = self
            .table
            .read()
            .expect("registry lock")
            .iter()
            .map(|(k, r)| (k.clone(), Arc::clone(r)))
            .collect();
        let mut result = Sweep::default();
        let mut expired = Vec::new();
        let mut changed = Vec::new();
        for (key, record) in records {
            let last = from_millis(record.last_beat_ms.load(Ordering::Relaxed));
            if now.duration_since(last).unwrap_or_default() > self.lease {
                expired.push(key);
                continue;
            }
            let status = desired_status(&record.spec, last, now, record.held_to(interval));
            if status != record.spec.status {
                tracing::info!(instance = %key, from = record.spec.status.as_str(), to = status.as_str(), "instance status changed");
                let mut spec = record.spec.clone();
                spec.status = status;
                changed.push((key, spec, record.created.clone()));
            }
        }
        if changed.is_empty() && expired.is_empty() {
            return Ok(result);
        }
        // One durable commit for the whole sweep, however many instances changed.
        let mut ops: Vec<Op> = changed
            .iter()
            .map(|(key, spec, created)| Op::Put {
                key: key.clone(),
                value: Record::stored(spec, created),
                when: Precondition::None,
            })
            .collect();
        ops.extend(expired.iter().map(|k| Op::Delete {
            key: k.clone(),
            when: Precondition::None,
        }));
        let revision = self.store.commit(ops).await?;
        let mut table = self.table.write().expect("registry lock");
        result.changed = changed.len();
        for (key, spec, created) in changed {
            let (last, told) = table.get(&key).map_or((0, 0), |r| r.beats());
            table.insert(key, Arc::new(Record::new(spec, created, revision, last, told)));
        }
        for key in &expired {
            tracing::info!(instance = %key, "instance lease expired; record removed");
            table.remove(key);
        }
        result.removed = expired.len();
        Ok(result)
    }
}

#[cfg(test)]
mod tests;
