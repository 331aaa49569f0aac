//! Shadows of the whole shop: copies registered as canary instances, reached only with
//! `X-Mesh-Shadow`, seeing their overridden environment and ConfigMap, and gone without a trace
//! when their ShadowServices are deleted.

use std::collections::BTreeMap;

use crate::node::wait;
use crate::shop;
use crate::steps::{INSTALL, Journey, PATIENCE};

/// Every object a shadow could leave behind: the shop's workloads, ConfigMaps, Secrets and
/// claims, and the mesh's canaries; `Err` when the control plane did not answer (as the
/// journey's other waits, the caller asks again).
fn inventory(journey: &Journey<'_>) -> Result<String, String> {
    let kinds = "deployments,statefulsets,replicasets,configmaps,secrets,persistentvolumeclaims";
    let mut names: Vec<String> = journey
        .node
        .kubectl(&["get", kinds, "-n", shop::NAMESPACE, "-o", "name"])
        .lines()
        .map(str::to_owned)
        .collect();
    names.sort();
    let canaries = journey.emctl_in(&["get", "servicecanaries", "-o", "name"], None);
    if canaries.code != 0 {
        return Err(canaries.snapshot());
    }
    Ok(format!("{}\n--- canaries\n{}", names.join("\n"), canaries.stdout))
}

impl Journey<'_> {
    /// `emctl apply` of a ShadowService per service; the controller copies front, order and
    /// stock; `X-Mesh-Shadow: t1` goes through the copies only; deleting the ShadowServices
    /// leaves the cluster as it was.
    pub fn shadows(&mut self) {
        // Shadows are enabled for the shop by installing again with --shadow-namespace: the
        // control plane restarts with the controller and a Role in the shop's namespace.
        let mut install = INSTALL.to_vec();
        install.extend(["--shadow-namespace", shop::NAMESPACE]);
        let enabled = self.emctl(&install);
        assert!(
            enabled.stdout.contains("Role/shop/easemesh-shadows"),
            "{}",
            enabled.snapshot()
        );
        self.wait_all_up(true);
        self.node.kubectl_in(&["apply", "-f", "-"], shop::STOCK_SETTINGS);
        let before = wait("the inventory", PATIENCE, || inventory(self));
        let applied = self.emctl_in(&["apply", "-f", "-"], Some(shop::SHADOWS));
        applied.success();
        for (name, _, _) in shop::SERVICES {
            let copy = format!("{name}-t1-shadow");
            wait(&format!("deployment/{copy} made by the controller"), PATIENCE, || {
                let (exists, out) = self
                    .node
                    .kubectl_status(&["get", "deployment", &copy, "-n", shop::NAMESPACE], None);
                if exists { Ok(()) } else { Err(out) }
            });
            self.rollout(&copy);
        }
        // Each copy has the sidecar again (the webhook re-injected it) and registers as a
        // canary instance.
        wait("every copy an UP canary instance", PATIENCE, || {
            let instances = self.instances()?;
            let shadows: BTreeMap<String, usize> = instances
                .iter()
                .filter(|(_, _, status, labels)| status == "UP" && labels["canary-name"] == "t1-shadow")
                .fold(BTreeMap::new(), |mut seen, (service, _, _, _)| {
                    *seen.entry(service.clone()).or_default() += 1;
                    seen
                });
            let expected = BTreeMap::from([
                ("front".to_owned(), 1),
                ("order".to_owned(), 2),
                ("stock".to_owned(), 1),
            ]);
            if shadows == expected {
                Ok(())
            } else {
                Err(format!("{shadows:?}: {instances:?}"))
            }
        });
        let canary = self.emctl(&["get", "servicecanary", "t1-shadow", "-o", "json"]);
        let canary: serde_json::Value = serde_json::from_str(&canary.stdout).expect("canary JSON");
        assert_eq!(
            canary["spec"]["selector"]["matchServices"],
            serde_json::json!(["front", "order", "stock"])
        );
        assert_eq!(
            canary["spec"]["trafficRules"]["headers"]["X-Mesh-Shadow"]["exact"],
            "t1"
        );
        // Plain ClusterIP traffic never reaches a copy: the Service's endpoints are the source's.
        let endpoints = self.node.json(&["endpoints", "order", "-n", shop::NAMESPACE]);
        let order_pods = self.pods("order");
        for address in endpoints["subsets"][0]["addresses"].as_array().into_iter().flatten() {
            let pod = address["targetRef"]["name"].as_str().unwrap_or_default().to_owned();
            assert!(
                order_pods.contains(&pod),
                "Service order selects {pod}, not a pod of order"
            );
        }
        self.only_with_header("X-Mesh-Shadow: t1", shop::THROUGH_SHADOWS);
        let other = self.ask(10, &["X-Mesh-Shadow: t2"]);
        assert_eq!(
            other,
            BTreeMap::from([(shop::ALL_V1.to_owned(), 10)]),
            "another header value"
        );
        // The staging password is write-only: not shown by the mesh, not in the copy's template.
        let shown = self.emctl(&["get", "shadowservice", "shadow-order", "-o", "yaml"]);
        assert!(
            !shown.stdout.contains("staging-secret") && shown.stdout.contains("(write-only)"),
            "{}",
            shown.stdout
        );
        let copy = self.node.kubectl(&[
            "get",
            "deployment",
            "order-t1-shadow",
            "-n",
            shop::NAMESPACE,
            "-o",
            "json",
        ]);
        assert!(!copy.contains("staging-secret"), "{copy}");

        self.emctl_in(&["delete", "-f", "-"], Some(shop::SHADOWS)).success();
        wait("the cluster as before the shadows", PATIENCE, || {
            let now = inventory(self)?;
            let pods = self.node.kubectl(&[
                "get",
                "pods",
                "-n",
                shop::NAMESPACE,
                "-l",
                "mesh.megaease.com/shadow-service=true",
                "-o",
                "name",
            ]);
            if now == before && pods.trim().is_empty() {
                Ok(())
            } else {
                Err(format!("{now}\npods: {pods}"))
            }
        });
        self.node
            .kubectl(&["delete", "configmap", "stock-settings", "-n", shop::NAMESPACE]);
    }
}

