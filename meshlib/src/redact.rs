//! Write-only fields (a kind's [`KindInfo::write_only`](crate::kind::KindInfo::write_only)):
//! stored as written, shown as [`REDACTED`] on every read, and kept when an update sends the
//! placeholder back — so `get -o yaml | edit | apply` never overwrites a password with it.

use serde_json::Value;

use crate::resource::Resource;
use crate::validate::FieldError;

/// What a write-only value reads as.
pub const REDACTED: &str = "(write-only)";

/// Replaces every write-only value of `resource` with [`REDACTED`].
pub fn redact(resource: &mut Resource) {
    for pattern in patterns(resource) {
        each(
            &mut resource.spec,
            &segments(pattern),
            String::new(),
            &mut |value, _| {
                *value = Value::String(REDACTED.to_owned());
            },
        );
    }
}

/// Puts the stored value back wherever `incoming` carries [`REDACTED`] in a write-only field;
/// `stored` is the object being replaced (`None` on create).
///
/// # Errors
/// Returns a problem for each placeholder with no stored value behind it.
pub fn restore(incoming: &mut Resource, stored: Option<&Resource>) -> Result<(), Vec<FieldError>> {
    let mut problems = Vec::new();
    for pattern in patterns(incoming) {
        each(
            &mut incoming.spec,
            &segments(pattern),
            String::new(),
            &mut |value, pointer| {
                if value.as_str() != Some(REDACTED) {
                    return;
                }
                match stored.and_then(|s| s.spec.pointer(pointer)) {
                    Some(previous) if previous.as_str() != Some(REDACTED) => *value = previous.clone(),
                    _ => problems.push(FieldError {
                        field: field_path(pointer),
                        message: format!(
                            "{REDACTED} stands for a stored value and there is none here; write the value"
                        ),
                    }),
                }
            },
        );
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

fn patterns(resource: &Resource) -> &'static [&'static str] {
    resource.kind.builtin().map_or(&[], |k| k.info().write_only)
}

fn segments(pattern: &str) -> Vec<&str> {
    pattern.split('/').skip(1).collect()
}

/// Calls `f` on each value matching `segments` (`*` is any key or index), with its pointer.
fn each(value: &mut Value, segments: &[&str], pointer: String, f: &mut impl FnMut(&mut Value, &str)) {
    let Some((first, rest)) = segments.split_first() else {
        if value.is_string() {
            f(value, &pointer);
        }
        return;
    };
    let step = |key: &str| format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
    match (value, *first) {
        (Value::Object(map), "*") => {
            for (key, child) in map.iter_mut() {
                each(child, rest, step(key), f);
            }
        }
        (Value::Array(items), "*") => {
            for (i, child) in items.iter_mut().enumerate() {
                each(child, rest, step(&i.to_string()), f);
            }
        }
        (Value::Object(map), key) => {
            if let Some(child) = map.get_mut(key) {
                each(child, rest, step(key), f);
            }
        }
        _ => {}
    }
}

/// `spec.secrets[0].data.password` from `/secrets/0/data/password`.
fn field_path(pointer: &str) -> String {
    let mut out = String::from("spec");
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if segment.parse::<usize>().is_ok() {
            out.push_str(&format!("[{segment}]"));
        } else {
            out.push('.');
            out.push_str(&segment);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::kind::{Kind, ResourceKind};

    fn shadow(spec: Value) -> Resource {
        Resource::new(&ResourceKind::Builtin(Kind::ShadowService), "s", spec)
    }

    fn secret_spec(password: &str, key: &str) -> Value {
        json!({
            "namespace": "shop", "serviceName": "order", "trafficHeaderValue": "t1",
            "mysql": {"uris": "jdbc:mysql://db", "userName": "u", "password": password},
            "kafka": {"uris": "k:9092"},
            "secrets": [{"metadata": {"name": "db"}, "data": {"key": key}, "stringData": {"pw": password}}],
            "configMaps": [{"metadata": {"name": "app"}, "data": {"mode": "shadow"}}]
        })
    }

    #[test]
    fn redact_hides_passwords_and_secret_data_only() {
        let mut r = shadow(secret_spec("hunter2", "c2VjcmV0"));
        redact(&mut r);
        assert_eq!(r.spec["mysql"]["password"], REDACTED);
        assert_eq!(r.spec["mysql"]["userName"], "u");
        assert_eq!(r.spec["secrets"][0]["data"]["key"], REDACTED);
        assert_eq!(r.spec["secrets"][0]["stringData"]["pw"], REDACTED);
        assert_eq!(r.spec["configMaps"][0]["data"]["mode"], "shadow");
        assert_eq!(r.spec["kafka"]["uris"], "k:9092");
        assert!(!r.spec.to_string().contains("hunter2"));
    }

    #[test]
    fn restore_keeps_stored_values_behind_placeholders() {
        let stored = shadow(secret_spec("hunter2", "c2VjcmV0"));
        let mut shown = stored.clone();
        redact(&mut shown);
        restore(&mut shown, Some(&stored)).unwrap();
        assert_eq!(shown, stored);
    }

    #[test]
    fn restore_takes_new_values_as_written() {
        let stored = shadow(secret_spec("hunter2", "c2VjcmV0"));
        let mut incoming = shadow(secret_spec("new", "bmV3"));
        restore(&mut incoming, Some(&stored)).unwrap();
        assert_eq!(incoming.spec["mysql"]["password"], "new");
    }

    #[test]
    fn restore_refuses_a_placeholder_without_a_stored_value() {
        let mut incoming = shadow(secret_spec(REDACTED, "c2VjcmV0"));
        let problems = restore(&mut incoming, None).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["spec.mysql.password", "spec.secrets[0].stringData.pw"]);
    }

    #[test]
    fn kinds_without_write_only_fields_are_untouched() {
        let mut r = Resource::new(
            &ResourceKind::Builtin(Kind::Tenant),
            "t",
            json!({"description": "(write-only)"}),
        );
        let before = r.clone();
        redact(&mut r);
        restore(&mut r, None).unwrap();
        assert_eq!(r, before);
    }
}
