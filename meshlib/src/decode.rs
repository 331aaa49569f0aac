//! Documents → validated resources: multi-document YAML or JSON, `List`s and arrays, the
//! EaseMesh envelope quirks (case-insensitive names, inline MeshController fields, the
//! `v1alpla1` typo), and every problem named by source, document and field.

use std::fmt;

use serde_json::{Map, Value};

use crate::kind::{Kind, ResourceKind, Scope};
use crate::resource::{ACCEPTED_API_VERSIONS, API_VERSION, Metadata, Resource};
use crate::validate::{FieldError, Problems, check_name};
use crate::yaml;

/// Where a document came from: `file.yaml: document 2` (items of a list add `, item 3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRef {
    /// File path, URL or `-` for standard input.
    pub source: String,
    /// 1-based document index within the source.
    pub index: usize,
    /// 1-based item index when the document is a list of objects.
    pub item: Option<usize>,
}

impl fmt::Display for DocumentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = if self.source == "-" { "<stdin>" } else { &self.source };
        write!(f, "{source}: document {}", self.index)?;
        if let Some(item) = self.item {
            write!(f, ", item {item}")?;
        }
        Ok(())
    }
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// The text is not YAML or JSON.
    #[error("invalid YAML{}: {}", position(.0.line, .0.column), .0.message)]
    Syntax(yaml::SyntaxError),
    /// The object breaks one or more rules.
    #[error("{} {}", subject(.kind.as_deref(), .name.as_deref()), count(.problems.len()))]
    Invalid {
        /// Kind, when it could be read.
        kind: Option<String>,
        /// Name, when it could be read.
        name: Option<String>,
        /// Every problem found.
        problems: Vec<FieldError>,
    },
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l}, column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}

fn subject(kind: Option<&str>, name: Option<&str>) -> String {
    match (kind, name) {
        (Some(k), Some(n)) => format!("{k}/{n} is invalid:"),
        (Some(k), None) => format!("{k} is invalid:"),
        _ => "document is invalid:".to_owned(),
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 problem".to_owned()
    } else {
        format!("{n} problems")
    }
}

impl DocumentError {
    /// The field problems, if any.
    #[must_use]
    pub fn problems(&self) -> &[FieldError] {
        match self {
            Self::Invalid { problems, .. } => problems,
            Self::Syntax(_) => &[],
        }
    }

    /// The message with every problem on its own indented line.
    #[must_use]
    pub fn report(&self) -> String {
        let mut out = self.to_string();
        for problem in self.problems() {
            out.push_str(&format!("\n  - {problem}"));
        }
        out
    }
}

/// One decoded document.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Where it came from.
    pub at: DocumentRef,
    /// The resource, or why it was refused.
    pub result: Result<Resource, DocumentError>,
}

/// Decodes every document of `text`; empty documents are skipped.
#[must_use]
pub fn decode_str(text: &str, source: &str) -> Vec<Decoded> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for (i, document) in yaml::documents(text).into_iter().enumerate() {
        let at = |item| DocumentRef {
            source: source.to_owned(),
            index: i + 1,
            item,
        };
        match document {
            Err(err) => out.push(Decoded {
                at: at(None),
                result: Err(DocumentError::Syntax(err)),
            }),
            Ok(Value::Null) => {}
            Ok(value) => match list_items(value) {
                Ok(items) => out.extend(items.into_iter().enumerate().map(|(j, item)| Decoded {
                    at: at(Some(j + 1)),
                    result: normalize(item),
                })),
                Err(single) => out.push(Decoded {
                    at: at(None),
                    result: normalize(single),
                }),
            },
        }
    }
    out
}

/// The items of a top-level array or a `kind: List` document; `Err` hands back anything else.
fn list_items(value: Value) -> Result<Vec<Value>, Value> {
    match value {
        Value::Array(items) => Ok(items),
        Value::Object(mut map)
            if map
                .get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| k.eq_ignore_ascii_case("List"))
                && map.get("items").is_some_and(Value::is_array) =>
        {
            match map.remove("items") {
                Some(Value::Array(items)) => Ok(items),
                _ => Err(Value::Object(map)),
            }
        }
        other => Err(other),
    }
}

const ENVELOPE: &[&str] = &["apiVersion", "kind", "metadata", "spec"];
const METADATA: &[&str] = &["name", "labels", "resourceVersion", "creationTimestamp"];

