//! Header detection: finds where the timestamp / level / source prefix of a log line ends and
//! the message begins, for any common layout, with no per-file configuration.
//!
//! Two layers:
//! * a per-line scanner that greedily reads timestamp forms (ISO-8601 with 0-9 fraction digits
//!   and NeuVector's space padding, `YY/MM/DD HH:MM:SS`, `YYMMDD HHMMSS`, syslog
//!   `Mon DD HH:MM:SS`, ctime, `[...]`-wrapped times, epoch seconds/millis), level words (bare,
//!   `[bracketed]` or padded), `[context]` groups, `-`/`|` separators and a pid after the time;
//! * a per-file [`HeaderShape`], learned from the first lines, that says how many "source"
//!   columns (a host name, a module tag such as NeuVector's `CTL`) follow that prefix and
//!   whether a `component:` column ends the header. A column only counts when most sampled
//!   lines agree on its position, so message words are not mistaken for header fields.

use serde::Serialize;

use crate::time::{days_from_civil, decimal, parse_iso_prefix, Timestamp};

pub use crate::logline::Level;

/// What the header scanner found in one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    /// The line's timestamp, if the header has one with a full date.
    pub time: Option<Timestamp>,
    /// The line's level, if the header has one.
    pub level: Option<Level>,
    /// Byte range of the source column (host, module or `component:`), if any.
    pub source: Option<(usize, usize)>,
    /// Byte offset where the message starts.
    pub content: usize,
    /// Byte offset where the message ends, when it is one field of a structured line (the
    /// `msg` of a JSON or key=value line); `None`: the end of the line.
    pub content_end: Option<usize>,
    /// Whether a timestamp-like prefix was found (even without a full date).
    pub timed: bool,
}

/// The header layout of one file, learned by [`HeaderShape::learn`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HeaderShape {
    /// Columns between the time/level prefix and the component (syslog host, NeuVector module).
    pub source_columns: u8,
    /// Whether lines end their header with a `component:` token.
    pub component: bool,
    /// Whether a padded column (a short token followed by a run of spaces, as in Windows CBS's
    /// `Info                  CBS    Loaded ...`) ends the header, when no `component:` does.
    pub padded_column: bool,
    /// Columns before the time on most lines (an alert flag, a record id, a node name): the
    /// time is read after them.
    #[serde(skip_serializing_if = "is_zero")]
    pub lead_columns: u8,
    /// Columns after the time/level prefix that are header on most lines (a dotted date, node
    /// names, a pid, `type component LEVEL` words, a `[request]` group): learned from where
    /// most lines agree, then skipped by position.
    #[serde(skip_serializing_if = "is_zero")]
    pub post_columns: u8,
    /// A field separator (`\t` or `;`) that ends each header field, when most lines start with
    /// `fields` short fields, one of them the time; 0: none.
    #[serde(skip_serializing_if = "is_zero")]
    pub field_sep: u8,
    /// How many separated fields the header has (with `field_sep`).
    #[serde(skip_serializing_if = "is_zero")]
    pub fields: u8,
    /// Whether a lone `-` among the first columns after the prefix ends the header
    /// (`[10.30 16:49:06] chrome.exe - host:443 open ...`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dash_column: bool,
    /// Year assumed for layouts that carry none (syslog `Jun 14 15:16:01`).
    pub assume_year: i32,
}

fn is_zero(v: &u8) -> bool {
    *v == 0
}

impl Default for HeaderShape {
    fn default() -> Self {
        HeaderShape {
            source_columns: 0,
            component: false,
            padded_column: false,
            lead_columns: 0,
            post_columns: 0,
            field_sep: 0,
            fields: 0,
            dash_column: false,
            assume_year: 1970,
        }
    }
}

/// Header bytes never looked at beyond this offset.
const HEADER_SCAN: usize = 320;
/// How many tokens after the time/level prefix may hold the `component:`.
const COMPONENT_WINDOW: usize = 3;
/// Longest token a padded column holds.
const PADDED_COLUMN_MAX: usize = 32;
/// How many columns before the time, or after the prefix, a learned header may hold.
const COLUMN_WINDOW: usize = 8;
/// Share of the sampled lines (timed lines for columns after the time) that must agree on a
/// learned column: a message's words rarely line up so well across events.
const AGREE: f64 = 0.9;
/// Fewest lines a column is learned from (a miner learning as lines come sees 1, 2, 4 ...
/// lines first: one line agrees with itself on every column).
const MIN_COLUMN_LINES: usize = 8;
/// Share of the timed lines that must put a level at one column for it to end the header.
const LEVEL_AGREE: f64 = 0.7;
/// Longest field of a separated header.
const FIELD_MAX: usize = 64;
/// Longest field of a comma-separated header, but for the time.
const COMMA_FIELD_MAX: usize = 32;

/// What a column after the time/level prefix holds, for learning which are header.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Column {
    /// A level word.
    Level,
    /// A token with a digit (a date, node name, pid, id), or a `[...]` group.
    Field,
    /// One plain word (a type or component name).
    Word,
    /// Anything else (a `component:`, quotes, `key=value`): not a header column.
    Other,
}

/// The column at `p`: its class and end offset.
fn column_at(b: &[u8], p: usize) -> Option<(Column, usize, usize)> {
    let (s, e) = next_token(b, p)?;
    let tok = &b[s..e];
    if b[s] == b'[' {
        let end = bracket_end(b, s)?;
        return Some((Column::Field, s, end));
    }
    if level_token(tok).is_some() {
        return Some((Column::Level, s, e));
    }
    let plain = !tok.ends_with(b":")
        && !tok.ends_with(b",")
        && tok.iter().all(|&c| {
            c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/' | b'*' | b'@' | b':')
        });
    let class = match (plain, tok.iter().any(u8::is_ascii_digit)) {
        (false, _) => Column::Other,
        (true, true) => Column::Field,
        (true, false) => Column::Word,
    };
    Some((class, s, e))
}

/// The index of the first of the line's first columns that starts a time (not the first).
fn time_column(b: &[u8], year: i32) -> Option<usize> {
    let mut p = 0;
    for k in 0..=COLUMN_WINDOW.min(6) {
        let (s, e) = next_token(b, p)?;
        if k > 0 && read_time(b, s, year).is_some() {
            return Some(k);
        }
        p = e;
    }
    None
}

/// The end of the `n`th header token from `p`, when the line has that many.
fn skip_columns(b: &[u8], mut p: usize, n: usize) -> Option<usize> {
    for _ in 0..n {
        let (_, e) = next_token(b, p)?;
        p = e;
    }
    Some(p)
}

/// The fields a line starts with, each ended by `sep` (`\t`, `;`): short, one word each
/// (or any text between tabs) but the one holding the time. Returns how many and which holds
/// the time.
fn separated_fields(b: &[u8], sep: u8, year: i32) -> (usize, Option<usize>, usize) {
    let limit = b.len().min(HEADER_SCAN);
    let (mut p, mut n, mut time, mut end) = (0, 0, None, 0);
    while n < COLUMN_WINDOW {
        let Some(q) = memchr::memchr(sep, &b[p..limit]).map(|i| p + i) else {
            break;
        };
        let mut s = p;
        while s < q && is_space(b[s]) {
            s += 1;
        }
        let field = &b[s..q];
        let trimmed = field.trim_ascii_end();
        // Commas also separate a message's phrases: a comma-separated header field is the
        // time alone or a short column of at most three words (`M1 | Active`, empty).
        let comma = sep == b',';
        let timed = time.is_none()
            && read_time(b, s, year).is_some_and(|(_, e)| e <= q && (!comma || e >= s + trimmed.len()));
        let spaced = trimmed.contains(&b' ');
        let column = if comma {
            trimmed.len() <= COMMA_FIELD_MAX
                && trimmed.split(|&c| c == b' ').filter(|w| !w.is_empty()).count() <= 3
        } else {
            sep == b'\t' || !spaced
        };
        if field.len() > FIELD_MAX || (!timed && !column) {
            break;
        }
        if timed {
            time = Some(n);
        }
        n += 1;
        p = q + 1;
        end = p;
    }
    (n, time, end)
}

/// Whether the text from `p` holds a word of free text: two or more letters and nothing else
/// but the punctuation around it (`(Connection`, `refused,`).
fn free_text(b: &[u8], mut p: usize) -> bool {
    while let Some((s, e)) = next_token(b, p) {
        let w = b[s..e]
            .trim_ascii()
            .strip_prefix(b"(")
            .unwrap_or(&b[s..e])
            .trim_ascii_end();
        let w = w.strip_suffix(b")").unwrap_or(w);
        let end = w.len()
            - w.iter()
                .rev()
                .take_while(|c| matches!(c, b'.' | b',' | b':' | b';' | b'!' | b'?'))
                .count();
        if end >= 2 && w[..end].iter().all(u8::is_ascii_alphabetic) {
            return true;
        }
        p = e;
    }
    false
}

/// The token at `p` when it is a padded column: short, followed by two or more spaces and then
/// more text (a message's words are single-spaced).
fn padded_column(line: &[u8], p: usize) -> Option<(usize, usize)> {
    let (s, e) = next_token(line, p)?;
    let rest = &line[e..];
    let pad = rest.iter().take_while(|&&c| c == b' ').count();
    (e - s <= PADDED_COLUMN_MAX && pad >= 2 && pad < rest.len()).then_some((s, e))
}

