//! The registry's status rules, driven by a manual clock.

use std::sync::Mutex;

use meshlib::spec::instance::InstanceStatus::{Down, OutOfService, Up};
use serde_json::json;

use super::*;
use crate::store::redb::RedbStore;

struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    instances: Instances,
}

const LEASE: Duration = Duration::from_secs(20 * 60);

async fn put(store: &Arc<dyn Store>, kind: Kind, name: &str, spec: serde_json::Value) {
    let resource = Resource::new(&ResourceKind::Builtin(kind), name, spec);
    let op = Op::Put {
        key: format!("{}/{name}", kind.name()),
        value: serde_json::to_vec(&resource).unwrap(),
        when: Precondition::None,
    };
    store.commit(vec![op]).await.unwrap();
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(RedbStore::open(dir.path()).unwrap());
    put(&store, Kind::Service, "order", json!({"registerTenant": "t1"})).await;
    let clock = Arc::new(ManualClock(Mutex::new(UNIX_EPOCH + Duration::from_secs(1_800_000_000))));
    let instances = Instances::load(Arc::clone(&store), clock.clone(), LEASE).await.unwrap();
    Fixture {
        _dir: dir,
        store,
        clock,
        instances,
    }
}

fn registration(id: &str) -> Registration {
    Registration {
        service_name: "order".into(),
        instance_id: id.into(),
        ip: "10.0.0.1".into(),
        port: 13001,
        admin_port: None,
        labels: [("release".to_owned(), "v2".to_owned())].into(),
        agent_type: None,
        health: Health::Up,
    }
}

impl Fixture {
    fn status(&self, id: &str) -> InstanceStatus {
        let resource = self.instances.get(&format!("order/{id}")).expect("instance exists");
        serde_json::from_value(resource.spec["status"].clone()).unwrap()
    }

    async fn stored_status(&self, id: &str) -> String {
        let entry = self.store.get(&key("order", id)).await.unwrap().expect("stored");
        let value: serde_json::Value = serde_json::from_slice(&entry.value).unwrap();
        value["spec"]["status"].as_str().unwrap().to_owned()
    }

    async fn beat(&self, id: &str, health: Option<Health>) -> InstanceStatus {
        self.instances
            .heartbeat("order", id, Heartbeat { health })
            .await
            .unwrap()
            .status
    }
}

#[tokio::test]
async fn silence_expires_an_instance_and_a_beat_brings_it_back() {
    let f = fixture().await;
    f.instances.register(registration("i-1")).await.unwrap();
    assert_eq!(f.status("i-1"), Up);
    f.clock.advance(Duration::from_secs(10));
    assert_eq!(
        f.instances.sweep(f.clock.now()).await.unwrap(),
        Sweep::default(),
        "2 × 5s is not exceeded yet"
    );
    f.clock.advance(Duration::from_millis(1));
    assert_eq!(f.instances.sweep(f.clock.now()).await.unwrap().changed, 1);
    assert_eq!(f.status("i-1"), OutOfService);
    assert_eq!(
        f.stored_status("i-1").await,
        "OUT_OF_SERVICE",
        "the transition is durable"
    );
    assert_eq!(f.beat("i-1", None).await, Up);
    assert_eq!(f.stored_status("i-1").await, "UP");
    assert_eq!(
        f.instances.sweep(f.clock.now()).await.unwrap(),
        Sweep::default(),
        "no double firing"
    );
}

#[tokio::test]
async fn an_operators_offline_sticks_across_heartbeats() {
    let f = fixture().await;
    f.instances.register(registration("i-1")).await.unwrap();
    f.instances.set_offline("order", "i-1", true).await.unwrap();
    assert_eq!(f.status("i-1"), OutOfService);
    for _ in 0..3 {
        f.clock.advance(Duration::from_secs(5));
        assert_eq!(f.beat("i-1", Some(Health::Up)).await, OutOfService);
        f.instances.sweep(f.clock.now()).await.unwrap();
        assert_eq!(f.status("i-1"), OutOfService);
    }
    // Re-registering (a restarted sidecar) does not undo it either.
    f.instances.register(registration("i-1")).await.unwrap();
    assert_eq!(f.status("i-1"), OutOfService);
    f.instances.set_offline("order", "i-1", false).await.unwrap();
    assert_eq!(f.status("i-1"), Up);
}

#[tokio::test]
async fn a_failing_health_check_is_down_until_it_passes() {
    let f = fixture().await;
    f.instances.register(registration("i-1")).await.unwrap();
    assert_eq!(f.beat("i-1", Some(Health::Down)).await, Down);
    assert_eq!(f.stored_status("i-1").await, "DOWN");
    f.clock.advance(Duration::from_secs(11));
    f.instances.sweep(f.clock.now()).await.unwrap();
    assert_eq!(f.status("i-1"), OutOfService, "silence wins over DOWN");
    assert_eq!(f.beat("i-1", Some(Health::Up)).await, Up);
}

#[tokio::test]
async fn records_go_after_the_lease_and_unknown_beats_get_404() {
    let f = fixture().await;
    f.instances.register(registration("i-1")).await.unwrap();
    f.instances.register(registration("i-2")).await.unwrap();
    f.clock.advance(LEASE - Duration::from_secs(3));
    f.beat("i-2", None).await;
    f.clock.advance(Duration::from_secs(4));
    let sweep = f.instances.sweep(f.clock.now()).await.unwrap();
    assert_eq!(sweep.removed, 1);
    assert!(f.instances.get("order/i-1").is_none());
    assert!(f.store.get(&key("order", "i-1")).await.unwrap().is_none());
    let err = f
        .instances
        .heartbeat("order", "i-1", Heartbeat::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::NotFound(_)), "{err:?}");
}

