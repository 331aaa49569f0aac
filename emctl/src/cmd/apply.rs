//! `emctl apply` and `emctl create`: decode every document, validate it here first, then write it
//! in dependency order; a bad document is reported and the rest still go through.

use std::collections::HashMap;

use meshlib::client::ApplyOutcome;
use meshlib::decode::{Decoded, decode_str};
use meshlib::kind::{Kind, ResourceKind};
use meshlib::resource::Resource;

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

/// Reads and decodes every location; unreadable ones are reported.
pub async fn decode_all(locations: &[String], recursive: bool, ctx: &Ctx) -> (Vec<Decoded>, bool) {
    let mut failed = false;
    let mut documents = Vec::new();
    for source in source::read_all(locations, recursive, ctx.config.timeout).await {
        match source {
            Ok(source) => documents.extend(decode_str(&source.text, &source.name)),
            Err(err) => {
                eprintln!("error: {err:#}");
                failed = true;
            }
        }
    }
    (documents, failed)
}

/// Client-side check of a custom resource against its kind's schema, from this batch or the server.
async fn check_custom(ctx: &Ctx, resource: &Resource, batch: &HashMap<String, serde_json::Value>) -> Result<(), String> {
    let kind = resource.kind.clone();
    let schema = match batch.get(&kind) {
        Some(schema) => schema.clone(),
        None => match ctx.client.get_opt(&ResourceKind::Builtin(Kind::CustomResourceKind), &kind).await {
            Ok(Some(definition)) => definition.spec.get("jsonSchema").cloned().unwrap_or(serde_json::Value::Bool(true)),
            Ok(None) => {
                return Err(format!(
                    "unknown kind {kind:?}: it is not a built-in kind (see `emctl api-resources`) and no CustomResourceKind defines it"
                ));
            }
            Err(err) => return Err(report::client_error("", &err, &ctx.config)),
        },
    };
    meshlib::spec::custom::validate_resource(&schema, &kind, &resource.metadata.name, &resource.spec).map_err(|problems| {
        let mut out = format!("{} is invalid: {} problem(s)", resource.reference(), problems.len());
        for p in problems {
            out.push_str(&format!("\n  - {p}"));
        }
        out
    })
}

/// Runs apply or create.
pub async fn run(ctx: &Ctx, args: &FileArgs, mode: Mode) -> anyhow::Result<Exit> {
    let (mut documents, mut failed) = decode_all(&args.files, args.recursive, ctx).await;
    documents.sort_by_key(|d| d.result.as_ref().map_or(0, |r| dependency_rank(&r.resource_kind())));
    let batch: HashMap<String, serde_json::Value> = documents
        .iter()
        .filter_map(|d| d.result.as_ref().ok())
        .filter(|r| r.kind == Kind::CustomResourceKind.name())
        .map(|r| (r.metadata.name.clone(), r.spec.get("jsonSchema").cloned().unwrap_or_default()))
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
        let kind = resource.resource_kind();
        if let Some(k) = kind.builtin().filter(|k| !k.info().writable) {
            eprintln!("error: {}: {k} objects are registered by sidecars and cannot be applied", document.at);
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
        let name = name_of(&resource);
        if args.dry_run {
            println!("{name} valid (dry run)");
            continue;
        }
        let result = match mode {
            Mode::Apply => ctx.client.apply(&resource).await.map(|(outcome, _)| outcome),
            Mode::Create => ctx.client.create(&resource).await.map(|_| ApplyOutcome::Created),
        };
        match result {
            Ok(outcome) if args.output == Some(NameOutput::Name) => {
                let _ = outcome;
                println!("{name}");
            }
            Ok(outcome) => println!(
                "{name} {}",
                match outcome {
                    ApplyOutcome::Created => "created",
                    ApplyOutcome::Configured => "configured",
                    ApplyOutcome::Unchanged => "unchanged",
                }
            ),
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
