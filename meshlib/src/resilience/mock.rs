//! Mock: the canned response a caller's sidecar gives instead of calling the service (EaseMesh
//! `mock` filter; inventory §2.8, §5.7).

use std::time::Duration;

use crate::matcher::Matcher;
use crate::spec::mock::{MockRule, MockSpec};

/// A service's mock rules, compiled.
#[derive(Debug, Clone)]
pub struct Mock {
    enabled: bool,
    rules: Vec<Rule>,
}

/// What a mock rule answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockResponse {
    /// Response status.
    pub status: u16,
    /// Response headers, sorted by name.
    pub headers: Vec<(String, String)>,
    /// Response body; empty when the rule has none.
    pub body: String,
    /// How long to wait before answering; `None` when the rule has no (or a zero) delay.
    pub delay: Option<Duration>,
}

#[derive(Debug, Clone)]
struct Rule {
    path: Option<String>,
    path_prefix: Option<String>,
    /// `None` when a header matcher did not compile: the rule then never matches, which is
    /// safer than answering requests it was not meant for.
    headers: Option<Vec<(String, Matcher)>>,
    match_all_headers: bool,
    response: MockResponse,
}

impl Mock {
    /// Compiles `spec`. Unparsable delays count as no delay (validation rules them out).
    #[must_use]
    pub fn new(spec: &MockSpec) -> Self {
        let rules = spec.rules.iter().map(Rule::new).collect();
        Self {
            enabled: spec.enabled,
            rules,
        }
    }

    /// Whether any request can be answered: enabled with at least one rule.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.enabled && !self.rules.is_empty()
    }

    /// The response of the first rule matching the request, or `None` to call the service.
    ///
    /// A rule matches when its path matches (`path` exactly or `pathPrefix` as a prefix; neither
    /// set matches every path) and its header matchers do: all of them with `matchAllHeaders`,
    /// otherwise any one; a rule without header matchers matches any headers. `header` looks a
    /// request header up by name, ignoring case as HTTP does; a missing header matches nothing.
    /// `path` is the request path without the query. `method` is not matched on (mock rules have
    /// no method condition); it is taken so that adding one later does not change callers.
    pub fn respond<'h>(
        &self,
        _method: &str,
        path: &str,
        header: impl Fn(&str) -> Option<&'h str>,
    ) -> Option<&MockResponse> {
        if !self.enabled {
            return None;
        }
        self.rules
            .iter()
            .find(|rule| rule.matches_path(path) && rule.matches_headers(&header))
            .map(|rule| &rule.response)
    }
}

impl Rule {
    fn new(rule: &MockRule) -> Self {
        let matcher = &rule.matcher;
        Self {
            path: matcher.path.clone(),
            path_prefix: matcher.path_prefix.clone(),
            headers: matcher
                .headers
                .iter()
                .map(|(name, m)| Some((name.clone(), Matcher::new(m)?)))
                .collect(),
            match_all_headers: matcher.match_all_headers.unwrap_or(false),
            response: MockResponse {
                status: rule.code,
                headers: rule.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                body: rule.body.clone().unwrap_or_default(),
                delay: rule
                    .delay
                    .as_deref()
                    .and_then(|d| crate::duration::parse(d).ok())
                    .filter(|d| !d.is_zero()),
            },
        }
    }

    fn matches_path(&self, path: &str) -> bool {
        match (&self.path, &self.path_prefix) {
            (None, None) => true,
            (exact, prefix) => exact.as_deref() == Some(path) || prefix.as_deref().is_some_and(|p| path.starts_with(p)),
        }
    }

