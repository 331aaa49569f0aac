//! `StringMatch`, the exact/prefix/regex matcher shared by canaries, mocks and rate-limit rules.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validate::Problems;

/// Matches a string exactly, by prefix or by regular expression; exactly one must be set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StringMatch {
    /// The whole value must equal this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact: Option<String>,
    /// The value must start with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// The value must match this regular expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
}

impl StringMatch {
    /// Checks that exactly one matcher is set and that a regex compiles.
    pub fn validate(&self, at: &str, problems: &mut Problems) {
        let set = [&self.exact, &self.prefix, &self.regex]
            .iter()
            .filter(|m| m.is_some())
            .count();
        if set != 1 {
            problems.push(
                at,
                format!("exactly one of exact, prefix or regex must be set, found {set}"),
            );
        }
        if let Some(pattern) = &self.regex {
            problems.regex(&format!("{at}.regex"), pattern);
        }
    }
}
