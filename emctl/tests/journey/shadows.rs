//! Shadows of the whole shop: copies registered as canary instances, reached only with
//! `X-Mesh-Shadow`, seeing their overridden environment and ConfigMap, and gone without a trace
//! when their ShadowServices are deleted.

use std::collections::BTreeMap;

use crate::node::wait;
use crate::shop;
use crate::steps::{INSTALL, Journey, PATIENCE};

/// Every object a shadow could leave behind: the shop's workloads, ConfigMaps, Secrets and
/// claims, and the mesh's canaries.
fn inventory(journey: &Journey<'_>) -> String {
    let kinds = "deployments,statefulsets,replicasets,configmaps,secrets,persistentvolumeclaims";
    let mut names: Vec<String> = journey
        .node
        .kubectl(&["get", kinds, "-n", shop::NAMESPACE, "-o", "name"])
        .lines()
        .map(str::to_owned)
        .collect();
    names.sort();
    let canaries = journey.emctl(&["get", "servicecanaries", "-o", "name"]).stdout;
    format!("{}\n--- canaries\n{canaries}", names.join("\n"))
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
        let before = inventory(self);
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
        wait("X-Mesh-Shadow: t1 goes through the copies", PATIENCE, || {
            crate::node::http_get(&self.ingress, &["X-Mesh-Shadow: t1"]).and_then(|a| {
                if a.trim() == shop::THROUGH_SHADOWS {
                    Ok(())
                } else {
                    Err(a)
                }
            })
        });
        let with = self.ask(10, &["X-Mesh-Shadow: t1"]);
        assert_eq!(with, BTreeMap::from([(shop::THROUGH_SHADOWS.to_owned(), 10)]));
        let without = self.ask(30, &[]);
        assert_eq!(
            without,
            BTreeMap::from([(shop::ALL_V1.to_owned(), 30)]),
            "never a shadow without the header"
        );
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
            let now = inventory(self);
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
