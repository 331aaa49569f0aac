//! Colours by role, on the terminal's own background and foreground (so light and dark
//! terminals both read well), or none at all when `NO_COLOR` is set.

use ratatui::style::{Color, Modifier, Style};

/// Styles by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Titles, labels, borders.
    pub accent: Style,
    /// Healthy (UP, high success).
    pub ok: Style,
    /// Degraded (OUT_OF_SERVICE).
    pub warn: Style,
    /// Failing (DOWN, errors, the outage banner).
    pub fail: Style,
    /// Canary instances.
    pub canary: Style,
    /// Secondary text (hints).
    pub muted: Style,
    /// Table headers.
    pub header: Style,
    /// The selected row.
    pub selected: Style,
}

impl Theme {
    /// Colours on the terminal's background.
    #[must_use]
    pub fn colored() -> Self {
        let fg = |color| Style::new().fg(color);
        Self {
            accent: fg(Color::Cyan),
            ok: fg(Color::Green),
            warn: fg(Color::Yellow),
            fail: fg(Color::Red),
            canary: fg(Color::Magenta),
            muted: Style::new().add_modifier(Modifier::DIM),
            header: Style::new().add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
        }
    }

    /// No colours: only bold, dim and reverse video.
    #[must_use]
    pub fn mono() -> Self {
        Self {
            accent: Style::new(),
            ok: Style::new(),
            warn: Style::new(),
            fail: Style::new().add_modifier(Modifier::BOLD),
            canary: Style::new(),
            muted: Style::new().add_modifier(Modifier::DIM),
            header: Style::new().add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
        }
    }

    /// [`Self::mono`] when `NO_COLOR` is set (to anything but empty), else [`Self::colored`].
    #[must_use]
    pub fn from_env() -> Self {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            Self::mono()
        } else {
            Self::colored()
        }
    }
}