/// Validates one object and returns its canonical form.
///
/// # Errors
/// Returns every problem of the object.
pub fn normalize(value: Value) -> Result<Resource, DocumentError> {
    let Value::Object(raw) = value else {
        return Err(invalid(
            None,
            None,
            vec![problem(
                "",
                "expected a mapping with apiVersion, kind, metadata and spec",
            )],
        ));
    };
    let mut p = Problems::default();
    let mut top = Map::new();
    let mut extra = Map::new();
    for (key, v) in raw {
        match ENVELOPE.iter().find(|e| e.eq_ignore_ascii_case(&key)) {
            Some(name) => {
                top.insert((*name).to_owned(), v);
            }
            None => {
                extra.insert(key, v);
            }
        }
    }
    if let Some(version) = top.get("apiVersion") {
        match version.as_str() {
            Some(v) if ACCEPTED_API_VERSIONS.contains(&v) => {}
            _ => p.push(
                "apiVersion",
                format!("unsupported {}; expected {API_VERSION}", crate::table::text(version)),
            ),
        }
    }
    let kind = match top.get("kind") {
        Some(Value::String(k)) if !k.trim().is_empty() => Some(ResourceKind::from_document(k.trim())),
        Some(_) => {
            p.push("kind", "must be a non-empty string");
            None
        }
        None => {
            p.push("kind", "is required");
            None
        }
    };
    let is_controller = kind == Some(ResourceKind::Builtin(Kind::MeshController));
    // MeshController (and EaseMesh's flat bodies) may put `name` at the top.
    let top_name = if is_controller || !top.contains_key("metadata") {
        extra.remove("name")
    } else {
        None
    };
    let metadata = metadata(top.remove("metadata"), top_name, kind.as_ref(), &mut p);
    let name = metadata.as_ref().map(|m| m.name.clone());
    let kind_name = kind.as_ref().map(|k| k.name().to_owned());

    let (spec, at) = match (top.remove("spec"), is_controller && !extra.is_empty()) {
        (Some(spec), false) => (spec, "spec"),
        (None, true) => (Value::Object(std::mem::take(&mut extra)), ""),
        (Some(_), true) => {
            p.push(
                "",
                "MeshController fields go either under spec or at the top level, not both",
            );
            (Value::Null, "spec")
        }
        (None, false) => {
            p.push("spec", "is required");
            (Value::Null, "spec")
        }
    };
    for key in extra.keys() {
        p.push(
            key.as_str(),
            format!("unknown field; expected one of: {}", ENVELOPE.join(", ")),
        );
    }
    let spec = match (&kind, spec) {
        (None, _) | (_, Value::Null) => None,
        (Some(ResourceKind::Builtin(k)), spec) if spec.is_object() => {
            match (k.info().normalize)(name.as_deref().unwrap_or_default(), spec, at) {
                Ok(spec) => Some(spec),
                Err(problems) => {
                    p.extend(problems);
                    None
                }
            }
        }
        (Some(ResourceKind::Custom(_)), spec) if spec.is_object() => Some(spec),
        (_, other) => {
            p.push(
                if at.is_empty() { "spec" } else { at },
                format!("expected a mapping, got {}", crate::table::text(&other)),
            );
            None
        }
    };
    match (kind, metadata, spec) {
        (Some(kind), Some(metadata), Some(spec)) if p.is_empty() => Ok(Resource {
            api_version: API_VERSION.to_owned(),
            kind,
            metadata,
            spec,
        }),
        _ => Err(invalid(kind_name, name, p.into_vec())),
    }
}

