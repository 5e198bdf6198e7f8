//! Every signature of the knowledge base compiled into one matcher: one multi-literal search
//! per file kind, and each signature's own matcher run only on the lines where one of its
//! literals occurs.

use std::collections::HashMap;
use std::sync::Mutex;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::factor::Factors;
use super::matcher::{self, LineMatcher};
use super::prefilter::required_literals;
use super::reader;
use crate::spec::Signature;

/// Most literals in one Teddy search (past it, one search would confirm too many false
/// candidates; more literals are searched as several groups).
const TEDDY_MAX: usize = 64;

/// The owner of a marker literal in [`KindPlan::candidates`] (sorts after every signature).
pub(super) const MARKER: u32 = u32::MAX;

/// Every signature of the knowledge base, compiled into one matcher.
#[derive(Debug)]
pub struct SignatureSet {
    pub(super) signatures: Vec<Signature>,
    /// Each signature's own matcher, by index.
    pub(super) matchers: Vec<LineMatcher>,
    /// What to look for in a file of a kind some signature names.
    by_kind: HashMap<String, KindPlan>,
    /// What to look for in any other file (only signatures limited to no kind).
    other: KindPlan,
    /// Buffers and search states of finished pieces, for the next ones: a thread reuses
    /// its memory instead of asking the allocator for fresh blocks and caches per piece.
    scratch: Mutex<Vec<Scratch>>,
}

/// What a piece scan allocates, kept across pieces.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    pub(super) buf: Vec<u8>,
    pub(super) states: Vec<matcher::MatchState>,
    /// The current block's lines for the sink.
    pub(super) feed: Vec<reader::FeedLine>,
}

/// The literal search for the signatures that apply to one file kind.
#[derive(Debug, Default)]
pub(super) struct KindPlan {
    /// Finds any literal (leftmost-first: fastest search).
    pub(super) any: Option<LiteralSearch>,
    /// Literal index => signatures to try on a line where it was found: its owners, and the
    /// owners of every literal that is a prefix of it or that it is a prefix of (those may
    /// occur at the same position, where the automaton reports only one).
    pub(super) candidates: Vec<Vec<u32>>,
    /// Signatures with no literal: their matcher runs on every line.
    pub(super) unfiltered: Vec<usize>,
}

/// The search for any of many literals.
#[derive(Debug)]
pub(super) enum LiteralSearch {
    /// Teddy (SIMD) over groups of at most [`TEDDY_MAX`] literals (each group searched ahead
    /// once per block, see [`BlockCursor`]). Teddy verifies its own candidates: on logs where
    /// most lines hold a literal, that is cheaper than Aho-Corasick's automaton confirming each
    /// one (measured: 15-20% less search time on the bench's controller logs). Past
    /// [`TEDDY_MAX`] literals one group would confirm too many false candidates.
    ///
    /// The groups are as few as [`TEDDY_MAX`] allows and of equal size: 84 literals as two
    /// groups of 42, not 64 and 20. A full group of 64 mixes four literals into each of
    /// Teddy's 16 fingerprint buckets and confirms many more false candidates than two half
    /// groups do, and one group of up to 64 costs less than two smaller ones (instructions
    /// counted under cachegrind on the bench's controller log: 105 M searching 84 literals
    /// as 64 + 20, 84 M as 42 + 42, 123 M as three groups of 28).
    Groups {
        /// Literals per group (the last may hold fewer).
        size: usize,
        searchers: Vec<aho_corasick::packed::Searcher>,
    },
    /// Aho-Corasick, where Teddy is not available (no SIMD on this CPU).
    Automaton(AhoCorasick),
}

impl LiteralSearch {
    fn new(literals: &[Vec<u8>]) -> LiteralSearch {
        let size = literals
            .len()
            .div_ceil(literals.len().div_ceil(TEDDY_MAX).max(1))
            .max(1);
        let groups = literals
            .chunks(size)
            .map(|chunk| {
                aho_corasick::packed::Config::new()
                    .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
                    .builder()
                    .extend(chunk)
                    .build()
            })
            .collect::<Option<Vec<_>>>();
        if let Some(searchers) = groups {
            return LiteralSearch::Groups { size, searchers };
        }
        let mut builder = AhoCorasickBuilder::new();
        builder.match_kind(MatchKind::LeftmostFirst);
        if literals.len() > TEDDY_MAX {
            // No SIMD: a DFA walks the haystack several times faster than an NFA.
            builder.kind(Some(AhoCorasickKind::DFA));
        }
        LiteralSearch::Automaton(
            builder
                .build(literals)
                .expect("literal automaton within size limits"),
        )
    }

