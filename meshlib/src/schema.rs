//! JSON Schemas of the built-in specs: case-insensitive field matching (EaseMesh decoded field
//! names case-insensitively) and structural checks with readable, path-named messages.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::{Map, Value};

use crate::spec::Spec;
use crate::validate::{FieldError, Problems, join};

/// A spec type's schema, compiled once.
pub struct SpecSchema {
    json: Value,
    validator: jsonschema::Validator,
}

static CACHE: LazyLock<RwLock<HashMap<TypeId, &'static SpecSchema>>> = LazyLock::new(Default::default);

/// The compiled schema of `T` (built on first use and kept for the life of the process).
pub fn of<T: Spec>() -> &'static SpecSchema {
    let id = TypeId::of::<T>();
    if let Some(schema) = CACHE.read().expect("schema cache lock poisoned").get(&id) {
        return schema;
    }
    let json = schemars::schema_for!(T).to_value();
    let validator = jsonschema::validator_for(&json).expect("generated spec schemas are valid");
    let schema: &'static SpecSchema = Box::leak(Box::new(SpecSchema { json, validator }));
    CACHE.write().expect("schema cache lock poisoned").insert(id, schema);
    schema
}

impl SpecSchema {
    /// The schema document.
    #[must_use]
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// Renames keys that match a declared field case-insensitively to the declared spelling,
    /// and records keys that match no field.
    pub fn canonicalize(&self, value: &mut Value, at: &str, problems: &mut Problems) {
        walk(&self.json, &self.json, value, at, problems);
    }

    /// A copy of `value` without the nodes that break the schema, so rules can still be checked
    /// on the rest.
    #[must_use]
    pub fn pruned(&self, value: &Value) -> Value {
        let mut pointers = Vec::new();
        for error in self.validator.iter_errors(value) {
            leaf_pointers(&error, &mut pointers);
        }
        pointers.retain(|p| !p.is_empty());
        // Deepest first, so removing a parent never invalidates a child pointer.
        pointers.sort_by_key(|p| std::cmp::Reverse(p.matches('/').count()));
        let mut copy = value.clone();
        for pointer in pointers {
            let (parent, last) = pointer.rsplit_once('/').unwrap_or(("", &pointer));
            let last = last.replace("~1", "/").replace("~0", "~");
            match copy.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    map.remove(&last);
                }
                Some(Value::Array(items)) => {
                    if let Ok(i) = last.parse::<usize>()
                        && i < items.len()
                    {
                        items[i] = Value::Null;
                    }
                }
                _ => {}
            }
        }
        copy
    }

    /// Structural problems of an already canonicalized value (types, required fields, enums).
    #[must_use]
    pub fn check(&self, value: &Value, at: &str) -> Vec<FieldError> {
        describe_errors(self.validator.iter_errors(value), at, false)
    }
}

fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    let mut node = node;
    // Follow local `$ref`s (schemars emits `#/$defs/Name`).
    for _ in 0..16 {
        let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
            break;
        };
        match reference.strip_prefix('#').and_then(|pointer| root.pointer(pointer)) {
            Some(target) => node = target,
            None => break,
        }
    }
    node
}

/// The branch of an `anyOf`/`oneOf` that describes `value`'s shape (schemars wraps optional
/// structs as `anyOf: [{$ref}, {type: null}]`).
fn branch_for<'a>(root: &'a Value, node: &'a Value, value: &Value) -> &'a Value {
    let node = resolve(root, node);
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(branches) = node.get(key).and_then(Value::as_array) {
            for branch in branches {
                let branch = resolve(root, branch);
                let fits = match value {
                    Value::Object(_) => {
                        branch.get("properties").is_some() || branch.get("additionalProperties").is_some()
                    }
                    Value::Array(_) => branch.get("items").is_some(),
                    _ => false,
                };
                if fits {
                    return branch;
                }
            }
        }
    }
    node
}

