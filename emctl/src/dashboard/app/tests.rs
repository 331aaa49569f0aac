//! State transitions driven by actions, as the keys and the feed send them.

use std::time::Duration;

use meshlib::kind::{Kind, ResourceKind};

use super::*;
use crate::dashboard::fixture::{command, filter, instance, mesh, now, run, typed};

fn builtin(kind: Kind) -> ResourceKind {
    ResourceKind::Builtin(kind)
}

fn visible(app: &App) -> Vec<String> {
    let Screen::List(kind) = app.screen() else {
        panic!("not a list: {:?}", app.screen())
    };
    app.list(kind)
        .unwrap()
        .window(100)
        .map(|(_, row)| row.resource.metadata.name.clone())
        .collect()
}

#[test]
fn command_switches_views_by_any_spelling_and_watches_new_kinds() {
    let mut app = mesh(false);
    assert_eq!(run(&mut app, command("si")), []);
    assert_eq!(app.screen(), &Screen::List(builtin(Kind::ServiceInstance)));
    assert_eq!(
        run(&mut app, command("split")),
        [Effect::Watch(builtin(Kind::TrafficSplit))],
        "a kind not watched yet"
    );
    assert_eq!(run(&mut app, command("tenant")), []);
    assert_eq!(app.screen(), &Screen::List(builtin(Kind::Tenant)));
    run(&mut app, command("nothing"));
    assert_eq!(app.screen(), &Screen::List(builtin(Kind::Tenant)), "unknown: stays");
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.error && f.text.contains("unknown kind \"nothing\""))
    );
}

#[test]
fn custom_kinds_are_views_once_defined() {
    let mut app = mesh(false);
    run(&mut app, command("LoadTest"));
    assert_eq!(app.screen(), &Screen::List(builtin(Kind::Service)));
    let crk = crate::dashboard::fixture::object(Kind::CustomResourceKind, "LoadTest", serde_json::json!({}), 1);
    app.update(Action::Synced(builtin(Kind::CustomResourceKind), vec![crk]));
    assert_eq!(
        run(&mut app, command("LoadTest")),
        [Effect::Watch(ResourceKind::Custom("LoadTest".into()))]
    );
}

#[test]
fn a_command_can_set_the_filter() {
    let mut app = mesh(false);
    run(&mut app, command("si /order-"));
    assert_eq!(visible(&app), ["order/order-1", "order/order-2", "order/order-v2"]);
}

#[test]
fn filters_stick_through_describe_and_other_views() {
    let mut app = mesh(false);
    run(&mut app, filter("ord"));
    assert_eq!(visible(&app), ["order"]);
    assert_eq!(app.mode(), &Mode::Normal);
    run(&mut app, [Action::Describe]);
    assert!(
        matches!(app.screen(), Screen::Detail { target, view: DetailView::Describe, .. } if target.name == "order")
    );
    run(&mut app, [Action::Back]);
    assert_eq!(visible(&app), ["order"], "kept after describe");
    run(&mut app, command("si"));
    run(&mut app, command("svc"));
    assert_eq!(visible(&app), ["order"], "kept after another view");
    run(&mut app, [Action::Back, Action::Back]);
    assert_eq!(app.screen(), &Screen::List(builtin(Kind::Service)));
    assert_eq!(visible(&app), ["order"]);
    run(&mut app, [Action::Back]);
    assert_eq!(
        visible(&app),
        ["front", "order", "stock"],
        "esc on the first view clears it"
    );
}

#[test]
fn the_filter_applies_as_typed_and_cancel_restores_it() {
    let mut app = mesh(false);
    run(&mut app, filter("st"));
    run(
        &mut app,
        [Action::Filter, Action::Erase, Action::Erase, Action::Input('f')],
    );
    assert_eq!(visible(&app), ["front"], "live while typing");
    run(&mut app, [Action::Cancel]);
    assert_eq!(visible(&app), ["stock"]);
    assert_eq!(app.mode(), &Mode::Normal);
}

#[test]
fn esc_walks_back_the_stack() {
    let mut app = mesh(false);
    run(&mut app, command("si"));
    run(&mut app, [Action::Yaml, Action::Describe]);
    assert!(matches!(
        app.screen(),
        Screen::Detail {
            view: DetailView::Describe,
            ..
        }
    ));
    assert_eq!(app.stack.len(), 3, "switching describe/yaml does not stack");
    run(&mut app, [Action::Back]);
    assert_eq!(app.screen(), &Screen::List(builtin(Kind::ServiceInstance)));
    run(&mut app, [Action::Back, Action::Back]);
    assert_eq!(app.screen(), &Screen::List(builtin(Kind::Service)));
}

