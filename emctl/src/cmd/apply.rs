//! `emctl apply` and `emctl create`: decode every document, validate it here first, then write it
//! in dependency order; a bad document is reported and the rest still go through.

use std::collections::HashMap;

use meshlib::client::ApplyOutcome;
use meshlib::decode::{Decoded, DocumentRef};
use meshlib::kind::{Kind, ResourceKind};
use meshlib::part;
use meshlib::resource::Resource;
use serde_json::Value;

use super::{Ctx, Exit, dependency_rank};
use crate::cli::{FileArgs, NameOutput};
use crate::output::name_of;
use crate::{report, source};

/// Which write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Create or update.
    Apply,
    /// Create only.
    Create,
}

/// Client-side check of a custom resource against its kind's schema, from this batch or the server.
async fn check_custom(
    ctx: &Ctx,
    resource: &Resource,
    batch: &HashMap<String, serde_json::Value>,
) -> Result<(), String> {
    let kind = resource.kind.name();
    let schema = match batch.get(kind) {
        Some(schema) => schema.clone(),
        None => match ctx
            .client
            .get_opt(&ResourceKind::Builtin(Kind::CustomResourceKind), kind)
            .await
        {
            Ok(Some(definition)) => definition
                .spec
                .get("jsonSchema")
                .cloned()
                .unwrap_or(serde_json::Value::Bool(true)),
            Ok(None) => {
                return Err(format!(
                    "unknown kind {kind:?}: it is not a built-in kind (see `emctl api-resources`) and no CustomResourceKind defines it"
                ));
            }
            Err(err) => return Err(report::client_error("", &err, &ctx.config)),
        },
    };
    meshlib::spec::custom::validate_resource(&schema, kind, &resource.metadata.name, &resource.spec).map_err(
        |problems| {
            let mut out = format!("{} is invalid: {} problem(s)", resource.reference(), problems.len());
            for p in problems {
                out.push_str(&format!("\n  - {p}"));
            }
            out
        },
    )
}

/// A part merged into the Service of the same batch.
struct MergedPart {
    kind: Kind,
    path: &'static [&'static str],
    name: String,
}

/// Parts whose Service is in the same batch become part of that Service's desired state, so
/// the Service document does not drop them and re-applying the batch changes nothing.
fn coalesce(documents: Vec<Decoded>) -> (Vec<Decoded>, HashMap<String, Vec<MergedPart>>) {
    let services: HashMap<String, usize> = documents
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            d.result
                .as_ref()
                .ok()
                .filter(|r| r.kind == Kind::Service)
                .map(|r| (r.metadata.name.clone(), i))
        })
        .collect();
    let mut merged: HashMap<String, Vec<MergedPart>> = HashMap::new();
    let mut parts: Vec<(usize, Kind, &'static [&'static str], Value, DocumentRef)> = Vec::new();
    let mut keep = Vec::with_capacity(documents.len());
    for (i, document) in documents.iter().enumerate() {
        let target = document.result.as_ref().ok().and_then(|r| {
            let (kind, path) = part::path_of(&r.kind)?;
            let service = *services.get(&r.metadata.name)?;
            Some((service, kind, path, r.spec.clone()))
        });
        match target {
            Some((service, kind, path, spec)) => parts.push((service, kind, path, spec, document.at.clone())),
            None => keep.push(i),
        }
    }
    let mut documents: Vec<Option<Decoded>> = documents.into_iter().map(Some).collect();
    let mut conflicts = Vec::new();
    for (service, kind, path, spec, at) in parts {
        let Some(Ok(resource)) = documents[service].as_mut().map(|d| d.result.as_mut()) else {
            continue;
        };
        match part::get(&resource.spec, path) {
            Some(inline) if *inline != spec => conflicts.push(Decoded {
                at,
                result: Err(meshlib::decode::DocumentError::Invalid {
                    kind: Some(kind.name().to_owned()),
                    name: Some(resource.metadata.name.clone()),
                    problems: vec![meshlib::validate::FieldError {
                        field: "spec".into(),
                        message: format!(
                            "conflicts with spec.{} of Service/{} in the same input; keep one of them",
                            path.join("."),
                            resource.metadata.name
                        ),
                    }],
                }),
            }),
            _ => {
                part::set(&mut resource.spec, path, Some(spec));
                merged
                    .entry(resource.metadata.name.clone())
                    .or_default()
                    .push(MergedPart {
                        kind,
                        path,
                        name: resource.metadata.name.clone(),
                    });
            }
        }
    }
    let mut out: Vec<Decoded> = keep.into_iter().filter_map(|i| documents[i].take()).collect();
    out.extend(conflicts);
    (out, merged)
}

