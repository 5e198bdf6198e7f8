//! One signature's own matcher: decides whether a candidate line matches and where its named
//! groups are, as cheaply as the pattern allows.
//!
//! In: the authored regex. Out: `matches(line)` and, after a match, the span of each named group.
//! - A regex that is a plain literal is a substring search.
//! - A regex that starts with a literal `L` followed by `T` is matched as "an occurrence of `L`,
//!   then `T` anchored right after it": `T` is shorter than the whole pattern, and an anchored
//!   search skips the reverse pass an unanchored capture search needs to find the start.
//! - Any other regex runs as a whole.
//!
//! Each shape is compiled twice: as authored (Unicode classes), and with Unicode off, for lines
//! that are all ASCII. On an ASCII line both give the same matches and groups (a Unicode class
//! restricted to ASCII is its ASCII class), but `\S` or `[^:\s]` without Unicode is one byte
//! range instead of a UTF-8 automaton of dozens of states, which is what makes the capture
//! search (a bounded backtracker over the NFA) several times cheaper on storm lines.
//! The ASCII form of a prefixed pattern whose tail is a flat sequence of literals and class
//! repetitions is matched by [`Sequence`], without the general engine at all.
//! Every path gives exactly what the signature's `regex::bytes::Regex` gives on the line.

use std::sync::OnceLock;

use memchr::memmem;
use regex_automata::meta::{self, Regex};
use regex_automata::util::captures::Captures;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, PatternID};
use regex_syntax::hir::{Hir, HirKind};

use super::sequence::{Outcome, Sequence};
use crate::spec::Signature;

/// Shortest leading literal worth splitting off (shorter ones occur too often in a line).
const MIN_PREFIX: usize = 3;

/// How a signature's regex is run on a candidate line.
#[derive(Debug)]
enum Shape {
    /// The regex is this literal and has no groups.
    Literal(memmem::Finder<'static>),
    /// The regex is `literal` followed by `rest` (and, when `rest` has the simple shape of
    /// [`Sequence`], `quick` matches it without the general engine).
    Prefixed {
        literal: memmem::Finder<'static>,
        rest: Regex,
        quick: Option<Sequence>,
    },
    /// Anything else.
    Whole(Regex),
    /// The signature's own regex, for a pattern this module cannot rebuild (not expected:
    /// it uses the same parser and limits).
    Own(regex::bytes::Regex),
}

/// One compiled form of the signature, with the group index of each named capture.
#[derive(Debug)]
struct Form {
    shape: Shape,
    groups: Vec<usize>,
}

/// The compiled matcher of one signature.
#[derive(Debug)]
pub(super) struct LineMatcher {
    signature: Signature,
    /// As authored: for any line.
    any: OnceLock<Form>,
    /// Unicode off: for ASCII lines only (`None` when the pattern needs Unicode).
    ascii: OnceLock<Option<Form>>,
    /// Number of named groups.
    names: usize,
    /// Whether the leading literal is the only literal the prefilter looks for, so that its
    /// first occurrence in a candidate line is not before the hint (where the prefilter
    /// first found a literal naming this signature).
    hinted: bool,
}

/// Search state of one form (allocated on first use).
#[derive(Debug, Default)]
struct FormState {
    cache: Option<meta::Cache>,
    captures: Option<Captures>,
    locations: Option<regex::bytes::CaptureLocations>,
    /// Groups found by the quick matcher, and whether the last match came from it.
    slots: Vec<usize>,
    quick: bool,
}

/// Per-thread search state for one [`LineMatcher`].
#[derive(Debug, Default)]
pub(super) struct MatchState {
    any: FormState,
    ascii: FormState,
    /// Whether the last match used the ASCII form.
    used_ascii: bool,
}

impl LineMatcher {
    /// The matcher of `signature` (its forms are compiled when first needed: most signatures
    /// of a large knowledge base never see a candidate line). `literals`: what the prefilter
    /// looks for on its behalf (see `literals_of`); `cut`: it searches them through another
    /// part (see `Factors`), so where it finds one is no hint.
    pub(super) fn for_signature(
        signature: &Signature,
        literals: Option<&[Vec<u8>]>,
        cut: bool,
    ) -> LineMatcher {
        let leading = leading_literal(&signature.spec.regex);
        let hinted = !cut
            && signature.spec.keywords.is_empty()
            && leading
                .as_ref()
                .is_some_and(|lit| literals.is_some_and(|atoms| atoms.len() == 1 && atoms[0] == *lit));
        LineMatcher {
            signature: signature.clone(),
            any: OnceLock::new(),
            ascii: OnceLock::new(),
            names: signature.captures.len(),
            hinted,
        }
    }