const MONTHS: [&[u8; 3]; 12] = [
    b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
];
const WEEKDAYS: [&[u8; 3]; 7] = [b"mon", b"tue", b"wed", b"thu", b"fri", b"sat", b"sun"];

fn month_of(w: &[u8]) -> Option<u32> {
    if w.len() < 3 {
        return None;
    }
    let l = [
        w[0].to_ascii_lowercase(),
        w[1].to_ascii_lowercase(),
        w[2].to_ascii_lowercase(),
    ];
    MONTHS.iter().position(|m| **m == l).map(|i| i as u32 + 1)
}

fn is_weekday(w: &[u8]) -> bool {
    w.len() >= 3 && {
        let l = [
            w[0].to_ascii_lowercase(),
            w[1].to_ascii_lowercase(),
            w[2].to_ascii_lowercase(),
        ];
        WEEKDAYS.iter().any(|d| **d == l)
    }
}

/// A validated civil time as a [`Timestamp`].
fn civil(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32) -> Option<Timestamp> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(i64::from(y), mo, d);
    Some(Timestamp(
        ((days * 24 + i64::from(h)) * 60 + i64::from(mi)) * 60_000 + i64::from(s) * 1000 + i64::from(ms),
    ))
}

/// Reads exactly `n` ASCII digits at `b[at..]`.
fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    b.get(at..at + n).and_then(decimal)
}

/// Reads `HH:MM:SS[.,fff...]` at `b[at..]`; returns (h, m, s, millis, bytes used).
fn clock(b: &[u8], at: usize) -> Option<(u32, u32, u32, u32, usize)> {
    let h = digits(b, at, 2)?;
    if b.get(at + 2) != Some(&b':') {
        return None;
    }
    let mi = digits(b, at + 3, 2)?;
    if b.get(at + 5) != Some(&b':') {
        return None;
    }
    let s = digits(b, at + 6, 2)?;
    let mut used = 8;
    let mut ms = 0;
    if b.get(at + 8) == Some(&b':') && digit_at(b, at + 9) {
        // Milliseconds after a colon, not always padded: `22:15:29:606`, `22:15:29:47`.
        let n = (1..=3).take_while(|&i| digit_at(b, at + 8 + i)).count();
        if !digit_at(b, at + 9 + n) && b.get(at + 9 + n) != Some(&b':') {
            let ms = digits(b, at + 9, n)? * [100, 10, 1][n - 1];
            return (h < 24 && mi < 60 && s <= 60).then_some((h, mi, s, ms, 9 + n));
        }
    }
    if matches!(b.get(at + 8), Some(b'.' | b',')) {
        let mut n = 0;
        while let Some(c) = b.get(at + 9 + n).filter(|c| c.is_ascii_digit()) {
            if n < 3 {
                ms = ms * 10 + u32::from(c - b'0');
            }
            n += 1;
        }
        if n > 0 {
            for _ in n..3 {
                ms *= 10;
            }
            used = 9 + n;
        }
    }
    (h < 24 && mi < 60 && s <= 60).then_some((h, mi, s, ms, used))
}

/// Reads `HH.MM.SS[.ffffff]` (a clock with dots, as in `2005-06-03-15.42.50.675872`).
fn dotted_clock(b: &[u8], at: usize) -> Option<(u32, u32, u32, u32, usize)> {
    let (h, mi, s) = (digits(b, at, 2)?, digits(b, at + 3, 2)?, digits(b, at + 6, 2)?);
    if b.get(at + 2) != Some(&b'.') || b.get(at + 5) != Some(&b'.') {
        return None;
    }
    let mut used = 8;
    let mut ms = 0;
    if b.get(at + 8) == Some(&b'.') && digit_at(b, at + 9) {
        let mut n = 0;
        while digit_at(b, at + 9 + n) {
            if n < 3 {
                ms = ms * 10 + u32::from(b[at + 9 + n] - b'0');
            }
            n += 1;
        }
        for _ in n..3 {
            ms *= 10;
        }
        used = 9 + n;
    }
    (h < 24 && mi < 60 && s <= 60 && !alnum_at(b, at + used)).then_some((h, mi, s, ms, used))
}

/// Reads one or two digits at `b[at..]`: (value, bytes used).
fn one_or_two_digits(b: &[u8], at: usize) -> Option<(u32, usize)> {
    match digits(b, at, 2) {
        Some(v) => Some((v, 2)),
        None => digits(b, at, 1).map(|v| (v, 1)),
    }
}

/// The US date and time of Windows and batch-scheduler logs: `3/7/2024 9:15:04 AM`,
/// `03/07/2024 09:15:03`.
fn us_date_time(b: &[u8], at: usize) -> Option<(Option<Timestamp>, usize)> {
    let (mo, l1) = one_or_two_digits(b, at)?;
    let mut q = at + l1;
    if b.get(q) != Some(&b'/') {
        return None;
    }
    let (d, l2) = one_or_two_digits(b, q + 1)?;
    q += 1 + l2;
    if b.get(q) != Some(&b'/') {
        return None;
    }
    let y = digits(b, q + 1, 4)?;
    q += 5;
    if b.get(q) != Some(&b' ') {
        return None;
    }
    q += 1;
    // The hour may have one digit.
    let (mut h, hl) = one_or_two_digits(b, q)?;
    if b.get(q + hl) != Some(&b':') {
        return None;
    }
    q += hl;
    let (mi, s) = (digits(b, q + 1, 2)?, digits(b, q + 4, 2)?);
    if b.get(q + 3) != Some(&b':') || h > 23 {
        return None;
    }
    q += 6;
    for (word, add) in [(b" AM", 0), (b" PM", 12)] {
        if b[q..].starts_with(word) && !alnum_at(b, q + 3) {
            h = h % 12 + add;
            q += 3;
            break;
        }
    }
    Some((civil(y as i32, mo, d, h, mi, s, 0), skip_zone(b, q)))
}

fn alnum_at(b: &[u8], i: usize) -> bool {
    b.get(i).is_some_and(u8::is_ascii_alphanumeric)
}

fn digit_at(b: &[u8], i: usize) -> bool {
    b.get(i).is_some_and(u8::is_ascii_digit)
}

