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

/// Why a request failed, for programs: clients branch on it, never on the message, which is
/// for people and may change. Each reason has one HTTP status ([`Reason::status`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Reason {
    /// The object breaks a rule; `details` lists every field problem.
    Invalid,
    /// The request itself is malformed: its body, query or path.
    BadRequest,
    /// No token, or one the server does not know.
    Unauthorized,
    /// The token's role may not do this.
    Forbidden,
    /// The object (or the Service a part or instance belongs to) does not exist.
    NotFound,
    /// The kind is neither built in nor defined by a CustomResourceKind.
    UnknownKind,
    /// No route has this path.
    NoRoute,
    /// An object of that name exists already.
    AlreadyExists,
    /// The object changed since it was read (a stale `resourceVersion`), or something it refers
    /// to was deleted meanwhile.
    Conflict,
    /// The object is still in use: a tenant with services, a custom kind with resources.
    InUse,
    /// The route does not take this method (e.g. writing a kind sidecars register).
    MethodNotAllowed,
    /// The body is larger than the server accepts.
    PayloadTooLarge,
    /// The server cannot serve now (its store does not answer).
    Unavailable,
    /// The server failed; the cause is in its log.
    Internal,
    /// A reason this client does not know (a newer server), or none (an older one).
    #[default]
    #[serde(other)]
    Unknown,
}

impl Reason {
    /// Every reason a server sends, for the OpenAPI document and tests.
    pub const ALL: &[Reason] = &[
        Self::Invalid,
        Self::BadRequest,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::UnknownKind,
        Self::NoRoute,
        Self::AlreadyExists,
        Self::Conflict,
        Self::InUse,
        Self::MethodNotAllowed,
        Self::PayloadTooLarge,
        Self::Unavailable,
        Self::Internal,
    ];

    /// The HTTP status a server answers with for this reason.
    #[must_use]
    pub fn status(self) -> u16 {
        match self {
            Self::Invalid | Self::BadRequest => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound | Self::UnknownKind | Self::NoRoute => 404,
            Self::MethodNotAllowed => 405,
            Self::AlreadyExists | Self::Conflict | Self::InUse => 409,
            Self::PayloadTooLarge => 413,
            Self::Internal | Self::Unknown => 500,
            Self::Unavailable => 503,
        }
    }

    /// The name written in `reason` (`NotFound`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Invalid => "Invalid",
            Self::BadRequest => "BadRequest",
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden => "Forbidden",
            Self::NotFound => "NotFound",
            Self::UnknownKind => "UnknownKind",
            Self::NoRoute => "NoRoute",
            Self::AlreadyExists => "AlreadyExists",
            Self::Conflict => "Conflict",
            Self::InUse => "InUse",
            Self::MethodNotAllowed => "MethodNotAllowed",
            Self::PayloadTooLarge => "PayloadTooLarge",
            Self::Unavailable => "Unavailable",
            Self::Internal => "Internal",
            Self::Unknown => "Unknown",
        }
    }
}

/// Error body of every failed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// HTTP status code.
    pub code: u16,
    /// Why, for programs.
    #[serde(default)]
    pub reason: Reason,
    /// What went wrong, for people; for validation errors it lists every problem.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_is_written_by_its_name_and_read_back() {
        for reason in Reason::ALL {
            let text = serde_json::to_string(reason).expect("serialise");
            assert_eq!(text, format!("\"{}\"", reason.name()));
            assert_eq!(serde_json::from_str::<Reason>(&text).expect("parse"), *reason);
            assert!((400..600).contains(&reason.status()), "{reason:?}");
        }
    }

    #[test]
    fn a_reason_from_a_newer_server_or_none_reads_as_unknown() {
        let body: ErrorBody = serde_json::from_str(r#"{"code":418,"reason":"Teapot","message":"x"}"#).expect("parse");
        assert_eq!(body.reason, Reason::Unknown);
        let body: ErrorBody = serde_json::from_str(r#"{"code":404,"message":"x"}"#).expect("parse");
        assert_eq!(body.reason, Reason::Unknown);
    }
}
