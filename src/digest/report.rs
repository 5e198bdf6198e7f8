//! The per-file digest: template summaries, storms (a template's rate jumping far above its
//! baseline), the repeating loop at the end of the log, and rare templates; plus the
//! human-readable rendering.
//!
//! Everything here is owned, `Serialize` and deterministic: templates are numbered by first
//! appearance and every list has a total order.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::header::{HeaderShape, Level};
use super::miner::{merge_neighbours, Bucket, ClusterId, Recent, TemplateMiner, Variant};
use super::refine::Regrouped;
use super::DigestOptions;
use crate::time::Timestamp;

/// One template of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateSummary {
    /// Template id, by first appearance (0 is the first line's template).
    pub id: ClusterId,
    /// The message with variable tokens as `<*>` (header not included).
    pub template: String,
    /// Lines that matched.
    pub count: u64,
    /// First matching line number (1-based).
    pub first_line: u64,
    /// Last matching line number.
    pub last_line: u64,
    /// Time of the first matching line (or of the last header line before it).
    pub first_time: Option<Timestamp>,
    /// Time of the last matching line.
    pub last_time: Option<Timestamp>,
    /// Level of the first line with a level.
    pub level: Option<Level>,
    /// The source column of the first line (component, host or module), if the layout has one.
    pub source: Option<String>,
    /// The first matching line, as written (truncated to 512 bytes).
    pub example: String,
}

/// A burst of one template far above its usual rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Storm {
    /// The template.
    pub cluster: ClusterId,
    /// Its text.
    pub template: String,
    /// Start of the first minute of the burst.
    pub start: Timestamp,
    /// End of the last minute of the burst.
    pub end: Timestamp,
    /// First line of the burst.
    pub start_line: u64,
    /// Last line of the burst.
    pub end_line: u64,
    /// Lines of this template during the burst.
    pub count: u64,
    /// Highest lines per minute.
    pub peak_per_minute: u64,
    /// The template's usual lines per minute over the file (median, at least the mean rate
    /// outside bursts).
    pub baseline_per_minute: f64,
}

/// One template of the tail loop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoopMember {
    /// The template.
    pub cluster: ClusterId,
    /// Its text.
    pub template: String,
    /// Its lines inside the loop.
    pub hits: u64,
}

/// The set of templates that keeps repeating until the end of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TailLoop {
    /// Members in the order they first appear in the loop.
    pub members: Vec<LoopMember>,
    /// First line of the loop.
    pub start_line: u64,
    /// Last line of the loop.
    pub end_line: u64,
    /// Time of the first line of the loop.
    pub start_time: Option<Timestamp>,
    /// Time of the last line of the loop.
    pub end_time: Option<Timestamp>,
    /// Lines of member templates in the loop.
    pub hits: u64,
    /// Other lines tolerated inside the loop.
    pub other_lines: u64,
    /// True when the loop is longer than the remembered tail (`loop_window` lines): its
    /// start and hits come from where the other templates were last seen and its members
    /// joined (see `digest::report`), and per-member hits cover only the remembered part.
    pub truncated: bool,
}

/// A template seen only a handful of times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RareTemplate {
    /// The template.
    pub cluster: ClusterId,
    /// Its text.
    pub template: String,
    /// Lines that matched.
    pub count: u64,
    /// First matching line.
    pub first_line: u64,
    /// Time of the first matching line.
    pub first_time: Option<Timestamp>,
    /// Level, if the header had one.
    pub level: Option<Level>,
    /// The first matching line.
    pub example: String,
}

/// Everything the miner learned about one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileDigest {
    /// Physical lines read.
    pub lines: u64,
    /// Header layout used.
    pub header: HeaderShape,
    /// Earliest header time.
    pub first_time: Option<Timestamp>,
    /// Latest header time.
    pub last_time: Option<Timestamp>,
    /// Lines per header level.
    pub levels: BTreeMap<Level, u64>,
    /// Templates by id (first appearance).
    pub templates: Vec<TemplateSummary>,
    /// Bursts, by start time then template.
    pub storms: Vec<Storm>,
    /// The loop the file ends in, if any.
    pub tail_loop: Option<TailLoop>,
    /// Rare templates, most severe first, then by first line.
    pub rare: Vec<RareTemplate>,
    /// Lines that went to the overflow template because `max_templates` was reached.
    pub overflowed: u64,
    /// Tokens read as `<*>` because `max_vocabulary` distinct tokens were already held.
    pub capped_tokens: u64,
}

