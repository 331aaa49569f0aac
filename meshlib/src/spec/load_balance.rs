//! LoadBalance: how callers pick one of a service's instances.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::validate::{Problems, join};

/// Load-balancing settings (part of a Service).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoadBalanceSpec {
    /// Policy; round robin when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<LbPolicy>,
    /// Header hashed by `headerHash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_hash_key: Option<String>,
}

/// Load-balancing policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum LbPolicy {
    /// Each instance in turn.
    RoundRobin,
    /// Uniformly random.
    Random,
    /// Random, weighted by instance weight.
    WeightedRandom,
    /// Hash of the client IP.
    IpHash,
    /// Hash of a request header.
    HeaderHash,
}

impl super::Spec for LoadBalanceSpec {
    fn validate(&self, at: &str, p: &mut Problems) {
        if self.policy == Some(LbPolicy::HeaderHash)
            && self.header_hash_key.as_deref().is_none_or(|k| k.trim().is_empty())
        {
            p.push(join(at, "headerHashKey"), "is required when policy is headerHash");
        }
    }
}
