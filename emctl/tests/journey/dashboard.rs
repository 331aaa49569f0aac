//! The dashboard as a workstation runs it: emctl talks only to the control plane (through its
//! NodePort), as a user that cannot reach pods or services.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::node::http_get;
use crate::outside::Outside;
use crate::shop;
use crate::steps::Journey;
use crate::support::emctl_bin;
use crate::tmux::Tmux;

impl Journey<'_> {
    /// `emctl dashboard` run by a user that cannot reach pods or services shows the shop's
    /// instances and golden metrics: the control plane gathers them.
    pub fn dashboard_from_outside(&mut self) {
        let outside = Outside::new();
        let pod = &self.pods("order")[0];
        let ip = self.node.json(&["pod", pod, "-n", shop::NAMESPACE])["status"]["podIP"]
            .as_str()
            .expect("a pod IP")
            .to_owned();
        let (reached, out) = outside.run(
            "curl",
            &["-sS", "--max-time", "3", &format!("http://{ip}:13090/metrics")],
        );
        assert!(!reached, "the outside user reached a pod: {out}");
        let rc = std::fs::read_to_string(self.home.path().join("emctlrc")).expect("install wrote ~/.emctlrc");
        let dir = tempfile::tempdir().expect("a home for the outside user");
        std::fs::write(dir.path().join("emctlrc"), rc).expect("rc written");
        // A copy of emctl the outside user can run wherever the build put it (/root is private).
        std::fs::copy(emctl_bin(), dir.path().join("emctl")).expect("emctl copied");
        for (path, mode) in [("", "755"), ("emctlrc", "644"), ("emctl", "755")] {
            let path = dir.path().join(path);
            Command::new("chmod")
                .args([mode, path.to_str().expect("utf-8 path")])
                .status()
                .expect("chmod");
        }
        let asking = Arc::new(AtomicBool::new(true));
        let traffic = {
            let (asking, url) = (asking.clone(), self.ingress.clone());
            std::thread::spawn(move || {
                while asking.load(Ordering::Relaxed) {
                    let _ = http_get(&url, &[]);
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        let command = format!(
            "runuser -u {} -- env HOME={home} EMCTL_CONFIG={home}/emctlrc TERM=xterm-256color {home}/emctl dashboard --metrics-interval 1s",
            crate::outside::USER,
            home = dir.path().display(),
        );
        let tmux = Tmux::start(&command, 120, 30);
        let row = |screen: &str, name: &str| -> Option<String> {
            screen
                .lines()
                .find(|l| l.trim_start_matches('│').starts_with(&format!("{name} ")))
                .map(str::to_owned)
        };
        let screen = tmux.wait_until("golden metrics of the shop", Duration::from_secs(60), |screen| {
            ["front", "order", "stock"].iter().all(|name| {
                row(screen, name).is_some_and(|r| r.contains('%') && (r.contains("ms") || r.contains("µs")))
            })
        });
        for name in ["front", "order", "stock"] {
            let line = row(&screen, name).expect("a row");
            assert!(line.contains("100.0%"), "{name}: {line}\n{screen}");
        }
        tmux.keys(&[":si", "Enter"]);
        let instances = tmux.wait_until("the shop's instances", Duration::from_secs(30), |s| {
            s.matches(" UP").count() >= 5
        });
        assert!(instances.contains("order"), "{instances}");
        tmux.keys(&["C-c"]);
        asking.store(false, Ordering::Relaxed);
        traffic.join().expect("the traffic thread");
    }
}
