//! A terminal for the dashboard tests: a tmux server of its own (its own socket) running one
//! command in a detached session of a fixed size, driven with send-keys and read with
//! capture-pane; killed on drop. tmux is required (scripts/install-test-deps.sh installs it): a
//! test that needs it fails without it rather than passing unseen.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Runs `command` in a detached session `dash` of `width` × `height`.
    pub fn start(command: &str, width: u16, height: u16) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let installed = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|out| out.status.success());
        assert!(
            installed,
            "tmux is not installed: scripts/install-test-deps.sh installs it"
        );
        let socket = format!(
            "emctl-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let tmux = Self { socket };
        let (width, height) = (width.to_string(), height.to_string());
        tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "dash",
            "-x",
            &width,
            "-y",
            &height,
            command,
        ]);
        tmux
    }

    /// A tmux command on this server; panics when it fails.
    pub fn run(&self, args: &[&str]) -> String {
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

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "dash"];
        args.extend(keys);
        self.run(&args);
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "dash"])
    }

    /// Waits (at most 15 s) until the screen shows `text`; returns the screen.
    #[track_caller]
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?} on the screen"), Duration::from_secs(15), |s| {
            s.contains(text)
        })
    }

    /// Waits until `ready` accepts the screen; returns it, or panics with `what` and the screen.
    #[track_caller]
    pub fn wait_until(&self, what: &str, limit: Duration, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not within {limit:?}; the screen:\n{screen}"
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
