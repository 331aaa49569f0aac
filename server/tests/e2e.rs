//! meshd end to end: the real binary on 127.0.0.1:0 with a temporary store.

#[path = "e2e/mesh.rs"]
mod mesh;
#[path = "e2e/support.rs"]
mod support;

#[path = "e2e/bootstrap.rs"]
mod bootstrap;
#[path = "e2e/crash.rs"]
mod crash;
#[path = "e2e/easemesh_api.rs"]
mod easemesh_api;
#[path = "e2e/http_wire.rs"]
mod http_wire;
#[path = "e2e/ingress_controller.rs"]
mod ingress_controller;
#[path = "e2e/registry_clients.rs"]
mod registry_clients;
#[path = "e2e/resilience.rs"]
mod resilience;
#[path = "e2e/roles.rs"]
mod roles;
#[path = "e2e/shutdown.rs"]
mod shutdown;
#[path = "e2e/sidecar.rs"]
mod sidecar;
#[path = "e2e/sidecar_cache.rs"]
mod sidecar_cache;
#[path = "e2e/webhook.rs"]
mod webhook;
#[path = "e2e/webhook_support.rs"]
mod webhook_support;
#[path = "e2e/write_only.rs"]
mod write_only;
