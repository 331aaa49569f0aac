//! Rendering: the whole screen from the state alone, no I/O and no clock (time is `App::now`).
//! Header, outage banner, the view (a list or one object), the footer, and overlays on top.

mod detail;
mod footer;
mod header;
mod popup;
mod table;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

pub use detail::text as detail_text;

use super::app::{App, Mode, Screen};

/// Lines of the header.
const HEADER: u16 = 3;

/// Draws the screen.
pub fn render(app: &App, frame: &mut Frame) {
    let banner = u16::from(app.outage.is_some());
    let [top, outage, body, bottom] = Layout::vertical([
        Constraint::Length(HEADER),
        Constraint::Length(banner),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    header::render(app, frame, top);
    if let Some(down) = &app.outage {
        header::banner(app, down, frame, outage);
    }
    match app.screen() {
        Screen::List(kind) => table::render(app, kind, frame, body),
        Screen::Detail { target, view, scroll } => detail::render(app, target, *view, *scroll, frame, body),
    }
    footer::render(app, frame, bottom);
    match app.mode() {
        Mode::Help => popup::help(app, frame),
        Mode::Confirm(target) => popup::confirm(app, target, frame),
        Mode::Notice(message) => popup::notice(app, message, frame),
        Mode::Normal | Mode::Command(_) | Mode::Filter { .. } => {}
    }
}

/// How many rows of a list fit on a terminal `height` lines high.
#[must_use]
pub fn list_rows(height: u16, banner: bool) -> usize {
    // Header, banner, footer, the list's borders and its header row.
    usize::from(height.saturating_sub(HEADER + u16::from(banner) + 1 + 2 + 1))
}

#[cfg(test)]
mod tests;