    /// A cursor for searches that only move forward through one block.
    pub(super) fn cursor(&self) -> BlockCursor<'_> {
        BlockCursor {
            search: self,
            ahead: match self {
                LiteralSearch::Automaton(_) => Vec::new(),
                LiteralSearch::Groups { searchers, .. } => vec![Ahead::Unknown; searchers.len()],
            },
        }
    }
}

/// What one literal group's search found ahead in the block.
#[derive(Debug, Clone, Copy)]
pub(super) enum Ahead {
    Unknown,
    At(usize, usize),
    Nothing,
}

/// Forward searches through one block: each group's next match is remembered, so a group is
/// not searched again until the scan has passed it.
pub(crate) struct BlockCursor<'a> {
    search: &'a LiteralSearch,
    ahead: Vec<Ahead>,
}

impl BlockCursor<'_> {
    /// The leftmost literal in `block[from..]`, as (start, literal index), ties going to the
    /// literal listed first; `from` never decreases between calls.
    pub(crate) fn next(&mut self, block: &[u8], from: usize) -> Option<(usize, usize)> {
        let (size, groups) = match self.search {
            LiteralSearch::Automaton(ac) => {
                return ac
                    .find(aho_corasick::Input::new(block).span(from..block.len()))
                    .map(|m| (m.start(), m.pattern().as_usize()));
            }
            LiteralSearch::Groups { searchers, .. } if searchers.len() == 1 => {
                // Nothing to remember between searches.
                return searchers[0]
                    .find_in(block, aho_corasick::Span::from(from..block.len()))
                    .map(|m| (m.start(), m.pattern().as_usize()));
            }
            LiteralSearch::Groups { size, searchers } => (*size, searchers),
        };
        let mut best: Option<(usize, usize)> = None;
        for (g, ahead) in self.ahead.iter_mut().enumerate() {
            if matches!(ahead, Ahead::Unknown) || matches!(ahead, Ahead::At(start, _) if *start < from) {
                *ahead = match groups[g].find_in(block, aho_corasick::Span::from(from..block.len())) {
                    Some(m) => Ahead::At(m.start(), g * size + m.pattern().as_usize()),
                    None => Ahead::Nothing,
                };
            }
            if let Ahead::At(start, literal) = *ahead {
                if best.is_none_or(|b| (start, literal) < b) {
                    best = Some((start, literal));
                }
            }
        }
        best
    }
}

impl KindPlan {
    /// The plan for the signatures `applies` selects, and the markers.
    /// (`atoms`: each signature's literals, `None` when it has none worth searching;
    /// `factors`: what to search for each.)
    fn new(
        signatures: &[Signature],
        atoms: &[Option<Vec<Vec<u8>>>],
        factors: &Factors,
        markers: &[Vec<u8>],
        applies: impl Fn(&Signature) -> bool,
    ) -> KindPlan {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut owners: Vec<Vec<u32>> = Vec::new();
        let mut unfiltered = Vec::new();
        // Slots by literal: a linear search here made building the plan quadratic in the
        // number of signatures (3,000 rules took seconds before the scan began).
        let mut slots: rustc_hash::FxHashMap<Vec<u8>, usize> = rustc_hash::FxHashMap::default();
        let mut own = |atom: &[u8], owner: u32| {
            let slot = *slots.entry(factors.of(atom).to_vec()).or_insert_with_key(|atom| {
                literals.push(atom.clone());
                owners.push(Vec::new());
                literals.len() - 1
            });
            // Owners come in increasing order (signatures, then markers), so a repeat is last.
            if owners[slot].last() != Some(&owner) {
                owners[slot].push(owner);
            }
        };
        for (index, sig) in signatures.iter().enumerate() {
            if !applies(sig) {
                continue;
            }
            let Some(atoms) = &atoms[index] else {
                unfiltered.push(index);
                continue;
            };
            for atom in atoms {
                own(atom, index as u32);
            }
        }
        for marker in markers.iter().filter(|m| !m.is_empty()) {
            own(marker, MARKER);
        }
        // A literal's candidates: the owners of every literal it starts with or that starts
        // with it. Prefixes by lookup, extensions as the run after it in sorted order.
        let mut sorted: Vec<usize> = (0..literals.len()).collect();
        sorted.sort_by(|&a, &b| literals[a].cmp(&literals[b]));
        let mut candidates: Vec<Vec<u32>> = vec![Vec::new(); literals.len()];
        for (rank, &i) in sorted.iter().enumerate() {
            let lit = &literals[i];
            let mut sigs: Vec<u32> = Vec::new();
            for len in 1..=lit.len() {
                if let Some(&j) = slots.get(&lit[..len]) {
                    sigs.extend_from_slice(&owners[j]);
                }
            }
            for &j in sorted[rank + 1..]
                .iter()
                .take_while(|&&j| literals[j].starts_with(lit))
            {
                sigs.extend_from_slice(&owners[j]);
            }
            sigs.sort_unstable();
            sigs.dedup();
            candidates[i] = sigs;
        }
        let any = (!literals.is_empty()).then(|| LiteralSearch::new(&literals));
        KindPlan {
            any,
            candidates,
            unfiltered,
        }
    }
}

