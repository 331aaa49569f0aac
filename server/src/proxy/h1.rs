//! The data plane's own HTTP/1.1 on both sides of the proxy, over httparse and the `http` types.
//! The bottom layer of [`crate::proxy`]: it owns the message body type and serves or calls over
//! any byte stream ([`io::Socket`]: TCP, or an in-memory `duplex` in tests and fuzzing).
//!
//! Why not hyper here: with hyper, every hop costs a connection task on each side, channels
//! between the request and its connection, and a buffer reallocated per request; measured on the
//! benchmark of issue 4 that was twice nginx's user CPU per request. Here a client connection is
//! one task that reads a request, calls the handler and writes the response, and the upstream
//! exchange runs inside that same task with no channel in between. The control plane, the
//! registry emulation and the admin port stay on axum and hyper.
//!
//! Layers, bottom up: `io` (the byte stream), `conn` and `deadline`; `fields`, `chunk` and
//! `framing` (what a message's fields and body framing say); `head` (parsing and writing heads);
//! `body` and `write`; then `server` (one client connection) and `client` (one upstream exchange).

pub mod body;
pub mod chunk;
pub mod client;
pub mod conn;
pub mod deadline;
pub mod fields;
pub mod framing;
pub mod head;
pub mod io;
pub mod server;
pub mod write;
