//! Starts and stops meshd.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use meshlib::client::{Client, Config};

pub struct Meshd {
    pub child: Child,
    pub url: String,
}

/// `meshd control-plane` without authentication, on a store in `data`.
fn command(data: &Path, listen: &str, flags: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_meshd"));
    command
        .args(["control-plane", "--listen", listen, "--insecure-no-auth", "--data-dir"])
        .arg(data)
        .args(flags);
    command
}

/// Runs a control plane that is expected to refuse to start; returns what it printed.
pub fn refused_start(data: &Path, flags: &[&str]) -> std::process::Output {
    let out = command(data, "127.0.0.1:0", flags).output().expect("meshd runs");
    assert!(!out.status.success(), "{flags:?} was accepted");
    out
}

impl Meshd {
    pub fn start(data: &Path) -> Self {
        Self::start_on(data, "127.0.0.1:0")
    }

    /// On a given address (to restart where sidecars expect it).
    pub fn start_on(data: &Path, listen: &str) -> Self {
        Self::start_with(data, listen, &[], 0).0
    }

    /// With more flags; also returns the `lines` stdout lines meshd prints after its address
    /// (e.g. the webhook's).
    pub fn start_with(data: &Path, listen: &str, flags: &[&str], lines: usize) -> (Self, Vec<String>) {
        let mut child = command(data, listen, flags)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start meshd");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut read_line = || {
            let mut line = String::new();
            stdout.read_line(&mut line).expect("address line");
            line.trim().to_owned()
        };
        let line = read_line();
        let url = line.rsplit(' ').next().expect("address").to_owned();
        assert!(url.starts_with("http://"), "{line:?}");
        let more = (0..lines).map(|_| read_line()).collect();
        (Self { child, url }, more)
    }

    pub fn client(&self) -> Client {
        Client::new(&Config {
            server: self.url.clone(),
            token: None,
            timeout: Duration::from_secs(10),
        })
        .expect("client")
    }

    pub fn http(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill9(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reap");
    }
}

impl Drop for Meshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` every 50 ms until it returns `Some`, for at most `limit`.
pub async fn eventually<T>(limit: Duration, what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let start = std::time::Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