/// Merged statistics of one final template.
struct Agg {
    example_of: usize,
    count: u64,
    first_line: u64,
    last_line: u64,
    first_time: Option<Timestamp>,
    last_time: Option<Timestamp>,
    level: Option<Level>,
    buckets: Vec<Bucket>,
    /// Minutes per bucket: the widest of its variants'.
    width: i64,
    overflow: bool,
    /// Mined lines up to its last line, and the line mined right after that one.
    last_seq: u64,
    after: Recent,
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn min_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn max_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Builds the digest from a finished miner and its final grouping; returns it with the map
/// from provisional (variant) ids to final template ids.
pub(crate) fn build(miner: TemplateMiner, groups: Regrouped) -> (FileDigest, Vec<ClusterId>) {
    let opts = miner.options().clone();
    let map = groups.final_of_variant;
    let after_of = |v: &Variant| Recent {
        cluster: map[v.after_variant as usize],
        seq: v.last_seq + 1,
        seq_before: 0,
        line: v.after_line,
        time: v.after_time,
    };
    let mut aggs: Vec<Option<Agg>> = (0..groups.tokens.len()).map(|_| None).collect();
    for (vi, v) in miner.variants.iter().enumerate() {
        let f = map[vi] as usize;
        match &mut aggs[f] {
            None => {
                aggs[f] = Some(Agg {
                    example_of: vi,
                    count: v.count,
                    first_line: v.first_line,
                    last_line: v.last_line,
                    first_time: v.first_time,
                    last_time: v.last_time,
                    level: v.level,
                    buckets: v.buckets.clone(),
                    width: v.width,
                    overflow: groups.overflow[f],
                    last_seq: v.last_seq,
                    after: after_of(v),
                });
            }
            Some(a) => {
                if v.first_line < a.first_line {
                    a.example_of = vi;
                    a.level = v.level.or(a.level);
                } else {
                    a.level = a.level.or(v.level);
                }
                a.count += v.count;
                a.first_line = a.first_line.min(v.first_line);
                a.last_line = a.last_line.max(v.last_line);
                a.first_time = min_opt(a.first_time, v.first_time);
                a.last_time = max_opt(a.last_time, v.last_time);
                a.buckets.extend_from_slice(&v.buckets);
                a.width = a.width.max(v.width);
                if v.last_seq > a.last_seq {
                    a.last_seq = v.last_seq;
                    a.after = after_of(v);
                }
            }
        }
    }
    let mut aggs: Vec<Agg> = aggs
        .into_iter()
        .map(|a| a.expect("every final template has a variant"))
        .collect();
    for a in &mut aggs {
        for b in &mut a.buckets {
            b.minute -= b.minute.rem_euclid(a.width);
        }
        a.buckets.sort_by_key(|b| (b.minute, b.first_line));
        merge_neighbours(&mut a.buckets);
    }
    let texts: Vec<String> = aggs
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if a.overflow {
                "<overflow>".to_string()
            } else {
                miner.render(&groups.tokens[i])
            }
        })
        .collect();
    let templates: Vec<TemplateSummary> = aggs
        .iter()
        .enumerate()
        .map(|(id, a)| {
            let v = &miner.variants[a.example_of];
            TemplateSummary {
                id: id as u32,
                template: texts[id].clone(),
                count: a.count,
                first_line: a.first_line,
                last_line: a.last_line,
                first_time: a.first_time,
                last_time: a.last_time,
                level: a.level,
                source: (!v.source.is_empty()).then(|| lossy(&v.source)),
                example: lossy(&v.example),
            }
        })
        .collect();
    let storms = find_storms(&aggs, &texts, &opts);
    let final_ids = |rs: Vec<Recent>| -> Vec<Recent> {
        rs.into_iter()
            .map(|r| Recent {
                cluster: map[r.cluster as usize],
                ..r
            })
            .collect()
    };
    let ring = final_ids(miner.ring.in_order());
    let joins = final_ids(miner.joins.in_order());
    let tail_loop = find_tail_loop(&ring, &joins, &aggs, &texts, &opts);
    let rare = find_rare(&templates, &opts);
    let levels = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Fatal,
    ]
    .into_iter()
    .filter(|&l| miner.levels[l as usize] > 0)
    .map(|l| (l, miner.levels[l as usize]))
    .collect();
    let digest = FileDigest {
        lines: miner.lines,
        header: miner.shape(),
        first_time: miner.first_time,
        last_time: miner.last_time,
        levels,
        templates,
        storms,
        tail_loop,
        rare,
        overflowed: miner.overflowed,
        capped_tokens: miner.interner.capped,
    };
    (digest, map)
}

