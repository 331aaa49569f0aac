//! The lines of a chunked body besides its data (RFC 9112 §7.1): the chunk-size line, whose
//! extensions are checked and dropped (the proxy frames chunks anew), and the lines of the
//! trailer section, read and dropped. Strict wherever leniency would let two parsers disagree on
//! where a body ends: lines end in CRLF (a bare LF is refused), no NUL or stray CR, hex digits
//! only and at most 16 of them, extensions as the grammar has them, a line at most
//! [`MAX_CHUNK_LINE`] long.

/// The longest chunk-size line accepted, extensions and CRLF included.
pub const MAX_CHUNK_LINE: usize = 4 * 1024;
/// The most hex digits a chunk size may have (a `u64`, so no size can overflow).
const MAX_SIZE_DIGITS: usize = 16;

/// A line that breaks the grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid;

/// Whether `b` may appear in a token (RFC 9110 §5.6.2).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// In the size's digits.
    Size,
    /// Whitespace after the size or an extension's value.
    Gap,
    /// Whitespace after an extension's name.
    AfterName,
    /// After `;`, before an extension's name.
    ExtStart,
    /// In an extension's name.
    Name,
    /// After `=`, before the value.
    ValueStart,
    /// In a token value.
    Token,
    /// In a quoted-string value.
    Quoted,
    /// After a backslash in a quoted string.
    Escaped,
    /// After the CR that ends the line.
    Cr,
}

