//! Where an HTTP/1.1 message body ends (RFC 9112 §6): no body, a `Content-Length`, chunked
//! transfer coding, or the end of the connection; and taking a body's data out of a read buffer.

use std::io::Write as _;

use bytes::{Buf, Bytes, BytesMut};

#[cfg(test)]
use super::chunk::MAX_CHUNK_LINE;
use super::chunk::{size_line, trailer_line};

/// The longest trailer section accepted after a chunked body (trailers are read and dropped).
const MAX_TRAILERS: usize = 16 * 1024;

/// How a message body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    Empty,
    /// Exactly this many bytes (more than zero).
    Length(u64),
    /// Chunked transfer coding.
    Chunked,
    /// Until the peer closes the connection (responses only).
    Close,
}

impl Framing {
    /// A body of `n` bytes.
    pub fn length(n: u64) -> Self {
        if n == 0 { Self::Empty } else { Self::Length(n) }
    }
}

/// A body whose framing is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FramingError {
    /// A chunk-size line that breaks the grammar (not hexadecimal, more than 16 digits, a bad
    /// extension, a bare LF) or is too long.
    #[error("invalid chunk-size line")]
    ChunkSize,
    /// A chunk not followed by CRLF.
    #[error("chunk data not followed by CRLF")]
    ChunkEnd,
    /// A trailer line that is not a field line ending in CRLF, or a trailer section longer
    /// than allowed.
    #[error("invalid trailer section (or longer than {MAX_TRAILERS} bytes)")]
    Trailers,
    /// The connection ended before the body did.
    #[error("connection closed before the body ended")]
    Truncated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Length(u64),
    ChunkSize,
    ChunkData(u64),
    ChunkEnd,
    Trailers(usize),
    Close,
    Done,
}

/// Takes a body's data out of a connection's read buffer as it arrives.
#[derive(Debug, Clone)]
pub struct Decoder {
    state: State,
}

impl Decoder {
    /// A decoder for a body framed as `framing`.
    pub fn new(framing: Framing) -> Self {
        let state = match framing {
            Framing::Empty => State::Done,
            Framing::Length(n) => State::Length(n),
            Framing::Chunked => State::ChunkSize,
            Framing::Close => State::Close,
        };
        Self { state }
    }

    /// Whether the whole body has been taken.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The bytes still expected, when known.
    pub fn remaining(&self) -> Option<u64> {
        match self.state {
            State::Length(n) => Some(n),
            State::Done => Some(0),
            _ => None,
        }
    }

    /// The next piece of data in `buf`, taken out of it. `Ok(None)` means more input is needed,
    /// or the body is over ([`Decoder::is_done`]).
    ///
    /// # Errors
    /// The chunked framing is broken.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, FramingError> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Length(left) | State::ChunkData(left) => {
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    let n = usize::try_from(left).map_or(buf.len(), |left| left.min(buf.len()));
                    let rest = left - n as u64;
                    self.state = match self.state {
                        State::Length(_) if rest == 0 => State::Done,
                        State::Length(_) => State::Length(rest),
                        _ if rest == 0 => State::ChunkEnd,
                        _ => State::ChunkData(rest),
                    };
                    return Ok(Some(buf.split_to(n).freeze()));
                }
                State::Close => {
                    return Ok((!buf.is_empty()).then(|| buf.split().freeze()));
                }
                State::ChunkSize => match size_line(buf) {
                    Ok(Some((used, size))) => {
                        buf.advance(used);
                        self.state = if size == 0 {
                            State::Trailers(0)
                        } else {
                            State::ChunkData(size)
                        };
                    }
                    Ok(None) => return Ok(None),
                    Err(_) => return Err(FramingError::ChunkSize),
                },
                State::ChunkEnd => {
                    if buf.len() < 2 {
                        return Ok(None);
                    }
                    if &buf[..2] != b"\r\n" {
                        return Err(FramingError::ChunkEnd);
                    }
                    buf.advance(2);
                    self.state = State::ChunkSize;
                }
                State::Trailers(seen) => match trailer_line(buf, MAX_TRAILERS - seen) {
                    Ok(Some(2)) => {
                        buf.advance(2);
                        self.state = State::Done;
                    }
                    Ok(Some(used)) => {
                        buf.advance(used);
                        self.state = State::Trailers(seen + used);
                    }
                    Ok(None) => return Ok(None),
                    Err(_) => return Err(FramingError::Trailers),
                },
            }
        }
    }

    /// The connection ended: fine for a body delimited by the close, an error otherwise.
    ///
    /// # Errors
    /// The body was not over.
    pub fn end_of_input(&mut self) -> Result<(), FramingError> {
        match self.state {
            State::Close | State::Done => {
                self.state = State::Done;
                Ok(())
            }
            _ => Err(FramingError::Truncated),
        }
    }
}

