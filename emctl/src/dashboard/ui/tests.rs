//! Frames of every state, at 80 × 24 and at a cramped 40 × 12, from deterministic data.

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use super::render;
use crate::dashboard::action::Action;
use crate::dashboard::app::App;
use crate::dashboard::fixture::{command, mesh, now, run, typed};

fn frame(app: &mut App, width: u16, height: u16) -> Terminal<TestBackend> {
    app.update(Action::Resize { width, height });
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| render(app, f)).unwrap();
    terminal
}

/// Snapshots `app` at both sizes, as `<name>_80x24` and `<name>_40x12`.
fn snapshot(name: &str, app: &mut App) {
    for (width, height) in [(80, 24), (40, 12)] {
        let terminal = frame(app, width, height);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
    }
}

#[test]
fn services_with_golden_metrics() {
    let mut app = mesh(false);
    run(&mut app, [Action::Down]);
    snapshot("services", &mut app);
}

#[test]
fn instances_by_status_and_canary() {
    let mut app = mesh(false);
    run(&mut app, command("si"));
    snapshot("instances", &mut app);
}

#[test]
fn every_other_kind_through_the_same_list() {
    let mut app = mesh(false);
    run(&mut app, command("canary"));
    snapshot("canaries", &mut app);
    run(&mut app, command("tenants"));
    snapshot("tenants", &mut app);
    run(&mut app, command("ingresses"));
    snapshot("loading", &mut app);
}

#[test]
fn filtered_while_typing() {
    let mut app = mesh(false);
    run(&mut app, [Action::Filter]);
    run(&mut app, typed("or"));
    snapshot("filter_typing", &mut app);
    run(&mut app, [Action::Input('z')]);
    snapshot("filter_nothing_matches", &mut app);
}

#[test]
fn describe_and_yaml() {
    let mut app = mesh(false);
    run(&mut app, [Action::Down, Action::Describe]);
    snapshot("describe", &mut app);
    run(&mut app, [Action::Yaml]);
    snapshot("yaml", &mut app);
}

#[test]
fn help_overlay() {
    snapshot("help", &mut {
        let mut app = mesh(false);
        run(&mut app, [Action::Help]);
        app
    });
    snapshot("help_read_only", &mut {
        let mut app = mesh(true);
        run(&mut app, [Action::Help]);
        app
    });
}

#[test]
fn delete_confirmation() {
    let mut app = mesh(false);
    run(&mut app, [Action::Down, Action::Delete]);
    snapshot("confirm", &mut app);
}

#[test]
fn unreachable_banner() {
    let mut app = mesh(false);
    app.update(Action::Unreachable {
        message: "cannot reach the control plane at http://127.0.0.1:2381/version: Connection refused (os error 111)"
            .into(),
        retry_at: now() + Duration::from_secs(4),
    });
    app.update(Action::Tick(now() + Duration::from_millis(1500)));
    snapshot("banner", &mut app);
}

#[test]
fn read_only_footer_and_refusal() {
    let mut app = mesh(true);
    snapshot("read_only", &mut app);
    run(&mut app, [Action::Edit]);
    snapshot("read_only_refused", &mut app);
}

#[test]
fn status_and_canary_cells_are_coloured() {
    let mut app = mesh(false);
    run(&mut app, command("si"));
    let terminal = frame(&mut app, 80, 24);
    let buffer = terminal.backend().buffer();
    let colour_of = |text: &str| {
        let (x, y) = (0..buffer.area.height)
            .find_map(|y| {
                let line: String = (0..buffer.area.width).map(|x| buffer[(x, y)].symbol()).collect();
                line.find(text).map(|x| (u16::try_from(x).unwrap(), y))
            })
            .unwrap_or_else(|| panic!("{text} not on screen"));
        buffer[(x, y)].fg
    };
    assert_eq!(colour_of("DOWN   "), Color::Red);
    assert_eq!(colour_of("OUT_OF_SERVICE"), Color::Yellow);
    assert_eq!(colour_of("release=v2"), Color::Magenta);
}
