//! The streaming template miner (Drain family): each message's masked tokens are routed
//! through a fixed-depth prefix tree (token count, then the first two non-variable tokens) to
//! a small leaf of candidate templates; the line joins the most similar template when enough
//! positions agree, and the differing positions become `<*>`. Otherwise it starts a template.
//!
//! Per template the miner keeps counts, first/last line and time, an example, per-minute
//! buckets (for storms) and, for the whole file, a ring of the last lines' template ids (for
//! the tail loop). At [`TemplateMiner::finish`] templates that ended up equal, or equal but
//! for one more variable position, are merged, and the report is built.

use rustc_hash::FxHashMap;

use super::header::{Header, HeaderShape, Level};
use super::refine;
use super::report::{self, FileDigest};
use super::token::{tokenize, Interner, WILDCARD, WILDCARD_ID};
use super::DigestOptions;
use crate::time::Timestamp;

/// Dense id of a template, numbered by first appearance in the file (0, 1, 2 ...).
pub type ClusterId = u32;

/// Bytes of a line kept as an example.
const EXAMPLE_BYTES: usize = 320;
/// Bytes of a line buffered by [`TemplateMiner::new`] to learn the header shape.
const SAMPLE_BYTES: usize = 512;
/// Distinct masked sequences remembered in the exact-match cache.
const MAX_EXACT: usize = 1 << 20;

/// Lines of one variant that fell in one bucket of its width (`Variant::width` minutes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bucket {
    /// First minute of the bucket (a multiple of the width).
    pub minute: i64,
    pub count: u32,
    pub first_line: u64,
    pub last_line: u64,
}

/// Merges each run of neighbouring buckets that share a start into one.
pub(crate) fn merge_neighbours(buckets: &mut Vec<Bucket>) {
    buckets.dedup_by(|later, kept| {
        let same = later.minute == kept.minute;
        if same {
            kept.count += later.count;
            kept.first_line = kept.first_line.min(later.first_line);
            kept.last_line = kept.last_line.max(later.last_line);
        }
        same
    });
}

/// One Drain template while mining.
#[derive(Debug)]
pub(crate) struct Cluster {
    pub tokens: Vec<u32>,
    /// Variants of this template (distinct masked token sequences).
    pub variants: Vec<u32>,
    /// Variant that takes lines once `max_variants` is reached.
    pub catch_all: Option<u32>,
    /// Per position, the distinct word values seen while the template has `<*>` there; `None`
    /// once the position is known to vary a lot (more than `max_word_values` words, or a
    /// number/id), so variants stop telling its values apart.
    pub values: Vec<Option<Vec<u32>>>,
    /// Per position, the tokens seen there generalised by [`generalize`]: the punctuation
    /// around a variable that all its lines share (`(<*>)`, `rhost=<*>`), for the template's
    /// text; grouping never reads it.
    pub shape: Vec<u32>,
    /// The overflow template: lines that found no template once the cap was reached.
    pub overflow: bool,
}

/// One distinct masked token sequence of a template, with its line statistics. The finish
/// step regroups variants (see `refine`), so statistics live here.
#[derive(Debug)]
pub(crate) struct Variant {
    pub cluster: u32,
    /// The masked tokens; `None` for a catch-all variant.
    pub tokens: Option<Box<[u32]>>,
    pub count: u64,
    pub first_line: u64,
    pub last_line: u64,
    pub first_time: Option<Timestamp>,
    pub last_time: Option<Timestamp>,
    pub level: Option<Level>,
    pub source: Box<[u8]>,
    pub example: Box<[u8]>,
    pub buckets: Vec<Bucket>,
    /// Minutes per bucket: 1, doubled (and the buckets merged in pairs) when the file's
    /// buckets reach `max_total_buckets` and this variant holds the most, or its own reach
    /// `max_buckets`.
    pub width: i64,
    /// Mined lines up to and including its last line (the loop's start is counted from it).
    pub last_seq: u64,
    /// The line mined right after its last line: its variant, line number (0: none yet) and
    /// time.
    pub after_variant: u32,
    pub after_line: u64,
    pub after_time: Option<Timestamp>,
}

impl Variant {
    /// Counts a line of `minute` in one of the last few buckets (lines come nearly in time
    /// order) if one holds that minute.
    fn count_in_open_bucket(&mut self, minute: i64, line_no: u64) -> bool {
        let start = minute - minute.rem_euclid(self.width);
        match self.buckets.iter_mut().rev().take(4).find(|b| b.minute == start) {
            Some(b) => {
                b.count += 1;
                b.last_line = line_no;
                true
            }
            None => false,
        }
    }
}

/// One mined line, as the tail loop's rings remember it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Recent {
    pub cluster: u32,
    /// Mined lines up to and including this one.
    pub seq: u64,
    /// `seq` of the template's line before (0: none).
    pub seq_before: u64,
    pub line: u64,
    pub time: Option<Timestamp>,
}

/// The last `cap` values pushed.
#[derive(Debug)]
pub(crate) struct Ring<T> {
    items: Vec<T>,
    next: usize,
    cap: usize,
}

