//! What the scan records: per file, per signature, the hits with counts, first/last line and
//! time, a few sample lines from the start and the end, captured values aggregated, and a
//! per-minute histogram. All of it mergeable, so a file scanned in segments (or several files)
//! adds up to the same result in the same order.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use crate::findings::ValueCount;
use crate::time::Timestamp;

/// Sample lines kept from the start and from the end of each signature's hits.
pub const SAMPLES: usize = 3;
/// Distinct values kept per capture; further values are counted as `other`.
///
/// The values kept are the first ones seen. A large file is scanned in pieces, each keeping its
/// own first values; merged, a value the first piece kept also collects the later pieces'
/// counts only where they kept it too. So past the cap, which values are kept and their counts
/// depend on where the file is cut (a function of its size, never of the thread count), while
/// the total (`values` plus `other`) and min/max are exact. Below the cap everything is exact.
pub const MAX_DISTINCT: usize = 1000;
/// Histogram bucket width.
pub const BUCKET_MS: i64 = 60_000;

/// Hits per minute, in minute order: 8 bytes per minute with hits (a `BTreeMap<i64, u64>` took
/// about 50, and a signature hitting all week long has 10,080 such minutes in each file).
///
/// Minutes are read as the start of the minute in ms since the epoch. Counts saturate at
/// `u32::MAX` per minute.
#[derive(Debug, Clone, Default)]
pub struct MinuteCounts {
    /// (minutes since the epoch, hits), sorted, each minute once.
    minutes: Vec<(i32, u32)>,
    /// Minutes added out of time order and not folded in yet (see [`MinuteCounts::settle`]):
    /// inserting each one in place would move the whole list for every line of a log whose
    /// times go back and forth.
    late: Vec<(i32, u32)>,
}

impl MinuteCounts {
    /// Counts `n` hits in the minute of `ms`.
    pub(crate) fn add(&mut self, ms: i64, n: u64) {
        let minute = ms
            .div_euclid(BUCKET_MS)
            .clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        match self.minutes.last_mut() {
            Some((last, count)) if *last == minute => *count = count.saturating_add(n),
            Some((last, _)) if *last > minute => match self.minutes.binary_search_by_key(&minute, |e| e.0) {
                Ok(i) => self.minutes[i].1 = self.minutes[i].1.saturating_add(n),
                Err(_) => {
                    self.late.push((minute, n));
                    if self.late.len() >= (self.minutes.len() / 8).max(1024) {
                        self.settle();
                    }
                }
            },
            _ => self.minutes.push((minute, n)),
        }
    }

    /// Folds the minutes added out of order into the list.
    pub(crate) fn settle(&mut self) {
        if self.late.is_empty() {
            return;
        }
        let mut late = std::mem::take(&mut self.late);
        late.sort_unstable_by_key(|e| e.0);
        let minutes = std::mem::take(&mut self.minutes);
        self.minutes = merged(&minutes, &late);
    }

    /// Adds every minute of `other`.
    pub(crate) fn merge(&mut self, other: &MinuteCounts) {
        debug_assert!(
            self.late.is_empty() && other.late.is_empty(),
            "settled before merging"
        );
        if other.minutes.is_empty() {
            return;
        }
        if self.minutes.last().is_none_or(|last| last.0 < other.minutes[0].0) {
            self.minutes.extend_from_slice(&other.minutes);
            return;
        }
        self.minutes = merged(&self.minutes, &other.minutes);
    }

    /// Minutes with hits.
    pub fn len(&self) -> usize {
        debug_assert!(self.late.is_empty(), "settled before reading");
        self.minutes.len()
    }

    /// Whether no minute has hits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// (minute start in ms, hits), in time order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (i64, u64)> + '_ {
        debug_assert!(self.late.is_empty(), "settled before reading");
        as_ms(&self.minutes)
    }

    /// Minute starts in ms, in time order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = i64> + '_ {
        self.iter().map(|(ms, _)| ms)
    }

    /// The minutes whose start is within `from_ms..=to_ms`.
    pub fn range(&self, from_ms: i64, to_ms: i64) -> impl Iterator<Item = (i64, u64)> + '_ {
        debug_assert!(self.late.is_empty(), "settled before reading");
        let start = self
            .minutes
            .partition_point(|&(m, _)| i64::from(m) * BUCKET_MS < from_ms);
        as_ms(&self.minutes[start..]).take_while(move |&(ms, _)| ms <= to_ms)
    }
}

