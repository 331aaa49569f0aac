//! The journey's steps, in the order a platform team takes them.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use crate::node::{NODE_IP, Node, http_get, wait};
use crate::outside::Outside;
use crate::report::{Report, pids, rss_kib};
use crate::shop;
use crate::support::{Run, emctl_bin, run};
use crate::tmux::Tmux;

const MESH_NAMESPACE: &str = "easemesh";
const CONTROL_PLANE_POD: &str = "easemesh-control-plane-0";
/// How long a step may take before the journey fails.
const PATIENCE: Duration = Duration::from_secs(180);

pub struct Journey<'a> {
    node: &'a Node,
    /// emctl's home and ~/.emctlrc (install writes the context there).
    home: TempDir,
    pub report: Report,
    /// The shop's Deployments before migrate, by name.
    before: BTreeMap<String, Value>,
    /// The mesh ingress, `http://NODE:PORT/`.
    ingress: String,
}

impl<'a> Journey<'a> {
    pub fn new(node: &'a Node) -> Self {
        Self {
            node,
            home: tempfile::tempdir().expect("a home for emctl"),
            report: Report::default(),
            before: BTreeMap::new(),
            ingress: String::new(),
        }
    }

    fn emctl_in(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut command = Command::new(emctl_bin());
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("EMCTL_CONFIG", self.home.path().join("emctlrc"))
            .env("KUBECONFIG", &self.node.kubeconfig)
            .current_dir(self.home.path());
        run(command, stdin)
    }

    #[track_caller]
    fn emctl(&self, args: &[&str]) -> Run {
        let out = self.emctl_in(args, None);
        out.success();
        out
    }

    /// The service instances, as `(service, instance id, status, labels)`.
    fn instances(&self) -> Result<Vec<(String, String, String, Value)>, String> {
        let out = self.emctl_in(&["get", "serviceinstances", "-o", "json"], None);
        if out.code != 0 {
            return Err(out.snapshot());
        }
        let list: Value = serde_json::from_str(&out.stdout).map_err(|err| format!("{err}: {}", out.stdout))?;
        let items = list["items"].as_array().cloned().or_else(|| Some(vec![list.clone()]));
        Ok(items
            .into_iter()
            .flatten()
            .filter(|i| i["spec"].is_object())
            .map(|i| {
                let spec = &i["spec"];
                let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
                (
                    text(&spec["serviceName"]),
                    text(&spec["instanceID"]),
                    text(&spec["status"]),
                    spec["labels"].clone(),
                )
            })
            .collect())
    }

    /// Waits until every replica of the shop (and of order v2 when `v2`) is an UP instance.
    fn wait_all_up(&self, v2: bool) {
        let pods = |name: &str| self.pods(name);
        wait("every pod of the shop an UP instance", PATIENCE, || {
            let instances = self.instances()?;
            let mut expected: Vec<String> = shop::SERVICES.iter().flat_map(|(name, _, _)| pods(name)).collect();
            if v2 {
                expected.extend(pods("order-v2"));
            }
            let missing: Vec<&String> = expected
                .iter()
                .filter(|pod| !instances.iter().any(|(_, id, status, _)| id == *pod && status == "UP"))
                .collect();
            if missing.is_empty() && !expected.is_empty() {
                Ok(())
            } else {
                Err(format!("not UP yet: {missing:?}; instances: {instances:?}"))
            }
        });
    }

    fn rollout(&self, deployment: &str) {
        self.node.kubectl(&[
            "rollout",
            "status",
            &format!("deployment/{deployment}"),
            "-n",
            shop::NAMESPACE,
            "--timeout=180s",
        ]);
    }

    /// `emctl install --wait`, a second install that changes nothing, `emctl check` all ✔.
    pub fn install(&mut self) {
        let pre = self.emctl(&["check", "--pre"]);
        assert!(!pre.stdout.contains('×'), "{}", pre.snapshot());
        let start = Instant::now();
        let install = ["install", "--wait", "--expose", "nodeport", "--instance-lease", "30s"];
        let first = self.emctl(&install);
        self.report.duration("install_to_ready", start.elapsed());
        assert!(first.stderr.contains("✔ mesh ready"), "{}", first.snapshot());
        let again = self.emctl(&install);
        for line in again.stdout.lines().filter(|l| l.starts_with("  ")) {
            assert!(
                line.ends_with(" unchanged"),
                "a second install changes nothing: {line}\n{}",
                again.snapshot()
            );
        }
        // The API server calls the injector through its Service.
        let webhook = self.node.json(&["mutatingwebhookconfiguration", "easemesh-injector"]);
        let client = &webhook["webhooks"][0]["clientConfig"];
        assert_eq!(client["service"]["name"], "easemesh-control-plane", "{client}");
        assert!(client["url"].is_null(), "{client}");
        let check = self.emctl(&["check"]);
        assert!(!check.stdout.contains('×'), "{}", check.snapshot());
        for line in ["control plane ready", "webhook reachable", "ingress controller ready"] {
            assert!(
                check.stdout.lines().any(|l| l.contains(line) && l.contains('✔')),
                "{line}: {}",
                check.snapshot()
            );
        }
        let claim = self.node.json(&["pvc", "-n", MESH_NAMESPACE]);
        assert_eq!(
            claim["items"][0]["status"]["phase"], "Bound",
            "the control plane's volume: {claim}"
        );
        self.report.figure(
            "control_plane_rss_kib_idle",
            rss_kib(&["meshd", "control-plane"]).first().copied().into(),
        );
    }

