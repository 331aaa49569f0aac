//! What a message's header fields say about its connection and its framing (RFC 9112 §6, §7,
//! §9): the hop-by-hop fields, `Transfer-Encoding`, `Content-Length` and keep-alive.

use hyper::Version;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};

/// How many names [`HOP_BY_HOP`] has.
const HOP_BY_HOP_COUNT: usize = 9;

/// Headers that belong to one connection and are never forwarded (besides those `Connection`
/// names).
pub const HOP_BY_HOP: [HeaderName; HOP_BY_HOP_COUNT] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// What `Transfer-Encoding` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// Chunked alone.
    Chunked,
    /// Other codings under a final chunked.
    Layered,
    /// Chunked more than once (which no sender may do, RFC 9112 §6.1).
    Repeated,
    /// A final coding other than chunked.
    Other,
}

/// The transfer coding of a message, if it names one.
pub fn transfer_encoding(headers: &HeaderMap) -> Option<Coding> {
    if !headers.contains_key(header::TRANSFER_ENCODING) {
        return None;
    }
    let codings = headers
        .get_all(header::TRANSFER_ENCODING)
        .iter()
        .flat_map(|value| value.as_bytes().split(|b| *b == b','))
        .map(<[u8]>::trim_ascii)
        .filter(|coding| !coding.is_empty());
    let (count, chunked, last_chunked) = codings.fold((0, 0, false), |(count, chunked, _), coding| {
        let is_chunked = coding.eq_ignore_ascii_case(b"chunked");
        (count + 1, chunked + usize::from(is_chunked), is_chunked)
    });
    Some(match (count, chunked, last_chunked) {
        (1, _, true) => Coding::Chunked,
        (_, 1, true) => Coding::Layered,
        (_, _, true) => Coding::Repeated,
        _ => Coding::Other,
    })
}

/// What a head's `Content-Length` fields say, folded field by field as the head is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Length {
    /// The body length, once a field gave one; `Err` when a value is not a number or two differ.
    pub value: Option<Result<u64, &'static str>>,
    /// Whether it came as more than one value (`5, 5`, or the field repeated): the next hop
    /// gets one plain value instead.
    pub relisted: bool,
}

impl Length {
    /// What the `Content-Length` fields of `headers` say.
    pub fn of(headers: &HeaderMap) -> Self {
        let mut length = Self::default();
        for value in &headers.get_all(header::CONTENT_LENGTH) {
            length.add(value.as_bytes());
        }
        length
    }

    /// Folds in one `Content-Length` field value: every value (repeated or comma-listed) must be
    /// the same run of digits.
    pub fn add(&mut self, field: &[u8]) {
        for item in field.split(|b| *b == b',') {
            let n = digits(item.trim_ascii()).ok_or("Content-Length is not a number");
            self.value = Some(match (self.value, n) {
                (None, n) => n,
                (Some(Err(err)), _) | (_, Err(err)) => Err(err),
                (Some(Ok(before)), Ok(n)) if before != n => Err("Content-Length values differ"),
                (Some(Ok(n)), Ok(_)) => {
                    self.relisted = true;
                    Ok(n)
                }
            });
        }
    }

    /// The body length given, if any.
    ///
    /// # Errors
    /// A value is not a number, or two differ (the reason, for a head error).
    pub fn get(&self) -> Result<Option<u64>, &'static str> {
        self.value.transpose()
    }

    /// Makes a valid length that came as more than one value (`5, 5`, or the field repeated)
    /// one plain value in `headers`, for the next hop (RFC 9112 §6.3).
    pub fn normalise(&self, headers: &mut HeaderMap) {
        if self.relisted
            && let Some(Ok(n)) = self.value
        {
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(n));
        }
    }
}

/// A non-empty run of decimal digits that fits a `u64`.
fn digits(text: &[u8]) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    text.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(u64::from(b - b'0')))
            .flatten()
    })
}

/// Whether a `Connection` header lists `token`.
fn connection_has(headers: &HeaderMap, token: &str) -> bool {
    headers.get_all(header::CONNECTION).iter().any(|value| {
        value
            .as_bytes()
            .split(|b| *b == b',')
            .any(|item| item.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
    })
}

/// Whether the connection stays open, given the headers when they have a `Connection` field.
pub fn keeps_alive(version: Version, connection: Option<&HeaderMap>) -> bool {
    if version == Version::HTTP_10 {
        connection.is_some_and(|headers| connection_has(headers, "keep-alive"))
    } else {
        !connection.is_some_and(|headers| connection_has(headers, "close"))
    }
}

/// Removes the headers that belong to one connection: the fixed hop-by-hop set and whatever
/// `Connection` names. One pass finds which are there, so only those cost a removal.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let mut present = [false; HOP_BY_HOP_COUNT];
    for name in headers.keys() {
        if let Some(i) = HOP_BY_HOP.iter().position(|h| h == name) {
            present[i] = true;
        }
    }
    // HOP_BY_HOP[0] is Connection.
    if present[0] {
        let named: Vec<HeaderName> = headers
            .get_all(header::CONNECTION)
            .iter()
            .flat_map(|value| value.as_bytes().split(|b| *b == b','))
            .filter_map(|item| HeaderName::from_bytes(item.trim_ascii()).ok())
            // Host and Content-Length describe the message, not the connection; the fixed set
            // goes below.
            .filter(|name| *name != header::HOST && *name != header::CONTENT_LENGTH && !HOP_BY_HOP.contains(name))
            .collect();
        for name in named {
            headers.remove(name);
        }
    }
    for (name, here) in HOP_BY_HOP.iter().zip(present) {
        if here {
            headers.remove(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use hyper::header::HeaderValue;

    use super::*;

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_are_removed() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("connection", "keep-alive, X-Secret, Host"),
            ("host", "orders"),
            ("x-secret", "1"),
            ("proxy-connection", "keep-alive"),
            ("transfer-encoding", "chunked"),
            ("keep-alive", "timeout=5"),
            ("x-kept", "1"),
        ] {
            headers.append(name, HeaderValue::from_static(value));
        }
        strip_hop_by_hop(&mut headers);
        assert_eq!(
            headers.keys().map(HeaderName::as_str).collect::<Vec<_>>(),
            ["x-kept", "host"]
        );
    }

    #[test]
    fn content_length_fields_fold_into_one_length() {
        let fold = |fields: &[&str]| {
            let mut length = Length::default();
            for field in fields {
                length.add(field.as_bytes());
            }
            (length.get(), length.relisted)
        };
        assert_eq!(fold(&[]), (Ok(None), false));
        assert_eq!(fold(&["1024"]), (Ok(Some(1024)), false));
        assert_eq!(fold(&["5, 5"]), (Ok(Some(5)), true));
        assert_eq!(fold(&["5", " 5 "]), (Ok(Some(5)), true));
        assert_eq!(fold(&["18446744073709551615"]), (Ok(Some(u64::MAX)), false));
        for broken in [
            &["5", "6"][..],
            &["5,"],
            &["+5"],
            &["0x5"],
            &["18446744073709551616"],
            &["x", "5"],
        ] {
            assert!(fold(broken).0.is_err(), "{broken:?}");
        }
    }
}
