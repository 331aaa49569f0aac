//! The control plane's REST surface, without I/O: paths and wire types shared by the server and
//! the client.
//!
//! Two route families serve the same objects:
//! - `/apis/v2/resources/{kind}[/{name}]`: full envelopes with `metadata.resourceVersion`, label
//!   selectors and watch streams (what emctl uses);
//! - `/apis/v2/mesh/...` and `/apis/v2/objects`: EaseMesh's routes and flat bodies, so existing
//!   EaseMesh clients keep working.

use serde::{Deserialize, Serialize};

use crate::kind::ResourceKind;
use crate::resource::{API_VERSION, Resource};
use crate::validate::FieldError;

/// Prefix of every API route.
pub const PREFIX: &str = "/apis/v2";

/// Path of a kind's collection.
#[must_use]
pub fn collection_path(kind: &ResourceKind) -> String {
    format!("{PREFIX}/resources/{}", kind.url_segment())
}

/// Path of one object.
#[must_use]
pub fn object_path(kind: &ResourceKind, name: &str) -> String {
    format!("{}/{name}", collection_path(kind))
}

/// Path of the registry's instances, or of one instance.
#[must_use]
pub fn registry_path(instance: Option<(&str, &str)>) -> String {
    match instance {
        Some((service, id)) => format!("{PREFIX}/registry/instances/{service}/{id}"),
        None => format!("{PREFIX}/registry/instances"),
    }
}

/// Error body of every failed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// HTTP status code.
    pub code: u16,
    /// What went wrong; for validation errors it lists every problem.
    pub message: String,
    /// Field problems of a refused object.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldError>,
}

/// A list of objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct List {
    /// Always [`API_VERSION`].
    pub api_version: String,
    /// Always `List`.
    pub kind: String,
    /// Store revision the list was read at; watch from here to miss nothing.
    #[serde(default)]
    pub metadata: ListMetadata,
    /// The objects, sorted by name.
    pub items: Vec<Resource>,
}

/// List bookkeeping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMetadata {
    /// Store revision the list was read at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
}

impl List {
    /// A list of `items`.
    #[must_use]
    pub fn new(items: Vec<Resource>, resource_version: Option<String>) -> Self {
        Self {
            api_version: API_VERSION.to_owned(),
            kind: "List".to_owned(),
            metadata: ListMetadata { resource_version },
            items,
        }
    }
}

/// What happened to an object, in a watch stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EventType {
    /// Created (or present when the watch started).
    Added,
    /// Updated.
    Modified,
    /// Deleted; the object is its last state.
    Deleted,
    /// The initial snapshot is complete; the object carries only the revision it was read at.
    /// A watcher that rebuilt its state from the ADDED events can use it from here on.
    Bookmark,
}

/// One line of a watch stream (newline-delimited JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchEvent {
    /// What happened.
    #[serde(rename = "type")]
    pub event: EventType,
    /// The object after the change (before, for deletions).
    pub object: Resource,
}

/// `GET /version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    /// Build version of meshd.
    pub version: String,
    /// Resource API version served.
    pub api_version: String,
    /// Storage backend in use.
    pub store: String,
}