/// Appends `data` as one chunk of a chunked body.
pub fn encode_chunk(out: &mut Vec<u8>, data: &[u8]) {
    if data.is_empty() {
        return;
    }
    chunk_head(out, data.len());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// Appends the size line of a `len`-byte chunk to `out` (its data and CRLF follow).
pub fn chunk_head(out: &mut Vec<u8>, len: usize) {
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{len:x}\r\n");
}

/// The last chunk, with no trailers.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(decoder: &mut Decoder, buf: &mut BytesMut) -> Result<Vec<u8>, FramingError> {
        let mut out = Vec::new();
        while let Some(data) = decoder.decode(buf)? {
            out.extend_from_slice(&data);
        }
        Ok(out)
    }

    #[test]
    fn a_length_body_stops_at_its_length_and_leaves_the_rest() {
        let mut decoder = Decoder::new(Framing::length(5));
        let mut buf = BytesMut::from(&b"helloGET /"[..]);
        assert_eq!(drain(&mut decoder, &mut buf).unwrap(), b"hello");
        assert!(decoder.is_done());
        assert_eq!(&buf[..], b"GET /");
    }

    #[test]
    fn a_length_body_arrives_in_pieces() {
        let mut decoder = Decoder::new(Framing::length(6));
        let mut buf = BytesMut::from(&b"abc"[..]);
        assert_eq!(drain(&mut decoder, &mut buf).unwrap(), b"abc");
        assert_eq!(decoder.remaining(), Some(3));
        assert_eq!(decoder.end_of_input(), Err(FramingError::Truncated));
        buf.extend_from_slice(b"def");
        assert_eq!(drain(&mut decoder, &mut buf).unwrap(), b"def");
        assert!(decoder.is_done());
    }

    #[test]
    fn chunked_bodies_are_decoded_byte_by_byte_as_well_as_at_once() {
        let wire = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
        let mut decoder = Decoder::new(Framing::Chunked);
        let mut buf = BytesMut::from(&wire[..]);
        assert_eq!(drain(&mut decoder, &mut buf).unwrap(), b"hello world");
        assert!(decoder.is_done());
        assert_eq!(&buf[..], b"NEXT");

        let mut decoder = Decoder::new(Framing::Chunked);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for byte in wire {
            buf.extend_from_slice(&[*byte]);
            out.extend(drain(&mut decoder, &mut buf).unwrap());
        }
        assert_eq!(out, b"hello world");
        assert!(decoder.is_done());
        assert_eq!(&buf[..], b"NEXT");
    }

    #[test]
    fn broken_chunks_are_errors() {
        let mut decoder = Decoder::new(Framing::Chunked);
        assert_eq!(
            drain(&mut decoder, &mut BytesMut::from(&b"zz\r\n"[..])),
            Err(FramingError::ChunkSize)
        );
        let mut decoder = Decoder::new(Framing::Chunked);
        assert_eq!(
            drain(&mut decoder, &mut BytesMut::from(&b"2\r\nabXY"[..])),
            Err(FramingError::ChunkEnd)
        );
        let mut decoder = Decoder::new(Framing::Chunked);
        let endless_size = format!("1;{}", "a".repeat(MAX_CHUNK_LINE + 1));
        assert_eq!(
            drain(&mut decoder, &mut BytesMut::from(endless_size.as_bytes())),
            Err(FramingError::ChunkSize)
        );
        let mut decoder = Decoder::new(Framing::Chunked);
        let endless = format!("0\r\n{}", "x".repeat(MAX_TRAILERS + 1));
        assert_eq!(
            drain(&mut decoder, &mut BytesMut::from(endless.as_bytes())),
            Err(FramingError::Trailers)
        );
    }

    #[test]
    fn a_close_delimited_body_ends_with_the_connection() {
        let mut decoder = Decoder::new(Framing::Close);
        let mut buf = BytesMut::from(&b"all of it"[..]);
        assert_eq!(drain(&mut decoder, &mut buf).unwrap(), b"all of it");
        assert!(!decoder.is_done());
        decoder.end_of_input().unwrap();
        assert!(decoder.is_done());
    }

    #[test]
    fn chunks_are_encoded_in_hex() {
        let mut out = Vec::new();
        encode_chunk(&mut out, &[b'a'; 26]);
        encode_chunk(&mut out, b"");
        out.extend_from_slice(LAST_CHUNK);
        let mut decoder = Decoder::new(Framing::Chunked);
        let mut buf = BytesMut::from(&out[..]);
        assert!(out.starts_with(b"1a\r\n"));
        assert_eq!(drain(&mut decoder, &mut buf).unwrap(), [b'a'; 26]);
        assert!(decoder.is_done());
    }
}
