//! emctl as a workstation runs it: a user of its own whose packets to the pod and service ranges
//! are refused (iptables owner match, on the original destination so that NodePorts on the node's
//! address still work), running the dashboard in a detached tmux session.

use std::process::Command;
use std::time::{Duration, Instant};

/// The user emctl runs as.
pub const USER: &str = "emesh-outside";
/// What that user may not reach.
const REFUSED: [&str; 2] = ["10.244.0.0/16", "10.96.0.0/16"];

fn run(program: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(program).args(args).output().expect("runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn rule(range: &str) -> Vec<String> {
    let rule = [
        "OUTPUT",
        "-m",
        "owner",
        "--uid-owner",
        USER,
        "-m",
        "conntrack",
        "--ctorigdst",
        range,
        "-j",
        "REJECT",
    ];
    rule.iter().map(ToString::to_string).collect()
}

/// The user and its rules, removed on drop.
pub struct Outside {
    created_user: bool,
}

impl Outside {
    pub fn new() -> Self {
        let created_user = !run("id", &["-u", USER]).0;
        if created_user {
            let (ok, out) = run(
                "useradd",
                &["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
            );
            assert!(ok, "useradd {USER}: {out}");
        }
        let outside = Self { created_user };
        for range in REFUSED {
            let mut args = vec!["-I".to_owned()];
            args.extend(rule(range));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (ok, out) = run("iptables", &args);
            assert!(ok, "iptables {args:?}: {out}");
        }
        outside
    }

    /// Runs `program` as the outside user; its success and output.
    pub fn run(&self, program: &str, args: &[&str]) -> (bool, String) {
        let mut all = vec!["-u", USER, "--", program];
        all.extend(args);
        run("runuser", &all)
    }
}

impl Drop for Outside {
    fn drop(&mut self) {
        for range in REFUSED {
            let mut args = vec!["-D".to_owned()];
            args.extend(rule(range));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let _ = run("iptables", &args);
        }
        if self.created_user {
            let _ = run("userdel", &[USER]);
        }
    }
}

/// A tmux server of its own running one command in a 120 × 30 session, killed on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn start(command: &str) -> Self {
        let tmux = Self {
            socket: format!("emesh-journey-{}", std::process::id()),
        };
        let (ok, out) = tmux.tmux(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "dash",
            "-x",
            "120",
            "-y",
            "30",
            command,
        ]);
        assert!(ok, "tmux: {out}");
        tmux
    }

    fn tmux(&self, args: &[&str]) -> (bool, String) {
        let mut all = vec!["-L", self.socket.as_str()];
        all.extend(args);
        run("tmux", &all)
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "dash"]).1
    }

    /// Waits until `ready` accepts the screen; returns it, or panics with the last screen.
    #[track_caller]
    pub fn wait_for(&self, what: &str, limit: Duration, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < limit,
                "{what}: not within {limit:?}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "dash"];
        args.extend(keys);
        let _ = self.tmux(&args);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}
