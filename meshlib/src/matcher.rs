//! [`Matcher`]: a [`StringMatch`] compiled once for matching request values. It is shared by
//! routing (canary header rules), mocks and rate-limit URL rules.

use regex::Regex;

use crate::spec::matching::StringMatch;

/// A compiled [`StringMatch`].
#[derive(Debug, Clone)]
pub enum Matcher {
    /// The whole value must equal this.
    Exact(String),
    /// The value must start with this.
    Prefix(String),
    /// The value must match this regular expression somewhere (unanchored, as in EaseMesh).
    Regex(Regex),
}

impl Matcher {
    /// Compiles `m`. If several matchers are set, `exact` wins over `prefix` and `prefix` wins
    /// over `regex`. Returns `None` when none is set or the regex does not compile, which
    /// validation rules out.
    #[must_use]
    pub fn new(m: &StringMatch) -> Option<Self> {
        if let Some(v) = &m.exact {
            Some(Self::Exact(v.clone()))
        } else if let Some(v) = &m.prefix {
            Some(Self::Prefix(v.clone()))
        } else {
            m.regex.as_deref().and_then(|r| Regex::new(r).ok()).map(Self::Regex)
        }
    }

    /// Whether `value` matches.
    #[must_use]
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Self::Exact(v) => value == v,
            Self::Prefix(v) => value.starts_with(v.as_str()),
            Self::Regex(r) => r.is_match(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string_match(exact: Option<&str>, prefix: Option<&str>, regex: Option<&str>) -> StringMatch {
        StringMatch {
            exact: exact.map(str::to_owned),
            prefix: prefix.map(str::to_owned),
            regex: regex.map(str::to_owned),
        }
    }

    #[test]
    fn matches_exact_prefix_and_unanchored_regex() {
        let exact = Matcher::new(&string_match(Some("/a"), None, None)).unwrap();
        assert!(exact.matches("/a"));
        assert!(!exact.matches("/ab"));
        let prefix = Matcher::new(&string_match(None, Some("/a"), None)).unwrap();
        assert!(prefix.matches("/ab"));
        assert!(!prefix.matches("/b"));
        let regex = Matcher::new(&string_match(None, None, Some("^/v[0-9]+/"))).unwrap();
        assert!(regex.matches("/v2/users"));
        assert!(!regex.matches("/api/v2/users"));
        let unanchored = Matcher::new(&string_match(None, None, Some("users"))).unwrap();
        assert!(unanchored.matches("/api/users/1"));
    }

    #[test]
    fn refuses_empty_and_broken_matchers() {
        assert!(Matcher::new(&StringMatch::default()).is_none());
        assert!(Matcher::new(&string_match(None, None, Some("("))).is_none());
    }
}
