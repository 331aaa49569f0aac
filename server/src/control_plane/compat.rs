//! EaseMesh's REST routes (`/apis/v2/mesh/...`, `/apis/v2/objects`) with their flat bodies
//! (`{name, ...spec}`), registered from the kind table so existing EaseMesh clients keep working.
//! Every answer is JSON, errors included.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use meshlib::api::PREFIX;
use meshlib::kind::{KINDS, Kind, ResourceKind, Scope};
use meshlib::resource::Resource;
use serde_json::Value;

use super::error::ApiError;
use super::extract::{Body, Path};
use super::{AppState, body, watch};

type Reply = Result<Response, ApiError>;

/// EaseMesh's body of an object: flat, or the bare part for parts of a Service.
fn flat(resource: &Resource) -> Value {
    if meshlib::part::path_of(&resource.kind).is_some() {
        resource.spec.clone()
    } else {
        resource.to_flat()
    }
}

fn flat_list(items: &[Resource]) -> Response {
    Json(items.iter().map(flat).collect::<Vec<_>>()).into_response()
}

fn created(uri: &Uri, resource: &Resource) -> Response {
    let location = format!("{}/{}", uri.path().trim_end_matches('/'), resource.metadata.name);
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(resource.to_flat()),
    )
        .into_response()
}

/// A flat body → validated envelope; `name` is the URL's, when the route has one.
fn from_flat(kind: &ResourceKind, payload: &Bytes, name: Option<&str>) -> Result<Resource, ApiError> {
    let value = body::parse(payload)?;
    if let (Some(url_name), Some(body_name)) = (name, value.get("name").and_then(Value::as_str))
        && url_name != body_name
    {
        return Err(ApiError::bad_request(format!(
            "name {body_name:?} in the body does not match {url_name:?} in the URL"
        )));
    }
    let envelope = Resource::envelope_from_flat(kind, value, name);
    Ok(meshlib::decode::normalize(envelope)?)
}

/// The kind named by a custom resource's flat body.
fn custom_kind(payload: &Bytes) -> Result<ResourceKind, ApiError> {
    let value = body::parse(payload)?;
    match value.get("kind").and_then(Value::as_str) {
        Some(kind) if !kind.is_empty() => Ok(ResourceKind::from_document(kind)),
        _ => Err(ApiError::bad_request("a custom resource needs a non-empty kind")),
    }
}

/// The kind a custom-resource URL names: ShadowService (a custom kind in EaseMesh, built in
/// here) or a custom kind.
fn custom_route_kind(name: String) -> ResourceKind {
    match Kind::from_name(&name) {
        Some(Kind::ShadowService) => ResourceKind::Builtin(Kind::ShadowService),
        _ => ResourceKind::Custom(name),
    }
}

async fn list(state: &AppState, kind: &ResourceKind) -> Reply {
    Ok(flat_list(&state.objects.list(kind, None).await?.0))
}

async fn create(state: &AppState, uri: &Uri, kind: &ResourceKind, payload: &Bytes, name: Option<&str>) -> Reply {
    let resource = state.objects.create(from_flat(kind, payload, name)?).await?;
    Ok(created(uri, &resource))
}

async fn fetch(state: &AppState, kind: &ResourceKind, name: &str) -> Reply {
    Ok(Json(flat(&state.objects.get(kind, name).await?)).into_response())
}

async fn update(state: &AppState, kind: &ResourceKind, payload: &Bytes, name: Option<&str>) -> Reply {
    let (resource, _) = state.objects.update(from_flat(kind, payload, name)?).await?;
    Ok(Json(flat(&resource)).into_response())
}

async fn remove(state: &AppState, kind: &ResourceKind, name: &str) -> Reply {
    Ok(Json(flat(&state.objects.delete(kind, name, None).await?)).into_response())
}

/// Adds the EaseMesh routes to `router`.
pub fn routes(mut router: Router<AppState>) -> Router<AppState> {
    for info in KINDS {
        let kind = ResourceKind::Builtin(info.kind);
        match info.scope {
            Scope::Object if info.kind == Kind::MeshController => {
                router = object_routes(router, &format!("{PREFIX}/objects"), kind);
            }
            Scope::Object | Scope::Registry => {
                router = object_routes(router, &format!("{PREFIX}/mesh/{}", info.segment), kind);
            }
            Scope::ServicePart(_) => {
                let path = format!("{PREFIX}/mesh/services/{{service}}/{}", info.segment);
                let (k1, k2, k3, k4) = (kind.clone(), kind.clone(), kind.clone(), kind);
                router = router.route(
                    &path,
                    get(
                        move |State(s): State<AppState>, Path(n): Path<String>| async move { fetch(&s, &k1, &n).await },
                    )
                    .post(
                        move |State(s): State<AppState>, uri: Uri, Path(n): Path<String>, Body(b): Body| async move {
                            let resource = s.objects.create(from_flat(&k2, &b, Some(&n))?).await?;
                            Ok::<_, ApiError>(
                                (
                                    StatusCode::CREATED,
                                    [(header::LOCATION, uri.path().to_owned())],
                                    Json(resource.spec),
                                )
                                    .into_response(),
                            )
                        },
                    )
                    .put(
                        move |State(s): State<AppState>, Path(n): Path<String>, Body(b): Body| async move {
                            update(&s, &k3, &b, Some(&n)).await
                        },
                    )
                    .delete(move |State(s): State<AppState>, Path(n): Path<String>| async move {
                        remove(&s, &k4, &n).await
                    }),
                );
            }
        }
    }
    custom_resource_routes(router)
}