/// Reads a chunk-size line at the start of `buf`: `Ok(Some((length of the line, size)))`, or
/// `Ok(None)` when the line is not complete yet.
///
/// # Errors
/// The line breaks the grammar, or is longer than [`MAX_CHUNK_LINE`] without ending.
pub fn size_line(buf: &[u8]) -> Result<Option<(usize, u64)>, Invalid> {
    let mut size = 0u64;
    let mut digits = 0;
    let mut at = At::Size;
    for (i, &b) in buf.iter().enumerate().take(MAX_CHUNK_LINE) {
        at = match (at, b) {
            (At::Cr, b'\n') => return Ok(Some((i + 1, size))),
            (At::Cr, _) => return Err(Invalid),
            (At::Size, _) if b.is_ascii_hexdigit() => {
                digits += 1;
                if digits > MAX_SIZE_DIGITS {
                    return Err(Invalid);
                }
                // At most 16 digits: it cannot overflow.
                size = (size << 4) | u64::from(hex_value(b));
                At::Size
            }
            // Everything past the digits needs some digits first.
            (At::Size, _) if digits == 0 => return Err(Invalid),
            (At::Size | At::Gap | At::Name | At::AfterName | At::Token, b'\r') => At::Cr,
            (At::Size | At::Gap | At::Name | At::AfterName | At::Token, b';') => At::ExtStart,
            (At::Size | At::Gap | At::Token, _) if is_space(b) => At::Gap,
            (At::Name | At::AfterName, _) if is_space(b) => At::AfterName,
            (At::Name | At::AfterName, b'=') => At::ValueStart,
            (At::ExtStart | At::ValueStart, _) if is_space(b) => at,
            (At::ExtStart | At::Name, _) if is_tchar(b) => At::Name,
            (At::ValueStart | At::Token, _) if is_tchar(b) => At::Token,
            (At::ValueStart, b'"') => At::Quoted,
            (At::Quoted, b'"') => At::Gap,
            (At::Quoted, b'\\') => At::Escaped,
            // qdtext: HTAB, SP, VCHAR but `"` and `\`, obs-text.
            (At::Quoted, _) if b == b'\t' || (b >= b' ' && b != 0x7f) => At::Quoted,
            // quoted-pair: HTAB, SP, VCHAR, obs-text.
            (At::Escaped, _) if b == b'\t' || (b >= b' ' && b != 0x7f) => At::Quoted,
            _ => return Err(Invalid),
        };
    }
    if buf.len() >= MAX_CHUNK_LINE {
        Err(Invalid)
    } else {
        Ok(None)
    }
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

/// Reads one line of a trailer section at the start of `buf`, looking at most `limit` bytes
/// ahead: `Ok(Some(length of the line, CRLF included))` (2 for the empty line that ends the
/// section), or `Ok(None)` when the line is not complete yet.
///
/// # Errors
/// The line is not a field line (`name: value`) ending in CRLF, or does not end within `limit`.
pub fn trailer_line(buf: &[u8], limit: usize) -> Result<Option<usize>, Invalid> {
    let Some(lf) = buf.iter().take(limit).position(|&b| b == b'\n') else {
        return if buf.len() >= limit { Err(Invalid) } else { Ok(None) };
    };
    let Some(line) = buf[..lf].strip_suffix(b"\r") else {
        return Err(Invalid);
    };
    if line.is_empty() {
        return Ok(Some(2));
    }
    let name = line.iter().take_while(|&&b| is_tchar(b)).count();
    let valid = name > 0
        && line.get(name) == Some(&b':')
        && line[name + 1..].iter().all(|&b| b == b'\t' || (b >= b' ' && b != 0x7f));
    if valid { Ok(Some(lf + 1)) } else { Err(Invalid) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_hex_and_extensions_are_dropped() {
        for (line, size) in [
            (&b"0\r\n"[..], 0),
            (b"1a\r\n", 26),
            (b"FFFFFFFFFFFFFFFF\r\n", u64::MAX),
            (b"5 \r\n", 5),
            (b"5;a\r\n", 5),
            (b"5 ; a = b ;c\r\n", 5),
            (b"5;name=\"quoted \\\" ; \\\\ value\"\r\n", 5),
            (b"5;a=b;c=\"\"\r\n", 5),
        ] {
            assert_eq!(
                size_line(line),
                Ok(Some((line.len(), size))),
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn chunk_size_tricks_are_refused() {
        for line in [
            &b"\r\n"[..],
            b" 5\r\n",
            b"-5\r\n",
            b"+5\r\n",
            b"0x5\r\n",
            b"5\n",
            b"5;a\n",
            b"5\r\r\n",
            b"5\0\r\n",
            b"5;a\0\r\n",
            b"5 5\r\n",
            b"10000000000000000\r\n",
            b"00000000000000005\r\n",
            b"5;\r\n",
            b"5;=b\r\n",
            b"5;a=\r\n",
            b"5;a=\"open\r\n",
            b"5;a=\"x\"b\r\n",
            b"5;a b\r\n",
            b"5;a=b c\r\n",
            b"5;a=\"\n\"\r\n",
        ] {
            assert_eq!(size_line(line), Err(Invalid), "{:?}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn a_line_waits_for_its_end_within_the_bound() {
        assert_eq!(size_line(b""), Ok(None));
        assert_eq!(size_line(b"5"), Ok(None));
        assert_eq!(size_line(b"5;a=\"b"), Ok(None));
        assert_eq!(size_line(b"5\r"), Ok(None));
        let long = format!("5;{}", "a".repeat(MAX_CHUNK_LINE));
        assert_eq!(size_line(long.as_bytes()), Err(Invalid));
        let at_bound = format!("5;{}\r\n", "a".repeat(MAX_CHUNK_LINE - 4));
        assert_eq!(size_line(at_bound.as_bytes()), Ok(Some((MAX_CHUNK_LINE, 5))));
    }

    #[test]
    fn trailer_lines_are_fields_ending_in_crlf() {
        assert_eq!(trailer_line(b"\r\n", 100), Ok(Some(2)));
        assert_eq!(trailer_line(b"X-T: 1\r\nrest", 100), Ok(Some(8)));
        assert_eq!(trailer_line(b"X-T: 1", 100), Ok(None));
        for line in [
            &b"\n"[..],
            b"X-T: 1\n",
            b"X-T 1\r\n",
            b": 1\r\n",
            b"X-T: \x001\r\n",
            b"X-T: 1\r2\r\n",
        ] {
            assert_eq!(
                trailer_line(line, 100),
                Err(Invalid),
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
        assert_eq!(trailer_line(b"X-T: 12345", 5), Err(Invalid));
    }
}