/// Bursts of one template at most this many minutes apart are one storm episode.
const STORM_GAP_MINUTES: i64 = 30;

/// Storms a report lists; the rest are counted ("... and N more").
pub const STORMS_SHOWN: usize = 5;

/// The `limit` largest storms (most lines first, then earliest), in time order, and how many
/// were left out. `casebook digest` and the case document both list storms through it.
pub fn top_storms(storms: &[Storm], limit: usize) -> (Vec<Storm>, usize) {
    let mut top = storms.to_vec();
    top.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| (a.start, a.cluster).cmp(&(b.start, b.cluster)))
    });
    top.truncate(limit);
    top.sort_by_key(|x| (x.start, x.cluster));
    (top, storms.len().saturating_sub(limit))
}

fn find_storms(aggs: &[Agg], texts: &[String], opts: &DigestOptions) -> Vec<Storm> {
    let (Some(lo), Some(hi)) = (
        aggs.iter()
            .filter_map(|a| a.buckets.first())
            .map(|b| b.minute)
            .min(),
        aggs.iter()
            .filter_map(|a| a.buckets.last())
            .map(|b| b.minute)
            .max(),
    ) else {
        return Vec::new();
    };
    let mut storms = Vec::new();
    for (id, a) in aggs.iter().enumerate() {
        if a.overflow || a.count < opts.storm_min_count || a.buckets.is_empty() {
            continue;
        }
        // Buckets of `w` minutes (1 unless the template's buckets were widened).
        let w = a.width;
        let span = ((hi - hi.rem_euclid(w)) - (lo - lo.rem_euclid(w))) / w + 1;
        let span = span as usize;
        // Median lines per bucket over the whole file span (zeros included).
        let mut counts: Vec<u32> = a.buckets.iter().map(|b| b.count).collect();
        counts.sort_unstable();
        let zeros = span.saturating_sub(counts.len());
        let mid = span / 2;
        let median = if mid < zeros {
            0.0
        } else {
            f64::from(counts[(mid - zeros).min(counts.len() - 1)])
        };
        let threshold = (median * opts.storm_factor).max((opts.storm_min_rate * w as u64) as f64);
        let b = &a.buckets;
        // Bursts: runs of buckets above threshold, bridging one quiet bucket.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if f64::from(b[i].count) < threshold {
                i += 1;
                continue;
            }
            let start = i;
            let mut end = i;
            let mut j = i + 1;
            while j < b.len() && b[j].minute - b[end].minute <= 2 * w {
                if f64::from(b[j].count) >= threshold {
                    end = j;
                }
                j += 1;
            }
            runs.push((start, end));
            i = end + 1;
        }
        // Bursts of one template that follow each other within `STORM_GAP_MINUTES` are one
        // episode: a storm that dips for a few minutes is still the same storm.
        let mut episodes: Vec<(usize, usize)> = Vec::new();
        for (start, end) in runs {
            match episodes.last_mut() {
                Some(last) if b[start].minute - (b[last.1].minute + w) <= STORM_GAP_MINUTES => last.1 = end,
                _ => episodes.push((start, end)),
            }
        }
        for (start, end) in episodes {
            let run = &b[start..=end];
            let count: u64 = run.iter().map(|x| u64::from(x.count)).sum();
            if count < opts.storm_min_count {
                continue;
            }
            // Baseline: the rate outside the episode, never below the median.
            let minutes = (span * w as usize) as f64;
            let inside = (b[end].minute + w - b[start].minute) as f64;
            let outside = (a.count - count) as f64 / (minutes - inside).max(1.0);
            let per_minute = median / w as f64;
            storms.push(Storm {
                cluster: id as u32,
                template: texts[id].clone(),
                start: crate::time::Timestamp(b[start].minute * 60_000),
                end: crate::time::Timestamp((b[end].minute + w) * 60_000 - 1),
                start_line: run.iter().map(|x| x.first_line).min().unwrap_or(0),
                end_line: run.iter().map(|x| x.last_line).max().unwrap_or(0),
                count,
                peak_per_minute: run
                    .iter()
                    .map(|x| u64::from(x.count))
                    .max()
                    .unwrap_or(0)
                    .div_ceil(w as u64),
                baseline_per_minute: (outside.max(per_minute) * 100.0).round() / 100.0,
            });
        }
    }
    storms.sort_by_key(|x| (x.start, x.cluster));
    storms
}

