//! Bearer-token authentication with three roles: `admin` may do everything, `readonly` may only
//! read, `sidecar` may read and make the registry calls a sidecar makes (register, heartbeat,
//! deregister) and nothing else. Tokens come from a file of `token,name,role` lines (`#` starts a
//! comment).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Read and write.
    Admin,
    /// Read only.
    ReadOnly,
    /// What a sidecar needs: read, and register, beat and deregister instances.
    Sidecar,
}

impl Role {
    /// Whether this role may make a request: `route` is the matched route's template (e.g.
    /// `/apis/v2/registry/instances/{service}/{id}`), so a path parameter cannot widen it.
    fn permits(self, method: &Method, route: &str) -> bool {
        let reading = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        match self {
            Role::Admin => true,
            Role::ReadOnly => reading,
            Role::Sidecar => reading || super::registry::is_sidecar_call(method, route),
        }
    }
}

/// The request authenticator.
#[derive(Debug, Clone)]
pub enum Auth {
    /// Every request is allowed (local demos only).
    Disabled,
    /// Tokens by value: (name, role).
    Tokens(Arc<HashMap<String, (String, Role)>>),
}

/// Why a token file was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    /// The file could not be read.
    #[error("cannot read token file {path}")]
    Read {
        /// The file.
        path: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A line is malformed.
    #[error("{path}:{line}: {reason}")]
    Line {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// No token at all.
    #[error("{0}: no tokens (expected lines of token,name,role)")]
    Empty(String),
}

impl Auth {
    /// Reads a token file.
    ///
    /// # Errors
    /// Unreadable file, malformed lines, unknown roles, duplicate tokens, or no token.
    pub fn from_file(path: &Path) -> Result<Self, TokenFileError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| TokenFileError::Read {
            path: shown.clone(),
            source,
        })?;
        let mut tokens = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let fail = |reason: &str| TokenFileError::Line {
                path: shown.clone(),
                line: i + 1,
                reason: reason.to_owned(),
            };
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let [token, name, role] = fields[..] else {
                return Err(fail("expected token,name,role"));
            };
            let role = match role {
                "admin" => Role::Admin,
                "readonly" | "read-only" => Role::ReadOnly,
                "sidecar" => Role::Sidecar,
                _ => return Err(fail("role must be admin, readonly or sidecar")),
            };
            if token.len() < 16 {
                return Err(fail("token must be at least 16 characters"));
            }
            if tokens.insert(token.to_owned(), (name.to_owned(), role)).is_some() {
                return Err(fail("token listed twice"));
            }
        }
        if tokens.is_empty() {
            return Err(TokenFileError::Empty(shown));
        }
        Ok(Self::Tokens(Arc::new(tokens)))
    }

    fn authorize(&self, method: &Method, route: &str, path: &str, authorization: Option<&str>) -> Result<(), ApiError> {
        let Self::Tokens(tokens) = self else {
            return Ok(());
        };
        let token = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| ApiError::Unauthorized("missing bearer token (use --token or EMCTL_TOKEN)".into()))?;
        let (name, role) = tokens
            .get(token)
            .ok_or_else(|| ApiError::Unauthorized("invalid token".into()))?;
        if role.permits(method, route) {
            return Ok(());
        }
        Err(ApiError::Forbidden(if *role == Role::Sidecar {
            format!(
                "token {name:?} has role sidecar: it may read, and register, beat and deregister instances, not {method} {path}"
            )
        } else {
            format!("token {name:?} is read-only")
        }))
    }
}

/// Middleware guarding the API routes.
pub async fn require(State(auth): State<Auth>, request: Request, next: Next) -> Response {
    let header = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    // A route layer: the router has matched the route already.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("", MatchedPath::as_str);
    match auth.authorize(request.method(), route, request.uri().path(), header) {
        Ok(()) => next.run(request).await,
        Err(err) => err.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecars_read_and_make_their_registry_calls_only() {
        let sidecar = |method: Method, route: &str| Role::Sidecar.permits(&method, route);
        assert!(sidecar(Method::GET, "/apis/v2/resources/{kind}"));
        assert!(sidecar(Method::POST, "/apis/v2/registry/instances"));
        assert!(sidecar(
            Method::PUT,
            "/apis/v2/registry/instances/{service}/{id}/heartbeat"
        ));
        assert!(sidecar(Method::DELETE, "/apis/v2/registry/instances/{service}/{id}"));
        assert!(!sidecar(Method::POST, "/apis/v2/resources/{kind}"));
        assert!(!sidecar(
            Method::PUT,
            "/apis/v2/registry/instances/{service}/{id}/offline"
        ));
        assert!(!sidecar(Method::DELETE, "/apis/v2/mesh/serviceinstances/{*name}"));
        assert!(Role::Admin.permits(&Method::DELETE, "/apis/v2/resources/{kind}/{*name}"));
        assert!(!Role::ReadOnly.permits(&Method::POST, "/apis/v2/registry/instances"));
    }

    #[test]
    fn token_files_name_the_roles_they_accept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        std::fs::write(&path, "0123456789abcdef0123,sidecars,sidecar\n").unwrap();
        assert!(matches!(Auth::from_file(&path), Ok(Auth::Tokens(t)) if t.values().all(|(_, r)| *r == Role::Sidecar)));
        std::fs::write(&path, "0123456789abcdef0123,sidecars,writer\n").unwrap();
        let err = Auth::from_file(&path).unwrap_err().to_string();
        assert!(err.ends_with(":1: role must be admin, readonly or sidecar"), "{err}");
    }
}