/// Collection and object routes of one kind. ServiceInstance names are `service/id`, hence the
/// wildcard.
fn object_routes(router: Router<AppState>, collection: &str, kind: ResourceKind) -> Router<AppState> {
    let kind_is_registry = kind.builtin().is_some_and(|k| k.info().scope == Scope::Registry);
    let (k1, k2, k3, k4, k5, k6) = (
        kind.clone(),
        kind.clone(),
        kind.clone(),
        kind.clone(),
        kind.clone(),
        kind,
    );
    router
        .route(
            collection,
            get(move |State(s): State<AppState>| async move { list(&s, &k1).await })
                .post(move |State(s): State<AppState>, uri: Uri, Body(b): Body| async move {
                    create(&s, &uri, &k2, &b, None).await
                })
                // EaseMesh updates CustomResourceKinds by body name on the collection URL.
                .put(move |State(s): State<AppState>, Body(b): Body| async move { update(&s, &k6, &b, None).await }),
        )
        .route(
            &format!("{collection}/{}", if kind_is_registry { "{*name}" } else { "{name}" }),
            get(move |State(s): State<AppState>, Path(n): Path<String>| async move { fetch(&s, &k3, &n).await })
                .put(
                    move |State(s): State<AppState>, Path(n): Path<String>, Body(b): Body| async move {
                        update(&s, &k4, &b, Some(&n)).await
                    },
                )
                .delete(
                    move |State(s): State<AppState>, Path(n): Path<String>| async move { remove(&s, &k5, &n).await },
                ),
        )
}

fn custom_resource_routes(router: Router<AppState>) -> Router<AppState> {
    let all = format!("{PREFIX}/mesh/customresources");
    router
        .route(
            &all,
            get(|State(s): State<AppState>| async move {
                let (kinds, _) = s
                    .objects
                    .list(&ResourceKind::Builtin(Kind::CustomResourceKind), None)
                    .await?;
                let mut items = s
                    .objects
                    .list(&ResourceKind::Builtin(Kind::ShadowService), None)
                    .await?
                    .0;
                for definition in kinds {
                    items.extend(
                        s.objects
                            .list(&ResourceKind::Custom(definition.metadata.name), None)
                            .await?
                            .0,
                    );
                }
                Ok::<_, ApiError>(flat_list(&items))
            })
            .post(|State(s): State<AppState>, uri: Uri, Body(b): Body| async move {
                let kind = custom_kind(&b)?;
                let resource = s.objects.create(from_flat(&kind, &b, None)?).await?;
                let location = format!("{}/{}/{}", uri.path(), kind, resource.metadata.name);
                Ok::<_, ApiError>(
                    (
                        StatusCode::CREATED,
                        [(header::LOCATION, location)],
                        Json(resource.to_flat()),
                    )
                        .into_response(),
                )
            })
            .put(|State(s): State<AppState>, Body(b): Body| async move {
                let kind = custom_kind(&b)?;
                update(&s, &kind, &b, None).await
            }),
        )
        .route(
            &format!("{all}/{{kind}}"),
            get(|State(s): State<AppState>, Path(kind): Path<String>| async move {
                list(&s, &custom_route_kind(kind)).await
            }),
        )
        .route(
            &format!("{all}/{{kind}}/{{name}}"),
            get(
                |State(s): State<AppState>, Path((kind, name)): Path<(String, String)>| async move {
                    fetch(&s, &custom_route_kind(kind), &name).await
                },
            )
            .delete(
                |State(s): State<AppState>, Path((kind, name)): Path<(String, String)>| async move {
                    remove(&s, &custom_route_kind(kind), &name).await
                },
            ),
        )
        .route(
            &format!("{PREFIX}/mesh/watchcustomresources/{{kind}}"),
            get(|State(s): State<AppState>, Path(kind): Path<String>| async move {
                watch::snapshots(&s, custom_route_kind(kind)).await
            }),
        )
}
