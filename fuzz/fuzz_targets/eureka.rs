//! The Eureka emulation of the sidecar's registry port: any request (method, target, JSON or
//! XML body) is answered without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::sidecar::eureka::{self, Eureka};

fuzz_target!(|data: &[u8]| {
    let Some((method, uri, headers, body)) = emesh_fuzz::request(data, "/eureka/") else {
        return;
    };
    let (runtime, discovery) = emesh_fuzz::shared();
    let _guard = runtime.enter();
    let emulator = Eureka::new(discovery.clone());
    let _ = eureka::handle(&emulator, &method, &uri, &headers, &body);
});
