//! The footer: the command or filter bar while typing, else the last message, else key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::dashboard::app::{App, Mode};

/// Hints: (keys, what), and whether the binding changes the mesh.
const HINTS: &[(&str, &str, bool)] = &[
    (":", "view", false),
    ("/", "filter", false),
    ("d", "describe", false),
    ("y", "yaml", false),
    ("e", "edit", true),
    ("ctrl-d", "delete", true),
    ("?", "help", false),
];

/// Draws the footer.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.settings.theme;
    let cursor = Span::styled(" ", theme.selected);
    let line = match app.mode() {
        Mode::Command(text) => Line::from(vec![Span::styled(":", theme.accent), Span::raw(text.clone()), cursor]),
        Mode::Filter { text, .. } => Line::from(vec![Span::styled("/", theme.accent), Span::raw(text.clone()), cursor]),
        _ => match &app.flash {
            Some(flash) if flash.until > app.now => {
                Line::styled(flash.text.clone(), if flash.error { theme.fail } else { theme.ok })
            }
            _ => {
                let mut spans = Vec::new();
                for (keys, what, changes) in HINTS {
                    if *changes && app.settings.readonly {
                        continue;
                    }
                    spans.push(Span::styled(
                        format!("<{keys}>"),
                        theme.accent.add_modifier(Modifier::BOLD),
                    ));
                    spans.push(Span::styled(format!("{what} "), theme.muted));
                }
                Line::from(spans)
            }
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}
