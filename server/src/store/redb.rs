//! The embedded store: one redb file, fsynced on every commit (a write is acknowledged only once
//! it is on disk).

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use tokio::sync::broadcast;

use super::{Entry, Error, Event, Op, Precondition, Result, Store};

/// key → (revision, value)
const OBJECTS: TableDefinition<&str, (u64, &[u8])> = TableDefinition::new("objects");
/// "revision" → last committed revision
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const REVISION: &str = "revision";
const CACHE_BYTES: usize = 16 * 1024 * 1024;

/// A redb-backed [`Store`].
pub struct RedbStore {
    db: Arc<Database>,
    /// Serialises commits so events are broadcast in commit order.
    commit_lock: Arc<Mutex<()>>,
    events: broadcast::Sender<Event>,
}

fn backend(err: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Backend(Box::new(err))
}

impl RedbStore {
    /// Opens (or creates) the store in `dir`.
    ///
    /// # Errors
    /// Fails when the directory or database cannot be created or opened (e.g. another meshd
    /// holds it).
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(backend)?;
        // redb caches up to 1 GiB by default; mesh objects are small, and the registry keeps
        // instances in memory anyway.
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(dir.join("mesh.redb"))
            .map_err(backend)?;
        let txn = db.begin_write().map_err(backend)?;
        txn.open_table(OBJECTS).map_err(backend)?;
        txn.open_table(META).map_err(backend)?;
        txn.commit().map_err(backend)?;
        let (events, _) = broadcast::channel(4096);
        Ok(Self {
            db: Arc::new(db),
            commit_lock: Arc::new(Mutex::new(())),
            events,
        })
    }

    async fn blocking<T: Send + 'static>(&self, f: impl FnOnce(&Database) -> Result<T> + Send + 'static) -> Result<T> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || f(&db)).await.map_err(backend)?
    }
}

fn check(current: Option<u64>, when: Precondition, key: &str) -> Result<()> {
    let ok = match when {
        Precondition::None => true,
        Precondition::Absent => current.is_none(),
        Precondition::Exists => current.is_some(),
        Precondition::Revision(r) => current == Some(r),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::Precondition {
            key: key.to_owned(),
            current,
        })
    }
}

fn commit_blocking(db: &Database, ops: &[Op]) -> Result<(u64, Vec<Event>)> {
    let txn = db.begin_write().map_err(backend)?;
    let revision;
    let mut events = Vec::with_capacity(ops.len());
    {
        let mut objects = txn.open_table(OBJECTS).map_err(backend)?;
        let mut meta = txn.open_table(META).map_err(backend)?;
        revision = meta.get(REVISION).map_err(backend)?.map_or(0, |v| v.value()) + 1;
        for op in ops {
            let (key, when) = match op {
                Op::Put { key, when, .. } | Op::Delete { key, when } | Op::Check { key, when } => (key, *when),
            };
            let previous = objects.get(key.as_str()).map_err(backend)?.map(|v| {
                let (rev, bytes) = v.value();
                (rev, bytes.to_vec())
            });
            check(previous.as_ref().map(|(rev, _)| *rev), when, key)?;
            let previous = previous.map(|(_, bytes)| bytes);
            match op {
                Op::Put { value, .. } => {
                    objects
                        .insert(key.as_str(), (revision, value.as_slice()))
                        .map_err(backend)?;
                    events.push(Event {
                        key: key.clone(),
                        value: Some(value.clone()),
                        previous,
                        revision,
                    });
                }
                Op::Delete { .. } => {
                    objects.remove(key.as_str()).map_err(backend)?;
                    events.push(Event {
                        key: key.clone(),
                        value: None,
                        previous,
                        revision,
                    });
                }
                Op::Check { .. } => {}
            }
        }
        meta.insert(REVISION, revision).map_err(backend)?;
    }
    // Durability::Immediate (redb's default): commit returns once the data is fsynced.
    txn.commit().map_err(backend)?;
    Ok((revision, events))
}

