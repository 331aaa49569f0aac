//! Message heads: a request or response head parsed out of a read buffer (with httparse) into
//! the `http` crate's types without copying header values, with the framing and keep-alive its
//! fields imply ([`super::fields`]), and heads written back out.

use std::mem::MaybeUninit;
use std::ops::Range;

use bytes::{Bytes, BytesMut};
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::http::{request, response};
use hyper::{Method, Request, Response, StatusCode, Uri, Version};

use super::fields::{Coding, HOP_BY_HOP, Length, keeps_alive, transfer_encoding};
use super::framing::Framing;

/// The largest head accepted.
pub const MAX_HEAD: usize = 64 * 1024;
/// The most header fields accepted in one head.
const MAX_FIELDS: usize = 100;

/// A head that cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeadError {
    /// Not HTTP/1.x syntax.
    #[error("malformed message head: {0}")]
    Malformed(String),
    /// Too long or too many fields.
    #[error("message head longer than {MAX_HEAD} bytes or with more than {MAX_FIELDS} fields")]
    TooLarge,
    /// Framing headers that contradict each other or cannot be honoured.
    #[error("{0}")]
    Framing(&'static str),
    /// Valid HTTP the mesh does not proxy.
    #[error("{0}")]
    Unsupported(&'static str),
}

impl HeadError {
    /// The status a client gets for it.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::TooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::Malformed(_) | Self::Framing(_) => StatusCode::BAD_REQUEST,
            Self::Unsupported(_) => StatusCode::NOT_IMPLEMENTED,
        }
    }
}

/// A parsed request head.
#[derive(Debug)]
pub struct RequestHead {
    /// Method, target, version and headers.
    pub parts: request::Parts,
    /// How its body is delimited.
    pub framing: Framing,
    /// Whether the client keeps the connection open after the exchange.
    pub keep_alive: bool,
    /// Whether the client waits for `100 Continue` before sending its body.
    pub expect_continue: bool,
    /// Whether it has hop-by-hop fields to strip before forwarding.
    pub hop_by_hop: bool,
}

/// A parsed response head.
#[derive(Debug)]
pub struct ResponseHead {
    /// Status, version and headers.
    pub parts: response::Parts,
    /// How its body is delimited.
    pub framing: Framing,
    /// Whether the upstream keeps the connection open after the exchange.
    pub keep_alive: bool,
    /// Whether it has hop-by-hop fields to strip before forwarding.
    pub hop_by_hop: bool,
}

/// Where a field's name and value lie in the head (a head is at most [`MAX_HEAD`] bytes, so
/// `u32` offsets suffice and keep the array to clear small).
#[derive(Clone, Copy, Default)]
struct Span {
    name: (u32, u32),
    value: (u32, u32),
}

fn range((start, end): (u32, u32)) -> Range<usize> {
    start as usize..end as usize
}

/// Where `part` lies within `base` (it is a sub-slice of it, at most a head long).
#[allow(clippy::cast_possible_truncation)]
fn offset(base: &[u8], part: &[u8]) -> (u32, u32) {
    let start = part.as_ptr() as usize - base.as_ptr() as usize;
    (start as u32, (start + part.len()) as u32)
}

/// Header slots for the parser, left uninitialised (clearing them would cost more than parsing).
fn slots<'b>() -> [MaybeUninit<httparse::Header<'b>>; MAX_FIELDS] {
    [const { MaybeUninit::uninit() }; MAX_FIELDS]
}

