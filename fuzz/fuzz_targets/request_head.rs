//! Request heads: parsing never panics, takes exactly the head off the buffer, and a head it
//! accepts, written back out, parses to the same request.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use server::proxy::h1::head::{parse_request, write_request_head};

fuzz_target!(|data: &[u8]| {
    let mut buf = BytesMut::from(data);
    let Ok(Some(head)) = parse_request(&mut buf) else {
        return;
    };
    assert!(data.ends_with(&buf), "only the head is taken");
    if head.parts.version != hyper::Version::HTTP_11 {
        return;
    }
    let mut out = Vec::new();
    write_request_head(&mut out, &head.parts, &[]);
    let again = parse_request(&mut BytesMut::from(&out[..]))
        .expect("a written head parses")
        .expect("a written head is complete");
    // The origin form: the path (`/` when empty) and the query.
    let target = |parts: &hyper::http::request::Parts| {
        let path = Some(parts.uri.path()).filter(|p| !p.is_empty()).unwrap_or("/");
        (path.to_owned(), parts.uri.query().map(str::to_owned))
    };
    assert_eq!(again.parts.method, head.parts.method);
    assert_eq!(target(&again.parts), target(&head.parts));
    assert_eq!(again.parts.headers, head.parts.headers);
    assert_eq!(again.framing, head.framing);
});
