//! Parts of a Service (LoadBalance, Resilience, Mock, Observability*): kinds of their own on the
//! API, stored inside the Service spec at the path the kind table gives.

use serde_json::{Map, Value};

use crate::kind::{Kind, ResourceKind, Scope};
use crate::resource::Resource;

/// The part kind and its path inside the Service spec, for part kinds.
#[must_use]
pub fn path_of(kind: &ResourceKind) -> Option<(Kind, &'static [&'static str])> {
    let k = kind.builtin()?;
    match k.info().scope {
        Scope::ServicePart(path) => Some((k, path)),
        _ => None,
    }
}

/// The part at `path` of a Service spec.
#[must_use]
pub fn get<'a>(service_spec: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(service_spec, |v, p| v.get(*p))
        .filter(|v| !v.is_null())
}

/// Sets (or with `None` removes) the part at `path`; containers left empty are dropped.
pub fn set(service_spec: &mut Value, path: &[&str], part: Option<Value>) {
    let (last, parents) = path.split_last().expect("part paths are not empty");
    let mut node = &mut *service_spec;
    for p in parents {
        if !node.get(*p).is_some_and(Value::is_object) {
            if part.is_none() {
                return;
            }
            node[*p] = Value::Object(Map::new());
        }
        node = &mut node[*p];
    }
    let Some(map) = node.as_object_mut() else {
        return;
    };
    match part {
        Some(part) => {
            map.insert((*last).to_owned(), part);
        }
        None => {
            map.remove(*last);
        }
    }
    if let Some(first) = parents.first()
        && service_spec
            .get(*first)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        && let Some(spec) = service_spec.as_object_mut()
    {
        spec.remove(*first);
    }
}

/// The part `kind` of `service`, as an object of that kind (name, version and age of the Service).
#[must_use]
pub fn view(kind: Kind, service: &Resource, path: &[&str]) -> Option<Resource> {
    let part = get(&service.spec, path)?;
    let mut resource = Resource::new(&ResourceKind::Builtin(kind), &service.metadata.name, part.clone());
    resource
        .metadata
        .resource_version
        .clone_from(&service.metadata.resource_version);
    resource
        .metadata
        .creation_timestamp
        .clone_from(&service.metadata.creation_timestamp);
    Some(resource)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_and_remove_nested_parts() {
        let mut spec = json!({"registerTenant": "t"});
        set(&mut spec, &["observability", "metrics"], Some(json!({"enabled": true})));
        assert_eq!(
            get(&spec, &["observability", "metrics"]),
            Some(&json!({"enabled": true}))
        );
        set(&mut spec, &["observability", "metrics"], None);
        assert_eq!(spec, json!({"registerTenant": "t"}), "empty containers are dropped");
        set(&mut spec, &["loadBalance"], None);
        assert_eq!(spec, json!({"registerTenant": "t"}));
    }
}
