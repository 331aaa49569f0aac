//! Keys: the views' bindings as data (the help overlay and `--help` list them from here), and
//! the mapping of terminal events to [`Action`]s by what has the keyboard.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::Action;
use super::app::Mode;

/// A key with its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key(pub KeyCode, pub KeyModifiers);

const fn plain(c: char) -> Key {
    Key(KeyCode::Char(c), KeyModifiers::NONE)
}

const fn ctrl(c: char) -> Key {
    Key(KeyCode::Char(c), KeyModifiers::CONTROL)
}

const fn code(code: KeyCode) -> Key {
    Key(code, KeyModifiers::NONE)
}

/// A binding of the views.
#[derive(Debug)]
pub struct Binding {
    /// The keys that trigger it.
    pub keys: &'static [Key],
    /// The keys as the help shows them.
    pub label: &'static str,
    /// What it does.
    pub help: &'static str,
    /// The action.
    pub action: Action,
    /// It changes the mesh: refused, and left out of the help, under `--readonly`.
    pub changes: bool,
}

const fn bind(keys: &'static [Key], label: &'static str, help: &'static str, action: Action) -> Binding {
    Binding {
        keys,
        label,
        help,
        action,
        changes: false,
    }
}

/// A binding that changes the mesh.
const fn change(keys: &'static [Key], label: &'static str, help: &'static str, action: Action) -> Binding {
    Binding {
        keys,
        label,
        help,
        action,
        changes: true,
    }
}

/// Every binding of the views, in the order the help lists them.
pub static BINDINGS: &[Binding] = &[
    bind(&[plain(':')], ":KIND [/F]", "switch view; :q quits", Action::Command),
    bind(&[plain('/')], "/", "filter (regex, !inverts)", Action::Filter),
    bind(&[plain('j'), code(KeyCode::Down)], "j ↓", "down", Action::Down),
    bind(&[plain('k'), code(KeyCode::Up)], "k ↑", "up", Action::Up),
    bind(
        &[code(KeyCode::PageDown), ctrl('f')],
        "pgdn ctrl-f",
        "page down",
        Action::PageDown,
    ),
    bind(
        &[code(KeyCode::PageUp), ctrl('b')],
        "pgup ctrl-b",
        "page up",
        Action::PageUp,
    ),
    bind(&[plain('g'), code(KeyCode::Home)], "g home", "first", Action::Top),
    bind(
        &[
            Key(KeyCode::Char('G'), KeyModifiers::SHIFT),
            plain('G'),
            code(KeyCode::End),
        ],
        "G end",
        "last",
        Action::Bottom,
    ),
    bind(&[code(KeyCode::Enter)], "enter", "drill down / describe", Action::Enter),
    bind(&[plain('d')], "d", "describe", Action::Describe),
    bind(&[plain('y')], "y", "YAML", Action::Yaml),
    change(&[plain('e')], "e", "edit in $EDITOR", Action::Edit),
    change(&[ctrl('d')], "ctrl-d", "delete (asks)", Action::Delete),
    bind(&[ctrl('r')], "ctrl-r", "reload", Action::Refresh),
    bind(&[code(KeyCode::Esc)], "esc", "back / clear filter", Action::Back),
    bind(&[plain('?')], "?", "this help", Action::Help),
    bind(&[ctrl('c')], "ctrl-c", "quit", Action::Quit),
];

/// The bindings as `--help` shows them.
#[must_use]
pub fn help() -> String {
    let mut out = String::from("Keys:");
    for binding in BINDINGS {
        out.push_str(&format!("\n  {:<14}{}", binding.label, binding.help));
    }
    out
}

/// The action of a terminal event, given what has the keyboard.
#[must_use]
pub fn action(mode: &Mode, event: &Event) -> Option<Action> {
    match event {
        Event::Resize(width, height) => Some(Action::Resize {
            width: *width,
            height: *height,
        }),
        Event::Key(key) if key.kind != KeyEventKind::Release => key_action(mode, *key),
        _ => None,
    }
}

fn key_action(mode: &Mode, key: KeyEvent) -> Option<Action> {
    let pressed = Key(key.code, key.modifiers);
    if pressed == ctrl('c') {
        return Some(Action::Quit);
    }
    match mode {
        Mode::Command(_) | Mode::Filter { .. } => match key.code {
            KeyCode::Enter => Some(Action::Submit),
            KeyCode::Esc => Some(Action::Cancel),
            KeyCode::Backspace => Some(Action::Erase),
            KeyCode::Tab => Some(Action::Complete),
            KeyCode::Char(c) if !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
                Some(Action::Input(c))
            }
            _ => None,
        },
        Mode::Confirm(_) => match key.code {
            KeyCode::Char('y' | 'Y') => Some(Action::Confirm(true)),
            KeyCode::Char('n' | 'N') | KeyCode::Esc => Some(Action::Confirm(false)),
            _ => None,
        },
        Mode::Help | Mode::Notice(_) if matches!(key.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) => {
            Some(Action::Cancel)
        }
        Mode::Normal | Mode::Help | Mode::Notice(_) => BINDINGS
            .iter()
            .find(|b| b.keys.contains(&pressed))
            .map(|b| b.action.clone()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn press(key: Key) -> Event {
        Event::Key(KeyEvent::new(key.0, key.1))
    }

    #[test]
    fn every_key_has_one_binding_and_every_binding_works() {
        let mut seen = BTreeSet::new();
        for binding in BINDINGS {
            for key in binding.keys {
                assert!(seen.insert(format!("{key:?}")), "{key:?} is bound twice");
                assert_eq!(action(&Mode::Normal, &press(*key)), Some(binding.action.clone()));
            }
        }
        let actions: BTreeSet<String> = BINDINGS.iter().map(|b| format!("{:?}", b.action)).collect();
        assert_eq!(actions.len(), BINDINGS.len(), "one binding per action");
    }

    #[test]
    fn bars_take_text_and_the_question_takes_y_or_n() {
        let bar = Mode::Command(String::new());
        assert_eq!(action(&bar, &press(plain('d'))), Some(Action::Input('d')));
        assert_eq!(action(&bar, &press(code(KeyCode::Esc))), Some(Action::Cancel));
        assert_eq!(action(&bar, &press(ctrl('c'))), Some(Action::Quit));
        let question = Mode::Confirm(super::super::action::Target {
            kind: meshlib::kind::ResourceKind::Custom("x".into()),
            name: "y".into(),
        });
        assert_eq!(action(&question, &press(plain('y'))), Some(Action::Confirm(true)));
        assert_eq!(
            action(&question, &press(code(KeyCode::Enter))),
            None,
            "enter does not delete"
        );
        assert_eq!(
            action(&Mode::Normal, &Event::Resize(40, 12)),
            Some(Action::Resize { width: 40, height: 12 })
        );
    }
}
