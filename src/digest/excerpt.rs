//! The digest as the case document uses it: only the lines that matter (warning, error and
//! fatal lines, and every line a signature matched), mined while the scan reads the bundle
//! (a [`DigestFeed`] rides along as the scan's [`LineSink`]), and cut down to what a reader
//! needs: the busiest templates, storms, the loop the log ends in, and rare lines.
//!
//! The scan finds candidate lines with the knowledge base's level markers (`level_markers` in
//! `kb/kinds.yaml`: `|ERRO|`, `[WARN]` ...) in the same automaton as the signatures' literals;
//! the feed keeps a marked line only when its parsed header says warning or worse (or it has
//! no level and starts a record, like a Go `panic:` line), so an INFO line that quotes one is
//! not digested.

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::header::{Header, Level};
use super::miner::{ClusterId, TemplateMiner};
use super::report::{RareTemplate, Storm, TailLoop, TemplateSummary};
use super::DigestOptions;
use crate::scan::LineSink;
use crate::time::Timestamp;

/// Templates listed per log.
const TOP_TEMPLATES: usize = 8;
/// Storms listed per log.
const TOP_STORMS: usize = 5;
/// Rare templates listed per log.
const TOP_RARE: usize = 6;

/// What the document says about one log.
#[derive(Debug, Clone, Serialize)]
pub struct DigestExcerpt {
    /// Which lines were digested, in words.
    pub scope: &'static str,
    /// Lines digested.
    pub lines_digested: u64,
    /// Lines in the file.
    pub lines_total: u64,
    /// Templates found.
    pub templates_found: usize,
    /// The busiest templates, most hits first.
    pub top: Vec<TemplateSummary>,
    /// The largest storms.
    pub storms: Vec<Storm>,
    /// The loop the log ends in.
    pub tail_loop: Option<TailLoop>,
    /// Rare templates (often the interesting ones).
    pub rare: Vec<RareTemplate>,
}

/// The scope of a [`DigestFeed`], as the document words it.
pub const SCOPE: &str = "warning, error and fatal lines, and every line a signature matched";

/// Whether a line is digested without a signature hit: its level is warning or worse, or it
/// has no level and starts a record (not an indented continuation).
fn matters(header: &Header, line: &[u8]) -> bool {
    match header.level {
        Some(l) => l >= Level::Warn,
        None => !matches!(line.first(), None | Some(b' ' | b'\t' | b'|')),
    }
}

/// The document's digest of one log, fed by the scan.
///
/// Storms make most of these lines repeats of an earlier one but for their numbers (times,
/// ids, addresses, ports): such a repeat is counted for the template of the line it repeats,
/// with its own time, without being parsed and tokenised again (see [`number_blind_hash`]).
///
/// The sink of the piece that starts the file mines as lines come. The sink of a later piece
/// (a large plain file is scanned in pieces, in parallel) hashes its lines as they come and
/// keeps a short record of each (the text only of the first line of each hash), until it is
/// appended in file order: mining sees every line in file order whatever the thread count,
/// and the work left for the in-order append is a lookup per line.
#[derive(Debug)]
pub struct DigestFeed {
    opts: DigestOptions,
    feed: Feed,
}

#[derive(Debug)]
enum Feed {
    Mining(Box<Mining>),
    Kept(Box<Kept>),
}

/// What a later piece keeps until it is appended.
#[derive(Debug, Default)]
struct Kept {
    lines: Vec<KeptLine>,
    /// Texts of the lines that keep one, end to end.
    text: Vec<u8>,
    /// Hashes seen in this piece, and whether a signature matched the first line of each.
    first: FxHashMap<u64, bool>,
}

#[derive(Debug, Clone, Copy)]
struct KeptLine {
    line_no: u64,
    key: u64,
    time: Option<Timestamp>,
    hit: bool,
    /// End of its text in [`Kept::text`] (it starts where the previous kept text ends).
    text_end: Option<usize>,
}

#[derive(Debug)]
struct Mining {
    miner: TemplateMiner,
    repeats: FxHashMap<u64, Seen>,
}

/// What became of the first line of a hash.
#[derive(Debug, Clone, Copy)]
struct Seen {
    /// Its variant, if it was digested.
    variant: Option<ClusterId>,
    /// Whether it mattered without a signature hit (by its level).
    matters_alone: bool,
    level: Option<Level>,
    /// Its header's time was the ISO time the scan read (or both had none): the scan's time
    /// of a repeat is then what the header parser would read.
    time_agrees: bool,
    timed: bool,
}