    fn any(&self) -> &Form {
        self.any.get_or_init(|| {
            let signature = &self.signature;
            let names = &signature.captures;
            Form::new(&signature.spec.regex, names, true).unwrap_or_else(|| {
                let groups = names
                    .iter()
                    .map(|name| {
                        signature
                            .regex
                            .capture_names()
                            .position(|n| n == Some(name.as_str()))
                            .expect("a capture name of the regex")
                    })
                    .collect();
                Form {
                    shape: Shape::Own(signature.regex.clone()),
                    groups,
                }
            })
        })
    }

    fn ascii(&self) -> Option<&Form> {
        self.ascii
            .get_or_init(|| Form::new(&self.signature.spec.regex, &self.signature.captures, false))
            .as_ref()
    }

    /// Fresh search state.
    pub(super) fn state(&self) -> MatchState {
        MatchState::default()
    }

    /// Whether `line` matches (`ascii`: the line is all ASCII; `hint`: where the prefilter
    /// first found a literal naming this signature in the line); when it does and the
    /// signature has groups, `state` holds them for [`LineMatcher::group`].
    pub(super) fn matches(&self, line: &[u8], ascii: bool, hint: usize, state: &mut MatchState) -> bool {
        let from = if self.hinted { hint.min(line.len()) } else { 0 };
        match self.ascii() {
            Some(form) if ascii => {
                state.used_ascii = true;
                form.matches(line, from, &mut state.ascii)
            }
            _ => {
                state.used_ascii = false;
                self.any().matches(line, from, &mut state.any)
            }
        }
    }

    /// Number of named groups.
    pub(super) fn group_count(&self) -> usize {
        self.names
    }

    /// Span of named group `k` (in the signature's capture order) of the last match, if it
    /// took part in the match.
    pub(super) fn group(&self, k: usize, state: &MatchState) -> Option<std::ops::Range<usize>> {
        match self.ascii() {
            Some(form) if state.used_ascii => form.group(k, &state.ascii),
            _ => self.any().group(k, &state.any),
        }
    }
}

impl Form {
    /// Builds `pattern` with named groups `names`, Unicode on or off; `None` when it does
    /// not compile that way.
    fn new(pattern: &str, names: &[String], unicode: bool) -> Option<Form> {
        let hir = regex_syntax::ParserBuilder::new()
            .utf8(false)
            .unicode(unicode)
            .build()
            .parse(pattern)
            .ok()?;
        let shape = match hir.kind() {
            HirKind::Literal(lit) if names.is_empty() => {
                Shape::Literal(memmem::Finder::new(&lit.0).into_owned())
            }
            HirKind::Concat(children) => match children.first().map(Hir::kind) {
                Some(HirKind::Literal(lit)) if lit.0.len() >= MIN_PREFIX => {
                    let rest = Hir::concat(children[1..].to_vec());
                    Shape::Prefixed {
                        literal: memmem::Finder::new(&lit.0).into_owned(),
                        // Byte classes only: the quick matcher knows no UTF-8.
                        quick: if unicode { None } else { Sequence::new(&rest) },
                        rest: build(&rest)?,
                    }
                }
                _ => Shape::Whole(build(&hir)?),
            },
            _ => Shape::Whole(build(&hir)?),
        };
        let groups = match &shape {
            Shape::Literal(_) | Shape::Own(_) => Vec::new(),
            Shape::Prefixed { rest: re, .. } | Shape::Whole(re) => names
                .iter()
                .map(|name| re.group_info().to_index(PatternID::ZERO, name))
                .collect::<Option<Vec<usize>>>()?,
        };
        Some(Form { shape, groups })
    }

