//! Go-style duration strings (`300ms`, `1m30s`, `1.5h`), the format EaseMesh YAML uses everywhere.
//!
//! Kept as strings in specs so a document round-trips byte for byte; this module only checks and
//! converts them.

use std::time::Duration;

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The string is empty.
    #[error("empty duration")]
    Empty,
    /// A number is not followed by a unit, or the unit is unknown.
    #[error("invalid duration {0:?}: expected a number and a unit (ns, us, ms, s, m, h), e.g. 500ms or 1m30s")]
    Invalid(String),
    /// Negative durations are meaningless for every mesh setting.
    #[error("negative duration {0:?}")]
    Negative(String),
    /// Longer than Go's durations go (2^63 - 1 nanoseconds, about 292 years).
    #[error("duration {0:?} is too long: at most 2562047h47m16.854775807s, as in Go")]
    TooLong(String),
}

/// The longest duration Go (and so EaseMesh) can state, in seconds.
const MAX_SECONDS: f64 = i64::MAX as f64 / 1e9;

const UNITS: &[(&str, f64)] = &[
    ("ns", 1e-9),
    ("us", 1e-6),
    ("µs", 1e-6),
    ("μs", 1e-6),
    ("ms", 1e-3),
    ("s", 1.0),
    ("m", 60.0),
    ("h", 3600.0),
];

/// Parses a Go duration such as `5s`, `100ms`, `1h2m3.5s` or `0`.
///
/// # Errors
/// Returns [`Error`] when the string is empty, negative or not a sequence of number+unit pairs.
pub fn parse(text: &str) -> Result<Duration, Error> {
    let s = text.trim();
    if s.is_empty() {
        return Err(Error::Empty);
    }
    if s.starts_with('-') {
        return Err(Error::Negative(text.to_owned()));
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let invalid = || Error::Invalid(text.to_owned());
    let mut rest = s;
    let mut seconds = 0.0_f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(invalid)?;
        let number: f64 = rest[..number_len].parse().map_err(|_| invalid())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let scale = UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, scale)| *scale)
            .ok_or_else(invalid)?;
        seconds += number * scale;
        rest = &rest[unit_len..];
    }
    // A number of any length is accepted above: keep what follows from panicking
    // (`Duration::from_secs_f64`) or overflowing for `wait=99999…9s` from a client.
    if seconds.is_nan() || seconds > MAX_SECONDS {
        return Err(Error::TooLong(text.to_owned()));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// [`parse`] for command-line flags (clap's `value_parser`).
///
/// # Errors
/// The message of [`Error`].
pub fn parse_flag(text: &str) -> Result<Duration, String> {
    parse(text).map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse("100ms"), Ok(Duration::from_millis(100)));
        assert_eq!(parse("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
        assert_eq!(parse("250us"), Ok(Duration::from_micros(250)));
    }

    #[test]
    fn rejects_bad_durations() {
        assert_eq!(parse(""), Err(Error::Empty));
        assert!(matches!(parse("5"), Err(Error::Invalid(_))));
        assert!(matches!(parse("5 seconds"), Err(Error::Invalid(_))));
        assert!(matches!(parse("-1s"), Err(Error::Negative(_))));
        assert!(matches!(parse("1d"), Err(Error::Invalid(_))));
    }

    /// Found by the consul fuzz target (crash-8e61d03c): `?wait=3111…1` (150 digits) panicked in
    /// `Duration::from_secs_f64`.
    #[test]
    fn refuses_durations_longer_than_go_allows() {
        let digits = "1".repeat(150);
        assert!(matches!(parse(&format!("{digits}s")), Err(Error::TooLong(_))));
        assert!(matches!(parse(&format!("{digits}{digits}h")), Err(Error::TooLong(_))));
        assert!(matches!(parse("2562048h"), Err(Error::TooLong(_))));
        assert_eq!(parse("2562047h"), Ok(Duration::from_secs(2_562_047 * 3600)));
    }
}
