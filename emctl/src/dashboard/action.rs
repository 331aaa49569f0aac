//! The messages of the dashboard: [`Action`]s change the state (keys, terminal events, data from
//! the feed, results of effects), [`Effect`]s are what the state asks of the outside world
//! (deleting, editing, watching one more kind, quitting).

use std::collections::BTreeMap;
use std::time::SystemTime;

use meshlib::api::WatchEvent;
use meshlib::kind::ResourceKind;
use meshlib::resource::Resource;

use super::metrics::Golden;

/// Everything that changes the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Selection (or text) one line up.
    Up,
    /// One line down.
    Down,
    /// One page up.
    PageUp,
    /// One page down.
    PageDown,
    /// To the first line.
    Top,
    /// To the last line.
    Bottom,
    /// Drill down: a service's instances; describe for other kinds.
    Enter,
    /// Back to the previous view; at the first one, clear its filter.
    Back,
    /// Describe the selected object.
    Describe,
    /// Show the selected object as YAML.
    Yaml,
    /// Edit the selected object in `$EDITOR`.
    Edit,
    /// Delete the selected object (asks first).
    Delete,
    /// Watch the current kind again from scratch.
    Refresh,
    /// Open the help.
    Help,
    /// Open the command bar (`:`).
    Command,
    /// Open the filter bar (`/`).
    Filter,
    /// Quit.
    Quit,
    /// A typed character (command bar, filter bar).
    Input(char),
    /// Erase the last typed character.
    Erase,
    /// Complete the kind being typed in the command bar.
    Complete,
    /// Run the command bar or keep the filter.
    Submit,
    /// Close the bar or overlay without acting.
    Cancel,
    /// The answer to the delete question.
    Confirm(bool),
    /// The terminal's new size.
    Resize {
        /// Columns.
        width: u16,
        /// Rows.
        height: u16,
    },
    /// The clock moved.
    Tick(SystemTime),
    /// Every object of a kind (the start of a watch).
    Synced(ResourceKind, Vec<Resource>),
    /// Changes of a kind.
    Changed(ResourceKind, Vec<WatchEvent>),
    /// The server refused to list a kind.
    Refused(ResourceKind, String),
    /// The control-plane version (it answers).
    Version(String),
    /// The control plane cannot be reached; the next try is at `retry_at`.
    Unreachable {
        /// What failed.
        message: String,
        /// When the feed tries again.
        retry_at: SystemTime,
    },
    /// Golden metrics per service.
    Golden(BTreeMap<String, Golden>),
    /// How an effect ended: a message, or what went wrong (may span lines).
    Done(Result<String, String>),
}

/// What the event loop does for the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Start watching a kind.
    Watch(ResourceKind),
    /// Watch a kind again from scratch.
    Resync(ResourceKind),
    /// Open an object in the editor (the terminal is handed over meanwhile).
    Edit(Target),
    /// Delete an object.
    Delete(Target),
    /// Leave.
    Quit,
}

/// An object acted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Its kind.
    pub kind: ResourceKind,
    /// Its name.
    pub name: String,
}

impl Target {
    /// `kind/name` as emctl prints it.
    #[must_use]
    pub fn reference(&self) -> String {
        format!("{}/{}", self.kind.name().to_ascii_lowercase(), self.name)
    }
}
