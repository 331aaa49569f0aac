//! Request bodies: JSON, or YAML (EaseMesh clients send MeshController objects as YAML with a
//! JSON content type), and how an envelope is checked against its URL.

use bytes::Bytes;
use meshlib::kind::ResourceKind;
use meshlib::resource::Resource;
use serde_json::Value;

use super::error::ApiError;

/// Parses a body as JSON, falling back to YAML.
pub fn parse(body: &Bytes) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("request body is empty"));
    }
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let text = std::str::from_utf8(body).map_err(|_| ApiError::bad_request("request body is not UTF-8"))?;
    match meshlib::yaml::documents(text).into_iter().next() {
        Some(Ok(value)) if !value.is_null() => Ok(value),
        Some(Err(err)) => Err(ApiError::bad_request(format!(
            "request body is neither JSON nor YAML: {err}"
        ))),
        _ => Err(ApiError::bad_request("request body is empty")),
    }
}

/// Validates an envelope posted to the URL of `kind` (and `name`, for object URLs).
pub fn envelope(kind: &ResourceKind, mut value: Value, name: Option<&str>) -> Result<Resource, ApiError> {
    let Some(map) = value.as_object_mut() else {
        return Err(ApiError::bad_request("request body must be an object"));
    };
    match map.get("kind").and_then(Value::as_str) {
        None => {
            map.insert("kind".into(), Value::String(kind.name().to_owned()));
        }
        Some(body_kind) if ResourceKind::from_document(body_kind) != *kind => {
            return Err(ApiError::bad_request(format!(
                "kind {body_kind:?} in the body does not match {kind} in the URL"
            )));
        }
        Some(_) => {}
    }
    if let Some(name) = name {
        let metadata = map
            .entry("metadata")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Some(metadata) = metadata.as_object_mut() {
            match metadata.get("name").and_then(Value::as_str) {
                None => {
                    metadata.insert("name".into(), Value::String(name.to_owned()));
                }
                Some(body_name) if body_name != name => {
                    return Err(ApiError::bad_request(format!(
                        "name {body_name:?} in the body does not match {name:?} in the URL"
                    )));
                }
                Some(_) => {}
            }
        }
    }
    Ok(meshlib::decode::normalize(value)?)
}