/// The loop the file ends in, from the ring of its last mined lines: the templates seen at
/// least twice in the last `opts.loop_tail` lines, back to where other templates stop being
/// rare, from where the last of them joined.
///
/// A loop longer than the ring began after the last line of any other template before the
/// ring (each template remembers its last line's sequence number), where the last member
/// joined: `joins` holds the lines whose template had not been seen in the `loop_tail` lines
/// before, and when it was last seen. Its hits are then every line from there on (exact); its members' own hits cover
/// the ring only.
fn find_tail_loop(
    ring: &[Recent],
    joins: &[Recent],
    aggs: &[Agg],
    texts: &[String],
    opts: &DigestOptions,
) -> Option<TailLoop> {
    let tail = &ring[ring.len().saturating_sub(opts.loop_tail)..];
    if tail.is_empty() {
        return None;
    }
    // Members: templates seen at least twice in the tail (a one-off line is not a loop).
    let mut in_tail: BTreeMap<u32, usize> = BTreeMap::new();
    for r in tail {
        *in_tail.entry(r.cluster).or_default() += 1;
    }
    let need = if tail.len() >= 4 { 2 } else { 1 };
    let members: Vec<u32> = in_tail
        .iter()
        .filter(|&(_, &n)| n >= need)
        .map(|(&c, _)| c)
        .collect();
    if members.is_empty() || members.len() > opts.max_loop_templates {
        return None;
    }
    let is_member = |c: u32| members.binary_search(&c).is_ok();
    // Walk back while other templates stay rare (at most 1% plus 2 lines, no run of 8).
    let mut start = None;
    let mut other = 0u64;
    let mut other_at_start = 0u64;
    let mut run = 0;
    let mut last_member = None;
    for (i, r) in ring.iter().enumerate().rev() {
        if is_member(r.cluster) {
            run = 0;
            last_member.get_or_insert(i);
            let len = (ring.len() - i) as u64;
            if other <= 2 + len / 100 {
                start = Some(i);
                other_at_start = other;
            }
        } else {
            other += 1;
            run += 1;
            let len = (ring.len() - i) as u64;
            if run >= 8 || other > 2 + len / 100 + 16 {
                break;
            }
        }
    }
    let start = start?;
    let end = last_member?;
    // The loop fills the ring: it began before, where its last member joined.
    let before = (start == 0 && ring[0].seq > 1)
        .then(|| loop_start_before(ring, joins, aggs, &members))
        .flatten();
    let start = match before {
        Some(_) => 0,
        None => first_cycle(ring, start, end, &members),
    };
    let region = &ring[start..=end];
    let mut hits: BTreeMap<u32, u64> = BTreeMap::new();
    let mut order: Vec<u32> = Vec::new();
    for r in region {
        if is_member(r.cluster) {
            let h = hits.entry(r.cluster).or_default();
            if *h == 0 {
                order.push(r.cluster);
            }
            *h += 1;
        }
    }
    if let Some(joined) = before.filter(|b| is_member(b.cluster)) {
        // The member whose joining started the loop comes first.
        order.retain(|&c| c != joined.cluster);
        order.insert(0, joined.cluster);
    }
    let in_ring: u64 = hits.values().sum();
    let (start_line, start_time, total_hits) = match before {
        Some(b) => (b.line, b.time, in_ring + ring[0].seq - b.seq),
        None => (region[0].line, region[0].time, in_ring),
    };
    let truncated = before.is_some();
    if total_hits < opts.loop_min_hits {
        return None;
    }
    Some(TailLoop {
        members: order
            .into_iter()
            .map(|c| LoopMember {
                cluster: c,
                template: texts[c as usize].clone(),
                hits: hits[&c],
            })
            .collect(),
        start_line,
        end_line: region[region.len() - 1].line,
        start_time,
        end_time: region[region.len() - 1].time,
        hits: total_hits,
        other_lines: other_at_start,
        truncated,
    })
}

