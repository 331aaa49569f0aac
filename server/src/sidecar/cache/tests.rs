//! The cache's entries: written whole with mode 0600, read back only by a sidecar of the same
//! format and service.

use std::os::unix::fs::PermissionsExt as _;

use meshlib::kind::ResourceKind;
use serde_json::json;

use super::*;

const KINDS: &[Kind] = &[Kind::Service, Kind::ServiceInstance];

fn catalog() -> Catalog {
    let mut catalog = Catalog::watching(KINDS);
    let service = Resource::new(
        &ResourceKind::Builtin(Kind::Service),
        "back",
        json!({"registerTenant": "shop"}),
    );
    catalog.objects.insert(
        Kind::Service.name().to_owned(),
        BTreeMap::from([("back".to_owned(), service)]),
    );
    catalog.synced.insert(Kind::Service.name().to_owned(), "7".to_owned());
    // Instances are being read: not complete, so not saved.
    catalog
        .objects
        .insert(Kind::ServiceInstance.name().to_owned(), BTreeMap::new());
    catalog
}

fn names(catalog: &Catalog, kind: Kind) -> Vec<&str> {
    catalog.of(kind).map(|r| r.metadata.name.as_str()).collect()
}

#[test]
fn a_saved_configuration_comes_back_with_only_its_complete_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path().join("cache"), "front");
    cache.save_catalog(&catalog()).unwrap();
    let restored = cache.load_catalog(KINDS).unwrap().expect("an entry");
    assert_eq!(names(&restored.catalog, Kind::Service), ["back"]);
    assert_eq!(restored.catalog.synced.get("Service").map(String::as_str), Some("7"));
    assert!(
        !restored.catalog.synced.contains_key("ServiceInstance"),
        "an incomplete kind is read from the control plane again"
    );
    assert!(!restored.catalog.is_synced());
}

#[test]
fn nothing_saved_is_no_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path().join("never-created"), "front");
    assert!(cache.load_catalog(KINDS).unwrap().is_none());
}

#[test]
fn entries_are_private_to_the_sidecars_user_and_leave_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path().join("cache"), "front");
    cache.save_catalog(&catalog()).unwrap();
    cache.save_catalog(&catalog()).unwrap();
    let files: Vec<String> = std::fs::read_dir(cache.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["catalog.json"]);
    let mode = std::fs::metadata(cache.dir().join("catalog.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let dir_mode = std::fs::metadata(cache.dir()).unwrap().permissions().mode();
    assert_eq!(dir_mode & 0o777, 0o700, "a directory the cache creates is private too");
}

#[test]
fn an_entry_of_another_format_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path(), "front");
    // What a later sidecar might write: another format, another shape.
    let newer = json!({"format": FORMAT + 1, "service": "front", "catalog": {"kinds": []}});
    std::fs::write(dir.path().join("catalog.json"), newer.to_string()).unwrap();
    let err = cache.load_catalog(KINDS).unwrap_err();
    assert!(
        matches!(err, Error::Format { found, .. } if found == FORMAT + 1),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("has cache format 2; this sidecar reads format 1"),
        "{err}"
    );
}

#[test]
fn an_entry_of_another_service_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    Cache::new(dir.path(), "back").save_catalog(&catalog()).unwrap();
    let err = Cache::new(dir.path(), "front").load_catalog(KINDS).unwrap_err();
    assert!(matches!(err, Error::OtherService { .. }), "{err:?}");
}

#[test]
fn a_damaged_entry_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("catalog.json"), b"{\"format\": 1, \"serv").unwrap();
    let err = Cache::new(dir.path(), "front").load_catalog(KINDS).unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[test]
fn an_entry_larger_than_the_bound_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = std::fs::File::create(dir.path().join("catalog.json")).unwrap();
    // Sparse: the size is there without the disk it would take.
    file.set_len(MAX_ENTRY_BYTES + 1).unwrap();
    let err = Cache::new(dir.path(), "front").load_catalog(KINDS).unwrap_err();
    assert!(
        matches!(err, Error::TooLarge { size, .. } if size == MAX_ENTRY_BYTES + 1),
        "{err:?}"
    );
}

#[test]
fn a_directory_that_cannot_be_made_is_a_write_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"").unwrap();
    let err = Cache::new(file.join("cache"), "front")
        .save_catalog(&catalog())
        .unwrap_err();
    assert!(matches!(err, Error::Write { .. }), "{err:?}");
}

#[test]
fn an_unusable_cache_is_reported_and_the_sidecar_starts_without_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("catalog.json"), b"not json").unwrap();
    let (catalog, status) = restore(&Cache::new(dir.path(), "front"), KINDS);
    assert!(catalog.is_none());
    assert!(status.restored_from.is_none());
    assert!(status.error.unwrap().contains("is not a cache entry"));
}
