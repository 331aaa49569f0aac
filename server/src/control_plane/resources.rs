//! `/apis/v2/resources/{kind}[/{name}]`: full envelopes with resource versions, label selectors
//! and watch streams, for every kind through the same handlers.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use meshlib::api::{self, List};
use meshlib::kind::ResourceKind;
use meshlib::selector::Selector;
use serde::Deserialize;

use super::error::ApiError;
use super::extract::{Body, Path, Query};
use super::{AppState, body, watch};

/// Query of a list request.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(rename = "labelSelector")]
    label_selector: Option<String>,
    #[serde(default)]
    watch: bool,
}

/// Query of a delete request.
#[derive(Debug, Deserialize)]
pub struct DeleteQuery {
    #[serde(rename = "resourceVersion")]
    resource_version: Option<u64>,
}

fn selector(text: Option<&str>) -> Result<Option<Selector>, ApiError> {
    text.map(|s| s.parse::<Selector>().map_err(|e| ApiError::bad_request(e.to_string())))
        .transpose()
}

/// `GET /resources/{kind}` (or a watch with `?watch=true`).
pub async fn list(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let kind = ResourceKind::lookup(&kind);
    let selector = selector(query.label_selector.as_deref())?;
    if query.watch {
        return watch::events(&state, kind, selector).await;
    }
    if kind
        .builtin()
        .is_some_and(|k| k.info().scope == meshlib::kind::Scope::Registry)
    {
        // Registered override: instances are listed straight from the registry's memory.
        let revision = state.objects.store().revision().await?;
        let context = state.objects.instance_context().await?;
        let body = state
            .objects
            .instances()
            .write_list(revision, &context, |spec| {
                selector.as_ref().is_none_or(|s| s.matches(&spec.labels))
            })
            .map_err(|err| {
                tracing::error!(error = %err, "cannot serialise instances");
                ApiError::Internal
            })?;
        return Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response());
    }
    let (items, revision) = state.objects.list(&kind, selector.as_ref()).await?;
    // Lists can hold thousands of objects: serialise once into a buffer of about the right size.
    let mut body = Vec::with_capacity(256 + items.len() * 512);
    serde_json::to_writer(&mut body, &List::new(items, Some(revision.to_string()))).map_err(|err| {
        tracing::error!(error = %err, "cannot serialise a list");
        ApiError::Internal
    })?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// `POST /resources/{kind}`.
pub async fn create(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    Body(payload): Body,
) -> Result<Response, ApiError> {
    let kind = ResourceKind::lookup(&kind);
    super::Objects::check_writable(&kind, super::objects::COLLECTION_ALLOWS)?;
    let resource = body::envelope(&kind, body::parse(&payload)?, None)?;
    let created = state.objects.create(resource).await?;
    let location = api::object_path(&kind, &created.metadata.name);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(created)).into_response())
}

/// `GET /resources/{kind}/{name}`.
pub async fn get(
    State(state): State<AppState>,
    Path((kind, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let resource = state.objects.get(&ResourceKind::lookup(&kind), &name).await?;
    Ok(Json(resource).into_response())
}

/// `PUT /resources/{kind}/{name}`.
pub async fn replace(
    State(state): State<AppState>,
    Path((kind, name)): Path<(String, String)>,
    Body(payload): Body,
) -> Result<Response, ApiError> {
    let kind = ResourceKind::lookup(&kind);
    super::Objects::check_writable(&kind, super::objects::OBJECT_ALLOWS)?;
    let resource = body::envelope(&kind, body::parse(&payload)?, Some(&name))?;
    let (updated, _) = state.objects.update(resource).await?;
    Ok(Json(updated).into_response())
}

/// `DELETE /resources/{kind}/{name}[?resourceVersion=N]`.
pub async fn delete(
    State(state): State<AppState>,
    Path((kind, name)): Path<(String, String)>,
    Query(query): Query<DeleteQuery>,
) -> Result<Response, ApiError> {
    let deleted = state
        .objects
        .delete(&ResourceKind::lookup(&kind), &name, query.resource_version)
        .await?;
    Ok(Json(deleted).into_response())
}
