//! A small backtracking matcher for the usual tail of a signature regex: a flat sequence of
//! literals, alternations of literals, byte-class repetitions, word boundaries and capture
//! groups around them, e.g. `(?P<host>[^:\s]+)\S* id=(?P<id>[0-9a-f]+)`.
//!
//! In: the byte-mode (Unicode off) HIR of the part after a signature's leading literal. Out: for
//! a line and a position, whether that part matches there (anchored) and where its groups are.
//!
//! Why: the general engine's capture search walks the NFA state by state, a few hundred
//! nanoseconds to microseconds per storm line; here a class repetition is one tight loop over
//! a 256-bit table, and the first path tried is usually the match. It explores the same
//! alternatives in the same priority order as a backtracking engine, so the groups are the
//! leftmost-first groups the `regex` crate reports. The work per call is bounded: past the
//! budget it gives up and the caller runs the general engine.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// Steps allowed per byte of the line (plus a constant) before giving up.
const STEPS_PER_BYTE: usize = 16;
const STEPS_BASE: usize = 1024;

/// A set of bytes, as a table (one load per byte tested).
#[derive(Clone, PartialEq, Eq)]
struct ByteSet(Box<[bool; 256]>);

impl std::fmt::Debug for ByteSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let members: Vec<u8> = (0..=255u8).filter(|&b| self.contains(b)).collect();
        f.debug_tuple("ByteSet").field(&members).finish()
    }
}

impl ByteSet {
    fn of_class(class: &Class) -> Option<ByteSet> {
        let mut table = Box::new([false; 256]);
        let mut add = |lo: u32, hi: u32| {
            for b in lo..=hi {
                table[b as usize] = true;
            }
        };
        match class {
            Class::Bytes(c) => c
                .iter()
                .for_each(|r| add(u32::from(r.start()), u32::from(r.end()))),
            Class::Unicode(c) => {
                for r in c.iter() {
                    if u32::from(r.end()) > 0x7f {
                        return None;
                    }
                    add(u32::from(r.start()), u32::from(r.end()));
                }
            }
        }
        Some(ByteSet(table))
    }

    fn of_byte(b: u8) -> ByteSet {
        let mut table = Box::new([false; 256]);
        table[usize::from(b)] = true;
        ByteSet(table)
    }

    #[inline]
    fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b)]
    }
}

#[derive(Debug, Clone)]
enum Item {
    Literal(Box<[u8]>),
    /// The first of these literals that lets the rest match.
    Either(Vec<Box<[u8]>>),
    /// `min..=max` bytes of `set`, most first when greedy.
    Run {
        set: ByteSet,
        min: usize,
        max: usize,
        greedy: bool,
    },
    Open(usize),
    Close(usize),
    Look(Look),
}

/// The compiled sequence.
#[derive(Debug, Clone)]
pub(super) struct Sequence {
    items: Vec<Item>,
    /// Slots needed: two per group index, group 0 included.
    slots: usize,
}

/// Result of [`Sequence::match_at`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Matched; the slots hold the groups.
    Match,
    /// Does not match at this position.
    NoMatch,
    /// Too much backtracking: ask the general engine.
    GaveUp,
}

impl Sequence {
    /// Compiles `hir` when it has the supported shape.
    pub(super) fn new(hir: &Hir) -> Option<Sequence> {
        let mut items = Vec::new();
        let mut groups = 1;
        flatten(hir, &mut items, &mut groups)?;
        Some(Sequence {
            items,
            slots: groups * 2,
        })
    }

    /// Slots to pass to [`Sequence::match_at`].
    pub(super) fn slot_count(&self) -> usize {
        self.slots
    }

    /// Whether the sequence matches `line` starting exactly at `at`; on a match, group `g`
    /// spans `slots[2g]..slots[2g + 1]`.
    pub(super) fn match_at(&self, line: &[u8], at: usize, slots: &mut [usize]) -> Outcome {
        let mut budget = STEPS_BASE + STEPS_PER_BYTE * line.len();
        match self.go(line, 0, at, slots, &mut budget) {
            Some(true) => Outcome::Match,
            Some(false) => Outcome::NoMatch,
            None => Outcome::GaveUp,
        }
    }

