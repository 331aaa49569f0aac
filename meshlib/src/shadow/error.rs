//! Why a shadow cannot be made: each message names the workload or field at fault and what to do.

use std::fmt;

/// A shadow that cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CloneError {
    /// The source workload cannot be copied.
    #[error("{kind} {name:?} cannot be shadowed: {reason}")]
    Refused {
        /// `Deployment` or `StatefulSet`.
        kind: &'static str,
        /// The workload's name.
        name: String,
        /// Why.
        reason: Reason,
    },
    /// An override names a ConfigMap or Secret the workload does not reference.
    #[error("{field}: the workload references no {kind} {name:?}, so there is nothing to override")]
    NotReferenced {
        /// Path of the override's name in the ShadowService.
        field: String,
        /// `ConfigMap` or `Secret`.
        kind: &'static str,
        /// The name given.
        name: String,
    },
    /// A Secret override gives a type other than the source Secret's.
    #[error("secrets: Secret {name:?} is of type {found:?}, the override says {given:?}")]
    SecretType {
        /// The Secret.
        name: String,
        /// Its type.
        found: String,
        /// The override's type.
        given: String,
    },
}

/// Why a workload cannot be copied.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// It has no spec.
    NoSpec,
    /// Its pods carry no sidecar.
    NoSidecar,
    /// It is a shadow itself.
    IsShadow,
    /// It mounts this PersistentVolumeClaim.
    SharedClaim(String),
    /// The copy's name would be too long.
    NameTooLong {
        /// The name.
        name: String,
        /// The longest allowed.
        limit: usize,
    },
    /// A pod label value with the suffix would be longer than a label value may be.
    LabelTooLong {
        /// The label.
        key: String,
    },
    /// The app container named by the annotation is not there.
    NoAppContainer,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSpec => f.write_str("it has no spec"),
            Self::NoSidecar => f.write_str(
                "its pods carry no mesh sidecar; only meshed workloads can be shadowed (emctl migrate puts one in the mesh)",
            ),
            Self::IsShadow => f.write_str("it is a shadow itself"),
            Self::SharedClaim(claim) => write!(
                f,
                "its pods mount PersistentVolumeClaim {claim:?}, which a copy would share with it; use a StatefulSet's volumeClaimTemplates"
            ),
            Self::NameTooLong { name, limit } => write!(
                f,
                "the copy's name {name:?} would be longer than {limit} characters; use a shorter trafficHeaderValue"
            ),
            Self::LabelTooLong { key } => write!(
                f,
                "pod label {key:?} with the suffix \"-shadow\" would be longer than 63 characters"
            ),
            Self::NoAppContainer => f.write_str(
                "the container named by mesh.megaease.com/app-container-name is not in its pod template",
            ),
        }
    }
}
