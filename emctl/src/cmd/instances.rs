//! Instance-specific pieces: the filters of `get serviceinstance` and `offline`/`online`.

use meshlib::kind::{Kind, ResourceKind};
use meshlib::registry::InstanceFilter;
use meshlib::selector::Selector;

use super::{Ctx, Exit};
use crate::cli::{GetArgs, InstanceArgs};
use crate::report;

fn is_instances(kind: &ResourceKind) -> bool {
    *kind == ResourceKind::Builtin(Kind::ServiceInstance)
}

/// The filter `get` applies, or why the flags do not fit. For instances, a name without `/`
/// is a service.
pub fn filter(
    kind: &ResourceKind,
    args: &GetArgs,
    selector: Option<&Selector>,
) -> anyhow::Result<Option<(InstanceFilter, Vec<String>)>> {
    if !is_instances(kind) {
        if args.tenant.is_some() || args.canary.is_some() || args.status.is_some() {
            anyhow::bail!("--tenant, --canary and --status filter serviceinstances only");
        }
        return Ok(None);
    }
    let status = args
        .status
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let (names, services): (Vec<String>, Vec<String>) = args.names.iter().cloned().partition(|n| n.contains('/'));
    if services.len() > 1 || (!services.is_empty() && !names.is_empty()) {
        anyhow::bail!("give one SERVICE, or instances as SERVICE/ID");
    }
    Ok(Some((
        InstanceFilter {
            service: services.into_iter().next(),
            tenant: args.tenant.clone(),
            canary: args.canary.clone().map(|v| Some(v).filter(|v| !v.is_empty())),
            status,
            selector: selector.cloned(),
        },
        names,
    )))
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