/// Where a loop that fills the whole ring began: after the last line of any other template
/// before the ring, where the last of its members joined (a member with no join since was
/// there all along). `None` when that is inside the ring after all.
fn loop_start_before(ring: &[Recent], joins: &[Recent], aggs: &[Agg], members: &[u32]) -> Option<Recent> {
    let ring_start = ring[0].seq;
    let is_member = |c: u32| members.binary_search(&c).is_ok();
    let other = aggs
        .iter()
        .enumerate()
        .filter(|&(id, a)| !is_member(id as u32) && a.last_seq < ring_start)
        .map(|(_, a)| a)
        .max_by_key(|a| a.last_seq);
    let mut start = match other {
        Some(a) => a.after,
        None => {
            // The loop's templates are all the log has had.
            let (first, id) = members
                .iter()
                .map(|&c| (&aggs[c as usize], c))
                .min_by_key(|(a, _)| a.first_line)?;
            Recent {
                cluster: id,
                seq: 1,
                seq_before: 0,
                line: first.first_line,
                time: first.first_time,
            }
        }
    };
    let boundary = start.seq;
    for &m in members {
        // Its first join since: its first line since, unless it had a line since before it.
        let first = joins.iter().find(|j| j.cluster == m && j.seq >= boundary);
        if let Some(j) = first.filter(|j| j.seq_before < boundary) {
            if j.seq > start.seq {
                start = *j;
            }
        }
    }
    // Its first cycle includes the members that joined on the lines just before, within a
    // minute (as `first_cycle` does in the ring).
    let mut cycle = vec![start.cluster];
    while let Some(j) = joins.iter().find(|j| j.seq + 1 == start.seq && j.seq >= boundary) {
        if !is_member(j.cluster) || cycle.contains(&j.cluster) || !within_a_minute(j.time, start.time) {
            break;
        }
        cycle.push(j.cluster);
        start = *j;
    }
    (start.seq < ring_start).then_some(start)
}

/// Where a loop found from `start` really begins: not before every member has appeared (a
/// long run of one member before the others join is a storm, not the loop), but with the
/// other members just before that line when they are close in time (within a minute) rather
/// than the tail of an earlier burst.
fn first_cycle(ring: &[Recent], start: usize, end: usize, members: &[u32]) -> usize {
    let mut latest_first = start;
    for &m in members {
        if let Some(first) = (start..=end).find(|&i| ring[i].cluster == m) {
            latest_first = latest_first.max(first);
        }
    }
    let joined_at = ring[latest_first].time;
    let mut cycle: Vec<u32> = vec![ring[latest_first].cluster];
    while latest_first > start {
        let prev = &ring[latest_first - 1];
        if members.binary_search(&prev.cluster).is_err()
            || cycle.contains(&prev.cluster)
            || !within_a_minute(prev.time, joined_at)
        {
            break;
        }
        cycle.push(prev.cluster);
        latest_first -= 1;
    }
    latest_first
}

/// Whether `earlier` is at most a minute before `later` (or either has no time).
fn within_a_minute(earlier: Option<Timestamp>, later: Option<Timestamp>) -> bool {
    match (earlier, later) {
        (Some(a), Some(b)) => b.millis() - a.millis() <= 60_000,
        _ => true,
    }
}

fn find_rare(templates: &[TemplateSummary], opts: &DigestOptions) -> Vec<RareTemplate> {
    let mut rare: Vec<&TemplateSummary> = templates
        .iter()
        .filter(|t| t.count <= opts.rare_max_count && t.template != "<overflow>")
        .collect();
    rare.sort_by_key(|t| (std::cmp::Reverse(t.level), t.first_line, t.id));
    rare.truncate(opts.rare_limit);
    rare.into_iter()
        .map(|t| RareTemplate {
            cluster: t.id,
            template: t.template.clone(),
            count: t.count,
            first_line: t.first_line,
            first_time: t.first_time,
            level: t.level,
            example: t.example.clone(),
        })
        .collect()
}