impl<T: Copy> Ring<T> {
    fn new(cap: usize) -> Self {
        Ring {
            items: Vec::new(),
            next: 0,
            cap: cap.max(1),
        }
    }

    fn push(&mut self, item: T) {
        if self.items.len() < self.cap {
            self.items.push(item);
        } else {
            self.items[self.next] = item;
        }
        self.next = (self.next + 1) % self.cap;
    }

    /// The values, oldest first.
    pub(crate) fn in_order(&self) -> Vec<T> {
        let mut v = self.items[self.next..].to_vec();
        v.extend_from_slice(&self.items[..self.next]);
        v
    }
}

/// Streaming log-template miner.
///
/// Feed lines with [`add`](Self::add) in file order, then call [`finish`](Self::finish).
#[derive(Debug)]
pub struct TemplateMiner {
    opts: DigestOptions,
    shape: Option<HeaderShape>,
    /// The shape learned from the sample so far, while `shape` is not fixed.
    provisional: HeaderShape,
    sample: Vec<Box<[u8]>>,
    pub(crate) interner: Interner,
    pub(crate) clusters: Vec<Cluster>,
    pub(crate) variants: Vec<Variant>,
    /// (token count, first key token, second key token) -> clusters.
    tree: FxHashMap<(u32, u32, u32), Vec<u32>>,
    /// Exact masked-sequence cache: hash of the token ids -> variant.
    exact: FxHashMap<u64, u32>,
    /// (cluster, hash of the variant key) -> variant.
    variant_of: FxHashMap<(u32, u64), u32>,
    key: Vec<u32>,
    overflow: Option<u32>,
    pub(crate) overflowed: u64,
    pub(crate) lines: u64,
    pub(crate) first_time: Option<Timestamp>,
    pub(crate) last_time: Option<Timestamp>,
    effective_time: Option<Timestamp>,
    /// The last `loop_window` lines mined.
    pub(crate) ring: Ring<Recent>,
    /// The last `loop_window` lines whose template had not been seen in the `loop_tail`
    /// lines before: where templates join (or come back), further back than `ring` reaches.
    pub(crate) joins: Ring<Recent>,
    /// The variant of the last line mined.
    prev: Option<u32>,
    pub(crate) levels: [u64; 6],
    /// Buckets held by all variants (at most `opts.max_total_buckets`).
    buckets: usize,
    ids: Vec<u32>,
    scratch: Vec<u8>,
}

/// The token that reads for both `a` and `b` at one position of a template: `<*>` with
/// the punctuation both keep around the variable (`(<*>)`, `'<*>'`, `<*>,`) and a `key=`
/// both start with (`rhost=<*>`). Wildcards inside either are not kept: `<*>:<*>` and
/// `<*>` read as `<*>`.
pub(crate) fn generalize(interner: &mut Interner, a: u32, b: u32) -> u32 {
    if a == b || a == WILDCARD_ID || b == WILDCARD_ID {
        return if a == b { a } else { WILDCARD_ID };
    }
    let (x, y) = (interner.text(a), interner.text(b));
    let pre = x.iter().zip(y).take_while(|(p, q)| p == q).count();
    let room = x.len().min(y.len()) - pre;
    let suf = x
        .iter()
        .rev()
        .zip(y.iter().rev())
        .take(room)
        .take_while(|(p, q)| p == q)
        .count();
    let opens = |c: &u8| matches!(c, b'(' | b'[' | b'{' | b'\'' | b'"' | b'`');
    let closes = |c: &u8| {
        matches!(
            c,
            b')' | b']' | b'}' | b'\'' | b'"' | b'`' | b',' | b';' | b':' | b'.' | b'!' | b'?'
        )
    };
    let head = &x[..pre];
    let mut keep_pre = head.iter().take_while(|c| opens(c)).count();
    if let Some(eq) = memchr::memrchr(b'=', head) {
        if memchr::memchr(b'<', &head[..eq]).is_none() {
            keep_pre = keep_pre.max(eq + 1);
        }
    }
    let keep_suf = x[x.len() - suf..].iter().rev().take_while(|c| closes(c)).count();
    if keep_pre == 0 && keep_suf == 0 {
        return WILDCARD_ID;
    }
    let mut t = Vec::with_capacity(keep_pre + keep_suf + WILDCARD.len());
    t.extend_from_slice(&x[..keep_pre]);
    t.extend_from_slice(WILDCARD);
    t.extend_from_slice(&x[x.len() - keep_suf..]);
    interner.intern(&t)
}

fn hash_ids(ids: &[u32]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    ids.hash(&mut h);
    h.finish()
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && (line[end - 1] == b'\n' || line[end - 1] == b'\r') {
        end -= 1;
    }
    &line[..end]
}

impl TemplateMiner {
    /// A miner that learns the header shape from the lines it is given, re-learning as the
    /// first `opts.header_sample` lines come (at 1, 2, 4, 8 ... lines) and then freezing it. Prefer
    /// [`with_shape`](Self::with_shape) when the first lines can be read ahead (as
    /// [`digest_reader`](super::digest_reader) does), so every line is parsed alike.
    pub fn new(opts: DigestOptions) -> Self {
        Self::build(opts, None)
    }

