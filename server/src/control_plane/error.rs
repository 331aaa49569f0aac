//! The one error type turned into HTTP responses: always JSON `{code, message[, details]}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use meshlib::api::ErrorBody;
use meshlib::decode::DocumentError;
use meshlib::validate::FieldError;

/// A request failure and the status it maps to.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request or object is invalid.
    #[error("{message}")]
    BadRequest {
        /// Summary with every problem.
        message: String,
        /// Field problems.
        details: Vec<FieldError>,
    },
    /// No or unknown credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials without the needed role.
    #[error("{0}")]
    Forbidden(String),
    /// No such object, kind or route.
    #[error("{0}")]
    NotFound(String),
    /// Exists already, changed meanwhile, or still in use.
    #[error("{0}")]
    Conflict(String),
    /// The route exists but not with this method (e.g. writing a read-only kind).
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The server failed; the cause is logged, not sent.
    #[error("internal error")]
    Internal,
}

impl ApiError {
    /// A 400 from field problems.
    pub fn invalid(subject: &str, details: Vec<FieldError>) -> Self {
        let list: Vec<String> = details.iter().map(ToString::to_string).collect();
        Self::BadRequest {
            message: format!("{subject} is invalid: {}", list.join("; ")),
            details,
        }
    }

    /// A 400 without field details.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest {
            message: message.into(),
            details: Vec::new(),
        }
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let details = match &self {
            Self::BadRequest { details, .. } => details.clone(),
            _ => Vec::new(),
        };
        let body = ErrorBody {
            code: status.as_u16(),
            message: self.to_string(),
            details,
        };
        (status, Json(body)).into_response()
    }
}
