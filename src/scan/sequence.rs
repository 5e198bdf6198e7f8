//! A small backtracking matcher for the usual tail of a signature regex: a sequence of
//! literals, byte-class repetitions, word boundaries, alternations and optional parts of such
//! sequences, and capture groups around them, e.g. `(?P<host>\[[^\]\s]+\]|[^:\s]+)\S*
//! id=(?P<id>[0-9a-f]+)(?:, signal (?P<signal>\d+))?`.
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

use crate::swar::{word_at, AsciiRanges, HIGH};

/// Steps allowed per byte of the line (plus a constant) before giving up.
const STEPS_PER_BYTE: usize = 16;
const STEPS_BASE: usize = 1024;

/// A set of bytes, as a table (one load per byte tested), and as ASCII ranges for runs of
/// them eight bytes at a time.
#[derive(Clone, PartialEq, Eq)]
struct ByteSet {
    table: Box<[bool; 256]>,
    /// The ASCII members as ranges (`false`), or the ASCII non-members (`true`), whichever
    /// takes fewer ranges, when that is at most [`ByteSet::MAX_RANGES`].
    ranges: Option<(AsciiRanges, bool)>,
}

impl std::fmt::Debug for ByteSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let members: Vec<u8> = (0..=255u8).filter(|&b| self.contains(b)).collect();
        f.debug_tuple("ByteSet").field(&members).finish()
    }
}

impl ByteSet {
    /// Most ranges tested per word (past it, the table is as fast).
    const MAX_RANGES: usize = 4;

    fn from_table(table: Box<[bool; 256]>) -> ByteSet {
        let ranges_of = |member: bool| {
            let mut ranges: Vec<(u8, u8)> = Vec::new();
            for b in 0..128u8 {
                if table[usize::from(b)] != member {
                    continue;
                }
                match ranges.last_mut() {
                    Some((_, hi)) if *hi + 1 == b => *hi = b,
                    _ => ranges.push((b, b)),
                }
            }
            ranges
        };
        let (members, others) = (ranges_of(true), ranges_of(false));
        let ranges = if members.len() <= others.len() {
            (members.len() <= Self::MAX_RANGES).then(|| (AsciiRanges::new(&members), false))
        } else {
            (others.len() <= Self::MAX_RANGES).then(|| (AsciiRanges::new(&others), true))
        };
        ByteSet { table, ranges }
    }

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
        Some(ByteSet::from_table(table))
    }

    fn of_bytes(bytes: impl IntoIterator<Item = u8>) -> ByteSet {
        let mut table = Box::new([false; 256]);
        for b in bytes {
            table[usize::from(b)] = true;
        }
        ByteSet::from_table(table)
    }

    fn union(&self, other: &ByteSet) -> ByteSet {
        ByteSet::from_table(Box::new(std::array::from_fn(|b| self.table[b] || other.table[b])))
    }

    fn is_disjoint(&self, other: &ByteSet) -> bool {
        (0..256).all(|b| !(self.table[b] && other.table[b]))
    }

    #[inline]
    fn contains(&self, b: u8) -> bool {
        self.table[usize::from(b)]
    }

    /// How many bytes `run` starts with that are in the set.
    #[inline]
    fn run_length(&self, run: &[u8]) -> usize {
        let mut i = 0;
        if let Some((ranges, others)) = &self.ranges {
            while i + 8 <= run.len() {
                let word = word_at(run, i);
                let listed = ranges.mask(word);
                // A byte outside ASCII stops the words; the table decides it.
                let inside = if *others { !listed & !word & HIGH } else { listed };
                let stop = !inside & HIGH;
                if stop != 0 {
                    i += (stop.trailing_zeros() / 8) as usize;
                    break;
                }
                i += 8;
            }
        }
        i + run[i..]
            .iter()
            .position(|&b| !self.contains(b))
            .unwrap_or(run.len() - i)
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
        /// Greedy, and what follows cannot start with a byte of `set` (or is the end): only
        /// the longest run can match, so there is nothing to backtrack into.
        possessive: bool,
    },
    Open(usize),
    Close(usize),
    Look(Look),
    /// Goes on at the first target that lets the rest match (an alternation's branches, or an
    /// optional part and what follows it, in priority order). `resets[k]`: the slots branch
    /// `k` sets, cleared when it fails, so a group of a failed branch reads as absent.
    Split {
        targets: Vec<usize>,
        resets: Vec<Vec<usize>>,
    },
    /// Goes on at the target (the end of an alternation or optional part).
    Jump(usize),
}

/// One step of the compiled sequence: set the slots `marks` names to the position (a group
/// opens or closes there), then match `item` (never `Open` or `Close`). One step per item
/// that consumes or tests bytes: a step is a dispatch, and dispatches are most of the cost.
#[derive(Debug, Clone)]
struct Step {
    marks: std::ops::Range<usize>,
    item: Item,
}

