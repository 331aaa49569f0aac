//! Nothing acknowledged is lost: a stream of writes, `kill -9` in the middle, restart, check.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use meshlib::kind::{Kind, ResourceKind};
use meshlib::resource::Resource;
use serde_json::json;

use crate::support::Meshd;

const WRITERS: usize = 6;

fn tenant(name: &str, description: &str) -> Resource {
    Resource::new(
        &ResourceKind::Builtin(Kind::Tenant),
        name,
        json!({"description": description}),
    )
}

#[derive(Default)]
struct Acks {
    /// Tenants whose creation was acknowledged.
    created: Vec<String>,
    /// Per updated tenant: the highest acknowledged version.
    updated: BTreeMap<String, u64>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let acks = Arc::new(Mutex::new(Acks::default()));
    for round in 0..3 {
        let meshd = Meshd::start(dir.path());
        let client = meshd.client();
        let mut writers = Vec::new();
        for w in 0..WRITERS {
            let client = client.clone();
            let acks = Arc::clone(&acks);
            writers.push(tokio::spawn(async move {
                let counter = format!("counter-{w}");
                for i in 0.. {
                    let name = format!("r{round}-w{w}-{i}");
                    if client.create(&tenant(&name, "crash test")).await.is_err() {
                        return;
                    }
                    acks.lock().unwrap().created.push(name);
                    let version = (round as u64) * 1_000_000 + i;
                    if client.apply(&tenant(&counter, &version.to_string())).await.is_err() {
                        return;
                    }
                    acks.lock().unwrap().updated.insert(counter.clone(), version);
                }
            }));
        }
        let start = Instant::now();
        while acks.lock().unwrap().created.len() < (round + 1) * 150 && start.elapsed() < Duration::from_secs(20) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        meshd.kill9();
        for writer in writers {
            let _ = writer.await;
        }
    }

    let meshd = Meshd::start(dir.path());
    let stored: BTreeMap<String, String> = meshd
        .client()
        .list(&ResourceKind::Builtin(Kind::Tenant), None)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|t| {
            (
                t.metadata.name,
                t.spec["description"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let acks = acks.lock().unwrap();
    assert!(
        acks.created.len() >= 300,
        "too few writes acknowledged: {}",
        acks.created.len()
    );
    for name in &acks.created {
        assert!(stored.contains_key(name), "acknowledged tenant {name} was lost");
    }
    for (name, version) in &acks.updated {
        let stored: u64 = stored[name].parse().unwrap();
        assert!(
            stored >= *version,
            "{name}: acknowledged version {version}, stored {stored}"
        );
    }
}
