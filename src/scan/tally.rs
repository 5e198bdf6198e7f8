//! The hot-path accumulator of one signature's hits in one file segment, turned into the public
//! [`SignatureHits`] once the segment is done.
//!
//! A storm line must cost little: no allocation per hit (captured values are looked up as
//! bytes, numbers are parsed only for values not seen before), the histogram bucket of a run of
//! hits in the same minute is counted in place, and a hit's text is decoded only when it may be
//! kept: the first [`SAMPLES`] hits at once, the last ones when their block ends.

use std::collections::{BTreeMap, HashMap, VecDeque};

use rustc_hash::FxBuildHasher;

use super::hits::{CaptureStats, HitLine, MinuteCounts, SignatureHits, BUCKET_MS, MAX_DISTINCT, SAMPLES};
use crate::time::Timestamp;

/// A hit of the current block whose text is not decoded yet.
#[derive(Debug, Clone, Copy)]
pub(super) struct PendingHit {
    /// Line number (in the segment).
    pub line: u64,
    /// Time of the line or of its record.
    pub time: Option<Timestamp>,
    /// Where the line starts in the block.
    pub start: usize,
    /// Where it ends (before the newline).
    pub end: usize,
}

/// Values of one capture group.
#[derive(Debug, Default)]
pub(super) struct ValueTally {
    values: HashMap<Vec<u8>, u64, FxBuildHasher>,
    /// The value of the latest hit when it is one of `values` (a buffer reused across hits),
    /// and how many more times it repeated since it was last added to `values`.
    last: Vec<u8>,
    has_last: bool,
    last_count: u64,
    other: u64,
    min: f64,
    max: f64,
    numeric: bool,
    seen: bool,
}

impl ValueTally {
    /// Counts one occurrence of `value`.
    pub(super) fn add(&mut self, value: &[u8]) {
        // Storms repeat the same value line after line: count the run in place.
        if self.has_last && self.last == value {
            self.last_count += 1;
            return;
        }
        self.flush_run();
        if let Some(c) = self.values.get_mut(value) {
            *c += 1;
        } else {
            self.number(value);
            if self.values.len() >= MAX_DISTINCT {
                self.other += 1;
                return;
            }
            self.values.insert(value.to_vec(), 1);
        }
        self.last.clear();
        self.last.extend_from_slice(value);
        self.has_last = true;
    }

    fn flush_run(&mut self) {
        if self.has_last {
            self.has_last = false;
            if self.last_count > 0 {
                *self
                    .values
                    .get_mut(self.last.as_slice())
                    .expect("a run's value is kept") += self.last_count;
                self.last_count = 0;
            }
        }
    }

    /// Min, max and whether all values are numbers: only new values can change them.
    fn number(&mut self, value: &[u8]) {
        if self.seen && !self.numeric {
            return;
        }
        let number = std::str::from_utf8(value)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|n| n.is_finite());
        if !self.seen {
            self.seen = true;
            self.numeric = true;
            self.min = f64::INFINITY;
            self.max = f64::NEG_INFINITY;
        }
        match number {
            Some(n) if self.numeric => {
                self.min = self.min.min(n);
                self.max = self.max.max(n);
            }
            _ => self.numeric = false,
        }
    }

    fn finish(mut self) -> Option<CaptureStats> {
        self.flush_run();
        if !self.seen {
            return None;
        }
        let mut values: BTreeMap<String, u64> = BTreeMap::new();
        for (value, count) in self.values {
            *values
                .entry(String::from_utf8_lossy(&value).into_owned())
                .or_default() += count;
        }
        let (min, max) = if self.numeric {
            (Some(self.min), Some(self.max))
        } else {
            (None, None)
        };
        Some(CaptureStats::from_parts(
            values,
            self.other,
            min,
            max,
            self.numeric,
        ))
    }
}

/// All hits of one signature in one segment, as they are found.
#[derive(Debug, Default)]
pub(super) struct Tally {
    count: u64,
    head: Vec<HitLine>,
    tail: VecDeque<HitLine>,
    /// The last few hits of the current block, oldest first.
    pending: VecDeque<PendingHit>,
    first_time: Option<Timestamp>,
    last_time: Option<Timestamp>,
    /// The bucket being counted and its count so far.
    bucket: Option<(i64, u64)>,
    histogram: MinuteCounts,
    /// One per named group, in the signature's order.
    pub captures: Vec<ValueTally>,
}