/// What happened to a merged part, judged against the Service as it was before.
fn part_outcome(
    before: Option<&Resource>,
    service: ApplyOutcome,
    merged: &MergedPart,
    desired: &Resource,
) -> ApplyOutcome {
    let old = before.and_then(|b| part::get(&b.spec, merged.path));
    match (service, old) {
        (ApplyOutcome::Unchanged, _) => ApplyOutcome::Unchanged,
        (_, None) => ApplyOutcome::Created,
        (_, Some(old)) if Some(old) == part::get(&desired.spec, merged.path) => ApplyOutcome::Unchanged,
        _ => ApplyOutcome::Configured,
    }
}

/// Runs apply or create.
pub async fn run(ctx: &Ctx, args: &FileArgs, mode: Mode) -> anyhow::Result<Exit> {
    let (documents, mut failed) = source::decode_all(&args.files, args.recursive, ctx.config.timeout).await;
    let (mut documents, mut merged) = coalesce(documents);
    documents.sort_by_key(|d| d.result.as_ref().map_or(0, |r| dependency_rank(&r.kind)));
    let batch: HashMap<String, serde_json::Value> = documents
        .iter()
        .filter_map(|d| d.result.as_ref().ok())
        .filter(|r| r.kind == Kind::CustomResourceKind)
        .map(|r| {
            (
                r.metadata.name.clone(),
                r.spec.get("jsonSchema").cloned().unwrap_or_default(),
            )
        })
        .collect();
    if documents.is_empty() && !failed {
        eprintln!("error: no objects found in {}", args.files.join(", "));
        return Ok(Exit::Failure);
    }
    for document in documents {
        let resource = match document.result {
            Ok(resource) => resource,
            Err(err) => {
                eprintln!("{}", report::document_error(&document.at, &err));
                failed = true;
                continue;
            }
        };
        let kind = resource.kind.clone();
        if let Some(k) = kind.builtin().filter(|k| !k.info().writable) {
            eprintln!(
                "error: {}: {k} objects are registered by sidecars and cannot be applied",
                document.at
            );
            failed = true;
            continue;
        }
        if let ResourceKind::Custom(_) = kind
            && let Err(message) = check_custom(ctx, &resource, &batch).await
        {
            eprintln!("error: {}: {message}", document.at);
            failed = true;
            continue;
        }
        for warning in report::inert(&format!("{}: ", document.at), &resource) {
            eprintln!("{warning}");
        }
        let name = name_of(&resource);
        if args.dry_run {
            println!("{name} valid (dry run)");
            continue;
        }
        let parts = if kind == ResourceKind::Builtin(Kind::Service) {
            merged.remove(&resource.metadata.name).unwrap_or_default()
        } else {
            Vec::new()
        };
        let before = if parts.is_empty() {
            None
        } else {
            ctx.client.get_opt(&kind, &resource.metadata.name).await.ok().flatten()
        };
        let result = match mode {
            Mode::Apply => ctx.client.apply(&resource).await.map(|(outcome, _)| outcome),
            Mode::Create => ctx.client.create(&resource).await.map(|_| ApplyOutcome::Created),
        };
        match result {
            Ok(outcome) => {
                let mut lines = vec![(name, outcome)];
                for part in &parts {
                    let part_name = format!("{}/{}", part.kind.name().to_ascii_lowercase(), part.name);
                    lines.push((part_name, part_outcome(before.as_ref(), outcome, part, &resource)));
                }
                for (name, outcome) in lines {
                    if args.output == Some(NameOutput::Name) {
                        println!("{name}");
                    } else {
                        println!("{name} {}", outcome.word());
                    }
                }
            }
            Err(err) => {
                let mut message = report::client_error(&format!("{}: {name}", document.at), &err, &ctx.config);
                if mode == Mode::Create && err.is_conflict() {
                    message.push_str("\n  hint: use `emctl apply` to update existing objects");
                }
                eprintln!("{message}");
                failed = true;
                if err.is_transport() {
                    eprintln!("error: stopped: the control plane is unreachable, remaining objects were not sent");
                    return Ok(Exit::Failure);
                }
            }
        }
    }
    Ok(Exit::from_failed(failed))
}
