//! What casebook reads from any log line's header without knowing its layout: the time at its
//! start and the severity words the products write.
//!
//! [`line_time_with`] reads the time, after a `kubectl logs --prefix` tag (`[pod/NAME/CONTAINER] `), from
//! - an ISO-8601 time (`2025-02-02T10:00:00.123Z`, NeuVector's, the CRI and `kubectl logs
//!   --timestamps` prefixes, Consul's hclog);
//! - Go's standard logger and old Consul (`2022/11/14 14:40:53[.123456]`, which old Consul
//!   indents);
//! - Rancher's log viewer download (`Thu, Jun 30 2022 11:08:02 am | `);
//! - a JSON line's `time`, `ts`, `timestamp` or `@timestamp` field (docker's json-file, zap,
//!   logrus, etcd), as ISO text or epoch seconds;
//! - with a [`YearHint`] only: klog (`E1103 18:28:07.208359`) and syslog/journald
//!   (`Nov  3 18:28:07`), which print no year.

use chrono::Datelike;
use memchr::memmem;
use serde::Serialize;

use crate::time::{decimal, parse_iso_prefix, Timestamp};

/// Severity read from a line's header, normalised across layouts and products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// `TRACE`, `TRAC`, `FINEST` ...
    Trace,
    /// `DEBUG`, `DEBU`, `FINE`.
    Debug,
    /// `INFO`, `notice`.
    Info,
    /// `WARN`, `WARNING`.
    Warn,
    /// `ERROR`, `ERRO`, `SEVERE`, `CRIT`.
    Error,
    /// `FATAL`, `FATA`, `PANIC`, `PANI`, `EMERG`, `ALERT`.
    Fatal,
}

impl Level {
    /// Lower-case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }

    /// Reads a level word (case-insensitive), without brackets.
    pub fn parse(word: &[u8]) -> Option<Level> {
        if word.is_empty() || word.len() > 9 {
            return None;
        }
        let mut buf = [0u8; 9];
        for (d, s) in buf.iter_mut().zip(word) {
            *d = s.to_ascii_uppercase();
        }
        Some(match &buf[..word.len()] {
            b"TRACE" | b"TRAC" | b"FINEST" | b"FINER" => Level::Trace,
            b"DEBUG" | b"DEBU" | b"FINE" | b"DBG" => Level::Debug,
            b"INFO" | b"NOTICE" | b"INF" | b"CONFIG" => Level::Info,
            b"WARN" | b"WARNING" | b"WRN" => Level::Warn,
            b"ERROR" | b"ERRO" | b"ERR" | b"SEVERE" | b"CRIT" | b"CRITICAL" => Level::Error,
            b"FATAL" | b"FATA" | b"PANIC" | b"PANI" | b"EMERG" | b"ALERT" => Level::Fatal,
            _ => return None,
        })
    }
}

/// What a time printed without a year is read against: the file's last-modified time (an
/// archive member's own, kept at extraction). A yearless time takes that year, or the year
/// before when that would put it more than a day after the file was last written (a log
/// collected in January holding December's lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct YearHint {
    year: i32,
    latest: Timestamp,
}

impl YearHint {
    /// The hint of a file last written at `modified`.
    pub(crate) fn at(modified: Timestamp) -> Option<YearHint> {
        let year = chrono::DateTime::from_timestamp_millis(modified.millis())?.year();
        Some(YearHint {
            year,
            latest: Timestamp(modified.millis() + 86_400_000),
        })
    }

    fn resolve(self, fields: (u32, u32, u32, u32, u32, u32)) -> Option<Timestamp> {
        let (month, day, hour, minute, second, millis) = fields;
        let at = |year| Timestamp::from_civil(year, month, day, hour, minute, second, millis);
        match at(self.year) {
            Some(t) if t <= self.latest => Some(t),
            // Feb 29 of a leap year that the year before is not: leave it untimed.
            _ => at(self.year - 1),
        }
    }
}

/// The ISO time at the start of a line, if it has one (all three NeuVector layouts do): the
/// digest's and the excerpts' notion of a timed line.
pub(crate) fn line_time(line: &[u8]) -> Option<Timestamp> {
    parse_iso_prefix(line).map(|(t, _)| t)
}

