//! `emctl dashboard` for real: the binary in a detached tmux session of fixed size, against a
//! real control plane, driven with send-keys and read with capture-pane. Skipped (with a note)
//! only where tmux is not installed; scripts/install-test-deps.sh installs it.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::{ControlPlane, emctl_bin, testdata};

/// A tmux server of our own (its own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn installed() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|out| out.status.success())
    }

    /// Runs `command` in a detached 100 × 30 session.
    fn start(command: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let socket = format!(
            "emctl-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let tmux = Self { socket };
        tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "dash",
            "-x",
            "100",
            "-y",
            "30",
            command,
        ]);
        tmux
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "dash"];
        args.extend(keys);
        self.run(&args);
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "dash"])
    }

    /// Waits until the screen shows `text`; returns the screen.
    #[track_caller]
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "{text:?} never showed; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).output();
    }
}

#[test]
fn dashboard_in_a_real_terminal() {
    if !Tmux::installed() {
        eprintln!(
            "skipping dashboard_in_a_real_terminal: tmux is not installed (scripts/install-test-deps.sh installs it)"
        );
        return;
    }
    let cp = ControlPlane::start();
    cp.emctl(&["apply", "-f", &testdata("examples")]).success();
    for id in ["vets-1", "vets-2"] {
        let body = format!(
            r#"{{"serviceName":"vets-service","instanceID":"{id}","ip":"127.0.0.1","port":13001,"adminPort":1}}"#
        );
        let reply = cp.api("POST", "/apis/v2/registry/instances", &body);
        assert!(reply.contains("\"kind\":\"ServiceInstance\""), "{reply}");
    }
    // After the dashboard: its exit code and whether the terminal is back in canonical mode.
    let command = format!(
        "env TERM=xterm-256color HOME='{home}' EMCTL_CONFIG='{home}/none' EMCTL_SERVER='{server}' '{emctl}' dashboard; \
         echo \"exit=$?\"; stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\{{0,1\\}}icanon'; sleep 300",
        home = cp.dir.path().display(),
        server = cp.url,
        emctl = emctl_bin().display(),
    );
    let tmux = Tmux::start(&command);

    let first = tmux.wait_for("services(4)");
    assert!(first.contains("vets-service") && first.contains("RPS"), "{first}");
    tmux.keys(&[":si", "Enter"]);
    let instances = tmux.wait_for("serviceinstances(2)");
    assert!(
        instances.contains("vets-1") && instances.contains("STATUS"),
        "{instances}"
    );
    tmux.keys(&[":svc", "Enter"]);
    tmux.wait_for("services(4)");
    tmux.keys(&["/", "vets", "Enter"]);
    let filtered = tmux.wait_for("services(1/4) </vets>");
    assert!(!filtered.contains("api-gateway"), "{filtered}");
    tmux.keys(&["d"]);
    let described = tmux.wait_for("describe service/vets-service");
    assert!(described.contains("registerTenant: pet"), "{described}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("services(1/4) </vets>");
    tmux.keys(&[":q", "Enter"]);
    let after = tmux.wait_for("icanon");
    assert!(after.contains("exit=0"), "{after}");
    let mode = after.lines().find(|l| l.ends_with("icanon")).unwrap_or_default();
    assert_eq!(mode, "icanon", "the terminal is back in canonical mode:\n{after}");
    assert_eq!(
        tmux.run(&["display", "-p", "-t", "dash", "#{alternate_on}"]).trim(),
        "0"
    );
}
