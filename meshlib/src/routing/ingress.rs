//! North-south routing: which mesh service an outside request goes to, from the Ingress
//! objects, as EaseMesh's ingress controller does it. Rules are tried in object-name order, then
//! in their own order; a rule's `host` is matched ignoring case and port (`*.example.com`
//! matches one more label in front), an omitted host matches every host; a path is a regular
//! expression searched anywhere in the path (EaseMesh's `pathRegexp`), so `/` matches every path;
//! `rewriteTarget` replaces what the expression matched (`$1` names a group).

use std::borrow::Cow;

use regex::Regex;

use crate::resource::Resource;
use crate::spec::ingress::IngressSpec;

struct PathRule {
    pattern: Regex,
    rewrite: Option<String>,
    backend: String,
}

struct HostRule {
    host: Option<String>,
    paths: Vec<PathRule>,
}

/// Where an outside request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngressMatch<'a> {
    /// The mesh service that serves it.
    pub backend: &'a str,
    /// The path to send (rewritten when the rule says so).
    pub path: Cow<'a, str>,
}

/// The rules of every Ingress, compiled.
#[derive(Default)]
pub struct IngressRoutes {
    rules: Vec<HostRule>,
}

impl IngressRoutes {
    /// Compiles the rules of `ingresses`; objects or paths that do not decode are left out.
    pub fn new<'r>(ingresses: impl IntoIterator<Item = &'r Resource>) -> Self {
        let mut ingresses: Vec<&Resource> = ingresses.into_iter().collect();
        ingresses.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        let rules = ingresses
            .into_iter()
            .filter_map(|r| serde_json::from_value::<IngressSpec>(r.spec.clone()).ok())
            .flat_map(|spec| spec.rules)
            .map(|rule| HostRule {
                host: rule.host.map(|h| h.to_ascii_lowercase()),
                paths: rule
                    .paths
                    .into_iter()
                    .filter_map(|p| {
                        Some(PathRule {
                            pattern: Regex::new(&p.path).ok()?,
                            rewrite: p.rewrite_target,
                            backend: p.backend,
                        })
                    })
                    .collect(),
            })
            .collect();
        Self { rules }
    }

    /// True when there is no rule at all.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The service for a request to `host` (the Host header, port allowed) and `path`.
    pub fn find<'a>(&'a self, host: &str, path: &'a str) -> Option<IngressMatch<'a>> {
        let host = super::host_name(host);
        self.rules
            .iter()
            .filter(|rule| rule.host.as_deref().is_none_or(|pattern| host_matches(pattern, host)))
            .flat_map(|rule| &rule.paths)
            .find(|p| p.pattern.is_match(path))
            .map(|p| IngressMatch {
                backend: &p.backend,
                path: match &p.rewrite {
                    Some(target) => p.pattern.replace_all(path, target.as_str()),
                    None => Cow::Borrowed(path),
                },
            })
    }
}

fn host_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .split_once('.')
            .is_some_and(|(first, rest)| !first.is_empty() && rest.eq_ignore_ascii_case(suffix)),
        None => pattern.eq_ignore_ascii_case(host),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::Kind;
    use serde_json::json;

    fn ingress(name: &str, spec: serde_json::Value) -> Resource {
        serde_json::from_value(json!({
            "apiVersion": crate::resource::API_VERSION, "kind": Kind::Ingress.name(),
            "metadata": {"name": name}, "spec": spec
        }))
        .unwrap()
    }

    fn routes() -> IngressRoutes {
        IngressRoutes::new(&[
            ingress(
                "b-shop",
                json!({"rules": [{"host": "shop.example.com", "paths": [
                    {"path": "^/api/orders", "backend": "order"},
                    {"path": "^/static/(.*)", "rewriteTarget": "/assets/$1", "backend": "web"}
                ]}]}),
            ),
            ingress(
                "c-wild",
                json!({"rules": [{"host": "*.pets.io", "paths": [{"path": "/", "backend": "pets"}]}]}),
            ),
            ingress(
                "d-any",
                json!({"rules": [{"paths": [{"path": "^/health$", "backend": "status"}]}]}),
            ),
            ingress(
                "a-first",
                json!({"rules": [{"host": "shop.example.com", "paths": [{"path": "^/api/orders/beta", "backend": "order-beta"}]}]}),
            ),
        ])
    }

    fn find(routes: &IngressRoutes, host: &str, path: &str) -> Option<(String, String)> {
        routes
            .find(host, path)
            .map(|m| (m.backend.to_owned(), m.path.into_owned()))
    }

    #[test]
    fn host_then_path_in_object_name_order() {
        let routes = routes();
        let order = |backend: &str, path: &str| Some((backend.to_owned(), path.to_owned()));
        assert_eq!(
            find(&routes, "shop.example.com", "/api/orders/7"),
            order("order", "/api/orders/7")
        );
        // `a-first` sorts first, so its more specific rule wins.
        assert_eq!(
            find(&routes, "SHOP.example.com:8080", "/api/orders/beta/1"),
            order("order-beta", "/api/orders/beta/1")
        );
        assert_eq!(find(&routes, "other.example.com", "/api/orders/7"), None);
        assert_eq!(find(&routes, "anything", "/health"), order("status", "/health"));
        assert_eq!(find(&routes, "anything", "/health/deep"), None);
    }

    #[test]
    fn rewrite_target_replaces_the_match() {
        let routes = routes();
        assert_eq!(
            find(&routes, "shop.example.com", "/static/css/site.css"),
            Some(("web".to_owned(), "/assets/css/site.css".to_owned()))
        );
    }

    #[test]
    fn wildcard_hosts_match_one_label() {
        let routes = routes();
        assert_eq!(
            find(&routes, "cats.pets.io", "/x").map(|m| m.0).as_deref(),
            Some("pets")
        );
        assert_eq!(find(&routes, "pets.io", "/x"), None);
        assert_eq!(find(&routes, ".pets.io", "/x"), None);
    }

    #[test]
    fn bad_objects_are_left_out() {
        let routes = IngressRoutes::new(&[
            ingress("bad", json!({"rules": "nope"})),
            ingress(
                "bad-regex",
                json!({"rules": [{"paths": [{"path": "(", "backend": "x"}]}]}),
            ),
        ]);
        assert_eq!(find(&routes, "h", "("), None);
        assert!(IngressRoutes::new(&[]).is_empty());
    }
}