    /// The shop as plain Deployments: it works by cluster DNS, without the mesh.
    pub fn shop_without_the_mesh(&mut self) {
        self.node.kubectl_in(&["apply", "-f", "-"], &shop::manifests());
        for (name, _, _) in shop::SERVICES {
            self.rollout(name);
        }
        let front = self.node.json(&["service", "front", "-n", shop::NAMESPACE]);
        let ip = front["spec"]["clusterIP"].as_str().expect("a cluster IP").to_owned();
        let answer = wait("the shop answers without the mesh", PATIENCE, || {
            http_get(&format!("http://{ip}/"), &[]).and_then(|a| if a.trim() == shop::ALL_V1 { Ok(a) } else { Err(a) })
        });
        assert_eq!(answer.trim(), shop::ALL_V1);
        for (name, _, _) in shop::SERVICES {
            let deployment = self.node.json(&["deployment", name, "-n", shop::NAMESPACE]);
            self.before.insert(name.to_owned(), deployment);
        }
    }

    /// `emctl migrate --yes`: the pods restart with the sidecar and become UP instances; the mesh
    /// ingress reaches the shop.
    pub fn migrate(&mut self) {
        let start = Instant::now();
        let migrated = self.emctl(&["migrate", "--all", "--yes", "-n", shop::NAMESPACE]);
        for (name, _, _) in shop::SERVICES {
            assert!(
                migrated.stdout.contains(&format!("deployment/shop/{name} migrated")),
                "{}",
                migrated.snapshot()
            );
        }
        for (name, _, _) in shop::SERVICES {
            self.rollout(name);
        }
        self.wait_all_up(false);
        self.report.duration("migrate_to_every_instance_up", start.elapsed());
        for (name, _, _) in shop::SERVICES {
            let pods = self
                .node
                .json(&["pods", "-n", shop::NAMESPACE, "-l", &format!("app={name}")]);
            for pod in pods["items"].as_array().into_iter().flatten() {
                let containers: Vec<&str> = pod["spec"]["containers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c["name"].as_str())
                    .collect();
                if pod["metadata"]["deletionTimestamp"].is_null() {
                    assert_eq!(containers, ["app", "easemesh-sidecar"], "{name}");
                }
            }
        }
        let check = self.emctl(&["check"]);
        assert!(
            check
                .stdout
                .lines()
                .any(|l| l.contains("injected pods registered") && l.contains('✔')),
            "{}",
            check.snapshot()
        );
        self.emctl_in(&["apply", "-f", "-"], Some(shop::INGRESS)).success();
        let port = self.node.node_port(MESH_NAMESPACE, "easemesh-ingress-controller");
        self.ingress = format!("http://{NODE_IP}:{port}/");
        wait("the shop through the mesh ingress", PATIENCE, || {
            http_get(&self.ingress, &[]).and_then(|a| if a.trim() == shop::ALL_V1 { Ok(()) } else { Err(a) })
        });
        self.report.figure(
            "sidecar_rss_kib",
            rss_kib(&["/usr/local/bin/meshd-sidecar", "sidecar"])
                .into_iter()
                .max()
                .into(),
        );
    }

    /// Asks the ingress `n` times with `headers`; the answers, counted.
    fn ask(&self, n: usize, headers: &[&str]) -> BTreeMap<String, usize> {
        let mut seen = BTreeMap::new();
        for _ in 0..n {
            let answer = http_get(&self.ingress, headers).unwrap_or_else(|err| err);
            *seen.entry(answer.trim().to_owned()).or_default() += 1;
        }
        seen
    }

    /// order v2 behind a ServiceCanary: only requests with the header reach it, end to end.
    pub fn canary(&mut self) {
        self.emctl_in(&["apply", "-f", "-"], Some(shop::CANARY)).success();
        self.node.kubectl_in(&["apply", "-f", "-"], &shop::order_v2());
        self.rollout("order-v2");
        self.wait_all_up(true);
        let canaries = self.emctl(&["get", "serviceinstances", "--canary"]);
        let v2_pods = self.node.json(&["pods", "-n", shop::NAMESPACE, "-l", "app=order-v2"]);
        let v2_pod = v2_pods["items"][0]["metadata"]["name"].as_str().unwrap_or_default();
        assert!(canaries.stdout.contains(v2_pod), "{}", canaries.snapshot());
        assert!(
            canaries.stdout.contains("order-v2"),
            "the canary's name: {}",
            canaries.snapshot()
        );
        wait("a request with X-Canary: v2 reaches order v2", PATIENCE, || {
            http_get(&self.ingress, &["X-Canary: v2"])
                .and_then(|a| if a.trim() == shop::THROUGH_V2 { Ok(()) } else { Err(a) })
        });
        let with = self.ask(10, &["X-Canary: v2"]);
        assert_eq!(with, BTreeMap::from([(shop::THROUGH_V2.to_owned(), 10)]));
        let without = self.ask(30, &[]);
        assert_eq!(
            without,
            BTreeMap::from([(shop::ALL_V1.to_owned(), 30)]),
            "never v2 without the header"
        );
        // A change of the canary reaches the ingress and the sidecars.
        let changed = shop::CANARY.replace("exact: v2", "exact: beta");
        let start = Instant::now();
        self.emctl_in(&["apply", "-f", "-"], Some(&changed)).success();
        wait("the changed canary routes", PATIENCE, || {
            http_get(&self.ingress, &["X-Canary: beta"])
                .and_then(|a| if a.trim() == shop::THROUGH_V2 { Ok(()) } else { Err(a) })
        });
        self.report.duration("canary_change_to_routing", start.elapsed());
        let old_header = self.ask(10, &["X-Canary: v2"]);
        assert_eq!(old_header, BTreeMap::from([(shop::ALL_V1.to_owned(), 10)]));
        self.emctl_in(&["apply", "-f", "-"], Some(shop::CANARY)).success();
    }

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

    /// The shop's pods labelled `app=<app>` that are not being deleted.
    fn pods(&self, app: &str) -> Vec<String> {
        let pods = self
            .node
            .json(&["pods", "-n", shop::NAMESPACE, "-l", &format!("app={app}")]);
        pods["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
            .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_owned))
            .collect()
    }

