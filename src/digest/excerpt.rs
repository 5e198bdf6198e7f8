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

use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::repeat::{repeat_key, Mining};
use super::report::{top_storms, RareTemplate, Storm, TailLoop, TemplateSummary, STORMS_SHOWN};
use super::DigestOptions;
use crate::scan::LineSink;
use crate::time::Timestamp;

/// Templates listed per log.
const TOP_TEMPLATES: usize = 8;
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
    /// The largest storms (as `casebook digest` lists them: [`top_storms`]).
    pub storms: Vec<Storm>,
    /// Storms left out of `storms`.
    pub storms_more: usize,
    /// The loop the log ends in.
    pub tail_loop: Option<TailLoop>,
    /// Rare templates (often the interesting ones).
    pub rare: Vec<RareTemplate>,
}

/// The scope of a [`DigestFeed`], as the document words it.
pub const SCOPE: &str = "warning, error and fatal lines, and every line a signature matched";

/// The document's digest of one log, fed by the scan.
///
/// Storms make most of these lines repeats of an earlier one but for their numbers (times,
/// ids, addresses, ports): such a repeat is counted for the template of the line it repeats,
/// with its own time, without being parsed and tokenised again (see `digest::repeat`).
///
/// The sink of a file's first piece (the whole file for every compressed file and for plain
/// files up to the piece size) mines as lines come. A large plain file is scanned in pieces, in
/// parallel: the sink of each later piece hashes its lines as they come and keeps a short
/// record of each (the text only of the first line of each hash), and the pieces are mined
/// when they are appended in file order:
/// mining sees every line in file order whatever the thread count, the work left for the
/// in-order append is about a lookup per line, and no piece waits long for the one before.
#[derive(Debug)]
pub struct DigestFeed {
    opts: DigestOptions,
    feed: Feed,
    /// Where an appended piece's buffers go, for the next piece.
    pool: Option<Arc<FeedPool>>,
}

/// The buffers of pieces already appended, for the pieces still to come: a bundle's pieces
/// keep about 2 million records a gigabyte, and fresh buffers for each piece would be fresh
/// pages from the kernel each time (each a page fault; measured at 1 GB with 32 MiB pieces:
/// 26,000 faults without the pool, 17,500 with it; at 4 GB 78,000 and 21,000). Holds one set
/// of buffers more than there are threads (each a few MB).
#[derive(Debug)]
pub struct FeedPool {
    kept: Mutex<Vec<Kept>>,
    keep: usize,
}

impl Default for FeedPool {
    fn default() -> Self {
        FeedPool {
            kept: Mutex::default(),
            keep: rayon::current_num_threads() + 1,
        }
    }
}

impl FeedPool {
    fn take(&self) -> Box<Kept> {
        Box::new(
            self.kept
                .lock()
                .ok()
                .and_then(|mut pool| pool.pop())
                .unwrap_or_default(),
        )
    }

    fn give(&self, mut kept: Kept) {
        kept.lines.clear();
        kept.text.clear();
        kept.first.clear();
        if let Ok(mut pool) = self.kept.lock() {
            if pool.len() < self.keep {
                pool.push(kept);
            }
        }
    }
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
    /// Hashes seen in this piece: whether a signature matched the first line of each, and
    /// where its text is in `text`.
    first: FxHashMap<u64, (bool, usize, usize)>,
}

/// One line of a piece, in 32 bytes.
#[derive(Debug, Clone, Copy)]
struct KeptLine {
    line_no: u64,
    key: u64,
    /// Its time in milliseconds, or [`KeptLine::UNTIMED`].
    time: i64,
    /// Whether a signature matched it (the high bit), and the end of its text in
    /// [`Kept::text`] (it starts where the previous kept text ends), or [`KeptLine::NO_TEXT`].
    hit_and_text_end: u64,
}

impl KeptLine {
    const UNTIMED: i64 = i64::MIN;
    const HIT: u64 = 1 << 63;
    const NO_TEXT: u64 = Self::HIT - 1;

    fn new(line_no: u64, key: u64, time: Option<Timestamp>, hit: bool, text_end: Option<usize>) -> KeptLine {
        let text_end = text_end.map_or(Self::NO_TEXT, |end| end as u64);
        debug_assert!(text_end <= Self::NO_TEXT);
        KeptLine {
            line_no,
            key,
            time: time.map_or(Self::UNTIMED, |t| t.0),
            hit_and_text_end: text_end | if hit { Self::HIT } else { 0 },
        }
    }

    fn time(&self) -> Option<Timestamp> {
        (self.time != Self::UNTIMED).then_some(Timestamp(self.time))
    }

    fn hit(&self) -> bool {
        self.hit_and_text_end & Self::HIT != 0
    }

    fn text_end(&self) -> Option<usize> {
        let end = self.hit_and_text_end & !Self::HIT;
        (end != Self::NO_TEXT).then_some(end as usize)
    }
}

impl Kept {
    /// A miner of what this piece kept, as the first piece of its file.
    fn mined(&self, opts: &DigestOptions) -> Mining {
        let mut mining = Mining::new(opts);
        self.replay(&mut mining, 0);
        mining
    }

    /// Digests what a later piece kept, its lines numbered after `lines_before`.
    fn replay(&self, mining: &mut Mining, lines_before: u64) {
        let mut start = 0;
        for line in &self.lines {
            let text = line.text_end().map(|end| {
                let text = &self.text[start..end];
                start = end;
                text
            });
            let stand_in = || self.first.get(&line.key).map(|&(_, a, b)| &self.text[a..b]);
            mining.line(
                line.line_no + lines_before,
                line.key,
                text,
                stand_in,
                line.time(),
                line.hit(),
            );
        }
    }