/// A meshed StatefulSet with a claim template, reading a ConfigMap two shadows share, and a
/// Deployment naming a mesh service without carrying the sidecar.
fn ledger() -> String {
    let image = shop::image();
    format!(
        r#"
apiVersion: v1
kind: ConfigMap
metadata: {{name: shared-settings, namespace: shop}}
data: {{DEMO_APP_NOTE: ""}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ledger
  namespace: shop
  annotations: {{mesh.megaease.com/enable: "true", mesh.megaease.com/service-name: ledger}}
spec:
  replicas: 1
  serviceName: ledger
  selector: {{matchLabels: {{app: ledger}}}}
  template:
    metadata: {{labels: {{app: ledger}}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: app
        image: {image}
        imagePullPolicy: IfNotPresent
        args: [demo-app, --name, ledger, --port, "8080"]
        ports: [{{containerPort: 8080}}]
        envFrom: [{{configMapRef: {{name: shared-settings}}}}]
        volumeMounts: [{{name: data, mountPath: /data}}]
  volumeClaimTemplates:
  - metadata: {{name: data}}
    spec: {{accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 16Mi}}}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: plain
  namespace: shop
  annotations: {{mesh.megaease.com/service-name: plain}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: plain}}}}
  template:
    metadata: {{labels: {{app: plain}}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {{name: app, image: {image}, imagePullPolicy: IfNotPresent, args: [demo-app, --name, plain, --port, "8080"]}}
"#
    )
}

fn ledger_shadow(name: &str, header: &str) -> String {
    format!(
        "apiVersion: mesh.megaease.com/v1alpha1\nkind: ShadowService\nmetadata: {{name: {name}}}\nspec:\n  namespace: shop\n  serviceName: ledger\n  trafficHeaderValue: {header}\n  configMaps:\n  - metadata: {{name: shared-settings}}\n    data: {{DEMO_APP_NOTE: {header}}}\n"
    )
}

const PLAIN_SHADOW: &str = "kind: ShadowService\nmetadata: {name: shadow-plain}\nspec: {namespace: shop, serviceName: plain, trafficHeaderValue: t3}\n";

impl Journey<'_> {
    fn wait_inventory(&self, what: &str, expected: &str) {
        wait(what, PATIENCE, || {
            let now = inventory(self)?;
            if now == expected { Ok(()) } else { Err(now) }
        });
    }

    fn exists(&self, kind: &str, name: &str) -> bool {
        self.node
            .kubectl_status(&["get", kind, name, "-n", shop::NAMESPACE], None)
            .0
    }

    fn wait_exists(&self, kind: &str, name: &str, wanted: bool) {
        let what = format!("{kind}/{name} {}", if wanted { "made" } else { "gone" });
        wait(&what, PATIENCE, || {
            if self.exists(kind, name) == wanted {
                Ok(())
            } else {
                Err(what.clone())
            }
        });
    }

    /// A StatefulSet shadowed twice (copies with claims and ConfigMaps of their own, each cleaned
    /// up alone), its shadow following the source's deletion and re-creation, and a workload
    /// without the sidecar refused.
    pub fn shadow_lifecycle(&mut self) {
        let before = wait("the inventory", PATIENCE, || inventory(self));
        self.node.kubectl_in(&["apply", "-f", "-"], &ledger());
        self.wait_exists("pvc", "data-ledger-0", true);
        let with_source = wait("the inventory", PATIENCE, || inventory(self));
        let shadows = format!(
            "{}---\n{}",
            ledger_shadow("ledger-a", "a1"),
            ledger_shadow("ledger-b", "b1")
        );
        self.emctl_in(&["apply", "-f", "-"], Some(&format!("{shadows}---\n{PLAIN_SHADOW}")))
            .success();
        for header in ["a1", "b1"] {
            let copy = format!("ledger-{header}-shadow");
            self.wait_exists("statefulset", &copy, true);
            self.wait_exists("configmap", &format!("shared-settings-{copy}"), true);
            // The copy's own claim, from the kept claim template.
            self.wait_exists("pvc", &format!("data-{copy}-0"), true);
            let settings = self
                .node
                .json(&["configmap", &format!("shared-settings-{copy}"), "-n", shop::NAMESPACE]);
            assert_eq!(
                settings["data"]["DEMO_APP_NOTE"], header,
                "the override, merged over the copy"
            );
        }
        let source = self.node.json(&["configmap", "shared-settings", "-n", shop::NAMESPACE]);
        assert_eq!(
            source["data"]["DEMO_APP_NOTE"], "",
            "the source's ConfigMap is untouched"
        );
        // The workload without the sidecar is refused, with a message saying why.
        wait("the refusal of a workload without the sidecar", PATIENCE, || {
            let logs = self.node.kubectl(&[
                "logs",
                crate::steps::CONTROL_PLANE_POD,
                "-n",
                crate::steps::MESH_NAMESPACE,
            ]);
            if logs.contains(r#"Deployment \"plain\" cannot be shadowed: its pods carry no mesh sidecar"#)
                || logs.contains(r#"Deployment "plain" cannot be shadowed: its pods carry no mesh sidecar"#)
            {
                Ok(())
            } else {
                Err("not refused yet".to_owned())
            }
        });
        assert!(!self.exists("deployment", "plain-t3-shadow"));

        // One shadow's cleanup leaves the other's objects and the source's alone.
        self.emctl_in(&["delete", "shadowservice", "ledger-a"], None).success();
        self.wait_exists("statefulset", "ledger-a1-shadow", false);
        self.wait_exists("configmap", "shared-settings-ledger-a1-shadow", false);
        self.wait_exists("pvc", "data-ledger-a1-shadow-0", false);
        for (kind, name) in [
            ("statefulset", "ledger-b1-shadow"),
            ("configmap", "shared-settings-ledger-b1-shadow"),
            ("pvc", "data-ledger-b1-shadow-0"),
            ("configmap", "shared-settings"),
        ] {
            assert!(self.exists(kind, name), "{kind}/{name} kept");
        }
        let canaries = self.emctl(&["get", "servicecanaries", "-o", "name"]).stdout;
        assert!(
            !canaries.contains("a1-shadow") && canaries.contains("b1-shadow"),
            "{canaries}"
        );

        // The source goes: its shadow goes; it comes back: so does its shadow.
        self.node
            .kubectl(&["delete", "statefulset", "ledger", "-n", shop::NAMESPACE]);
        self.wait_exists("statefulset", "ledger-b1-shadow", false);
        self.wait_exists("pvc", "data-ledger-b1-shadow-0", false);
        self.node.kubectl_in(&["apply", "-f", "-"], &ledger());
        self.wait_exists("statefulset", "ledger-b1-shadow", true);

        self.emctl_in(
            &["delete", "-f", "-"],
            Some(&format!("{}---\n{PLAIN_SHADOW}", ledger_shadow("ledger-b", "b1"))),
        )
        .success();
        self.wait_inventory("the cluster as with the source alone", &with_source);
        self.node.kubectl(&[
            "delete",
            "statefulset/ledger",
            "deployment/plain",
            "configmap/shared-settings",
            "pvc/data-ledger-0",
            "-n",
            shop::NAMESPACE,
        ]);
        self.wait_inventory("the cluster as before the ledger", &before);
    }
}