/// (minute start in ms, hits) of stored minutes.
fn as_ms(minutes: &[(i32, u32)]) -> impl DoubleEndedIterator<Item = (i64, u64)> + '_ {
    minutes
        .iter()
        .map(|&(m, n)| (i64::from(m) * BUCKET_MS, u64::from(n)))
}

/// Two sorted minute lists as one, counts of the same minute added.
fn merged(a: &[(i32, u32)], b: &[(i32, u32)]) -> Vec<(i32, u32)> {
    let mut out: Vec<(i32, u32)> = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = if j == b.len() || (i < a.len() && a[i].0 <= b[j].0) {
            i += 1;
            a[i - 1]
        } else {
            j += 1;
            b[j - 1]
        };
        match out.last_mut() {
            Some(last) if last.0 == next.0 => last.1 = last.1.saturating_add(next.1),
            _ => out.push(next),
        }
    }
    out
}

impl FromIterator<(i64, u64)> for MinuteCounts {
    fn from_iter<I: IntoIterator<Item = (i64, u64)>>(iter: I) -> Self {
        let mut counts = MinuteCounts::default();
        for (ms, n) in iter {
            counts.add(ms, n);
        }
        counts.settle();
        counts
    }
}

impl Serialize for MinuteCounts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// One matching line (with the continuation lines that belong to it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HitLine {
    /// 1-based line number in the file.
    pub line: u64,
    /// Time of the line (or of the record it continues).
    pub time: Option<Timestamp>,
    /// The line, lossily decoded, with its continuation lines after `\n`.
    pub text: String,
}

/// Aggregated values of one capture group.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CaptureStats {
    /// Distinct values with counts (at most [`MAX_DISTINCT`]).
    pub values: BTreeMap<String, u64>,
    /// Hits whose value was not kept because the distinct cap was reached.
    pub other: u64,
    /// Smallest value, when every value is a number.
    pub min: Option<f64>,
    /// Largest value, when every value is a number.
    pub max: Option<f64>,
    /// Whether every value seen parsed as a number.
    pub numeric: bool,
    #[serde(skip)]
    seen_any: bool,
}

impl CaptureStats {
    /// Stats of a group that captured at least one value.
    pub(super) fn from_parts(
        values: BTreeMap<String, u64>,
        other: u64,
        min: Option<f64>,
        max: Option<f64>,
        numeric: bool,
    ) -> Self {
        CaptureStats {
            values,
            other,
            min,
            max,
            numeric,
            seen_any: true,
        }
    }

    fn add(&mut self, value: &str, count: u64) {
        if let Some(c) = self.values.get_mut(value) {
            *c += count;
        } else if self.values.len() < MAX_DISTINCT {
            self.values.insert(value.to_owned(), count);
        } else {
            self.other += count;
        }
        let number = value.parse::<f64>().ok().filter(|n| n.is_finite());
        if !self.seen_any {
            self.numeric = true;
            self.seen_any = true;
        }
        match number {
            Some(n) if self.numeric => {
                self.min = Some(self.min.map_or(n, |m| m.min(n)));
                self.max = Some(self.max.map_or(n, |m| m.max(n)));
            }
            _ => {
                self.numeric = false;
                self.min = None;
                self.max = None;
            }
        }
    }

    /// Values most frequent first (ties by value), at most `n`.
    pub fn top(&self, n: usize) -> Vec<ValueCount> {
        let mut all: Vec<ValueCount> = self
            .values
            .iter()
            .map(|(value, &count)| ValueCount {
                value: value.clone(),
                count,
            })
            .collect();
        all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        all.truncate(n);
        all
    }

    /// Merges another file's or segment's values.
    pub fn merge(&mut self, other: &CaptureStats) {
        for (value, &count) in &other.values {
            self.add(value, count);
        }
        self.other += other.other;
        if other.seen_any && !other.numeric {
            self.numeric = false;
            self.min = None;
            self.max = None;
        }
    }
}

/// All hits of one signature in one file (or, merged, in several).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SignatureHits {
    /// Matching lines.
    pub count: u64,
    /// The first few matches (the first match first).
    pub head: Vec<HitLine>,
    /// The last few matches (last included), oldest first.
    pub tail: VecDeque<HitLine>,
    /// Earliest and latest time among the hits.
    pub first_time: Option<Timestamp>,
    /// Latest time among the hits.
    pub last_time: Option<Timestamp>,
    /// Captured values per group name.
    pub captures: BTreeMap<String, CaptureStats>,
    /// Hits per minute (bucket start in ms since the epoch).
    pub histogram: MinuteCounts,
}