    fn matches_headers<'h>(&self, header: &impl Fn(&str) -> Option<&'h str>) -> bool {
        let Some(matchers) = &self.headers else {
            return false;
        };
        if matchers.is_empty() {
            return true;
        }
        let one = |(name, m): &(String, Matcher)| header(name).is_some_and(|v| m.matches(v));
        if self.match_all_headers {
            matchers.iter().all(one)
        } else {
            matchers.iter().any(one)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    fn mock(spec: serde_json::Value) -> Mock {
        Mock::new(&serde_json::from_value(spec).unwrap())
    }

    fn headers<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
        }
    }

    fn status(mock: &Mock, path: &str, pairs: &[(&str, &str)]) -> Option<u16> {
        mock.respond("GET", path, headers(pairs)).map(|r| r.status)
    }

    #[test]
    fn first_matching_rule_wins() {
        let m = mock(json!({"enabled": true, "rules": [
            {"match": {"pathPrefix": "/users"}, "code": 201},
            {"match": {"path": "/users/1"}, "code": 202},
            {"code": 203},
        ]}));
        assert_eq!(status(&m, "/users/1", &[]), Some(201));
        assert_eq!(status(&m, "/orders", &[]), Some(203));
    }

    #[test]
    fn path_is_exact_or_prefix_and_absent_means_any() {
        let m = mock(json!({"enabled": true, "rules": [
            {"match": {"path": "/exact"}, "code": 201},
            {"match": {"pathPrefix": "/pre"}, "code": 202},
        ]}));
        assert_eq!(status(&m, "/exact", &[]), Some(201));
        assert_eq!(status(&m, "/exact/more", &[]), None);
        assert_eq!(status(&m, "/prefix/x", &[]), Some(202));
        assert_eq!(status(&m, "/other", &[]), None);
        let any = mock(json!({"enabled": true, "rules": [{"code": 204}]}));
        assert_eq!(status(&any, "/anything/at/all", &[]), Some(204));
    }

    #[test]
    fn any_header_matches_unless_match_all_headers() {
        let rule = |all: bool| {
            mock(json!({"enabled": true, "rules": [{
                "match": {"headers": {"X-A": {"exact": "1"}, "X-B": {"prefix": "b"}}, "matchAllHeaders": all},
                "code": 200,
            }]}))
        };
        let any = rule(false);
        assert_eq!(status(&any, "/", &[("x-a", "1")]), Some(200));
        assert_eq!(status(&any, "/", &[("X-B", "bee")]), Some(200));
        assert_eq!(status(&any, "/", &[("X-A", "2"), ("X-B", "see")]), None);
        assert_eq!(status(&any, "/", &[]), None);
        let all = rule(true);
        assert_eq!(status(&all, "/", &[("X-A", "1")]), None);
        assert_eq!(status(&all, "/", &[("X-A", "1"), ("X-B", "see")]), None);
        assert_eq!(status(&all, "/", &[("X-A", "1"), ("X-B", "bee")]), Some(200));
    }

    #[test]
    fn path_and_headers_must_both_match() {
        let m = mock(json!({"enabled": true, "rules": [{
            "match": {"pathPrefix": "/a", "headers": {"X-A": {"regex": "^[0-9]+$"}}}, "code": 200,
        }]}));
        assert_eq!(status(&m, "/a", &[("X-A", "42")]), Some(200));
        assert_eq!(status(&m, "/b", &[("X-A", "42")]), None);
        assert_eq!(status(&m, "/a", &[("X-A", "4x")]), None);
    }

    #[test]
    fn disabled_mock_never_answers() {
        let m = mock(json!({"enabled": false, "rules": [{"code": 200}]}));
        assert!(!m.is_active());
        assert_eq!(status(&m, "/", &[]), None);
        assert!(!mock(json!({"enabled": true})).is_active());
        assert!(mock(json!({"enabled": true, "rules": [{"code": 200}]})).is_active());
    }

    #[test]
    fn builds_the_response_from_the_rule() {
        let m = mock(json!({"enabled": true, "rules": [
            {"match": {"path": "/full"}, "code": 418, "headers": {"X-Z": "z", "Content-Type": "text/plain"},
             "body": "short and stout", "delay": "150ms"},
            {"match": {"path": "/zero"}, "code": 200, "delay": "0s"},
            {"code": 204},
        ]}));
        let full = m.respond("POST", "/full", |_| None).unwrap();
        assert_eq!(
            full,
            &MockResponse {
                status: 418,
                headers: vec![
                    ("Content-Type".to_owned(), "text/plain".to_owned()),
                    ("X-Z".to_owned(), "z".to_owned())
                ],
                body: "short and stout".to_owned(),
                delay: Some(Duration::from_millis(150)),
            }
        );
        assert_eq!(m.respond("GET", "/zero", |_| None).unwrap().delay, None);
        let bare = m.respond("GET", "/x", |_| None).unwrap();
        assert_eq!((bare.body.as_str(), bare.headers.len(), bare.delay), ("", 0, None));
    }

    #[test]
    fn rule_with_a_broken_header_matcher_never_matches() {
        let m = mock(json!({"enabled": true, "rules": [
            {"match": {"headers": {"X-A": {"regex": "("}}}, "code": 500},
            {"code": 200},
        ]}));
        assert_eq!(status(&m, "/", &[("X-A", "(")]), Some(200));
    }

    #[test]
    fn header_lookup_may_borrow_from_the_request() {
        // The proxy looks headers up in a map it owns; the returned value borrows from that map,
        // not from the header name.
        let request: BTreeMap<String, String> = [("x-user".to_owned(), "alice".to_owned())].into();
        let m = mock(json!({"enabled": true, "rules": [
            {"match": {"headers": {"X-User": {"exact": "alice"}}}, "code": 200},
        ]}));
        let found = m.respond("GET", "/", |name| {
            request.get(&name.to_ascii_lowercase()).map(String::as_str)
        });
        assert_eq!(found.map(|r| r.status), Some(200));
    }
}
