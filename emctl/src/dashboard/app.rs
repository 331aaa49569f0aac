//! The dashboard's state and its transitions: `update(Action) -> Option<Effect>`, with no I/O
//! (the messages are in [`super::action`]).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use meshlib::kind::{KINDS, Kind, ResourceKind};

use super::action::{Action, Effect, Target};
use super::list::KindList;
use super::metrics::Golden;
use super::theme::Theme;

/// Kinds watched from the start: the header counts them and the metrics need the instances.
pub const ALWAYS_WATCHED: &[Kind] = &[
    Kind::Service,
    Kind::ServiceInstance,
    Kind::ServiceCanary,
    Kind::Tenant,
    Kind::CustomResourceKind,
];

/// How long a message in the footer stays.
const FLASH_FOR: Duration = Duration::from_secs(5);
/// How deep the back stack goes.
const MAX_STACK: usize = 32;

/// One entry of the back stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// The list of a kind.
    List(ResourceKind),
    /// One object.
    Detail {
        /// The object.
        target: Target,
        /// Described or as YAML.
        view: DetailView,
        /// First line shown.
        scroll: usize,
    },
}

/// How an object is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailView {
    /// `emctl describe`.
    Describe,
    /// `emctl get -o yaml`.
    Yaml,
}

/// What has the keyboard besides the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The view.
    Normal,
    /// The command bar, with what is typed.
    Command(String),
    /// The filter bar, with what is typed and the filter to go back to on cancel.
    Filter {
        /// Typed so far (applied as typed).
        text: String,
        /// The filter before.
        before: String,
    },
    /// The help overlay.
    Help,
    /// The delete question.
    Confirm(Target),
    /// A message to read before going on.
    Notice(String),
}

/// The control plane could not be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    /// What failed.
    pub message: String,
    /// Since when.
    pub since: SystemTime,
    /// Next try.
    pub retry_at: SystemTime,
}

/// A message in the footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// The text.
    pub text: String,
    /// Shown as an error.
    pub error: bool,
    /// Until when.
    pub until: SystemTime,
}

/// Who and where: what the header says and what may be done.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Control-plane URL.
    pub server: String,
    /// Named context, if any.
    pub context: Option<String>,
    /// This emctl's version.
    pub client_version: String,
    /// Changes are disabled.
    pub readonly: bool,
    /// Colours.
    pub theme: Theme,
}

/// The whole state.
#[derive(Debug)]
pub struct App {
    pub(super) settings: Settings,
    pub(super) now: SystemTime,
    pub(super) version: Option<String>,
    pub(super) lists: BTreeMap<ResourceKind, KindList>,
    pub(super) stack: Vec<Screen>,
    pub(super) mode: Mode,
    pub(super) flash: Option<Flash>,
    pub(super) outage: Option<Outage>,
    pub(super) golden: BTreeMap<String, Golden>,
    /// Instances by status: UP, DOWN, OUT_OF_SERVICE.
    pub(super) statuses: [usize; 3],
    pub(super) size: (u16, u16),
    quit: bool,
}

impl App {
    /// A dashboard showing the list of `start` first.
    #[must_use]
    pub fn new(settings: Settings, start: ResourceKind, now: SystemTime) -> Self {
        let mut lists = BTreeMap::new();
        for kind in ALWAYS_WATCHED
            .iter()
            .map(|k| ResourceKind::Builtin(*k))
            .chain([start.clone()])
        {
            lists.entry(kind.clone()).or_insert_with(|| KindList::new(kind));
        }
        Self {
            settings,
            now,
            version: None,
            lists,
            stack: vec![Screen::List(start)],
            mode: Mode::Normal,
            flash: None,
            outage: None,
            golden: BTreeMap::new(),
            statuses: [0; 3],
            size: (80, 24),
            quit: false,
        }
    }

    /// The kinds with a list, each to be watched.
    pub fn kinds(&self) -> impl Iterator<Item = &ResourceKind> {
        self.lists.keys()
    }

    /// The list of `kind`, once watched.
    #[must_use]
    pub fn list(&self, kind: &ResourceKind) -> Option<&KindList> {
        self.lists.get(kind)
    }