    /// Matches items `i..` at `pos`; `None` when the budget ran out.
    fn go(
        &self,
        line: &[u8],
        mut i: usize,
        mut pos: usize,
        slots: &mut [usize],
        budget: &mut usize,
    ) -> Option<bool> {
        loop {
            *budget = budget.checked_sub(1)?;
            let Some(item) = self.items.get(i) else {
                return Some(true);
            };
            match item {
                Item::Literal(lit) => {
                    if !line[pos..].starts_with(lit) {
                        return Some(false);
                    }
                    pos += lit.len();
                }
                Item::Open(g) => slots[2 * g] = pos,
                Item::Close(g) => slots[2 * g + 1] = pos,
                Item::Look(look) => {
                    if !look_holds(*look, line, pos) {
                        return Some(false);
                    }
                }
                Item::Either(branches) => {
                    for lit in branches {
                        if line[pos..].starts_with(lit)
                            && self.go(line, i + 1, pos + lit.len(), slots, budget)?
                        {
                            return Some(true);
                        }
                    }
                    return Some(false);
                }
                Item::Run {
                    set,
                    min,
                    max,
                    greedy,
                } => {
                    let limit = line.len().min(pos.saturating_add(*max));
                    let run = &line[pos..limit];
                    let n = run.iter().position(|&b| !set.contains(b)).unwrap_or(run.len());
                    let (min, end) = (*min, pos + n);
                    if n < min {
                        return Some(false);
                    }
                    if min == n {
                        pos = end;
                        i += 1;
                        continue;
                    }
                    // A literal next: only lengths followed by its first byte can work.
                    let next = match self.items.get(i + 1) {
                        Some(Item::Literal(lit)) => Some(lit[0]),
                        _ => None,
                    };
                    let fits = |k: usize| next.is_none_or(|b| line.get(pos + k) == Some(&b));
                    if *greedy {
                        for k in (min..=n).rev() {
                            *budget = budget.checked_sub(1)?;
                            if fits(k) && self.go(line, i + 1, pos + k, slots, budget)? {
                                return Some(true);
                            }
                        }
                    } else {
                        for k in min..=n {
                            *budget = budget.checked_sub(1)?;
                            if fits(k) && self.go(line, i + 1, pos + k, slots, budget)? {
                                return Some(true);
                            }
                        }
                    }
                    return Some(false);
                }
            }
            i += 1;
        }
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn look_holds(look: Look, line: &[u8], pos: usize) -> bool {
    let before = pos > 0 && is_word(line[pos - 1]);
    let after = pos < line.len() && is_word(line[pos]);
    match look {
        Look::Start => pos == 0,
        Look::End => pos == line.len(),
        Look::WordAscii => before != after,
        Look::WordAsciiNegate => before == after,
        _ => unreachable!("only supported looks are compiled"),
    }
}

fn flatten(hir: &Hir, items: &mut Vec<Item>, groups: &mut usize) -> Option<()> {
    match hir.kind() {
        HirKind::Empty => {}
        HirKind::Literal(lit) => items.push(Item::Literal(lit.0.clone())),
        HirKind::Class(class) => items.push(Item::Run {
            set: ByteSet::of_class(class)?,
            min: 1,
            max: 1,
            greedy: true,
        }),
        HirKind::Look(look) => match look {
            Look::Start | Look::End | Look::WordAscii | Look::WordAsciiNegate => {
                items.push(Item::Look(*look))
            }
            _ => return None,
        },
        HirKind::Repetition(rep) => {
            let set = match rep.sub.kind() {
                HirKind::Class(class) => ByteSet::of_class(class)?,
                HirKind::Literal(lit) if lit.0.len() == 1 => ByteSet::of_byte(lit.0[0]),
                _ => return None,
            };
            items.push(Item::Run {
                set,
                min: rep.min as usize,
                max: rep.max.map_or(usize::MAX, |m| m as usize),
                greedy: rep.greedy,
            });
        }
        HirKind::Capture(cap) => {
            let g = cap.index as usize;
            *groups = (*groups).max(g + 1);
            items.push(Item::Open(g));
            flatten(&cap.sub, items, groups)?;
            items.push(Item::Close(g));
        }
        HirKind::Concat(children) => {
            for child in children {
                flatten(child, items, groups)?;
            }
        }
        HirKind::Alternation(branches) => {
            let lits = branches
                .iter()
                .map(|b| match b.kind() {
                    HirKind::Literal(lit) => Some(lit.0.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            items.push(Item::Either(lits));
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hir(pattern: &str) -> Hir {
        regex_syntax::ParserBuilder::new()
            .utf8(false)
            .unicode(false)
            .build()
            .parse(pattern)
            .unwrap()
    }

    /// Compares with the `regex` crate (anchored at 0) on every line.
    fn check(pattern: &str, lines: &[&str]) {
        let seq = Sequence::new(&hir(pattern)).unwrap_or_else(|| panic!("{pattern} compiles"));
        let reference = regex::bytes::Regex::new(&format!("^(?-u:{pattern})")).unwrap();
        let mut slots = vec![usize::MAX; seq.slot_count()];
        for line in lines {
            let expected = reference.captures(line.as_bytes());
            let got = seq.match_at(line.as_bytes(), 0, &mut slots);
            assert_eq!(got == Outcome::Match, expected.is_some(), "{pattern} on {line:?}");
            if let Some(caps) = expected {
                for g in 1..caps.len() {
                    let want = caps.get(g).map(|m| m.range());
                    assert_eq!(
                        Some(slots[2 * g]..slots[2 * g + 1]),
                        want,
                        "{pattern} on {line:?}: group {g}"
                    );
                }
            }
        }
    }

    #[test]
    fn agrees_with_the_regex_crate() {
        check(
            r"(?P<host>[^:\s]+)\S* id=(?P<id>[0-9a-f]+)",
            &[
                "q1:uuid-1 id=5ca",
                "q1 id=",
                "q1:x id=zz",
                "q1:x id=1 id=2",
                "h id=ab",
                ":x id=1",
            ],
        );
        check(
            r"(?P<c>[0-9A-Fa-f.:\[\]]+?):(?P<p>\d+)",
            &["10.4.5.3:4567", "[::1]:80", "1:2:3", "1:", "x"],
        );
        check(
            r"(?P<caller>rest\.[\w.()*]+): (?:auditQueue\.Append|cacheAdmCtrlAudit) - .*error=Queue full",
            &[
                "rest.cacheAdmCtrlAudit: auditQueue.Append - error=Queue full",
                "rest.(*W).v: cacheAdmCtrlAudit - x error=Queue full error=Queue full",
                "rest.a: auditQueue.Append - error=Queue ful",
            ],
        );
        check(
            r"\d+: - at=.* label=(?P<l>\S+) x=(?P<n>\d{2,4})",
            &["12: - at=1 label=a label=b x=123", "1: - at= label=c x=12345"],
        );
        check(
            r"exit status -1\b",
            &["exit status -1", "exit status -12", "exit status -1 x"],
        );
        check(r"a*?(?P<x>a+)b", &["aaab", "ab", "b"]);
        check(r"(?:ab|a)(?P<x>b*)c", &["abbc", "abc", "ac"]);
        check(r"x{2,3}(?P<y>x*)$", &["xxxxx", "xx", "x"]);
    }

    #[test]
    fn unsupported_shapes_are_left_to_the_engine() {
        for p in [r"(?:ab)+", r"(?:a|\d)", r"(?m)^a", r"(?:, (?P<s>\d+))?"] {
            assert!(Sequence::new(&hir(p)).is_none(), "{p}");
        }
    }

    #[test]
    fn gives_up_on_pathological_lines() {
        let seq = Sequence::new(&hir(r"\S*\S*\S*\S*x")).unwrap();
        let line = "a".repeat(2000);
        let mut slots = vec![0; seq.slot_count()];
        assert_eq!(seq.match_at(line.as_bytes(), 0, &mut slots), Outcome::GaveUp);
    }
}
