//! SIGTERM stops meshd cleanly, even with a watch stream open.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::Meshd;

#[test]
fn sigterm_ends_watches_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut meshd = Meshd::start(dir.path());
    let mut watch = Command::new("curl")
        .args(["-sN", &meshd.http("/apis/v2/resources/tenants?watch=true")])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // The stream is open once its first line (the bookmark after the initial list) arrived.
    let mut first = String::new();
    let mut events = BufReader::new(watch.stdout.take().unwrap());
    events.read_line(&mut first).unwrap();
    assert!(first.contains("BOOKMARK"), "{first:?}");
    let pid = meshd.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = meshd.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "meshd did not stop within 5 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "meshd exited with {status}");
    let _ = watch.wait();
}
