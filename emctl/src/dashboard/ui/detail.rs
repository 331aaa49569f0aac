//! One object, described (as `emctl describe`) or as YAML (as `emctl get -o yaml`), live: it
//! follows the object's changes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Paragraph};

use crate::cli::Output;
use crate::dashboard::action::Target;
use crate::dashboard::app::{App, DetailView};

/// The text shown for `target`.
#[must_use]
pub fn text(app: &App, target: &Target, view: DetailView) -> String {
    let Some(resource) = app.list(&target.kind).and_then(|l| l.get(&target.name)) else {
        return format!("{} no longer exists.", target.reference());
    };
    let text = match view {
        DetailView::Describe => crate::ops::describe::describe(resource, app.now),
        DetailView::Yaml => crate::output::document(std::slice::from_ref(resource), true, Output::Yaml),
    };
    text.unwrap_or_else(|err| format!("cannot show {}: {err}", target.reference()))
}

/// Draws `target` from line `scroll`.
pub fn render(app: &App, target: &Target, view: DetailView, scroll: usize, frame: &mut Frame, area: Rect) {
    let what = match view {
        DetailView::Describe => "describe",
        DetailView::Yaml => "yaml",
    };
    let block = Block::bordered()
        .title(format!(" {what} {} ", target.reference()))
        .border_style(app.settings.theme.accent);
    let text = text(app, target, view);
    let scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(text).block(block).scroll((scroll, 0)), area);
}
