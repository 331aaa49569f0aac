//! The real terminal: raw mode and the alternate screen on the way in, everything restored on the
//! way out: on return, on error (the guard's drop), on a panic (a hook restores before the
//! report is printed), and around `$EDITOR`.

use std::io::{self, Stdout};
use std::sync::Once;

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The dashboard's terminal.
pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// The terminal in full-screen mode; restored when dropped.
pub struct Screen {
    terminal: Tui,
}

/// Takes over the terminal.
///
/// # Errors
/// The terminal cannot be put in raw mode (not a terminal).
pub fn enter() -> io::Result<Screen> {
    install_panic_hook();
    setup()?;
    let terminal = match Terminal::new(CrosstermBackend::new(io::stdout())) {
        Ok(terminal) => terminal,
        Err(err) => {
            restore();
            return Err(err);
        }
    };
    Ok(Screen { terminal })
}

impl Screen {
    /// The terminal to draw on.
    pub fn terminal(&mut self) -> &mut Tui {
        &mut self.terminal
    }

    /// Hands the terminal back to the shell (for `$EDITOR`).
    pub fn suspend(&mut self) {
        restore();
    }

    /// Takes the terminal over again and redraws everything.
    ///
    /// # Errors
    /// The terminal cannot be put back in raw mode.
    pub fn resume(&mut self) -> io::Result<()> {
        setup()?;
        // Not `Terminal::clear`: it asks the terminal where the cursor is, and that answer can
        // get lost right after an editor ran. Resizing to the same size clears and redraws all.
        let area = self.terminal.size()?.into();
        self.terminal.resize(area)
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

fn setup() -> io::Result<()> {
    enable_raw_mode()?;
    if let Err(err) = execute!(io::stdout(), EnterAlternateScreen, Hide) {
        restore();
        return Err(err);
    }
    Ok(())
}

/// Leaves the alternate screen and raw mode; harmless when not in them.
fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, Show);
}

/// A panic restores the terminal first, so its report is readable and the shell usable.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