fn is_space(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Skips an optional numeric zone (` +0000`, `+00:00`, ` UTC`) after a time.
fn skip_zone(b: &[u8], at: usize) -> usize {
    let mut p = at;
    if b.get(p) == Some(&b' ') {
        p += 1;
    }
    if matches!(b.get(p), Some(b'+' | b'-')) {
        let mut q = p + 1;
        while q < b.len() && (b[q].is_ascii_digit() || b[q] == b':') && q - p <= 6 {
            q += 1;
        }
        if q - p >= 3 && !alnum_at(b, q) {
            return q;
        }
    }
    if b[p..].starts_with(b"UTC") && !alnum_at(b, p + 3) {
        return p + 3;
    }
    at
}

/// Tries every known timestamp form at `b[at..]`. Returns the time (when it has a date) and
/// the end offset.
fn read_time(b: &[u8], at: usize, year: i32) -> Option<(Option<Timestamp>, usize)> {
    let rest = &b[at..];
    let first = *rest.first()?;
    if first.is_ascii_digit() {
        // ISO-8601 (with `T` or space, 0-9 fraction digits, optional `Z`).
        if let Some((ts, used)) = parse_iso_prefix(rest) {
            return Some((Some(ts), skip_zone(b, at + used)));
        }
        // YYYY/MM/DD or YY/MM/DD, then space and clock.
        for (ylen, base) in [(4usize, 0i32), (2, 2000)] {
            if let (Some(y), Some(mo), Some(d)) = (
                digits(b, at, ylen),
                digits(b, at + ylen + 1, 2),
                digits(b, at + ylen + 4, 2),
            ) {
                let sep = rest[ylen];
                if matches!(sep, b'/' | b'-' | b'.') && rest.get(ylen + 3) == Some(&sep) {
                    let mut after = at + ylen + 6;
                    if matches!(b.get(after), Some(b' ' | b'T' | b'-' | b'_')) {
                        // apt's history log writes two spaces: `2023-01-05  10:12:01`.
                        while b.get(after + 1) == Some(&b' ') && after < at + ylen + 9 {
                            after += 1;
                        }
                        // `2005-06-03-15.42.50.675872` writes its clock with dots.
                        if let Some((h, mi, s, ms, used)) =
                            clock(b, after + 1).or_else(|| dotted_clock(b, after + 1))
                        {
                            let ts = civil(base + y as i32, mo, d, h, mi, s, ms);
                            return Some((ts, skip_zone(b, after + 1 + used)));
                        }
                    }
                    // A date alone (`2005.06.03`), with a four-digit year.
                    if ylen == 4
                        && !alnum_at(b, after)
                        && !matches!(b.get(after), Some(b'.' | b'-' | b'/' | b':'))
                    {
                        return Some((civil(y as i32, mo, d, 0, 0, 0, 0), after));
                    }
                }
            }
        }
        // A compact date: `20171223-22:15:29:606`, `20240307 09:15:02`, `20240307T091502`.
        if let Some(date) = digits(b, at, 8).filter(|_| matches!(rest.get(8), Some(b'-' | b' ' | b'T'))) {
            let (y, mo, d) = (date / 10_000, date / 100 % 100, date % 100);
            if (1970..2100).contains(&y) {
                // The hour is not always padded (`20171224-2:31:46:174`).
                let clocked = clock(b, at + 9).or_else(|| {
                    let mut padded = [b'0'; 16];
                    let tail = &b[at + 9..b.len().min(at + 24)];
                    padded[1..1 + tail.len()].copy_from_slice(tail);
                    (digit_at(b, at + 9) && b.get(at + 10) == Some(&b':'))
                        .then(|| {
                            clock(&padded[..1 + tail.len()], 0)
                                .map(|(h, mi, s, ms, used)| (h, mi, s, ms, used - 1))
                        })
                        .flatten()
                });
                if let Some((h, mi, s, ms, used)) = clocked {
                    return Some((civil(y as i32, mo, d, h, mi, s, ms), skip_zone(b, at + 9 + used)));
                }
                if let (Some(tod), false) = (digits(b, at + 9, 6), digit_at(b, at + 15)) {
                    let ts = civil(y as i32, mo, d, tod / 10_000, tod / 100 % 100, tod % 100, 0);
                    if ts.is_some() {
                        return Some((ts, at + 15));
                    }
                }
            }
        }
        if let Some(found) = us_date_time(b, at) {
            return Some(found);
        }
        // YYMMDD HHMMSS (HDFS).
        if let (Some(date), Some(tod)) = (digits(b, at, 6), digits(b, at + 7, 6)) {
            if rest[6] == b' ' && !digit_at(b, at + 13) {
                let ts = civil(
                    2000 + (date / 10_000) as i32,
                    date / 100 % 100,
                    date % 100,
                    tod / 10_000,
                    tod / 100 % 100,
                    tod % 100,
                    0,
                );
                if ts.is_some() {
                    return Some((ts, at + 13));
                }
            }
        }
        // The common log format's `07/Mar/2024:09:15:04 +0000`.
        if let (Some(d), Some(b'/'), Some(b'/')) = (digits(b, at, 2), rest.get(2), rest.get(6)) {
            if let (Some(mo), Some(y), Some(b':')) =
                (month_of(&rest[3..]), digits(b, at + 7, 4), rest.get(11))
            {
                if let Some((h, mi, s, ms, used)) = clock(b, at + 12) {
                    return Some((civil(y as i32, mo, d, h, mi, s, ms), skip_zone(b, at + 12 + used)));
                }
            }
        }
        // `MM-DD HH:MM:SS.mmm` (Android logcat) and `DD Mon [YYYY] HH:MM:SS` (redis).
        if let (Some(mo), Some(d)) = (digits(b, at, 2), digits(b, at + 3, 2)) {
            if matches!(rest[2], b'-' | b'.' | b'/') && rest.get(5) == Some(&b' ') {
                if let Some((h, mi, s, ms, used)) = clock(b, at + 6) {
                    return Some((civil(year, mo, d, h, mi, s, ms), skip_zone(b, at + 6 + used)));
                }
            }
        }
        if let (Some(d), Some(b' ')) = (digits(b, at, 2), rest.get(2)) {
            if let Some(mo) = month_of(&rest[3..]) {
                let mut q = at + 6;
                let mut y = year;
                if b.get(q) == Some(&b' ') {
                    if let Some(yy) = digits(b, q + 1, 4).filter(|_| b.get(q + 5) == Some(&b' ')) {
                        y = yy as i32;
                        q += 5;
                    }
                }
                if b.get(q) == Some(&b' ') {
                    if let Some((h, mi, s, ms, used)) = clock(b, q + 1) {
                        return Some((civil(y, mo, d, h, mi, s, ms), skip_zone(b, q + 1 + used)));
                    }
                }
            }
        }
        // A bare clock: `13:09:02.525`.
        if let Some((h, mi, s, ms, used)) = clock(b, at) {
            return Some((civil(year, 1, 1, h, mi, s, ms), at + used));
        }
        // Epoch seconds (10 digits) or milliseconds (13 digits), optional fraction.
        let mut n = 0;
        while rest.get(n).is_some_and(u8::is_ascii_digit) {
            n += 1;
        }
        if n == 10 || n == 13 {
            let mut v: i64 = 0;
            for &c in &rest[..n] {
                v = v * 10 + i64::from(c - b'0');
            }
            let mut end = n;
            let mut ms = if n == 10 { v * 1000 } else { v };
            if n == 10 && rest.get(n) == Some(&b'.') {
                let mut f = 0;
                let mut k = n + 1;
                while rest.get(k).is_some_and(u8::is_ascii_digit) {
                    if k - n <= 3 {
                        f = f * 10 + i64::from(rest[k] - b'0');
                    }
                    k += 1;
                }
                let scale = [1, 100, 10, 1];
                ms += f * scale[(k - n - 1).min(3)];
                end = k;
            }
            // 2000-01-01 .. 2100-01-01
            if (946_684_800_000..4_102_444_800_000).contains(&ms) && !alnum_at(rest, end) {
                return Some((Some(Timestamp(ms)), at + end));
            }
        }
        return None;
    }
    if first == b'[' {
        // A bracketed time: `[Sun Dec 04 04:47:44 2005]`, `[2025-01-26 13:09:02]`,
        // `[12345.678]` (seconds since boot).
        let close = memchr::memchr(b']', &rest[..rest.len().min(64)])?;
        let mut inner = at + 1;
        while inner < at + close && is_space(b[inner]) {
            inner += 1;
        }
        if let Some(end) = seconds_since_boot(b, inner).filter(|&e| e == at + close) {
            return Some((None, end + 1));
        }
        let (ts, end) = read_time(b, inner, year)?;
        let mut e = end;
        while e < at + close && is_space(b[e]) {
            e += 1;
        }
        return (e == at + close).then_some((ts, at + close + 1));
    }
    // ctime `Sun Dec 04 04:47:44 2005` or syslog `Jun 14 15:16:01` / `Jul  1 09:00:55`.
    let mut p = at;
    if is_weekday(rest) && rest.get(3) == Some(&b' ') {
        p += 4;
    }
    let mo = month_of(&b[p..])?;
    let mut q = p + 3;
    // Allow the full month name.
    while q < b.len() && b[q].is_ascii_alphabetic() {
        q += 1;
    }
    if q - p > 9 {
        return None;
    }
    let mut spaces = 0;
    while q < b.len() && b[q] == b' ' {
        q += 1;
        spaces += 1;
    }
    if spaces == 0 {
        return None;
    }
    let (d, dl) = match digits(b, q, 2) {
        Some(d) => (d, 2),
        None => (digits(b, q, 1)?, 1),
    };
    q += dl;
    if b.get(q) != Some(&b' ') {
        return None;
    }
    q += 1;
    let (h, mi, s, ms, used) = clock(b, q)?;
    q += used;
    let mut y = year;
    if b.get(q) == Some(&b' ') {
        if let Some(yy) = digits(b, q + 1, 4) {
            if !digit_at(b, q + 5) {
                y = yy as i32;
                q += 5;
            }
        }
    }
    Some((civil(y, mo, d, h, mi, s, ms), q))
}

/// The end of `12345.678901` (seconds since boot, as the kernel's `[    0.000000]`) at
/// `b[at..]`: digits, a dot, digits.
fn seconds_since_boot(b: &[u8], at: usize) -> Option<usize> {
    let mut p = at;
    while digit_at(b, p) {
        p += 1;
    }
    if p == at || b.get(p) != Some(&b'.') || !digit_at(b, p + 1) {
        return None;
    }
    p += 1;
    while digit_at(b, p) {
        p += 1;
    }
    Some(p)
}

/// A klog header token: the level letter and `MMDD` (`I1025`, `E0101`).
fn klog_level(tok: &[u8]) -> Option<Level> {
    if tok.len() != 5 || !tok[1..].iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(match tok[0] {
        b'I' => Level::Info,
        b'W' => Level::Warn,
        b'E' => Level::Error,
        b'F' => Level::Fatal,
        _ => return None,
    })
}

/// A one-letter level after a pid (Android logcat `V D I W E F`).
fn letter_level(tok: &[u8]) -> Option<Level> {
    Some(match tok {
        b"V" => Level::Trace,
        b"D" => Level::Debug,
        b"I" => Level::Info,
        b"W" => Level::Warn,
        b"E" => Level::Error,
        b"F" | b"A" => Level::Fatal,
        _ => return None,
    })
}

/// A word that may name the program or field before a time (`Start-Date:`, `kafka`,
/// `broker`, `10031:M`): no spaces, short, no `=` or quotes.
fn lead_word(tok: &[u8]) -> bool {
    tok.len() <= 64
        && tok.iter().any(u8::is_ascii_alphabetic)
        && tok
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':' | b'/'))
}

/// An IPv4 or IPv6 address (digits, hex, dots and colons, with a digit).
fn address_like(tok: &[u8]) -> bool {
    tok.len() >= 3
        && tok.iter().any(u8::is_ascii_digit)
        && (tok.contains(&b'.') || tok.contains(&b':'))
        && tok
            .iter()
            .all(|&c| c.is_ascii_hexdigit() || c == b'.' || c == b':')
}

