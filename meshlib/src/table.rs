//! Table rows for any kind, computed from the kind table's columns. Pure: the caller supplies
//! the clock; emctl and the dashboard render the rows.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::kind::{Cell, Column, ResourceKind, Scope};
use crate::resource::Resource;

/// What an absent value shows as.
pub const NONE: &str = "<none>";

/// Whether tables of `kind` start with NAME and end with LABELS (registry objects are shown by
/// their own columns instead).
fn named(kind: &ResourceKind) -> bool {
    kind.builtin().is_none_or(|k| k.info().scope != Scope::Registry)
}

/// One column of a table: NAME, one of the kind's columns, AGE or LABELS.
#[derive(Debug, Clone, Copy)]
pub enum TableColumn {
    /// The object's name.
    Name,
    /// A column of the kind table.
    Spec(&'static Column),
    /// Time since the object was created (appended when the kind has no AGE column of its own).
    Age,
    /// The object's labels (wide tables).
    Labels,
}

impl TableColumn {
    /// Upper-case header.
    #[must_use]
    pub fn header(&self) -> &'static str {
        match self {
            Self::Name => "NAME",
            Self::Spec(column) => column.header,
            Self::Age => "AGE",
            Self::Labels => "LABELS",
        }
    }

    /// The cell of `resource` in this column at `now`.
    #[must_use]
    pub fn value(&self, resource: &Resource, now: SystemTime) -> String {
        let created = || age(resource.metadata.creation_timestamp.as_deref(), now);
        match self {
            Self::Name => resource.metadata.name.clone(),
            Self::Spec(Column { cell: Cell::Age, .. }) | Self::Age => created(),
            Self::Spec(column) => cell(&column.cell, &resource.spec, now),
            Self::Labels => text(&serde_json::to_value(&resource.metadata.labels).unwrap_or_default()),
        }
    }

    /// True when the cell changes with the clock alone (ages), so a cached row only needs these
    /// cells computed again as time passes.
    #[must_use]
    pub fn is_timed(&self) -> bool {
        match self {
            Self::Age => true,
            Self::Spec(column) => matches!(column.cell, Cell::Age | Cell::Since(_)),
            Self::Name | Self::Labels => false,
        }
    }
}

/// The columns of a table of `kind`: NAME, its columns, AGE (and LABELS when wide).
#[must_use]
pub fn columns(kind: &ResourceKind, wide: bool) -> Vec<TableColumn> {
    let spec = kind.columns();
    let mut out = Vec::new();
    if named(kind) {
        out.push(TableColumn::Name);
    }
    out.extend(spec.iter().filter(|c| wide || !c.wide).map(TableColumn::Spec));
    if !spec.iter().any(|c| matches!(c.cell, Cell::Age)) {
        out.push(TableColumn::Age);
    }
    if wide && named(kind) {
        out.push(TableColumn::Labels);
    }
    out
}

/// Headers of a table of `kind`: NAME, its columns, AGE (and LABELS when wide).
#[must_use]
pub fn headers(kind: &ResourceKind, wide: bool) -> Vec<&'static str> {
    columns(kind, wide).iter().map(TableColumn::header).collect()
}

/// One row, matching [`headers`].
#[must_use]
pub fn row(kind: &ResourceKind, resource: &Resource, wide: bool, now: SystemTime) -> Vec<String> {
    columns(kind, wide).iter().map(|c| c.value(resource, now)).collect()
}

/// The text of one cell.
#[must_use]
pub fn cell(cell: &Cell, spec: &Value, now: SystemTime) -> String {
    match *cell {
        Cell::Since(pointer) => age(spec.pointer(pointer).and_then(Value::as_str), now),
        Cell::Age => NONE.to_owned(),
        Cell::Field(pointer) => spec.pointer(pointer).map_or_else(|| NONE.to_owned(), text),
        Cell::Count(pointer) => match spec.pointer(pointer) {
            Some(Value::Array(items)) => items.len(),
            Some(Value::Object(entries)) => entries.len(),
            _ => 0,
        }
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
    short(now.duration_since(created).unwrap_or(Duration::ZERO))
}

/// A duration as ages are shown: `45s`, `12m`, `5h`, `3d`.
#[must_use]
pub fn short(elapsed: Duration) -> String {
    match elapsed.as_secs() {
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

    fn cell_at(c: &Cell, spec: &Value) -> String {
        cell(c, spec, SystemTime::UNIX_EPOCH)
    }

    #[test]
    fn cells_render_every_shape() {
        let spec = json!({
            "a": "x", "n": 5, "list": ["p", "q"], "map": {"b": "2", "a": "1"},
            "objs": [{"name": "m1", "w": 90}, {"name": "m2", "w": 10}],
            "h": {"X-Loc": {"exact": "BJ"}, "X-Ver": {"regex": "v.*"}}
        });
        assert_eq!(cell_at(&Cell::Field("/a"), &spec), "x");
        assert_eq!(cell_at(&Cell::Field("/n"), &spec), "5");
        assert_eq!(cell_at(&Cell::Field("/list"), &spec), "p,q");
        assert_eq!(cell_at(&Cell::Field("/map"), &spec), "a=1,b=2");
        assert_eq!(cell_at(&Cell::Field("/missing"), &spec), NONE);
        assert_eq!(cell_at(&Cell::Count("/objs"), &spec), "2");
        assert_eq!(cell_at(&Cell::Present("/a"), &spec), "on");
        assert_eq!(cell_at(&Cell::Present("/zz"), &spec), "-");
        assert_eq!(cell_at(&Cell::Names("/objs", "name"), &spec), "m1,m2");
        assert_eq!(cell_at(&Cell::Entries("/objs", "name", "w"), &spec), "m1=90,m2=10");
        assert_eq!(cell_at(&Cell::Matchers("/h"), &spec), "X-Loc=BJ,X-Ver~=v.*");
    }

    #[test]
    fn only_ages_are_timed() {
        use crate::kind::Kind;
        let timed = |kind: Kind, wide: bool| -> Vec<&str> {
            columns(&ResourceKind::Builtin(kind), wide)
                .iter()
                .filter(|c| c.is_timed())
                .map(TableColumn::header)
                .collect()
        };
        assert_eq!(timed(Kind::ServiceInstance, true), ["AGE", "LAST HEARTBEAT"]);
        assert!(timed(Kind::ServiceInstance, false).is_empty());
        assert_eq!(timed(Kind::Service, false), ["AGE"]);
        assert_eq!(
            headers(&ResourceKind::Builtin(Kind::Tenant), true),
            ["NAME", "SERVICES", "DESCRIPTION", "AGE", "LABELS"]
        );
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