#[async_trait]
impl Store for RedbStore {
    async fn get(&self, key: &str) -> Result<Option<Entry>> {
        let key = key.to_owned();
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let objects = txn.open_table(OBJECTS).map_err(backend)?;
            Ok(objects.get(key.as_str()).map_err(backend)?.map(|v| {
                let (revision, value) = v.value();
                Entry {
                    key: key.clone(),
                    value: value.to_vec(),
                    revision,
                }
            }))
        })
        .await
    }

    async fn list(&self, prefix: &str) -> Result<(Vec<Entry>, u64)> {
        let prefix = prefix.to_owned();
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let objects = txn.open_table(OBJECTS).map_err(backend)?;
            let meta = txn.open_table(META).map_err(backend)?;
            let revision = meta.get(REVISION).map_err(backend)?.map_or(0, |v| v.value());
            let mut out = Vec::new();
            for item in objects.range(prefix.as_str()..).map_err(backend)? {
                let (key, value) = item.map_err(backend)?;
                let key = key.value();
                if !key.starts_with(prefix.as_str()) {
                    break;
                }
                let (rev, bytes) = value.value();
                out.push(Entry {
                    key: key.to_owned(),
                    value: bytes.to_vec(),
                    revision: rev,
                });
            }
            Ok((out, revision))
        })
        .await
    }

    async fn revision(&self) -> Result<u64> {
        self.blocking(|db| {
            let txn = db.begin_read().map_err(backend)?;
            let meta = txn.open_table(META).map_err(backend)?;
            Ok(meta.get(REVISION).map_err(backend)?.map_or(0, |v| v.value()))
        })
        .await
    }

    async fn commit(&self, ops: Vec<Op>) -> Result<u64> {
        let lock = Arc::clone(&self.commit_lock);
        let events = self.events.clone();
        self.blocking(move |db| {
            let _guard = lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let (revision, changes) = commit_blocking(db, &ops)?;
            for change in changes {
                // No subscriber is not an error.
                let _ = events.send(change);
            }
            Ok(revision)
        })
        .await
    }

    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    fn backend(&self) -> &'static str {
        "redb"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(key: &str, value: &str, when: Precondition) -> Op {
        Op::Put {
            key: key.into(),
            value: value.as_bytes().to_vec(),
            when,
        }
    }

    #[tokio::test]
    async fn commits_are_atomic_and_conditional() {
        let dir = tempfile::tempdir().unwrap();
        let store = RedbStore::open(dir.path()).unwrap();
        let r1 = store.commit(vec![put("a/1", "x", Precondition::Absent)]).await.unwrap();
        let err = store
            .commit(vec![
                put("a/2", "y", Precondition::None),
                put("a/1", "z", Precondition::Absent),
            ])
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Precondition { ref key, current: Some(r) } if key == "a/1" && r == r1));
        assert!(
            store.get("a/2").await.unwrap().is_none(),
            "a failed commit writes nothing"
        );
        let r2 = store
            .commit(vec![put("a/1", "z", Precondition::Revision(r1))])
            .await
            .unwrap();
        assert!(r2 > r1);
        let (entries, revision) = store.list("a/").await.unwrap();
        assert_eq!(revision, r2);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].value, b"z");
    }

    #[tokio::test]
    async fn survives_reopen_and_feeds_changes_in_order() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = RedbStore::open(dir.path()).unwrap();
            let mut feed = store.subscribe();
            store.commit(vec![put("k/1", "a", Precondition::None)]).await.unwrap();
            store
                .commit(vec![Op::Delete {
                    key: "k/1".into(),
                    when: Precondition::Exists,
                }])
                .await
                .unwrap();
            store.commit(vec![put("k/2", "b", Precondition::None)]).await.unwrap();
            let first = feed.recv().await.unwrap();
            let second = feed.recv().await.unwrap();
            assert_eq!((first.key.as_str(), first.value.as_deref()), ("k/1", Some(&b"a"[..])));
            assert_eq!((second.value, second.previous.as_deref()), (None, Some(&b"a"[..])));
        }
        let store = RedbStore::open(dir.path()).unwrap();
        let (entries, revision) = store.list("k/").await.unwrap();
        assert_eq!(revision, 3);
        assert_eq!(entries.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(), ["k/2"]);
    }
}