/// The key of a line for [`Mining::repeats`]: the time it starts with is not part of what it
/// repeats. (A repeat is counted with its own time, and the level of the line it repeats: the
/// level word is part of the key.)
fn repeat_key(line: &[u8], time: Option<Timestamp>) -> u64 {
    // A line with a time starts with it: skip its digits and separators, and the padding
    // after it (NeuVector pads short fractions with spaces).
    let skip = match time {
        Some(_) => line
            .iter()
            .take(40)
            .position(|b| !(b.is_ascii_digit() || matches!(b, b'-' | b':' | b'.' | b',' | b'T' | b'Z' | b' ')))
            .unwrap_or(0),
        None => 0,
    };
    number_blind_hash(&line[skip..])
}

/// The high bit of each byte of `word` that is an ASCII digit; the lowest one set is exact
/// (a borrow can only mark bytes above a real digit). See "Bit Twiddling Hacks", `hasless`.
fn digit_mask(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let x = word ^ (ONES * u64::from(b'0'));
    x.wrapping_sub(ONES * 10) & !x & (ONES * 0x80)
}

/// Index of the first ASCII digit in `b[from..]`, or `b.len()`; eight bytes at a time.
fn next_digit(b: &[u8], mut i: usize) -> usize {
    while i + 8 <= b.len() {
        let word = u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let mask = digit_mask(word);
        if mask != 0 {
            return i + (mask.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && !b[i].is_ascii_digit() {
        i += 1;
    }
    i
}

/// The hash of `line` with each word holding a digit (a run of ASCII letters and digits:
/// numbers, hex ids, `pod-7d8f9` suffixes, with what `.`, `:` or `-` join to it before a
/// digit: `10.42.0.7:8300`) folded into one mark: the text between such words is hashed in
/// order, each piece with its length, and a mark for each word.
fn number_blind_hash(line: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    let mut i = 0;
    while i < line.len() {
        let d = next_digit(line, i);
        let mut word = d;
        while d < line.len() && word > i && line[word - 1].is_ascii_alphanumeric() {
            word -= 1;
        }
        h.write_usize(word - i);
        h.write(&line[i..word]);
        i = d;
        if i < line.len() {
            h.write_u8(0);
            // The word, and words joined to it by `.`, `:` or `-` before a digit (addresses,
            // ports, versions, times).
            while i < line.len()
                && (line[i].is_ascii_alphanumeric()
                    || (matches!(line[i], b'.' | b':' | b'-')
                        && line.get(i + 1).is_some_and(u8::is_ascii_digit)))
            {
                i += 1;
            }
        }
    }
    h.finish()
}

impl Mining {
    fn new(opts: &DigestOptions) -> Mining {
        Mining {
            miner: TemplateMiner::new(opts.clone()),
            repeats: FxHashMap::default(),
        }
    }

    /// Digests one line (when it matters). `text` may be left out for a line whose hash was
    /// seen before; it is then counted as a repeat even where its own header would have been
    /// read (a layout whose ISO time the header parser reads differently, which no known
    /// layout does).
    fn line(&mut self, line_no: u64, key: u64, text: Option<&[u8]>, time: Option<Timestamp>, hit: bool) {
        if let Some(seen) = self.repeats.get(&key).copied() {
            match seen.variant {
                // Left out before, and still no signature says it matters.
                _ if !hit && !seen.matters_alone => return,
                Some(variant) if text.is_none() || (seen.time_agrees && time.is_some() == seen.timed) => {
                    self.miner.add_repeat(line_no, variant, time, seen.level);
                    return;
                }
                _ => {}
            }
        }
        let Some(text) = text else {
            return;
        };
        let mut header = None;
        let variant = self.miner.add_if(line_no, text, |h, l| {
            let alone = matters(h, l);
            header = Some((h.level, h.time, alone));
            hit || alone
        });
        let (level, header_time, matters_alone) = header.expect("add_if reads the header");
        let seen = Seen {
            variant,
            matters_alone,
            level,
            time_agrees: header_time == time,
            timed: time.is_some(),
        };
        self.repeats
            .entry(key)
            .and_modify(|s| {
                if s.variant.is_none() {
                    *s = seen;
                }
            })
            .or_insert(seen);
    }

    /// Digests what a later piece kept, its lines numbered after `lines_before`.
    fn replay(&mut self, kept: &Kept, lines_before: u64) {
        let mut start = 0;
        for line in &kept.lines {
            let text = line.text_end.map(|end| {
                let text = &kept.text[start..end];
                start = end;
                text
            });
            self.line(line.line_no + lines_before, line.key, text, line.time, line.hit);
        }
    }
}

impl Kept {
    fn line(&mut self, line_no: u64, line: &[u8], time: Option<Timestamp>, hit: bool) {
        let key = repeat_key(line, time);
        // The text is kept for the first line of a hash, for a hit whose hash first came
        // without one (its level may not make it matter), and for an untimed line (its
        // header decides).
        let keep_text = match self.first.get(&key) {
            None => {
                self.first.insert(key, hit);
                true
            }
            Some(&first_hit) => (hit && !first_hit) || time.is_none(),
        };
        let text_end = keep_text.then(|| {
            self.text.extend_from_slice(line);
            self.text.len()
        });
        self.lines.push(KeptLine {
            line_no,
            key,
            time,
            hit,
            text_end,
        });
    }
}

impl DigestFeed {
    /// A feed for a piece; `starts_file` for the piece that begins the file.
    pub fn new(starts_file: bool, opts: &DigestOptions) -> DigestFeed {
        let feed = if starts_file {
            Feed::Mining(Box::new(Mining::new(opts)))
        } else {
            Feed::Kept(Box::default())
        };
        DigestFeed {
            opts: opts.clone(),
            feed,
        }
    }

    /// The miner, mining what this feed kept so far first if it has not mined yet.
    fn mining(&mut self) -> &mut Mining {
        if let Feed::Kept(kept) = &self.feed {
            let mut mining = Mining::new(&self.opts);
            mining.replay(kept, 0);
            self.feed = Feed::Mining(Box::new(mining));
        }
        match &mut self.feed {
            Feed::Mining(mining) => mining,
            Feed::Kept(_) => unreachable!("just mined"),
        }
    }

    /// The excerpt of a file of `lines_total` lines.
    pub fn finish(mut self, lines_total: u64) -> DigestExcerpt {
        self.mining();
        let Feed::Mining(mining) = self.feed else {
            unreachable!("mined above")
        };
        let miner = mining.miner;
        let digested = miner.lines;
        let digest = miner.finish();
        let mut top = digest.templates.clone();
        top.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
        top.truncate(TOP_TEMPLATES);
        let mut storms = digest.storms.clone();
        storms.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.start.cmp(&b.start)));
        storms.truncate(TOP_STORMS);
        storms.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.cluster.cmp(&b.cluster)));
        let mut rare = digest.rare.clone();
        rare.truncate(TOP_RARE);
        DigestExcerpt {
            scope: SCOPE,
            lines_digested: digested,
            lines_total,
            templates_found: digest.templates.len(),
            top,
            storms,
            tail_loop: digest.tail_loop,
            rare,
        }
    }
}