    /// A miner with a header shape learned beforehand (see [`HeaderShape::learn`]).
    pub fn with_shape(opts: DigestOptions, shape: HeaderShape) -> Self {
        Self::build(opts, Some(shape))
    }

    fn build(opts: DigestOptions, shape: Option<HeaderShape>) -> Self {
        let window = opts.loop_window;
        let interner = Interner::with_cap(opts.max_vocabulary);
        TemplateMiner {
            opts,
            shape,
            provisional: HeaderShape::default(),
            sample: Vec::new(),
            interner,
            clusters: Vec::new(),
            variants: Vec::new(),
            tree: FxHashMap::default(),
            exact: FxHashMap::default(),
            variant_of: FxHashMap::default(),
            key: Vec::new(),
            overflow: None,
            overflowed: 0,
            lines: 0,
            first_time: None,
            last_time: None,
            effective_time: None,
            ring: Ring::new(window),
            joins: Ring::new(window),
            prev: None,
            levels: [0; 6],
            buckets: 0,
            ids: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// The options this miner runs with.
    pub fn options(&self) -> &DigestOptions {
        &self.opts
    }

    /// The header shape in use (learned so far, for [`new`](Self::new)).
    pub fn shape(&self) -> HeaderShape {
        self.shape.unwrap_or_else(|| self.learned_shape())
    }

    fn learned_shape(&self) -> HeaderShape {
        let mut s = HeaderShape::learn(self.sample.iter().map(|l| &l[..]));
        s.assume_year = self.opts.assume_year;
        s
    }

    fn header(&mut self, line: &[u8]) -> Header {
        if let Some(shape) = &self.shape {
            return shape.parse(line);
        }
        self.sample.push(line[..line.len().min(SAMPLE_BYTES)].into());
        // Re-learned as the sample doubles, and once more when it is full.
        let n = self.sample.len();
        if n.is_power_of_two() || n >= self.opts.header_sample {
            self.provisional = self.learned_shape();
        }
        if n >= self.opts.header_sample {
            self.shape = Some(self.provisional);
            self.sample = Vec::new();
        }
        self.provisional.parse(line)
    }

    /// Mines one physical line (`line_no` is 1-based; a trailing `\r\n` is ignored) and
    /// returns a provisional id for it.
    ///
    /// Templates are regrouped when mining ends: translate the ids returned here with the map
    /// from [`finish_with_map`](Self::finish_with_map).
    pub fn add(&mut self, line_no: u64, line: &[u8]) -> ClusterId {
        let line = trim_eol(line);
        let h = self.header(line);
        self.mine(line_no, line, &h)
    }

    /// Like [`add`](Self::add), but only when `keep` accepts the line's header (parsed once,
    /// and learned from either way); returns `None` for a line left out.
    pub fn add_if(
        &mut self,
        line_no: u64,
        line: &[u8],
        keep: impl FnOnce(&Header, &[u8]) -> bool,
    ) -> Option<ClusterId> {
        self.add_if_at(line_no, line, None, keep)
    }

    /// Like [`add_if`](Self::add_if), with `time` (when given) in place of the time the
    /// header holds: for a line mined from a stand-in text of the same shape.
    pub fn add_if_at(
        &mut self,
        line_no: u64,
        line: &[u8],
        time: Option<Timestamp>,
        keep: impl FnOnce(&Header, &[u8]) -> bool,
    ) -> Option<ClusterId> {
        let line = trim_eol(line);
        let mut h = self.header(line);
        if time.is_some() {
            h.time = time;
        }
        keep(&h, line).then(|| self.mine(line_no, line, &h))
    }

    /// Counts one more line for `variant`, an id this miner returned for an earlier line that
    /// this one repeats but for its numbers, with the time and level of this line's header:
    /// what [`add`](Self::add) would do with it, without tokenising it again.
    pub fn add_repeat(
        &mut self,
        line_no: u64,
        variant: ClusterId,
        time: Option<Timestamp>,
        level: Option<Level>,
    ) {
        let h = Header {
            time,
            level,
            ..Header::default()
        };
        self.count_line(&h);
        let time = self.effective_time;
        self.touch(variant, line_no, time, &h);
    }

    /// The per-file counts of a mined line.
    fn count_line(&mut self, h: &Header) {
        self.lines += 1;
        if let Some(t) = h.time {
            self.first_time = Some(self.first_time.map_or(t, |f| f.min(t)));
            self.last_time = Some(self.last_time.map_or(t, |l| l.max(t)));
            self.effective_time = Some(t);
        }
        if let Some(l) = h.level {
            self.levels[l as usize] += 1;
        }
    }

    fn mine(&mut self, line_no: u64, line: &[u8], h: &Header) -> ClusterId {
        // Secrets are masked before the line is tokenised: a template or an example never
        // keeps a piece of one (a token split at `.` or `-` would escape the document's masking).
        let masked = crate::redact::mask_secrets_bytes(line);
        let mut h = *h;
        if let std::borrow::Cow::Owned(m) = &masked {
            // A mask changes the line's length: the message's bounds are read again from
            // the masked line (a JSON `msg` holding a token ends elsewhere now).
            let again = self.shape.unwrap_or(self.provisional).parse(m);
            h.source = again.source;
            h.content = again.content;
            h.content_end = again.content_end;
        }
        let line: &[u8] = &masked;
        self.count_line(&h);
        let stop = h.content_end.unwrap_or(line.len()).min(line.len());
        let mut start = h.content.min(stop);
        if line[start..stop].iter().all(u8::is_ascii_whitespace) && h.content_end.is_none() {
            // A line that is all header (apt's `Start-Date: ...`, `End-Date: ...`) is mined
            // whole, so its field name tells it apart.
            start = 0;
        }
        let end = stop.min(start + self.opts.max_line_bytes);
        let mut ids = std::mem::take(&mut self.ids);
        tokenize(
            &line[start..end],
            self.opts.max_tokens,
            &mut self.interner,
            &mut self.scratch,
            &mut ids,
        );
        if let Some((from, to)) = self.tag_span(&ids, line, &h, start, stop) {
            // A message with no constant token (`battery_level: [84,3900,300]`, `cpu: 17 35`)
            // says nothing of its event but through the column that names it: the tag or
            // component before it is mined with it (the host or module columns before that
            // stay header). A line that is all header and values (a `time;A;job;` record) is
            // its source column alone.
            let end = to.min(from + self.opts.max_line_bytes);
            tokenize(
                &line[from..end],
                self.opts.max_tokens,
                &mut self.interner,
                &mut self.scratch,
                &mut ids,
            );
        }
        let v = self.assign(&ids, line_no, line, &h);
        self.ids = ids;
        let time = self.effective_time;
        self.touch(v, line_no, time, &h);
        v
    }

    /// The bytes to mine instead, when the message mined from `start` holds only values
    /// (every token holds a wildcard) and the header has a source column:
    /// from the start of the source's last column (the tag that names the event) to `stop`
    /// when the source ends before the message, or that column alone when the line is all
    /// header (mined whole from 0).
    fn tag_span(
        &self,
        ids: &[u32],
        line: &[u8],
        h: &Header,
        start: usize,
        stop: usize,
    ) -> Option<(usize, usize)> {
        let (s, e) = h.source?;
        if ids.is_empty()
            || !ids
                .iter()
                .all(|&t| t == WILDCARD_ID || self.interner.is_variable(t))
        {
            return None;
        }
        let col = line.get(s..e)?.trim_ascii_end();
        let last = col
            .iter()
            .rposition(|c| c.is_ascii_whitespace())
            .map_or(0, |p| p + 1);
        if last >= col.len() {
            return None;
        }
        if e <= start {
            Some((s + last, stop))
        } else if start == 0 && e <= stop {
            Some((s + last, s + col.len()))
        } else {
            None
        }
    }

    /// The tree key of a token: `<*>` for a variable, and for an id that may vary (a word
    /// holding a digit, `eth0`, or a quoted named value): lines whose first word is `eth0` or
    /// `eth1` meet in one leaf.
    fn key_token(&self, id: u32) -> u32 {
        if id == WILDCARD_ID || self.interner.is_variable(id) || self.interner.is_ident(id) {
            WILDCARD_ID
        } else {
            id
        }
    }

    /// Finds or makes the variant of a line; returns its id.
    fn assign(&mut self, ids: &[u32], line_no: u64, line: &[u8], h: &Header) -> u32 {
        let hash = hash_ids(ids);
        if let Some(&v) = self.exact.get(&hash) {
            // The same masked sequence as an earlier line: same variant (templates only
            // generalise, so it still fits). Guard against hash collisions.
            if let Some(t) = &self.variants[v as usize].tokens {
                if t.len() == ids.len() && t.iter().zip(ids).all(|(&a, &b)| a == b || a == WILDCARD_ID) {
                    return v;
                }
            }
        }
        let c = self.drain(ids, line_no, line, h);
        if self.clusters[c as usize].overflow {
            return self.catch_all(c, line_no, line, h);
        }
        // The variant key: the line's tokens, with `<*>` where the template varies a lot.
        let mut key = std::mem::take(&mut self.key);
        key.clear();
        key.extend_from_slice(ids);
        let max_values = self.opts.max_word_values;
        let cl = &mut self.clusters[c as usize];
        for (p, k) in key.iter_mut().enumerate() {
            let Some(vals) = cl.values.get_mut(p) else {
                break;
            };
            if cl.tokens[p] != WILDCARD_ID {
                continue;
            }
            match vals {
                None => *k = WILDCARD_ID,
                Some(list) => {
                    // A word the line also quotes (`relation "orders" ... FROM orders`) is
                    // a name of the user's data, as the quoted one is: a parameter.
                    let quoted = *k != WILDCARD_ID && ids.iter().any(|&t| self.interner.quotes(t, *k));
                    if *k == WILDCARD_ID || self.interner.is_ident(*k) || quoted {
                        *vals = None;
                        *k = WILDCARD_ID;
                    } else if !list.contains(k) {
                        if list.len() >= max_values {
                            *vals = None;
                            *k = WILDCARD_ID;
                        } else {
                            list.push(*k);
                        }
                    }
                }
            }
        }
        let khash = hash_ids(&key);
        let found = self
            .variant_of
            .get(&(c, khash))
            .copied()
            .filter(|&v| self.variants[v as usize].tokens.as_deref() == Some(&key[..]));
        let v = match found {
            Some(v) => v,
            None if self.clusters[c as usize].variants.len() < self.opts.max_variants => {
                let v = self.new_variant(c, Some(key.as_slice().into()), line_no, line, h);
                self.clusters[c as usize].variants.push(v);
                self.variant_of.insert((c, khash), v);
                v
            }
            None => {
                self.key = key;
                return self.catch_all(c, line_no, line, h);
            }
        };
        self.key = key;
        if self.exact.len() < MAX_EXACT {
            self.exact.insert(hash, v);
        }
        v
    }

    fn catch_all(&mut self, c: u32, line_no: u64, line: &[u8], h: &Header) -> u32 {
        match self.clusters[c as usize].catch_all {
            Some(v) => v,
            None => {
                let v = self.new_variant(c, None, line_no, line, h);
                self.clusters[c as usize].catch_all = Some(v);
                v
            }
        }
    }

    /// The Drain step: the template a token sequence joins (updating it), or a new one.
    fn drain(&mut self, ids: &[u32], _line_no: u64, _line: &[u8], _h: &Header) -> u32 {
        let key = (
            ids.len() as u32,
            ids.first().map_or(u32::MAX, |&t| self.key_token(t)),
            ids.get(1).map_or(u32::MAX, |&t| self.key_token(t)),
        );
        let n = ids.len();
        let mut best: Option<(u32, usize, usize)> = None; // (cluster, same, wildcards)
        if let Some(leaf) = self.tree.get(&key) {
            for &c in leaf {
                let t = &self.clusters[c as usize].tokens;
                let mut same = 0;
                let mut wild = 0;
                for (&a, &b) in t.iter().zip(ids) {
                    if a == WILDCARD_ID {
                        wild += 1;
                    } else if a == b {
                        same += 1;
                    }
                }
                let better = match best {
                    None => true,
                    Some((_, s, w)) => same > s || (same == s && wild > w),
                };
                if better {
                    best = Some((c, same, wild));
                }
            }
        }
        if let Some((c, same, wild)) = best {
            let score = same as f64 + self.opts.wildcard_weight * wild as f64;
            if n == 0 || score >= self.opts.similarity * n as f64 {
                let cl = &mut self.clusters[c as usize];
                for (s, &b) in cl.shape.iter_mut().zip(ids) {
                    if *s != b && *s != WILDCARD_ID {
                        *s = generalize(&mut self.interner, *s, b);
                    }
                }
                for (p, (a, &b)) in cl.tokens.iter_mut().zip(ids).enumerate() {
                    if *a != b && *a != WILDCARD_ID {
                        // The position starts to vary: remember its old constant.
                        cl.values[p] = (!self.interner.is_ident(*a)).then(|| vec![*a]);
                        *a = WILDCARD_ID;
                    }
                }
                return c;
            }
        }
        let real = self.clusters.len() - usize::from(self.overflow.is_some());
        if real >= self.opts.max_templates {
            self.overflowed += 1;
            return match self.overflow {
                Some(o) => o,
                None => {
                    let o = self.clusters.len() as u32;
                    self.clusters.push(Cluster {
                        tokens: Vec::new(),
                        variants: Vec::new(),
                        catch_all: None,
                        values: Vec::new(),
                        shape: Vec::new(),
                        overflow: true,
                    });
                    self.overflow = Some(o);
                    o
                }
            };
        }
        let c = self.clusters.len() as u32;
        self.clusters.push(Cluster {
            tokens: ids.to_vec(),
            variants: Vec::new(),
            catch_all: None,
            values: ids.iter().map(|&t| (t != WILDCARD_ID).then(Vec::new)).collect(),
            shape: ids.to_vec(),
            overflow: false,
        });
        self.tree.entry(key).or_default().push(c);
        c
    }

    fn new_variant(
        &mut self,
        cluster: u32,
        tokens: Option<Box<[u32]>>,
        line_no: u64,
        line: &[u8],
        h: &Header,
    ) -> u32 {
        let id = self.variants.len() as u32;
        let source = h.source.map_or(&[][..], |(s, e)| &line[s..e]);
        self.variants.push(Variant {
            cluster,
            tokens,
            count: 0,
            first_line: line_no,
            last_line: line_no,
            first_time: None,
            last_time: None,
            level: h.level,
            source: source[..source.len().min(96)].into(),
            example: line[..line.len().min(EXAMPLE_BYTES)].into(),
            buckets: Vec::new(),
            width: 1,
            last_seq: 0,
            after_variant: 0,
            after_line: 0,
            after_time: None,
        });
        id
    }

    fn touch(&mut self, id: u32, line_no: u64, time: Option<Timestamp>, h: &Header) {
        if let Some(prev) = self.prev.replace(id) {
            let p = &mut self.variants[prev as usize];
            p.after_variant = id;
            p.after_line = line_no;
            p.after_time = time;
        }
        let seq = self.lines;
        let v = &mut self.variants[id as usize];
        let seq_before = v.last_seq;
        let joined = v.count == 0 || seq - seq_before > self.opts.loop_tail as u64;
        v.count += 1;
        v.last_line = line_no;
        v.last_seq = seq;
        if v.level.is_none() {
            v.level = h.level;
        }
        if let Some(t) = time {
            if v.first_time.is_none() {
                v.first_time = Some(t);
            }
            v.last_time = Some(t);
            self.count_in_bucket(id, t.millis().div_euclid(60_000), line_no);
        }
        let rec = Recent {
            cluster: id,
            seq,
            seq_before,
            line: line_no,
            time,
        };
        self.ring.push(rec);
        if joined {
            self.joins.push(rec);
        }
    }

    /// Counts a line of `minute` in its variant's bucket, opening one if needed; the
    /// buckets stay within their caps by widening (see [`Variant::width`]).
    fn count_in_bucket(&mut self, id: u32, minute: i64, line_no: u64) {
        if self.variants[id as usize].count_in_open_bucket(minute, line_no) {
            return;
        }
        if self.variants[id as usize].buckets.len() >= self.opts.max_buckets.max(2) {
            self.widen(id);
        } else if self.buckets >= self.opts.max_total_buckets.max(2) {
            let most = (0..self.variants.len())
                .max_by_key(|&i| (self.variants[i].buckets.len(), std::cmp::Reverse(i)))
                .expect("a variant holds the buckets");
            self.widen(most as u32);
        }
        // Widening may have made room in an open bucket.
        let v = &mut self.variants[id as usize];
        if !v.count_in_open_bucket(minute, line_no) {
            self.buckets += 1;
            v.buckets.push(Bucket {
                minute: minute - minute.rem_euclid(v.width),
                count: 1,
                first_line: line_no,
                last_line: line_no,
            });
        }
    }

    /// Doubles a variant's bucket width (more than once if that merges too few), merging
    /// neighbouring buckets that now share a start.
    fn widen(&mut self, id: u32) {
        let v = &mut self.variants[id as usize];
        let before = v.buckets.len();
        loop {
            v.width *= 2;
            for b in &mut v.buckets {
                b.minute -= b.minute.rem_euclid(v.width);
            }
            merge_neighbours(&mut v.buckets);
            if v.buckets.len() <= before * 3 / 4 || v.width >= 1 << 20 {
                break;
            }
        }
        self.buckets -= before - v.buckets.len();
    }

    /// The template text of token ids.
    pub(crate) fn render(&self, tokens: &[u32]) -> String {
        let mut out = Vec::new();
        for (i, &t) in tokens.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            super::token::display_token(self.interner.text(t), &mut out);
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Ends mining and builds the report.
    pub fn finish(self) -> FileDigest {
        self.finish_with_map().0
    }

    /// Ends mining; also returns `map[id]`, the final template id of every id that
    /// [`add`](Self::add) returned.
    pub fn finish_with_map(mut self) -> (FileDigest, Vec<ClusterId>) {
        let groups = refine::regroup(&mut self);
        report::build(self, groups)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mine(lines: &[&str]) -> (FileDigest, Vec<u32>) {
        let mut m = TemplateMiner::new(DigestOptions::default());
        let ids: Vec<u32> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| m.add(i as u64 + 1, l.as_bytes()))
            .collect();
        let (d, map) = m.finish_with_map();
        (d, ids.into_iter().map(|i| map[i as usize]).collect())
    }

    #[test]
    fn groups_and_masks() {
        let (d, ids) = mine(&[
            "Invalid user webmaster from 173.234.31.186",
            "Invalid user test from 10.0.0.1",
            "Connection closed by 10.0.0.2 [preauth]",
            "Invalid user admin from 10.0.0.3",
            "Invalid user oracle from 10.0.0.4",
        ]);
        assert_eq!(ids, vec![0, 0, 1, 0, 0]);
        assert_eq!(d.templates[0].template, "Invalid user <*> from <*>");
        assert_eq!(d.templates[0].count, 4);
        assert_eq!(d.templates[1].template, "Connection closed by <*> [preauth]");
    }

    #[test]
    fn a_variable_of_several_words_is_one_event() {
        let mut lines = Vec::new();
        for name in [
            "endpoint",
            "garbage collector",
            "node_authorizer",
            "crt configmap",
        ] {
            for _ in 0..3 {
                lines.push(format!("Waiting for caches to sync for {name}"));
            }
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (d, ids) = mine(&refs);
        assert_eq!(d.templates.len(), 1, "{:?}", d.templates);
        assert_eq!(d.templates[0].template, "Waiting for caches to sync for <*>");
        assert!(ids.iter().all(|&i| i == 0));
    }

    #[test]
    fn a_message_of_values_only_is_told_apart_by_its_tag() {
        let mut lines = Vec::new();
        for i in 0..12 {
            let (tag, msg) = match i % 3 {
                0 => ("battery_level", format!("[{},{},{}]", 10 + i, 4000 + i, 300 - i)),
                1 => ("cpu", format!("[{},{},{},{}]", i, 2 * i, 3 * i, 4 * i)),
                _ => ("ActivityManager", format!("Start proc {} for activity", 1000 + i)),
            };
            lines.push(format!(
                "03-07 09:15:{:02}.676  1287  1898 I {tag}: {msg}",
                10 + i
            ));
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (d, ids) = mine(&refs);
        let t: Vec<&str> = d.templates.iter().map(|t| t.template.as_str()).collect();
        assert_eq!(
            t,
            [
                "battery_level: [<*>]",
                "cpu: [<*>]",
                "Start proc <*> for activity"
            ]
        );
        assert_eq!(&ids[..3], &[0, 1, 2]);
    }

    #[test]
    fn an_inserted_field_is_another_event() {
        let mut lines = Vec::new();
        for i in 0..6 {
            lines.push(format!("authentication failure; uid=0 ruser= rhost=10.0.0.{i}"));
            lines.push(format!(
                "authentication failure; uid=0 ruser= rhost=h{i}.example.net user=u{i}"
            ));
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (d, ids) = mine(&refs);
        assert_eq!(d.templates.len(), 2, "{:?}", d.templates);
        assert_eq!(&ids[..4], &[0, 1, 0, 1]);
    }

    #[test]
    fn a_named_id_is_a_variable_not_a_word() {
        // `events-<*>` and `orders-<*>` name partitions: not words to split a template by.
        let (d, ids) = mine(&[
            "Deleted log segment 0732997755.log.deleted for partition events-2 (kafka.log.LogSegment)",
            "Deleted log segment 0709928856.log.deleted for partition orders-6 (kafka.log.LogSegment)",
            "Deleted log segment 0514216784.log.deleted for partition events-1 (kafka.log.LogSegment)",
        ]);
        assert_eq!(ids, vec![0, 0, 0]);
        assert_eq!(
            d.templates[0].template,
            "Deleted log segment <*>.log.deleted for partition <*> (kafka.log.LogSegment)"
        );
    }

    #[test]
    fn a_slashed_name_with_a_variable_part_is_a_parameter() {
        // `be_api/app1` and `be_app/app3` name servers: their backend is not an event kind.
        let lines: Vec<String> = (0..12)
            .map(|i| {
                let backend = ["be_api", "be_app"][i % 2];
                format!("Server {backend}/app{i} is UP, reason: Layer7 check passed")
            })
            .collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (d, ids) = mine(&refs);
        assert_eq!(ids, vec![0; 12]);
        assert_eq!(
            d.templates[0].template,
            "Server <*> is UP, reason: Layer7 check passed"
        );
    }

    #[test]
    fn numbered_names_that_vary_are_parameters_even_first() {
        // `eth0`, `port1` stay words in the text while they do not vary; when they do, the
        // lines are one event although the first word differs (no tree leaf per interface).
        let lines: Vec<String> = (0..8)
            .map(|i| format!("eth{}: link is up on port{}", i % 4, i % 4))
            .collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (d, ids) = mine(&refs);
        assert_eq!(ids, vec![0; 8], "{:?}", d.templates);
        assert_eq!(d.templates[0].template, "<*>: link is up on <*>");
        let (d, _) = mine(&["eth0: link is up on port1", "eth0: link is up on port1"]);
        assert_eq!(d.templates[0].template, "eth0: link is up on port1");
    }

    #[test]
    fn words_that_cross_freely_are_parameters() {
        // Each record type is asked for each name: six combinations, all seen.
        let mut lines = Vec::new();
        for i in 0..24 {
            let kind = ["A", "AAAA"][i % 2];
            let name = ["api.example.com.", "db.prod.local.", "kubernetes.default.local."][i / 2 % 3];
            lines.push(format!("query {kind} IN {name} udp {i} false"));
        }
        // Two on/off words: four combinations may be four events.
        for i in 0..24 {
            let when = ["onSleep,", "onWake,"][i % 2];
            let plugged = ["Yes,", "No,"][i / 2 % 2];
            lines.push(format!("power {when} external: {plugged} remaining: {i}"));
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (d, ids) = mine(&refs);
        assert!(ids[..24].iter().all(|&i| i == 0), "{ids:?}");
        assert_eq!(d.templates[0].template, "query <*> IN <*>. udp <*> false");
        assert_eq!(d.templates.len(), 5, "{:?}", d.templates);
    }

    #[test]
    fn a_masked_secret_keeps_the_message_bounds() {
        // Masking changes the line's length; the JSON message still ends at its quote.
        let (d, _) = mine(&[
            r#"{"level":"info","ts":"2024-03-07T09:15:04Z","msg":"login password=hunter2 accepted","caller":"auth/login.go:42"}"#,
        ]);
        let t = &d.templates[0].template;
        assert!(t.starts_with("login ") && t.ends_with(" accepted"), "{t}");
        assert!(
            !t.contains("hunter2") && !d.templates[0].example.contains("hunter2"),
            "{t}"
        );
    }

    #[test]
    fn few_distinct_words_stay_apart() {
        let mut lines = Vec::new();
        for i in 0..20 {
            lines.push(format!("Location icon should now be in state 'Active' {i}"));
            lines.push(format!("Location icon should now be in state 'Inactive' {i}"));
        }
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (d, ids) = mine(&refs);
        assert_eq!(d.templates.len(), 2);
        assert_eq!(
            d.templates[0].template,
            "Location icon should now be in state 'Active' <*>"
        );
        assert_eq!(
            d.templates[1].template,
            "Location icon should now be in state 'Inactive' <*>"
        );
        assert_eq!(&ids[..4], &[0, 1, 0, 1]);
    }

    #[test]
    fn variable_first_word_is_merged_at_the_end() {
        let names = [
            "fmfd.heartbeat",
            "Safari.Update",
            "CacheDelete.daily",
            "suggestions.harvest",
            "cts.x",
        ];
        let lines: Vec<String> = names
            .iter()
            .map(|n| format!("com.apple.{n}: scheduler told me to run this job"))
            .collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (d, ids) = mine(&refs);
        assert_eq!(ids, vec![0; 5]);
        assert_eq!(d.templates[0].template, "<*>: scheduler told me to run this job");
    }

    #[test]
    fn buckets_widen_to_stay_within_the_file_cap() {
        let opts = DigestOptions {
            max_total_buckets: 8,
            ..DigestOptions::default()
        };
        let mut m = TemplateMiner::new(opts);
        for minute in 0..40u64 {
            m.add(
                2 * minute + 1,
                format!("2025-01-26T13:{minute:02}:00.100Z [ERROR] agent: Coordinate update error")
                    .as_bytes(),
            );
            if minute % 10 == 0 {
                m.add(
                    2 * minute + 2,
                    format!("2025-01-26T13:{minute:02}:00.200Z [WARN] agent: yamux keepalive failed")
                        .as_bytes(),
                );
            }
        }
        let held: usize = m.variants.iter().map(|v| v.buckets.len()).sum();
        assert!(held <= 8, "{held}");
        assert_eq!(held, m.buckets);
        // The busy variant widened, the quiet one kept minutes; no line is lost.
        let busy = &m.variants[0];
        assert!(busy.width > 1);
        assert_eq!(busy.buckets.iter().map(|b| u64::from(b.count)).sum::<u64>(), 40);
        assert!(busy.buckets.iter().all(|b| b.minute % busy.width == 0));
        assert_eq!(m.variants[1].width, 1);
        assert_eq!(m.variants[1].buckets.len(), 4);
    }

    #[test]
    fn overflow_bucket_when_capped() {
        let opts = DigestOptions {
            max_templates: 2,
            ..DigestOptions::default()
        };
        let mut m = TemplateMiner::new(opts);
        for (i, l) in ["alpha beta", "gamma delta", "epsilon zeta", "eta theta"]
            .iter()
            .enumerate()
        {
            m.add(i as u64 + 1, l.as_bytes());
        }
        let d = m.finish();
        assert_eq!(d.overflowed, 2);
        assert_eq!(d.templates.len(), 3);
        assert_eq!(d.templates[2].template, "<overflow>");
    }

    #[test]
    fn vocabulary_cap_reads_new_tokens_as_wildcards() {
        let opts = DigestOptions {
            max_vocabulary: 16,
            ..DigestOptions::default()
        };
        let mut m = TemplateMiner::new(opts);
        // Letter-only ids, each new: pod-name suffixes.
        let suffixes: Vec<String> = (0..200u32)
            .map(|i| {
                (0..5)
                    .map(|k| char::from(b'a' + ((i * 7 + k * 13) % 26) as u8))
                    .collect()
            })
            .collect();
        for (i, s) in suffixes.iter().enumerate() {
            m.add(
                i as u64 + 1,
                format!("Delete pod coredns-{s} from node").as_bytes(),
            );
        }
        assert!(m.interner.len() <= 16, "{}", m.interner.len());
        let d = m.finish();
        assert!(d.capped_tokens > 100, "{}", d.capped_tokens);
        assert_eq!(d.templates.len(), 1, "{:?}", d.templates);
        assert_eq!(d.templates[0].template, "Delete pod <*> from node");
        assert_eq!(d.templates[0].count, 200);
        assert!(crate::digest::render_text("x.log", &d).contains("vocabulary cap reached"));
    }

    #[test]
    fn crlf_and_invalid_utf8() {
        let (d, ids) = mine(&["caf\u{e9} ok\r\n", "x \u{ff}"]);
        assert_eq!(ids.len(), 2);
        assert_eq!(d.templates[0].template, "café ok");
        let mut m = TemplateMiner::new(DigestOptions::default());
        m.add(1, b"bad \xff\xfe bytes");
        let d = m.finish();
        assert!(d.templates[0].template.contains('\u{fffd}'));
    }

    #[test]
    fn huge_line_is_truncated() {
        let mut m = TemplateMiner::new(DigestOptions::default());
        let big = "word ".repeat(2_000_000);
        m.add(1, big.as_bytes());
        let d = m.finish();
        assert!(d.templates[0].template.len() < 20_000);
    }
}
