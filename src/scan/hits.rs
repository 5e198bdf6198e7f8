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
    pub histogram: BTreeMap<i64, u64>,
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
            *self
                .histogram
                .entry(t.millis().div_euclid(BUCKET_MS) * BUCKET_MS)
                .or_default() += 1;
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
        for (bucket, count) in &later.histogram {
            *self.histogram.entry(*bucket).or_default() += count;
        }
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