    /// Whether `line` matches; a leading literal is looked for from `from` on.
    fn matches(&self, line: &[u8], from: usize, state: &mut FormState) -> bool {
        let want_groups = !self.groups.is_empty();
        match &self.shape {
            Shape::Literal(finder) => finder.find(line).is_some(),
            Shape::Prefixed { literal, rest, quick } => {
                let needle = literal.needle().len();
                let mut from = from;
                loop {
                    // Usually the literal is right where the prefilter found it.
                    let at = if line[from..].starts_with(literal.needle()) {
                        from
                    } else {
                        match literal.find(&line[from..]) {
                            Some(i) => from + i,
                            None => break,
                        }
                    };
                    if let Some(seq) = quick {
                        state.slots.resize(seq.slot_count(), 0);
                        match seq.match_at(line, at + needle, &mut state.slots) {
                            Outcome::Match => {
                                state.quick = true;
                                return true;
                            }
                            Outcome::NoMatch => {
                                from = at + 1;
                                continue;
                            }
                            Outcome::GaveUp => {}
                        }
                    }
                    let input = Input::new(line)
                        .span(at + needle..line.len())
                        .anchored(Anchored::Yes);
                    if run(rest, &input, state, want_groups) {
                        state.quick = false;
                        return true;
                    }
                    from = at + 1;
                }
                false
            }
            Shape::Whole(re) => run(re, &Input::new(line), state, want_groups),
            Shape::Own(re) if want_groups => {
                let locations = state.locations.get_or_insert_with(|| re.capture_locations());
                re.captures_read(locations, line).is_some()
            }
            Shape::Own(re) => re.is_match(line),
        }
    }

