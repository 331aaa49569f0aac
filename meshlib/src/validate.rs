//! Validation results: every problem of a document, each with its field path.
//!
//! Checks never stop at the first problem: a user fixing a file wants the whole list at once.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::duration;

/// One problem at one field, e.g. `spec.circuitBreaker.failureRateThreshold: must be between 1 and 100`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FieldError {
    /// Dotted path from the document root (`spec.rules[0].path`); empty for the document itself.
    pub field: String,
    /// What is wrong, phrased as what was expected.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Collects problems while a spec is walked.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    /// Records a problem at `field`.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Orders problems by field path, for stable output.
    pub fn sort(&mut self) {
        self.0.sort();
        self.0.dedup();
    }

    /// True when nothing was recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The recorded problems, in the order found.
    #[must_use]
    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// Adds problems found elsewhere.
    pub fn extend(&mut self, other: impl IntoIterator<Item = FieldError>) {
        self.0.extend(other);
    }

    /// Checks an optional Go duration.
    pub fn duration(&mut self, field: &str, value: Option<&str>) {
        if let Some(text) = value
            && let Err(err) = duration::parse(text)
        {
            self.push(field, err.to_string());
        }
    }

    /// Checks a required, positive Go duration.
    pub fn positive_duration(&mut self, field: &str, value: &str) {
        match duration::parse(value) {
            Ok(d) if d.is_zero() => self.push(field, "must be greater than 0"),
            Ok(_) => {}
            Err(err) => self.push(field, err.to_string()),
        }
    }

    /// Checks that a number lies in an inclusive range.
    pub fn range<T: PartialOrd + fmt::Display + Copy>(&mut self, field: &str, value: T, min: T, max: T) {
        if value < min || value > max {
            self.push(field, format!("must be between {min} and {max}, got {value}"));
        }
    }

    /// Checks that a string is a usable regular expression.
    pub fn regex(&mut self, field: &str, pattern: &str) {
        if let Err(err) = regex::Regex::new(pattern) {
            let detail = err.to_string();
            let last = detail.lines().last().unwrap_or_default().trim();
            let last = last.strip_prefix("error: ").unwrap_or(last);
            self.push(field, format!("invalid regular expression: {last}"));
        }
    }

    /// Checks a name used as a reference or URL segment (EaseMesh's `urlname` format).
    pub fn name(&mut self, field: &str, name: &str) {
        if let Err(message) = check_name(name) {
            self.push(field, message);
        }
    }

    /// Checks that the items of a list are unique, reporting each repeated one.
    pub fn unique<'a>(&mut self, field: &str, items: impl IntoIterator<Item = &'a str>) {
        let mut seen = BTreeSet::new();
        for (index, item) in items.into_iter().enumerate() {
            if !seen.insert(item) {
                self.push(format!("{field}[{index}]"), format!("duplicate value {item:?}"));
            }
        }
    }

    /// Checks that a required string is not empty.
    pub fn required(&mut self, field: &str, value: &str) -> bool {
        if value.trim().is_empty() {
            self.push(field, "is required");
            return false;
        }
        true
    }

    /// Checks an HTTP status code.
    pub fn status_code(&mut self, field: &str, code: u16) {
        self.range(field, code, 100, 599);
    }

    /// Checks an HTTP method name (`*` allowed where `allow_any`).
    pub fn http_method(&mut self, field: &str, method: &str, allow_any: bool) {
        const METHODS: &[&str] = &[
            "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE",
        ];
        if allow_any && method == "*" {
            return;
        }
        if !METHODS.contains(&method) {
            let any = if allow_any { " or *" } else { "" };
            self.push(
                field,
                format!(
                    "unknown HTTP method {method:?}; expected one of {}{any}",
                    METHODS.join(", ")
                ),
            );
        }
    }
}

/// Joins a field onto a path prefix; an empty prefix means the document root.
#[must_use]
pub fn join(at: &str, field: &str) -> String {
    if at.is_empty() {
        field.to_owned()
    } else {
        format!("{at}.{field}")
    }
}

/// Validates a resource name: 1–253 characters of `A-Z a-z 0-9 - _ . ~`.
///
/// # Errors
/// Returns the message to show for an invalid name.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is required".to_owned());
    }
    if name.len() > 253 {
        return Err(format!("must be at most 253 characters, got {}", name.len()));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~')))
    {
        return Err(format!(
            "invalid character {bad:?} in {name:?}; use letters, digits, '-', '_', '.' and '~'"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_problem() {
        let mut p = Problems::default();
        p.range("spec.a", 0, 1, 100);
        p.duration("spec.b", Some("5 seconds"));
        p.regex("spec.c", "([");
        p.unique("spec.d", ["x", "y", "x"]);
        let messages: Vec<String> = p.into_vec().iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 4, "{messages:#?}");
        assert_eq!(messages[0], "spec.a: must be between 1 and 100, got 0");
        assert_eq!(messages[3], "spec.d[2]: duplicate value \"x\"");
    }

    #[test]
    fn names_follow_easemesh_urlname() {
        assert!(check_name("order-mesh_v1.2~x").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a/b").is_err());
        assert!(check_name(&"a".repeat(254)).is_err());
    }
}
