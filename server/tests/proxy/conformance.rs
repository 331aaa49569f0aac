//! Framing as http-parser 2.9.4's test suite has it (`http_parser_requests.rs`, `http_parser_responses.rs`): every request and
//! response case is either read as http-parser reads it (method, target, version, fields, body,
//! keep-alive), or refused on purpose, for the reason its row in [`REQUEST_VERDICTS`] or
//! [`RESPONSE_VERDICTS`] gives.

use bytes::BytesMut;
use hyper::Method;
use server::proxy::h1::framing::{Decoder, Framing};
use server::proxy::h1::head::{parse_request, parse_response};

use super::http_parser_requests::REQUESTS;
use super::http_parser_responses::RESPONSES;

/// One message of test.c and what http-parser makes of it.
#[derive(Debug)]
pub struct Case {
    pub name: &'static [u8],
    pub raw: &'static [u8],
    pub keep_alive: bool,
    pub version: (u8, u8),
    pub method: &'static str,
    pub url: &'static [u8],
    pub status: u16,
    pub headers: &'static [(&'static [u8], &'static [u8])],
    pub body: &'static [u8],
}

/// What the proxy makes of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// Read whole: its head and body as the proxy sees them.
    Message(Message),
    /// Refused with this status (a request), or as a bad response (status 502), for this reason.
    Refused(u16, String),
    /// Not over with these bytes (a body that runs to the end of the connection, or beyond).
    Incomplete,
}

/// A message as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub method: String,
    pub target: String,
    pub status: u16,
    pub version: hyper::Version,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
    pub keep_alive: bool,
}

/// Reads the body framed as `framing` off `buf`.
fn body(framing: Framing, buf: &mut BytesMut, refused: u16) -> Result<Vec<u8>, Read> {
    let mut decoder = Decoder::new(framing);
    let mut out = Vec::new();
    loop {
        match decoder.decode(buf) {
            Ok(Some(data)) => out.extend_from_slice(&data),
            Ok(None) if decoder.is_done() => return Ok(out),
            Ok(None) if framing == Framing::Close => {
                decoder.end_of_input().expect("a body to the end ends there");
                return Ok(out);
            }
            Ok(None) => return Err(Read::Incomplete),
            Err(err) => return Err(Read::Refused(refused, err.to_string())),
        }
    }
}

fn fields(headers: &hyper::HeaderMap) -> Vec<(String, Vec<u8>)> {
    let mut fields: Vec<_> = headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect();
    fields.sort();
    fields
}

/// What the proxy makes of `wire` as a request.
pub fn read_request(wire: &[u8]) -> Read {
    let mut buf = BytesMut::from(wire);
    let head = match parse_request(&mut buf) {
        Ok(Some(head)) => head,
        Ok(None) => return Read::Incomplete,
        Err(err) => return Read::Refused(err.status().as_u16(), err.to_string()),
    };
    match body(head.framing, &mut buf, 400) {
        Ok(body) => Read::Message(Message {
            method: head.parts.method.to_string(),
            target: head.parts.uri.to_string(),
            status: 0,
            version: head.parts.version,
            headers: fields(&head.parts.headers),
            body,
            keep_alive: head.keep_alive,
        }),
        Err(read) => read,
    }
}

/// What the proxy makes of `wire` as the response to a GET (interim responses skipped).
pub fn read_response(wire: &[u8]) -> Read {
    let mut buf = BytesMut::from(wire);
    loop {
        let head = match parse_response(&mut buf, &Method::GET) {
            Ok(Some(head)) if head.parts.status.is_informational() && head.parts.status != 101 => continue,
            Ok(Some(head)) => head,
            Ok(None) => return Read::Incomplete,
            Err(err) => return Read::Refused(502, err.to_string()),
        };
        return match body(head.framing, &mut buf, 502) {
            Ok(body) => Read::Message(Message {
                method: String::new(),
                target: String::new(),
                status: head.parts.status.as_u16(),
                version: head.parts.version,
                headers: fields(&head.parts.headers),
                body,
                keep_alive: head.keep_alive,
            }),
            Err(read) => read,
        };
    }
}