/// The next header token at or after `p` (delimited by whitespace or `|`): (start, end).
fn next_token(b: &[u8], mut p: usize) -> Option<(usize, usize)> {
    let limit = b.len().min(HEADER_SCAN);
    while p < limit && (is_space(b[p]) || b[p] == b'|') {
        p += 1;
    }
    if p >= limit {
        return None;
    }
    let s = p;
    while p < b.len() && !is_space(b[p]) && b[p] != b'|' {
        p += 1;
    }
    Some((s, p))
}

/// End of a balanced `[...]` group starting at `at`, within the header scan limit.
fn bracket_end(b: &[u8], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &c) in b.iter().enumerate().take(HEADER_SCAN).skip(at) {
        match c {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// A level word, possibly wrapped in `[]`, `<>` or `()`.
fn level_token(tok: &[u8]) -> Option<Level> {
    let inner = match (tok.first(), tok.last()) {
        (Some(b'['), Some(b']')) | (Some(b'<'), Some(b'>')) | (Some(b'('), Some(b')')) if tok.len() > 2 => {
            &tok[1..tok.len() - 1]
        }
        _ => tok,
    };
    let inner = inner.strip_suffix(b":").unwrap_or(inner);
    // Windows writes the level out: `Information`.
    Level::parse(inner).or_else(|| inner.eq_ignore_ascii_case(b"information").then_some(Level::Info))
}

/// The greedy part of the scan: time, level, `[context]`, separators, pid.
/// Returns the header so far and the offset after it.
fn scan_prefix(b: &[u8], year: i32) -> Header {
    scan_prefix_at(b, 0, year)
}

/// [`scan_prefix`] from offset `from` (past the columns a file puts before its time).
fn scan_prefix_at(b: &[u8], from: usize, year: i32) -> Header {
    let mut h = Header::default();
    let mut p = from;
    let mut any = false;
    let mut pid_taken = false;
    let mut numbers = 0;
    let mut klog = false;
    let mut access = false;
    for round in 0..10 {
        let Some((s, e)) = next_token(b, p) else {
            break;
        };
        if !h.timed {
            if let Some((ts, end)) = read_time(b, s, year) {
                h.time = ts;
                h.timed = true;
                any = true;
                p = end;
                continue;
            }
        }
        let tok = &b[s..e];
        if round == 0 {
            // klog: `I1025 16:06:02.224736       1 options.go:220] message`.
            if let Some(l) = klog_level(tok) {
                if let Some((ts, end)) = next_token(b, e).and_then(|(s2, _)| read_time(b, s2, year)) {
                    h.level = Some(l);
                    h.time = ts;
                    h.timed = true;
                    any = true;
                    klog = true;
                    p = end;
                    continue;
                }
            }
            // A program or field name before the time: `Start-Date: 2023-01-05  10:12:01`,
            // `kafka 23:28:59.07 INFO`, `10031:M 07 Sep 10:54:04.957 #`.
            if lead_word(tok) {
                if let Some((ts, end)) = next_token(b, e).and_then(|(s2, _)| read_time(b, s2, year)) {
                    h.time = ts;
                    h.timed = true;
                    any = true;
                    p = end;
                    continue;
                }
            }
            // An access log: client address, ident and user before a bracketed time
            // (`10.1.2.3 - - [07/Mar/2024:09:15:04 +0000] "GET ..."`).
            if address_like(tok) {
                let mut q = e;
                let mut found = None;
                for _ in 0..3 {
                    let Some((s2, e2)) = next_token(b, q) else { break };
                    if b[s2] == b'[' {
                        found = read_time(b, s2, year);
                        break;
                    }
                    if !(&b[s2..e2] == b"-" || lead_word(&b[s2..e2])) {
                        break;
                    }
                    q = e2;
                }
                if let Some((ts, end)) = found {
                    h.time = ts;
                    h.timed = true;
                    any = true;
                    access = true;
                    p = end;
                    continue;
                }
            }
        }
        if h.level.is_none() {
            if let Some(l) = level_token(tok) {
                h.level = Some(l);
                any = true;
                p = e;
                continue;
            }
            if pid_taken {
                if let Some(l) = letter_level(tok) {
                    h.level = Some(l);
                    p = e;
                    continue;
                }
            }
        }
        if !any {
            break;
        }
        if matches!(
            tok,
            b"-" | b"*"
                | b"#"
                | b"."
                | b"---"
                | b"==>"
                | b"GMT"
                | b"CET"
                | b"CEST"
                | b"EST"
                | b"EDT"
                | b"PST"
                | b"PDT"
        ) {
            p = e;
            continue;
        }
        if b[s] == b'[' {
            if let Some(end) = bracket_end(b, s) {
                p = end;
                continue;
            }
        }
        // An Erlang pid after the level: `[info] <0.2772.0>`.
        if h.level.is_some() && tok.len() > 2 && tok[0] == b'<' && tok.ends_with(b">") && !tok.contains(&b'*')
        {
            p = e;
            continue;
        }
        let then = next_token(b, e).map(|(s2, e2)| &b[s2..e2]);
        // `logger : message` (Spring Boot, logcat's `tag  : message`) ends the header.
        if h.timed && then == Some(b":".as_slice()) {
            p = next_token(b, e).map_or(e, |(_, e2)| e2);
            break;
        }
        // The level a few columns after the time (`- app.api - WARNING - message`): written as
        // a level column is (upper case, bracketed, padded or followed by a separator), not a word of
        // the message (`Link error on port 7`).
        if h.timed && h.level.is_none() && !tok.ends_with(b":") {
            let mut q = e;
            let mut found = None;
            for _ in 0..2 {
                let Some((s2, e2)) = next_token(b, q) else { break };
                let word = &b[s2..e2];
                let column = || {
                    !word.iter().any(u8::is_ascii_lowercase)
                        || matches!(word[0], b'[' | b'<' | b'(')
                        || word.ends_with(b":")
                        || b[e2..].starts_with(b"  ")
                        || next_token(b, e2).is_some_and(|(s3, e3)| matches!(&b[s3..e3], b"-" | b":" | b"|"))
                };
                if let Some(l) = level_token(word).filter(|_| column()) {
                    found = Some((l, e2));
                    break;
                }
                q = e2;
            }
            if let Some((l, end)) = found {
                h.level = Some(l);
                p = end;
                continue;
            }
        }
        let pid_like = tok.iter().all(u8::is_ascii_digit);
        // A pid after the level, before Spring Boot's `---`.
        if h.timed && pid_like && numbers < 2 && h.level.is_some() && then == Some(b"---".as_slice()) {
            numbers += 1;
            p = e;
            continue;
        }
        if h.timed && numbers < 2 && pid_like && (h.level.is_none() || klog) {
            // A pid (and a thread id after it, as logcat writes).
            pid_taken = true;
            numbers += 1;
            p = e;
            continue;
        }
        // klog's `file.go:123]` ends the header.
        if h.timed && tok.len() > 3 && tok.ends_with(b"]") && !tok.contains(&b'[') && tok.contains(&b':') {
            p = e;
            break;
        }
        break;
    }
    h.content = if any { p } else { 0 };
    if access {
        h.content_end = request_end(b, h.content);
    }
    h
}

/// In an access log, where the request line, status and size end (`"GET /x HTTP/1.1" 200
/// 512`) when quoted fields the client sent follow them (referer, user agent): those are
/// values of the client's, not the event.
fn request_end(b: &[u8], p: usize) -> Option<usize> {
    let (s, _) = next_token(b, p)?;
    if b[s] != b'"' {
        return None;
    }
    let (_, close) = quoted_span(b, s);
    let mut q = (close < b.len()).then_some(close + 1)?;
    for _ in 0..2 {
        let (s2, e2) = next_token(b, q)?;
        if !b[s2..e2].iter().all(|&c| c.is_ascii_digit() || c == b'-') {
            return None;
        }
        q = e2;
    }
    let (s3, _) = next_token(b, q)?;
    (b[s3] == b'"').then_some(q)
}

/// Field names that hold the message, level and time of a structured line, in order of
/// preference.
const MESSAGE_KEYS: [&[u8]; 5] = [b"msg", b"message", b"MESSAGE", b"log", b"Message"];
const LEVEL_KEYS: [&[u8]; 5] = [b"level", b"severity", b"lvl", b"loglevel", b"Level"];
const TIME_KEYS: [&[u8]; 6] = [b"time", b"ts", b"timestamp", b"@timestamp", b"t", b"Timestamp"];

/// The value of `key` in a JSON object line (`"key": "value"` or `"key": 123`): its byte
/// range, without quotes.
fn json_value(b: &[u8], key: &[u8]) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&b[from..], key) {
        let at = from + i;
        from = at + key.len();
        if at == 0 || b[at - 1] != b'"' || b.get(from) != Some(&b'"') {
            continue;
        }
        let mut p = from + 1;
        while b.get(p).is_some_and(|&c| is_space(c)) {
            p += 1;
        }
        if b.get(p) != Some(&b':') {
            continue;
        }
        p += 1;
        while b.get(p).is_some_and(|&c| is_space(c)) {
            p += 1;
        }
        if b.get(p) == Some(&b'"') {
            return Some(quoted_span(b, p));
        }
        let start = p;
        let mut q = p;
        while q < b.len() && !matches!(b[q], b',' | b'}' | b' ') {
            q += 1;
        }
        return (q > start).then_some((start, q));
    }
    None
}

