//! Literal prefilters: for each signature regex, a set of literals one of which every match must
//! contain. The scanner looks for all of them at once with Aho-Corasick and runs a signature's
//! own regex only on lines where one of its literals occurs.

use regex_syntax::hir::{Hir, HirKind};

/// Shortest literal worth prefiltering on; shorter ones match nearly every line.
const MIN_ATOM_LEN: usize = 3;

/// Returns literals of which every match of `pattern` contains at least one, or `None` when
/// no useful set exists (then the regex must run on every line).
pub fn required_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()?;
    let atoms = required(&hir)?;
    if atoms.iter().any(|a| a.len() < MIN_ATOM_LEN) {
        return None;
    }
    Some(atoms)
}

/// Best required-literal set for `hir`, chosen to maximise the shortest literal.
fn required(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Literal(lit) => Some(vec![lit.0.to_vec()]),
        HirKind::Capture(cap) => required(&cap.sub),
        HirKind::Repetition(rep) if rep.min >= 1 => required(&rep.sub),
        HirKind::Concat(children) => {
            let mut best: Option<Vec<Vec<u8>>> = None;
            let mut run: Vec<u8> = Vec::new();
            let consider = |cand: Option<Vec<Vec<u8>>>, best: &mut Option<Vec<Vec<u8>>>| {
                if let Some(c) = cand {
                    if best.as_ref().is_none_or(|b| score(&c) > score(b)) {
                        *best = Some(c);
                    }
                }
            };
            for child in children {
                if let HirKind::Literal(lit) = child.kind() {
                    run.extend_from_slice(&lit.0);
                    continue;
                }
                if !run.is_empty() {
                    consider(Some(vec![std::mem::take(&mut run)]), &mut best);
                }
                consider(required(child), &mut best);
            }
            if !run.is_empty() {
                consider(Some(vec![run]), &mut best);
            }
            best
        }
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for branch in branches {
                all.extend(required(branch)?);
            }
            all.sort();
            all.dedup();
            Some(all)
        }
        _ => None,
    }
}

fn score(set: &[Vec<u8>]) -> (usize, std::cmp::Reverse<usize>) {
    let shortest = set.iter().map(Vec::len).min().unwrap_or(0);
    (shortest, std::cmp::Reverse(set.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(p: &str) -> Option<Vec<String>> {
        required_literals(p).map(|v| v.into_iter().map(|b| String::from_utf8(b).unwrap()).collect())
    }

    #[test]
    fn longest_literal_run_of_a_concat() {
        assert_eq!(
            lits(r"cache\.AgentAdmissionRequest: Receive connect request - host=(?P<h>\S+)"),
            Some(vec![
                "cache.AgentAdmissionRequest: Receive connect request - host=".into()
            ])
        );
        assert_eq!(
            lits(r"\d+ rejecting RPC conn (?P<x>\w+) because rpc_max_conns_per_client exceeded"),
            Some(vec![" because rpc_max_conns_per_client exceeded".into()])
        );
    }

    #[test]
    fn alternation_needs_every_branch() {
        assert_eq!(
            lits(r"(?:Queue full|queue is full)"),
            Some(vec!["Queue full".into(), "queue is full".into()])
        );
        assert_eq!(lits(r"(?:Queue full|\d+)"), None);
    }

    #[test]
    fn no_literal_means_no_prefilter() {
        assert_eq!(lits(r"^\d+$"), None);
        assert_eq!(lits(r"(?i)panic"), None);
        assert_eq!(lits(r"ab"), None);
    }
}
