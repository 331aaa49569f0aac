//! Inputs the fuzzers found, each a test (docs/fuzzing.md lists them with their targets).

use bytes::BytesMut;
use server::proxy::h1::head::{parse_request, write_request_head};
use server::proxy::testing::exchange;

/// `request_head`, crash-2960954: a target in absolute form with a query and no path
/// (`http://host?q`) was written upstream as `GET ?q HTTP/1.1`, which is no request line.
#[tokio::test(start_paused = true)]
async fn r_request_head_an_absolute_target_without_a_path_goes_on_as_slash() {
    let wire =
        b"GET http://orders:8080?b HTTP/1.1\r\nHost: orders:8080\r\nConnection: close, X-Secret\r\nX-Secret: 1\r\n\r\n";
    let head = parse_request(&mut BytesMut::from(&wire[..])).unwrap().unwrap();
    let mut out = Vec::new();
    write_request_head(&mut out, &head.parts, &[]);
    assert!(
        out.starts_with(b"GET /?b HTTP/1.1\r\n"),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
    assert!(parse_request(&mut BytesMut::from(&out[..])).unwrap().is_some());

    let exchanged = exchange(&[wire], b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").await;
    let upstream = String::from_utf8_lossy(&exchanged.to_upstreams[0]).into_owned();
    assert!(upstream.starts_with("GET /?b HTTP/1.1\r\n"), "{upstream:?}");
}

/// Found writing the `connection` target's oracle (what reaches an upstream must parse): an
/// HTTP/1.0 request without Host travelled on as HTTP/1.1 without one, which the next sidecar
/// refused with 400. It now gets an empty Host, as RFC 9112 §3.2 has it.
#[tokio::test(start_paused = true)]
async fn r_connection_an_http_1_0_request_without_host_reaches_the_upstream_parseable() {
    let exchanged = exchange(
        &[b"GET /old HTTP/1.0\r\n\r\n"],
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    )
    .await;
    let upstream = &exchanged.to_upstreams[0];
    let head = parse_request(&mut BytesMut::from(&upstream[..])).unwrap().unwrap();
    assert_eq!(head.parts.headers["host"], "");
    assert!(exchanged.to_client.starts_with(b"HTTP/1.1 200 OK\r\n"));
}

/// `connection`, crash-73f6e5e1: an HTTP/1.0 request with two Host headers was accepted (only
/// HTTP/1.1 was held to exactly one) and travelled on as HTTP/1.1 with both, which the next hop
/// must refuse. RFC 9112 §3.2 refuses more than one Host in any request: 400, nothing upstream.
#[tokio::test(start_paused = true)]
async fn r_connection_an_http_1_0_request_with_two_hosts_is_refused() {
    let exchanged = exchange(
        &[b"PUT /upload HTTP/1.0\r\nHost: a\r\nHost: b\r\nContent-Length: 0\r\n\r\n"],
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    )
    .await;
    assert!(
        exchanged.to_client.starts_with(b"HTTP/1.1 400 "),
        "{:?}",
        String::from_utf8_lossy(&exchanged.to_client)
    );
    assert!(
        exchanged.to_upstreams.iter().all(|wire| wire.is_empty()),
        "{:?}",
        exchanged.to_upstreams
    );
}
