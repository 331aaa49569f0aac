//! Render time of one dashboard frame with 10,000 instances (issue 6 target: ≤ 5 ms).
//!
//! Builds the state the feed would (1,000 services × 10 instances, golden metrics for every
//! service), then draws frames of the instance list and of the services list into a 200 × 50
//! `TestBackend`, moving the selection one row per frame so every frame differs and the list
//! scrolls. Also times what happens off the frame path: the first snapshot of 10,000 instances
//! and a filter keystroke over them.
//!
//! Run it in release: `scripts/bench-dashboard.sh` (or
//! `cargo run --release -p emctl --example dashboard_render -- [FRAMES]`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use emctl::dashboard::action::Action;
use emctl::dashboard::app::{App, Settings};
use emctl::dashboard::metrics::Golden;
use emctl::dashboard::theme::Theme;
use emctl::dashboard::ui;
use meshlib::kind::{Kind, ResourceKind};
use meshlib::resource::Resource;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

const SERVICES: usize = 1_000;
const PER_SERVICE: usize = 10;
const WIDTH: u16 = 200;
const HEIGHT: u16 = 50;

fn instances(now: SystemTime) -> Vec<Resource> {
    let created = humantime::format_rfc3339_seconds(now - Duration::from_secs(3600)).to_string();
    let mut out = Vec::with_capacity(SERVICES * PER_SERVICE);
    for s in 0..SERVICES {
        for i in 0..PER_SERVICE {
            let service = format!("service-{s:04}");
            let id = format!("{service}-{i}");
            let status = ["UP", "UP", "UP", "DOWN", "OUT_OF_SERVICE"][i % 5];
            let mut spec = json!({
                "serviceName": service, "instanceID": id, "ip": format!("10.{}.{}.{}", s / 250, s % 250, i),
                "port": 13001, "adminPort": 13090, "status": status, "health": "UP", "tenant": "bench",
                "labels": {"zone": format!("z{}", i % 3)},
            });
            if i == 0 {
                spec["canary"] = json!("release=v2");
            }
            let mut resource = Resource::new(
                &ResourceKind::Builtin(Kind::ServiceInstance),
                &format!("{service}/{id}"),
                spec,
            );
            resource.metadata.creation_timestamp = Some(created.clone());
            out.push(resource);
        }
    }
    out
}

fn services() -> Vec<Resource> {
    (0..SERVICES)
        .map(|s| {
            let spec = json!({"registerTenant": "bench", "sidecar": {"ingressPort": 13001, "egressPort": 13002}});
            Resource::new(&ResourceKind::Builtin(Kind::Service), &format!("service-{s:04}"), spec)
        })
        .collect()
}

/// Median, p90, p99 and max of `samples`, in milliseconds.
fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let at = |q: f64| {
        let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[index].as_secs_f64() * 1e3
    };
    format!(
        "median {:.3} ms  p90 {:.3} ms  p99 {:.3} ms  max {:.3} ms  ({} frames)",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
        samples.len()
    )
}

fn frames(app: &mut App, count: usize) -> Vec<Duration> {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("a test terminal");
    terminal.draw(|frame| ui::render(app, frame)).expect("draws");
    (0..count)
        .map(|_| {
            app.update(Action::Down);
            let start = Instant::now();
            terminal.draw(|frame| ui::render(app, frame)).expect("draws");
            start.elapsed()
        })
        .collect()
}

fn main() {
    let count: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(200);
    let now = SystemTime::now();
    let settings = Settings {
        server: "http://127.0.0.1:2381".into(),
        context: None,
        client_version: meshlib::VERSION.into(),
        readonly: false,
        theme: Theme::colored(),
    };
    let mut app = App::new(settings, ResourceKind::Builtin(Kind::ServiceInstance), now);
    app.update(Action::Resize {
        width: WIDTH,
        height: HEIGHT,
    });
    let data = instances(now);
    let start = Instant::now();
    app.update(Action::Synced(ResourceKind::Builtin(Kind::ServiceInstance), data));
    println!(
        "snapshot of {} instances: {:.1} ms (once per watch)",
        SERVICES * PER_SERVICE,
        start.elapsed().as_secs_f64() * 1e3
    );
    app.update(Action::Synced(ResourceKind::Builtin(Kind::Service), services()));
    let golden = Golden {
        rps: Some(12.5),
        success: Some(0.995),
        p50: Some(0.004),
        p99: Some(0.12),
    };
    app.update(Action::Golden(
        (0..SERVICES)
            .map(|s| (format!("service-{s:04}"), golden))
            .collect::<BTreeMap<_, _>>(),
    ));

    println!(
        "frame, instance list (10,000 rows, {WIDTH}x{HEIGHT}): {}",
        summary(frames(&mut app, count))
    );

    app.update(Action::Filter);
    let keystrokes: Vec<Duration> = [Action::Input('z'), Action::Input('1'), Action::Erase, Action::Erase]
        .into_iter()
        .map(|action| {
            let start = Instant::now();
            app.update(action);
            start.elapsed()
        })
        .collect();
    println!(
        "filter keystroke over 10,000 rows: {}",
        summary(keystrokes).replace("frames", "keys")
    );
    app.update(Action::Cancel);

    app.update(Action::Command);
    for c in "svc".chars() {
        app.update(Action::Input(c));
    }
    app.update(Action::Submit);
    println!(
        "frame, services with golden metrics (1,000 rows): {}",
        summary(frames(&mut app, count))
    );
}
