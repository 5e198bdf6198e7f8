//! What the literal prefilter searches for in place of each literal: a part of it that is
//! cheaper to look for.
//!
//! The prefilter's SIMD search (Teddy) fingerprints each literal by its first bytes and
//! confirms every place where a fingerprint occurs. Literals that start with what most lines
//! of a log hold (a component tag such as `|CTL|`, a package path such as `main.main: `)
//! make it confirm candidates on nearly every line: with the 56-rule knowledge base that was
//! most of the search time on controller logs. Two remedies, both keeping every line that
//! holds a literal a candidate (a line holding a literal holds any part of it):
//! - a literal that contains another literal of the knowledge base is searched as that one
//!   (one search instead of two; the shorter one's lines are candidates anyway);
//! - a literal whose first bytes begin many literals of the knowledge base (a sign of a common
//!   prefix) is searched from the position where its bytes are shared least.
//!
//! The position where a part is found is not where the literal starts, so the signatures of a
//! literal searched through another part get no position hint (see `LineMatcher`).

use rustc_hash::{FxHashMap, FxHashSet};

/// Shortest literal another may be searched as (shorter ones are too common).
const MIN_CONTAINED: usize = 8;
/// Bytes a search fingerprint covers (Teddy's mask length).
const WINDOW: usize = 4;
/// Shortest part a long literal is cut to.
const MIN_PART: usize = 8;
/// Literals sharing a start window before it counts as a common prefix.
const SHARED: usize = 3;

/// The part of each literal to search for.
#[derive(Debug, Default)]
pub(super) struct Factors {
    part: FxHashMap<Vec<u8>, Vec<u8>>,
}

impl Factors {
    /// Works out the parts for `literals` (all the knowledge base's literals, markers
    /// included; duplicates allowed).
    pub(super) fn new<'a>(literals: impl IntoIterator<Item = &'a [u8]>) -> Factors {
        let mut distinct: Vec<&[u8]> = literals
            .into_iter()
            .collect::<FxHashSet<_>>()
            .into_iter()
            .collect();
        distinct.sort_unstable();
        // In how many literals each window occurs.
        let mut shared: FxHashMap<&[u8], usize> = FxHashMap::default();
        for lit in &distinct {
            let windows: FxHashSet<&[u8]> = lit.windows(WINDOW).collect();
            for w in windows {
                *shared.entry(w).or_default() += 1;
            }
        }
        let mut part = FxHashMap::default();
        for &lit in &distinct {
            // The shortest contained literal (itself contains no other long enough one).
            let contained = distinct
                .iter()
                .filter(|&&other| {
                    other.len() >= MIN_CONTAINED
                        && other.len() < lit.len()
                        && memchr::memmem::find(lit, other).is_some()
                })
                .min_by_key(|other| (other.len(), **other));
            if let Some(&other) = contained {
                part.insert(lit.to_vec(), other.to_vec());
                continue;
            }
            if lit.len() < MIN_PART + WINDOW {
                continue;
            }
            let score = |at: usize| shared.get(&lit[at..at + WINDOW]).copied().unwrap_or(0);
            if score(0) < SHARED {
                continue;
            }
            let best = (0..=lit.len() - MIN_PART)
                .min_by_key(|&at| (score(at), at))
                .unwrap_or(0);
            if score(best) < score(0) {
                part.insert(lit.to_vec(), lit[best..].to_vec());
            }
        }
        // A contained literal may itself be cut: search the cut.
        let cuts: Vec<(Vec<u8>, Vec<u8>)> = part
            .iter()
            .filter_map(|(lit, to)| part.get(to).map(|cut| (lit.clone(), cut.clone())))
            .collect();
        part.extend(cuts);
        Factors { part }
    }

    /// The part of `literal` to search for.
    pub(super) fn of<'a>(&'a self, literal: &'a [u8]) -> &'a [u8] {
        self.part.get(literal).map_or(literal, Vec::as_slice)
    }

    /// Whether `literal` is searched through another part.
    pub(super) fn is_cut(&self, literal: &[u8]) -> bool {
        self.part.contains_key(literal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factors(literals: &[&str]) -> Factors {
        Factors::new(literals.iter().map(|l| l.as_bytes()))
    }

    #[test]
    fn a_literal_holding_another_is_searched_as_it() {
        let f = factors(&["|CTL|main.main: Cluster started", "Cluster started", "panic: "]);
        assert_eq!(f.of(b"|CTL|main.main: Cluster started"), b"Cluster started");
        assert!(f.is_cut(b"|CTL|main.main: Cluster started"));
        assert_eq!(f.of(b"Cluster started"), b"Cluster started");
        // Too short to stand for others.
        let f = factors(&["goroutine panic: x", "panic: "]);
        assert_eq!(f.of(b"goroutine panic: x"), b"goroutine panic: x");
    }

    #[test]
    fn a_common_prefix_is_cut_off() {
        let f = factors(&[
            "|CTL|rest.handlerAuthLogin: Empty password",
            "|CTL|cache.AuditQueue full",
            "|CTL|main.main: START",
            "|AGT|x",
        ]);
        let part = f.of(b"|CTL|rest.handlerAuthLogin: Empty password");
        assert!(!part.starts_with(b"|CTL"), "{}", String::from_utf8_lossy(part));
        assert!(b"|CTL|rest.handlerAuthLogin: Empty password".ends_with(part));
        assert!(part.len() >= MIN_PART);
        // A prefix two literals share is not common enough to cut.
        let f = factors(&["|MON|Process dp exit", "|MON|/usr/local/bin/monitor starts"]);
        assert!(!f.is_cut(b"|MON|Process dp exit"));
    }
}