    /// True once the user asked to leave.
    #[must_use]
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// The view on top.
    #[must_use]
    pub fn screen(&self) -> &Screen {
        self.stack.last().expect("the stack is never empty")
    }

    /// What has the keyboard.
    #[must_use]
    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// Rows of the list on screen.
    fn page(&self) -> usize {
        super::ui::list_rows(self.size.1, self.outage.is_some())
    }

    fn current_list_mut(&mut self) -> Option<&mut KindList> {
        match self.stack.last() {
            Some(Screen::List(kind)) => self.lists.get_mut(kind),
            _ => None,
        }
    }

    /// The object the keys act on: the selected row, or the object shown.
    #[must_use]
    pub fn target(&self) -> Option<Target> {
        match self.screen() {
            Screen::List(kind) => self.lists.get(kind)?.selected_resource().map(|r| Target {
                kind: kind.clone(),
                name: r.metadata.name.clone(),
            }),
            Screen::Detail { target, .. } => Some(target.clone()),
        }
    }

    fn say(&mut self, text: impl Into<String>, error: bool) {
        self.flash = Some(Flash {
            text: text.into(),
            error,
            until: self.now + FLASH_FOR,
        });
    }

    fn push(&mut self, screen: Screen) {
        if self.stack.last() != Some(&screen) {
            self.stack.push(screen);
            if self.stack.len() > MAX_STACK {
                self.stack.remove(0);
            }
        }
    }

    /// Applies one action.
    pub fn update(&mut self, action: Action) -> Option<Effect> {
        match action {
            Action::Resize { width, height } => self.size = (width, height),
            Action::Tick(now) => self.now = now,
            Action::Synced(kind, items) => {
                self.outage = None;
                self.list_mut(&kind).replace(items);
                self.data_changed(&kind);
            }
            Action::Changed(kind, events) => {
                self.list_mut(&kind).apply(events);
                self.data_changed(&kind);
            }
            Action::Refused(kind, message) => self.list_mut(&kind).fail(message),
            Action::Version(version) => {
                self.version = Some(version);
                self.outage = None;
            }
            Action::Unreachable { message, retry_at } => {
                let since = self.outage.as_ref().map_or(self.now, |o| o.since);
                self.outage = Some(Outage {
                    message,
                    since,
                    retry_at,
                });
            }
            Action::Golden(golden) => self.golden = golden,
            // Several lines (the problems of an edit, warnings of a saved one) need a notice.
            Action::Done(Ok(message) | Err(message)) if message.contains('\n') => self.mode = Mode::Notice(message),
            Action::Done(Ok(message)) => self.say(message, false),
            Action::Done(Err(message)) => self.say(message, true),
            Action::Quit => {
                self.quit = true;
                return Some(Effect::Quit);
            }
            action => return self.key(action),
        }
        None
    }

    fn list_mut(&mut self, kind: &ResourceKind) -> &mut KindList {
        self.lists
            .entry(kind.clone())
            .or_insert_with(|| KindList::new(kind.clone()))
    }

    fn data_changed(&mut self, kind: &ResourceKind) {
        if *kind == ResourceKind::Builtin(Kind::ServiceInstance) {
            let mut statuses = [0; 3];
            for instance in self.lists[kind].resources() {
                match instance.spec["status"].as_str() {
                    Some("UP") => statuses[0] += 1,
                    Some("DOWN") => statuses[1] += 1,
                    _ => statuses[2] += 1,
                }
            }
            self.statuses = statuses;
        }
        // The object on screen may be gone: the detail view says so itself.
    }

