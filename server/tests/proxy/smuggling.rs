//! Every request-smuggling shape is refused with 400 and the connection closed, before anything
//! the client smuggled reaches an upstream: two framings at once (CL.TE, TE.CL), obfuscated or
//! doubled Transfer-Encoding, obs-fold, bare LF, NUL, and chunk-size tricks. Each shape goes
//! through the whole data path in memory (client → h1 → forwarder → upstream).

use server::proxy::testing::exchange;

/// The upstream's answer to anything that reaches it.
const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// Sends `wire` (which smuggles a `GET /smuggled` request behind the first, where it can) and
/// checks: one answer, 400, the connection closed after it, nothing smuggled forwarded.
async fn refused(shape: &str, wire: &[u8]) {
    let exchanged = exchange(&[wire], OK).await;
    let answer = String::from_utf8_lossy(&exchanged.to_client);
    assert!(answer.starts_with("HTTP/1.1 400 "), "{shape}: {answer:?}");
    assert!(answer.contains("\r\nconnection: close\r\n"), "{shape}: {answer:?}");
    assert_eq!(
        answer.matches("HTTP/1.1 ").count(),
        1,
        "{shape}: one answer only: {answer:?}"
    );
    for upstream in &exchanged.to_upstreams {
        let seen = String::from_utf8_lossy(upstream);
        assert!(!seen.contains("/smuggled"), "{shape}: smuggled through: {seen:?}");
    }
}

/// `head` followed by `body` and a request it would smuggle.
fn shape(head: &str, body: &str) -> Vec<u8> {
    format!("{head}\r\n\r\n{body}GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n").into_bytes()
}

#[tokio::test(start_paused = true)]
async fn two_framings_at_once_are_refused() {
    for (name, head, body) in [
        (
            "CL.TE",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked",
            "0\r\n\r\n",
        ),
        (
            "TE.CL",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3",
            "2a\r\n",
        ),
        (
            "two lengths",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 40",
            "",
        ),
        (
            "a listed length that differs",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0, 40",
            "",
        ),
        (
            "a signed length",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +0",
            "",
        ),
        ("a hex length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x0", ""),
        (
            "a negative length",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1",
            "",
        ),
        (
            "Transfer-Encoding in HTTP/1.0",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked",
            "0\r\n\r\n",
        ),
    ] {
        refused(name, &shape(head, body)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn obfuscated_or_doubled_transfer_encoding_is_refused() {
    for (name, field) in [
        ("not chunked", "Transfer-Encoding: xchunked"),
        ("chunked not last", "Transfer-Encoding: chunked, identity"),
        ("a parameter", "Transfer-Encoding: chunked;q=1"),
        ("empty", "Transfer-Encoding: "),
        ("space before the colon", "Transfer-Encoding : chunked"),
        ("a vertical tab", "Transfer-Encoding:\x0bchunked"),
        ("doubled in one field", "Transfer-Encoding: chunked, chunked"),
        (
            "doubled in two fields",
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
        ),
        (
            "a second field not chunked",
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: x",
        ),
    ] {
        let head = format!("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n{field}");
        refused(name, &shape(&head, "0\r\n\r\n")).await;
        let alone = format!("POST / HTTP/1.1\r\nHost: a\r\n{field}");
        refused(&format!("{name}, without Content-Length"), &shape(&alone, "0\r\n\r\n")).await;
    }
}

#[tokio::test(start_paused = true)]
async fn obs_fold_is_refused() {
    for (name, head) in [
        (
            "a folded Transfer-Encoding",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked",
        ),
        (
            "a folded Content-Length",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n 40",
        ),
        ("a folded field", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\t2"),
    ] {
        refused(name, &shape(head, "")).await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_bare_lf_is_refused_in_a_head_and_in_a_chunk_line() {
    for (name, wire) in [
        ("after the request line", &b"GET / HTTP/1.1\nHost: a\r\n\r\n"[..]),
        ("after a field", b"GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n"),
        (
            "hiding a field",
            b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        ),
        ("ending the head", b"GET / HTTP/1.1\r\nHost: a\n\n"),
        ("before the request line", b"\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        (
            "after a chunk size",
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
        ),
        (
            "after a chunk's data",
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n",
        ),
        (
            "after the last chunk",
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\n\r\n",
        ),
        (
            "in an extension",
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a\nb\r\nhello\r\n0\r\n\r\n",
        ),
        (
            "after a trailer",
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\n\r\n",
        ),
    ] {
        let mut wire = wire.to_vec();
        wire.extend_from_slice(b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
        refused(name, &wire).await;
    }
}

#[tokio::test(start_paused = true)]
async fn nul_and_stray_cr_are_refused() {
    for (name, wire) in [
        ("NUL in a value", &b"GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"[..]),
        ("NUL in a name", b"GET / HTTP/1.1\r\nHost: a\r\nX\0Y: 1\r\n\r\n"),
        ("NUL in the target", b"GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n"),
        (
            "NUL in a chunk size",
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\0\r\nhello\r\n0\r\n\r\n",
        ),
        ("CR alone in a value", b"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n"),
    ] {
        let mut wire = wire.to_vec();
        wire.extend_from_slice(b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
        refused(name, &wire).await;
    }
}

#[tokio::test(start_paused = true)]
async fn chunk_size_tricks_are_refused() {
    for (name, size) in [
        ("no size", ""),
        ("a sign", "+5"),
        ("a minus", "-5"),
        ("a hex prefix", "0x5"),
        ("a space first", " 5"),
        ("two numbers", "5 5"),
        ("17 digits, 5 when truncated", "10000000000000005"),
        ("17 digits of zero", "00000000000000005"),
        ("a size past u64", "fffffffffffffffff"),
        ("an empty extension", "5;"),
        ("an extension with no name", "5;=x"),
        ("an open quoted extension", "5;a=\"x"),
        ("CR in an extension", "5;a\rb"),
    ] {
        let wire = format!(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\nhello\r\n0\r\n\r\n\
             GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        );
        refused(name, wire.as_bytes()).await;
    }
    let endless = format!(
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;{}\r\nhello\r\n0\r\n\r\n",
        "a".repeat(5000)
    );
    refused("an extension past the bound", endless.as_bytes()).await;
}

#[tokio::test(start_paused = true)]
async fn chunk_extensions_within_the_bound_are_accepted_and_dropped() {
    let wire = b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\
        5;name=value;q=\"a;b\\\"c\"\r\nhello\r\n6 ; last\r\n world\r\n0;done\r\nX-T: 1\r\n\r\n";
    let exchanged = exchange(&[wire], OK).await;
    assert!(exchanged.to_client.starts_with(b"HTTP/1.1 200 OK\r\n"));
    let upstream = String::from_utf8_lossy(&exchanged.to_upstreams[0]).into_owned();
    let (head, body) = upstream.split_once("\r\n\r\n").expect("a head");
    assert!(head.contains("\r\ntransfer-encoding: chunked"), "{head:?}");
    assert!(body.ends_with("\r\n0\r\n\r\n"), "{body:?}");
    let data: String = body.split("\r\n").skip(1).step_by(2).collect();
    assert_eq!(data, "hello world", "the data, newly framed: {body:?}");
    for dropped in ["name", "last", "done", "X-T"] {
        assert!(!body.contains(dropped), "{dropped} went on: {body:?}");
    }
}
