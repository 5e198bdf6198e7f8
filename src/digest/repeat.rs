//! Mining with a memory of repeats: storms make most lines of a log repeats of an earlier
//! line but for their numbers (times, ids, addresses, ports). [`Mining`] keys every line by
//! [`number_blind_hash`]; a line whose key was seen (and whose ISO time the header parser read
//! as the scan did) is counted for the earlier line's template, with its own time, without
//! being parsed and tokenised again. `casebook digest` and the case document's digest both
//! mine this way; on `../shared/loghub` it changes no grouping.

use rustc_hash::FxHashMap;

use crate::swar::{between, word_at, HIGH, ONES};

use super::header::{Header, Level};
use super::miner::{ClusterId, TemplateMiner};
use super::DigestOptions;
use crate::time::Timestamp;

/// Whether a line is digested without a signature hit: its level is warning or worse, or it
/// has no level and starts a record (not an indented continuation).
fn matters(header: &Header, line: &[u8]) -> bool {
    match header.level {
        Some(l) => l >= Level::Warn,
        None => !matches!(line.first(), None | Some(b' ' | b'\t' | b'|')),
    }
}

/// A miner with a memory of the lines it has seen but for their numbers (see
/// [`Mining::line`]); `casebook digest` mines every line with one too.
#[derive(Debug)]
pub(crate) struct Mining {
    pub(crate) miner: TemplateMiner,
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
pub(crate) fn repeat_key(line: &[u8], time: Option<Timestamp>) -> u64 {
    // A line with a time starts with it: skip its digits and separators, and the padding
    // after it (NeuVector pads short fractions with spaces).
    let skip = match time {
        // Its first 19 bytes (`YYYY-MM-DDTHH:MM:SS`) are all digits and separators.
        Some(_) if line.len() >= 19 => {
            debug_assert!(crate::time::parse_iso_prefix(line).is_some());
            line[19..line.len().min(40)]
                .iter()
                .position(|b| {
                    !(b.is_ascii_digit() || matches!(b, b'-' | b':' | b'.' | b',' | b'T' | b'Z' | b' '))
                })
                .map_or(0, |p| 19 + p)
        }
        _ => 0,
    };
    number_blind_hash(&line[skip..])
}

/// The high bit of each byte of `word` that is an ASCII digit; the lowest one set is exact
/// (a borrow can only mark bytes above a real digit). See "Bit Twiddling Hacks", `hasless`.
fn digit_mask(word: u64) -> u64 {
    let x = word ^ (ONES * u64::from(b'0'));
    x.wrapping_sub(ONES * 10) & !x & (ONES * 0x80)
}

/// Index of the first ASCII digit in `b[from..]`, or `b.len()`; eight bytes at a time.
fn next_digit(b: &[u8], mut i: usize) -> usize {
    while i + 8 <= b.len() {
        let word = word_at(b, i);
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

/// The high bit of each byte of `word` that is an ASCII letter or digit.
fn alnum_mask(word: u64) -> u64 {
    let y = word & (ONES * 0x7f);
    let ascii = !word & HIGH;
    let digit = between(y, b'0' - 1, b'9' + 1);
    // `| 0x20` lowers a letter and moves no other byte into `a..=z`.
    let alpha = between(y | (ONES * 0x20), b'a' - 1, b'z' + 1);
    (digit | alpha) & ascii
}

/// Index of the first byte of `b[i..]` that is not an ASCII letter or digit, or `b.len()`;
/// eight bytes at a time.
fn alnum_end(b: &[u8], mut i: usize) -> usize {
    while i + 8 <= b.len() {
        let word = word_at(b, i);
        let other = !alnum_mask(word) & HIGH;
        if other != 0 {
            return i + (other.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i].is_ascii_alphanumeric() {
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
            loop {
                i = alnum_end(line, i);
                if i + 1 < line.len() && matches!(line[i], b'.' | b':' | b'-') && line[i + 1].is_ascii_digit()
                {
                    i += 1;
                } else {
                    break;
                }
            }
        }
    }
    h.finish()
}

impl Mining {
    pub(crate) fn new(opts: &DigestOptions) -> Mining {
        Mining::with_miner(TemplateMiner::new(opts.clone()))
    }

    pub(crate) fn with_miner(miner: TemplateMiner) -> Mining {
        Mining {
            miner,
            repeats: FxHashMap::default(),
        }
    }

    /// Digests one line (when it matters, or when `hit`), whose [`repeat_key`] is `key` and
    /// ISO time `time`; returns its provisional id, if it was digested. `text` may be left out
    /// for a line whose key was seen before; it is then counted as a repeat even where its own
    /// header would have been read (a layout whose ISO time the header parser reads
    /// differently, which no known layout does), and where the key was not remembered (past
    /// [`DigestOptions::max_repeats`]) `stand_in` gives an earlier line of the same key, mined
    /// in its place (asked for only then: most lines are repeats).
    pub(crate) fn line<'a>(
        &mut self,
        line_no: u64,
        key: u64,
        text: Option<&'a [u8]>,
        stand_in: impl FnOnce() -> Option<&'a [u8]>,
        time: Option<Timestamp>,
        hit: bool,
    ) -> Option<ClusterId> {
        if let Some(seen) = self.repeats.get(&key).copied() {
            match seen.variant {
                // Left out before, and still no signature says it matters.
                _ if !hit && !seen.matters_alone => return None,
                Some(variant) if text.is_none() || (seen.time_agrees && time.is_some() == seen.timed) => {
                    self.miner.add_repeat(line_no, variant, time, seen.level);
                    return Some(variant);
                }
                _ => {}
            }
        }
        let (text, at) = match text {
            Some(text) => (text, None),
            None => (stand_in()?, time),
        };
        let mut header = None;
        let variant = self.miner.add_if_at(line_no, text, at, |h, l| {
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
        if self.repeats.len() >= self.miner.options().max_repeats && !self.repeats.contains_key(&key) {
            // Memory stays bounded on logs of endlessly new shapes: their lines take the full
            // path, which is bounded by the template cap.
            return variant;
        }
        self.repeats
            .entry(key)
            .and_modify(|s| {
                if s.variant.is_none() {
                    *s = seen;
                }
            })
            .or_insert(seen);
        variant
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alnum_end_agrees_with_a_byte_loop() {
        for b in 0..=255u8 {
            for lane in 0..8 {
                for fill in [b'a', b'Z', b'5', b' ', 0x80, 0xff, 0x00, b'z'] {
                    let mut word = [fill; 8];
                    word[lane] = b;
                    let bytes: Vec<u8> = word.iter().chain(b"x!").copied().collect();
                    for from in 0..bytes.len() {
                        let slow = (from..bytes.len())
                            .find(|&i| !bytes[i].is_ascii_alphanumeric())
                            .unwrap_or(bytes.len());
                        assert_eq!(
                            alnum_end(&bytes, from),
                            slow,
                            "{b} lane {lane} fill {fill} from {from}"
                        );
                    }
                }
            }
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