impl Tally {
    /// A tally for a signature with `groups` named groups.
    pub(super) fn new(groups: usize) -> Self {
        Tally {
            captures: (0..groups).map(|_| ValueTally::default()).collect(),
            ..Tally::default()
        }
    }

    /// Whether the next hit is kept as a head sample (its text is needed now).
    pub(super) fn wants_head(&self) -> bool {
        self.head.len() < SAMPLES
    }

    /// Records one hit (captured values go through [`Tally::captures`]); `head` is its
    /// decoded form when [`Tally::wants_head`] said so.
    pub(super) fn record(&mut self, hit: PendingHit, head: Option<HitLine>) {
        self.count += 1;
        if let Some(t) = hit.time {
            self.first_time = Some(self.first_time.map_or(t, |f| f.min(t)));
            self.last_time = Some(self.last_time.map_or(t, |l| l.max(t)));
            let bucket = t.millis().div_euclid(BUCKET_MS) * BUCKET_MS;
            match &mut self.bucket {
                Some((b, n)) if *b == bucket => *n += 1,
                current => {
                    if let Some((b, n)) = current.replace((bucket, 1)) {
                        self.histogram.add(b, n);
                    }
                }
            }
        }
        if let Some(h) = head {
            self.head.push(h);
        }
        if self.pending.len() == SAMPLES {
            self.pending.pop_front();
        }
        self.pending.push_back(hit);
    }

    /// Decodes the pending hits before their block goes away.
    pub(super) fn end_block(&mut self, decode: impl Fn(&PendingHit) -> HitLine) {
        for hit in self.pending.drain(..) {
            if self.tail.len() == SAMPLES {
                self.tail.pop_front();
            }
            self.tail.push_back(decode(&hit));
        }
    }

    /// Whether hits of the current block wait for [`Tally::end_block`].
    pub(super) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Whether nothing was recorded.
    pub(super) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The public form; `names` are the signature's group names.
    pub(super) fn finish(mut self, names: &[String]) -> SignatureHits {
        debug_assert!(self.pending.is_empty(), "end_block before finish");
        if let Some((b, n)) = self.bucket.take() {
            self.histogram.add(b, n);
        }
        self.histogram.settle();
        let captures = names
            .iter()
            .zip(self.captures)
            .filter_map(|(name, values)| values.finish().map(|stats| (name.clone(), stats)))
            .collect();
        SignatureHits {
            count: self.count,
            head: self.head,
            tail: self.tail,
            first_time: self.first_time,
            last_time: self.last_time,
            captures,
            histogram: self.histogram,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats_by_old_path(values: &[&str]) -> CaptureStats {
        let mut hits = SignatureHits::default();
        for v in values {
            hits.record(
                HitLine {
                    line: 1,
                    time: None,
                    text: String::new(),
                },
                &[("x", v)],
            );
        }
        hits.captures.remove("x").unwrap()
    }

    fn stats_by_tally(values: &[&str]) -> CaptureStats {
        let mut t = ValueTally::default();
        for v in values {
            t.add(v.as_bytes());
        }
        t.finish().unwrap()
    }

    #[test]
    fn value_tally_agrees_with_signature_hits() {
        let runs: &[&[&str]] = &[
            &["1", "1", "2", "1", "3", "3", "3"],
            &["10", "x", "10"],
            &["a", "b", "a", "a"],
            &["-1.5", "7", "7", "-1.5"],
        ];
        for values in runs {
            let old = stats_by_old_path(values);
            let new = stats_by_tally(values);
            assert_eq!(
                serde_json::to_value(&old).unwrap(),
                serde_json::to_value(&new).unwrap(),
                "{values:?}"
            );
        }
    }

    #[test]
    fn distinct_values_are_capped() {
        let values: Vec<String> = (0..MAX_DISTINCT + 10).map(|i| format!("v{i}")).collect();
        let mut refs: Vec<&str> = values.iter().map(String::as_str).collect();
        refs.push("v0");
        refs.push("v0");
        let old = stats_by_old_path(&refs);
        let new = stats_by_tally(&refs);
        assert_eq!(new.other, 10);
        assert_eq!(new.values["v0"], 3);
        assert_eq!(
            serde_json::to_value(&old).unwrap(),
            serde_json::to_value(&new).unwrap()
        );
    }
}
