//! The local node (`scripts/kube-node.sh`): a real single-node cluster where pods run, brought up
//! for the journey and torn down when it ends, also when it fails. Helpers to drive it with
//! kubectl, reach its addresses and wait for things.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The node's own address (NodePorts answer on it).
pub const NODE_IP: &str = "10.200.0.1";

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn script() -> PathBuf {
    repo().join("scripts/kube-node.sh")
}

/// The cluster, torn down on drop.
pub struct Node {
    pub kubeconfig: String,
}

impl Node {
    /// Brings the node up and loads the mesh's images (built by `scripts/image.sh`).
    pub fn up() -> Self {
        let images: Vec<PathBuf> = ["meshd", "meshd-sidecar"]
            .iter()
            .map(|name| repo().join(format!("target/images/{name}.tar")))
            .collect();
        for image in &images {
            assert!(
                image.exists(),
                "{} is missing: build the images with `scripts/image.sh` (scripts/test.sh does)",
                image.display()
            );
        }
        let out = Command::new(script())
            .arg("up")
            .output()
            .expect("scripts/kube-node.sh runs");
        assert!(
            out.status.success(),
            "scripts/kube-node.sh up failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let export = String::from_utf8_lossy(&out.stdout);
        let kubeconfig = export
            .trim()
            .strip_prefix("export KUBECONFIG=")
            .unwrap_or_else(|| panic!("kube-node.sh up printed {export:?}"))
            .to_owned();
        let node = Self { kubeconfig };
        let load = Command::new(script())
            .arg("load")
            .args(&images)
            .output()
            .expect("scripts/kube-node.sh load runs");
        assert!(
            load.status.success(),
            "loading the images failed:\n{}",
            String::from_utf8_lossy(&load.stderr)
        );
        node
    }

    /// kubectl on this cluster; panics with its output when it fails.
    #[track_caller]
    pub fn kubectl(&self, args: &[&str]) -> String {
        let out = self.kubectl_status(args, None);
        assert!(out.0, "kubectl {}:\n{}", args.join(" "), out.1);
        out.1
    }

    /// kubectl with `stdin`; panics when it fails.
    #[track_caller]
    pub fn kubectl_in(&self, args: &[&str], stdin: &str) -> String {
        let out = self.kubectl_status(args, Some(stdin));
        assert!(out.0, "kubectl {}:\n{}", args.join(" "), out.1);
        out.1
    }

    /// kubectl's success and output (stdout, or stderr when it failed).
    pub fn kubectl_status(&self, args: &[&str], stdin: Option<&str>) -> (bool, String) {
        let mut command = Command::new("kubectl");
        command.args(args).env("KUBECONFIG", &self.kubeconfig);
        let run = crate::support::run(command, stdin);
        let text = if run.code == 0 {
            run.stdout
        } else {
            format!("{}{}", run.stdout, run.stderr)
        };
        (run.code == 0, text)
    }

    /// `kubectl get ... -o json`, parsed.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["get"];
        all.extend(args);
        all.extend(["-o", "json"]);
        serde_json::from_str(&self.kubectl(&all)).expect("kubectl prints JSON")
    }

    /// The node port of a Service port.
    pub fn node_port(&self, namespace: &str, service: &str) -> u16 {
        let object = self.json(&["service", service, "-n", namespace]);
        let port = object["spec"]["ports"][0]["nodePort"].as_u64().expect("a node port");
        u16::try_from(port).expect("a port")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if std::env::var_os("EMESH_KEEP_NODE").is_some() {
            eprintln!("EMESH_KEEP_NODE set: the node stays up (scripts/kube-node.sh down removes it)");
            return;
        }
        let out = Command::new(script()).arg("down").output();
        if let Ok(out) = out
            && !out.status.success()
        {
            eprintln!(
                "scripts/kube-node.sh down failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// A GET with headers through curl (the test runs as root, outside the pod network's rules).
pub fn http_get(url: &str, headers: &[&str]) -> Result<String, String> {
    let mut command = Command::new("curl");
    command.args(["-sS", "--max-time", "5", "--fail-with-body"]);
    for header in headers {
        command.args(["-H", header]);
    }
    command.arg(url);
    let run = crate::support::run(command, None);
    if run.code == 0 {
        Ok(run.stdout)
    } else {
        Err(format!("curl {url} exited {}: {}{}", run.code, run.stdout, run.stderr))
    }
}

/// Retries `check` every 250 ms until it gives a value or `limit` passes; then panics with
/// `what` and the last reason.
#[track_caller]
pub fn wait<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Result<T, String>) -> T {
    let start = Instant::now();
    loop {
        match check() {
            Ok(value) => return value,
            Err(reason) if start.elapsed() >= limit => {
                panic!("{what}: not within {limit:?}; last: {reason}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(250)),
        }
    }
}
