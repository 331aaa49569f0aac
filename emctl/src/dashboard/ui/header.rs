//! The header (where, which versions, how much of what) and the outage banner.

use std::time::Duration;

use meshlib::kind::{Kind, ResourceKind};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::dashboard::app::{App, Outage};

/// Server and context, versions, counts.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.settings.theme;
    let label = |text: &'static str| Span::styled(format!("{text:<9}"), theme.accent);
    let mut server = vec![label("Server"), Span::raw(app.settings.server.clone())];
    if let Some(context) = &app.settings.context {
        server.push(Span::raw(format!("  (context {context})")));
    }
    if app.settings.readonly {
        server.push(Span::styled("  [read-only]", theme.warn));
    }
    let version = vec![
        label("Version"),
        Span::raw(format!(
            "control plane {} · emctl {}",
            app.version.as_deref().unwrap_or("?"),
            app.settings.client_version
        )),
    ];
    let count = |kind: Kind| {
        app.list(&ResourceKind::Builtin(kind))
            .filter(|l| l.is_synced())
            .map_or_else(|| "…".to_owned(), |l| l.len().to_string())
    };
    let [up, down, out] = app.statuses;
    // A status is coloured only when some instance has it.
    let status = |name: &str, n: usize, style: Style| {
        let text = format!("{name} {n}");
        if n > 0 {
            Span::styled(text, style)
        } else {
            Span::raw(text)
        }
    };
    let mesh = vec![
        label("Mesh"),
        Span::raw(format!(
            "Services {} · Instances {} (",
            count(Kind::Service),
            count(Kind::ServiceInstance)
        )),
        status("UP", up, theme.ok),
        Span::raw(" "),
        status("DOWN", down, theme.fail),
        Span::raw(" "),
        status("OUT", out, theme.warn),
        Span::raw(format!(
            ") · Canaries {} · Tenants {}",
            count(Kind::ServiceCanary),
            count(Kind::Tenant)
        )),
    ];
    let lines = vec![Line::from(server), Line::from(version), Line::from(mesh)];
    frame.render_widget(Paragraph::new(lines), area);
}

/// The control plane cannot be reached: since when, why, and when the next try is.
pub fn banner(app: &App, outage: &Outage, frame: &mut Frame, area: Rect) {
    let wait = outage.retry_at.duration_since(app.now).unwrap_or(Duration::ZERO);
    let retry = if wait.is_zero() {
        "retrying now".to_owned()
    } else {
        format!("retrying in {}s", wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
    };
    let down = meshlib::table::short(app.now.duration_since(outage.since).unwrap_or(Duration::ZERO));
    let style: Style = app
        .settings
        .theme
        .fail
        .add_modifier(Modifier::REVERSED | Modifier::BOLD);
    let text = format!(" ✖ {retry} (stale {down}): {}", outage.message);
    frame.render_widget(Paragraph::new(Line::styled(text, style)).style(style), area);
}
