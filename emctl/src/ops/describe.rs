//! One object in readable form (`emctl describe`, the dashboard's describe view).

use std::time::SystemTime;

use meshlib::resource::Resource;

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
        ("Kind", resource.kind.to_string()),
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
    if let Some(info) = resource.kind.builtin().map(|k| k.info()) {
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
