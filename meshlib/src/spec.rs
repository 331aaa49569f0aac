//! Per-kind spec types and the one generic path that decodes, defaults and validates them.
//!
//! A kind owns only its data shape and the rules a schema cannot express; everything else
//! (key matching, structural checks, error paths) is shared here and in [`crate::schema`].

pub mod canary;
pub mod custom;
pub mod fence;
pub mod ingress;
pub mod instance;
pub mod load_balance;
pub mod matching;
pub mod mesh_controller;
pub mod mock;
pub mod observability;
pub mod resilience;
pub mod service;
pub mod shadow;
pub mod smi;
pub mod tenant;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::validate::{FieldError, Problems};

/// A kind's spec: its shape (serde + JSON Schema) and its semantic rules.
pub trait Spec: Serialize + DeserializeOwned + JsonSchema + 'static {
    /// Fills in values the control plane would otherwise assume (e.g. canary priority 5).
    fn apply_defaults(&mut self) {}

    /// Records every rule the value breaks; `at` is the path of the spec (`spec`, or empty
    /// when the fields sit at the document root).
    fn validate(&self, at: &str, problems: &mut Problems);

    /// Rules on the object's name beyond the common ones.
    fn validate_name(_name: &str, _problems: &mut Problems) {}
}

/// Decodes `value` as spec `T`: matches field names case-insensitively, checks structure and
/// rules, applies defaults and returns the canonical camelCase form.
///
/// # Errors
/// Returns every problem found, with paths starting at `at`.
pub fn normalize<T: Spec>(name: &str, mut value: Value, at: &str) -> Result<Value, Vec<FieldError>> {
    let schema = crate::schema::of::<T>();
    let mut problems = Problems::default();
    T::validate_name(name, &mut problems);
    schema.canonicalize(&mut value, at, &mut problems);
    // Unknown fields are reported already; drop them so the rules below still run and the user
    // sees every problem at once. Wrong types stop here: the typed rules cannot be evaluated.
    let structural = schema.check(&value, at);
    if !structural.is_empty() {
        // Still check the rules on what is well-formed, so every problem is reported at once.
        if let Ok(mut spec) = serde_json::from_value::<T>(schema.pruned(&value)) {
            spec.apply_defaults();
            let mut rules = Problems::default();
            spec.validate(at, &mut rules);
            let reported: Vec<&str> = structural.iter().map(|p| p.field.as_str()).collect();
            let extra: Vec<FieldError> = rules
                .into_vec()
                .into_iter()
                .filter(|p| !reported.iter().any(|r| p.field.starts_with(r)))
                .collect();
            problems.extend(extra);
        }
        problems.extend(structural);
        problems.sort();
        return Err(problems.into_vec());
    }
    let mut spec: T = serde_json::from_value(value).map_err(|err| {
        vec![FieldError {
            field: at.to_owned(),
            message: err.to_string(),
        }]
    })?;
    spec.apply_defaults();
    spec.validate(at, &mut problems);
    problems.sort();
    if !problems.is_empty() {
        return Err(problems.into_vec());
    }
    serde_json::to_value(&spec).map_err(|err| {
        vec![FieldError {
            field: at.to_owned(),
            message: err.to_string(),
        }]
    })
}

/// The JSON Schema of spec `T`, as published in the OpenAPI document.
#[must_use]
pub fn json_schema<T: Spec>() -> Value {
    crate::schema::of::<T>().json().clone()
}
