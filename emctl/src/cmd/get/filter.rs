//! The filters of `get serviceinstance` (`--tenant`, `--canary`, `--status`, a service name).

use meshlib::kind::{Kind, ResourceKind};
use meshlib::registry::InstanceFilter;
use meshlib::selector::Selector;

use crate::cli::GetArgs;

/// The filter `get` applies, or why the flags do not fit. For instances, a name without `/`
/// is a service.
pub fn instances(
    kind: &ResourceKind,
    args: &GetArgs,
    selector: Option<&Selector>,
) -> anyhow::Result<Option<(InstanceFilter, Vec<String>)>> {
    if *kind != Kind::ServiceInstance {
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