/// The literals the prefilter looks for on behalf of `sig` (`None`: its regex runs on every
/// line): its keywords when it has some, else literals one of which each match holds.
fn literals_of(sig: &Signature) -> Option<Vec<Vec<u8>>> {
    if sig.spec.keywords.is_empty() {
        required_literals(&sig.spec.regex)
    } else {
        Some(sig.spec.keywords.iter().map(|k| k.as_bytes().to_vec()).collect())
    }
}

impl SignatureSet {
    /// Builds the matcher for `signatures` (their order is kept: index = position).
    pub fn new(signatures: Vec<Signature>) -> Self {
        Self::with_markers(signatures, &[])
    }

    /// Builds the matcher for `signatures` and `markers`: literals (case-sensitive) whose lines
    /// go to the scan's [`LineSink`](super::LineSink) in every file, as if a signature had matched them, but
    /// counted nowhere.
    pub fn with_markers(signatures: Vec<Signature>, markers: &[Vec<u8>]) -> Self {
        let atoms: Vec<Option<Vec<Vec<u8>>>> = signatures.iter().map(literals_of).collect();
        let factors = Factors::new(atoms.iter().flatten().flatten().chain(markers).map(Vec::as_slice));
        let matchers = signatures
            .iter()
            .zip(&atoms)
            .map(|(sig, atoms)| {
                let cut = atoms.iter().flatten().any(|atom| factors.is_cut(atom));
                LineMatcher::for_signature(sig, atoms.as_deref(), cut)
            })
            .collect();
        let mut kinds: Vec<&String> = signatures.iter().flat_map(|s| &s.spec.kinds).collect();
        kinds.sort();
        kinds.dedup();
        let by_kind = kinds
            .into_iter()
            .map(|kind| {
                let plan = KindPlan::new(&signatures, &atoms, &factors, markers, |s| {
                    s.spec.kinds.is_empty() || s.spec.kinds.contains(kind)
                });
                (kind.clone(), plan)
            })
            .collect();
        SignatureSet {
            other: KindPlan::new(&signatures, &atoms, &factors, markers, |s| {
                s.spec.kinds.is_empty()
            }),
            by_kind,
            matchers,
            signatures,
            scratch: Mutex::default(),
        }
    }

    pub(super) fn take_scratch(&self) -> Scratch {
        let pooled = self.scratch.lock().ok().and_then(|mut pool| pool.pop());
        pooled.unwrap_or_else(|| Scratch {
            buf: Vec::new(),
            states: self.matchers.iter().map(LineMatcher::state).collect(),
            feed: Vec::new(),
        })
    }

    pub(super) fn return_scratch(&self, scratch: Scratch) {
        if let Ok(mut pool) = self.scratch.lock() {
            pool.push(scratch);
        }
    }

    /// The signatures, in index order.
    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }

    /// What to look for in a file of kind `kind`.
    pub(super) fn plan(&self, kind: Option<&str>) -> &KindPlan {
        kind.and_then(|k| self.by_kind.get(k)).unwrap_or(&self.other)
    }
}
