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
use super::miner::{Bucket, ClusterId, Recent, TemplateMiner};
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
    /// True when the loop is longer than the remembered tail (`loop_window` lines): the
    /// start comes from the last sighting of other templates and per-member hits cover only
    /// the remembered part.
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
    overflow: bool,
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
                    overflow: groups.overflow[f],
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
            }
        }
    }
    let mut aggs: Vec<Agg> = aggs
        .into_iter()
        .map(|a| a.expect("every final template has a variant"))
        .collect();
    for a in &mut aggs {
        a.buckets.sort_by_key(|b| (b.minute, b.first_line));
        let mut merged: Vec<Bucket> = Vec::with_capacity(a.buckets.len());
        for b in a.buckets.drain(..) {
            match merged.last_mut() {
                Some(m) if m.minute == b.minute => {
                    m.count += b.count;
                    m.first_line = m.first_line.min(b.first_line);
                    m.last_line = m.last_line.max(b.last_line);
                }
                _ => merged.push(b),
            }
        }
        a.buckets = merged;
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
    let ring: Vec<Recent> = miner
        .ring_in_order()
        .into_iter()
        .map(|r| Recent {
            cluster: map[r.cluster as usize],
            ..r
        })
        .collect();
    let ring_full = miner.lines as usize > ring.len();
    let tail_loop = find_tail_loop(&ring, ring_full, &aggs, &texts, &opts);
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
    };
    (digest, map)
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
    let span = (hi - lo + 1) as usize;
    let mut storms = Vec::new();
    for (id, a) in aggs.iter().enumerate() {
        if a.overflow || a.count < opts.storm_min_count || a.buckets.is_empty() {
            continue;
        }
        // Median lines per minute over the whole file span (zeros included).
        let mut counts: Vec<u32> = a.buckets.iter().map(|b| b.count).collect();
        counts.sort_unstable();
        let zeros = span.saturating_sub(counts.len());
        let mid = span / 2;
        let median = if mid < zeros {
            0.0
        } else {
            f64::from(counts[(mid - zeros).min(counts.len() - 1)])
        };
        let threshold = (median * opts.storm_factor).max(opts.storm_min_rate as f64);
        let mut i = 0;
        let b = &a.buckets;
        while i < b.len() {
            if f64::from(b[i].count) < threshold {
                i += 1;
                continue;
            }
            let start = i;
            let mut end = i;
            let mut j = i + 1;
            // Extend over minutes above threshold, bridging one quiet minute.
            while j < b.len() && b[j].minute - b[end].minute <= 2 {
                if f64::from(b[j].count) >= threshold {
                    end = j;
                }
                j += 1;
            }
            let run = &b[start..=end];
            let count: u64 = run.iter().map(|x| u64::from(x.count)).sum();
            if count >= opts.storm_min_count {
                // Baseline: the rate outside the burst, never below the median.
                let outside = (a.count - count) as f64 / (span as f64 - run.len() as f64).max(1.0);
                storms.push(Storm {
                    cluster: id as u32,
                    template: texts[id].clone(),
                    start: crate::time::Timestamp(b[start].minute * 60_000),
                    end: crate::time::Timestamp(b[end].minute * 60_000 + 59_999),
                    start_line: run.iter().map(|x| x.first_line).min().unwrap_or(0),
                    end_line: run.iter().map(|x| x.last_line).max().unwrap_or(0),
                    count,
                    peak_per_minute: run.iter().map(|x| u64::from(x.count)).max().unwrap_or(0),
                    baseline_per_minute: (outside.max(median) * 100.0).round() / 100.0,
                });
            }
            i = end + 1;
        }
    }
    storms.sort_by_key(|x| (x.start, x.cluster));
    storms
}

fn find_tail_loop(
    ring: &[Recent],
    ring_full: bool,
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
    let mut start = start?;
    let end = last_member?;
    // A loop is where its templates alternate: it cannot start before every member has
    // appeared (a long run of one member before the others join is a storm, not the loop).
    let mut latest_first = start;
    for &m in &members {
        if let Some(first) = (start..=end).find(|&i| ring[i].cluster == m) {
            latest_first = latest_first.max(first);
        }
    }
    // ... but its first cycle includes the other members just before that line, when they
    // are close in time (within a minute) rather than the tail of an earlier burst.
    let joined_at = ring[latest_first].time;
    let mut cycle: Vec<u32> = vec![ring[latest_first].cluster];
    while latest_first > start {
        let prev = &ring[latest_first - 1];
        let close = match (prev.time, joined_at) {
            (Some(a), Some(b)) => b.millis() - a.millis() <= 60_000,
            _ => true,
        };
        if !is_member(prev.cluster) || cycle.contains(&prev.cluster) || !close {
            break;
        }
        let c = prev.cluster;
        cycle.push(c);
        latest_first -= 1;
    }
    start = latest_first;
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
    let total: u64 = hits.values().sum();
    let truncated = ring_full && start == 0;
    let mut start_line = region[0].line;
    let mut start_time = region[0].time;
    let mut total_hits = total;
    if truncated {
        // The loop began before the remembered tail: it starts after the last line of any
        // other template (the most one can say without the whole history).
        let before = aggs
            .iter()
            .enumerate()
            .filter(|(id, _)| !is_member(*id as u32))
            .map(|(_, a)| a.last_line)
            .filter(|&l| l < start_line)
            .max()
            .unwrap_or(0);
        let first_member = members
            .iter()
            .map(|&c| &aggs[c as usize])
            .filter(|a| a.last_line >= start_line)
            .map(|a| (a.first_line.max(before + 1), a.first_time))
            .min();
        if let Some((l, t)) = first_member {
            total_hits += start_line.saturating_sub(l);
            start_line = l;
            start_time = t.or(start_time);
        }
    }
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
    let mut top: Vec<&TemplateSummary> = d.templates.iter().collect();
    top.sort_by_key(|t| (std::cmp::Reverse(t.count), t.id));
    let _ = writeln!(s, "top templates:");
    for t in top.iter().take(15) {
        let _ = writeln!(
            s,
            "  {:>9} hits  #{:<4} {}  (lines {}-{})",
            t.count, t.id, t.template, t.first_line, t.last_line
        );
    }
    if !d.storms.is_empty() {
        let _ = writeln!(s, "storms:");
        for st in &d.storms {
            let _ = writeln!(
                s,
                "  {} .. {}  #{} {}  {} hits (peak {}/min, usual {}/min), lines {}-{}",
                st.start,
                st.end,
                st.cluster,
                st.template,
                st.count,
                st.peak_per_minute,
                st.baseline_per_minute,
                st.start_line,
                st.end_line
            );
        }
    }
    if let Some(l) = &d.tail_loop {
        let names: Vec<String> = l
            .members
            .iter()
            .map(|m| format!("#{} {}", m.cluster, m.template))
            .collect();
        let _ = writeln!(
            s,
            "tail loop: from line {} ({}) start looping {} ... {} hits{} until line {} ({})",
            l.start_line,
            fmt_time(l.start_time),
            names.join(" => "),
            l.hits,
            if l.truncated { " (at least)" } else { "" },
            l.end_line,
            fmt_time(l.end_time)
        );
    }
    if !d.rare.is_empty() {
        let _ = writeln!(s, "rare templates:");
        for r in &d.rare {
            let _ = writeln!(s, "  line {:>7} x{} {}", r.first_line, r.count, r.example);
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
