//! Table rows for any kind, computed from the kind table's columns. Pure: the caller supplies
//! the clock; emctl and the dashboard render the rows.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::kind::{Cell, Column};
use crate::resource::Resource;

/// What an absent value shows as.
pub const NONE: &str = "<none>";

/// Headers of a table of `columns`: NAME, the columns, AGE (and LABELS when wide).
#[must_use]
pub fn headers(columns: &[Column], wide: bool) -> Vec<&'static str> {
    let mut out = vec!["NAME"];
    out.extend(columns.iter().filter(|c| wide || !c.wide).map(|c| c.header));
    out.push("AGE");
    if wide {
        out.push("LABELS");
    }
    out
}

/// One row, matching [`headers`].
#[must_use]
pub fn row(columns: &[Column], resource: &Resource, wide: bool, now: SystemTime) -> Vec<String> {
    let mut out = vec![resource.metadata.name.clone()];
    out.extend(
        columns
            .iter()
            .filter(|c| wide || !c.wide)
            .map(|c| cell(&c.cell, &resource.spec)),
    );
    out.push(age(resource.metadata.creation_timestamp.as_deref(), now));
    if wide {
        out.push(text(
            &serde_json::to_value(&resource.metadata.labels).unwrap_or_default(),
        ));
    }
    out
}

/// The text of one cell.
#[must_use]
pub fn cell(cell: &Cell, spec: &Value) -> String {
    match *cell {
        Cell::Field(pointer) => spec.pointer(pointer).map_or_else(|| NONE.to_owned(), text),
        Cell::Count(pointer) => spec
            .pointer(pointer)
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
            .to_string(),
        Cell::Present(pointer) => match spec.pointer(pointer) {
            None | Some(Value::Null) => "-".to_owned(),
            Some(_) => "on".to_owned(),
        },
        Cell::Names(pointer, field) => joined(spec, pointer, |item| item.get(field).map(text)),
        Cell::Entries(pointer, key, value) => joined(spec, pointer, |item| {
            Some(format!(
                "{}={}",
                item.get(key).map(text)?,
                item.get(value).map_or_else(String::new, text)
            ))
        }),
        Cell::Matchers(pointer) => match spec.pointer(pointer).and_then(Value::as_object) {
            Some(map) if !map.is_empty() => map
                .iter()
                .map(|(header, m)| {
                    let (op, v) = if let Some(v) = m.get("exact") {
                        ("=", v)
                    } else if let Some(v) = m.get("prefix") {
                        ("^=", v)
                    } else {
                        ("~=", m.get("regex").unwrap_or(&Value::Null))
                    };
                    format!("{header}{op}{}", text(v))
                })
                .collect::<Vec<_>>()
                .join(","),
            _ => NONE.to_owned(),
        },
    }
}

fn joined(spec: &Value, pointer: &str, show: impl Fn(&Value) -> Option<String>) -> String {
    match spec.pointer(pointer).and_then(Value::as_array) {
        Some(items) if !items.is_empty() => items.iter().filter_map(show).collect::<Vec<_>>().join(","),
        _ => NONE.to_owned(),
    }
}

/// Scalars as text, lists comma-joined, maps as sorted `k=v` pairs.
#[must_use]
pub fn text(value: &Value) -> String {
    match value {
        Value::Null => NONE.to_owned(),
        Value::String(s) if s.is_empty() => NONE.to_owned(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => NONE.to_owned(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
        Value::Object(map) if map.is_empty() => NONE.to_owned(),
        Value::Object(map) => {
            let mut pairs: Vec<String> = map.iter().map(|(k, v)| format!("{k}={}", text(v))).collect();
            pairs.sort();
            pairs.join(",")
        }
        other => other.to_string(),
    }
}

/// kubectl-style age: `45s`, `12m`, `5h`, `3d`.
#[must_use]
pub fn age(created: Option<&str>, now: SystemTime) -> String {
    let Some(created) = created.and_then(|c| humantime::parse_rfc3339_weak(c).ok()) else {
        return NONE.to_owned();
    };
    let elapsed = now.duration_since(created).unwrap_or(Duration::ZERO).as_secs();
    match elapsed {
        s if s < 120 => format!("{s}s"),
        s if s < 2 * 3600 => format!("{}m", s / 60),
        s if s < 2 * 86400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_render_every_shape() {
        let spec = json!({
            "a": "x", "n": 5, "list": ["p", "q"], "map": {"b": "2", "a": "1"},
            "objs": [{"name": "m1", "w": 90}, {"name": "m2", "w": 10}],
            "h": {"X-Loc": {"exact": "BJ"}, "X-Ver": {"regex": "v.*"}}
        });
        assert_eq!(cell(&Cell::Field("/a"), &spec), "x");
        assert_eq!(cell(&Cell::Field("/n"), &spec), "5");
        assert_eq!(cell(&Cell::Field("/list"), &spec), "p,q");
        assert_eq!(cell(&Cell::Field("/map"), &spec), "a=1,b=2");
        assert_eq!(cell(&Cell::Field("/missing"), &spec), NONE);
        assert_eq!(cell(&Cell::Count("/objs"), &spec), "2");
        assert_eq!(cell(&Cell::Present("/a"), &spec), "on");
        assert_eq!(cell(&Cell::Present("/zz"), &spec), "-");
        assert_eq!(cell(&Cell::Names("/objs", "name"), &spec), "m1,m2");
        assert_eq!(cell(&Cell::Entries("/objs", "name", "w"), &spec), "m1=90,m2=10");
        assert_eq!(cell(&Cell::Matchers("/h"), &spec), "X-Loc=BJ,X-Ver~=v.*");
    }

    #[test]
    fn ages_read_like_kubectl() {
        let created = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let stamp = humantime::format_rfc3339_seconds(created).to_string();
        let at = |secs| age(Some(&stamp), created + Duration::from_secs(secs));
        assert_eq!(at(5), "5s");
        assert_eq!(at(600), "10m");
        assert_eq!(at(3 * 3600), "3h");
        assert_eq!(at(5 * 86400), "5d");
        assert_eq!(age(None, created), NONE);
    }
}