    /// A key's action, by what has the keyboard.
    fn key(&mut self, action: Action) -> Option<Effect> {
        self.flash = None;
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => self.normal(action),
            Mode::Command(text) => self.command_bar(text, action),
            Mode::Filter { text, before } => {
                self.filter_bar(text, before, action);
                None
            }
            Mode::Confirm(target) => match action {
                Action::Confirm(true) => Some(Effect::Delete(target)),
                Action::Confirm(false) | Action::Cancel | Action::Back => {
                    self.say("Nothing deleted.", false);
                    None
                }
                _ => {
                    self.mode = Mode::Confirm(target);
                    None
                }
            },
            Mode::Help | Mode::Notice(_) => match action {
                Action::Cancel | Action::Back | Action::Submit | Action::Help => None,
                action => {
                    self.mode = Mode::Normal;
                    self.normal(action)
                }
            },
        }
    }

    fn normal(&mut self, action: Action) -> Option<Effect> {
        let page = self.page();
        let page_step = isize::try_from(page.max(1)).unwrap_or(1);
        match action {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-page_step),
            Action::PageDown => self.move_by(page_step),
            Action::Top | Action::Bottom => {
                let last = action == Action::Bottom;
                let bottom = self.detail_bottom();
                match self.stack.last_mut() {
                    Some(Screen::Detail { scroll, .. }) => *scroll = if last { bottom } else { 0 },
                    _ => {
                        if let Some(list) = self.current_list_mut() {
                            list.select_end(last, page);
                        }
                    }
                }
            }
            Action::Enter => return self.enter(),
            Action::Back => {
                if self.stack.len() > 1 {
                    self.stack.pop();
                } else if let Some(list) = self.current_list_mut() {
                    list.set_filter("");
                }
            }
            Action::Describe => self.detail(DetailView::Describe),
            Action::Yaml => self.detail(DetailView::Yaml),
            Action::Edit => return self.edit(),
            Action::Delete => self.delete(),
            Action::Refresh => {
                let (Screen::List(kind)
                | Screen::Detail {
                    target: Target { kind, .. },
                    ..
                }) = self.screen();
                return Some(Effect::Resync(kind.clone()));
            }
            Action::Help => self.mode = Mode::Help,
            Action::Command => self.mode = Mode::Command(String::new()),
            Action::Filter => {
                if let Screen::List(kind) = self.screen() {
                    let before = self.lists[kind].filter().text().to_owned();
                    self.mode = Mode::Filter {
                        text: before.clone(),
                        before,
                    };
                } else {
                    self.say("Filters apply to lists: esc goes back to one.", true);
                }
            }
            _ => {}
        }
        None
    }

    /// The last scroll position of the detail on screen (its last line at the bottom).
    fn detail_bottom(&self) -> usize {
        match self.screen() {
            Screen::Detail { target, view, .. } => super::ui::detail_text(self, target, *view)
                .lines()
                .count()
                .saturating_sub(self.page() + 1),
            Screen::List(_) => 0,
        }
    }

    fn move_by(&mut self, delta: isize) {
        let page = self.page();
        let bottom = self.detail_bottom();
        match self.stack.last_mut() {
            Some(Screen::Detail { scroll, .. }) => {
                *scroll = scroll.saturating_add_signed(delta).min(bottom);
            }
            _ => {
                if let Some(list) = self.current_list_mut() {
                    list.select_by(delta, page);
                }
            }
        }
    }

    fn enter(&mut self) -> Option<Effect> {
        let target = self.target()?;
        match (&target.kind, self.screen()) {
            (ResourceKind::Builtin(Kind::Service), Screen::List(_)) => {
                let instances = ResourceKind::Builtin(Kind::ServiceInstance);
                self.list_mut(&instances)
                    .set_filter(&format!("^{}/", regex::escape(&target.name)));
                self.push(Screen::List(instances));
                None
            }
            (_, Screen::List(_)) => {
                self.detail(DetailView::Describe);
                None
            }
            _ => None,
        }
    }

    fn detail(&mut self, view: DetailView) {
        let Some(target) = self.target() else {
            return;
        };
        match self.stack.last_mut() {
            Some(Screen::Detail {
                view: shown, scroll, ..
            }) => {
                if *shown != view {
                    *shown = view;
                    *scroll = 0;
                }
            }
            _ => self.push(Screen::Detail {
                target,
                view,
                scroll: 0,
            }),
        }
    }

    fn refuse_changes(&mut self) -> bool {
        if self.settings.readonly {
            self.say("read-only: editing and deleting are disabled (--readonly)", true);
        }
        self.settings.readonly
    }

    fn edit(&mut self) -> Option<Effect> {
        if self.refuse_changes() {
            return None;
        }
        let target = self.target()?;
        if target.kind.builtin().is_some_and(|k| !k.info().writable) {
            self.say(
                format!(
                    "{} cannot be edited; ctrl-d takes an instance offline",
                    target.kind.name()
                ),
                true,
            );
            return None;
        }
        Some(Effect::Edit(target))
    }

    fn delete(&mut self) {
        if self.refuse_changes() {
            return;
        }
        if let Some(target) = self.target() {
            self.mode = Mode::Confirm(target);
        }
    }

    fn command_bar(&mut self, mut text: String, action: Action) -> Option<Effect> {
        match action {
            Action::Input(c) => text.push(c),
            // Erasing past the start closes the bar.
            Action::Erase => {
                text.pop()?;
            }
            Action::Complete => text = complete_kind(&text, self.custom_kinds()),
            Action::Submit => return self.run_command(&text),
            Action::Cancel | Action::Back => return None,
            _ => {}
        }
        self.mode = Mode::Command(text);
        None
    }

    fn filter_bar(&mut self, mut text: String, before: String, action: Action) {
        match action {
            Action::Input(c) => text.push(c),
            Action::Erase => {
                text.pop();
            }
            Action::Submit => return,
            Action::Cancel | Action::Back => {
                if let Some(list) = self.current_list_mut() {
                    list.set_filter(&before);
                }
                return;
            }
            _ => {}
        }
        if let Some(list) = self.current_list_mut() {
            list.set_filter(&text);
        }
        self.mode = Mode::Filter { text, before };
    }

    fn custom_kinds(&self) -> impl Iterator<Item = &str> {
        self.lists
            .get(&ResourceKind::Builtin(Kind::CustomResourceKind))
            .into_iter()
            .flat_map(KindList::resources)
            .map(|r| r.metadata.name.as_str())
    }

    /// `:kind [/filter]`, `:q`.
    fn run_command(&mut self, text: &str) -> Option<Effect> {
        let text = text.trim().trim_start_matches(':').trim();
        let (word, filter) = match text.split_once(char::is_whitespace) {
            Some((word, rest)) => (word, Some(rest.trim().trim_start_matches('/'))),
            None => (text, None),
        };
        if matches!(word, "q" | "q!" | "quit" | "exit") {
            self.quit = true;
            return Some(Effect::Quit);
        }
        if word.is_empty() {
            return None;
        }
        let kind = match Kind::lookup(word) {
            Some(kind) => ResourceKind::Builtin(kind),
            None if self.custom_kinds().any(|k| k == word) => ResourceKind::Custom(word.to_owned()),
            None => {
                self.say(
                    format!("unknown kind {word:?}: see `emctl api-resources` or the help (?)"),
                    true,
                );
                return None;
            }
        };
        let new = !self.lists.contains_key(&kind);
        let list = self.list_mut(&kind);
        if let Some(filter) = filter {
            list.set_filter(filter);
        }
        self.push(Screen::List(kind.clone()));
        new.then_some(Effect::Watch(kind))
    }

    /// Changes with every change of `kind`'s data (0 before it is watched).
    #[must_use]
    pub fn generation(&self, kind: &ResourceKind) -> u64 {
        self.lists.get(kind).map_or(0, KindList::generation)
    }
}

/// Completes the kind word of a command: the first spelling it starts (plurals first).
fn complete_kind<'a>(text: &str, custom: impl Iterator<Item = &'a str>) -> String {
    let word = text.trim_start();
    if word.is_empty() || word.contains(char::is_whitespace) {
        return text.to_owned();
    }
    let lower = word.to_ascii_lowercase();
    let plurals = KINDS.iter().map(|k| k.plural);
    let others = KINDS.iter().flat_map(|k| k.aliases.iter().copied());
    let builtin = plurals.chain(others).find(|s| s.starts_with(&lower)).map(str::to_owned);
    builtin
        .or_else(|| custom.into_iter().find(|c| c.starts_with(word)).map(str::to_owned))
        .unwrap_or_else(|| text.to_owned())
}

/// The words `:` understands, for the help: every kind's plural and short names.
#[must_use]
pub fn command_words() -> Vec<String> {
    KINDS
        .iter()
        .map(|k| {
            let mut words = vec![k.plural];
            words.extend(k.aliases.iter().copied());
            words.join("|")
        })
        .collect()
}

#[cfg(test)]
mod tests;