impl LineSink for DigestFeed {
    fn line(&mut self, line_no: u64, line: &[u8], time: Option<Timestamp>, hit: bool) {
        match &mut self.feed {
            Feed::Mining(mining) => {
                let key = repeat_key(line, time);
                mining.line(line_no, key, Some(line), time, hit);
            }
            Feed::Kept(kept) => kept.line(line_no, line, time, hit),
        }
    }

    fn append(&mut self, later: DigestFeed, lines_before: u64) {
        match later.feed {
            Feed::Kept(kept) => self.mining().replay(&kept, lines_before),
            // Only the piece that starts a file mines, and nothing is appended before it.
            Feed::Mining(_) => debug_assert!(false, "a mining feed appended to another"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference_log() -> String {
        let mut log = String::new();
        for i in 0..200 {
            log.push_str(&format!(
                "2025-01-26T13:{:02}:{:02}.100|INFO|CTL|cache.x: ordinary error-free {i}\n",
                i / 60,
                i % 60
            ));
        }
        for i in 0..120 {
            log.push_str(&format!("2025-01-26T14:{:02}:{:02}.100Z [ERROR] agent: Coordinate update error: error=\"No cluster leader\"\n", i / 60, i % 60));
            log.push_str(&format!("2025-01-26T14:{:02}:{:02}.200Z [ERROR] agent.server.rpc: rejecting RPC conn from because rpc_max_conns_per_client exceeded: conn=from=10.1.1.1:{}\n", i / 60, i % 60, 40000 + i));
        }
        log.push_str("2025-01-26T14:10:30|MON|Process ctrl exit status -1, pid=19402\n");
        log.push_str("panic: runtime error: invalid memory address\n");
        log.push_str("        /go/src/x.go:12 +0x1d\n");
        log
    }

    /// Feeds every line, as a scan would feed every line holding a marker; `hit` for the MON
    /// line, as if a signature matched it.
    fn feed(feed: &mut DigestFeed, lines: &[&str], first_line: u64) {
        for (i, line) in lines.iter().enumerate() {
            let time = crate::logline::line_time(line.as_bytes());
            feed.line(
                first_line + i as u64,
                line.as_bytes(),
                time,
                line.contains("|MON|"),
            );
        }
    }

    #[test]
    fn only_warnings_errors_hits_and_levelless_records_are_digested() {
        let log = reference_log();
        let lines: Vec<&str> = log.lines().collect();
        let mut f = DigestFeed::new(true, &DigestOptions::default());
        feed(&mut f, &lines, 1);
        let ex = f.finish(lines.len() as u64);
        assert_eq!(ex.lines_total, 443);
        // 240 errors, the MON line (a hit) and the panic line; not the INFO lines, not the
        // indented continuation.
        assert_eq!(ex.lines_digested, 242);
        assert_eq!(ex.top[0].count, 120);
        assert!(ex.top.iter().all(|t| !t.template.contains("ordinary")));
        for needle in ["Process ctrl exit status", "invalid memory address"] {
            assert!(ex.top.iter().any(|t| t.template.contains(needle)), "{needle}");
        }
    }

    #[test]
    fn pieces_appended_in_order_digest_like_one_feed() {
        let log = reference_log();
        let lines: Vec<&str> = log.lines().collect();
        let opts = DigestOptions::default();
        let mut whole = DigestFeed::new(true, &opts);
        feed(&mut whole, &lines, 1);
        let whole = serde_json::to_string(&whole.finish(443)).unwrap();

        for cuts in [[150, 300], [1, 442], [230, 231]] {
            let mut first = DigestFeed::new(true, &opts);
            feed(&mut first, &lines[..cuts[0]], 1);
            let mut second = DigestFeed::new(false, &opts);
            feed(&mut second, &lines[cuts[0]..cuts[1]], 1);
            let mut third = DigestFeed::new(false, &opts);
            feed(&mut third, &lines[cuts[1]..], 1);
            first.append(second, cuts[0] as u64);
            first.append(third, cuts[1] as u64);
            let pieces = serde_json::to_string(&first.finish(443)).unwrap();
            assert_eq!(pieces, whole, "cut at {cuts:?}");
        }
    }

    #[test]
    fn number_blind_hash_folds_words_with_digits() {
        let a = number_blind_hash(b"2025-01-26T13:09:02.525|ERRO|CTL|x: conn=10.42.55.36:41234 id=7");
        let b = number_blind_hash(b"2024-12-31T23:59:59.1|ERRO|CTL|x: conn=10.1.2.3:9 id=123456789");
        assert_eq!(a, b);
        assert_eq!(
            number_blind_hash(b"abcdefgh12ijklmnop"),
            number_blind_hash(b"abcdefgh7ijklmnop")
        );
        assert_eq!(
            number_blind_hash(b"a1bcdefghijklmnop"),
            number_blind_hash(b"a123456789bcdefghijklmnop")
        );
        assert_eq!(number_blind_hash(b"id=a1b x"), number_blind_hash(b"id=ab1 x"));
        assert_eq!(
            number_blind_hash(b"key=bench/271609665e80/custom"),
            number_blind_hash(b"key=bench/90004dd8e062/custom")
        );
        assert_ne!(
            number_blind_hash(b"key=bench/a/custom"),
            number_blind_hash(b"key=bench/1/custom")
        );
        assert_ne!(number_blind_hash(b"id=a1b x"), number_blind_hash(b"id=a1b y"));
        assert_eq!(
            number_blind_hash(b"tcp 10.42.0.1:8300->10.42.0.2:54321: use"),
            number_blind_hash(b"tcp 10.1.1.1:1->10.2.3.4:5: use")
        );
        assert_ne!(number_blind_hash(b"a 1.b"), number_blind_hash(b"a 1b"));
        assert_ne!(
            number_blind_hash(b"exit status -1"),
            number_blind_hash(b"exit status 1")
        );
        assert_ne!(number_blind_hash(b"abcdefgh"), number_blind_hash(b"abcdefgi"));
        assert_ne!(number_blind_hash(b""), number_blind_hash(b"\0"));
        assert_ne!(number_blind_hash(b"ab"), number_blind_hash(b"ab1"));
        assert_ne!(number_blind_hash(b""), number_blind_hash(b"1"));
        for b in 0..=255u8 {
            let line = [b'x', 0xff, 0, b, b'/', b':', b' ', b'a', b'1'];
            let first = line.iter().position(u8::is_ascii_digit).unwrap();
            assert_eq!(next_digit(&line, 0), first, "{b}");
            assert_eq!(
                next_digit(&line[..8], 0),
                if b.is_ascii_digit() { 3 } else { 8 },
                "{b}"
            );
            assert_eq!(next_digit(&line, 4), 8);
        }
    }
}
