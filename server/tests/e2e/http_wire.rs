//! The sidecar's HTTP/1.1 on the wire, written and read byte by byte through the egress of one
//! sidecar and the ingress of another (the real binaries over TCP), one behaviour per test:
//! framing kept (chunked requests, pipelining, HTTP/1.0, 100-continue), hop-by-hop headers
//! dropped, ambiguous framing, bare LF and broken chunks refused, an unread request body not
//! costing the connection, the time limit covering a stalled response body, and an upstream's
//! odd Content-Length normalised before it travels on. The data plane's own in-memory tests
//! (server/tests/proxy.rs) go through every shape; these check the binaries do the same.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::response::Response;
use futures_util::StreamExt as _;
use meshlib::kind::Kind;
use serde_json::json;

use crate::mesh::{App, Sidecar, object, shop_with};
use crate::support::{Meshd, eventually};

/// An app echoing `METHOD PATH`, the request's headers (sorted) and its body; `/stall` sends
/// half of a 10-byte body and then nothing.
fn echo_app() -> App {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = axum::Router::new().fallback(echo);
            axum::serve(listener, app).await.unwrap();
        });
    });
    App {
        port,
        healthy: Arc::new(AtomicBool::new(true)),
        failing: Arc::new(AtomicBool::new(false)),
        calls: Arc::new(AtomicUsize::new(0)),
    }
}

async fn echo(request: Request) -> Response {
    if request.uri().path() == "/stall" {
        let half = futures_util::stream::once(async { Ok::<_, std::io::Error>(Bytes::from_static(b"12345")) })
            .chain(futures_util::stream::pending());
        return Response::builder()
            .header("content-length", "10")
            .body(Body::from_stream(half))
            .unwrap();
    }
    let (parts, body) = request.into_parts();
    let mut headers: Vec<String> = parts
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("?")))
        .collect();
    headers.sort();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let text = format!(
        "{} {}\n{}\n\n{}",
        parts.method,
        parts.uri,
        headers.join("\n"),
        String::from_utf8_lossy(&body)
    );
    Response::new(Body::from(text))
}

/// A response read off the wire.
#[derive(Debug)]
struct Wire {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Wire {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Reads one response (Content-Length, chunked, or to the end of the connection).
fn read_response(reader: &mut BufReader<TcpStream>) -> Wire {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = line.split_whitespace().nth(1).unwrap_or("0").parse().unwrap();
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let field = line.trim_end();
        if field.is_empty() {
            break;
        }
        let (name, value) = field.split_once(':').unwrap();
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    let mut wire = Wire {
        status,
        headers,
        body: String::new(),
    };
    let mut body = Vec::new();
    if status == 100 || status == 204 {
    } else if let Some(length) = wire.header("content-length") {
        body.resize(length.parse().unwrap(), 0);
        reader.read_exact(&mut body).unwrap();
    } else if wire.header("transfer-encoding") == Some("chunked") {
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            let size = usize::from_str_radix(line.trim_end(), 16).unwrap();
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).unwrap();
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        reader.read_to_end(&mut body).unwrap();
    }
    wire.body = String::from_utf8_lossy(&body).into_owned();
    wire
}

fn connect(egress: &str) -> (TcpStream, BufReader<TcpStream>) {
    let stream = TcpStream::connect(egress).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let reader = BufReader::new(stream.try_clone().unwrap());
    (stream, reader)
}

/// Whether the peer has closed the connection (no more bytes, end of input).
fn closed(reader: &mut BufReader<TcpStream>) -> bool {
    let mut rest = Vec::new();
    matches!(reader.read_to_end(&mut rest), Ok(0))
}

/// A control plane with the `shop` services `front` and `back`, the `extra` Services, and a
/// sidecar for each of the two apps (`back_app` behind `back`, an echo app behind `front`).
/// (Fields drop in order: the sidecars before their control plane, the store last.)
struct Pair {
    front: Sidecar,
    _back: Sidecar,
    _apps: (App, App),
    meshd: Meshd,
    _dir: tempfile::TempDir,
}

/// Starts a [`Pair`] and waits until the front sidecar sees `back` UP and every extra Service.
async fn front_to_back(back_app: App, extra: &[(&str, serde_json::Value)]) -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let meshd = Meshd::start(dir.path());
    let client = meshd.client();
    shop_with(&client, &["front", "back"]).await;
    for (name, spec) in extra {
        client.apply(&object(Kind::Service, name, spec.clone())).await.unwrap();
    }
    let front_app = echo_app();
    let back = Sidecar::spawn(&meshd.url, "back", "b-1", &back_app, &[]);
    let front = Sidecar::spawn(&meshd.url, "front", "f-1", &front_app, &[]);
    eventually(
        Duration::from_secs(10),
        "back UP and the extra Services in the front's catalog",
        async || {
            let config = front.config().await;
            let objects = &config["catalog"]["objects"];
            (objects["ServiceInstance"]["back/b-1"]["spec"]["status"] == "UP"
                && extra.iter().all(|(name, _)| objects["Service"][name].is_object()))
            .then_some(())
        },
    )
    .await;
    Pair {
        front,
        _back: back,
        _apps: (back_app, front_app),
        meshd,
        _dir: dir,
    }
}