async fn every(store: &Arc<dyn Store>, interval: &str) {
    put(
        store,
        Kind::MeshController,
        "mesh",
        json!({"heartbeatInterval": interval}),
    )
    .await;
}

impl Fixture {
    /// A heartbeat; returns the interval the instance is told.
    async fn told(&self, id: &str) -> String {
        self.instances
            .heartbeat("order", id, Heartbeat::default())
            .await
            .unwrap()
            .heartbeat_interval
    }

    async fn sweep_after(&self, silence: Duration) {
        self.clock.advance(silence);
        self.instances.sweep(self.clock.now()).await.unwrap();
    }
}

#[tokio::test]
async fn the_mesh_controller_sets_the_interval() {
    let f = fixture().await;
    every(&f.store, "1s").await;
    f.instances.register(registration("i-1")).await.unwrap();
    assert_eq!(f.told("i-1").await, "1s");
    f.sweep_after(Duration::from_millis(2_000)).await;
    assert_eq!(f.status("i-1"), Up);
    f.sweep_after(Duration::from_millis(1)).await;
    assert_eq!(f.status("i-1"), OutOfService, "no beat for 2 × 1 s");
}

#[tokio::test]
async fn lowering_the_interval_keeps_instances_up_until_they_are_told() {
    let f = fixture().await;
    f.instances.register(registration("i-1")).await.unwrap();
    assert_eq!(f.told("i-1").await, "5s");
    every(&f.store, "1s").await;
    // Well past 2 × 1 s, but the instance beats every 5 s until a reply says otherwise.
    f.sweep_after(Duration::from_secs(4)).await;
    assert_eq!(f.status("i-1"), Up);
    assert_eq!(f.told("i-1").await, "1s");
    f.sweep_after(Duration::from_millis(2_001)).await;
    assert_eq!(f.status("i-1"), OutOfService, "held to 1 s once told");
}

#[tokio::test]
async fn an_instance_told_a_stale_interval_is_held_to_what_it_was_told() {
    let f = fixture().await;
    f.instances.register(registration("i-1")).await.unwrap();
    assert_eq!(f.told("i-1").await, "5s");
    every(&f.store, "1s").await;
    // The interval is read at most once a second: a beat this soon after the change is still
    // told 5 s.
    f.clock.advance(Duration::from_millis(500));
    assert_eq!(f.told("i-1").await, "5s");
    f.sweep_after(Duration::from_secs(4)).await;
    assert_eq!(f.status("i-1"), Up);
    f.sweep_after(Duration::from_millis(6_001)).await;
    assert_eq!(f.status("i-1"), OutOfService, "no beat for 2 × 5 s");
}

#[tokio::test]
async fn an_instance_not_told_yet_is_held_to_the_interval_sidecars_start_with() {
    let f = fixture().await;
    every(&f.store, "1s").await;
    // Registered, but its first beat has not come: its sidecar beats every 5 s until a reply
    // says otherwise.
    f.instances.register(registration("i-1")).await.unwrap();
    f.sweep_after(Duration::from_secs(3)).await;
    assert_eq!(f.status("i-1"), Up);
    f.sweep_after(Duration::from_millis(7_001)).await;
    assert_eq!(f.status("i-1"), OutOfService);
}

#[tokio::test]
async fn registration_needs_the_service_and_valid_fields() {
    let f = fixture().await;
    let mut unknown = registration("i-1");
    unknown.service_name = "pay".into();
    assert!(matches!(
        f.instances.register(unknown).await,
        Err(ApiError::NotFound(_))
    ));
    let mut bad = registration("i 1");
    bad.port = 0;
    let Err(ApiError::Invalid { details, .. }) = f.instances.register(bad).await else {
        panic!("expected a 400");
    };
    let fields: Vec<&str> = details.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(fields, ["instanceID", "port"]);
}

#[tokio::test]
async fn a_restart_keeps_instances_with_a_fresh_grace_period() {
    let f = fixture().await;
    f.instances.register(registration("i-1")).await.unwrap();
    f.instances.set_offline("order", "i-1", true).await.unwrap();
    f.instances.register(registration("i-2")).await.unwrap();
    f.clock.advance(Duration::from_secs(60));
    let reloaded = Instances::load(Arc::clone(&f.store), f.clock.clone(), LEASE)
        .await
        .unwrap();
    assert_eq!(reloaded.list().len(), 2);
    reloaded.sweep(f.clock.now()).await.unwrap();
    let status = |id: &str| reloaded.get(&format!("order/{id}")).unwrap().spec["status"].clone();
    assert_eq!(status("i-1"), "OUT_OF_SERVICE", "offline survives a restart");
    assert_eq!(status("i-2"), "UP", "silence before the restart does not count");
}

#[tokio::test]
async fn the_admin_port_is_stored_and_shown_and_zero_is_refused() {
    let f = fixture().await;
    let (shown, _) = f
        .instances
        .register(Registration {
            admin_port: Some(13090),
            ..registration("i-1")
        })
        .await
        .unwrap();
    assert_eq!(shown.spec["adminPort"], 13090);
    let entry = f.store.get(&key("order", "i-1")).await.unwrap().expect("stored");
    let stored: serde_json::Value = serde_json::from_slice(&entry.value).unwrap();
    assert_eq!(stored["spec"]["adminPort"], 13090, "durable");
    let (without, _) = f.instances.register(registration("i-2")).await.unwrap();
    assert!(without.spec.get("adminPort").is_none(), "older sidecars omit it");
    let refused = f
        .instances
        .register(Registration {
            admin_port: Some(0),
            ..registration("i-3")
        })
        .await;
    assert!(refused.is_err());
}
