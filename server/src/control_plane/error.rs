//! The one error type turned into HTTP responses: always JSON `{code, reason, message[, details]}`,
//! the status and `reason` both decided by the variant. Rejections of axum's extractors come here
//! too (see [`super::extract`]), so no answer is ever plain text.

use axum::Json;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use meshlib::api::{ErrorBody, Reason};
use meshlib::decode::DocumentError;
use meshlib::validate::FieldError;

/// A request failure; each variant is one [`Reason`].
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The object breaks rules.
    #[error("{message}")]
    Invalid {
        /// Summary with every problem.
        message: String,
        /// Field problems.
        details: Vec<FieldError>,
    },
    /// The request is malformed (body, query, path).
    #[error("{0}")]
    BadRequest(String),
    /// No or unknown credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials without the needed role.
    #[error("{0}")]
    Forbidden(String),
    /// No such object.
    #[error("{0}")]
    NotFound(String),
    /// No such kind, built in or custom.
    #[error("{0}")]
    UnknownKind(String),
    /// No such route.
    #[error("{0}")]
    NoRoute(String),
    /// An object of that name exists.
    #[error("{0}")]
    AlreadyExists(String),
    /// Changed meanwhile (stale version, or a referenced object deleted).
    #[error("{0}")]
    Conflict(String),
    /// Still in use by other objects.
    #[error("{0}")]
    InUse(String),
    /// The route exists but not with this method (e.g. writing a read-only kind).
    #[error("{message}")]
    MethodNotAllowed {
        /// What to do instead.
        message: String,
        /// The methods the route takes (the `Allow` header); empty when axum sets it.
        allow: &'static str,
    },
    /// The body is too large.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The server cannot serve now.
    #[error("{0}")]
    Unavailable(String),
    /// The server failed; the cause is logged, not sent.
    #[error("internal error")]
    Internal,
}

impl ApiError {
    /// A 400 from field problems.
    pub fn invalid(subject: &str, details: Vec<FieldError>) -> Self {
        let list: Vec<String> = details.iter().map(ToString::to_string).collect();
        Self::Invalid {
            message: format!("{subject} is invalid: {}", list.join("; ")),
            details,
        }
    }

    /// A 400 without field details.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }

    /// Why, for programs.
    pub fn reason(&self) -> Reason {
        match self {
            Self::Invalid { .. } => Reason::Invalid,
            Self::BadRequest(_) => Reason::BadRequest,
            Self::Unauthorized(_) => Reason::Unauthorized,
            Self::Forbidden(_) => Reason::Forbidden,
            Self::NotFound(_) => Reason::NotFound,
            Self::UnknownKind(_) => Reason::UnknownKind,
            Self::NoRoute(_) => Reason::NoRoute,
            Self::AlreadyExists(_) => Reason::AlreadyExists,
            Self::Conflict(_) => Reason::Conflict,
            Self::InUse(_) => Reason::InUse,
            Self::MethodNotAllowed { .. } => Reason::MethodNotAllowed,
            Self::PayloadTooLarge(_) => Reason::PayloadTooLarge,
            Self::Unavailable(_) => Reason::Unavailable,
            Self::Internal => Reason::Internal,
        }
    }

    pub(crate) fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.reason().status()).expect("every reason has a valid status")
    }
}

impl From<DocumentError> for ApiError {
    fn from(err: DocumentError) -> Self {
        match err {
            DocumentError::Invalid { kind, name, problems } => {
                let subject = match (kind, name) {
                    (Some(k), Some(n)) => format!("{k}/{n}"),
                    (Some(k), None) => k,
                    _ => "object".to_owned(),
                };
                Self::invalid(&subject, problems)
            }
            other => Self::bad_request(other.to_string()),
        }
    }
}

impl From<crate::store::Error> for ApiError {
    fn from(err: crate::store::Error) -> Self {
        tracing::error!(error = %err, cause = ?std::error::Error::source(&err), "storage failure");
        Self::Internal
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad_request(format!("invalid query: {}", rejection.body_text()))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::bad_request(format!("invalid path: {}", rejection.body_text()))
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge(rejection.body_text()),
            _ => Self::bad_request(format!("cannot read the request body: {}", rejection.body_text())),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let reason = self.reason();
        let allow = match &self {
            Self::MethodNotAllowed { allow, .. } if !allow.is_empty() => Some(*allow),
            _ => None,
        };
        let (message, details) = match self {
            Self::Invalid { message, details } => (message, details),
            other => (other.to_string(), Vec::new()),
        };
        let body = ErrorBody {
            code: status.as_u16(),
            reason,
            message,
            details,
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(allow) = allow {
            response
                .headers_mut()
                .insert(axum::http::header::ALLOW, axum::http::HeaderValue::from_static(allow));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_follows_the_reason() {
        assert_eq!(ApiError::UnknownKind("x".into()).status(), StatusCode::NOT_FOUND);
        assert_eq!(ApiError::InUse("x".into()).status(), StatusCode::CONFLICT);
        assert_eq!(
            ApiError::invalid("Tenant/a", Vec::new()).status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(ApiError::Internal.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