fn spans(base: &[u8], fields: &[httparse::Header<'_>], out: &mut [Span; MAX_FIELDS]) -> usize {
    for (span, field) in out.iter_mut().zip(fields) {
        *span = Span {
            name: offset(base, field.name.as_bytes()),
            value: offset(base, field.value),
        };
    }
    fields.len()
}

/// Which fields that matter to framing and forwarding a head has, noted while its map is built
/// so that a head without them (the usual case) costs no lookups.
#[derive(Debug, Clone, Copy, Default)]
struct Seen {
    hop_by_hop: bool,
    connection: bool,
    transfer_encoding: bool,
    /// `Content-Length`, folded as its fields are read (no lookup or second parse later).
    length: Length,
    expect: bool,
    hosts: u8,
}

/// The header map of a head, sharing the head's bytes.
fn header_map(head: &Bytes, spans: &[Span]) -> Result<(HeaderMap, Seen), HeadError> {
    let mut headers = HeaderMap::with_capacity(spans.len());
    let mut seen = Seen::default();
    for span in spans {
        let name = HeaderName::from_bytes(&head[range(span.name)])
            .map_err(|_| HeadError::Malformed("invalid header name".to_owned()))?;
        let value = HeaderValue::from_maybe_shared(head.slice(range(span.value)))
            .map_err(|_| HeadError::Malformed(format!("invalid value of header {name}")))?;
        if name == header::HOST {
            seen.hosts = seen.hosts.saturating_add(1);
        } else if name == header::CONTENT_LENGTH {
            seen.length.add(value.as_bytes());
        } else if name == header::EXPECT {
            seen.expect = true;
        } else if HOP_BY_HOP.contains(&name) {
            seen.hop_by_hop = true;
            seen.connection |= name == header::CONNECTION;
            seen.transfer_encoding |= name == header::TRANSFER_ENCODING;
        }
        headers.append(name, value);
    }
    Ok((headers, seen))
}

fn partial(buf: &BytesMut) -> Result<Option<usize>, HeadError> {
    if buf.len() > MAX_HEAD {
        Err(HeadError::TooLarge)
    } else {
        Ok(None)
    }
}

fn complete(
    parsed: Result<httparse::Status<usize>, httparse::Error>,
    buf: &BytesMut,
) -> Result<Option<usize>, HeadError> {
    match parsed {
        Ok(httparse::Status::Complete(len)) if len > MAX_HEAD => Err(HeadError::TooLarge),
        Ok(httparse::Status::Complete(len)) => Ok(Some(len)),
        Ok(httparse::Status::Partial) => partial(buf),
        Err(httparse::Error::TooManyHeaders) => Err(HeadError::TooLarge),
        Err(err) => Err(HeadError::Malformed(err.to_string())),
    }
}

fn version(minor: Option<u8>) -> Version {
    if minor == Some(0) {
        Version::HTTP_10
    } else {
        Version::HTTP_11
    }
}

/// Whether a head httparse accepted ends a line in a bare LF. httparse takes those; this proxy
/// does not (RFC 9112 §2.2), since a peer reading the same bytes differently is how requests are
/// smuggled. httparse refuses a CR that no LF follows and obs-fold, so every LF of a head it
/// accepted ends a line, and every line ends right before a field's name, in the head's closing
/// blank line, or among the empty lines it skips before the request line (`start` is where that
/// begins): looking at those few places is enough. (Counting CRs and LFs over the whole head cost
/// about 900 instructions a request.)
fn has_bare_lf(head: &[u8], start: usize, spans: &[Span]) -> bool {
    let crlf_before = |at: usize| at >= 2 && &head[at - 2..at] == b"\r\n";
    !head.ends_with(b"\r\n\r\n")
        || head[..start].chunks(2).any(|pair| pair != b"\r\n")
        || spans.iter().any(|span| !crlf_before(span.name.0 as usize))
}

/// Takes a complete request head out of `buf`; `Ok(None)` when more input is needed.
///
/// # Errors
/// The head is malformed (a bare LF among its line ends included), too large, or frames its body
/// ambiguously (both `Content-Length` and `Transfer-Encoding`, an encoding other than chunked
/// last, chunked twice: the inputs of request smuggling).
pub fn parse_request(buf: &mut BytesMut) -> Result<Option<RequestHead>, HeadError> {
    let mut fields = slots();
    let mut spans_at = [Span::default(); MAX_FIELDS];
    let mut parsed = httparse::Request::new(&mut []);
    let Some(len) = complete(parsed.parse_with_uninit_headers(buf, &mut fields), buf)? else {
        return Ok(None);
    };
    let count = spans(buf, parsed.headers, &mut spans_at);
    let start = parsed
        .method
        .map_or(0, |method| offset(buf, method.as_bytes()).0 as usize);
    if has_bare_lf(&buf[..len], start, &spans_at[..count]) {
        return Err(HeadError::Malformed("a line of the head ends in a bare LF".to_owned()));
    }
    let method = parsed.method.unwrap_or("GET");
    let method =
        Method::from_bytes(method.as_bytes()).map_err(|_| HeadError::Malformed("invalid method".to_owned()))?;
    let target = offset(buf, parsed.path.unwrap_or("/").as_bytes());
    let version = version(parsed.version);
    let head = buf.split_to(len).freeze();
    let uri = Uri::from_maybe_shared(head.slice(range(target)))
        .map_err(|err| HeadError::Malformed(format!("invalid request target: {err}")))?;
    let (headers, seen) = header_map(&head, &spans_at[..count])?;

    if method == Method::CONNECT {
        return Err(HeadError::Unsupported("CONNECT is not proxied by the mesh"));
    }
    // RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host and for any request with more
    // than one (an HTTP/1.0 one included: it travels on as HTTP/1.1).
    if seen.hosts > 1 {
        return Err(HeadError::Framing("a request may carry only one Host header"));
    }
    if version == Version::HTTP_11 && seen.hosts == 0 {
        return Err(HeadError::Framing("an HTTP/1.1 request needs a Host header"));
    }
    let chunked = match seen.transfer_encoding.then(|| transfer_encoding(&headers)).flatten() {
        None => false,
        Some(_) if version == Version::HTTP_10 => {
            return Err(HeadError::Framing("Transfer-Encoding in an HTTP/1.0 request"));
        }
        Some(Coding::Chunked) => true,
        Some(Coding::Other) => return Err(HeadError::Framing("Transfer-Encoding whose last coding is not chunked")),
        Some(Coding::Repeated) => return Err(HeadError::Framing("Transfer-Encoding with chunked more than once")),
        Some(Coding::Layered) => {
            return Err(HeadError::Unsupported(
                "transfer codings other than chunked are not proxied",
            ));
        }
    };
    let mut headers = headers;
    let length = seen.length.get().map_err(HeadError::Framing)?;
    seen.length.normalise(&mut headers);
    let framing = match (chunked, length) {
        (true, Some(_)) => return Err(HeadError::Framing("both Content-Length and Transfer-Encoding")),
        (true, None) => Framing::Chunked,
        (false, Some(n)) => Framing::length(n),
        (false, None) => Framing::Empty,
    };
    let keep_alive = keeps_alive(version, seen.connection.then_some(&headers));
    let expect_continue = seen.expect
        && framing != Framing::Empty
        && headers
            .get(header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let mut request = Request::new(());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.version_mut() = version;
    *request.headers_mut() = headers;
    let (parts, ()) = request.into_parts();
    Ok(Some(RequestHead {
        parts,
        framing,
        keep_alive,
        expect_continue,
        hop_by_hop: seen.hop_by_hop,
    }))
}

/// Takes a complete response head to a `method` request out of `buf`; `Ok(None)` when more input
/// is needed. Interim (1xx) responses come out too; the caller skips them.
///
/// # Errors
/// The head is malformed, too large, or has a broken `Content-Length`.
pub fn parse_response(buf: &mut BytesMut, method: &Method) -> Result<Option<ResponseHead>, HeadError> {
    let mut fields = slots();
    let mut spans_at = [Span::default(); MAX_FIELDS];
    let mut parsed = httparse::Response::new(&mut []);
    let config = httparse::ParserConfig::default();
    let Some(len) = complete(
        config.parse_response_with_uninit_headers(&mut parsed, buf, &mut fields),
        buf,
    )?
    else {
        return Ok(None);
    };
    let status = StatusCode::from_u16(parsed.code.unwrap_or(0))
        .map_err(|_| HeadError::Malformed("invalid status".to_owned()))?;
    let version = version(parsed.version);
    let count = spans(buf, parsed.headers, &mut spans_at);
    let head = buf.split_to(len).freeze();
    let (headers, seen) = header_map(&head, &spans_at[..count])?;

    let bodiless = method == Method::HEAD
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    let framing = if bodiless {
        Framing::Empty
    } else {
        match seen.transfer_encoding.then(|| transfer_encoding(&headers)).flatten() {
            Some(Coding::Chunked) => Framing::Chunked,
            Some(_) => Framing::Close,
            None => seen
                .length
                .get()
                .map_err(HeadError::Framing)?
                .map_or(Framing::Close, Framing::length),
        }
    };
    let mut headers = headers;
    seen.length.normalise(&mut headers);
    // Transfer-Encoding overrides Content-Length (RFC 9112 §6.3), which must not travel on; an
    // upstream sending both is not trusted with another exchange.
    let both =
        seen.transfer_encoding && seen.length.value.is_some() && headers.remove(header::CONTENT_LENGTH).is_some();
    let keep_alive = framing != Framing::Close && !both && keeps_alive(version, seen.connection.then_some(&headers));
    let mut response = Response::new(());
    *response.status_mut() = status;
    *response.version_mut() = version;
    *response.headers_mut() = headers;
    let (parts, ()) = response.into_parts();
    Ok(Some(ResponseHead {
        parts,
        framing,
        keep_alive,
        hop_by_hop: seen.hop_by_hop,
    }))
}

fn write_headers(out: &mut Vec<u8>, headers: &HeaderMap) {
    for (name, value) in headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

/// Writes an HTTP/1.1 request head, the target in origin form, and `extra` fields after the
/// message's own.
pub fn write_request_head(out: &mut Vec<u8>, parts: &request::Parts, extra: &[(&str, &[u8])]) {
    out.extend_from_slice(parts.method.as_str().as_bytes());
    out.push(b' ');
    write_origin_form(out, &parts.uri);
    out.extend_from_slice(b" HTTP/1.1\r\n");
    write_headers(out, &parts.headers);
    write_extra(out, extra);
}

/// Writes the origin form of `uri` (RFC 9112 §3.2.1): its path, `/` when it has none (an
/// absolute-form `http://host?q` has none), and its query.
fn write_origin_form(out: &mut Vec<u8>, uri: &Uri) {
    let path = uri.path();
    out.extend_from_slice(if path.is_empty() { b"/" } else { path.as_bytes() });
    if let Some(query) = uri.query() {
        out.push(b'?');
        out.extend_from_slice(query.as_bytes());
    }
}

/// Writes an HTTP/1.1 response head with `extra` fields after the message's own.
pub fn write_response_head(out: &mut Vec<u8>, parts: &response::Parts, extra: &[(&str, &[u8])]) {
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(parts.status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(parts.status.canonical_reason().unwrap_or("Unknown").as_bytes());
    out.extend_from_slice(b"\r\n");
    write_headers(out, &parts.headers);
    write_extra(out, extra);
}

fn write_extra(out: &mut Vec<u8>, extra: &[(&str, &[u8])]) {
    for (name, value) in extra {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(wire: &str) -> Result<Option<RequestHead>, HeadError> {
        parse_request(&mut BytesMut::from(wire.as_bytes()))
    }

    fn response(wire: &str, method: &Method) -> ResponseHead {
        parse_response(&mut BytesMut::from(wire.as_bytes()), method)
            .unwrap()
            .unwrap()
    }

    #[test]
    fn every_line_end_made_a_bare_lf_is_refused() {
        let wire = "\r\nGET /a HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nX-B: 2\r\n\r\n";
        assert!(request(wire).unwrap().is_some());
        for (at, _) in wire.match_indices("\r\n") {
            let mut bad = wire.to_owned();
            bad.remove(at);
            assert_eq!(request(&bad).unwrap_err().status(), 400, "{bad:?}");
        }
    }

    #[test]
    fn a_request_head_is_taken_whole_and_the_body_left() {
        let mut buf =
            BytesMut::from(&b"POST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nX-A: 1\r\nX-A: 2\r\n\r\nabc"[..]);
        let head = parse_request(&mut buf).unwrap().unwrap();
        assert_eq!(head.parts.method, Method::POST);
        assert_eq!(head.parts.uri, "/a?b=1");
        assert_eq!(head.parts.headers["host"], "x");
        assert_eq!(head.parts.headers.get_all("x-a").iter().count(), 2);
        assert_eq!(head.framing, Framing::Length(3));
        assert!(head.keep_alive);
        assert!(!head.expect_continue);
        assert_eq!(&buf[..], b"abc");
    }

    #[test]
    fn partial_heads_wait_and_endless_ones_are_refused() {
        assert!(request("GET / HTTP/1.1\r\nHost: x\r\n").unwrap().is_none());
        let endless = format!("GET / HTTP/1.1\r\nX: {}", "y".repeat(MAX_HEAD));
        assert_eq!(request(&endless).unwrap_err(), HeadError::TooLarge);
        assert_eq!(request("GARBAGE\r\n\r\n").unwrap_err().status(), 400);
    }

    #[test]
    fn ambiguous_request_framing_is_refused() {
        for wire in [
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\n",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            assert!(matches!(request(wire), Err(HeadError::Framing(_))), "{wire:?}");
        }
        let head = request("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(head.framing, Framing::Chunked);
        for wire in [
            "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "CONNECT orders:443 HTTP/1.1\r\nHost: orders:443\r\n\r\n",
        ] {
            assert_eq!(request(wire).unwrap_err().status(), 501, "{wire:?}");
        }
        for wire in [
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n",
        ] {
            assert_eq!(request(wire).unwrap_err().status(), 400, "{wire:?}");
        }
        let head = request("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\nExpect: 100-Continue\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(head.framing, Framing::Length(5));
        assert_eq!(head.parts.headers["content-length"], "5");
        assert!(head.expect_continue);
    }

    #[test]
    fn keep_alive_follows_the_version_and_connection() {
        assert!(
            !request("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Close\r\n\r\n")
                .unwrap()
                .unwrap()
                .keep_alive
        );
        assert!(!request("GET / HTTP/1.0\r\n\r\n").unwrap().unwrap().keep_alive);
        let head = request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(head.keep_alive);
        assert_eq!(head.parts.version, Version::HTTP_10);
    }

    #[test]
    fn response_framing_follows_method_status_and_headers() {
        let get = Method::GET;
        assert_eq!(
            response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", &get).framing,
            Framing::Length(2)
        );
        assert_eq!(
            response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", &Method::HEAD).framing,
            Framing::Empty
        );
        assert_eq!(
            response("HTTP/1.1 304 Not Modified\r\nContent-Length: 2\r\n\r\n", &get).framing,
            Framing::Empty
        );
        assert_eq!(
            response("HTTP/1.1 204 No Content\r\n\r\n", &get).framing,
            Framing::Empty
        );
        let chunked = response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", &get);
        assert_eq!(chunked.framing, Framing::Chunked);
        assert!(chunked.keep_alive);
        let both = response(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n",
            &get,
        );
        assert_eq!(both.framing, Framing::Chunked);
        assert_eq!(both.parts.headers.get("content-length"), None);
        assert!(!both.keep_alive);
        let until_close = response("HTTP/1.1 200 OK\r\n\r\n", &get);
        assert_eq!(until_close.framing, Framing::Close);
        assert!(!until_close.keep_alive);
        assert!(!response("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", &get).keep_alive);
        assert_eq!(response("HTTP/1.1 100 Continue\r\n\r\n", &get).parts.status, 100);
        for relisted in [
            "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        ] {
            let head = response(relisted, &get);
            assert_eq!(head.framing, Framing::Length(5));
            let values: Vec<_> = head.parts.headers.get_all("content-length").iter().collect();
            assert_eq!(values, ["5"], "one plain value goes on: {relisted:?}");
        }
    }

    #[test]
    fn heads_are_written_in_http_1_1_form() {
        let (parts, ()) = Request::builder()
            .method(Method::PUT)
            .uri("/v1/x?y=2")
            .header("host", "orders")
            .body(())
            .unwrap()
            .into_parts();
        let mut out = Vec::new();
        write_request_head(&mut out, &parts, &[("content-length", b"0")]);
        assert_eq!(
            out,
            b"PUT /v1/x?y=2 HTTP/1.1\r\nhost: orders\r\ncontent-length: 0\r\n\r\n"
        );
        let (parts, ()) = Response::builder().status(404).body(()).unwrap().into_parts();
        out.clear();
        write_response_head(&mut out, &parts, &[]);
        assert_eq!(out, b"HTTP/1.1 404 Not Found\r\n\r\n");
    }
}
