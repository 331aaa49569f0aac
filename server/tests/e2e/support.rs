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

/// `meshd control-plane` on a store in `data`, with the tokens of `token_file`, else without
/// authentication.
fn command(data: &Path, listen: &str, token_file: Option<&Path>, flags: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_meshd"));
    command
        .args(["control-plane", "--listen", listen, "--data-dir"])
        .arg(data);
    match token_file {
        Some(file) => command.arg("--token-file").arg(file),
        None => command.arg("--insecure-no-auth"),
    };
    command.args(flags);
    command
}

/// Runs a control plane that is expected to refuse to start; returns what it printed.
pub fn refused_start(data: &Path, flags: &[&str]) -> std::process::Output {
    let out = command(data, "127.0.0.1:0", None, flags).output().expect("meshd runs");
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
        Self::spawn(command(data, listen, None, flags), lines)
    }

    /// With authentication: the tokens of `token_file` (lines `token,name,role`).
    pub fn start_with_tokens(data: &Path, token_file: &Path) -> Self {
        Self::spawn(command(data, "127.0.0.1:0", Some(token_file), &[]), 0).0
    }

    fn spawn(mut command: Command, lines: usize) -> (Self, Vec<String>) {
        let mut child = command
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
        self.client_with(None)
    }

    /// A client sending this bearer token.
    pub fn client_with(&self, token: Option<&str>) -> Client {
        Client::new(&Config {
            server: self.url.clone(),
            token: token.map(str::to_owned),
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