#[test]
fn enter_on_a_service_lists_its_instances() {
    let mut app = mesh(false);
    run(&mut app, [Action::Down, Action::Enter]);
    assert_eq!(app.screen(), &Screen::List(builtin(Kind::ServiceInstance)));
    assert_eq!(visible(&app), ["order/order-1", "order/order-2", "order/order-v2"]);
    run(&mut app, [Action::Enter]);
    assert!(matches!(app.screen(), Screen::Detail { target, .. } if target.name == "order/order-1"));
}

#[test]
fn delete_asks_first() {
    let mut app = mesh(false);
    run(&mut app, [Action::Down, Action::Delete]);
    let order = Target {
        kind: builtin(Kind::Service),
        name: "order".into(),
    };
    assert_eq!(app.mode(), &Mode::Confirm(order.clone()));
    assert_eq!(run(&mut app, [Action::Down]), [], "other keys wait for the answer");
    assert_eq!(app.mode(), &Mode::Confirm(order.clone()));
    assert_eq!(run(&mut app, [Action::Confirm(false)]), []);
    assert_eq!(app.mode(), &Mode::Normal);
    assert_eq!(
        run(&mut app, [Action::Delete, Action::Confirm(true)]),
        [Effect::Delete(order)]
    );
    app.update(Action::Done(Ok("service/order deleted".into())));
    assert_eq!(
        app.flash.as_ref().map(|f| f.text.as_str()),
        Some("service/order deleted")
    );
}

#[test]
fn read_only_refuses_changes() {
    let mut app = mesh(true);
    assert_eq!(run(&mut app, [Action::Edit]), []);
    assert!(app.flash.as_ref().is_some_and(|f| f.text.starts_with("read-only")));
    run(&mut app, [Action::Delete]);
    assert_eq!(app.mode(), &Mode::Normal, "no question asked");
    let mut writable = mesh(false);
    assert_eq!(
        run(&mut writable, [Action::Edit]),
        [Effect::Edit(Target {
            kind: builtin(Kind::Service),
            name: "front".into()
        })]
    );
    run(&mut writable, command("si"));
    assert_eq!(run(&mut writable, [Action::Edit]), [], "instances are not edited");
}

#[test]
fn an_unreachable_server_shows_until_data_arrives() {
    let mut app = mesh(false);
    let down = |at: u64| Action::Unreachable {
        message: "cannot reach the control plane".into(),
        retry_at: now() + Duration::from_secs(at),
    };
    app.update(down(1));
    app.update(Action::Tick(now() + Duration::from_secs(5)));
    app.update(down(7));
    let outage = app.outage.clone().unwrap();
    assert_eq!(
        (outage.since, outage.retry_at),
        (now(), now() + Duration::from_secs(7)),
        "since the first"
    );
    app.update(Action::Version("0.1.0".into()));
    assert_eq!(app.outage, None);
    app.update(down(9));
    app.update(Action::Synced(builtin(Kind::Tenant), vec![]));
    assert_eq!(app.outage, None);
}

#[test]
fn changes_update_lists_and_counts() {
    let mut app = mesh(false);
    assert_eq!(app.statuses, [3, 1, 1]);
    let event = |event, object| meshlib::api::WatchEvent { event, object };
    app.update(Action::Changed(
        builtin(Kind::ServiceInstance),
        vec![
            event(
                meshlib::api::EventType::Modified,
                instance("order", "order-2", "UP", None),
            ),
            event(
                meshlib::api::EventType::Deleted,
                instance("stock", "stock-1", "UP", None),
            ),
        ],
    ));
    assert_eq!(app.statuses, [4, 0, 0]);
}

#[test]
fn failures_worth_reading_open_a_notice() {
    let mut app = mesh(false);
    app.update(Action::Done(Err(
        "error: it broke\n  your changes are kept in /tmp/x".into()
    )));
    assert!(matches!(app.mode(), Mode::Notice(_)));
    run(&mut app, [Action::Cancel]);
    assert_eq!(app.mode(), &Mode::Normal);
}

#[test]
fn tab_completes_kinds_and_q_quits() {
    let mut app = mesh(false);
    run(&mut app, [Action::Command]);
    run(&mut app, typed("servicec"));
    run(&mut app, [Action::Complete]);
    assert_eq!(app.mode(), &Mode::Command("servicecanaries".into()));
    run(&mut app, [Action::Cancel]);
    assert_eq!(run(&mut app, command("q")), [Effect::Quit]);
    assert!(app.should_quit());
}

#[test]
fn detail_scrolling_stops_at_the_end() {
    let mut app = mesh(false);
    run(&mut app, [Action::Yaml, Action::Bottom]);
    let Screen::Detail { scroll, .. } = app.screen().clone() else {
        panic!("detail expected")
    };
    run(&mut app, [Action::PageDown, Action::Down]);
    assert!(matches!(app.screen(), Screen::Detail { scroll: now, .. } if *now == scroll));
    run(&mut app, [Action::Top]);
    assert!(matches!(app.screen(), Screen::Detail { scroll: 0, .. }));
}
