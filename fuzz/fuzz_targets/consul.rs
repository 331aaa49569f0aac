//! The Consul emulation of the sidecar's registry port: any request (method, target with its
//! query, JSON body) is answered without a panic; a blocking query waits at most its `wait`,
//! which the paused clock passes at once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::sidecar::consul::{self, Consul};

fuzz_target!(|data: &[u8]| {
    let Some((method, uri, headers, body)) = emesh_fuzz::request(data, "/v1/") else {
        return;
    };
    let (runtime, discovery) = emesh_fuzz::shared();
    // The emulator spawns the task that follows the catalog, so it is made inside the runtime;
    // the catalog never changes here, and the task ends the first time it runs.
    let _guard = runtime.enter();
    let emulator = Consul::new(discovery.clone());
    let _ = runtime.block_on(consul::handle(&emulator, &method, &uri, &headers, &body));
});