    /// Waits until the instance `id` has the status `wanted` (`None`: until it is gone).
    fn wait_status(&self, what: &str, seconds: u64, id: &str, wanted: Option<&str>) {
        wait(what, Duration::from_secs(seconds), || match self.status_of(id)? {
            status if status.as_deref() == wanted => Ok(()),
            other => Err(format!("{other:?}")),
        });
    }

    fn status_of(&self, id: &str) -> Result<Option<String>, String> {
        Ok(self
            .instances()?
            .into_iter()
            .find(|(_, i, _, _)| i == id)
            .map(|(_, _, status, _)| status))
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

    /// `emctl uninstall --purge --yes`: the migrated workloads are given back exactly, and no
    /// object of the mesh is left.
    pub fn uninstall(&mut self) {
        let start = Instant::now();
        let out = self.emctl(&["uninstall", "--purge", "--yes"]);
        self.report.duration("uninstall", start.elapsed());
        for (name, _, _) in shop::SERVICES {
            assert!(
                out.stdout
                    .contains(&format!("deployment/shop/{name} restored as it was before migrate")),
                "{}",
                out.snapshot()
            );
        }
        assert!(
            out.stderr
                .contains("deployment/shop/order-v2 is in the mesh by its own"),
            "{}",
            out.snapshot()
        );
        let comparable = |deployment: &Value| -> Value {
            let mut annotations = deployment["metadata"]["annotations"].clone();
            if let Some(map) = annotations.as_object_mut() {
                map.remove("deployment.kubernetes.io/revision");
            }
            serde_json::json!({
                "labels": deployment["metadata"]["labels"],
                "annotations": annotations,
                "spec": deployment["spec"],
            })
        };
        for (name, before) in &self.before {
            let after = self.node.json(&["deployment", name, "-n", shop::NAMESPACE]);
            assert_eq!(
                comparable(&after),
                comparable(before),
                "deployment/{name} as before migrate"
            );
            self.rollout(name);
        }
        let (exists, _) = self.node.kubectl_status(&["get", "namespace", MESH_NAMESPACE], None);
        assert!(!exists, "the mesh's namespace is gone");
        let selector = "app.kubernetes.io/part-of=easemesh";
        for kinds in [
            "mutatingwebhookconfigurations,clusterroles,clusterrolebindings,persistentvolumes",
            "all,secrets,configmaps,serviceaccounts,roles,rolebindings,persistentvolumeclaims",
        ] {
            let left = self.node.kubectl(&["get", kinds, "-A", "-l", selector, "-o", "name"]);
            assert!(left.trim().is_empty(), "left behind: {left}");
        }
        let webhook = self
            .node
            .kubectl_status(&["get", "mutatingwebhookconfiguration", "easemesh-injector"], None);
        assert!(!webhook.0, "the webhook is gone");
        // The shop works again as it did before the mesh.
        let front = self.node.json(&["service", "front", "-n", shop::NAMESPACE]);
        let ip = front["spec"]["clusterIP"].as_str().expect("a cluster IP").to_owned();
        wait("the shop answers without the mesh again", PATIENCE, || {
            http_get(&format!("http://{ip}/"), &[]).and_then(|a| if a.trim() == shop::ALL_V1 { Ok(()) } else { Err(a) })
        });
    }
}
