//! Log digest: a streaming log-template miner (Drain family) that turns any log into "these
//! templates, this many hits, this storm, and it ends looping A => B ... N hits".
//!
//! * [`header`] finds the timestamp / level / source prefix of each line, learning the file's
//!   layout from its first lines.
//! * [`token`] splits the message into tokens and masks variable parts as `<*>`.
//! * [`miner`] groups lines into templates ([`TemplateMiner`]).
//! * [`report`] builds the per-file [`FileDigest`]: templates, storms, tail loop, rare lines,
//!   and renders it for people ([`render_text`]).
//!
//! See `docs/digest.md` for the algorithm and measured accuracy and speed.

mod excerpt;
pub mod header;
pub mod miner;
mod refine;
mod repeat;
pub mod report;
pub mod token;

use std::io::{self, BufRead, Write};

use serde::Serialize;

pub use excerpt::{DigestExcerpt, DigestFeed, FeedPool, SCOPE};
pub use header::{Header, HeaderShape, Level};
pub use miner::{ClusterId, TemplateMiner};
pub use report::{
    clip, render_text, top_storms, FileDigest, LoopMember, RareTemplate, Storm, TailLoop, TemplateSummary,
    STORMS_SHOWN,
};

/// Settings of the miner and of the report. `Default` suits logs of any kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DigestOptions {
    /// Most templates kept; lines that would start a new one beyond it go to an overflow
    /// template and are counted in [`FileDigest::overflowed`].
    pub max_templates: usize,
    /// Fraction of a template's positions a line must match (non-wildcard, same token) to
    /// join it.
    pub similarity: f64,
    /// Weight of a template's wildcard positions in the similarity (Drain uses 0).
    pub wildcard_weight: f64,
    /// Distinct masked sequences kept per template; further ones share a catch-all.
    pub max_variants: usize,
    /// Fewest tokens for templates differing in one position to be merged at the end.
    pub min_merge_tokens: usize,
    /// A wildcard position whose lines hold at most this many distinct words (and no
    /// numbers or ids) is split back into separate templates.
    pub max_word_values: usize,
    /// Tokens of a message looked at; the rest of a long message is ignored.
    pub max_tokens: usize,
    /// Bytes of a line looked at (longer lines are truncated before tokenising, and the
    /// readers never buffer more than this plus some slack).
    pub max_line_bytes: usize,
    /// Lines used to learn the header layout.
    pub header_sample: usize,
    /// Year given to timestamps whose layout has none (syslog).
    pub assume_year: i32,
    /// Last lines remembered for the tail loop.
    pub loop_window: usize,
    /// Lines at the very end that decide which templates form the loop.
    pub loop_tail: usize,
    /// Fewest lines for a tail loop to be reported.
    pub loop_min_hits: u64,
    /// Most templates in a tail loop.
    pub max_loop_templates: usize,
    /// Fewest lines of a template (and of a burst) for a storm.
    pub storm_min_count: u64,
    /// A minute is stormy when the template's lines exceed this many times its median rate...
    pub storm_factor: f64,
    /// ... and at least this many lines per minute.
    pub storm_min_rate: u64,
    /// Time buckets kept per template variant: past it, its buckets widen (two minutes,
    /// four ...), merged in pairs.
    pub max_buckets: usize,
    /// Time buckets kept by all templates of a file together (32 bytes each), so memory per
    /// log does not grow with the time it spans: past it, the variant holding the most
    /// widens its buckets. Storms are then found at that width.
    pub max_total_buckets: usize,
    /// Templates with at most this many lines are "rare".
    pub rare_max_count: u64,
    /// Most rare templates listed.
    pub rare_limit: usize,
    /// Most line keys remembered for repeats (`digest::repeat`); lines of keys past it are
    /// mined in full.
    pub max_repeats: usize,
    /// Most distinct tokens (words and masked tokens) remembered per file; past it a token
    /// not seen before reads as `<*>` (counted in [`FileDigest::capped_tokens`]). Bounds
    /// memory on logs full of ids made only of letters, such as pod-name suffixes (about
    /// 100 bytes a token).
    pub max_vocabulary: usize,
}

impl Default for DigestOptions {
    fn default() -> Self {
        DigestOptions {
            max_templates: 10_000,
            similarity: 0.5,
            wildcard_weight: 0.0,
            max_variants: 16,
            min_merge_tokens: 2,
            max_word_values: 3,
            max_tokens: 256,
            max_line_bytes: 8 * 1024,
            header_sample: 500,
            assume_year: 1970,
            loop_window: 1 << 12,
            loop_tail: 200,
            loop_min_hits: 50,
            max_loop_templates: 8,
            storm_min_count: 100,
            storm_factor: 10.0,
            storm_min_rate: 30,
            max_buckets: 1 << 13,
            max_total_buckets: 1 << 13,
            rare_max_count: 3,
            rare_limit: 50,
            max_repeats: 1 << 18,
            max_vocabulary: 1 << 16,
        }
    }
}

