//! Errors of the control-plane client.

use crate::api::{ErrorBody, Reason};

/// Why a call to the control plane failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server could not be reached or the connection broke.
    #[error("cannot reach the control plane at {url}")]
    Transport {
        /// Requested URL.
        url: String,
        /// Underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with an error status.
    #[error("{}", .body.message)]
    Status {
        /// Request method.
        method: String,
        /// Requested URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// The server's error body.
        body: ErrorBody,
    },
    /// The server's answer was not the expected JSON.
    #[error("unexpected answer from {url}")]
    Decode {
        /// Requested URL.
        url: String,
        /// Underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// Other writers kept changing the object while it was applied.
    #[error("{reference} kept changing while it was applied; try again")]
    Contended {
        /// `Kind/name`.
        reference: String,
    },
}

impl Error {
    /// The HTTP status, when the server answered.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Why the server refused, when it answered with an error body.
    #[must_use]
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Self::Status { body, .. } => Some(body.reason),
            _ => None,
        }
    }

    /// The object does not exist (nor, for [`Reason::UnknownKind`], its kind).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// The kind is neither built in nor defined by a CustomResourceKind on the server.
    #[must_use]
    pub fn is_unknown_kind(&self) -> bool {
        self.reason() == Some(Reason::UnknownKind)
    }

    /// The object was refused for breaking rules; [`ErrorBody::details`] lists them.
    #[must_use]
    pub fn is_invalid(&self) -> bool {
        self.reason() == Some(Reason::Invalid)
    }

    /// The object exists already, or changed since it was read.
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// The token is missing, wrong, or lacks the role.
    #[must_use]
    pub fn is_auth(&self) -> bool {
        matches!(self.status(), Some(401 | 403))
    }

    /// The server could not be reached.
    #[must_use]
    pub fn is_transport(&self) -> bool {
        matches!(self, Self::Transport { .. })
    }
}
