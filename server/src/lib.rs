//! meshd: the mesh control plane (REST API, registry, durable store), the data plane
//! ([`proxy`]) and the two processes built on it, the sidecar and the ingress controller. The
//! binaries only parse arguments and call in here.

pub mod catalog;
pub mod control_plane;
pub mod demo_app;
pub mod ingress_controller;
pub mod process;
pub mod proxy;
pub mod sidecar;
pub mod store;
pub mod tls;
