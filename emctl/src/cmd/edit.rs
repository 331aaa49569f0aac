//! `emctl edit`: the edit flow of [`crate::ops::edit`] on one object, its outcome printed.

use meshlib::kind::ResourceKind;

use super::{Ctx, Exit};
use crate::cli::EditArgs;
use crate::ops::edit::edit;

/// Runs `edit`.
pub async fn run(ctx: &Ctx, args: &EditArgs) -> anyhow::Result<Exit> {
    let outcome = edit(ctx, &ResourceKind::lookup(&args.kind), &args.name, args.output).await?;
    for warning in outcome.warnings() {
        eprintln!("{warning}");
    }
    let (message, failed) = outcome.message();
    if failed {
        eprintln!("{message}");
    } else {
        println!("{message}");
    }
    Ok(Exit::from_failed(failed))
}
