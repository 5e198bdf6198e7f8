//! Timestamps as casebook reads them from log lines: milliseconds since the Unix epoch, taken
//! as UTC (NeuVector writes container-local time with no zone, which is UTC in practice).
//!
//! The parser is the hot-path piece: it reads an ISO-8601-like prefix straight from bytes,
//! accepting 0 to 9 fraction digits, the space padding of NeuVector's Go formatter and an
//! optional `Z`.

use std::fmt;

use chrono::DateTime;
use serde::{Serialize, Serializer};

/// A point in time, in milliseconds since 1970-01-01T00:00:00 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Builds a timestamp from calendar fields; `None` when they do not name a real instant.
    pub fn from_civil(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        millis: u32,
    ) -> Option<Self> {
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
            || millis > 999
        {
            return None;
        }
        let days = days_from_civil(i64::from(year), month, day);
        let secs = ((days * 24 + i64::from(hour)) * 60 + i64::from(minute)) * 60 + i64::from(second);
        Some(Timestamp(secs * 1000 + i64::from(millis)))
    }

    /// Milliseconds since the epoch.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// Whole seconds since the epoch (floor).
    pub fn seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }
}

/// Days in `month` (1-12) of `year`, proleptic Gregorian.
fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian; H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl fmt::Display for Timestamp {
    /// `2025-01-26T13:09:16.161Z`, always with milliseconds, so output is uniform and sortable.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match DateTime::from_timestamp_millis(self.0) {
            Some(dt) => write!(f, "{}", dt.format("%Y-%m-%dT%H:%M:%S%.3fZ")),
            None => write!(f, "@{}ms", self.0),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Human duration such as `3m33s`, `8d`, `2d9h`, `33h` (the kubectl forms) in seconds.
pub fn parse_kubectl_duration(text: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut number: Option<i64> = None;
    let mut any = false;
    for ch in text.chars() {
        if let Some(d) = ch.to_digit(10) {
            number = Some(number.unwrap_or(0).checked_mul(10)?.checked_add(i64::from(d))?);
            continue;
        }
        let unit = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'y' => 365 * 86_400,
            _ => return None,
        };
        total = total.checked_add(number.take()?.checked_mul(unit)?)?;
        any = true;
    }
    if number.is_some() || !any {
        return None;
    }
    Some(total)
}

