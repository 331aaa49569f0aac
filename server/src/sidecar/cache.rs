//! The sidecar's on-disk cache: what a restarted sidecar needs before the control plane answers.
//! Today that is its configuration (the catalog it follows), so a sidecar restarted while the
//! control plane is down serves with the last configuration it had instead of refusing every
//! call; the sidecar's certificate and key belong here too once it has them.
//!
//! One directory (`--cache-dir`; in a pod, the emptyDir the injector mounts there, which outlives
//! container restarts), one file per entry. Every entry is written whole to a temporary file with
//! mode 0600, synced and renamed over the old one, so a reader sees the old entry or the new one,
//! never a mix. Every entry carries the cache's [`FORMAT`] and the service it was written for; a
//! sidecar reads only entries of its own format and service, and starts without the others.
//!
//! Not here: deciding when to save (the sidecar's [`keep`] task) or what the catalog holds.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use meshlib::kind::Kind;
use meshlib::resource::Resource;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::catalog::Catalog;

/// The layout of entries this sidecar writes and reads. Raise it when an entry's shape changes
/// so that no sidecar misreads an entry another version wrote.
pub const FORMAT: u32 = 1;

/// The file of the configuration.
const CATALOG: &str = "catalog.json";

/// The largest entry written or read. A configuration is a few hundred KiB in a mesh of
/// thousands of instances; a bigger file was not written by a sidecar, and reading it whole
/// would cost the pod's memory before the sidecar even serves.
pub const MAX_ENTRY_BYTES: u64 = 32 * 1024 * 1024;

/// The shortest time between two saves of the configuration: a burst of changes is one write.
const SAVE_GAP: Duration = Duration::from_secs(1);

/// Why an entry could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The directory or a file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The directory or a file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The file is not an entry of any format.
    #[error("{} is not a cache entry", path.display())]
    Decode {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        #[source]
        source: serde_json::Error,
    },
    /// The entry is larger than [`MAX_ENTRY_BYTES`]: not written, or not read.
    #[error("{} would be {size} bytes, more than the cache's {MAX_ENTRY_BYTES}", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size, or the size it would have had.
        size: u64,
    },
    /// Another version of the sidecar wrote the entry in another format.
    #[error("{} has cache format {found}; this sidecar reads format {FORMAT}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// Its format.
        found: u32,
    },
    /// The entry belongs to another service (a directory shared by mistake).
    #[error("{} was written for service {found:?}, not {expected:?}", path.display())]
    OtherService {
        /// The file.
        path: PathBuf,
        /// The service it was written for.
        found: String,
        /// This sidecar's service.
        expected: String,
    },
}

/// What every entry starts with; read first, so an entry of another format is recognised
/// whatever the rest of it looks like.
#[derive(Deserialize)]
struct Header {
    format: u32,
}

/// An entry as stored.
#[derive(Serialize, Deserialize)]
struct Entry<T> {
    format: u32,
    service: String,
    /// When it was written (RFC 3339).
    written: String,
    data: T,
}

/// The configuration as stored: each followed kind's objects and the revision its snapshot was
/// complete at.
#[derive(Serialize, Deserialize)]
struct StoredCatalog {
    objects: BTreeMap<String, BTreeMap<String, Resource>>,
    synced: BTreeMap<String, String>,
    updated: Option<String>,
}

/// A configuration read back, and when it was written.
#[derive(Debug)]
pub struct Restored {
    /// The catalog, complete for the kinds the cache had.
    pub catalog: Catalog,
    /// When it was written (RFC 3339).
    pub written: String,
}

/// The cache of one sidecar.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    service: String,
}

