//! A whole connection in memory: a client's bytes (sent in two writes) through the proxy to an
//! upstream answering with bytes of its own, and back. Nothing panics or hangs, the client
//! hears only HTTP/1.1 from the proxy, and whatever reaches the upstream is well-framed HTTP/1.1
//! (complete requests, then at most the start of one the client broke off).
//!
//! Input: two bytes giving the client's length (little-endian), the client's bytes, then the
//! upstream's; the third byte picks where the client's bytes are split.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use server::proxy::h1::framing::Decoder;
use server::proxy::h1::head::parse_request;
use server::proxy::testing::exchange;

/// Checks that `wire` is a run of requests the proxy's own parser accepts, perhaps cut short.
fn well_framed(wire: &[u8]) {
    let mut buf = BytesMut::from(wire);
    while !buf.is_empty() {
        let head = match parse_request(&mut buf) {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(err) => panic!(
                "the upstream got a bad head ({err}): {:?}",
                String::from_utf8_lossy(wire)
            ),
        };
        let mut decoder = Decoder::new(head.framing);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(_)) => {}
                Ok(None) if decoder.is_done() => break,
                Ok(None) => return,
                Err(err) => panic!(
                    "the upstream got a badly framed body ({err}): {:?}",
                    String::from_utf8_lossy(wire)
                ),
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((length, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let length = usize::from(u16::from_le_bytes(*length)).min(rest.len());
    let (client, upstream) = rest.split_at(length);
    let split = usize::from(client.first().copied().unwrap_or(0)).min(client.len());
    let (first, second) = client.split_at(split);
    let exchanged = emesh_fuzz::runtime().block_on(exchange(&[first, second], upstream));
    assert!(
        exchanged.to_client.is_empty() || exchanged.to_client.starts_with(b"HTTP/1.1 "),
        "{:?}",
        String::from_utf8_lossy(&exchanged.to_client)
    );
    for wire in &exchanged.to_upstreams {
        well_framed(wire);
    }
});
