//! `emctl describe`: one object in readable form.

use std::time::SystemTime;

use meshlib::kind::ResourceKind;

use super::{Ctx, Exit};
use crate::ops::describe::describe;
use crate::report;

/// Runs `describe`.
pub async fn run(ctx: &Ctx, args: &crate::cli::DescribeArgs) -> anyhow::Result<Exit> {
    let kind = ResourceKind::lookup(&args.kind);
    match ctx.client.get(&kind, &args.name).await {
        Ok(resource) => {
            print!("{}", describe(&resource, SystemTime::now())?);
            Ok(Exit::Success)
        }
        Err(err) => {
            eprintln!(
                "{}",
                report::unknown_kind(&kind, &err).unwrap_or_else(|| report::client_error("", &err, &ctx.config))
            );
            Ok(Exit::Failure)
        }
    }
}