/// What http-parser makes of a case, in the same terms.
fn expected(case: &Case) -> Message {
    let mut headers: Vec<_> = case
        .headers
        .iter()
        .map(|(name, value)| (String::from_utf8_lossy(name).to_ascii_lowercase(), value.to_vec()))
        .collect();
    headers.sort();
    Message {
        method: case.method.to_owned(),
        target: String::from_utf8_lossy(case.url).into_owned(),
        status: case.status,
        version: if case.version == (1, 0) {
            hyper::Version::HTTP_10
        } else {
            hyper::Version::HTTP_11
        },
        headers,
        body: case.body.to_vec(),
        keep_alive: case.keep_alive,
    }
}

/// How the proxy departs from http-parser on a case, and why.
#[derive(Debug, Clone, Copy)]
pub enum Verdict {
    /// Read as http-parser reads it.
    Same,
    /// Read, but the proxy's view differs from http-parser's in the way the text says
    /// (checked by hand when the table was made; the rest must still agree).
    Differs(&'static str),
    /// Refused with this status, with a reason that says this.
    Refused(u16, &'static str),
}

/// `(index in REQUESTS, verdict)` for every request case the proxy does not read as
/// http-parser does; every other case must read the same.
pub const REQUEST_VERDICTS: &[(usize, Verdict)] = &[
    (3, Verdict::Differs(FRAGMENT)),
    (7, Verdict::Differs(FRAGMENT)),
    (
        10,
        Verdict::Differs("trailer fields are read and dropped, not added to the head's fields"),
    ),
    (12, Verdict::Refused(400, "invalid uri character")), // `"` is no URI character (RFC 3986)
    (17, Verdict::Refused(501, "CONNECT")),
    (19, Verdict::Refused(400, "invalid token")), // HTTP/0.9's request line
    (
        20,
        Verdict::Differs("http-parser's name for M-SEARCH is MSEARCH; the method is M-SEARCH"),
    ),
    (21, Verdict::Refused(400, OBS_FOLD)),
    (22, Verdict::Differs(ABSOLUTE_FORM)),
    (23, Verdict::Differs(ABSOLUTE_FORM)),
    (24, Verdict::Differs(ABSOLUTE_FORM)),
    (26, Verdict::Refused(501, "CONNECT")),
    (27, Verdict::Differs(FRAGMENT)),
    (28, Verdict::Refused(501, "CONNECT")),
    (34, Verdict::Refused(400, OBS_FOLD)),
    (35, Verdict::Refused(400, OBS_FOLD)),
    (37, Verdict::Refused(400, OBS_FOLD)),
    (39, Verdict::Refused(501, "CONNECT")),
    (43, Verdict::Refused(400, "invalid HTTP version")), // ICE/1.0
    (44, Verdict::Refused(501, "transfer codings other than chunked")),
    (45, Verdict::Refused(400, OBS_FOLD)),
    (46, Verdict::Refused(400, "both Content-Length and Transfer-Encoding")), // request smuggling's way in
];

/// A fragment never travels (RFC 9110 §4.2.4): `http::Uri` leaves it out of the target.
const FRAGMENT: &str = "the target's fragment is dropped";
/// A target in absolute form is normalised (`http://host` gets its `/`); it goes upstream in
/// origin form in any case.
const ABSOLUTE_FORM: &str = "an absolute-form target gets its empty path as /";
/// obs-fold (a field continued on the next line) in a request is refused (RFC 9112 §5.2): httparse
/// sees the continuation as a field with a bad name.
const OBS_FOLD: &str = "invalid header name";

/// The same for the responses (a response the proxy refuses is a bad gateway: 502).
pub const RESPONSE_VERDICTS: &[(usize, Verdict)] = &[
    (
        0,
        Verdict::Differs("trailing whitespace of a field value is trimmed (RFC 9110 §5.5)"),
    ),
    (
        6,
        Verdict::Differs("Proxy-Connection, not standard, is dropped as hop-by-hop and does not close"),
    ),
    (11, Verdict::Refused(502, "invalid HTTP version")), // HTTP/0.9
    (19, Verdict::Refused(502, "invalid header name")),  // a space inside a field name
    (24, Verdict::Differs(UPGRADE)),
    (25, Verdict::Differs(UPGRADE)),
];

/// 101 Switching Protocols ends the message: the mesh does not proxy upgrades (the exchange
/// fails with 502), so what follows is never read as a body.
const UPGRADE: &str = "a 101 response has no body";

fn verdict(table: &[(usize, Verdict)], index: usize) -> Verdict {
    table
        .iter()
        .find(|(i, _)| *i == index)
        .map_or(Verdict::Same, |(_, verdict)| *verdict)
}

/// The Host the tables add to an HTTP/1.1 request case that has none.
const HOST: &str = "conformance.test";

/// `raw` with a `Host` field after its request line.
fn with_host(raw: &[u8]) -> Vec<u8> {
    let start = raw.iter().position(|&b| b != b'\r' && b != b'\n').unwrap_or(0);
    let end = start
        + raw[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len() - start, |i| i + 1);
    [&raw[..end], format!("Host: {HOST}\r\n").as_bytes(), &raw[end..]].concat()
}

/// Whether an HTTP/1.1 request case has no Host field, which the proxy refuses (RFC 9112 §3.2).
fn lacks_host(case: &Case) -> bool {
    case.version == (1, 1) && !case.headers.iter().any(|(name, _)| name.eq_ignore_ascii_case(b"host"))
}

fn check(cases: &[Case], verdicts: &[(usize, Verdict)], read: fn(&[u8]) -> Read, kind: &str) {
    let mut wrong = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let name = String::from_utf8_lossy(case.name);
        let mut theirs = expected(case);
        let mut raw = case.raw.to_vec();
        if kind == "request" && lacks_host(case) {
            // Refused as it stands; its framing is then checked with a Host added.
            match read(case.raw) {
                Read::Refused(400, _) => {}
                other => wrong.push(format!("{kind} {index} {name:?} without Host: {other:?}")),
            }
            raw = with_host(case.raw);
            theirs.headers.push(("host".to_owned(), HOST.as_bytes().to_vec()));
            theirs.headers.sort();
        }
        if kind == "response" {
            theirs.method.clear();
            theirs.target.clear();
        }
        let ours = read(&raw);
        let verdict = verdict(verdicts, index);
        let ok = match (verdict, &ours) {
            (Verdict::Same, Read::Message(message)) => *message == theirs,
            (Verdict::Differs(_), Read::Message(_)) => true,
            (Verdict::Refused(status, reason), Read::Refused(got, why)) => status == *got && why.contains(reason),
            _ => false,
        };
        if !ok {
            let shown = |m: &Message| {
                let headers: Vec<String> = m
                    .headers
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", String::from_utf8_lossy(v)))
                    .collect();
                format!(
                    "{} {} {} {:?} [{}] body {:?} keep-alive {}",
                    m.method,
                    m.target,
                    m.status,
                    m.version,
                    headers.join("; "),
                    String::from_utf8_lossy(&m.body),
                    m.keep_alive
                )
            };
            let ours = match &ours {
                Read::Message(m) => shown(m),
                other => format!("{other:?}"),
            };
            let note = match verdict {
                Verdict::Same => "read as http-parser reads it",
                Verdict::Differs(how) => how,
                Verdict::Refused(_, why) => why,
            };
            wrong.push(format!(
                "{kind} {index} {name:?} (expected: {note}):\n  ours:   {ours}\n  theirs: {}",
                shown(&theirs)
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cases read otherwise:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn requests_read_as_http_parser_reads_them_or_are_refused_for_a_reason() {
    check(REQUESTS, REQUEST_VERDICTS, read_request, "request");
}

#[test]
fn responses_read_as_http_parser_reads_them_or_are_refused_for_a_reason() {
    check(RESPONSES, RESPONSE_VERDICTS, read_response, "response");
}
