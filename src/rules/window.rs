//! Time questions over a signature's per-minute histogram (bucket start in ms => hits): the most
//! hits in any window, how long hits went on without a pause, whether one signature followed
//! another. Minute precision, because the scan keeps minutes, not every hit's time.

use crate::scan::{MinuteCounts, BUCKET_MS};

/// The most hits in any window of `window_ms` (a window covers `ceil(window / 1m)` minutes).
pub fn max_in_window(histogram: &MinuteCounts, window_ms: i64) -> u64 {
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

/// Length in ms of the longest stretch of hits in which no two consecutive active minutes are
/// more than `max_gap_ms` apart (from the start of its first minute to the end of its last).
pub fn longest_stretch(histogram: &MinuteCounts, max_gap_ms: i64) -> i64 {
    let mut best = 0;
    let mut run: Option<(i64, i64)> = None;
    for minute in histogram.keys() {
        run = match run {
            Some((first, last)) if minute - last <= max_gap_ms.max(BUCKET_MS) => Some((first, minute)),
            _ => Some((minute, minute)),
        };
        if let Some((first, last)) = run {
            best = best.max(last + BUCKET_MS - first);
        }
    }
    best
}

/// The first delay (ms, minute precision) from a minute with hits of `a` to a minute, at or after
/// it and at most `within_ms` later, with hits of `b`; `None` when `b` never followed `a` so soon.
pub fn followed_by(a: &MinuteCounts, b: &MinuteCounts, within_ms: i64) -> Option<i64> {
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
    fn followed_by_looks_forward_only() {
        let a = hist(&[(10, 1)]);
        assert_eq!(followed_by(&a, &hist(&[(13, 1)]), 5 * 60_000), Some(3 * 60_000));
        assert_eq!(followed_by(&a, &hist(&[(9, 1)]), 5 * 60_000), None);
        assert_eq!(followed_by(&a, &hist(&[(16, 1)]), 5 * 60_000), None);
        assert_eq!(followed_by(&a, &hist(&[(10, 1)]), 0), Some(0));
    }
}