/// The span inside the double-quoted string that opens at `open` (backslash escapes skipped; an
/// unclosed string runs to the end of the line).
fn quoted_span(b: &[u8], open: usize) -> (usize, usize) {
    let start = open + 1;
    let mut q = start;
    while q < b.len() && b[q] != b'"' {
        q += if b[q] == b'\\' { 2 } else { 1 };
    }
    (start, q.min(b.len()))
}

/// The value of `key` in a key=value line (`key=value` or `key="quoted value"`).
fn logfmt_value(b: &[u8], key: &[u8]) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&b[from..], key) {
        let at = from + i;
        from = at + key.len();
        if (at > 0 && b[at - 1] != b' ') || b.get(from) != Some(&b'=') {
            continue;
        }
        let p = from + 1;
        if b.get(p) == Some(&b'"') {
            return Some(quoted_span(b, p));
        }
        let mut q = p;
        while q < b.len() && b[q] != b' ' {
            q += 1;
        }
        return Some((p, q));
    }
    None
}

/// Finds a field's value in a structured line: its byte range.
type FieldFinder = fn(&[u8], &[u8]) -> Option<(usize, usize)>;

/// The header of a structured line: a JSON object (zap, logrus, bunyan, journald export) or
/// key=value pairs (logfmt) with a message field. The template is mined from the message
/// alone; the other fields vary per line.
fn structured(b: &[u8], year: i32) -> Option<Header> {
    let first = *b.first()?;
    let value: FieldFinder = if first == b'{' {
        json_value
    } else if first.is_ascii_alphabetic() {
        // key=value only when the line starts with a time or level key.
        let eq = memchr::memchr(b'=', &b[..b.len().min(16)])?;
        let k = &b[..eq];
        if !TIME_KEYS.contains(&k) && !LEVEL_KEYS.contains(&k) {
            return None;
        }
        logfmt_value
    } else {
        return None;
    };
    let (start, end) = MESSAGE_KEYS.iter().find_map(|k| value(b, k))?;
    let mut h = Header {
        content: start,
        content_end: Some(end),
        ..Header::default()
    };
    h.level = LEVEL_KEYS
        .iter()
        .find_map(|k| value(b, k))
        .and_then(|(s, e)| Level::parse(&b[s..e]));
    if let Some((s, _)) = TIME_KEYS.iter().find_map(|k| value(b, k)) {
        if let Some((ts, _)) = read_time(b, s, year) {
            h.time = ts;
            h.timed = true;
        }
    }
    Some(h)
}

impl HeaderShape {
    /// Learns the layout from sample lines (the first few hundred lines of a file).
    ///
    /// Besides the time/level prefix every line's scan reads, columns are learned from where
    /// the file's own lines agree (on 90% of them): separated fields holding the time,
    /// columns before the time, columns after it that hold digits (dates, nodes, pids) or end
    /// in a level, then a `component:`, a padded column or a lone `-`.
    pub fn learn<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> HeaderShape {
        let mut shape = HeaderShape::default();
        let year = shape.assume_year;
        let lines: Vec<&[u8]> = lines
            .into_iter()
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace) && structured(l, year).is_none())
            .collect();
        if lines.len() < MIN_COLUMN_LINES {
            return shape.learn_ends(&lines);
        }
        let agree = |n: usize, of: usize| n as f64 >= AGREE * of as f64;
        // Separated fields, one holding the time.
        for sep in [b'\t', b';', b','] {
            let mut have = [0usize; COLUMN_WINDOW + 1];
            for l in &lines {
                if let (n, Some(t), _) = separated_fields(l, sep, year) {
                    for h in &mut have[t + 1..=n] {
                        *h += 1;
                    }
                }
            }
            if let Some(n) = (2..=COLUMN_WINDOW).rev().find(|&n| agree(have[n], lines.len())) {
                shape.field_sep = sep;
                shape.fields = n as u8;
                // The separated fields are the header: a message's `word:` is message.
                return shape;
            }
        }
        // Columns before the time: on lines the scan finds no time at their start.
        if shape.fields == 0 {
            let mut at = [0usize; COLUMN_WINDOW + 1];
            let mut timed = 0;
            for l in &lines {
                if scan_prefix(l, year).timed {
                    timed += 1;
                } else if let Some(k) = time_column(l, year) {
                    at[k] += 1;
                }
            }
            let (k, &n) = at
                .iter()
                .enumerate()
                .max_by_key(|&(i, n)| (*n, std::cmp::Reverse(i)))
                .expect("non-empty");
            if k > 0 && n > timed && n * 2 >= lines.len() {
                shape.lead_columns = k as u8;
            }
        }
        // Columns after the prefix: each holds a field or a word on nearly every timed line,
        // and the last a field or a level (`2005.06.03 R02-M1-N0 ... RAS KERNEL INFO`).
        // A column is header only when its class is the same on nearly every line: message
        // words that line up (`status installed pkg:amd64`) mix words and fields.
        let mut field = [0usize; COLUMN_WINDOW];
        let mut word = [0usize; COLUMN_WINDOW];
        let mut more = [0usize; COLUMN_WINDOW];
        let mut level = [0usize; COLUMN_WINDOW];
        let mut piped = [0usize; COLUMN_WINDOW];
        let mut named = [0usize; COLUMN_WINDOW];
        let mut timed = 0usize;
        for l in &lines {
            let h = shape.prefix(l);
            if !h.timed {
                continue;
            }
            timed += 1;
            let mut p = h.content;
            for j in 0..COLUMN_WINDOW {
                let Some((class, _, e)) = column_at(l, p) else {
                    break;
                };
                if class == Column::Level {
                    level[j] += 1;
                }
                if l.get(e) == Some(&b'|') {
                    piped[j] += 1;
                }
                if l[p..e].iter().any(u8::is_ascii_alphabetic) {
                    named[j] += 1;
                }
                match class {
                    Column::Level | Column::Field => field[j] += 1,
                    Column::Word => word[j] += 1,
                    Column::Other => break,
                }
                if next_token(l, e).is_some() {
                    more[j] += 1;
                }
                p = e;
            }
        }
        if timed >= MIN_COLUMN_LINES {
            let mut m = 0;
            for j in 0..COLUMN_WINDOW {
                // A column every line ends with `|` is one even where its class mixes.
                if !agree(field[j], timed) && !agree(word[j], timed) && !agree(piped[j], timed) {
                    break;
                }
                if agree(field[j], timed) && agree(more[j], timed) {
                    m = j + 1;
                }
            }
            // A level at the same column on most lines, after plain columns on nearly all,
            // ends the header even where a column mixes classes (`NULL` for a node, a
            // `FAILURE` among the levels).
            for j in (m..COLUMN_WINDOW).rev() {
                if level[j] as f64 >= LEVEL_AGREE * timed as f64 && agree(more[j], timed) {
                    m = j + 1;
                    break;
                }
            }
            // A header that leaves no free text on most lines has taken a record's own
            // columns (Squid's `elapsed client TCP_MISS/200 bytes GET url - HIER_DIRECT/...
            // text/html`): it ends before the first column that names something (letters on
            // nearly every line: the result code), keeping the numbers and addresses before.
            if m > 0 {
                let texty = lines
                    .iter()
                    .filter(|l| {
                        let h = shape.prefix(l);
                        h.timed
                            && (0..m)
                                .try_fold(h.content, |p, _| column_at(l, p).map(|c| c.2))
                                .is_some_and(|p| free_text(l, p))
                    })
                    .count();
                if texty * 2 < timed {
                    if let Some(j) = (0..m).find(|&j| agree(named[j], timed)) {
                        m = j;
                    }
                }
            }
            shape.post_columns = m as u8;
        }
        shape.learn_ends(&lines)
    }

    /// Learns what ends the header after the prefix and learned columns: a `component:`, a
    /// padded column or a lone `-`.
    fn learn_ends(mut self, lines: &[&[u8]]) -> HeaderShape {
        let mut votes = [0usize; COMPONENT_WINDOW + 1];
        let mut padded = 0usize;
        let mut dash = 0usize;
        let mut timed = 0usize;
        for l in lines {
            let h = self.prefix(l);
            if !h.timed {
                continue;
            }
            timed += 1;
            if padded_column(l, h.content).is_some() {
                padded += 1;
            }
            // Only before free text: a record's `- HIER_NONE/- text/html` is no message.
            if lone_dash(l, h.content).is_some_and(|(_, end)| free_text(l, end)) {
                dash += 1;
            }
            let mut p = h.content;
            for v in votes.iter_mut() {
                let Some((s, e)) = next_token(l, p) else {
                    break;
                };
                if l[e - 1] == b':' && e - s > 1 {
                    *v += 1;
                    break;
                }
                p = e;
            }
        }
        if timed == 0 {
            return self;
        }
        // The component column counts when at least half of the timed lines put it at the
        // same position.
        let (k, &best) = votes
            .iter()
            .enumerate()
            .max_by_key(|&(i, v)| (*v, std::cmp::Reverse(i)))
            .expect("non-empty");
        if best * 2 >= timed && k < COMPONENT_WINDOW {
            self.component = true;
            self.source_columns = k as u8;
        } else if padded * 10 >= timed * 9 {
            // Nearly every line: message words are rarely followed by two spaces.
            self.padded_column = true;
        } else if timed >= MIN_COLUMN_LINES && dash as f64 >= AGREE * timed as f64 {
            self.dash_column = true;
        }
        self
    }

    /// Finds the header of one line.
    pub fn parse(&self, line: &[u8]) -> Header {
        let mut h = self.parse_raw(line);
        // The message starts after the delimiters that end the header.
        if h.content > 0 && h.content_end.is_none() {
            while h.content < line.len() && (is_space(line[h.content]) || line[h.content] == b'|') {
                h.content += 1;
            }
        }
        h
    }

    /// The time/level prefix of a line with the columns learned around it: separated fields,
    /// or the columns before the time, the scan, and the columns after it.
    fn prefix(&self, line: &[u8]) -> Header {
        let year = self.assume_year;
        if self.fields > 0 {
            if let (n, Some(t), _) = separated_fields(line, self.field_sep, year) {
                if n >= usize::from(self.fields) && t < usize::from(self.fields) {
                    return self.field_header(line, t);
                }
            }
        }
        let mut h = Header::default();
        if self.lead_columns > 0 {
            if let Some(e) = skip_columns(line, 0, usize::from(self.lead_columns)) {
                let lead = scan_prefix_at(line, e, year);
                if lead.timed {
                    h = lead;
                    h.source = next_token(line, 0).map(|(s, _)| (s, e));
                }
            }
        }
        if !h.timed {
            h = scan_prefix(line, year);
        }
        if h.timed && self.post_columns > 0 {
            let mut p = h.content;
            let mut level = h.level;
            for _ in 0..self.post_columns {
                let Some((class, _, e)) = column_at(line, p).filter(|c| c.0 != Column::Other) else {
                    return h;
                };
                if level.is_none() && class == Column::Level {
                    level = next_token(line, p).and_then(|(s, e)| level_token(&line[s..e]));
                }
                p = e;
            }
            h.level = level;
            h.content = p;
        }
        h
    }

    /// The header of a line that starts with `fields` separated fields, field `t` the time.
    fn field_header(&self, line: &[u8], t: usize) -> Header {
        let mut h = Header {
            timed: true,
            ..Header::default()
        };
        let mut p = 0;
        for i in 0..usize::from(self.fields) {
            let q = p + memchr::memchr(self.field_sep, &line[p..]).expect("counted");
            let mut s = p;
            while s < q && is_space(line[s]) {
                s += 1;
            }
            let field = line[s..q].trim_ascii_end();
            if i == t {
                h.time = read_time(line, s, self.assume_year).and_then(|(ts, _)| ts);
            } else if let Some(l) = h.level.is_none().then(|| level_token(field)).flatten() {
                h.level = Some(l);
            } else if i > t && h.source.is_none() && !field.is_empty() {
                h.source = Some((s, s + field.len()));
            }
            p = q + 1;
        }
        h.content = p;
        h
    }

    fn parse_raw(&self, line: &[u8]) -> Header {
        if let Some(h) = structured(line, self.assume_year) {
            return h;
        }
        let mut h = self.prefix(line);
        if h.timed && self.padded_column {
            if let Some((s, e)) = padded_column(line, h.content) {
                h.source = Some((s, e));
                h.content = e;
            }
            return h;
        }
        if h.timed && self.dash_column {
            if let Some((source, end)) = lone_dash(line, h.content) {
                h.source = Some(source);
                h.content = end;
            }
            return h;
        }
        // A level written as the component column (`Privoxy(0e05) Info: Listening on ...`,
        // read by the scan a column after the time) already ends the header: the columns
        // the file puts before its component are behind it.
        let level_ends = h.level.is_some() && line[..h.content].trim_ascii_end().ends_with(b":");
        if !h.timed || !self.component || level_ends {
            return h;
        }
        let mut p = h.content;
        let mut source_start = None;
        for _ in 0..self.source_columns {
            let Some((s, e)) = next_token(line, p) else {
                return h;
            };
            source_start.get_or_insert(s);
            p = e;
            if line[e - 1] == b':' {
                h.source = Some((source_start.unwrap_or(s), e - 1));
                h.content = e;
                return h;
            }
        }
        let mut q = p;
        for _ in 0..COMPONENT_WINDOW {
            let Some((s, e)) = next_token(line, q) else {
                break;
            };
            if line[e - 1] == b':' && e - s > 1 {
                h.source = Some((source_start.unwrap_or(s), e - 1));
                h.content = e;
                return h;
            }
            q = e;
        }
        // No component on this line: the source columns still belong to the header.
        if let Some(s) = source_start {
            h.source = Some((s, p));
            h.content = p;
        }
        h
    }
}

