//! The only module that touches `serde_yaml` (archived upstream), so it can be swapped in one place.
//!
//! Everything crossing this boundary is a `serde_json::Value`: the rest of meshlib never sees YAML
//! types.

use serde::Serialize;
use serde::de::Deserialize;
use serde_json::Value;

/// A YAML syntax error with its position in the source text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    /// What the parser said, without the position.
    pub message: String,
    /// 1-based line of the error, when known.
    pub line: Option<usize>,
    /// 1-based column of the error, when known.
    pub column: Option<usize>,
}

impl From<serde_yaml::Error> for SyntaxError {
    fn from(err: serde_yaml::Error) -> Self {
        let location = err.location();
        let mut message = err.to_string();
        // serde_yaml appends " at line L column C"; the position is reported separately.
        if let Some(cut) = message.find(" at line ") {
            message.truncate(cut);
        }
        Self {
            message,
            line: location.as_ref().map(serde_yaml::Location::line),
            column: location.as_ref().map(serde_yaml::Location::column),
        }
    }
}

/// Splits a YAML (or JSON) stream into its documents, each converted to JSON values.
///
/// A document that fails to parse yields an error in its slot; the documents after it are still
/// returned when the parser can resynchronise at the next `---`.
pub fn documents(text: &str) -> Vec<Result<Value, SyntaxError>> {
    let mut out = Vec::new();
    for document in serde_yaml::Deserializer::from_str(text) {
        match serde_yaml::Value::deserialize(document) {
            Ok(value) => out.push(to_json(value)),
            Err(err) => {
                out.push(Err(err.into()));
                // serde_yaml cannot resume after a syntax error inside the stream.
                break;
            }
        }
    }
    out
}

fn to_json(value: serde_yaml::Value) -> Result<Value, SyntaxError> {
    // Resolve merge keys (`<<: *anchor`) before converting; anchors are already expanded.
    let mut value = value;
    value.apply_merge().map_err(SyntaxError::from)?;
    serde_json::to_value(&value).map_err(|err| SyntaxError {
        message: format!("cannot represent document as JSON: {err}"),
        line: None,
        column: None,
    })
}

/// Renders a value as a YAML document (no leading `---`).
///
/// # Errors
/// Fails only for values YAML cannot represent, which JSON values never are.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, serde_yaml::Error> {
    serde_yaml::to_string(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_multi_document_streams_and_skips_nothing() {
        let docs = documents("a: 1\n---\nb: [1, 2]\n---\n{\"c\": true}\n");
        let values: Vec<Value> = docs.into_iter().map(Result::unwrap).collect();
        assert_eq!(
            values,
            vec![
                serde_json::json!({"a": 1}),
                serde_json::json!({"b": [1, 2]}),
                serde_json::json!({"c": true})
            ]
        );
    }

    #[test]
    fn reports_syntax_errors_with_position() {
        let docs = documents("a: 1\n---\nb: [1, 2\n");
        assert!(docs[0].is_ok());
        let err = docs[1].as_ref().unwrap_err();
        assert!(err.line.is_some(), "{err:?}");
    }
}