/// The time a line was written, in any layout of the [module docs](self): klog and syslog
/// times only against `hint`, when there is one.
pub(crate) fn line_time_with(line: &[u8], hint: Option<YearHint>) -> Option<Timestamp> {
    let line = strip_pod_tag(line);
    // Old Consul indents its lines (`    2022/05/15 11:06:47 [ERR] ...`).
    let indent = line.iter().take(8).take_while(|&&b| b == b' ').count();
    let line = match line.get(indent) {
        Some(b) if indent > 0 && b.is_ascii_digit() => &line[indent..],
        _ => line,
    };
    let first = *line.first()?;
    if first.is_ascii_digit() {
        return parse_iso_prefix(line).map(|(t, _)| t).or_else(|| slashed(line));
    }
    if first == b'{' {
        return json_time(line);
    }
    if let Some((t, _)) = rancher_prefix(line) {
        return Some(t);
    }
    let hint = hint?;
    klog(line)
        .or_else(|| syslog(line))
        .and_then(|fields| hint.resolve(fields))
}

/// The line after `kubectl logs --prefix`'s `[pod/NAME/CONTAINER] ` tag.
pub(crate) fn strip_pod_tag(line: &[u8]) -> &[u8] {
    if !line.starts_with(b"[pod/") {
        return line;
    }
    let window = &line[..line.len().min(320)];
    match memmem::find(window, b"] ") {
        Some(end) if !window[5..end].contains(&b' ') => &line[end + 2..],
        _ => line,
    }
}

/// Rancher's log viewer download prefix, `Thu, Jun 30 2022 11:08:02 am | ` (the day and hour
/// may have one digit): its time and length.
pub(crate) fn rancher_prefix(line: &[u8]) -> Option<(Timestamp, usize)> {
    if line.len() < 30 || &line[3..5] != b", " || !line[0].is_ascii_uppercase() {
        return None;
    }
    let month = month_of(&line[5..8])?;
    let window = &line[..line.len().min(48)];
    let bar = memmem::find(window, b" | ")?;
    let mut fields = window[9..bar].split(|&b| b == b' ');
    let (day, year) = (number(fields.next()?)?, number(fields.next()?)?);
    let mut hms = fields.next()?.split(|&b| b == b':');
    let (h, m, sec) = (number(hms.next()?)?, number(hms.next()?)?, number(hms.next()?)?);
    let hour = match (fields.next()?, h) {
        (b"am", 12) => 0,
        (b"am", h) => h,
        (b"pm", 12) => 12,
        (b"pm", h) => h + 12,
        _ => return None,
    };
    if fields.next().is_some() || line[8] != b' ' {
        return None;
    }
    let t = Timestamp::from_civil(year as i32, month, day, hour, m, sec, 0)?;
    Some((t, bar + 3))
}

/// A whole field of one to four ASCII digits as a number.
fn number(field: &[u8]) -> Option<u32> {
    if field.is_empty() || field.len() > 4 {
        return None;
    }
    digits(field, 0..field.len())
}

/// `Jan` => 1 ... `Dec` => 12.
fn month_of(name: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
    ];
    MONTHS.iter().position(|m| name == &m[..]).map(|i| i as u32 + 1)
}

/// The digits of `bytes[range]` as a number; `None` unless all are ASCII digits.
fn digits(bytes: &[u8], range: std::ops::Range<usize>) -> Option<u32> {
    bytes.get(range).and_then(decimal)
}

/// Milliseconds from a fraction's digits (`.208359` => 208).
fn fraction_millis(bytes: &[u8]) -> u32 {
    let digits = bytes.iter().take(3).take_while(|b| b.is_ascii_digit());
    let (value, n) = digits.fold((0, 0), |(v, n), &b| (v * 10 + u32::from(b - b'0'), n + 1));
    value * 10u32.pow(3 - n)
}

/// `2022/11/14 14:40:53[.123456]` (Go's `log` package, old Consul).
fn slashed(line: &[u8]) -> Option<Timestamp> {
    if line.len() < 19 || line[4] != b'/' || line[7] != b'/' || line[10] != b' ' {
        return None;
    }
    if line[13] != b':' || line[16] != b':' {
        return None;
    }
    let millis = match line.get(19) {
        Some(b'.') => fraction_millis(&line[20..]),
        _ => 0,
    };
    Timestamp::from_civil(
        digits(line, 0..4)? as i32,
        digits(line, 5..7)?,
        digits(line, 8..10)?,
        digits(line, 11..13)?,
        digits(line, 14..16)?,
        digits(line, 17..19)?,
        millis,
    )
}

