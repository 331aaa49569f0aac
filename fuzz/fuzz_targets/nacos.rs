//! The Nacos emulation of the sidecar's registry port: any request (method, target, form body)
//! is answered without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::sidecar::nacos::{self, Nacos};

fuzz_target!(|data: &[u8]| {
    let Some((method, uri, _, body)) = emesh_fuzz::request(data, "/nacos/") else {
        return;
    };
    let (runtime, discovery) = emesh_fuzz::shared();
    let _guard = runtime.enter();
    let emulator = Nacos::new(discovery.clone());
    let _ = nacos::handle(&emulator, &method, &uri, &body);
});