/// Formats seconds as the compact form kubectl uses (`1d2h`, `3m33s`, `45s`).
pub fn format_duration(seconds: i64) -> String {
    let mut rest = seconds.max(0);
    let mut out = String::new();
    for (unit, label) in [(86_400, 'd'), (3600, 'h'), (60, 'm'), (1, 's')] {
        if rest >= unit {
            out.push_str(&(rest / unit).to_string());
            out.push(label);
            rest %= unit;
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

/// The zone a timestamp was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Zone {
    /// No zone written: the time is kept as written (and shown as if it were UTC).
    Unzoned,
    /// `Z`.
    Utc,
    /// A numeric offset, in minutes east of UTC; the timestamp was converted to UTC.
    Offset(i32),
}

/// Reads an ISO-8601-like timestamp at the start of `bytes`:
/// `YYYY-MM-DD(T| )HH:MM:SS[(.|,)fraction][Z|(+|-)HH[:]MM| (+|-)HHMM]`, where the fraction has 0
/// to 9 digits. A numeric offset (`+01:00`, `-0500`, Go's ` +0000`) is converted to UTC.
///
/// Returns the timestamp and the number of bytes it used (trailing padding not included).
pub fn parse_iso_prefix(bytes: &[u8]) -> Option<(Timestamp, usize)> {
    parse_iso_zoned(bytes).map(|(t, used, _)| (t, used))
}

/// [`parse_iso_prefix`], also saying which zone the text was written in.
pub fn parse_iso_zoned(bytes: &[u8]) -> Option<(Timestamp, usize, Zone)> {
    if bytes.len() < 19 {
        return None;
    }
    let num = |range: std::ops::Range<usize>| decimal(&bytes[range]);
    if bytes[4] != b'-' || bytes[7] != b'-' || bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    if bytes[10] != b'T' && bytes[10] != b' ' {
        return None;
    }
    let minute = num(14..16)?;
    let second = num(17..19)?;
    let mut used = 19;
    let mut millis = 0u32;
    if used < bytes.len() && (bytes[used] == b'.' || bytes[used] == b',') {
        let start = used + 1;
        let mut end = start;
        while end < bytes.len() && end - start < 9 && bytes[end].is_ascii_digit() {
            end += 1;
        }
        if end > start {
            // Truncate to milliseconds, as NeuVector's formatter does.
            let digits = &bytes[start..end.min(start + 3)];
            for i in 0..3 {
                millis = millis * 10 + digits.get(i).map_or(0, |d| u32::from(d - b'0'));
            }
            used = end;
        }
    }
    let mut zone = Zone::Unzoned;
    if used < bytes.len() && bytes[used] == b'Z' {
        used += 1;
        zone = Zone::Utc;
    } else if let Some((minutes, len)) = offset(&bytes[used..]) {
        used += len;
        zone = Zone::Offset(minutes);
    }
    if minute > 59 || second > 59 {
        return None;
    }
    let hour_start = hour_millis(bytes[..13].try_into().expect("13 bytes"))?;
    let mut ts = Timestamp(hour_start + i64::from((minute * 60 + second) * 1000 + millis));
    if let Zone::Offset(minutes) = zone {
        ts = Timestamp(ts.0 - i64::from(minutes) * 60_000);
    }
    Some((ts, used, zone))
}

/// A numeric zone offset at the start of `bytes`: `+01:00`, `-0500`, `+01`, or Go's default
/// form with a space, ` +0000` (four digits only, so ` -1` in a message is not read as one).
/// Returns minutes east of UTC and the bytes used.
fn offset(bytes: &[u8]) -> Option<(i32, usize)> {
    let (spaced, rest) = match bytes.first()? {
        b' ' => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    let sign = match rest.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digit = |i: usize| {
        rest.get(i)
            .filter(|b| b.is_ascii_digit())
            .map(|b| i32::from(b - b'0'))
    };
    let hours = digit(1)? * 10 + digit(2)?;
    let (minutes, len) = match (rest.get(3), digit(3), digit(4)) {
        (Some(b':'), _, _) => (digit(4)? * 10 + digit(5)?, 6),
        (_, Some(a), Some(b)) => (a * 10 + b, 5),
        _ if spaced => return None,
        _ => (0, 3),
    };
    // A following digit means this was not an offset (`-05001`), nor is a minute past 59.
    if digit(len).is_some() || hours > 23 || minutes > 59 || (spaced && len != 5) {
        return None;
    }
    Some((sign * (hours * 60 + minutes), len + usize::from(spaced)))
}

/// The value of a run of ASCII digits; `None` if any byte is not one.
pub(crate) fn decimal(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |v, &b| {
        b.is_ascii_digit().then(|| v * 10 + u32::from(b - b'0'))
    })
}

thread_local! {
    /// The last `YYYY-MM-DDTHH` read by [`hour_millis`] and its value: consecutive lines of a
    /// log mostly share their hour.
    static LAST_HOUR: std::cell::Cell<([u8; 13], i64)> = const { std::cell::Cell::new(([0; 13], 0)) };
}

/// The start of the hour `YYYY-MM-DDTHH` (or with a space for `T`), in epoch milliseconds.
fn hour_millis(text: [u8; 13]) -> Option<i64> {
    let (last, value) = LAST_HOUR.with(|c| c.get());
    if last == text {
        return Some(value);
    }
    let num = |range: std::ops::Range<usize>| decimal(&text[range]);
    let (year, month, day, hour) = (num(0..4)? as i32, num(5..7)?, num(8..10)?, num(11..13)?);
    let value = Timestamp::from_civil(year, month, day, hour, 0, 0, 0)?.millis();
    LAST_HOUR.with(|c| c.set((text, value)));
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(text: &str) -> Option<(String, usize)> {
        parse_iso_prefix(text.as_bytes()).map(|(t, n)| (t.to_string(), n))
    }

    #[test]
    fn neuvector_padded_fractions() {
        assert_eq!(
            iso("2025-01-26T13:09:02.525|INFO"),
            Some(("2025-01-26T13:09:02.525Z".into(), 23))
        );
        assert_eq!(
            iso("2025-01-26T13:09:24.07 |INFO"),
            Some(("2025-01-26T13:09:24.070Z".into(), 22))
        );
        assert_eq!(
            iso("2025-01-26T13:09:39.2  |INFO"),
            Some(("2025-01-26T13:09:39.200Z".into(), 21))
        );
        assert_eq!(
            iso("2025-01-26T13:09:39    |INFO"),
            Some(("2025-01-26T13:09:39.000Z".into(), 19))
        );
    }

    #[test]
    fn consul_and_monitor_forms() {
        assert_eq!(
            iso("2025-01-26T13:09:13.061Z [ERROR]"),
            Some(("2025-01-26T13:09:13.061Z".into(), 24))
        );
        assert_eq!(
            iso("2025-01-26T13:10:30|MON|"),
            Some(("2025-01-26T13:10:30.000Z".into(), 19))
        );
        assert_eq!(
            iso("2025-01-26 13:09:16.157645427 +0000"),
            Some(("2025-01-26T13:09:16.157Z".into(), 35))
        );
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        let zoned = |text: &str| parse_iso_zoned(text.as_bytes()).map(|(t, n, z)| (t.to_string(), n, z));
        assert_eq!(
            zoned("2025-01-26T14:09:02.525+01:00 |INFO"),
            Some(("2025-01-26T13:09:02.525Z".into(), 29, Zone::Offset(60)))
        );
        assert_eq!(
            zoned("2025-01-26T08:09:02-05:00 x"),
            Some(("2025-01-26T13:09:02.000Z".into(), 25, Zone::Offset(-300)))
        );
        assert_eq!(
            zoned("2025-01-26T23:30:00-0500"),
            Some(("2025-01-27T04:30:00.000Z".into(), 24, Zone::Offset(-300)))
        );
        assert_eq!(
            zoned("2025-01-26 19:09:16.157 +0530 IST"),
            Some(("2025-01-26T13:39:16.157Z".into(), 29, Zone::Offset(330)))
        );
        assert_eq!(
            zoned("2025-01-26T13:09:02Z"),
            Some(("2025-01-26T13:09:02.000Z".into(), 20, Zone::Utc))
        );
        // No zone: kept as written; a dash and words after the time are not an offset.
        assert_eq!(
            zoned("2025-01-26 13:09:02,123 - INFO"),
            Some(("2025-01-26T13:09:02.123Z".into(), 23, Zone::Unzoned))
        );
        assert_eq!(
            zoned("2025-01-26 13:09:02 -1 x"),
            Some(("2025-01-26T13:09:02.000Z".into(), 19, Zone::Unzoned))
        );
        // A file that starts at 09:00+01:00 and ends at 08:30Z runs forward in UTC.
        let start = parse_iso_prefix(b"2025-01-26T09:00:00+01:00").unwrap().0;
        let end = parse_iso_prefix(b"2025-01-26T08:30:00Z").unwrap().0;
        assert!(start < end);
    }

    #[test]
    fn rejects_non_timestamps() {
        assert_eq!(iso("  error="), None);
        assert_eq!(iso("2025-13-26T13:09:02.525|"), None);
        assert_eq!(iso("2025-01-26X13:09:02.525|"), None);
        assert_eq!(iso("2025-01-26"), None);
    }

    #[test]
    fn hour_cache_gives_what_a_fresh_parse_gives() {
        // Alternate hours and days so the cached hour is both hit and replaced.
        let lines = [
            ("2025-01-26T13:09:02.525|I", (2025, 1, 26, 13, 9, 2, 525), 23),
            ("2025-01-26T13:59:59.5  |I", (2025, 1, 26, 13, 59, 59, 500), 21),
            ("2025-01-26T14:00:00|MON", (2025, 1, 26, 14, 0, 0, 0), 19),
            (
                "2025-01-26 13:09:02,123456789 x",
                (2025, 1, 26, 13, 9, 2, 123),
                29,
            ),
            (
                "2024-02-29T13:09:03.061Z [ERROR]",
                (2024, 2, 29, 13, 9, 3, 61),
                24,
            ),
            ("2025-01-26T13:00:00.9", (2025, 1, 26, 13, 0, 0, 900), 21),
        ];
        for _ in 0..2 {
            for (text, (y, mo, d, h, mi, s, ms), used) in lines {
                let expected = Timestamp::from_civil(y, mo, d, h, mi, s, ms).unwrap();
                assert_eq!(
                    parse_iso_prefix(text.as_bytes()),
                    Some((expected, used)),
                    "{text}"
                );
            }
        }
        assert_eq!(parse_iso_prefix(b"2025-01-26T13:60:00"), None);
        assert_eq!(parse_iso_prefix(b"2025-02-30T13:00:00"), None);
    }

    #[test]
    fn civil_arithmetic_agrees_with_chrono() {
        use chrono::NaiveDate;
        for year in [1900, 1970, 1999, 2000, 2024, 2025, 2100, 2400] {
            for month in 0..=13 {
                for day in 0..=32 {
                    let ours = Timestamp::from_civil(year, month, day, 23, 59, 58, 999);
                    let theirs = NaiveDate::from_ymd_opt(year, month, day)
                        .and_then(|d| d.and_hms_milli_opt(23, 59, 58, 999))
                        .map(|dt| Timestamp(dt.and_utc().timestamp_millis()));
                    assert_eq!(ours, theirs, "{year}-{month}-{day}");
                }
            }
        }
        assert_eq!(Timestamp::from_civil(2025, 1, 1, 24, 0, 0, 0), None);
        assert_eq!(Timestamp::from_civil(2025, 1, 1, 0, 60, 0, 0), None);
        assert_eq!(Timestamp::from_civil(2025, 1, 1, 0, 0, 0, 1000), None);
    }

    #[test]
    fn kubectl_durations() {
        assert_eq!(parse_kubectl_duration("3m33s"), Some(213));
        assert_eq!(parse_kubectl_duration("2d9h"), Some(2 * 86_400 + 9 * 3600));
        assert_eq!(parse_kubectl_duration("25d"), Some(25 * 86_400));
        assert_eq!(parse_kubectl_duration("9h"), Some(9 * 3600));
        assert_eq!(parse_kubectl_duration("abc"), None);
        assert_eq!(parse_kubectl_duration("12"), None);
        assert_eq!(format_duration(213), "3m33s");
    }
}
