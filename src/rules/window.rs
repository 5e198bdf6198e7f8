//! Time questions over a signature's per-minute histogram (bucket start in ms => hits): the most
//! hits in any window, how long hits went on without a pause, whether one signature followed
//! another. Minute precision, because the scan keeps minutes, not every hit's time.

use crate::scan::{MinuteCounts, BUCKET_MS};

/// The most hits in any window of `window_ms` (a window covers `ceil(window / 1m)` minutes).
pub(crate) fn max_in_window(histogram: &MinuteCounts, window_ms: i64) -> u64 {
    let span = buckets(window_ms) * BUCKET_MS;
    let entries: Vec<(i64, u64)> = histogram.iter().collect();
    let (mut best, mut sum, mut start) = (0, 0, 0);
    for end in 0..entries.len() {
        sum += entries[end].1;
        while entries[end].0 - entries[start].0 >= span {
            sum -= entries[start].1;
            start += 1;
        }
        best = best.max(sum);
    }
    best
}

/// One stretch of hits with no pause longer than the gap it was cut with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Episode {
    /// Start of its first minute (ms since the epoch).
    pub start_ms: i64,
    /// End of its last minute (ms since the epoch).
    pub end_ms: i64,
    /// Hits in it.
    pub count: u64,
}

impl Episode {
    /// From the start of its first minute to the end of its last.
    pub(crate) fn duration_ms(&self) -> i64 {
        self.end_ms - self.start_ms
    }
}

/// The stretches of hits in which no two consecutive active minutes are more than `max_gap_ms`
/// apart, in time order: an outage that recovered and came back is two episodes.
pub(crate) fn episodes(histogram: &MinuteCounts, max_gap_ms: i64) -> Vec<Episode> {
    let mut out: Vec<Episode> = Vec::new();
    for (minute, n) in histogram.iter() {
        match out.last_mut() {
            Some(e) if minute - (e.end_ms - BUCKET_MS) <= max_gap_ms.max(BUCKET_MS) => {
                e.end_ms = minute + BUCKET_MS;
                e.count += n;
            }
            _ => out.push(Episode {
                start_ms: minute,
                end_ms: minute + BUCKET_MS,
                count: n,
            }),
        }
    }
    out
}

/// Length in ms of the longest stretch of hits in which no two consecutive active minutes are
/// more than `max_gap_ms` apart (from the start of its first minute to the end of its last).
pub(crate) fn longest_stretch(histogram: &MinuteCounts, max_gap_ms: i64) -> i64 {
    episodes(histogram, max_gap_ms)
        .iter()
        .map(Episode::duration_ms)
        .max()
        .unwrap_or(0)
}

/// The first delay (ms, minute precision) from a minute with hits of `a` to a minute, at or after
/// it and at most `within_ms` later, with hits of `b`; `None` when `b` never followed `a` so soon.
pub(crate) fn followed_by(a: &MinuteCounts, b: &MinuteCounts, within_ms: i64) -> Option<i64> {
    a.keys().find_map(|minute| {
        b.range(minute, minute + within_ms)
            .next()
            .map(|(later, _)| later - minute)
    })
}

fn buckets(window_ms: i64) -> i64 {
    (window_ms.max(1) + BUCKET_MS - 1) / BUCKET_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(minutes: &[(i64, u64)]) -> MinuteCounts {
        minutes.iter().map(|(m, n)| (m * BUCKET_MS, *n)).collect()
    }

    #[test]
    fn window_counts_the_busiest_stretch() {
        let h = hist(&[(0, 2), (1, 3), (4, 1), (10, 5), (11, 1)]);
        assert_eq!(max_in_window(&h, 5 * 60_000), 6);
        assert_eq!(max_in_window(&h, 2 * 60_000), 6);
        assert_eq!(max_in_window(&h, 60_000), 5);
        assert_eq!(max_in_window(&h, 30_000), 5);
        assert_eq!(max_in_window(&MinuteCounts::default(), 60_000), 0);
        assert_eq!(max_in_window(&h, 60 * 60_000), 12);
    }

    #[test]
    fn stretch_breaks_at_long_pauses() {
        let h = hist(&[(0, 1), (3, 1), (6, 1), (30, 1)]);
        assert_eq!(longest_stretch(&h, 5 * 60_000), 7 * 60_000);
        assert_eq!(longest_stretch(&h, 60_000), 60_000);
        assert_eq!(longest_stretch(&MinuteCounts::default(), 60_000), 0);
    }

    #[test]
    fn episodes_split_at_long_pauses() {
        let h = hist(&[(0, 1), (3, 2), (6, 1), (30, 4), (31, 1)]);
        let e = episodes(&h, 5 * 60_000);
        assert_eq!(
            e,
            vec![
                Episode {
                    start_ms: 0,
                    end_ms: 7 * 60_000,
                    count: 4
                },
                Episode {
                    start_ms: 30 * 60_000,
                    end_ms: 32 * 60_000,
                    count: 5
                },
            ]
        );
        assert_eq!(episodes(&h, 60_000).len(), 4);
        assert!(episodes(&MinuteCounts::default(), 60_000).is_empty());
    }

    #[test]
    fn followed_by_looks_forward_only() {
        let a = hist(&[(10, 1)]);
        assert_eq!(followed_by(&a, &hist(&[(13, 1)]), 5 * 60_000), Some(3 * 60_000));
        assert_eq!(followed_by(&a, &hist(&[(9, 1)]), 5 * 60_000), None);
        assert_eq!(followed_by(&a, &hist(&[(16, 1)]), 5 * 60_000), None);
        assert_eq!(followed_by(&a, &hist(&[(10, 1)]), 0), Some(0));
    }
}
