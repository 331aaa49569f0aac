//! Overlays: the help, the delete question and notices, centred over the view.

use meshlib::kind::{Kind, ResourceKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::dashboard::action::Target;
use crate::dashboard::app::{self, App};
use crate::dashboard::keys::BINDINGS;

/// A box of `width` × `height` in the middle of the screen (smaller on a small screen), cleared.
fn centered(frame: &mut Frame, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(frame.area());
    let [area] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(row);
    frame.render_widget(Clear, area);
    area
}

/// Width of the help: two columns of bindings.
const HELP_WIDTH: u16 = 78;

/// Every binding (those that change the mesh only when changes are allowed) and the view names.
pub fn help(app: &App, frame: &mut Frame) {
    let theme = &app.settings.theme;
    let bindings: Vec<_> = BINDINGS
        .iter()
        .filter(|b| !(b.changes && app.settings.readonly))
        .collect();
    // Two columns when they fit.
    let columns = if frame.area().width >= HELP_WIDTH { 2 } else { 1 };
    let rows = bindings.len().div_ceil(columns);
    let mut lines: Vec<Line> = (0..rows)
        .map(|row| {
            let spans: Vec<Span> = (0..columns)
                .filter_map(|column| bindings.get(column * rows + row))
                .flat_map(|b| {
                    [
                        Span::styled(format!("{:<13}", b.label), theme.accent),
                        Span::raw(format!("{:<25}", b.help)),
                    ]
                })
                .collect();
            Line::from(spans)
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled("Views (:NAME, or :NAME /FILTER):", theme.accent));
    let width = usize::from(HELP_WIDTH.min(frame.area().width).saturating_sub(2));
    lines.extend(wrap(&app::command_words(), width).into_iter().map(Line::raw));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let area = centered(frame, HELP_WIDTH, height);
    let block = Block::bordered()
        .title(" help · esc closes ")
        .border_style(theme.accent);
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}

/// `words` two spaces apart, in lines of at most `width` characters.
fn wrap(words: &[String], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in words {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 2 + word.chars().count() <= width => {
                line.push_str("  ");
                line.push_str(word);
            }
            _ => lines.push(word.clone()),
        }
    }
    lines
}

/// Asks before deleting (instances are taken offline instead).
pub fn confirm(app: &App, target: &Target, frame: &mut Frame) {
    let theme = &app.settings.theme;
    let question = if target.kind == ResourceKind::Builtin(Kind::ServiceInstance) {
        format!("Take {} offline?", target.reference())
    } else {
        format!("Delete {}?", target.reference())
    };
    let width = u16::try_from(question.chars().count() + 6).unwrap_or(u16::MAX).max(30);
    let area = centered(frame, width, 5);
    let lines = vec![
        Line::from(question),
        Line::raw(""),
        Line::from(vec![
            Span::styled("y", theme.fail),
            Span::raw(" yes    "),
            Span::styled("n esc", theme.accent),
            Span::raw(" no"),
        ]),
    ];
    let block = Block::bordered().title(" confirm ").border_style(theme.fail);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// A message that needs reading (a failed edit or delete).
pub fn notice(app: &App, message: &str, frame: &mut Frame) {
    let theme = &app.settings.theme;
    let height = u16::try_from(message.lines().count() + 4).unwrap_or(u16::MAX);
    let area = centered(frame, 78, height);
    let block = Block::bordered().title(" esc closes ").border_style(theme.fail);
    frame.render_widget(Paragraph::new(message).block(block).wrap(Wrap { trim: false }), area);
}