/// The compiled sequence.
#[derive(Debug, Clone)]
pub(super) struct Sequence {
    steps: Vec<Step>,
    /// The slot indices of every step's marks, end to end.
    marks: Vec<usize>,
    /// The marks after the last step.
    tail: std::ops::Range<usize>,
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
        mark_possessive(&mut items);
        // Targets name items; steps leave out the marks. An item's step is the first step at
        // or after it (every branch ends in a jump, so the marks before a target belong to
        // the step before it).
        let mut step_of = Vec::with_capacity(items.len() + 1);
        let mut count = 0;
        for item in &items {
            step_of.push(count);
            if !matches!(item, Item::Open(_) | Item::Close(_)) {
                count += 1;
            }
        }
        step_of.push(count);
        let mut steps = Vec::new();
        let mut marks = Vec::new();
        let mut from = 0;
        for item in items {
            let item = match item {
                Item::Split { targets, resets } => Item::Split {
                    targets: targets.iter().map(|&t| step_of[t]).collect(),
                    resets,
                },
                Item::Jump(t) => Item::Jump(step_of[t]),
                item => item,
            };
            match item {
                Item::Open(g) => marks.push(2 * g),
                Item::Close(g) => marks.push(2 * g + 1),
                item => {
                    steps.push(Step {
                        marks: from..marks.len(),
                        item,
                    });
                    from = marks.len();
                }
            }
        }
        Some(Sequence {
            steps,
            tail: from..marks.len(),
            marks,
            slots: groups * 2,
        })
    }

    /// Sets the slots of `marks` to `pos`.
    #[inline]
    fn mark(&self, marks: &std::ops::Range<usize>, pos: usize, slots: &mut [usize]) {
        for &slot in &self.marks[marks.clone()] {
            slots[slot] = pos;
        }
    }

    /// Slots to pass to [`Sequence::match_at`].
    pub(super) fn slot_count(&self) -> usize {
        self.slots
    }

    /// Whether the sequence matches `line` starting exactly at `at`; on a match, group `g`
    /// spans `slots[2g]..slots[2g + 1]`, both [`usize::MAX`] when it took no part.
    pub(super) fn match_at(&self, line: &[u8], at: usize, slots: &mut [usize]) -> Outcome {
        slots.fill(usize::MAX);
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
            let Some(step) = self.steps.get(i) else {
                self.mark(&self.tail, pos, slots);
                return Some(true);
            };
            self.mark(&step.marks, pos, slots);
            match &step.item {
                Item::Literal(lit) => {
                    if !line[pos..].starts_with(lit) {
                        return Some(false);
                    }
                    pos += lit.len();
                }
                Item::Open(_) | Item::Close(_) => unreachable!("marks, not steps"),
                Item::Jump(target) => {
                    i = *target;
                    continue;
                }
                Item::Split { targets, resets } => {
                    for (&target, reset) in targets.iter().zip(resets) {
                        if self.go(line, target, pos, slots, budget)? {
                            return Some(true);
                        }
                        for &slot in reset {
                            slots[slot] = usize::MAX;
                        }
                    }
                    return Some(false);
                }
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
                    possessive,
                } => {
                    let limit = line.len().min(pos.saturating_add(*max));
                    let run = &line[pos..limit];
                    let n = set.run_length(run);
                    let (min, end) = (*min, pos + n);
                    if n < min {
                        return Some(false);
                    }
                    if min == n || *possessive {
                        pos = end;
                        i += 1;
                        continue;
                    }
                    // A literal next: only lengths followed by its first byte can work.
                    let next = match self.steps.get(i + 1).map(|s| &s.item) {
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

/// What the items from `i` on can start with.
enum First {
    /// A byte of this set.
    Set(ByteSet),
    /// They can match the empty string at the end of the items.
    End,
    /// Not worked out (a look-around comes first).
    Unknown,
}

fn first_of(items: &[Item], i: usize) -> First {
    match items.get(i) {
        None => First::End,
        Some(Item::Open(_) | Item::Close(_)) => first_of(items, i + 1),
        Some(Item::Look(_)) => First::Unknown,
        Some(Item::Literal(lit)) => match lit.first() {
            Some(&b) => First::Set(ByteSet::of_bytes([b])),
            None => first_of(items, i + 1),
        },
        Some(Item::Either(branches)) => match branches
            .iter()
            .map(|b| b.first().copied())
            .collect::<Option<Vec<u8>>>()
        {
            Some(firsts) => First::Set(ByteSet::of_bytes(firsts)),
            None => First::Unknown,
        },
        Some(Item::Jump(target)) => first_of(items, *target),
        Some(Item::Split { targets, .. }) => {
            let mut union: Option<ByteSet> = None;
            for &target in targets {
                match first_of(items, target) {
                    First::Set(set) => union = Some(union.map_or(set.clone(), |u| u.union(&set))),
                    // Mixed with an end or unknown: not worked out.
                    First::End | First::Unknown => return First::Unknown,
                }
            }
            union.map_or(First::Unknown, First::Set)
        }
        Some(Item::Run { set, min, .. }) if *min > 0 => First::Set(set.clone()),
        Some(Item::Run { set, .. }) => match first_of(items, i + 1) {
            First::Set(rest) => First::Set(set.union(&rest)),
            // The run may be empty and end the match, or not: either way it starts with `set`
            // or ends.
            First::End | First::Unknown => First::Unknown,
        },
    }
}

/// Marks the greedy runs that can be matched possessively (see [`Item::Run`]).
fn mark_possessive(items: &mut [Item]) {
    for i in 0..items.len() {
        let follows = first_of(items, i + 1);
        if let Item::Run {
            set,
            greedy: true,
            possessive,
            ..
        } = &mut items[i]
        {
            *possessive = match &follows {
                // Nothing left: the longest run is tried first and matches.
                First::End => true,
                First::Set(next) => set.is_disjoint(next),
                First::Unknown => false,
            };
        }
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
            possessive: false,
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
                HirKind::Literal(lit) if lit.0.len() == 1 => ByteSet::of_bytes([lit.0[0]]),
                // An optional part: the part, or nothing (greedy: the part first).
                _ if rep.min == 0 && rep.max == Some(1) => {
                    return branch_out(items, groups, &[Some(&rep.sub), None], rep.greedy);
                }
                _ => return None,
            };
            items.push(Item::Run {
                set,
                min: rep.min as usize,
                max: rep.max.map_or(usize::MAX, |m| m as usize),
                greedy: rep.greedy,
                possessive: false,
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
                .collect::<Option<Vec<_>>>();
            match lits {
                Some(lits) => items.push(Item::Either(lits)),
                None => {
                    let branches: Vec<Option<&Hir>> = branches.iter().map(Some).collect();
                    return branch_out(items, groups, &branches, true);
                }
            }
        }
    }
    Some(())
}

/// A split between `branches` (`None`: nothing), tried in order (`in_order`) or reversed,
/// each ending in a jump past the last.
fn branch_out(
    items: &mut Vec<Item>,
    groups: &mut usize,
    branches: &[Option<&Hir>],
    in_order: bool,
) -> Option<()> {
    let split = items.len();
    items.push(Item::Jump(0));
    let mut targets = Vec::new();
    let mut resets = Vec::new();
    let mut jumps = Vec::new();
    for branch in branches {
        let start = items.len();
        if let Some(hir) = branch {
            flatten(hir, items, groups)?;
        }
        let slots = items[start..]
            .iter()
            .filter_map(|item| match item {
                Item::Open(g) => Some(2 * g),
                Item::Close(g) => Some(2 * g + 1),
                _ => None,
            })
            .collect();
        targets.push(start);
        resets.push(slots);
        jumps.push(items.len());
        items.push(Item::Jump(0));
    }
    let end = items.len();
    for jump in jumps {
        items[jump] = Item::Jump(end);
    }
    if !in_order {
        targets.reverse();
        resets.reverse();
    }
    items[split] = Item::Split { targets, resets };
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
        let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        check_bytes(pattern, &lines);
    }

    /// [`check`] on byte lines; returns how many matched.
    fn check_bytes(pattern: &str, lines: &[&[u8]]) -> usize {
        let seq = Sequence::new(&hir(pattern)).unwrap_or_else(|| panic!("{pattern} compiles"));
        let reference = regex::bytes::Regex::new(&format!("^(?-u:{pattern})")).unwrap();
        let mut slots = vec![usize::MAX; seq.slot_count()];
        let mut matched = 0;
        for line in lines {
            let expected = reference.captures(line);
            let got = seq.match_at(line, 0, &mut slots);
            assert_eq!(got == Outcome::Match, expected.is_some(), "{pattern} on {line:?}");
            if let Some(caps) = expected {
                matched += 1;
                for g in 1..caps.len() {
                    let want = caps.get(g).map(|m| m.range());
                    let got = (slots[2 * g] != usize::MAX).then(|| slots[2 * g]..slots[2 * g + 1]);
                    assert_eq!(got, want, "{pattern} on {line:?}: group {g}");
                }
            }
        }
        matched
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
        // Runs that cannot give bytes back (possessive) and runs that can.
        check(
            r"(?P<w>[a-z]+)(?P<d>[0-9]+)\.(?P<e>\d*)x",
            &["abc123.45x", "abc123.x", "abc.1x", "a1.2", "zz9.9x9"],
        );
        check(
            r"(?P<a>\S+)(?P<b>[a-z]*) end",
            &["ab end", "a b end", "abc  end", " end"],
        );
        check(
            r"(?P<a>[a-c]*)(?P<b>c|d)(?P<r>e*)",
            &["abcce", "abd", "ccc", "d", "x"],
        );
        check(r"(?P<a>\w+)\b(?P<b>\W*)", &["ab  cd", "ab", "--"]);
    }

    /// Alternations of sequences and optional parts, groups inside failed branches included.
    #[test]
    fn alternations_and_optional_parts_agree_with_the_regex_crate() {
        check(
            r"(?P<client>\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f.:]+?):(?P<port>\d+)",
            &[
                "10.4.5.3:4567",
                "[::1]:80",
                "[::1:80",
                "1:2:3",
                "1:",
                "x",
                "[fe80::1]:x",
            ],
        );
        check(
            r"(?P<host>\[[^\]\s]+\]|[^:\s]+)\S* id=(?P<id>[0-9a-f]+)",
            &["[::1]:9 id=ab", "h:1 id=1", "[x id=1", "id=1"],
        );
        check(
            r"(?P<addr>(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):(?P<port>\d+): connect",
            &[
                "10.1.2.3:80: connect",
                "255.1.1.1:1: connect",
                "256.1.1.1:1: connect",
                "199.0.0.1:2: connect",
                "[::1]:3: connect",
                "1.2.3:4: connect",
            ],
        );
        check(
            r"(?P<p>\w+) exit status (?P<s>-?\d+)(?:, signal (?P<sig>\d+))?, pid=\d+",
            &[
                "dp exit status 2, signal 9, pid=12",
                "dp exit status -1, pid=3",
                "dp exit status 1, signal x, pid=3",
                "dp exit status 1, signal 9",
            ],
        );
        // A group set by a branch that failed later reads as absent.
        check(
            r"(?:(?P<a>x)y|x(?P<b>z))(?:(?P<c>q)w)?",
            &["xy", "xz", "xzqw", "xzq", "xyqw", "x"],
        );
        check(r"(?:a|ab)(?:c|bcd)(?P<t>d*)", &["abcd", "abcdd", "acd", "abd"]);
        check(r"(?:(?P<x>a+)|b)??c", &["aac", "bc", "c", "ab"]);
    }

    /// Long lines (runs tested eight bytes at a time) from a small alphabet, non-ASCII and
    /// control bytes included, against the `regex` crate.
    #[test]
    fn agrees_with_the_regex_crate_on_generated_lines() {
        const ALPHABET: &[u8] = b"ab9f:. -\t=x\x80\xff_(";
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut lines = Vec::new();
        for _ in 0..3000 {
            let mut line = Vec::new();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            for _ in 0..(seed >> 58) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                line.push(ALPHABET[(seed >> 33) as usize % ALPHABET.len()]);
            }
            lines.push(line);
        }
        for pattern in [
            r"(?P<h>[^:\s]+)\S*=(?P<id>[0-9a-f]+)",
            r"(?P<w>[\w.()]+):(?P<r>.*)x",
            r"(?P<a>[a-f0-9]*?):(?P<b>\d+)",
            r"(?P<a>\S+)\s+(?P<b>[^x]*)$",
            r"(?:(?P<a>[a-f]+):|(?P<b>\d+)=)(?P<r>\S*)(?: (?P<t>x))?",
        ] {
            let lines: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
            let matched = check_bytes(pattern, &lines);
            // Both outcomes are exercised.
            assert!(
                (10..lines.len() - 10).contains(&matched),
                "{pattern}: {matched} matches"
            );
        }
    }

    #[test]
    fn possessive_only_where_nothing_can_be_given_back() {
        let possessive = |pattern: &str| -> Vec<bool> {
            Sequence::new(&hir(pattern))
                .unwrap()
                .steps
                .iter()
                .filter_map(|step| match &step.item {
                    Item::Run { possessive, .. } => Some(*possessive),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(possessive(r"[^:\s]+\S* id=[0-9a-f]+"), [false, true, true]);
        assert_eq!(possessive(r".*error=x"), [false]);
        assert_eq!(possessive(r"[a-c]*c"), [false]);
        assert_eq!(possessive(r"[a-c]*?d"), [false]);
        assert_eq!(possessive(r"[a-c]*d"), [true]);
        assert_eq!(possessive(r"[a-c]*\bd"), [false]);
    }

    #[test]
    fn unsupported_shapes_are_left_to_the_engine() {
        for p in [r"(?:ab)+", r"(?:a\d){2}", r"(?m)^a", r"(?:x(?:ab)+|y)"] {
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