    fn line(&mut self, line_no: u64, line: &[u8], time: Option<Timestamp>, hit: bool) {
        let key = repeat_key(line, time);
        // The text is kept for the first line of a hash, for a hit whose hash first came
        // without one (its level may not make it matter), and for an untimed line (its
        // header decides).
        let first = self.first.get(&key).copied();
        let keep_text = match first {
            None => true,
            Some((first_hit, ..)) => (hit && !first_hit) || time.is_none(),
        };
        let text_end = keep_text.then(|| {
            self.text.extend_from_slice(line);
            self.text.len()
        });
        if first.is_none() {
            self.first
                .insert(key, (hit, self.text.len() - line.len(), self.text.len()));
        }
        self.lines.push(KeptLine::new(line_no, key, time, hit, text_end));
    }
}

impl DigestFeed {
    /// A feed for a piece; `first` when the piece is its file's first (the whole file, or the
    /// piece that starts it): it then mines as lines come; later pieces keep records until
    /// they are appended.
    pub fn new(first: bool, opts: &DigestOptions) -> DigestFeed {
        DigestFeed::with_pool(first, opts, None)
    }

    /// [`DigestFeed::new`], taking a later piece's buffers from `pool` and giving those of
    /// the pieces appended to it back.
    pub fn pooled(first: bool, opts: &DigestOptions, pool: &Arc<FeedPool>) -> DigestFeed {
        DigestFeed::with_pool(first, opts, Some(pool))
    }

    fn with_pool(first: bool, opts: &DigestOptions, pool: Option<&Arc<FeedPool>>) -> DigestFeed {
        let feed = if first {
            Feed::Mining(Box::new(Mining::new(opts)))
        } else {
            Feed::Kept(pool.map_or_else(Box::default, |pool| pool.take()))
        };
        DigestFeed {
            opts: opts.clone(),
            feed,
            pool: pool.cloned(),
        }
    }

    /// The miner, mining what this feed kept so far first if it has not mined yet.
    fn mining(&mut self) -> &mut Mining {
        if let Feed::Kept(kept) = &self.feed {
            let mined = Feed::Mining(Box::new(kept.mined(&self.opts)));
            if let (Feed::Kept(kept), Some(pool)) = (std::mem::replace(&mut self.feed, mined), &self.pool) {
                pool.give(*kept);
            }
        }
        match &mut self.feed {
            Feed::Mining(mining) => mining,
            Feed::Kept(_) => unreachable!("just mined"),
        }
    }
}

impl LineSink for DigestFeed {
    type Finished = DigestExcerpt;

    fn line(&mut self, line_no: u64, line: &[u8], time: Option<Timestamp>, hit: bool) {
        match &mut self.feed {
            Feed::Mining(mining) => {
                let key = repeat_key(line, time);
                mining.line(line_no, key, Some(line), || None, time, hit);
            }
            Feed::Kept(kept) => kept.line(line_no, line, time, hit),
        }
    }

    fn append(&mut self, later: DigestFeed, lines_before: u64) {
        match later.feed {
            Feed::Kept(kept) => {
                kept.replay(self.mining(), lines_before);
                if let Some(pool) = &self.pool {
                    pool.give(*kept);
                }
            }
            // Only a first piece's feed mines as it goes, and a first piece is appended to none.
            Feed::Mining(_) => debug_assert!(false, "a mining feed appended to another"),
        }
    }

    /// The excerpt of a file of `lines_total` lines.
    fn finish(self, lines_total: u64) -> DigestExcerpt {
        let miner = match self.feed {
            Feed::Mining(mining) => mining.miner,
            Feed::Kept(kept) => kept.mined(&self.opts).miner,
        };
        let digested = miner.lines;
        let digest = miner.finish();
        let mut top = digest.templates.clone();
        top.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
        top.truncate(TOP_TEMPLATES);
        let (storms, storms_more) = top_storms(&digest.storms, STORMS_SHOWN);
        let mut rare = digest.rare.clone();
        rare.truncate(TOP_RARE);
        DigestExcerpt {
            scope: SCOPE,
            lines_digested: digested,
            lines_total,
            templates_found: digest.templates.len(),
            top,
            storms,
            storms_more,
            tail_loop: digest.tail_loop,
            rare,
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

        // With room for one key only, lines past it are mined in full (or from a stand-in).
        let tight = DigestOptions {
            max_repeats: 1,
            ..DigestOptions::default()
        };
        for (cuts, opts) in [
            ([150, 300], &opts),
            ([1, 442], &opts),
            ([230, 231], &opts),
            ([150, 300], &tight),
        ] {
            // The first piece mines as it goes (as the scan's first pieces do), or keeps records
            // like the others.
            let mut first = DigestFeed::new(cuts[0] % 2 == 0, opts);
            feed(&mut first, &lines[..cuts[0]], 1);
            let mut second = DigestFeed::new(false, opts);
            feed(&mut second, &lines[cuts[0]..cuts[1]], 1);
            let mut third = DigestFeed::new(false, opts);
            feed(&mut third, &lines[cuts[1]..], 1);
            first.append(second, cuts[0] as u64);
            first.append(third, cuts[1] as u64);
            let pieces = serde_json::to_string(&first.finish(443)).unwrap();
            assert_eq!(pieces, whole, "cut at {cuts:?}");
        }
    }
}
