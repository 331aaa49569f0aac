//! meshd: the mesh control plane (REST API, registry, durable store) and, in later modules, the
//! sidecar. The binary in `main.rs` only parses arguments and calls in here.

pub mod control_plane;
pub mod demo_app;
pub mod ingress_controller;
pub mod process;
pub mod sidecar;
pub mod store;
pub mod tls;
