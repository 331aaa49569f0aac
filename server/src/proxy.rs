//! The data plane: everything a request meets between a client and an upstream, shared by the
//! sidecar and the ingress controller, which build on it. It imports nothing from either.
//!
//! Bottom up (a module imports only from those before it):
//! - [`h1`]: HTTP/1.1 over any byte stream — heads, framing, the body type, serving one client
//!   connection, one upstream exchange;
//! - [`metrics`]: the traffic counters by direction and service;
//! - [`pool`]: kept-alive upstream connections;
//! - [`forward`]: one request to one upstream address, within a time limit;
//! - [`respond`]: every response the data plane makes itself, from a typed [`respond::Refusal`];
//! - [`call`]: the outbound call to a mesh service (mocks, routing, circuit breakers, retries);
//! - [`listener`]: accepting connections and serving them until a graceful stop;
//! - `testing` (feature `test-util`): the whole data path over in-memory streams, for tests and
//!   fuzzing.

pub mod call;
pub mod forward;
pub mod h1;
pub mod listener;
pub mod metrics;
pub mod pool;
pub mod respond;
#[cfg(feature = "test-util")]
pub mod testing;
