//! emctl as a workstation runs it: a user of its own whose packets to the pod and service ranges
//! are refused (iptables owner match, on the original destination so that NodePorts on the node's
//! address still work).

use std::process::Command;

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
