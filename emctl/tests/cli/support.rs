//! Test harness: start meshd, run emctl, redact what varies between runs.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::LazyLock;

use regex::Regex;
use tempfile::TempDir;

/// `target/<profile>/` holding both binaries.
fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_emctl"))
        .parent()
        .expect("bin dir")
        .to_owned()
}

pub fn emctl_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_emctl"))
}

pub fn testdata(path: &str) -> String {
    format!("{}/../testdata/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// A running `meshd control-plane`, killed on drop.
pub struct ControlPlane {
    child: Child,
    pub url: String,
    pub dir: TempDir,
}

impl ControlPlane {
    /// Without authentication.
    pub fn start() -> Self {
        Self::start_with(&["--insecure-no-auth"])
    }

    pub fn start_with(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (child, url) = Self::spawn(&dir, args);
        Self { child, url, dir }
    }

    /// Stops meshd hard (SIGKILL) and starts it again on the same store.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (child, url) = Self::spawn(&self.dir, &["--insecure-no-auth"]);
        self.child = child;
        self.url = url;
    }

    fn spawn(dir: &TempDir, args: &[&str]) -> (Child, String) {
        let meshd = bin_dir().join("meshd");
        assert!(
            meshd.exists(),
            "{} is not built: run `cargo build -p server` (scripts/test.sh does)",
            meshd.display()
        );
        let mut child = Command::new(&meshd)
            .args(["control-plane", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("data"))
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start meshd");
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        stdout.read_line(&mut line).expect("meshd prints its address");
        // Later lines (the webhook's address) must find the pipe open.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let url = line.trim().rsplit(' ').next().expect("address").to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "unexpected first line {line:?}");
        (child, url)
    }

    /// Starts `emctl get ... -w -o json` and returns it with a reader of its events.
    pub fn watch(&self, args: &[&str]) -> Watch {
        let mut child = Command::new(emctl_bin())
            .args(args)
            .args(["-w", "-o", "json"])
            .env("EMCTL_SERVER", &self.url)
            .env("EMCTL_CONFIG", self.dir.path().join("none"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start emctl");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        Watch { child, lines }
    }

    /// Calls the API directly (what a sidecar would do).
    pub fn api(&self, method: &str, path: &str, body: &str) -> String {
        let out = Command::new("curl")
            .args(["-sS", "-X", method, "-H", "Content-Type: application/json", "-d", body])
            .arg(format!("{}{path}", self.url))
            .output()
            .expect("curl");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// emctl pointed at this control plane, with an empty home and no rc file.
    pub fn emctl(&self, args: &[&str]) -> Run {
        self.emctl_with(args, &[], None)
    }

    pub fn emctl_with(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
        let mut command = Command::new(emctl_bin());
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("EMCTL_CONFIG", self.dir.path().join("emctlrc"))
            .env("EMCTL_SERVER", &self.url)
            .current_dir(self.dir.path());
        for (key, value) in env {
            command.env(key, value);
        }
        run(command, stdin)
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running `emctl get -w`, killed on drop.
pub struct Watch {
    child: Child,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

impl Watch {
    /// The next event.
    pub fn next(&mut self) -> serde_json::Value {
        let line = self.lines.next().expect("an event").expect("readable");
        serde_json::from_str(&line).expect("a JSON event")
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a command did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(mut command: Command, stdin: Option<&str>) -> Run {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("start emctl");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    let out = child.wait_with_output().expect("emctl runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

static FILTERS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]"),
        (r"127\.0\.0\.1:\d+", "[SERVER]"),
        (r#"resourceVersion: '\d+'"#, "resourceVersion: '[RV]'"),
        (r#""resourceVersion": "\d+""#, r#""resourceVersion": "[RV]""#),
        (r"(?m)^(Resource Version:\s+)\d+", "${1}[RV]"),
        (r"\(\d+s ago\)", "([AGE] ago)"),
        // Ages: the last column of a table, or the one before LABELS in wide tables.
        (r"(?m)(\s{3,})[0-9]s$", "${1}[AGE]"),
        (r"(?m)(\s{3,})[0-9]s(\s{3,}\S+)$", "${1}[AGE]$2"),
        // The checkout may itself be under /tmp: its testdata first.
        (r"[^\s:]*/testdata/", "testdata/"),
        (r"/tmp/[^\s:]+", "[TMP]"),
    ]
    .into_iter()
    .map(|(pattern, replacement)| (Regex::new(pattern).expect("filter regex"), replacement))
    .collect()
});

/// Replaces times, ports, resource versions, ages and paths with placeholders.
pub fn redact(text: &str) -> String {
    FILTERS.iter().fold(text.to_owned(), |text, (pattern, replacement)| {
        pattern.replace_all(&text, *replacement).into_owned()
    })
}

impl Run {
    /// Exit code, stdout and stderr, redacted, for snapshots.
    pub fn snapshot(&self) -> String {
        redact(&format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        ))
    }

    #[track_caller]
    pub fn success(&self) -> &Self {
        assert_eq!(self.code, 0, "expected success:\n{}", self.snapshot());
        self
    }

    #[track_caller]
    pub fn failure(&self) -> &Self {
        assert_eq!(self.code, 1, "expected exit 1:\n{}", self.snapshot());
        self
    }
}

/// The store revision, read straight from the API (it moves on every write).
pub fn store_revision(cp: &ControlPlane) -> String {
    let run = run(
        {
            let mut c = Command::new("curl");
            c.args(["-fsS", &format!("{}/apis/v2/resources/tenants", cp.url)]);
            c
        },
        None,
    );
    let list: serde_json::Value = serde_json::from_str(&run.stdout).expect("list JSON");
    list["metadata"]["resourceVersion"]
        .as_str()
        .expect("revision")
        .to_owned()
}