/// klog's header: `[IWEF]MMDD HH:MM:SS.uuuuuu`; month, day, hour, minute, second, millis.
fn klog(line: &[u8]) -> Option<(u32, u32, u32, u32, u32, u32)> {
    if line.len() < 21 || !matches!(line[0], b'I' | b'W' | b'E' | b'F') {
        return None;
    }
    if line[5] != b' ' || line[8] != b':' || line[11] != b':' || line[14] != b'.' {
        return None;
    }
    Some((
        digits(line, 1..3)?,
        digits(line, 3..5)?,
        digits(line, 6..8)?,
        digits(line, 9..11)?,
        digits(line, 12..14)?,
        fraction_millis(&line[15..]),
    ))
}

/// syslog's and journald's `Mmm dd HH:MM:SS` (the day space-padded).
fn syslog(line: &[u8]) -> Option<(u32, u32, u32, u32, u32, u32)> {
    if line.len() < 15 || line[3] != b' ' || line[9] != b':' || line[12] != b':' {
        return None;
    }
    let month = month_of(&line[..3])?;
    let day = match line[4] {
        b' ' => digits(line, 5..6)?,
        _ => digits(line, 4..6)?,
    };
    let millis = match line.get(15) {
        Some(b'.') => fraction_millis(&line[16..]),
        _ => 0,
    };
    Some((
        month,
        day,
        digits(line, 7..9)?,
        digits(line, 10..12)?,
        digits(line, 13..15)?,
        millis,
    ))
}

/// A JSON line's time field: `"time"`, `"ts"`, `"timestamp"` or `"@timestamp"`, as ISO text or
/// epoch seconds (zap's `"ts":1631770680.587`).
fn json_time(line: &[u8]) -> Option<Timestamp> {
    // Loggers write the time near the start; docker's json-file wraps the line and writes it
    // last. Only those ends are searched, so a 50 MB line costs no more than a short one.
    const HEAD: usize = 4096;
    const TAIL: usize = 512;
    let head = &line[..line.len().min(HEAD)];
    let tail = &line[line.len().saturating_sub(TAIL).max(head.len())..];
    [head, tail].into_iter().find_map(json_time_in)
}

fn json_time_in(part: &[u8]) -> Option<Timestamp> {
    for key in [
        &b"\"time\":"[..],
        b"\"ts\":",
        b"\"timestamp\":",
        b"\"@timestamp\":",
    ] {
        let Some(at) = memmem::find(part, key) else {
            continue;
        };
        let value = &part[at + key.len()..];
        let value = value.strip_prefix(b" ").unwrap_or(value);
        if let Some(text) = value.strip_prefix(b"\"") {
            if let Some((t, _)) = parse_iso_prefix(text) {
                return Some(t);
            }
        } else if let Some(t) = epoch_seconds(value) {
            return Some(t);
        }
    }
    None
}