/// Longest template or example the text report prints whole, in bytes.
pub const SHOWN_BYTES: usize = 300;

/// `text` cut to [`SHOWN_BYTES`] (at a character boundary) with its full length shown, so a
/// multi-kilobyte line does not flood the report.
pub fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= SHOWN_BYTES {
        return text.into();
    }
    let mut cut = SHOWN_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}... ({} bytes)", &text[..cut], text.len()).into()
}

fn fmt_time(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "-".to_string(), |t| t.to_string())
}

/// Human summary of a digest: time range, top templates with hit counts, storms, the tail
/// loop (`start looping A => B ... N hits`) and rare templates.
pub fn render_text(name: &str, d: &FileDigest) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "== {name}: {} lines, {} templates, {} .. {}",
        d.lines,
        d.templates.len(),
        fmt_time(d.first_time),
        fmt_time(d.last_time)
    );
    if !d.levels.is_empty() {
        let lv: Vec<String> = d
            .levels
            .iter()
            .rev()
            .map(|(l, n)| format!("{} {n}", l.as_str()))
            .collect();
        let _ = writeln!(s, "levels: {}", lv.join(", "));
    }
    if d.overflowed > 0 {
        let _ = writeln!(
            s,
            "note: template cap reached, {} lines went to the overflow bucket",
            d.overflowed
        );
    }
    if d.capped_tokens > 0 {
        let _ = writeln!(
            s,
            "note: vocabulary cap reached, {} tokens seen for the first time after it read as <*>",
            d.capped_tokens
        );
    }
    let mut top: Vec<&TemplateSummary> = d.templates.iter().collect();
    top.sort_by_key(|t| (std::cmp::Reverse(t.count), t.id));
    let _ = writeln!(s, "top templates:");
    for t in top.iter().take(15) {
        let _ = writeln!(
            s,
            "  {:>9} hits  #{:<4} {}  (lines {}-{})",
            t.count,
            t.id,
            clip(&t.template),
            t.first_line,
            t.last_line
        );
    }
    if !d.storms.is_empty() {
        let _ = writeln!(s, "storms:");
        let (shown, more) = top_storms(&d.storms, STORMS_SHOWN);
        for st in &shown {
            let _ = writeln!(
                s,
                "  {} .. {}  #{} {}  {} hits (peak {}/min, usual {}/min), lines {}-{}",
                st.start,
                st.end,
                st.cluster,
                clip(&st.template),
                st.count,
                st.peak_per_minute,
                st.baseline_per_minute,
                st.start_line,
                st.end_line
            );
        }
        if more > 0 {
            let _ = writeln!(s, "  ... and {more} more");
        }
    }
    if let Some(l) = &d.tail_loop {
        let names: Vec<String> = l
            .members
            .iter()
            .map(|m| format!("#{} {}", m.cluster, clip(&m.template)))
            .collect();
        let _ = writeln!(
            s,
            "tail loop: from line {} ({}) start looping {} ... {} hits until line {} ({})",
            l.start_line,
            fmt_time(l.start_time),
            names.join(" => "),
            l.hits,
            l.end_line,
            fmt_time(l.end_time)
        );
    }
    if !d.rare.is_empty() {
        let _ = writeln!(s, "rare templates:");
        for r in &d.rare {
            let _ = writeln!(s, "  line {:>7} x{} {}", r.first_line, r.count, clip(&r.example));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mine(lines: &[String]) -> FileDigest {
        crate::digest::digest_reader(lines.join("\n").as_bytes(), &DigestOptions::default())
            .expect("in-memory read")
    }

    fn ts(minute: u32, second: u32, ms: u32) -> String {
        format!(
            "2025-01-26T{:02}:{:02}:{:02}.{:03}",
            10 + minute / 60,
            minute % 60,
            second,
            ms
        )
    }

    #[test]
    fn tail_loop_after_ordinary_lines() {
        let mut lines = Vec::new();
        for i in 0..1000u32 {
            let msg = match i % 5 {
                0 => format!("cache.Sync: Sync done - items={i}"),
                1 => format!("rest.Login: User logged in - user=u{i}"),
                2 => format!("scan.Worker: Scan finished - image=img{i} took={i}ms"),
                3 => "kv.Watch: Watch restarted".to_string(),
                _ => format!("main.tick: Heartbeat - seq={i}"),
            };
            lines.push(format!("{}|INFO|CTL|{msg}", ts(i / 60, i % 60, 0)));
        }
        for i in 0..600u32 {
            let msg = if i % 2 == 0 {
                format!("cluster.StartCluster.func2: Lead loss detected - try={i}")
            } else {
                "cluster.StartCluster.func2: Cannot locate lead - join=neuvector-svc-controller.neuvector"
                    .to_string()
            };
            lines.push(format!("{}|ERRO|CTL|{msg}", ts(17 + i / 60, i % 60, 500)));
        }
        let d = mine(&lines);
        let l = d.tail_loop.clone().expect("a tail loop");
        assert_eq!(l.members.len(), 2);
        assert_eq!(l.members[0].template, "Lead loss detected - try=<*>");
        assert_eq!(
            l.members[1].template,
            "Cannot locate lead - join=neuvector-svc-controller.neuvector"
        );
        assert_eq!(l.hits, 600);
        assert_eq!(l.members[0].hits, 300);
        assert_eq!(l.start_line, 1001);
        assert_eq!(l.end_line, 1600);
        assert!(!l.truncated);
        assert_eq!(l.start_time.unwrap().to_string(), "2025-01-26T10:17:00.500Z");
        let text = render_text("ctl.log", &d);
        assert!(
            text.contains("start looping #5 Lead loss detected - try=<*> => #6 Cannot locate lead"),
            "{text}"
        );
        assert!(text.contains("... 600 hits"), "{text}");
    }

    /// A log of ordinary lines, an error that storms alone, then a second error joining it
    /// in turns until the end: `storm` lines of the first alone, `looped` lines in turns.
    fn storm_then_loop(storm: u32, looped: u32) -> Vec<String> {
        let mut lines = Vec::new();
        for i in 0..300u32 {
            let msg = match i % 3 {
                0 => format!("cache.Sync: Sync done - items={i}"),
                1 => format!("rest.Login: User logged in - user=u{i}"),
                _ => "kv.Watch: Watch restarted".to_string(),
            };
            lines.push(format!("{}|INFO|CTL|{msg}", ts(i / 60, i % 60, 0)));
        }
        let rejected = |i: u32| {
            format!("rpc: rejecting RPC conn from because rpc_max_conns_per_client exceeded: conn=from=10.42.55.36:{}", 30000 + i)
        };
        for i in 0..storm {
            lines.push(format!(
                "{}|ERRO|CTL|{}",
                ts(10 + i / 600, (i / 10) % 60, i % 10),
                rejected(i)
            ));
        }
        for i in 0..looped {
            let msg = if i % 3 == 0 {
                "agent: Coordinate update error: error=\"No cluster leader\"".to_string()
            } else {
                rejected(i)
            };
            lines.push(format!(
                "{}|ERRO|CTL|{msg}",
                ts(200 + i / 600, (i / 10) % 60, i % 10)
            ));
        }
        lines
    }

    #[test]
    fn a_loop_longer_than_the_ring_keeps_its_start_and_hits() {
        let lines = storm_then_loop(3000, 5000);
        let opts = DigestOptions {
            loop_window: 1 << 16,
            ..DigestOptions::default()
        };
        let whole = crate::digest::digest_reader(lines.join("\n").as_bytes(), &opts)
            .unwrap()
            .tail_loop
            .expect("a loop");
        assert!(!whole.truncated);
        assert_eq!(whole.start_line, 3301);
        assert_eq!(whole.hits, 5000);
        assert_eq!(
            whole.members[0].template,
            "Coordinate update error: error=\"No cluster leader\""
        );
        for window in [64, 500, 4999] {
            let opts = DigestOptions {
                loop_window: window,
                ..DigestOptions::default()
            };
            let small = crate::digest::digest_reader(lines.join("\n").as_bytes(), &opts)
                .unwrap()
                .tail_loop
                .expect("a loop");
            assert!(small.truncated, "{window}");
            assert_eq!(
                (small.start_line, small.start_time, small.end_line, small.hits),
                (whole.start_line, whole.start_time, whole.end_line, whole.hits),
                "{window}"
            );
            let names = |l: &TailLoop| l.members.iter().map(|m| m.template.clone()).collect::<Vec<_>>();
            assert_eq!(names(&small), names(&whole), "{window}");
            assert_eq!(
                small.members.iter().map(|m| m.hits).sum::<u64>(),
                window.min(5000) as u64
            );
        }
    }

    #[test]
    fn a_loop_from_the_first_line_is_counted_whole_past_the_ring() {
        let lines: Vec<String> = storm_then_loop(0, 2000).split_off(300);
        let opts = DigestOptions {
            loop_window: 100,
            ..DigestOptions::default()
        };
        let l = crate::digest::digest_reader(lines.join("\n").as_bytes(), &opts)
            .unwrap()
            .tail_loop
            .expect("a loop");
        assert!(l.truncated);
        assert_eq!((l.start_line, l.end_line, l.hits), (1, 2000, 2000));
    }

    #[test]
    fn no_tail_loop_in_varied_log() {
        // Twelve templates (of different lengths) in turn: too many to call a loop.
        let lines: Vec<String> = (0..300u32)
            .map(|i| {
                format!(
                    "{}|INFO|CTL|f.g: step{}",
                    ts(0, i % 60, 0),
                    " more".repeat((i % 12) as usize)
                )
            })
            .collect();
        let d = mine(&lines);
        assert_eq!(d.templates.len(), 12);
        assert!(d.tail_loop.is_none(), "{:?}", d.tail_loop);
    }

    #[test]
    fn storm_is_found_with_its_window() {
        let mut lines = Vec::new();
        for m in 0..120u32 {
            lines.push(format!(
                "{}|INFO|CTL|a.b: Receive connect request - host=h{m} id=9{m:x}",
                ts(m, 1, 0)
            ));
            lines.push(format!("{}|INFO|CTL|x.y: Periodic check ok - n={m}", ts(m, 2, 0)));
            if m == 60 || m == 61 {
                for k in 0..400u32 {
                    lines.push(format!(
                        "{}|INFO|CTL|a.b: Receive connect request - host=h{k} id=9{k:x}",
                        ts(m, 3 + k * 50 / 1000, k % 1000)
                    ));
                }
            }
        }
        let d = mine(&lines);
        assert_eq!(d.storms.len(), 1, "{:?}", d.storms);
        let s = &d.storms[0];
        assert_eq!(s.template, "Receive connect request - host=<*> id=<*>");
        assert_eq!(s.count, 802);
        assert_eq!(s.start.to_string(), "2025-01-26T11:00:00.000Z");
        assert_eq!(s.end.to_string(), "2025-01-26T11:01:59.999Z");
        assert_eq!(s.peak_per_minute, 401);
        assert!(s.baseline_per_minute <= 1.0);
    }

    #[test]
    fn rare_templates_most_severe_first() {
        let mut lines: Vec<String> = (0..50)
            .map(|i| format!("{}|INFO|CTL|a.b: Normal work - n={i}", ts(0, i % 60, 0)))
            .collect();
        lines.insert(10, format!("{}|INFO|CTL|c.d: Config reloaded", ts(0, 10, 1)));
        lines.insert(
            20,
            format!(
                "{}|ERRO|CTL|main.main: Failed to initialize - error=Unknown container runtime",
                ts(0, 20, 1)
            ),
        );
        let d = mine(&lines);
        assert_eq!(d.rare.len(), 2);
        assert_eq!(
            d.rare[0].template,
            "Failed to initialize - error=Unknown container runtime"
        );
        assert_eq!(d.rare[0].level, Some(Level::Error));
        assert_eq!(d.rare[1].template, "Config reloaded");
    }

    #[test]
    fn digest_is_deterministic_and_serializes() {
        let lines: Vec<String> = (0..500)
            .map(|i| {
                format!(
                    "{}|INFO|CTL|a.b: thing {} - n={i}",
                    ts(i / 60, i % 60, 0),
                    ["x", "y", "z", "w", "v"][(i % 5) as usize]
                )
            })
            .collect();
        let a = serde_json::to_string(&mine(&lines)).unwrap();
        let b = serde_json::to_string(&mine(&lines)).unwrap();
        assert_eq!(a, b);
        assert!(a.contains("\"first_time\":\"2025-01-26T10:00:00.000Z\""));
    }
}
