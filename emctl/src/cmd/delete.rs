//! `emctl delete`: by kind and names, or everything described in files (in reverse dependency
//! order, so services go before their tenant).

use meshlib::kind::ResourceKind;

use super::{Ctx, Exit, dependency_rank};
use crate::cli::DeleteArgs;
use crate::ops::deleted;
use crate::{report, source};

/// Runs `delete`.
pub async fn run(ctx: &Ctx, args: &DeleteArgs) -> anyhow::Result<Exit> {
    let mut failed = false;
    let mut targets: Vec<(String, ResourceKind, String)> = Vec::new();
    if let Some(kind) = &args.kind {
        if args.names.is_empty() {
            eprintln!("error: name which {kind} to delete: emctl delete {kind} NAME...");
            return Ok(Exit::Failure);
        }
        let kind = ResourceKind::lookup(kind);
        targets.extend(args.names.iter().map(|n| (String::new(), kind.clone(), n.clone())));
    } else {
        let (documents, read_failed) = source::decode_all(&args.files, args.recursive, ctx.config.timeout).await;
        failed |= read_failed;
        for document in documents {
            match document.result {
                Ok(resource) => targets.push((format!("{}: ", document.at), resource.kind, resource.metadata.name)),
                Err(err) => {
                    eprintln!("{}", report::document_error(&document.at, &err));
                    failed = true;
                }
            }
        }
        targets.sort_by_key(|(_, kind, _)| std::cmp::Reverse(dependency_rank(kind)));
    }
    for (at, kind, name) in targets {
        let subject = format!("{}/{name}", kind.name().to_ascii_lowercase());
        match ctx.client.delete(&kind, &name).await {
            Ok(_) => println!("{}", deleted(&kind, &name)),
            Err(err) if err.is_not_found() && args.ignore_not_found => {}
            Err(err) => {
                let message = report::unknown_kind(&kind, &err)
                    .unwrap_or_else(|| report::client_error(&format!("{at}{subject}"), &err, &ctx.config));
                eprintln!("{message}");
                failed = true;
                if err.is_transport() {
                    return Ok(Exit::Failure);
                }
            }
        }
    }
    Ok(Exit::from_failed(failed))
}
