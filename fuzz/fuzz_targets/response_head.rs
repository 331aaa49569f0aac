//! Response heads (to a GET or a HEAD, picked by the first byte): parsing never panics, takes
//! exactly the head off the buffer, and a head it accepts, written back out, parses the same.
#![no_main]

use bytes::BytesMut;
use hyper::Method;
use libfuzzer_sys::fuzz_target;
use server::proxy::h1::head::{parse_response, write_response_head};

fuzz_target!(|data: &[u8]| {
    let Some((&first, wire)) = data.split_first() else {
        return;
    };
    let method = if first & 1 == 0 { Method::GET } else { Method::HEAD };
    let mut buf = BytesMut::from(wire);
    let Ok(Some(head)) = parse_response(&mut buf, &method) else {
        return;
    };
    assert!(wire.ends_with(&buf), "only the head is taken");
    let mut out = Vec::new();
    write_response_head(&mut out, &head.parts, &[]);
    let again = parse_response(&mut BytesMut::from(&out[..]), &method)
        .expect("a written head parses")
        .expect("a written head is complete");
    assert_eq!(again.parts.status, head.parts.status);
    assert_eq!(again.parts.headers, head.parts.headers);
});
