//! Failures the mesh must ride out: pods that go (gracefully, or with a hung sidecar) and a control
//! plane that crashes or has its pod replaced.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::node::{http_get, wait};
use crate::report::pids;
use crate::shop;
use crate::steps::{CONTROL_PLANE_POD, Journey, MESH_NAMESPACE, PATIENCE};

impl Journey<'_> {
    /// The sidecar process of `pod` (its HOSTNAME), found in /proc.
    fn sidecar_pid(pod: &str) -> Option<u32> {
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            if !cmdline.starts_with(b"/usr/local/bin/meshd-sidecar") {
                continue;
            }
            let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
            if environ
                .split(|b| *b == 0)
                .any(|var| var == format!("HOSTNAME={pod}").as_bytes())
            {
                return Some(pid);
            }
        }
        None
    }

    /// A pod deleted: its sidecar deregisters at once. A pod whose sidecar hangs and is killed:
    /// OUT_OF_SERVICE after two missed heartbeats, removed after the lease. Replacements come UP.
    pub fn instance_failures(&mut self) {
        let pods = self.pods("order");
        assert_eq!(pods.len(), 2, "{pods:?}");
        // Graceful: deregistered.
        let start = Instant::now();
        self.node
            .kubectl(&["delete", "pod", &pods[0], "-n", shop::NAMESPACE, "--wait=false"]);
        self.wait_status("a deleted pod's instance is removed", 30, &pods[0], None);
        self.report.duration("deleted_pod_to_instance_removed", start.elapsed());
        // Hung: its sidecar stops beating, then the pod goes without a word.
        let pid = Self::sidecar_pid(&pods[1]).expect("the sidecar process of the second order pod");
        let stopped = Command::new("kill")
            .args(["-STOP", &pid.to_string()])
            .status()
            .expect("kill");
        assert!(stopped.success());
        let start = Instant::now();
        self.node
            .kubectl(&["delete", "pod", &pods[1], "-n", shop::NAMESPACE, "--wait=false"]);
        self.wait_status(
            "a silent instance goes OUT_OF_SERVICE",
            60,
            &pods[1],
            Some("OUT_OF_SERVICE"),
        );
        self.report
            .duration("silent_instance_to_out_of_service", start.elapsed());
        self.wait_status("a silent instance is removed after the lease", 120, &pods[1], None);
        self.report.duration("silent_instance_to_removed", start.elapsed());
        self.rollout("order");
        self.wait_all_up(true);
        assert_eq!(self.ask(5, &[]), BTreeMap::from([(shop::ALL_V1.to_owned(), 5)]));
    }

    /// The control plane crashes (its process killed), then its pod is deleted and replaced on the
    /// same volume: no object is lost, and the sidecars and the ingress route all along.
    pub fn control_plane_outages(&mut self) {
        let uid = |journey: &Self| -> String {
            journey.node.json(&["pod", CONTROL_PLANE_POD, "-n", MESH_NAMESPACE])["metadata"]["uid"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        let restarts = |journey: &Self| -> u64 {
            journey.node.json(&["pod", CONTROL_PLANE_POD, "-n", MESH_NAMESPACE])["status"]["containerStatuses"][0]
                ["restartCount"]
                .as_u64()
                .unwrap_or_default()
        };
        let before = restarts(self);
        self.outage(
            "control_plane_crash",
            |_| {
                let pid = *pids(&["meshd", "control-plane"])
                    .first()
                    .expect("the control plane's process");
                let killed = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status()
                    .expect("kill");
                assert!(killed.success());
            },
            |journey| {
                if restarts(journey) > before {
                    Ok(())
                } else {
                    Err("not restarted yet".into())
                }
            },
        );
        let old = uid(self);
        self.outage(
            "control_plane_pod_replaced",
            |journey| {
                journey
                    .node
                    .kubectl(&["delete", "pod", CONTROL_PLANE_POD, "-n", MESH_NAMESPACE, "--wait=false"]);
            },
            |journey| {
                if uid(journey) != old {
                    Ok(())
                } else {
                    Err("the same pod".into())
                }
            },
        );
        self.wait_all_up(true);
    }

    /// Runs `disrupt` while requests go through the ingress, waits until `replaced` says the control
    /// plane was replaced and it answers again; asserts no request failed and no object changed.
    fn outage(&mut self, name: &str, disrupt: impl FnOnce(&Self), replaced: impl Fn(&Self) -> Result<(), String>) {
        let kinds = ["services", "servicecanaries", "ingresses", "tenants", "meshcontrollers"];
        let objects = |journey: &Self| -> Vec<String> {
            kinds
                .iter()
                .map(|kind| journey.emctl(&["get", kind, "-o", "yaml"]).stdout)
                .collect()
        };
        let before = objects(self);
        let asking = Arc::new(AtomicBool::new(true));
        let answers = Arc::new(AtomicUsize::new(0));
        let failures: Arc<Mutex<Vec<String>>> = Arc::default();
        let traffic = {
            let (asking, answers, failures, url) =
                (asking.clone(), answers.clone(), failures.clone(), self.ingress.clone());
            std::thread::spawn(move || {
                while asking.load(Ordering::Relaxed) {
                    match http_get(&url, &["X-Canary: v2"]) {
                        Ok(a) if a.trim() == shop::THROUGH_V2 => {
                            answers.fetch_add(1, Ordering::Relaxed);
                        }
                        other => failures.lock().expect("failures").push(format!("{other:?}")),
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        let start = Instant::now();
        let at_start = answers.load(Ordering::Relaxed);
        disrupt(self);
        wait(&format!("{name}: replaced and answering"), PATIENCE, || {
            replaced(self)?;
            let out = self.emctl_in(&["get", "tenants"], None);
            if out.code == 0 { Ok(()) } else { Err(out.snapshot()) }
        });
        let answered_meanwhile = answers.load(Ordering::Relaxed) - at_start;
        self.report.duration(&format!("{name}_to_answering"), start.elapsed());
        asking.store(false, Ordering::Relaxed);
        traffic.join().expect("the traffic thread");
        let failures = failures.lock().expect("failures").clone();
        assert!(failures.is_empty(), "{name}: requests failed meanwhile: {failures:?}");
        assert!(answered_meanwhile > 0, "{name}: no request was answered meanwhile");
        self.report.figure(
            &format!("{name}_requests_answered_meanwhile"),
            answered_meanwhile.into(),
        );
        assert_eq!(objects(self), before, "{name}: every object is kept");
    }
}
