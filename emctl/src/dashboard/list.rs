//! The rows of one kind as the dashboard lists them. Cells are formatted once, when the data
//! changes (only age columns are computed per frame, and only for the rows on screen); the
//! view's filter is kept here, so it sticks while navigating; the selection follows its object
//! through changes.

use std::collections::BTreeMap;
use std::time::SystemTime;

use meshlib::api::{EventType, WatchEvent};
use meshlib::kind::ResourceKind;
use meshlib::resource::Resource;
use meshlib::table::TableColumn;
use regex::Regex;

/// Widest a column gets; longer cells are cut.
const MAX_WIDTH: usize = 48;
/// Batches of more events than this rebuild the rows instead of inserting one by one.
const BULK: usize = 64;

/// One object and its formatted cells (empty for timed columns).
#[derive(Debug, Clone)]
pub struct Row {
    /// The object.
    pub resource: Resource,
    cells: Vec<String>,
    /// Name and cells, what the filter looks at.
    haystack: String,
}

impl Row {
    fn new(columns: &[TableColumn], resource: Resource) -> Self {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| {
                if c.is_timed() {
                    String::new()
                } else {
                    c.value(&resource, SystemTime::UNIX_EPOCH)
                }
            })
            .collect();
        let mut haystack = resource.metadata.name.clone();
        for cell in &cells {
            haystack.push(' ');
            haystack.push_str(cell);
        }
        Self {
            resource,
            cells,
            haystack,
        }
    }

    fn name(&self) -> &str {
        &self.resource.metadata.name
    }
}

/// A row filter: a case-insensitive regular expression (a literal when it does not compile);
/// `!` in front keeps the rows that do not match.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    text: String,
    pattern: Option<(Regex, bool)>,
}

impl Filter {
    /// Parses the filter as typed.
    #[must_use]
    pub fn new(text: &str) -> Self {
        let (invert, body) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let pattern = (!body.is_empty()).then(|| {
            let regex = Regex::new(&format!("(?i){body}"))
                .or_else(|_| Regex::new(&format!("(?i){}", regex::escape(body))))
                .expect("an escaped literal is a valid regex");
            (regex, invert)
        });
        Self {
            text: text.to_owned(),
            pattern,
        }
    }

    /// The filter as typed.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    fn keeps(&self, haystack: &str) -> bool {
        self.pattern
            .as_ref()
            .is_none_or(|(regex, invert)| regex.is_match(haystack) != *invert)
    }
}

/// The rows of one kind, with the view's filter, selection and scroll position.
#[derive(Debug, Clone)]
pub struct KindList {
    kind: ResourceKind,
    columns: Vec<TableColumn>,
    /// Sorted by name.
    rows: Vec<Row>,
    synced: bool,
    error: Option<String>,
    generation: u64,
    filter: Filter,
    /// Indices into `rows` that pass the filter, in name order.
    visible: Vec<usize>,
    selected: usize,
    offset: usize,
    widths: Vec<usize>,
}

impl KindList {
    /// An empty list, waiting for its first snapshot.
    #[must_use]
    pub fn new(kind: ResourceKind) -> Self {
        let columns = meshlib::table::columns(&kind, false);
        let widths = columns.iter().map(|c| c.header().len()).collect();
        Self {
            kind,
            columns,
            rows: Vec::new(),
            synced: false,
            error: None,
            generation: 0,
            filter: Filter::default(),
            visible: Vec::new(),
            selected: 0,
            offset: 0,
            widths,
        }
    }

    /// The kind listed.
    #[must_use]
    pub fn kind(&self) -> &ResourceKind {
        &self.kind
    }

    /// The table's columns.
    #[must_use]
    pub fn columns(&self) -> &[TableColumn] {
        &self.columns
    }

    /// Each column's width: the widest of its header and cells, capped.
    #[must_use]
    pub fn widths(&self) -> &[usize] {
        &self.widths
    }

    /// True once the first snapshot arrived.
    #[must_use]
    pub fn is_synced(&self) -> bool {
        self.synced
    }

