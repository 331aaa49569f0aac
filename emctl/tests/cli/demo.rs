//! `emctl demo`: the whole mesh comes up, and every process it started stops with it, whether
//! it ends by itself, by a signal it can handle, or by SIGKILL.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::{ControlPlane, emctl_bin};

#[test]
fn the_demo_runs_the_whole_mesh_and_stops_cleanly() {
    let cp = ControlPlane::start();
    let run = cp.emctl(&["demo", "--listen", "127.0.0.1:0", "--duration", "2s"]);
    run.success();
    assert!(
        run.stdout.contains("front v1 -> order v1 -> stock v1"),
        "{}",
        run.snapshot()
    );
    assert!(
        run.stdout.contains("front v1 -> order v2 -> stock v1"),
        "the canary path: {}",
        run.snapshot()
    );
    let server = run
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("export EMCTL_SERVER="))
        .expect("the demo prints its control plane")
        .to_owned();
    // Every process stopped: the demo's control plane no longer answers.
    let after = cp.emctl_with(&["get", "services"], &[("EMCTL_SERVER", &server)], None);
    assert_eq!(after.code, 1, "{}", after.snapshot());
}

#[test]
fn sigterm_stops_every_process_of_the_demo_and_frees_its_ports() {
    stops_everything_on("TERM");
}

#[test]
fn sighup_stops_every_process_of_the_demo_and_frees_its_ports() {
    stops_everything_on("HUP");
}

#[test]
fn the_demos_processes_stop_when_emctl_is_killed() {
    let mut demo = Demo::start();
    demo.emctl.kill().expect("SIGKILL emctl");
    demo.emctl.wait().expect("emctl reaped");
    // Nobody is left to stop them: each notices that emctl is gone.
    demo.wait_until_stopped(Duration::from_secs(10));
}

fn stops_everything_on(signal: &str) {
    let mut demo = Demo::start();
    let kill = Command::new("kill")
        .args([&format!("-{signal}"), &demo.emctl.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = demo.emctl.try_wait().expect("emctl waitable") {
            break status;
        }
        assert!(Instant::now() < deadline, "emctl still runs 30 s after SIG{signal}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "SIG{signal} is a normal end of the demo: {status}");
    // emctl waited for each of them before exiting.
    demo.wait_until_stopped(Duration::ZERO);
}

/// A running `emctl demo` on free ports, with what it started.
struct Demo {
    emctl: Child,
    /// Every process emctl started, read once the demo is up.
    children: Vec<u32>,
    /// The control plane's and the ingress's addresses, from what the demo printed.
    addresses: Vec<String>,
    _home: tempfile::TempDir,
}

impl Demo {
    /// Starts the demo and waits until it says it is running.
    fn start() -> Self {
        let home = tempfile::tempdir().expect("temp dir");
        let mut emctl = Command::new(emctl_bin())
            .args(["demo", "--listen", "127.0.0.1:0"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .current_dir(home.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start emctl demo");
        let stdout = BufReader::new(emctl.stdout.take().expect("stdout"));
        let (lines_tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    return;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut addresses = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = lines.recv_timeout(left).expect("the demo comes up within 60 s");
            let line = line.trim();
            if let Some(address) = line
                .strip_prefix("export EMCTL_SERVER=http://")
                .or_else(|| line.strip_prefix("curl http://"))
            {
                addresses.push(address.trim_end_matches('/').to_owned());
            }
            if line.contains("Press Ctrl-C to stop") {
                break;
            }
        }
        assert_eq!(addresses.len(), 2, "the control plane and the ingress: {addresses:?}");
        let children = children_of(emctl.id());
        // The control plane, the ingress, and a sidecar and an app per instance.
        assert_eq!(children.len(), 2 + 2 * 4, "{children:?}");
        Self {
            emctl,
            children,
            addresses,
            _home: home,
        }
    }

    /// Asserts that every process of the demo ends within `limit`, and its ports are free.
    #[track_caller]
    fn wait_until_stopped(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let running: Vec<u32> = self.children.iter().copied().filter(|pid| is_running(*pid)).collect();
            if running.is_empty() {
                break;
            }
            assert!(Instant::now() < deadline, "still running after {limit:?}: {running:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
        for address in &self.addresses {
            assert!(TcpListener::bind(address).is_ok(), "{address} is still taken");
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        // A failed test leaves nothing behind.
        let _ = self.emctl.kill();
        let _ = self.emctl.wait();
        for pid in self.children.iter().filter(|pid| is_running(**pid)) {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        }
    }
}

/// The state letter and the parent of process `pid` (from `/proc/<pid>/stat`), if it exists.
fn stat(pid: u32) -> Option<(char, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.chars().next()?;
    let parent = fields.next()?.parse().ok()?;
    Some((state, parent))
}

/// True while `pid` runs (a zombie waiting for a parent that does not reap it has ended).
fn is_running(pid: u32) -> bool {
    stat(pid).is_some_and(|(state, _)| state != 'Z')
}

fn children_of(parent: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| stat(*pid).is_some_and(|(state, ppid)| ppid == parent && state != 'Z'))
        .collect()
}
