//! The resource envelope every kind shares (`apiVersion`, `kind`, `metadata`, `spec`) and the
//! EaseMesh "flat" body form (`{name, ...spec}`) its REST API used.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::kind::{Kind, ResourceKind};

/// The API version written on every object.
pub const API_VERSION: &str = "mesh.megaease.com/v2alpha1";

/// API versions accepted on input (`v1alpla1` is a typo found in EaseMesh's own examples).
pub const ACCEPTED_API_VERSIONS: &[&str] = &[API_VERSION, "mesh.megaease.com/v1alpha1", "mesh.megaease.com/v1alpla1"];

/// A mesh resource of any kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// Always [`API_VERSION`] once decoded.
    pub api_version: String,
    /// The kind, written as its canonical name.
    pub kind: ResourceKind,
    /// Name, labels and bookkeeping.
    pub metadata: Metadata,
    /// The kind's spec, in canonical camelCase.
    #[serde(default)]
    pub spec: Value,
}

/// Object metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// Unique within the kind.
    pub name: String,
    /// Free-form labels, selectable with `-l`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Changes on every write; an update carrying a stale one is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// When the object was created (RFC 3339, set by the control plane).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
}

impl Resource {
    /// A new object with the canonical API version.
    #[must_use]
    pub fn new(kind: &ResourceKind, name: &str, spec: Value) -> Self {
        Self {
            api_version: API_VERSION.to_owned(),
            kind: kind.clone(),
            metadata: Metadata {
                name: name.to_owned(),
                ..Metadata::default()
            },
            spec,
        }
    }

    /// `Kind/name`, as messages name objects.
    #[must_use]
    pub fn reference(&self) -> String {
        format!("{}/{}", self.kind, self.metadata.name)
    }

    /// True when the user-owned content (spec and labels) is the same.
    #[must_use]
    pub fn same_content(&self, other: &Self) -> bool {
        self.spec == other.spec && self.metadata.labels == other.metadata.labels
    }

    /// The EaseMesh v2alpha1 body: `{name, ...spec}`; custom resources, MeshController and
    /// ShadowService (a custom kind in EaseMesh) also carry `kind`. The resource version rides along as `resourceVersion`.
    #[must_use]
    pub fn to_flat(&self) -> Value {
        let mut map = Map::new();
        if matches!(
            self.kind,
            ResourceKind::Custom(_) | ResourceKind::Builtin(Kind::MeshController | Kind::ShadowService)
        ) {
            map.insert("kind".into(), Value::String(self.kind.name().to_owned()));
        }
        map.insert("name".into(), Value::String(self.metadata.name.clone()));
        if let Value::Object(spec) = &self.spec {
            for (k, v) in spec {
                map.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        if let Some(version) = &self.metadata.resource_version {
            map.insert("resourceVersion".into(), Value::String(version.clone()));
        }
        Value::Object(map)
    }

    /// Builds the envelope of an EaseMesh flat body (the inverse of [`Self::to_flat`]).
    /// The result still needs [`crate::decode::normalize`].
    #[must_use]
    pub fn envelope_from_flat(kind: &ResourceKind, flat: Value, name: Option<&str>) -> Value {
        let mut spec = match flat {
            Value::Object(map) => map,
            other => return other,
        };
        let body_name = spec.remove("name");
        spec.remove("kind");
        let version = spec.remove("resourceVersion");
        let mut metadata = Map::new();
        match (name, body_name) {
            (Some(name), _) => metadata.insert("name".into(), Value::String(name.to_owned())),
            (None, Some(name)) => metadata.insert("name".into(), name),
            (None, None) => None,
        };
        if let Some(version) = version {
            metadata.insert("resourceVersion".into(), version);
        }
        serde_json::json!({
            "apiVersion": API_VERSION,
            "kind": kind.name(),
            "metadata": metadata,
            "spec": spec,
        })
    }
}
