//! CustomResourceKind and custom resources: user-defined kinds (e.g. ShadowService) whose
//! resources are validated against the kind's JSON Schema.
//!
//! As in EaseMesh, the schema applies to the flat form of a resource, `{name, kind, ...spec}`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::validate::{FieldError, Problems, join};

/// A custom kind and its JSON Schema.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomResourceKindSpec {
    /// JSON Schema every resource of this kind must satisfy (an object).
    #[schemars(extend("type" = "object"))]
    pub json_schema: Value,
}

impl super::Spec for CustomResourceKindSpec {
    fn validate(&self, at: &str, p: &mut Problems) {
        if !self.json_schema.is_object() {
            p.push(join(at, "jsonSchema"), "must be a JSON Schema object");
        } else if let Err(err) = jsonschema::validator_for(&self.json_schema) {
            p.push(join(at, "jsonSchema"), format!("invalid JSON Schema: {err}"));
        }
    }

    fn validate_name(name: &str, p: &mut Problems) {
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric())
            && name.len() <= 63;
        if !valid {
            p.push(
                "metadata.name",
                "a kind name is 1-63 letters and digits, starting with a letter",
            );
        } else if crate::kind::Kind::from_name(name).is_some() {
            p.push("metadata.name", format!("{name:?} is a built-in kind"));
        }
    }
}

/// The flat form a custom kind's schema is written against.
#[must_use]
pub fn flat(kind: &str, name: &str, spec: &Value) -> Value {
    let mut map = Map::new();
    map.insert("name".into(), Value::String(name.to_owned()));
    map.insert("kind".into(), Value::String(kind.to_owned()));
    if let Value::Object(fields) = spec {
        for (k, v) in fields {
            if k != "name" && k != "kind" {
                map.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(map)
}

/// Validates a custom resource's spec against its kind's schema.
///
/// # Errors
/// Returns every schema violation, with paths under `spec`.
pub fn validate_resource(schema: &Value, kind: &str, name: &str, spec: &Value) -> Result<(), Vec<FieldError>> {
    if !spec.is_object() {
        return Err(vec![FieldError {
            field: "spec".into(),
            message: "must be a mapping".into(),
        }]);
    }
    let validator = jsonschema::validator_for(schema).map_err(|err| {
        vec![FieldError {
            field: String::new(),
            message: format!("kind {kind} has an invalid schema: {err}"),
        }]
    })?;
    let instance = flat(kind, name, spec);
    let mut problems = crate::schema::describe_errors(validator.iter_errors(&instance), "spec", true);
    for problem in &mut problems {
        if let Some(top) = [("spec.name", "metadata.name"), ("spec.kind", "kind")]
            .iter()
            .find(|(from, _)| problem.field == *from)
        {
            problem.field = top.1.to_owned();
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}