/// The pair behind most tests: an echo app behind both sidecars, and a `mocked` Service whose
/// mock rule answers `/mocked` with a 418 and framing headers of its own.
async fn echo_pair() -> Pair {
    let mocked = json!({"registerTenant": "shop", "mock": {"enabled": true, "rules": [
        {"match": {"pathPrefix": "/mocked"}, "code": 418, "headers": {"Content-Length": "999", "Transfer-Encoding": "chunked"}, "body": "short and sweet"}]}});
    front_to_back(echo_app(), &[("mocked", mocked)]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_on_a_get_keeps_its_framing_to_the_app() {
    let pair = echo_pair().await;
    let (mut stream, mut reader) = connect(&pair.front.egress().await);
    stream
        .write_all(b"GET /chunked HTTP/1.1\r\nHost: back\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        .unwrap();
    let wire = read_response(&mut reader);
    assert_eq!(wire.status, 200, "{wire:?}");
    assert!(wire.body.starts_with("GET /chunked\n"), "{}", wire.body);
    assert!(wire.body.ends_with("\n\nhello world"), "{}", wire.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_named_in_connection_stop_at_the_sidecar_and_the_connection_goes_on() {
    let pair = echo_pair().await;
    let (mut stream, mut reader) = connect(&pair.front.egress().await);
    stream
        .write_all(b"POST /named HTTP/1.1\r\nHost: back\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\nProxy-Connection: keep-alive\r\nX-Kept: 2\r\nContent-Length: 3\r\n\r\nabc")
        .unwrap();
    let wire = read_response(&mut reader);
    assert_eq!(wire.status, 200, "{wire:?}");
    assert!(wire.body.contains("x-kept: 2"), "{}", wire.body);
    assert!(!wire.body.contains("x-secret"), "{}", wire.body);
    assert!(!wire.body.contains("proxy-connection"), "{}", wire.body);
    assert!(wire.body.ends_with("\n\nabc"), "{}", wire.body);
    stream.write_all(b"GET /again HTTP/1.1\r\nHost: back\r\n\r\n").unwrap();
    assert!(read_response(&mut reader).body.starts_with("GET /again\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_are_answered_in_order() {
    let pair = echo_pair().await;
    let (mut stream, mut reader) = connect(&pair.front.egress().await);
    stream
        .write_all(b"GET /one HTTP/1.1\r\nHost: back\r\n\r\nGET /two HTTP/1.1\r\nHost: back\r\n\r\n")
        .unwrap();
    assert!(read_response(&mut reader).body.starts_with("GET /one\n"));
    assert!(read_response(&mut reader).body.starts_with("GET /two\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expect_100_continue_is_answered_then_the_body_forwarded() {
    let pair = echo_pair().await;
    let (mut stream, mut reader) = connect(&pair.front.egress().await);
    stream
        .write_all(b"PUT /expect HTTP/1.1\r\nHost: back\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut reader).status, 100);
    stream.write_all(b"data").unwrap();
    let wire = read_response(&mut reader);
    assert!(wire.body.ends_with("\n\ndata"), "{}", wire.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mock_skips_the_unread_body_and_uses_its_own_framing() {
    let pair = echo_pair().await;
    let (mut stream, mut reader) = connect(&pair.front.egress().await);
    stream
        .write_all(b"POST /mocked HTTP/1.1\r\nHost: mocked\r\nContent-Length: 5\r\n\r\n12345")
        .unwrap();
    let wire = read_response(&mut reader);
    assert_eq!((wire.status, wire.body.as_str()), (418, "short and sweet"), "{wire:?}");
    assert_eq!(wire.header("transfer-encoding"), None);
    stream.write_all(b"GET /after HTTP/1.1\r\nHost: back\r\n\r\n").unwrap();
    assert!(read_response(&mut reader).body.starts_with("GET /after\n"));
}

/// A mock asked with `Expect: 100-continue` answers at once, without inviting the body; the
/// client may or may not send it, so the connection ends after the answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mock_asked_to_continue_answers_at_once_and_closes() {
    let pair = echo_pair().await;
    let (mut expecting, mut reader) = connect(&pair.front.egress().await);
    expecting
        .write_all(b"POST /mocked HTTP/1.1\r\nHost: mocked\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        .unwrap();
    let wire = read_response(&mut reader);
    assert_eq!(wire.status, 418, "{wire:?}");
    assert_eq!(wire.header("connection"), Some("close"));
    assert!(closed(&mut reader));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_1_0_without_keep_alive_gets_one_answer_then_the_end() {
    let pair = echo_pair().await;
    let (mut old, mut reader) = connect(&pair.front.egress().await);
    old.write_all(b"GET /old HTTP/1.0\r\nHost: back\r\n\r\n").unwrap();
    let wire = read_response(&mut reader);
    assert!(wire.body.starts_with("GET /old\n"), "{wire:?}");
    assert!(closed(&mut reader));
}

/// Content-Length with Transfer-Encoding (request smuggling's way in) is refused and closed;
/// the other shapes are in the data plane's own tests (server/tests/proxy/smuggling.rs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smuggling_framing_is_refused_on_the_wire() {
    let pair = echo_pair().await;
    let (mut bad, mut reader) = connect(&pair.front.egress().await);
    bad.write_all(
        b"POST /smuggle HTTP/1.1\r\nHost: back\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    )
    .unwrap();
    let wire = read_response(&mut reader);
    assert_eq!(wire.status, 400, "{wire:?}");
    assert!(
        wire.body.contains("both Content-Length and Transfer-Encoding"),
        "{}",
        wire.body
    );
    assert!(closed(&mut reader));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_lf_and_a_broken_chunk_get_400_and_the_end_of_the_connection() {
    let pair = echo_pair().await;
    let egress = pair.front.egress().await;
    for wire in [
        &b"GET /bare HTTP/1.1\nHost: back\r\n\r\n"[..],
        b"POST /bad-chunk HTTP/1.1\r\nHost: back\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
    ] {
        let (mut stream, mut reader) = connect(&egress);
        stream.write_all(wire).unwrap();
        let answer = read_response(&mut reader);
        assert_eq!(answer.status, 400, "{wire:?}: {answer:?}");
        assert_eq!(answer.header("connection"), Some("close"), "{answer:?}");
        assert!(closed(&mut reader), "{wire:?}");
    }
}

/// A time limit covers the response body: one that stalls half-way is cut off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_limit_cuts_off_a_stalled_response_body() {
    let limited = json!({"registerTenant": "shop", "resilience": {"timeLimiter": {"timeout": "500ms"}}});
    let pair = front_to_back(echo_app(), &[]).await;
    pair.meshd
        .client()
        .apply(&object(Kind::Service, "back", limited))
        .await
        .unwrap();
    let front = &pair.front;
    eventually(
        Duration::from_secs(10),
        "the time limit in the front's catalog",
        async || {
            let config = front.config().await;
            config["catalog"]["objects"]["Service"]["back"]["spec"]["resilience"]
                .is_object()
                .then_some(())
        },
    )
    .await;
    let (mut slow, mut slow_reader) = connect(&front.egress().await);
    let start = Instant::now();
    slow.write_all(b"GET /stall HTTP/1.1\r\nHost: back\r\n\r\n").unwrap();
    let mut line = String::new();
    slow_reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 200"), "{line}");
    let mut rest = Vec::new();
    let _ = slow_reader.read_to_end(&mut rest);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "cut off after {:?}",
        start.elapsed()
    );
    let text = String::from_utf8_lossy(&rest);
    assert!(text.ends_with("12345"), "half the body, then the end: {text:?}");
}

/// An app answering every request with fixed bytes chosen by its path: Content-Length as a list
/// (`/listed`), repeated (`/repeated`), beside Transfer-Encoding (`/both`) or on a 204
/// (`/nothing`); anything else gets a plain `hello`.
fn raw_app() -> App {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer_raw(stream));
        }
    });
    App {
        port,
        healthy: Arc::new(AtomicBool::new(true)),
        failing: Arc::new(AtomicBool::new(false)),
        calls: Arc::new(AtomicUsize::new(0)),
    }
}

fn answer_raw(mut stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line.trim_end().is_empty() {
                break;
            }
        }
        let response: &[u8] = match path.as_str() {
            "/listed" => b"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello",
            "/repeated" => b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
            "/both" => {
                b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
            }
            "/nothing" => b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
            _ => b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        };
        if stream.write_all(response).is_err() {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstreams_listed_or_repeated_content_length_travels_on_as_one_plain_value() {
    let pair = front_to_back(raw_app(), &[]).await;
    let (mut stream, mut reader) = connect(&pair.front.egress().await);
    for path in ["/listed", "/repeated"] {
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: back\r\n\r\n").as_bytes())
            .unwrap();
        let wire = read_response(&mut reader);
        assert_eq!(wire.status, 200, "{path}: {wire:?}");
        let lengths: Vec<_> = wire.headers.iter().filter(|(k, _)| k == "content-length").collect();
        assert_eq!(
            lengths,
            [&("content-length".to_owned(), "5".to_owned())],
            "{path}: {wire:?}"
        );
        assert_eq!(wire.body, "hello", "{path}");
    }
}

/// Transfer-Encoding wins over Content-Length, which does not travel on; the client's
/// connection carries on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstreams_transfer_encoding_wins_over_its_content_length() {
    let pair = front_to_back(raw_app(), &[]).await;
    let (mut stream, mut reader) = connect(&pair.front.egress().await);
    stream.write_all(b"GET /both HTTP/1.1\r\nHost: back\r\n\r\n").unwrap();
    let wire = read_response(&mut reader);
    assert_eq!(wire.status, 200, "{wire:?}");
    assert_eq!(wire.header("content-length"), None, "{wire:?}");
    assert_eq!(wire.header("transfer-encoding"), Some("chunked"), "{wire:?}");
    assert_eq!(wire.body, "hello");
    stream.write_all(b"GET /plain HTTP/1.1\r\nHost: back\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut reader).body, "hello");
}

/// A 204 never carries a Content-Length (RFC 9110 §8.6), even when the app sends one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_204_never_carries_a_content_length() {
    let pair = front_to_back(raw_app(), &[]).await;
    let (mut stream, mut reader) = connect(&pair.front.egress().await);
    stream
        .write_all(b"GET /nothing HTTP/1.1\r\nHost: back\r\n\r\n")
        .unwrap();
    let wire = read_response(&mut reader);
    assert_eq!(wire.status, 204, "{wire:?}");
    assert_eq!(wire.header("content-length"), None, "{wire:?}");
    stream.write_all(b"GET /plain HTTP/1.1\r\nHost: back\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut reader).body, "hello");
}