/// A lone `-` as the second to fourth column from `p` (a program name may hold spaces): the
/// span of the columns before it and the offset after it.
fn lone_dash(b: &[u8], p: usize) -> Option<((usize, usize), usize)> {
    let (first, mut q) = next_token(b, p)?;
    for _ in 0..3 {
        let (s, e) = next_token(b, q)?;
        if &b[s..e] == b"-" {
            return next_token(b, e).map(|_| ((first, q), e));
        }
        q = e;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content<'a>(shape: &HeaderShape, line: &'a str) -> &'a str {
        let h = shape.parse(line.as_bytes());
        line[h.content..].trim_start()
    }

    fn learned(lines: &[&str]) -> HeaderShape {
        HeaderShape::learn(lines.iter().map(|l| l.as_bytes()))
    }

    /// Learned from the lines repeated to a file's worth (columns need a few lines).
    fn learned_many(lines: &[&str]) -> HeaderShape {
        HeaderShape::learn(
            lines
                .iter()
                .cycle()
                .take(4 * lines.len().max(4))
                .map(|l| l.as_bytes()),
        )
    }

    #[test]
    fn neuvector_layouts() {
        let lines = [
            "2025-01-26T13:09:02.525|INFO|CTL|cache.AgentAdmissionRequest: Receive connect request - host=q0009381:6596a768 id=4caf",
            "2025-01-26T13:09:24.07 |INFO|CTL|cluster.StartCluster.func2: Lead elected - lead=10.42.60.190:18300",
            "2025-01-26T13:09:39    |ERRO|CTL|main.main: Failed to initialize - error=Unknown",
            "2025-01-26T13:10:30|MON|Process ctrl exit status -1, pid=19402",
            "2025-01-26T13:09:13.061Z [ERROR] agent.server.raft: peer has newer term, stopping replication: peer=x",
            "2022-09-18T12:22:17.346Z [INFO]  agent: (LAN) joined: number_of_nodes=3",
            "  error=",
        ];
        let s = learned(&lines);
        assert!(s.component);
        assert_eq!(s.source_columns, 1);
        assert_eq!(
            content(&s, lines[0]),
            "Receive connect request - host=q0009381:6596a768 id=4caf"
        );
        assert_eq!(content(&s, lines[1]), "Lead elected - lead=10.42.60.190:18300");
        assert_eq!(content(&s, lines[2]), "Failed to initialize - error=Unknown");
        assert_eq!(content(&s, lines[3]), "Process ctrl exit status -1, pid=19402");
        assert_eq!(
            content(&s, lines[4]),
            "peer has newer term, stopping replication: peer=x"
        );
        assert_eq!(content(&s, lines[5]), "(LAN) joined: number_of_nodes=3");
        assert_eq!(content(&s, lines[6]), "error=");
        let h = s.parse(lines[1].as_bytes());
        assert_eq!(h.level, Some(Level::Info));
        assert_eq!(h.time.unwrap().to_string(), "2025-01-26T13:09:24.070Z");
        let h = s.parse(lines[4].as_bytes());
        assert_eq!(h.level, Some(Level::Error));
        assert_eq!(
            &lines[4][h.source.unwrap().0..h.source.unwrap().1],
            "agent.server.raft"
        );
        let h = s.parse(lines[3].as_bytes());
        assert_eq!(h.time.unwrap().to_string(), "2025-01-26T13:10:30.000Z");
    }

    #[test]
    fn hdfs_spark_hadoop_zookeeper() {
        let hdfs = ["081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_1 terminating"];
        let s = learned(&hdfs);
        assert_eq!(
            content(&s, hdfs[0]),
            "PacketResponder 1 for block blk_1 terminating"
        );
        assert_eq!(
            s.parse(hdfs[0].as_bytes()).time.unwrap().to_string(),
            "2008-11-09T20:36:15.000Z"
        );

        let spark = ["17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls to: yarn,curi"];
        let s = learned(&spark);
        assert_eq!(content(&s, spark[0]), "Changing view acls to: yarn,curi");
        assert_eq!(
            s.parse(spark[0].as_bytes()).time.unwrap().to_string(),
            "2017-06-09T20:10:40.000Z"
        );

        let hadoop = ["2015-10-18 18:01:54,791 INFO [RMCommunicator Allocator] org.apache.hadoop.Foo: Before Scheduling: PendingReds:1"];
        let s = learned(&hadoop);
        assert_eq!(content(&s, hadoop[0]), "Before Scheduling: PendingReds:1");

        let zk = [
            "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
            "2015-07-29 19:04:12,394 - INFO  [/10.10.34.11:3888:QuorumCnxManager$Listener@493] - Received connection request /10.10.34.11:45307",
            "2015-07-29 19:04:29,071 - WARN  [SendWorker:188978561024:QuorumCnxManager$SendWorker@688] - Send worker leaving thread",
        ];
        let s = learned(&zk);
        assert!(!s.component);
        assert_eq!(content(&s, zk[0]), "Notification time out: 3200");
        assert_eq!(content(&s, zk[2]), "Send worker leaving thread");
    }

    #[test]
    fn syslog_and_apache() {
        let sys = [
            "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0",
            "Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]: IOThunderboltSwitch<0>(0x0)::listenerCallback - x",
            "Jun 19 04:09:11 combo syslogd 1.4.1: restart.",
            "Jul  4 23:22:09 calvisitor-10-105-162-105 Microsoft Word[14463]: Cocoa scripting error",
        ];
        let s = learned(&sys);
        assert!(s.component);
        assert_eq!(s.source_columns, 1);
        assert_eq!(content(&s, sys[0]), "authentication failure; logname= uid=0");
        assert_eq!(
            content(&s, sys[1]),
            "IOThunderboltSwitch<0>(0x0)::listenerCallback - x"
        );
        assert_eq!(content(&s, sys[2]), "restart.");
        assert_eq!(content(&s, sys[3]), "Cocoa scripting error");
        assert_eq!(
            s.parse(sys[0].as_bytes()).time.unwrap().to_string(),
            "1970-06-14T15:16:01.000Z"
        );

        let apache = [
            "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties",
            "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6",
        ];
        let s = learned(&apache);
        assert!(!s.component);
        assert_eq!(
            content(&s, apache[0]),
            "workerEnv.init() ok /etc/httpd/conf/workers2.properties"
        );
        let h = s.parse(apache[1].as_bytes());
        assert_eq!(h.level, Some(Level::Error));
        assert_eq!(h.time.unwrap().to_string(), "2005-12-04T04:47:44.000Z");
    }

    #[test]
    fn a_padded_column_ends_the_header_when_nearly_every_line_has_one() {
        let cbs = [
            "2024-03-07 09:15:08, Info                  CBS    Processing complete",
            "2024-03-07 09:15:14, Error                 DPX    Session 31 initialized by client",
            "2024-03-07 09:15:19, Warning               CSI    Loaded Servicing Stack v10.0",
        ];
        let s = learned(&cbs);
        assert!(s.padded_column && !s.component);
        assert_eq!(content(&s, cbs[1]), "Session 31 initialized by client");
        let h = s.parse(cbs[1].as_bytes());
        assert_eq!(h.level, Some(Level::Error));
        assert_eq!(&cbs[1][h.source.unwrap().0..h.source.unwrap().1], "DPX");
        // Double spaces in a few messages are not a column.
        let plain = [
            "2024-03-07 09:15:08 INFO started  twice",
            "2024-03-07 09:15:09 INFO listening on port 80",
            "2024-03-07 09:15:10 INFO ready",
        ];
        let s = learned(&plain);
        assert!(!s.padded_column);
        assert_eq!(content(&s, plain[0]), "started  twice");
    }

    #[test]
    fn layouts_it_was_not_written_for() {
        let s = HeaderShape::default();
        let cases = [
            ("[    0.000000] Linux version 6.1.0", "Linux version 6.1.0"),
            ("[12345.678901] usb 1-1: new device", "usb 1-1: new device"),
            ("Start-Date: 2024-05-08  11:11:02", ""),
            (
                "I1025 16:06:02.224736       1 options.go:220] external host was not specified",
                "external host was not specified",
            ),
            ("12-25 11:02:32.478  7446  7446 I zukgit1 : RuntimeException", "RuntimeException"),
            ("10031:M 07 Sep 10:54:04.957 # Server started, Redis version 3.2.12", "Server started, Redis version 3.2.12"),
            ("2024-03-07 09:15:06,075 - app.api - WARNING - Retrying now", "Retrying now"),
            (
                "2024-03-07 09:15:02.123  INFO 12345 --- [           main] o.s.b.w.e.TomcatWebServer  : Tomcat initialized",
                "Tomcat initialized",
            ),
            ("2024-12-26 14:11:14.154 GMT [61] LOG:  checkpoint starting: time", "LOG:  checkpoint starting: time"),
            ("2024-03-07 09:15:04.738 [info] <0.2772.0> accepting AMQP connection", "accepting AMQP connection"),
            (
                r#"10.67.102.90 - - [07/Mar/2024:09:15:04 +0000] "GET /healthz HTTP/1.1" 200 5"#,
                r#""GET /healthz HTTP/1.1" 200 5"#,
            ),
            // The combined format's referer and user agent are the client's values.
            (
                r#"10.67.102.90 - - [07/Mar/2024:09:15:04 +0000] "GET /healthz HTTP/1.1" 200 5 "-" "Mozilla/5.0 (X11; Linux x86_64)""#,
                r#""GET /healthz HTTP/1.1" 200 5"#,
            ),
            (r#"{"level":"warn","ts":1709802902.5,"msg":"apply \"x\" took too long","took":"1s"}"#, r#"apply \"x\" took too long"#),
            (r#"time="2024-03-07T09:15:06Z" level=error msg="shim disconnected" id=5"#, "shim disconnected"),
        ];
        for (line, message) in cases {
            let h = s.parse(line.as_bytes());
            let end = h.content_end.unwrap_or(line.len());
            assert_eq!(line[h.content..end].trim(), message, "{line}");
            assert!(h.timed, "{line}");
        }
        let h = s.parse(br#"{"level":"warn","ts":1709802902.5,"msg":"m"}"#);
        assert_eq!(
            (h.level, h.time.map(|t| t.millis())),
            (Some(Level::Warn), Some(1_709_802_902_500))
        );
        let h = s.parse(b"Start-Date: 2024-05-08  11:11:02");
        assert_eq!(h.time.unwrap().to_string(), "2024-05-08T11:11:02.000Z");
        let h = s.parse(b"I1025 16:06:02.224736       1 options.go:220] x");
        assert_eq!(h.level, Some(Level::Info));
    }

    #[test]
    fn columns_before_and_after_the_time_are_learned_where_lines_agree() {
        // An alert flag, epoch seconds, a dotted date and a host before a syslog header.
        let flagged = [
            "- 1700000001 2023.11.14 cn12 Nov 14 22:13:21 cn12/cn12 crond[4211]: job started for user root",
            "- 1700000002 2023.11.14 bn7 Nov 14 22:13:22 bn7/bn7 sshd[311]: Accepted publickey for bob",
            "DISKERR 1700000003 2023.11.14 cn9 Nov 14 22:13:23 cn9/cn9 kernel: sd 0:0:0:0: disk fault",
            "- 1700000004 2023.11.14 cn12 Nov 14 22:13:24 cn12/cn12 crond[4212]: job started for user adm",
        ];
        let s = learned_many(&flagged);
        assert_eq!((s.lead_columns, s.post_columns, s.component), (1, 6, true));
        assert_eq!(content(&s, flagged[0]), "job started for user root");
        assert_eq!(content(&s, flagged[2]), "sd 0:0:0:0: disk fault");
        let h = s.parse(flagged[1].as_bytes());
        assert_eq!(h.time.unwrap().to_string(), "2023-11-14T22:13:22.000Z");

        // Event records: node locations, a dotted-clock stamp, then type, component, level.
        let ras = [
            "- 1700000001 2023.11.14 R01-M0-N2-C:J03-U01 2023-11-14-22.13.21.000118 R01-M0-N2-C:J03-U01 RAS KERNEL INFO cache parity error corrected",
            "FAILTRAP 1700000002 2023.11.14 R07-M1-N0-I:J18-U11 2023-11-14-22.13.22.4101 R07-M1-N0-I:J18-U11 RAS APP FATAL ciod: lost its control stream",
            "- 1700000003 2023.11.14 R01-M0-N2-C:J03-U01 2023-11-14-22.13.23.9 R01-M0-N2-C:J03-U01 RAS KERNEL INFO 12 alignment exceptions",
        ];
        let s = learned_many(&ras);
        assert_eq!(content(&s, ras[1]), "ciod: lost its control stream");
        // A node column that is sometimes a word, a level column with a word that is no level:
        // the level column still ends the header.
        let mixed = [ras[0], ras[1], ras[2],
            "- 1700000004 2023.11.14 NULL 2023-11-14-22.13.24.1 NULL RAS KERNEL INFO cache parity error corrected",
            "- 1700000005 2023.11.14 UNKNOWN_LOCATION 2023-11-14-22.13.25.1 UNKNOWN_LOCATION RAS MMCS FAILURE proxy hit an assert",
        ];
        let s = learned_many(&mixed);
        assert_eq!(s.post_columns, 7);
        assert_eq!(content(&s, mixed[3]), "cache parity error corrected");
        assert_eq!(content(&s, mixed[4]), "proxy hit an assert");
        assert_eq!(content(&s, ras[2]), "12 alignment exceptions");
        assert_eq!(s.parse(ras[1].as_bytes()).level, Some(Level::Fatal));

        // A record id, node, component and state before the epoch.
        let table = [
            "2001 node-17 unix.hw state_change.down 1700000001 1 Component state changed to down",
            "2050 node-3 boot_cmd new 1700000002 1 Command has completed successfully",
            "2061 gige4 switch link 1700000003 1 Link error on port 7",
        ];
        let s = learned_many(&table);
        assert_eq!(s.lead_columns, 4);
        assert_eq!(content(&s, table[1]), "Command has completed successfully");
        // A level word inside the message is not a level column.
        assert_eq!(content(&s, table[2]), "Link error on port 7");
        assert!(s.parse(table[2].as_bytes()).time.is_some());

        // A file name before the time, a logger and a request group after the level.
        let oslo = [
            "api.log.1.2023-11-14_10:00:01 2023-11-14 22:13:21.008 2174 INFO app.wsgi.server [req-1a2b3c4d-0000-1111-2222-333344445555 - - -] 10.0.0.1 \"GET /v2 HTTP/1.1\" status: 200",
            "compute.log.2023-11-13_09:00:00 2023-11-14 22:13:22.010 8812 INFO app.compute.manager [-] [instance: 5d41402a] VM Started",
            "compute.log.2023-11-13_09:00:00 2023-11-14 22:13:23.777 8812 WARNING app.compute.manager [req-9 - - - - -] Disk is almost full",
        ];
        let s = learned_many(&oslo);
        assert_eq!(content(&s, oslo[1]), "[instance: 5d41402a] VM Started");
        assert_eq!(content(&s, oslo[2]), "Disk is almost full");

        // Pipe-separated columns after a compact stamp, with an unpadded hour and millis.
        let pipes = [
            "20231114-22:13:21:606|Step_Counter|30002312|onStepChanged 3579",
            "20231114-2:13:22:47|Step_Sync|30002312|flush done",
            "20231114-22:13:23:5|Step_Counter|2131|onStepChanged 3580",
        ];
        let s = learned_many(&pipes);
        assert_eq!(content(&s, pipes[0]), "onStepChanged 3579");
        assert_eq!(content(&s, pipes[1]), "flush done");
        let h = s.parse(pipes[1].as_bytes());
        assert_eq!(h.time.unwrap().to_string(), "2023-11-14T02:13:22.470Z");
        // Component names with and without digits: the `|` makes it one column.
        let mixed = [
            pipes[0],
            pipes[1],
            "20231114-22:13:24:1|Step_V2Sync|2131|flush done",
        ];
        let s = learned_many(&mixed);
        assert_eq!(content(&s, mixed[2]), "flush done");

        // A program column (which may hold a space) ended by a lone dash.
        let proxy = [
            "[11.14 22:13:21] chrome.exe - example.org:443 open through proxy p.example.org:5070 HTTPS",
            "[11.14 22:13:22] firefox.exe *64 - example.org:443 close, 12 bytes sent",
            "[11.14 22:13:23] svchost.exe - 10.0.0.2:80 close, 0 bytes sent",
        ];
        let s = learned_many(&proxy);
        assert!(s.dash_column);
        assert_eq!(content(&s, proxy[1]), "example.org:443 close, 12 bytes sent");
        assert_eq!(
            s.parse(proxy[0].as_bytes()).time.unwrap().to_string(),
            "1970-11-14T22:13:21.000Z"
        );
    }

    #[test]
    fn separated_fields_holding_the_time_are_the_header() {
        let tabs = [
            "Information\t11/14/2023 10:13:21 PM\tService Control Manager\t7036\tNone\tThe spooler service entered the running state.",
            "Error\t11/14/2023 9:13:22 AM\tDistributedCOM\t10016\tNone\tPermission denied for the server application.",
        ];
        let s = learned_many(&tabs);
        assert_eq!((s.field_sep, s.fields), (b'\t', 5));
        assert_eq!(
            content(&s, tabs[1]),
            "Permission denied for the server application."
        );
        let h = s.parse(tabs[0].as_bytes());
        assert_eq!(h.time.unwrap().to_string(), "2023-11-14T22:13:21.000Z");
        assert_eq!(h.level, Some(Level::Info));
        assert_eq!(
            s.parse(tabs[1].as_bytes()).time.unwrap().to_string(),
            "2023-11-14T09:13:22.000Z"
        );

        let semi = [
            "11/14/2023 22:13:21;0008;Server.81;Job;17.head;Job queued by alice, queue = batch",
            "11/14/2023 22:13:22;0010;Server.81;Job;18.head;Exit_status=0 used.cput=00:00:01",
        ];
        let s = learned_many(&semi);
        assert_eq!((s.field_sep, s.fields), (b';', 5));
        assert_eq!(content(&s, semi[0]), "Job queued by alice, queue = batch");

        // Comma-separated columns (a RASLog: time, [event id], sequence, flags that may be
        // empty or hold spaces, level, switch), the message after them keeping its commas.
        let comma = [
            "2017/06/15-19:30:04, [HASM-1101], 3, M1 | Standby, WARNING, SLX9850-4, HA State out of sync.",
            "2017/06/15-19:31:53, [HASM-1004], 5, , INFO, SLX9850-4, Processor reloaded, reason: ChassisReboot.",
        ];
        let s = learned_many(&comma);
        assert_eq!((s.field_sep, s.fields), (b',', 6), "{s:?}");
        assert_eq!(
            content(&s, comma[1]),
            "Processor reloaded, reason: ChassisReboot."
        );
        assert_eq!(s.parse(comma[0].as_bytes()).level, Some(Level::Warn));
        // A time whose milliseconds follow a comma is not a comma-separated column.
        let ms = ["2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:Learner@107] - Revalidating client: 0x14ede63a5a70001, timeout 3000"];
        assert_eq!(learned_many(&ms).field_sep, 0);
    }

    #[test]
    fn a_level_in_the_component_column_ends_the_header() {
        // Privoxy: a program column, then `Request:`, `Crunch:` or a level as the component.
        let lines = [
            "Nov 04 15:07:58 Privoxy(00000f14) Request: config.privoxy.org/send-stylesheet crunch!",
            "Nov 04 15:07:59 Privoxy(00000164) Crunch: Blocked: http://ads.example/x",
            "Dec 28 19:03:22 Privoxy(00000c08) Info: Listening on port 8118 for local connections only",
            "Dec 28 19:03:23 Privoxy(00000c08) Error: connect to: www.example.com failed: Operation timed out",
        ];
        let s = learned_many(&lines);
        assert!(s.component, "{s:?}");
        assert_eq!(
            content(&s, lines[2]),
            "Listening on port 8118 for local connections only"
        );
        assert_eq!(
            content(&s, lines[3]),
            "connect to: www.example.com failed: Operation timed out"
        );
        assert_eq!(content(&s, lines[1]), "Blocked: http://ads.example/x");
    }

    #[test]
    fn a_record_of_columns_keeps_the_ones_that_name_its_event() {
        // Squid's access.log: no free text after the columns, so the header ends before the
        // first column holding letters (the result code); the dash before the hierarchy
        // code is no program's separator.
        let lines = [
            "1709802903.906  81040 10.130.113.42 TCP_MISS/200 539018 GET http://www.example.org/f117a2 - HIER_DIRECT/10.203.226.17 text/html",
            "1709802907.589  25248 10.204.15.23 TCP_TUNNEL/200 589397 CONNECT api.example.net:443 - HIER_DIRECT/10.170.184.229 -",
            "1709802953.589  16926 10.243.209.52 TCP_DENIED/403 207285 GET http://api.example.net/16397a - HIER_NONE/- text/html",
        ];
        let s = learned_many(&lines);
        assert!(!s.dash_column, "{s:?}");
        assert_eq!(
            content(&s, lines[2]),
            "TCP_DENIED/403 207285 GET http://api.example.net/16397a - HIER_NONE/- text/html"
        );
    }

    #[test]
    fn message_words_that_line_up_are_not_header_columns() {
        let dpkg = [
            "2023-11-14 22:13:21 status installed libc6:amd64 2.36-9",
            "2023-11-14 22:13:22 status unpacked curl:amd64 7.88.1-10",
            "2023-11-14 22:13:23 upgrade git:amd64 1:2.39.2-1 1:2.39.2-2",
            "2023-11-14 22:13:24 configure git:amd64 1:2.39.2-2 <none>",
            "2023-11-14 22:13:25 startup packages configure",
        ];
        let s = learned_many(&dpkg);
        assert_eq!((s.lead_columns, s.post_columns, s.dash_column), (0, 0, false));
        assert_eq!(content(&s, dpkg[0]), "status installed libc6:amd64 2.36-9");
        // One line agrees with itself on every column: too few lines learn none.
        let one = ["- 1700000001 2023.11.14 R01-M0 2023-11-14-22.13.21.1 RAS KERNEL INFO cache parity error"];
        assert_eq!((learned(&one).lead_columns, learned(&one).post_columns), (0, 0));
        // Lines without a time keep no header whatever the file learned.
        assert_eq!(
            content(&s, "Setting up git (1:2.39.2-2) ..."),
            "Setting up git (1:2.39.2-2) ..."
        );
    }

    #[test]
    fn plain_lines_have_no_header() {
        let s = HeaderShape::default();
        assert_eq!(content(&s, "goroutine 1 [running]:"), "goroutine 1 [running]:");
        assert_eq!(content(&s, "  | 1 error occurred:"), "| 1 error occurred:");
        assert!(!s.parse(b"net.core.somaxconn = 1024").timed);
    }
}
