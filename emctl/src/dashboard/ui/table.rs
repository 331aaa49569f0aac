//! The list of any kind, from the kind table's columns; services add their golden metrics.
//! Only the rows on screen are built, so a frame costs the same with ten or ten thousand rows.

use meshlib::kind::{Kind, ResourceKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

use crate::dashboard::app::App;
use crate::dashboard::list::KindList;
use crate::dashboard::metrics::{self, Golden};
use crate::dashboard::theme::Theme;

/// Space between columns.
const GAP: u16 = 2;
/// Widths of the golden-metrics columns (`1234.5`, `100.0%`, `120ms`).
const GOLDEN_WIDTHS: [usize; 4] = [6, 7, 6, 6];

/// Draws the list of `kind`.
pub fn render(app: &App, kind: &ResourceKind, frame: &mut Frame, area: Rect) {
    let theme = &app.settings.theme;
    let list = app.list(kind);
    let title = title(kind, list);
    let block = Block::bordered().title(title).border_style(theme.accent);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(list) = list.filter(|l| l.is_synced()) else {
        let message = match list.and_then(KindList::error) {
            Some(error) => format!("cannot list {kind}: {error}"),
            None => "Loading…".to_owned(),
        };
        frame.render_widget(Paragraph::new(message).style(theme.muted), inner);
        return;
    };
    if list.visible_len() == 0 {
        let message = if list.is_empty() {
            "No resources found.".to_owned()
        } else {
            format!("Nothing matches /{}.", list.filter().text())
        };
        frame.render_widget(Paragraph::new(message).style(theme.muted), inner);
        return;
    }
    let golden = *kind == ResourceKind::Builtin(Kind::Service);
    let mut headers: Vec<&str> = list.columns().iter().map(|c| c.header()).collect();
    let mut widths: Vec<usize> = list.widths().to_vec();
    // Golden metrics come right after the name: they matter most and must survive narrow screens.
    if golden {
        headers.splice(1..1, metrics::HEADERS);
        widths.splice(1..1, GOLDEN_WIDTHS);
    }
    let widths = fit(&widths, inner.width);
    let page = usize::from(inner.height.saturating_sub(1));
    let rows = list.window(page).map(|(selected, row)| {
        let mut cells = list.cells(row, app.now);
        if golden {
            cells.splice(1..1, Golden::cells(app.golden.get(&row.resource.metadata.name)));
        }
        let cells = cells
            .into_iter()
            .zip(&headers)
            .take(widths.len())
            .map(|(text, header)| {
                let style = cell_style(theme, kind, header, &text);
                Cell::from(text).style(style)
            });
        let row = Row::new(cells);
        if selected { row.style(theme.selected) } else { row }
    });
    let header = Row::new(headers.iter().take(widths.len()).map(|h| Line::from(*h))).style(theme.header);
    let table = Table::new(rows, widths.iter().map(|w| Constraint::Length(*w)))
        .header(header)
        .column_spacing(GAP);
    frame.render_widget(table, inner);
}

/// ` services(3) `, with the filter when there is one: ` services(1/3) </ord> `.
fn title(kind: &ResourceKind, list: Option<&KindList>) -> String {
    let name = kind
        .builtin()
        .map_or_else(|| kind.name().to_owned(), |k| k.info().plural.to_owned());
    match list {
        Some(list) if !list.filter().text().is_empty() => format!(
            " {name}({}/{}) </{}> ",
            list.visible_len(),
            list.len(),
            list.filter().text()
        ),
        Some(list) if list.is_synced() => format!(" {name}({}) ", list.len()),
        _ => format!(" {name} "),
    }
}

/// Column widths that fit `width`: columns keep their width left to right; the first one that
/// does not fit gets what is left, the rest are dropped.
fn fit(widths: &[usize], width: u16) -> Vec<u16> {
    let mut left = width;
    let mut out = Vec::new();
    for &wanted in widths {
        if left == 0 {
            break;
        }
        let wanted = u16::try_from(wanted).unwrap_or(u16::MAX);
        let given = wanted.min(left);
        out.push(given);
        left = left.saturating_sub(given + GAP);
    }
    out
}

/// Cells that carry a state are coloured by it (k9s-style overrides; every other cell is plain).
fn cell_style(theme: &Theme, kind: &ResourceKind, header: &str, text: &str) -> Style {
    match (kind.builtin(), header) {
        (Some(Kind::ServiceInstance), "STATUS") => match text {
            "UP" => theme.ok,
            "DOWN" => theme.fail,
            _ => theme.warn,
        },
        (Some(Kind::ServiceInstance), "CANARY") if text != meshlib::table::NONE => theme.canary,
        (Some(Kind::Service), "SUCCESS") => match text.trim_end_matches('%').parse::<f64>() {
            Ok(rate) if rate >= 99.0 => theme.ok,
            Ok(rate) if rate >= 95.0 => theme.warn,
            Ok(_) => theme.fail,
            Err(_) => Style::new(),
        },
        _ => Style::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_left_to_right() {
        assert_eq!(fit(&[4, 10, 6], 40), [4, 10, 6]);
        assert_eq!(fit(&[4, 10, 6], 20), [4, 10, 2]);
        assert_eq!(fit(&[4, 10, 6], 10), [4, 4]);
        assert_eq!(fit(&[30], 10), [10]);
    }
}