fn walk(root: &Value, node: &Value, value: &mut Value, at: &str, problems: &mut Problems) {
    let node = branch_for(root, node, value);
    match value {
        Value::Object(map) => {
            if let Some(properties) = node.get("properties").and_then(Value::as_object) {
                let closed = node.get("additionalProperties") == Some(&Value::Bool(false));
                let old = std::mem::take(map);
                let mut renamed = Map::with_capacity(old.len());
                for (key, mut child) in old {
                    let declared = if properties.contains_key(&key) {
                        Some(key.clone())
                    } else {
                        properties.keys().find(|p| p.eq_ignore_ascii_case(&key)).cloned()
                    };
                    match declared {
                        Some(name) => {
                            let path = join(at, &name);
                            walk(root, &properties[&name], &mut child, &path, problems);
                            if renamed.contains_key(&name) {
                                problems.push(path, format!("given twice (as {key:?} and another spelling)"));
                            }
                            renamed.insert(name, child);
                        }
                        None => {
                            if closed {
                                let expected: Vec<&str> = properties.keys().map(String::as_str).collect();
                                problems.push(
                                    join(at, &key),
                                    format!("unknown field; expected one of: {}", expected.join(", ")),
                                );
                            } else {
                                renamed.insert(key, child);
                            }
                        }
                    }
                }
                *map = renamed;
            } else if let Some(values) = node.get("additionalProperties").filter(|v| v.is_object()) {
                for (key, child) in map.iter_mut() {
                    walk(root, values, child, &join(at, key), problems);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = node.get("items") {
                for (i, child) in items.iter_mut().enumerate() {
                    walk(root, item, child, &format!("{at}[{i}]"), problems);
                }
            }
        }
        _ => {}
    }
}

/// Converts a JSON pointer into a dotted field path under `at` (`/rules/0/path` → `at.rules[0].path`).
fn field_path(at: &str, pointer: &str) -> String {
    let mut path = at.to_owned();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if segment.parse::<usize>().is_ok() {
            path.push_str(&format!("[{segment}]"));
        } else {
            path = join(&path, &segment);
        }
    }
    path
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

fn expected_types(kind: &TypeKind) -> String {
    let names: Vec<String> = match kind {
        TypeKind::Single(t) => vec![t.to_string()],
        TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
    };
    let names: Vec<String> = names
        .into_iter()
        .filter(|n| n != "null")
        .map(|n| match n.as_str() {
            "object" => "mapping".to_owned(),
            "array" => "list".to_owned(),
            _ => n,
        })
        .collect();
    names.join(" or ")
}

fn show(value: &Value) -> String {
    match value {
        Value::Object(_) => "a mapping".to_owned(),
        Value::Array(_) => "a list".to_owned(),
        other => other.to_string(),
    }
}

/// Turns schema violations into field errors. Built-in specs report unknown fields from
/// [`SpecSchema::canonicalize`] (with the expected names), so only custom schemas ask for them here.
pub fn describe_errors<'a>(
    errors: impl Iterator<Item = jsonschema::ValidationError<'a>>,
    at: &str,
    report_unknown: bool,
) -> Vec<FieldError> {
    let mut out = Vec::new();
    for error in errors {
        describe(&error, at, report_unknown, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

/// The branch of an `anyOf`/`oneOf` failure whose type fits the value, if exactly one does.
fn fitting_branch<'e>(
    error: &jsonschema::ValidationError<'_>,
    context: &'e [Vec<jsonschema::ValidationError<'static>>],
) -> Option<&'e Vec<jsonschema::ValidationError<'static>>> {
    let fitting: Vec<&Vec<jsonschema::ValidationError<'static>>> = context
        .iter()
        .filter(|branch| {
            !branch.iter().any(|e| {
                matches!(
                    e.kind(),
                    ValidationErrorKind::Type { .. } | ValidationErrorKind::Constant { .. }
                ) && e.instance_path().as_str() == error.instance_path().as_str()
            })
        })
        .collect();
    match fitting[..] {
        [branch] => Some(branch),
        _ => None,
    }
}

/// Instance pointers of the innermost failures.
fn leaf_pointers(error: &jsonschema::ValidationError<'_>, out: &mut Vec<String>) {
    if let ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } = error.kind()
        && let Some(branch) = fitting_branch(error, context)
    {
        for inner in branch {
            leaf_pointers(inner, out);
        }
        return;
    }
    if !matches!(
        error.kind(),
        ValidationErrorKind::Required { .. } | ValidationErrorKind::AdditionalProperties { .. }
    ) {
        out.push(error.instance_path().as_str().to_owned());
    }
}

fn describe(error: &jsonschema::ValidationError<'_>, at: &str, report_unknown: bool, out: &mut Vec<FieldError>) {
    let path = field_path(at, error.instance_path().as_str());
    let instance = error.instance();
    let message = match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            if report_unknown {
                for name in unexpected {
                    out.push(FieldError {
                        field: join(&path, name),
                        message: "unknown field".to_owned(),
                    });
                }
            }
            return;
        }
        ValidationErrorKind::Required { property } => {
            out.push(FieldError {
                field: join(&path, property.as_str().unwrap_or_default()),
                message: "is required".to_owned(),
            });
            return;
        }
        ValidationErrorKind::Type { kind } => {
            format!(
                "expected {}, got {} {}",
                expected_types(kind),
                type_name(instance),
                show(instance)
            )
        }
        ValidationErrorKind::Enum { options } => {
            let options: Vec<String> = options
                .as_array()
                .map(|o| o.iter().map(plain).collect())
                .unwrap_or_default();
            one_of(&options, instance)
        }
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            // Documented enums become `oneOf` of `const`s: list the allowed values.
            let constants: Option<Vec<String>> = context
                .iter()
                .map(|branch| {
                    branch.iter().find_map(|e| match e.kind() {
                        ValidationErrorKind::Constant { expected_value } => Some(plain(expected_value)),
                        _ => None,
                    })
                })
                .collect();
            if let Some(values) = constants.filter(|v| !v.is_empty()) {
                one_of(&values, instance)
            } else {
                // Optional values are `anyOf: [T, null]`: explain the branch whose type fits.
                if let Some(branch) = fitting_branch(error, context) {
                    for inner in branch {
                        describe(inner, at, report_unknown, out);
                    }
                    return;
                }
                error.to_string()
            }
        }
        ValidationErrorKind::Minimum { limit } => format!("must be at least {limit}, got {}", show(instance)),
        ValidationErrorKind::Maximum { limit } => format!("must be at most {limit}, got {}", show(instance)),
        _ => error.to_string(),
    };
    out.push(FieldError { field: path, message });
}

fn plain(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_owned)
}

fn one_of(options: &[String], got: &Value) -> String {
    format!("must be one of: {}; got {}", options.join(", "), show(got))
}