/// Reads one line (up to and including `\n`) into `buf`, keeping at most `cap` bytes and
/// skipping the rest. Returns false at end of input.
fn read_line_capped(reader: &mut impl BufRead, buf: &mut Vec<u8>, cap: usize) -> io::Result<bool> {
    buf.clear();
    let mut any = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(any);
        }
        any = true;
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = cap.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..take.min(room)]);
        reader.consume(take);
        if done {
            return Ok(true);
        }
    }
}

/// Mines every line of `reader`, calling `each(line_no, id)` for each; returns the finished
/// miner's output and its id map.
fn mine_all(
    mut reader: impl BufRead,
    opts: &DigestOptions,
    mut each: impl FnMut(u64, ClusterId),
) -> io::Result<(FileDigest, Vec<ClusterId>)> {
    let cap = opts.max_line_bytes.saturating_add(2);
    let mut sample: Vec<Vec<u8>> = Vec::new();
    let mut buf = Vec::new();
    let mut eof = false;
    while sample.len() < opts.header_sample {
        if !read_line_capped(&mut reader, &mut buf, cap)? {
            eof = true;
            break;
        }
        sample.push(buf.clone());
    }
    let mut shape = HeaderShape::learn(sample.iter().map(|l| l.as_slice()));
    shape.assume_year = opts.assume_year;
    // Every line is mined; a line that repeats an earlier one but for its numbers joins that
    // one's template without being tokenised again.
    let mut mining = repeat::Mining::with_miner(TemplateMiner::with_shape(opts.clone(), shape));
    let mut blank = 0u64;
    let mut mine = |n: u64, line: &[u8]| {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            // A blank line says nothing: it is counted, never mined.
            blank += 1;
            return BLANK;
        }
        let time = crate::logline::line_time(line);
        let key = repeat::repeat_key(line, time);
        mining
            .line(n, key, Some(line), || None, time, true)
            .expect("a hit is always mined")
    };
    let mut n = 0u64;
    for line in &sample {
        n += 1;
        each(n, mine(n, line));
    }
    drop(sample);
    if !eof {
        while read_line_capped(&mut reader, &mut buf, cap)? {
            n += 1;
            each(n, mine(n, &buf));
        }
    }
    let (mut digest, map) = mining.miner.finish_with_map();
    digest.lines += blank;
    Ok((digest, map))
}

/// The id `mine_all` gives a blank line (never a template's).
const BLANK: ClusterId = ClusterId::MAX;

/// Digests a whole log. Lines are bytes: invalid UTF-8 is replaced, never an error.
pub fn digest_reader(reader: impl BufRead, opts: &DigestOptions) -> io::Result<FileDigest> {
    Ok(mine_all(reader, opts, |_, _| {})?.0)
}

/// Writes one JSON object per input line, `{"line":N,"template":"...","cluster":ID}`, where
/// `N` is the 1-based physical line number and `template` the final template of its cluster.
pub fn write_per_line(reader: impl BufRead, out: impl Write, opts: &DigestOptions) -> io::Result<()> {
    let mut ids: Vec<ClusterId> = Vec::new();
    let (digest, map) = mine_all(reader, opts, |_, id| ids.push(id))?;
    let quoted: Vec<String> = digest
        .templates
        .iter()
        .map(|t| serde_json::to_string(&t.template).expect("strings serialize"))
        .collect();
    let mut out = io::BufWriter::new(out);
    // Blank lines share one id past the templates', with an empty template.
    let blank = digest.templates.len() as ClusterId;
    let quoted: Vec<String> = quoted.into_iter().chain(["\"\"".to_string()]).collect();
    for (i, id) in ids.iter().enumerate() {
        let f = if *id == BLANK { blank } else { map[*id as usize] };
        writeln!(
            out,
            "{{\"line\":{},\"template\":{},\"cluster\":{}}}",
            i + 1,
            quoted[f as usize],
            f
        )?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_reader_skips_the_rest_of_long_lines() {
        let mut data = vec![b'a'; 100_000];
        data.extend_from_slice(b"\nshort\nlast");
        let mut r = io::Cursor::new(data);
        let mut buf = Vec::new();
        assert!(read_line_capped(&mut r, &mut buf, 10).unwrap());
        assert_eq!(buf.len(), 10);
        assert!(read_line_capped(&mut r, &mut buf, 10).unwrap());
        assert_eq!(buf, b"short\n");
        assert!(read_line_capped(&mut r, &mut buf, 10).unwrap());
        assert_eq!(buf, b"last");
        assert!(!read_line_capped(&mut r, &mut buf, 10).unwrap());
    }

    #[test]
    fn per_line_output_uses_final_templates() {
        let log = "2025-01-26T13:09:02.525|INFO|CTL|a.B: start - id=1\n\
                   2025-01-26T13:09:02.600|INFO|CTL|a.B: start - id=2\r\n\
                   2025-01-26T13:09:03|MON|Process ctrl exit status -1, pid=19402\n";
        let mut out = Vec::new();
        write_per_line(log.as_bytes(), &mut out, &DigestOptions::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], r#"{"line":1,"template":"start - id=<*>","cluster":0}"#);
        assert_eq!(lines[1], r#"{"line":2,"template":"start - id=<*>","cluster":0}"#);
        assert!(lines[2].starts_with(r#"{"line":3,"template":"Process ctrl exit status <*>, pid=<*>""#));
    }
}
