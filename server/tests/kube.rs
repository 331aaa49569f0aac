//! meshd against a real Kubernetes control plane (kube-apiserver, kube-controller-manager and
//! etcd from `scripts/kube-local.sh`, one cluster per test). A test binary of its own: cargo
//! runs test binaries one after the other, so starting clusters does not load the machine
//! while the timing-sensitive tests of `e2e` run.

// Shared with the e2e binary, which uses what this one does not.
#[allow(dead_code)]
#[path = "e2e/support.rs"]
mod support;
#[allow(dead_code)]
#[path = "e2e/webhook_support.rs"]
mod webhook_support;

#[path = "e2e/kube_webhook.rs"]
mod kube_webhook;
