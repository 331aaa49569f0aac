//! install, check, uninstall against a real kube-apiserver (scripts/kube-local.sh: built from
//! Debian's kubernetes source package, etcd from Debian; no kubelet, so pods stay Pending).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::ControlPlane;

/// A local Kubernetes control plane, stopped on drop.
struct Kube {
    dir: PathBuf,
    kubeconfig: String,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/kube-local.sh")
}

impl Kube {
    fn up(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("emctl-kube-{name}-{}", std::process::id()));
        let out = Command::new(script())
            .arg("up")
            .arg(&dir)
            .output()
            .expect("scripts/kube-local.sh runs");
        assert!(
            out.status.success(),
            "scripts/kube-local.sh up failed (build it with `scripts/kube-local.sh build`):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self {
            kubeconfig: dir.join("kubeconfig").display().to_string(),
            dir,
        }
    }
}

impl Drop for Kube {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("down").arg(&self.dir).output();
    }
}

#[test]
fn install_twice_check_and_uninstall_leave_nothing() {
    let kube = Kube::up("install");
    let cp = ControlPlane::start();
    let tls = tempfile::tempdir().unwrap();
    let env = [("KUBECONFIG", kube.kubeconfig.as_str())];
    let emctl = |args: &[&str]| cp.emctl_with(args, &env, None);

    let pre = emctl(&["check", "--pre"]);
    pre.success();
    insta::assert_snapshot!("cluster_check_pre", pre.snapshot());

    let install = [
        "install",
        "--storage",
        "empty-dir",
        "--webhook-url",
        "https://127.0.0.1:19443/mutate",
        "--webhook-tls-dir",
        tls.path().to_str().unwrap(),
        "--control-plane-url",
        &cp.url,
    ];
    let first = emctl(&install);
    first.success();
    insta::assert_snapshot!("cluster_install_first", first.snapshot());
    for file in ["ca.crt", "tls.crt", "tls.key"] {
        assert!(
            tls.path().join(file).exists(),
            "{file} written for the outside injector"
        );
    }
    let rc = std::fs::read_to_string(cp.dir.path().join("emctlrc")).unwrap();
    assert!(
        rc.contains(&cp.url) && rc.contains("token:"),
        "~/.emctlrc points at the control plane: {rc}"
    );

    let second = emctl(&install);
    second.success();
    for line in second.stdout.lines().filter(|l| l.starts_with("  ")) {
        assert!(
            line.ends_with(" unchanged"),
            "a second install changes nothing: {line}\n{}",
            second.snapshot()
        );
    }

    let check = emctl(&["check"]);
    check.failure();
    assert!(
        check.stdout.contains("× control plane ready: 0/1 replicas ready"),
        "{}",
        check.snapshot()
    );
    assert!(check.stdout.contains("Pending"), "names why: {}", check.snapshot());
    assert!(check.stdout.contains("✔ webhook registered"), "{}", check.snapshot());
    let json = emctl(&["check", "-o", "json"]);
    let checks: serde_json::Value = serde_json::from_str(&json.stdout).expect("check -o json is JSON");
    assert!(checks.as_array().unwrap().iter().any(|c| c["status"] == "fail"));

    let uninstall = emctl(&["uninstall", "--purge"]);
    uninstall.success();
    insta::assert_snapshot!("cluster_uninstall", uninstall.snapshot());
    let again = emctl(&["uninstall"]);
    again.success();
    assert!(again.stderr.contains("nothing to uninstall"), "{}", again.snapshot());
    let after = emctl(&["check", "--pre"]);
    assert!(
        after.stdout.contains("✔ namespace free: easemesh"),
        "{}",
        after.snapshot()
    );
}

#[test]
fn install_refuses_bad_options_and_changes_nothing() {
    let kube = Kube::up("bad");
    let cp = ControlPlane::start();
    let env = [("KUBECONFIG", kube.kubeconfig.as_str())];
    let bad = cp.emctl_with(
        &["install", "--replicas", "3", "--registry-type", "zookeeper"],
        &env,
        None,
    );
    bad.failure();
    insta::assert_snapshot!("cluster_install_bad_options", bad.snapshot());
    let pre = cp.emctl_with(&["check", "--pre"], &env, None);
    assert!(
        pre.stdout.contains("✔ namespace free"),
        "nothing was created: {}",
        pre.snapshot()
    );
}