impl SignatureHits {
    /// The first matching line.
    pub fn first(&self) -> Option<&HitLine> {
        self.head.first()
    }

    /// The last matching line.
    pub fn last(&self) -> Option<&HitLine> {
        self.tail.back()
    }

    /// Records one hit.
    pub fn record(&mut self, hit: HitLine, captures: &[(&str, &str)]) {
        self.count += 1;
        if let Some(t) = hit.time {
            self.first_time = Some(self.first_time.map_or(t, |f| f.min(t)));
            self.last_time = Some(self.last_time.map_or(t, |l| l.max(t)));
            self.histogram.add(t.millis(), 1);
            self.histogram.settle();
        }
        for (name, value) in captures {
            self.captures.entry((*name).to_owned()).or_default().add(value, 1);
        }
        if self.head.len() < SAMPLES {
            self.head.push(hit.clone());
        }
        if self.tail.len() == SAMPLES {
            self.tail.pop_front();
        }
        self.tail.push_back(hit);
    }

    /// Appends the hits of a later segment of the same file, or of a later file.
    pub fn merge(&mut self, later: &SignatureHits) {
        if later.count == 0 {
            return;
        }
        self.count += later.count;
        for h in &later.head {
            if self.head.len() < SAMPLES {
                self.head.push(h.clone());
            }
        }
        for h in &later.tail {
            if self.tail.len() == SAMPLES {
                self.tail.pop_front();
            }
            self.tail.push_back(h.clone());
        }
        self.first_time = match (self.first_time, later.first_time) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_time = match (self.last_time, later.last_time) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        for (name, stats) in &later.captures {
            self.captures.entry(name.clone()).or_default().merge(stats);
        }
        self.histogram.merge(&later.histogram);
    }

    /// Shifts line numbers by `offset` (for a segment that started mid-file).
    pub fn shift_lines(&mut self, offset: u64) {
        let shift = |h: &mut HitLine| h.line += offset;
        self.head.iter_mut().for_each(shift);
        self.tail.iter_mut().for_each(shift);
    }

    /// Samples: the head, then the tail lines not already in the head.
    pub fn samples(&self) -> Vec<&HitLine> {
        let mut out: Vec<&HitLine> = self.head.iter().collect();
        for h in &self.tail {
            if !out.iter().any(|o| o.line == h.line) {
                out.push(h);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a `BTreeMap` of minutes would hold for the same adds.
    fn oracle(adds: &[(i64, u64)]) -> Vec<(i64, u64)> {
        let mut map: BTreeMap<i64, u64> = BTreeMap::new();
        for &(ms, n) in adds {
            *map.entry(ms.div_euclid(BUCKET_MS) * BUCKET_MS).or_default() += n;
        }
        map.into_iter().collect()
    }

    #[test]
    fn minutes_in_any_order_add_up_like_a_map() {
        // Times going back and forth (logs appended out of order), enough to fold many times.
        let mut adds = Vec::new();
        let mut x: i64 = 7;
        for i in 0..20_000i64 {
            x = (x * 1_103_515_245 + 12_345).rem_euclid(1 << 31);
            let minute = if i % 3 == 0 { i / 3 } else { x % 5_000 - 100 };
            adds.push((minute * BUCKET_MS + x % BUCKET_MS, (i % 4) as u64 + 1));
        }
        let mut counts = MinuteCounts::default();
        for &(ms, n) in &adds {
            counts.add(ms, n);
        }
        counts.settle();
        let want = oracle(&adds);
        assert_eq!(counts.iter().collect::<Vec<_>>(), want);
        assert_eq!(counts.len(), want.len());

        // Merged in two halves, either way round.
        let (a, b) = adds.split_at(7_000);
        let (a, b): (MinuteCounts, MinuteCounts) = (a.iter().copied().collect(), b.iter().copied().collect());
        for (first, second) in [(&a, &b), (&b, &a)] {
            let mut m = first.clone();
            m.merge(second);
            assert_eq!(m.iter().collect::<Vec<_>>(), want);
        }

        let from = 40 * BUCKET_MS + 1;
        let to = 90 * BUCKET_MS;
        let ranged: Vec<(i64, u64)> = want
            .iter()
            .copied()
            .filter(|&(ms, _)| ms >= from && ms <= to)
            .collect();
        assert_eq!(counts.range(from, to).collect::<Vec<_>>(), ranged);
        assert_eq!(
            serde_json::to_string(&counts).unwrap(),
            serde_json::to_string(&want.into_iter().collect::<BTreeMap<i64, u64>>()).unwrap()
        );
    }
}
