//! The user journey on a real Kubernetes node (`scripts/kube-node.sh`: kubelet, containerd, CNI,
//! kube-proxy, cluster DNS), with the mesh's real binaries in real pods from the images
//! `scripts/image.sh` builds: install, a shop of plain Deployments moved into the mesh by
//! `emctl migrate`, a canary through the mesh ingress, failures, the dashboard from outside the
//! cluster, and an uninstall that gives the workloads back. Needs root (it brings up a node);
//! `scripts/test.sh` runs it.
//!
//! With `EMESH_JOURNEY_REPORT=FILE` it also writes what it measured (`scripts/bench-kube.sh`).

#[path = "cli/support.rs"]
#[allow(dead_code)]
mod support;

#[path = "journey/dashboard.rs"]
mod dashboard;
#[path = "journey/failures.rs"]
mod failures;
#[path = "journey/node.rs"]
mod node;
#[path = "journey/outside.rs"]
mod outside;
#[path = "journey/report.rs"]
mod report;
#[path = "journey/shadows.rs"]
mod shadows;
#[path = "journey/shop.rs"]
mod shop;
#[path = "journey/steps.rs"]
mod steps;
#[path = "cli/tmux.rs"]
#[allow(dead_code)]
mod tmux;

#[test]
fn the_mesh_on_a_real_node() {
    let node = node::Node::up();
    let mut journey = steps::Journey::new(&node);
    journey.install();
    journey.shop_without_the_mesh();
    journey.migrate();
    journey.canary();
    journey.shadows();
    journey.shadow_lifecycle();
    journey.instance_failures();
    journey.control_plane_outages();
    journey.dashboard_from_outside();
    journey.uninstall();
    journey.report.write();
}