    fn group(&self, k: usize, state: &FormState) -> Option<std::ops::Range<usize>> {
        if let Shape::Own(_) = self.shape {
            let (start, end) = state.locations.as_ref()?.get(self.groups[k])?;
            return Some(start..end);
        }
        let g = self.groups[k];
        if state.quick {
            // Both MAX: the group took no part in the match.
            let (start, end) = (state.slots[2 * g], state.slots[2 * g + 1]);
            return (start != usize::MAX).then_some(start..end);
        }
        let caps = state.captures.as_ref()?;
        caps.get_group(g).map(|s| s.range())
    }
}

/// The literal a pattern starts with, when it is long enough to split off.
fn leading_literal(pattern: &str) -> Option<Vec<u8>> {
    let hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()?;
    match hir.kind() {
        HirKind::Concat(children) => match children.first().map(Hir::kind) {
            Some(HirKind::Literal(lit)) if lit.0.len() >= MIN_PREFIX => Some(lit.0.to_vec()),
            _ => None,
        },
        _ => None,
    }
}

fn run(re: &Regex, input: &Input<'_>, state: &mut FormState, want_groups: bool) -> bool {
    let cache = state.cache.get_or_insert_with(|| re.create_cache());
    if want_groups {
        let caps = state.captures.get_or_insert_with(|| re.create_captures());
        re.search_captures_with(cache, input, caps);
        caps.is_match()
    } else {
        re.search_half_with(cache, &input.clone().earliest(true))
            .is_some()
    }
}

/// Compiles with the options `regex::bytes::Regex::new` uses.
fn build(hir: &Hir) -> Option<Regex> {
    meta::Builder::new()
        .configure(
            meta::Config::new()
                .nfa_size_limit(Some(10 * (1 << 20)))
                .hybrid_cache_capacity(2 * (1 << 20))
                .utf8_empty(false),
        )
        .syntax(syntax::Config::new().utf8(false))
        .build_from_hir(hir)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shape agrees with `regex::bytes::Regex` on matching and on group spans.
    #[test]
    fn agrees_with_the_regex_crate() {
        let cases: &[(&str, &[&str])] = &[
            ("No cluster leader", &["x No cluster leader", "No cluster", ""]),
            (
                r"\|MON\|Process (?P<process>\w+) exit status (?P<status>-?\d+)(?:, signal (?P<signal>\d+))?, pid=\d+",
                &[
                    "t|MON|Process agent exit status 2, signal 0, pid=12",
                    "t|MON|Process agent exit status -1, pid=12",
                    "t|MON|Process |MON|Process ctrl exit status 3, pid=1",
                    "t|MON|Process agent exit with code",
                ],
            ),
            (
                r"\|MON\|Process ctrl exit status -1\b",
                &[
                    "|MON|Process ctrl exit status -1",
                    "|MON|Process ctrl exit status -12",
                ],
            ),
            (r"aa(?P<n>\d)", &["aaa1", "aa", "xaaaa2aa3"]),
            (
                r"\|CTL\|(?P<caller>rest\.[\w.()*]+): (?:auditQueue\.Append|cacheAdmCtrlAudit) - .*error=Queue full",
                &[
                    "x|CTL|rest.cacheAdmCtrlAudit: auditQueue.Append - error=Queue full",
                    "|CTL|rest.x: y",
                ],
            ),
            (r"(?i)panic: (?P<what>.+)", &["PANIC: boom", "no"]),
            (r"é(?P<x>.)", &["aé\u{e9}", "é\u{ff}"]),
            (
                r"k(?P<x>\S+) (?P<y>\w+)\b",
                &["k\u{a0}x y", "kab cd", "k\u{212a}x y"],
            ),
            (r"(?i)k=(?P<v>[^\s]+)", &["K=1 x", "\u{212a}=2", "k=\u{a0}3"]),
        ];
        for (pattern, lines) in cases {
            let reference = regex::bytes::Regex::new(pattern).unwrap();
            let names: Vec<String> = reference.capture_names().flatten().map(str::to_owned).collect();
            let matcher = matcher_of(pattern);
            let mut state = matcher.state();
            for line in *lines {
                let expected = reference.captures(line.as_bytes());
                for ascii in [false, true] {
                    if ascii && !line.is_ascii() {
                        continue;
                    }
                    assert_eq!(
                        matcher.matches(line.as_bytes(), ascii, 0, &mut state),
                        expected.is_some(),
                        "{pattern} on {line} (ascii {ascii})"
                    );
                    if let Some(caps) = &expected {
                        for (k, name) in names.iter().enumerate() {
                            assert_eq!(
                                matcher.group(k, &state),
                                caps.name(name).map(|m| m.range()),
                                "{pattern} on {line}: group {name} (ascii {ascii})"
                            );
                        }
                    }
                }
            }
        }
    }

    fn matcher_of(pattern: &str) -> LineMatcher {
        let spec = crate::spec::SignatureSpec {
            id: "t".into(),
            description: String::new(),
            regex: pattern.into(),
            kinds: vec![],
            keywords: vec![],
            tags: vec![],
        };
        let sig = Signature::compile("t".into(), spec, "t.yaml", "").unwrap();
        let literals = crate::scan::required_literals(&sig.spec.regex);
        LineMatcher::for_signature(&sig, literals.as_deref(), false)
    }

    #[test]
    fn picks_the_cheapest_shape() {
        let shape = |p: &str| {
            let matcher = matcher_of(p);
            assert!(matcher.ascii().is_some(), "{p} has an ASCII form");
            match matcher.any().shape {
                Shape::Literal(_) => "literal",
                Shape::Prefixed { .. } => "prefixed",
                Shape::Whole(_) => "whole",
                Shape::Own(_) => "own",
            }
        };
        assert_eq!(shape("No cluster leader"), "literal");
        assert_eq!(
            shape(r"join=neuvector-svc-controller\.(?P<ns>[a-z0-9-]+)"),
            "prefixed"
        );
        assert_eq!(shape(r"^abc\d"), "whole");
        assert_eq!(shape(r"(?P<x>abc)"), "whole");
        assert_eq!(shape(r"ab\d"), "whole");
    }
}
