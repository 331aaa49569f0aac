//! `emctl offline` and `emctl online`: take instances out of service and back.

use meshlib::kind::{Kind, ResourceKind};

use super::{Ctx, Exit};
use crate::cli::InstanceArgs;
use crate::report;

fn is_instances(kind: &ResourceKind) -> bool {
    *kind == ResourceKind::Builtin(Kind::ServiceInstance)
}

/// `emctl offline|online serviceinstance SERVICE/ID...`.
pub async fn set_offline(ctx: &Ctx, args: &InstanceArgs, offline: bool) -> anyhow::Result<Exit> {
    let kind = ResourceKind::lookup(&args.kind);
    if !is_instances(&kind) {
        anyhow::bail!("only serviceinstances can be taken offline or put online, not {kind}");
    }
    let mut failed = false;
    for name in &args.names {
        let Some((service, id)) = name.split_once('/') else {
            eprintln!("error: {name:?}: expected SERVICE/ID");
            failed = true;
            continue;
        };
        match ctx.client.set_offline(service, id, offline).await {
            Ok(instance) => {
                let status = instance.spec["status"].as_str().unwrap_or_default();
                let verb = if offline { "offline" } else { "online" };
                println!("serviceinstance/{name} {verb} (status {status})");
            }
            Err(err) => {
                eprintln!(
                    "{}",
                    report::client_error(&format!("serviceinstance/{name}"), &err, &ctx.config)
                );
                failed = true;
            }
        }
    }
    Ok(Exit::from_failed(failed))
}