impl Cache {
    /// The cache in `dir` of a sidecar of `service`. Nothing is touched until the first write.
    pub fn new(dir: impl Into<PathBuf>, service: &str) -> Self {
        Self {
            dir: dir.into(),
            service: service.to_owned(),
        }
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Saves the configuration (only kinds whose snapshot is complete).
    ///
    /// # Errors
    /// The directory or the file cannot be written.
    pub fn save_catalog(&self, catalog: &Catalog) -> Result<(), Error> {
        let objects = catalog
            .objects
            .iter()
            .filter(|(kind, _)| catalog.synced.contains_key(*kind))
            .map(|(kind, objects)| (kind.clone(), objects.clone()))
            .collect();
        self.write(
            CATALOG,
            &StoredCatalog {
                objects,
                synced: catalog.synced.clone(),
                updated: catalog.updated.clone(),
            },
        )
    }

    /// The configuration saved last, for the `kinds` followed now (a kind the cache does not
    /// have stays to be read from the control plane); `None` when there is none.
    ///
    /// # Errors
    /// The file cannot be read, is not an entry, or is of another format or service.
    pub fn load_catalog(&self, kinds: &'static [Kind]) -> Result<Option<Restored>, Error> {
        let Some((stored, written)) = self.read::<StoredCatalog>(CATALOG)? else {
            return Ok(None);
        };
        let mut catalog = Catalog::watching(kinds);
        for kind in kinds {
            let name = kind.name();
            if let Some(revision) = stored.synced.get(name) {
                let objects = stored.objects.get(name).cloned().unwrap_or_default();
                catalog.objects.insert(name.to_owned(), objects);
                catalog.synced.insert(name.to_owned(), revision.clone());
            }
        }
        catalog.updated = stored.updated;
        Ok(Some(Restored { catalog, written }))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn write<T: Serialize>(&self, name: &str, data: &T) -> Result<(), Error> {
        let entry = Entry {
            format: FORMAT,
            service: self.service.clone(),
            written: humantime::format_rfc3339_millis(SystemTime::now()).to_string(),
            data,
        };
        let bytes = serde_json::to_vec(&entry).expect("cache entries serialise");
        let size = bytes.len() as u64;
        if size > MAX_ENTRY_BYTES {
            return Err(Error::TooLarge {
                path: self.path(name),
                size,
            });
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(|source| Error::Write {
                path: self.dir.clone(),
                source,
            })?;
        let path = self.path(name);
        write_atomically(&path, &bytes).map_err(|source| Error::Write { path, source })
    }

    fn read<T: DeserializeOwned>(&self, name: &str) -> Result<Option<(T, String)>, Error> {
        let path = self.path(name);
        let bytes = match read_bounded(&path) {
            Ok(Bounded::Whole(bytes)) => bytes,
            Ok(Bounded::TooLarge(size)) => return Err(Error::TooLarge { path, size }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(Error::Read { path, source }),
        };
        let decode = |source| Error::Decode {
            path: path.clone(),
            source,
        };
        let header: Header = serde_json::from_slice(&bytes).map_err(decode)?;
        if header.format != FORMAT {
            return Err(Error::Format {
                path,
                found: header.format,
            });
        }
        let entry: Entry<T> = serde_json::from_slice(&bytes).map_err(decode)?;
        if entry.service != self.service {
            return Err(Error::OtherService {
                path,
                found: entry.service,
                expected: self.service.clone(),
            });
        }
        Ok(Some((entry.data, entry.written)))
    }
}

/// A file read whole, or the size that kept it from being read.
enum Bounded {
    Whole(Vec<u8>),
    TooLarge(u64),
}

/// Reads `path` unless it holds more than [`MAX_ENTRY_BYTES`]; reading stops there even if the
/// file grows meanwhile.
fn read_bounded(path: &Path) -> std::io::Result<Bounded> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    if size > MAX_ENTRY_BYTES {
        return Ok(Bounded::TooLarge(size));
    }
    let mut bytes = Vec::new();
    file.take(MAX_ENTRY_BYTES + 1).read_to_end(&mut bytes)?;
    match bytes.len() as u64 {
        read if read > MAX_ENTRY_BYTES => Ok(Bounded::TooLarge(read)),
        _ => Ok(Bounded::Whole(bytes)),
    }
}

/// Writes `bytes` to a temporary file (mode 0600) beside `path`, syncs it and renames it to
/// `path`, then syncs the directory so the rename itself is on disk.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    let temporary = PathBuf::from(temporary);
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)?;
        // A file left by an earlier process of the same id keeps its mode on open.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// The error and its cause, on one line.
fn described(err: &Error) -> String {
    match std::error::Error::source(err) {
        Some(cause) => format!("{err}: {cause}"),
        None => err.to_string(),
    }
}

/// What the cache did, for `/config`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// The directory.
    pub dir: PathBuf,
    /// When the configuration the sidecar started from was written, if it started from one.
    pub restored_from: Option<String>,
    /// When the configuration was last saved (RFC 3339).
    pub saved: Option<String>,
    /// Why the last read or write failed, if it did.
    pub error: Option<String>,
}

/// Reads the configuration saved last; a cache that cannot be used is logged and the sidecar
/// starts without it.
pub fn restore(cache: &Cache, kinds: &'static [Kind]) -> (Option<Catalog>, Status) {
    let mut status = Status {
        dir: cache.dir().to_path_buf(),
        ..Status::default()
    };
    match cache.load_catalog(kinds) {
        Ok(Some(restored)) => {
            tracing::info!(dir = %cache.dir().display(), written = %restored.written, "starting from the cached configuration");
            status.restored_from = Some(restored.written);
            (Some(restored.catalog), status)
        }
        Ok(None) => (None, status),
        Err(err) => {
            let reason = described(&err);
            tracing::warn!(error = %reason, "cached configuration not used");
            status.error = Some(reason);
            (None, status)
        }
    }
}

/// Saves the configuration whenever it changed and is complete, at most once per second, until
/// `stop` turns true.
pub async fn keep(
    cache: Cache,
    mut catalog: watch::Receiver<Arc<Catalog>>,
    status: watch::Sender<Status>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            changed = catalog.changed() => if changed.is_err() { return },
            _ = stop.changed() => return,
        }
        let current = Arc::clone(&catalog.borrow_and_update());
        if !current.is_synced() {
            continue;
        }
        let writer = cache.clone();
        let saved = tokio::task::spawn_blocking(move || writer.save_catalog(&current)).await;
        match saved {
            Ok(Ok(())) => status.send_modify(|s| {
                s.saved = Some(humantime::format_rfc3339_millis(SystemTime::now()).to_string());
                s.error = None;
            }),
            Ok(Err(err)) => {
                let reason = described(&err);
                tracing::warn!(error = %reason, "cannot cache the configuration");
                status.send_modify(|s| s.error = Some(reason));
            }
            Err(err) => tracing::warn!(error = %err, "caching the configuration stopped"),
        }
        tokio::select! {
            () = tokio::time::sleep(SAVE_GAP) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests;
