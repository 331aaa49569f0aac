//! What the mesh accepts, validates and stores but does not act on yet: whole kinds and single
//! fields, in one table ([`INERT`]). `emctl apply`, `create` and `edit` warn about each one an
//! object sets, and `emctl api-resources` lists them, so nobody mistakes a stored setting for a
//! working one. When a later change makes one of them real, it removes its row here.

use serde_json::Value;

use crate::kind::Kind;
use crate::resource::Resource;

/// A kind, or a field of a kind, that nothing acts on yet.
#[derive(Debug)]
pub struct Inert {
    /// The kind.
    pub kind: Kind,
    /// JSON pointer into `spec`; empty when the whole kind is inert.
    pub pointer: &'static str,
    /// Values (as JSON text) that ask for what the mesh does anyway, so setting them needs no
    /// warning: EaseMesh files carry the conventional sidecar settings on every Service.
    pub matches_behaviour: &'static [&'static str],
    /// What happens instead, in a few words.
    pub note: &'static str,
}

const fn kind(kind: Kind, note: &'static str) -> Inert {
    Inert {
        kind,
        pointer: "",
        matches_behaviour: &[],
        note,
    }
}

const fn field(kind: Kind, pointer: &'static str, note: &'static str) -> Inert {
    Inert {
        kind,
        pointer,
        matches_behaviour: &[],
        note,
    }
}

const fn field_unless(
    kind: Kind,
    pointer: &'static str,
    matches_behaviour: &'static [&'static str],
    note: &'static str,
) -> Inert {
    Inert {
        kind,
        pointer,
        matches_behaviour,
        note,
    }
}

const NO_AGENT: &str = "there is no in-app agent to hand it to";

/// Everything accepted but not acted on, by kind.
pub static INERT: &[Inert] = &[
    field(
        Kind::MeshController,
        "/security",
        "there is no mTLS between sidecars yet (they talk plain HTTP)",
    ),
    field(
        Kind::MeshController,
        "/externalServiceRegistry",
        "no external registry is synchronised yet",
    ),
    field(
        Kind::MeshController,
        "/cleanExternalRegistry",
        "no external registry is synchronised yet",
    ),
    field(Kind::MeshController, "/monitorMTLS", NO_AGENT),
    field(
        Kind::MeshController,
        "/workerSpec",
        "sidecar listeners keep connections alive with fixed settings (idle ones close after 75 s)",
    ),
    field(
        Kind::MeshController,
        "/ingressPort",
        "the ingress controller listens on the port it is started with (`emctl install --ingress-port`)",
    ),
    field(
        Kind::Service,
        "/registryName",
        "no external registry is synchronised yet",
    ),
    field_unless(
        Kind::Service,
        "/sidecar/discoveryType",
        &["\"eureka\""],
        "every sidecar answers Eureka, Consul and Nacos clients at once",
    ),
    field_unless(
        Kind::Service,
        "/sidecar/address",
        &["\"127.0.0.1\""],
        "a sidecar reaches its app on 127.0.0.1",
    ),
    field_unless(
        Kind::Service,
        "/sidecar/ingressPort",
        &["13001"],
        "sidecars listen on the MeshController's sidecarIngressPort (MESH_INGRESS_PORT)",
    ),
    field_unless(
        Kind::Service,
        "/sidecar/egressPort",
        &["13002"],
        "sidecars listen on the MeshController's sidecarEgressPort (MESH_EGRESS_PORT)",
    ),
    field(Kind::Service, "/observability", NO_AGENT),
    kind(Kind::ObservabilityMetrics, NO_AGENT),
    kind(Kind::ObservabilityTracings, NO_AGENT),
    kind(Kind::ObservabilityOutputServer, NO_AGENT),
    kind(Kind::HttpRouteGroup, "no request is matched against route groups yet"),
    field(
        Kind::TrafficTarget,
        "/rules",
        "calls are not limited to these routes; a TrafficTarget only lets its sources discover the destination",
    ),
    field(
        Kind::TrafficSplit,
        "/matches",
        "every request to the service is split, whatever it matches",
    ),
    kind(
        Kind::ServiceFence,
        "each sidecar still gets the configuration of every service it may call",
    ),
];

/// A setting of an object that nothing acts on yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The field as users write it (`spec.security`); `None` when the whole kind is inert.
    pub field: Option<String>,
    /// What happens instead.
    pub note: &'static str,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field} is accepted but not acted on yet: {}", self.note),
            None => write!(f, "accepted but not acted on yet: {}", self.note),
        }
    }
}

/// The rows of `kind`, in table order.
pub fn of(kind: Kind) -> impl Iterator<Item = &'static Inert> {
    INERT.iter().filter(move |row| row.kind == kind)
}

/// How much of a kind the mesh acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Built {
    /// Every field.
    Yes,
    /// Some fields are stored only.
    Partly,
    /// Objects are stored only.
    No,
}

