//! Everything emctl prints about resources: tables (comfy-table, kubectl layout), YAML, JSON and
//! `kind/name`. Pure functions returning strings, so every format is snapshot-tested.

use std::time::SystemTime;

use comfy_table::{CellAlignment, ContentArrangement, Table};
use meshlib::api::List;
use meshlib::kind::ResourceKind;
use meshlib::resource::Resource;

use crate::cli::Output;

/// `kind/name` as kubectl writes it: the kind lower-cased.
pub fn name_of(resource: &Resource) -> String {
    format!(
        "{}/{}",
        resource.kind.name().to_ascii_lowercase(),
        resource.metadata.name
    )
}

/// Renders rows under headers, kubectl style: no borders, 3-space gutters, left-aligned.
/// `width` fits the table to a terminal; `None` never wraps (pipes, files).
pub fn grid(headers: &[&str], rows: &[Vec<String>], show_headers: bool, width: Option<u16>) -> String {
    let mut table = Table::new();
    table.load_preset(comfy_table::presets::NOTHING);
    match width {
        Some(width) => {
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_width(width);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    if show_headers {
        table.set_header(headers.to_vec());
    }
    for row in rows {
        table.add_row(row.clone());
    }
    let columns = headers.len();
    for (i, column) in table.column_iter_mut().enumerate() {
        column.set_padding((0, if i + 1 == columns { 0 } else { 3 }));
        column.set_cell_alignment(CellAlignment::Left);
    }
    let mut text: String = table
        .lines()
        .map(|line| line.trim_end().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    text.push('\n');
    text
}

/// A table of resources of one kind.
pub fn table(
    kind: &ResourceKind,
    items: &[Resource],
    wide: bool,
    show_headers: bool,
    width: Option<u16>,
    now: SystemTime,
) -> String {
    let headers = meshlib::table::headers(kind, wide);
    let rows: Vec<Vec<String>> = items.iter().map(|r| meshlib::table::row(kind, r, wide, now)).collect();
    grid(&headers, &rows, show_headers, width)
}

/// Objects in a re-appliable format: one object alone, several as a `List`.
pub fn document(items: &[Resource], single: bool, format: Output) -> anyhow::Result<String> {
    let value = if single && items.len() == 1 {
        serde_json::to_value(&items[0])?
    } else {
        serde_json::to_value(List::new(items.to_vec(), None))?
    };
    Ok(match format {
        Output::Json => format!("{}\n", serde_json::to_string_pretty(&value)?),
        _ => meshlib::yaml::to_string(&value)?,
    })
}

/// Renders `items` in `format`.
pub fn render(
    kind: &ResourceKind,
    items: &[Resource],
    single: bool,
    format: Output,
    show_headers: bool,
    width: Option<u16>,
    now: SystemTime,
) -> anyhow::Result<String> {
    Ok(match format {
        Output::Table => table(kind, items, false, show_headers, width, now),
        Output::Wide => table(kind, items, true, show_headers, width, now),
        Output::Yaml | Output::Json => document(items, single, format)?,
        Output::Name => items.iter().map(|r| format!("{}\n", name_of(r))).collect(),
    })
}

/// The terminal width when stdout is a terminal.
pub fn terminal_width() -> Option<u16> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    Table::new().width()
}