    /// Why the kind cannot be listed, when the server refused.
    #[must_use]
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Changes with every change of the data.
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Every object, by name.
    pub fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.rows.iter().map(|r| &r.resource)
    }

    /// How many objects there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True without objects.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The object named `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Resource> {
        self.position(name).ok().map(|i| &self.rows[i].resource)
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.rows.binary_search_by(|r| r.name().cmp(name))
    }

    /// Replaces every object (a fresh snapshot).
    pub fn replace(&mut self, mut items: Vec<Resource>) {
        items.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        let selected = self.selected_name();
        self.rows = items.into_iter().map(|r| Row::new(&self.columns, r)).collect();
        self.synced = true;
        self.error = None;
        self.refresh(selected);
    }

    /// Applies watch events.
    pub fn apply(&mut self, events: Vec<WatchEvent>) {
        let selected = self.selected_name();
        if events.len() > BULK {
            // Inserting one by one moves the whole vector each time: rebuild it once instead.
            let mut rows: BTreeMap<String, Row> = std::mem::take(&mut self.rows)
                .into_iter()
                .map(|r| (r.name().to_owned(), r))
                .collect();
            for event in events {
                let name = event.object.metadata.name.clone();
                match event.event {
                    EventType::Added | EventType::Modified => {
                        rows.insert(name, Row::new(&self.columns, event.object));
                    }
                    EventType::Deleted => {
                        rows.remove(&name);
                    }
                    EventType::Bookmark => {}
                }
            }
            self.rows = rows.into_values().collect();
            self.refresh(selected);
            return;
        }
        for event in events {
            let name = event.object.metadata.name.clone();
            match (event.event, self.position(&name)) {
                (EventType::Added | EventType::Modified, Ok(i)) => self.rows[i] = Row::new(&self.columns, event.object),
                (EventType::Added | EventType::Modified, Err(i)) => {
                    self.rows.insert(i, Row::new(&self.columns, event.object));
                }
                (EventType::Deleted, Ok(i)) => {
                    self.rows.remove(i);
                }
                (EventType::Deleted, Err(_)) | (EventType::Bookmark, _) => {}
            }
        }
        self.refresh(selected);
    }

    /// Records why the kind cannot be listed.
    pub fn fail(&mut self, message: String) {
        self.error = Some(message);
    }

    /// The filter.
    #[must_use]
    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// Sets the filter, keeping the selection on its object when it still shows.
    pub fn set_filter(&mut self, text: &str) {
        if text == self.filter.text() {
            return;
        }
        let selected = self.selected_name();
        self.filter = Filter::new(text);
        self.refresh(selected);
    }

    fn refresh(&mut self, selected: Option<String>) {
        self.generation += 1;
        self.visible = (0..self.rows.len())
            .filter(|&i| self.filter.keeps(&self.rows[i].haystack))
            .collect();
        self.widths = self
            .columns
            .iter()
            .enumerate()
            .map(|(c, column)| {
                let cells = self.rows.iter().map(|r| r.cells[c].chars().count());
                let widest = if column.is_timed() { 4 } else { cells.max().unwrap_or(0) };
                widest.max(column.header().len()).min(MAX_WIDTH)
            })
            .collect();
        self.selected = match selected {
            Some(name) => match self
                .visible
                .binary_search_by(|&i| self.rows[i].name().cmp(name.as_str()))
            {
                Ok(at) | Err(at) => at,
            },
            None => 0,
        };
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
        self.offset = self.offset.min(self.selected);
    }

    /// How many rows pass the filter.
    #[must_use]
    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    /// The selected row's position among the visible ones.
    #[must_use]
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The selected object.
    #[must_use]
    pub fn selected_resource(&self) -> Option<&Resource> {
        self.visible.get(self.selected).map(|&i| &self.rows[i].resource)
    }

    fn selected_name(&self) -> Option<String> {
        self.selected_resource().map(|r| r.metadata.name.clone())
    }

    /// Moves the selection by `delta` rows, scrolling so it stays within `page` rows.
    pub fn select_by(&mut self, delta: isize, page: usize) {
        let last = self.visible.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.scroll_to_selection(page);
    }

    /// Selects the first (`false`) or last (`true`) row.
    pub fn select_end(&mut self, last: bool, page: usize) {
        self.selected = if last { self.visible.len().saturating_sub(1) } else { 0 };
        self.scroll_to_selection(page);
    }

    /// The first row on screen, for a window of `page` rows that shows the selection.
    #[must_use]
    pub fn offset(&self, page: usize) -> usize {
        if self.selected < self.offset {
            self.selected
        } else if page > 0 && self.selected >= self.offset + page {
            self.selected + 1 - page
        } else {
            self.offset
        }
    }

    fn scroll_to_selection(&mut self, page: usize) {
        self.offset = self.offset(page);
    }

    /// The rows on screen: `page` visible rows from the scroll position, each with whether it is
    /// selected.
    pub fn window(&self, page: usize) -> impl Iterator<Item = (bool, &Row)> {
        let offset = self.offset(page);
        self.visible
            .iter()
            .enumerate()
            .skip(offset)
            .take(page)
            .map(move |(at, &i)| (at == self.selected, &self.rows[i]))
    }

    /// The cells of `row`, with its timed columns computed at `now`.
    #[must_use]
    pub fn cells(&self, row: &Row, now: SystemTime) -> Vec<String> {
        self.columns
            .iter()
            .zip(&row.cells)
            .map(|(column, cell)| {
                if column.is_timed() {
                    column.value(&row.resource, now)
                } else {
                    cell.clone()
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use meshlib::kind::Kind;
    use serde_json::json;

    use super::*;

    fn tenant(name: &str, description: &str) -> Resource {
        Resource::new(
            &ResourceKind::Builtin(Kind::Tenant),
            name,
            json!({"description": description}),
        )
    }

    fn names(list: &KindList) -> Vec<&str> {
        list.window(100).map(|(_, r)| r.name()).collect()
    }

    #[test]
    fn filters_are_case_insensitive_regexes_or_literals_and_invert() {
        let mut list = KindList::new(ResourceKind::Builtin(Kind::Tenant));
        list.replace(vec![
            tenant("pet", "Pet clinic"),
            tenant("shop", "a (shop"),
            tenant("bank", ""),
        ]);
        assert_eq!(names(&list), ["bank", "pet", "shop"]);
        list.set_filter("CLINIC");
        assert_eq!(names(&list), ["pet"], "cells count, case is ignored");
        list.set_filter("^s|^b");
        assert_eq!(names(&list), ["bank", "shop"]);
        list.set_filter("(shop");
        assert_eq!(names(&list), ["shop"], "an invalid regex is a literal");
        list.set_filter("!^s");
        assert_eq!(names(&list), ["bank", "pet"]);
    }

    #[test]
    fn the_selection_follows_its_object_through_changes() {
        let mut list = KindList::new(ResourceKind::Builtin(Kind::Tenant));
        list.replace(vec![tenant("b", ""), tenant("d", "")]);
        list.select_by(1, 10);
        assert_eq!(list.selected_resource().unwrap().metadata.name, "d");
        let added = |name: &str| WatchEvent {
            event: EventType::Added,
            object: tenant(name, ""),
        };
        list.apply(vec![added("a"), added("c")]);
        assert_eq!(list.selected_resource().unwrap().metadata.name, "d");
        list.apply(vec![WatchEvent {
            event: EventType::Deleted,
            object: tenant("d", ""),
        }]);
        assert_eq!(
            list.selected_resource().unwrap().metadata.name,
            "c",
            "the next one up when it goes"
        );
        assert_eq!(names(&list), ["a", "b", "c"]);
    }

    #[test]
    fn scrolling_keeps_the_selection_on_screen() {
        let mut list = KindList::new(ResourceKind::Builtin(Kind::Tenant));
        list.replace((0..20).map(|i| tenant(&format!("t{i:02}"), "")).collect());
        list.select_by(7, 5);
        assert_eq!(list.offset(5), 3);
        list.select_end(true, 5);
        assert_eq!((list.selected(), list.offset(5)), (19, 15));
        list.select_by(-100, 5);
        assert_eq!((list.selected(), list.offset(5)), (0, 0));
        assert_eq!(list.window(5).filter(|(selected, _)| *selected).count(), 1);
    }
}