impl Built {
    /// `yes`, `partly` or `no`.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            Self::Yes => "yes",
            Self::Partly => "partly",
            Self::No => "no",
        }
    }
}

/// How much of `kind` the mesh acts on.
#[must_use]
pub fn built(kind: Kind) -> Built {
    if of(kind).any(|row| row.pointer.is_empty()) {
        Built::No
    } else if of(kind).next().is_some() {
        Built::Partly
    } else {
        Built::Yes
    }
}

/// One sentence saying what of `kind` is not acted on yet, for descriptions; `None` when all is.
#[must_use]
pub fn summary(kind: Kind) -> Option<String> {
    match built(kind) {
        Built::Yes => None,
        Built::No => Some(format!(
            "Stored but not acted on yet: {}.",
            of(kind).next().map_or("", |row| row.note)
        )),
        Built::Partly => Some(format!(
            "Stored but not acted on yet: {}.",
            of(kind)
                .map(|row| field_path(row.pointer))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The settings of `resource` that nothing acts on yet: a row of its kind whose field is set
/// (to anything but `null`, an empty value or what the mesh does anyway).
#[must_use]
pub fn warnings(resource: &Resource) -> Vec<Warning> {
    let Some(kind) = resource.kind.builtin() else {
        return Vec::new();
    };
    of(kind)
        .filter_map(|row| {
            if row.pointer.is_empty() {
                return Some(Warning {
                    field: None,
                    note: row.note,
                });
            }
            let value = resource.spec.pointer(row.pointer)?;
            let unset = match value {
                Value::Null => true,
                Value::Object(map) => map.is_empty(),
                Value::Array(items) => items.is_empty(),
                Value::String(text) => text.is_empty(),
                _ => false,
            };
            let text = value.to_string();
            let as_mesh_does = row.matches_behaviour.contains(&text.as_str());
            (!unset && !as_mesh_does).then(|| Warning {
                field: Some(field_path(row.pointer)),
                note: row.note,
            })
        })
        .collect()
}

/// `/sidecar/ingressPort` → `spec.sidecar.ingressPort`.
#[must_use]
pub fn field_path(pointer: &str) -> String {
    format!("spec{}", pointer.replace('/', "."))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kind::{KINDS, ResourceKind};

    fn resource(kind: Kind, spec: Value) -> Resource {
        Resource::new(&ResourceKind::Builtin(kind), "x", spec)
    }

    #[test]
    fn every_pointer_names_a_field_of_its_kinds_schema() {
        for row in INERT.iter().filter(|r| !r.pointer.is_empty()) {
            let schema = (row.kind.info().schema)();
            let top = row.pointer.trim_start_matches('/').split('/').next().expect("a field");
            assert!(
                schema["properties"].get(top).is_some(),
                "{}{}: not a field of the spec",
                row.kind,
                row.pointer
            );
        }
        assert!(
            KINDS.iter().any(|k| of(k.kind).next().is_none()),
            "some kinds are fully built"
        );
    }

    #[test]
    fn built_says_yes_partly_or_no() {
        assert_eq!(built(Kind::LoadBalance), Built::Yes);
        assert_eq!(built(Kind::MeshController), Built::Partly);
        assert_eq!(built(Kind::ServiceFence), Built::No);
        assert_eq!(summary(Kind::LoadBalance), None);
        assert!(summary(Kind::TrafficSplit).is_some_and(|s| s.contains("spec.matches")));
    }

    #[test]
    fn a_whole_inert_kind_always_warns() {
        let warnings = warnings(&resource(Kind::ServiceFence, json!({"enable": true})));
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].field, None);
    }

    #[test]
    fn a_field_warns_when_set_and_not_when_absent_empty_or_as_the_mesh_does() {
        let quiet = resource(
            Kind::Service,
            json!({"registerTenant": "t", "sidecar": {"discoveryType": "eureka", "address": "127.0.0.1",
                   "ingressPort": 13001, "egressPort": 13002, "ingressProtocol": "http"}, "registryName": ""}),
        );
        assert_eq!(warnings(&quiet), []);
        let loud = resource(
            Kind::Service,
            json!({"registerTenant": "t", "sidecar": {"discoveryType": "consul", "ingressPort": 14001},
                   "observability": {"metrics": {"enabled": true}}}),
        );
        let fields: Vec<String> = warnings(&loud).into_iter().filter_map(|w| w.field).collect();
        assert_eq!(
            fields,
            [
                "spec.sidecar.discoveryType",
                "spec.sidecar.ingressPort",
                "spec.observability"
            ]
        );
    }

    #[test]
    fn built_kinds_and_custom_kinds_never_warn() {
        assert_eq!(warnings(&resource(Kind::LoadBalance, json!({"policy": "random"}))), []);
        let custom = Resource::new(&ResourceKind::Custom("Shadow".into()), "x", json!({"a": 1}));
        assert_eq!(warnings(&custom), []);
    }
}
