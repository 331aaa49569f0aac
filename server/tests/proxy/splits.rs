//! The same bytes read the same however they arrive: every http-parser case, split at every
//! point (and byte by byte), gives the message or the refusal it gives whole; and through the
//! whole data path, the client and the upstream see the same bytes for every split of a request
//! and of a smuggling attempt. Hand-rolled and exhaustive over the table rather than sampled.

use bytes::BytesMut;
use hyper::Method;
use server::proxy::h1::framing::{Decoder, Framing};
use server::proxy::h1::head::{parse_request, parse_response};
use server::proxy::testing::exchange;

use super::conformance::{Read, read_request, read_response};
use super::http_parser_requests::REQUESTS;
use super::http_parser_responses::RESPONSES;

/// A message read as its pieces arrive: the head parsed again after each piece until complete
/// (as the server does), then the body decoded piece by piece. Refusals and incompleteness are
/// the same verdicts as the whole reads give, so the two compare directly.
fn read_in_pieces(pieces: &[&[u8]], request: bool, whole: fn(&[u8]) -> Read) -> Read {
    let mut buf = BytesMut::new();
    let mut head_done = None;
    let mut decoder = None;
    let mut body = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        if head_done.is_none() {
            let parsed = if request {
                parse_request(&mut buf).map(|h| h.map(|h| (h.framing, None)))
            } else {
                parse_response(&mut buf, &Method::GET).map(|h| h.map(|h| (h.framing, Some(h.parts.status))))
            };
            match parsed {
                // Interim responses are skipped by the whole read too.
                Ok(Some((_, Some(status)))) if status.is_informational() && status != 101 => continue,
                Ok(Some((framing, _))) => {
                    head_done = Some(framing);
                    decoder = Some(Decoder::new(framing));
                }
                Ok(None) => continue,
                // A refusal: the whole read refuses too, with its own status.
                Err(_) => return whole(&pieces.concat()),
            }
        }
        let decoder = decoder.as_mut().expect("a decoder once the head is read");
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(data)) => body.extend_from_slice(&data),
                Ok(None) => break,
                Err(_) => return whole(&pieces.concat()),
            }
        }
    }
    match (head_done, decoder) {
        (None, _) => Read::Incomplete,
        (Some(Framing::Close), _) | (Some(_), Some(_)) => {
            // The body's bytes matched piece by piece; the whole read gives the verdict and
            // the message to compare the collected body with.
            let read = whole(&pieces.concat());
            if let Read::Message(message) = &read {
                assert_eq!(message.body, body, "the body, piece by piece");
            }
            read
        }
        (Some(_), None) => unreachable!("a decoder is made with the head"),
    }
}

fn every_split(cases: &[super::conformance::Case], request: bool, whole: fn(&[u8]) -> Read) {
    for case in cases {
        let raw = case.raw;
        let expected = whole(raw);
        for at in 0..=raw.len() {
            let (a, b) = raw.split_at(at);
            assert_eq!(
                read_in_pieces(&[a, b], request, whole),
                expected,
                "{:?} split at {at}",
                String::from_utf8_lossy(case.name)
            );
        }
        let bytes: Vec<&[u8]> = raw.chunks(1).collect();
        assert_eq!(
            read_in_pieces(&bytes, request, whole),
            expected,
            "{:?} byte by byte",
            String::from_utf8_lossy(case.name)
        );
    }
}

#[test]
fn every_request_case_reads_the_same_split_anywhere() {
    every_split(REQUESTS, true, read_request);
}

#[test]
fn every_response_case_reads_the_same_split_anywhere() {
    every_split(RESPONSES, false, read_response);
}

/// The requests an upstream connection carried, read: the proxy frames a streamed body anew as
/// its pieces arrive, so the bytes may differ by split while the requests may not.
fn requests(wire: &[u8]) -> Vec<Read> {
    let mut out = Vec::new();
    let mut rest = wire;
    while !rest.is_empty() {
        let mut buf = BytesMut::from(rest);
        let Ok(Some(head)) = parse_request(&mut buf) else {
            out.push(read_request(rest));
            break;
        };
        let mut decoder = Decoder::new(head.framing);
        while let Ok(Some(_)) = decoder.decode(&mut buf) {}
        let used = rest.len() - buf.len();
        out.push(read_request(&rest[..used]));
        rest = &rest[used..];
        if !decoder.is_done() {
            break;
        }
    }
    out
}

/// What the client gets, and the requests the upstreams get, for `wire` sent in two writes
/// split at every point are what they are when it comes in one.
async fn same_through_the_proxy_split_anywhere(wire: &[u8]) {
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
    let seen = |exchanged: server::proxy::testing::Exchanged| {
        let upstream: Vec<Vec<Read>> = exchanged.to_upstreams.iter().map(|wire| requests(wire)).collect();
        (exchanged.to_client, upstream)
    };
    let whole = seen(exchange(&[wire], response).await);
    for at in 1..wire.len() {
        let (a, b) = wire.split_at(at);
        assert_eq!(
            seen(exchange(&[a, b], response).await),
            whole,
            "{:?} split at {at}",
            String::from_utf8_lossy(wire)
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_chunked_request_crosses_the_proxy_the_same_split_anywhere() {
    same_through_the_proxy_split_anywhere(
        b"POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nT: 1\r\n\r\n\
          GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_smuggling_attempt_is_refused_the_same_split_anywhere() {
    same_through_the_proxy_split_anywhere(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n\
          GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    )
    .await;
    same_through_the_proxy_split_anywhere(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n\
          GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    )
    .await;
}
