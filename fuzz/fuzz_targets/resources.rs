//! The resource decoder (YAML or JSON, one or many documents, `kind: List`): never panics, and
//! every document comes out as a resource or a reported problem.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for decoded in meshlib::decode::decode_str(text, "fuzz") {
        if let Err(err) = decoded.result {
            let _ = err.to_string();
        }
    }
});
