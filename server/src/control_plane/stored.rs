//! How objects sit in the store: their keys (`Kind/name`) and their encoding (the envelope as
//! JSON, without the resource version, which is the store's revision of the entry). Object
//! operations, the registry's instances, watches and the webhook all read and write through here.

use meshlib::kind::ResourceKind;
use meshlib::resource::Resource;

use super::error::ApiError;
use crate::store::Entry;

/// Store key of an object.
pub fn key(kind: &ResourceKind, name: &str) -> String {
    format!("{}/{name}", kind.name())
}

/// Store key prefix of a kind.
pub fn prefix(kind: &ResourceKind) -> String {
    format!("{}/", kind.name())
}

/// Decodes a stored entry and stamps its resource version.
pub fn decode(entry: &Entry) -> Result<Resource, ApiError> {
    let mut resource: Resource = serde_json::from_slice(&entry.value).map_err(|err| {
        tracing::error!(key = %entry.key, error = %err, "undecodable stored object");
        ApiError::Internal
    })?;
    resource.metadata.resource_version = Some(entry.revision.to_string());
    Ok(resource)
}

/// The stored bytes of an object: the envelope without its resource version.
pub fn encode(resource: &Resource) -> Vec<u8> {
    let mut stored = resource.clone();
    stored.metadata.resource_version = None;
    serde_json::to_vec(&stored).expect("resources serialise")
}