fn metadata(
    raw: Option<Value>,
    top_name: Option<Value>,
    kind: Option<&ResourceKind>,
    p: &mut Problems,
) -> Option<Metadata> {
    let mut fields = match raw {
        Some(Value::Object(map)) => map,
        Some(other) => {
            p.push(
                "metadata",
                format!("expected a mapping, got {}", crate::table::text(&other)),
            );
            return None;
        }
        None => Map::new(),
    };
    let mut m = Map::new();
    for (key, v) in std::mem::take(&mut fields) {
        match METADATA.iter().find(|f| f.eq_ignore_ascii_case(&key)) {
            Some(f) => {
                m.insert((*f).to_owned(), v);
            }
            None => p.push(
                format!("metadata.{key}"),
                format!("unknown field; expected one of: {}", METADATA.join(", ")),
            ),
        }
    }
    let name = match m.remove("name").or(top_name) {
        Some(Value::String(name)) => name,
        Some(other) => {
            p.push(
                "metadata.name",
                format!("expected a string, got {}", crate::table::text(&other)),
            );
            return None;
        }
        None => {
            p.push("metadata.name", "is required");
            return None;
        }
    };
    let name_check = match kind.and_then(ResourceKind::builtin).map(|k| k.info().scope) {
        Some(Scope::Registry) => name
            .split_once('/')
            .ok_or_else(|| "expected <service>/<instance>".to_owned())
            .and_then(|(s, i)| check_name(s).and(check_name(i))),
        _ => check_name(&name),
    };
    if let Err(message) = name_check {
        p.push("metadata.name", message);
    }
    let mut labels = std::collections::BTreeMap::new();
    match m.remove("labels") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                let field = format!("metadata.labels.{k}");
                if let Err(message) = check_name(&k) {
                    p.push(&field, format!("invalid label key: {message}"));
                }
                match v {
                    Value::String(s) => {
                        labels.insert(k, s);
                    }
                    Value::Number(_) | Value::Bool(_) => {
                        labels.insert(k, v.to_string());
                    }
                    other => p.push(field, format!("expected a string, got {}", crate::table::text(&other))),
                }
            }
        }
        Some(other) => p.push(
            "metadata.labels",
            format!("expected a mapping, got {}", crate::table::text(&other)),
        ),
    }
    if !labels.is_empty()
        && matches!(
            kind.and_then(ResourceKind::builtin).map(|k| k.info().scope),
            Some(Scope::ServicePart(_))
        )
    {
        p.push(
            "metadata.labels",
            "this kind is part of a Service and has no labels of its own; label the Service instead",
        );
    }
    let scalar = |v: Option<Value>| match v {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    Some(Metadata {
        name,
        labels,
        resource_version: scalar(m.remove("resourceVersion")),
        creation_timestamp: scalar(m.remove("creationTimestamp")),
    })
}

fn problem(field: &str, message: &str) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

fn invalid(kind: Option<String>, name: Option<String>, problems: Vec<FieldError>) -> DocumentError {
    DocumentError::Invalid { kind, name, problems }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Result<Resource, DocumentError> {
        let mut docs = decode_str(text, "t.yaml");
        assert_eq!(docs.len(), 1, "{docs:?}");
        docs.remove(0).result
    }

    #[test]
    fn field_names_match_case_insensitively_and_come_back_camel_case() {
        let r = one("apiversion: mesh.megaease.com/v1alpla1\nKind: service\nMetadata: {Name: order}\nspec:\n  REGISTERTENANT: t1\n  LoadBalance: {POLICY: random}\n").unwrap();
        assert_eq!(r.kind, Kind::Service);
        assert_eq!(r.api_version, API_VERSION);
        assert_eq!(r.spec["registerTenant"], "t1");
        assert_eq!(r.spec["loadBalance"]["policy"], "random");
        assert_eq!(r.spec["sidecar"]["ingressPort"], 13001);
    }

    #[test]
    fn mesh_controller_fields_may_sit_at_the_top() {
        let r = one("kind: MeshController\nmetadata: {name: easemesh-controller}\nheartbeatInterval: 5s\nregistryType: consul\n").unwrap();
        assert_eq!(r.spec["heartbeatInterval"], "5s");
        assert_eq!(r.spec["registryType"], "consul");
    }

    #[test]
    fn lists_arrays_and_empty_documents() {
        let text = "---\n---\nkind: List\nitems:\n- {kind: Tenant, metadata: {name: a}, spec: {}}\n- {kind: Tenant, metadata: {name: b}, spec: {}}\n---\n- {kind: Tenant, metadata: {name: c}, spec: {}}\n";
        let docs = decode_str(text, "t.yaml");
        let names: Vec<String> = docs
            .iter()
            .map(|d| d.result.as_ref().unwrap().metadata.name.clone())
            .collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(docs[1].at.to_string(), "t.yaml: document 2, item 2");
    }

    #[test]
    fn custom_kinds_keep_their_spec() {
        let r = one("kind: LoadTest\nmetadata: {name: s1}\nspec: {target: order, requestsPerSecond: 5}\n").unwrap();
        assert_eq!(r.kind, ResourceKind::Custom("LoadTest".into()));
        assert_eq!(r.spec["target"], "order");
    }
}
