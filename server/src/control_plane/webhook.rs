//! The mutating admission webhook that injects sidecars: `POST /mutate` takes an
//! `AdmissionReview` (admission.k8s.io/v1) for an apps/v1 Deployment or StatefulSet and answers
//! with a JSON patch of its `spec.template` ([`meshlib::inject`]). The MeshController is read
//! from the store on every request, so a changed one applies to the next admission.
//!
//! Other kinds, operations and subresources are allowed unchanged. Invalid annotations are
//! refused with a message naming the workload and the annotation. Served over HTTPS on its own
//! listener (the API server calls webhooks over TLS only).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use k8s_openapi::api::core::v1::PodTemplateSpec;
use kube::core::DynamicObject;
use kube::core::admission::{AdmissionRequest, AdmissionResponse, AdmissionReview, Operation};
use meshlib::inject::{self, InjectionParams};
use meshlib::kind::{Kind, ResourceKind};
use meshlib::spec::mesh_controller::MeshControllerSpec;
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use super::stored::{decode, prefix};

/// Where the webhook listens and with which certificate.
pub struct Webhook {
    /// The bound listener.
    pub listener: tokio::net::TcpListener,
    /// Its TLS configuration.
    pub tls: Arc<rustls::ServerConfig>,
}

/// `POST /mutate`.
pub async fn mutate(State(state): State<AppState>, body: Bytes) -> Json<AdmissionReview<DynamicObject>> {
    let review: AdmissionReview<DynamicObject> = match serde_json::from_slice(&body) {
        Ok(review) => review,
        Err(err) => return Json(AdmissionResponse::invalid(format!("not an AdmissionReview: {err}")).into_review()),
    };
    let request: AdmissionRequest<DynamicObject> = match review.try_into() {
        Ok(request) => request,
        Err(_) => return Json(AdmissionResponse::invalid("the AdmissionReview has no request").into_review()),
    };
    Json(admit(&state, &request).await.into_review())
}

/// Whether this request is one injection applies to.
fn is_workload(request: &AdmissionRequest<DynamicObject>) -> bool {
    request.kind.group == "apps"
        && matches!(request.kind.kind.as_str(), "Deployment" | "StatefulSet")
        && matches!(request.operation, Operation::Create | Operation::Update)
        && request.sub_resource.as_deref().is_none_or(str::is_empty)
}

async fn admit(state: &AppState, request: &AdmissionRequest<DynamicObject>) -> AdmissionResponse {
    let response = AdmissionResponse::from(request);
    let Some(object) = request.object.as_ref().filter(|_| is_workload(request)) else {
        return response;
    };
    let namespace = request.namespace.as_deref().unwrap_or("default");
    let name = object.metadata.name.as_deref().unwrap_or(&request.name);
    let workload = format!("{} {namespace}/{name}", request.kind.kind);
    let refuse = |response: AdmissionResponse, message: String| {
        tracing::info!(%workload, reason = %message, "injection refused");
        deny(response, format!("{workload}: {message}"))
    };
    let annotations: BTreeMap<String, String> = object.metadata.annotations.clone().unwrap_or_default();
    let meshed = match inject::enabled(&annotations) {
        Ok(meshed) => meshed,
        Err(err) => return refuse(response, err.to_string()),
    };
    let raw_template = object
        .data
        .pointer("/spec/template")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let template: PodTemplateSpec = match serde_json::from_value(raw_template) {
        Ok(template) => template,
        Err(err) => return refuse(response, format!("spec.template: not a pod template: {err}")),
    };
    let mut warnings = Vec::new();
    let params = match mesh_controller(state).await {
        Ok(controller) => {
            if meshed && controller.is_none() {
                warnings.push("the mesh has no MeshController yet: the default sidecar image is injected".to_owned());
            }
            InjectionParams::new(state.advertise_url.as_ref(), controller.as_ref())
        }
        // Removing an injection needs no settings; adding one must not guess them.
        Err(_) if !meshed => InjectionParams::new(state.advertise_url.as_ref(), None),
        Err(_) => {
            return refuse(
                response,
                "the control plane cannot read its MeshController; try again".to_owned(),
            );
        }
    };
    let decision = match inject::inject(&annotations, &template, &params) {
        Ok(decision) => decision,
        Err(err) => return refuse(response, err.to_string()),
    };
    let patch = match template_patch(&object.data, &template, &decision.template) {
        Ok(Some(patch)) => patch,
        Ok(None) => return response,
        Err(message) => {
            tracing::error!(%workload, reason = %message, "cannot build the injection patch");
            return deny(
                response,
                format!("{workload}: internal error of the injector: {message}"),
            );
        }
    };
    tracing::info!(%workload, meshed, operations = patch.0.len(), "injection patch");
    let mut response = match response.with_patch(patch) {
        Ok(response) => response,
        Err(err) => return deny(AdmissionResponse::from(request), format!("{workload}: {err}")),
    };
    if !warnings.is_empty() {
        response.warnings = Some(warnings);
    }
    response
}

/// The JSON patch turning the object's template `before` into `after`; `None` when they are the
/// same. Both sides are compared in their typed form (what the API server stores), and the patch
/// is checked against the object as received.
fn template_patch(
    object: &Value,
    before: &PodTemplateSpec,
    after: &PodTemplateSpec,
) -> Result<Option<json_patch::Patch>, String> {
    let wrap = |template: &PodTemplateSpec| {
        serde_json::to_value(template)
            .map(|t| json!({"spec": {"template": t}}))
            .map_err(|err| err.to_string())
    };
    let patch = json_patch::diff(&wrap(before)?, &wrap(after)?);
    if patch.0.is_empty() {
        return Ok(None);
    }
    let mut patched = object.clone();
    json_patch::patch(&mut patched, &patch).map_err(|err| format!("the patch does not apply: {err}"))?;
    Ok(Some(patch))
}

fn deny(response: AdmissionResponse, message: String) -> AdmissionResponse {
    let mut response = response.deny(message);
    response.result.status = Some(kube::core::response::StatusSummary::Failure);
    response.result.code = 400;
    response.result.reason = "Invalid".to_owned();
    response
}

/// The mesh's MeshController, if it has one.
async fn mesh_controller(state: &AppState) -> Result<Option<MeshControllerSpec>, ApiError> {
    let kind = ResourceKind::Builtin(Kind::MeshController);
    let (entries, _) = state.objects.store().list(&prefix(&kind)).await?;
    let Some(entry) = entries.first() else {
        return Ok(None);
    };
    serde_json::from_value(decode(entry)?.spec).map(Some).map_err(|err| {
        tracing::error!(key = %entry.key, error = %err, "stored MeshController does not decode");
        ApiError::Internal
    })
}
