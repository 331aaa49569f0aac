//! The journey's steps, in the order a platform team takes them.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use crate::node::{NODE_IP, Node, http_get, wait};
use crate::report::{Report, rss_kib};
use crate::shop;
use crate::support::{Run, emctl_bin, run};

pub(crate) const MESH_NAMESPACE: &str = "easemesh";
pub(crate) const CONTROL_PLANE_POD: &str = "easemesh-control-plane-0";
/// The journey's install.
pub(crate) const INSTALL: [&str; 6] = ["install", "--wait", "--expose", "nodeport", "--instance-lease", "30s"];
/// How long a step may take before the journey fails.
pub(crate) const PATIENCE: Duration = Duration::from_secs(180);

pub struct Journey<'a> {
    pub(crate) node: &'a Node,
    /// emctl's home and ~/.emctlrc (install writes the context there).
    pub(crate) home: TempDir,
    pub report: Report,
    /// The shop's Deployments before migrate, by name.
    before: BTreeMap<String, Value>,
    /// The mesh ingress, `http://NODE:PORT/`.
    pub(crate) ingress: String,
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

    pub(crate) fn emctl_in(&self, args: &[&str], stdin: Option<&str>) -> Run {
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
    pub(crate) fn emctl(&self, args: &[&str]) -> Run {
        let out = self.emctl_in(args, None);
        out.success();
        out
    }

    /// The service instances, as `(service, instance id, status, labels)`.
    pub(crate) fn instances(&self) -> Result<Vec<(String, String, String, Value)>, String> {
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
    pub(crate) fn wait_all_up(&self, v2: bool) {
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

    pub(crate) fn rollout(&self, deployment: &str) {
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
        let install = INSTALL;
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
    pub(crate) fn ask(&self, n: usize, headers: &[&str]) -> BTreeMap<String, usize> {
        let mut seen = BTreeMap::new();
        for _ in 0..n {
            let answer = http_get(&self.ingress, headers).unwrap_or_else(|err| err);
            *seen.entry(answer.trim().to_owned()).or_default() += 1;
        }
        seen
    }

    /// Waits until a request with `header` is answered `through`; then every one of 10 with it
    /// is, and every one of 30 without it goes through v1 only.
    pub(crate) fn only_with_header(&self, header: &str, through: &str) {
        wait(&format!("a request with {header} answered {through}"), PATIENCE, || {
            http_get(&self.ingress, &[header]).and_then(|a| if a.trim() == through { Ok(()) } else { Err(a) })
        });
        assert_eq!(self.ask(10, &[header]), BTreeMap::from([(through.to_owned(), 10)]));
        assert_eq!(
            self.ask(30, &[]),
            BTreeMap::from([(shop::ALL_V1.to_owned(), 30)]),
            "never {through} without {header}"
        );
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
        self.only_with_header("X-Canary: v2", shop::THROUGH_V2);
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

    /// The shop's pods labelled `app=<app>` that are not being deleted.
    pub(crate) fn pods(&self, app: &str) -> Vec<String> {
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
    pub(crate) fn wait_status(&self, what: &str, seconds: u64, id: &str, wanted: Option<&str>) {
        wait(what, Duration::from_secs(seconds), || match self.status_of(id)? {
            status if status.as_deref() == wanted => Ok(()),
            other => Err(format!("{other:?}")),
        });
    }

    pub(crate) fn status_of(&self, id: &str) -> Result<Option<String>, String> {
        Ok(self
            .instances()?
            .into_iter()
            .find(|(_, i, _, _)| i == id)
            .map(|(_, _, status, _)| status))
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
