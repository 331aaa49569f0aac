//! SIGTERM stops meshd cleanly, even with a watch stream open.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::Meshd;

#[test]
fn sigterm_ends_watches_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut meshd = Meshd::start(dir.path());
    let mut watch = Command::new("curl")
        .args(["-sN", &meshd.http("/apis/v2/resources/tenants?watch=true")])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
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