/// Epoch seconds with an optional fraction, 2001 to 2286 (ten integer digits).
fn epoch_seconds(value: &[u8]) -> Option<Timestamp> {
    let secs = digits(value, 0..10)?;
    if value.get(10).is_some_and(u8::is_ascii_digit) || secs < 1_000_000_000 {
        return None;
    }
    let millis = match value.get(10) {
        Some(b'.') => fraction_millis(&value[11..]),
        _ => 0,
    };
    Some(Timestamp(i64::from(secs) * 1000 + i64::from(millis)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_words_of_every_product_normalise() {
        for (word, level) in [
            (&b"ERRO"[..], Level::Error),
            (b"warning", Level::Warn),
            (b"SEVERE", Level::Error),
            (b"fata", Level::Fatal),
            (b"DBG", Level::Debug),
        ] {
            assert_eq!(
                Level::parse(word),
                Some(level),
                "{}",
                String::from_utf8_lossy(word)
            );
        }
        assert_eq!(Level::parse(b"INFORMATIONAL"), None);
        assert_eq!(Level::parse(b""), None);
    }

    #[test]
    fn line_time_reads_the_leading_timestamp_only() {
        assert!(line_time(b"2025-02-02T10:00:00.123Z|INFO|CTL|x: y").is_some());
        assert_eq!(line_time(b"no time here 2025-02-02T10:00:00Z"), None);
    }

    fn at(text: &str) -> Timestamp {
        crate::time::parse_iso_prefix(text.as_bytes()).unwrap().0
    }

    #[test]
    fn layouts_that_print_a_year_are_read_without_a_hint() {
        let t = |line: &str| line_time_with(line.as_bytes(), None);
        assert_eq!(
            t("2022/11/14 14:40:53 Error: failed to create FS watcher"),
            Some(at("2022-11-14T14:40:53Z"))
        );
        assert_eq!(
            t("2022/05/15 11:14:45.250123 [INFO] raft: x"),
            Some(at("2022-05-15T11:14:45.250Z"))
        );
        assert_eq!(
            t("    2022/05/15 11:06:47 [ERR] agent: x"),
            Some(at("2022-05-15T11:06:47Z"))
        );
        assert_eq!(t("        at java.lang.Thread.run(Thread.java:750)"), None);
        assert_eq!(
            t(
                r#"{"log":"E1103 18:28:07.208359 1 x.go:65] y\n","stream":"stderr","time":"2021-11-03T18:28:07.208526256Z"}"#
            ),
            Some(at("2021-11-03T18:28:07.208Z"))
        );
        assert_eq!(
            t(r#"{"level":"warn","ts":"2021-09-16T05:38:00.587Z","msg":"x"}"#),
            Some(at("2021-09-16T05:38:00.587Z"))
        );
        assert_eq!(
            t(r#"{"level":"info","ts":1631770680.587,"msg":"x"}"#),
            Some(Timestamp(1_631_770_680_587))
        );
        assert_eq!(
            t("[pod/neuvector-controller-pod-5d8f9-abcde/neuvector-controller-pod] 2025-02-02T10:00:00.000|INFO|CTL|x"),
            Some(at("2025-02-02T10:00:00Z"))
        );
        assert_eq!(t(r#"{"msg":"no time","count":1631770680}"#), None);
        // A long docker json-file line: the time is at its end.
        let long = format!(
            r#"{{"log":"{}","stream":"stdout","time":"2021-11-03T18:28:07Z"}}"#,
            "x".repeat(100_000)
        );
        assert_eq!(t(&long), Some(at("2021-11-03T18:28:07Z")));
        assert_eq!(
            t("Thu, Jun 30 2022 11:08:02 am | panic: x"),
            Some(at("2022-06-30T11:08:02Z"))
        );
        assert_eq!(
            t("Thu, Jun 30 2022 12:08:02 am | x"),
            Some(at("2022-06-30T00:08:02Z"))
        );
        assert_eq!(
            t("Fri, Jul 1 2022 1:05:09 pm | x"),
            Some(at("2022-07-01T13:05:09Z"))
        );
        let line = b"Fri, Jul 1 2022 1:05:09 pm | panic: x";
        assert_eq!(&line[rancher_prefix(line).unwrap().1..], b"panic: x");
        assert_eq!(rancher_prefix(b"Note, Jul 1 2022 1:05:09 pm | x"), None);
        // Yearless layouts need a hint.
        assert_eq!(t("E1103 18:28:07.208359       1 authentication.go:65] x"), None);
    }

    #[test]
    fn yearless_times_take_the_year_the_file_was_written() {
        let hint = YearHint::at(at("2021-11-05T09:00:00Z"));
        let t = |line: &str| line_time_with(line.as_bytes(), hint);
        assert_eq!(
            t("E1103 18:28:07.208359       1 authentication.go:65] x"),
            Some(at("2021-11-03T18:28:07.208Z"))
        );
        assert_eq!(
            t("Mar 13 16:02:43 node-w3fz kubelet[1450]: I0313 16:02:43.934473 1450 kubelet.go:1778] x"),
            Some(at("2021-03-13T16:02:43Z"))
        );
        assert_eq!(
            t("Nov  3 18:28:07 host sshd[1]: x"),
            Some(at("2021-11-03T18:28:07Z"))
        );
        // December's lines in a file written in early January are last year's.
        let january = YearHint::at(at("2022-01-02T09:00:00Z"));
        assert_eq!(
            line_time_with(b"I1230 23:59:00.000000 1 x.go:1] y", january),
            Some(at("2021-12-30T23:59:00Z"))
        );
        // Not a klog header: a word that starts with I and digits.
        assert_eq!(t("I1103 is not a time"), None);
        assert_eq!(t("Information: nothing"), None);
    }
}
