//! `emctl describe`: one object in readable form.

use std::time::SystemTime;

use meshlib::kind::ResourceKind;
use meshlib::resource::Resource;

use super::{Ctx, Exit};
use crate::report;

/// The description text of an object.
pub fn describe(resource: &Resource, now: SystemTime) -> anyhow::Result<String> {
    let m = &resource.metadata;
    let labels = if m.labels.is_empty() {
        meshlib::table::NONE.to_owned()
    } else {
        m.labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let created = match &m.creation_timestamp {
        Some(ts) => format!("{ts} ({} ago)", meshlib::table::age(Some(ts), now)),
        None => meshlib::table::NONE.to_owned(),
    };
    let mut out = String::new();
    let rows = [
        ("Name", m.name.clone()),
        ("Kind", resource.kind.clone()),
        ("Labels", labels),
        ("Created", created),
        (
            "Resource Version",
            m.resource_version
                .clone()
                .unwrap_or_else(|| meshlib::table::NONE.to_owned()),
        ),
    ];
    for (key, value) in rows {
        out.push_str(&format!("{:<18}{value}\n", format!("{key}:")));
    }
    if let Some(info) = resource.resource_kind().builtin().map(|k| k.info()) {
        let summary: Vec<String> = info
            .columns
            .iter()
            .map(|c| {
                format!(
                    "{}={}",
                    c.header.to_ascii_lowercase(),
                    meshlib::table::cell(&c.cell, &resource.spec, now)
                )
            })
            .collect();
        if !summary.is_empty() {
            out.push_str(&format!("{:<18}{}\n", "Summary:", summary.join("  ")));
        }
    }
    out.push_str("Spec:\n");
    let spec = meshlib::yaml::to_string(&resource.spec)?;
    for line in spec.lines() {
        out.push_str(&format!("  {line}\n"));
    }
    Ok(out)
}

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
                super::get::unknown_kind(&kind, &err).unwrap_or_else(|| report::client_error("", &err, &ctx.config))
            );
            Ok(Exit::Failure)
        }
    }
}
