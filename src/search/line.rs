//! Search by log line: which signatures match a pasted line, which rules use them, which past
//! cases saw them; and for lines no signature matches, the past cases' digest templates nearest
//! to the line's own template (its variables masked the way the digest masks them).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::digest::{digest_reader, DigestOptions};
use crate::kb::{CaseRecord, KnowledgeBase};

/// Least similarity for a past-case template to be named.
const MIN_SIMILARITY: f64 = 0.5;
/// Past-case templates named per unmatched template.
const NEAREST: usize = 5;

/// A signature that matched, with what uses it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SignatureMatch {
    /// Signature id.
    pub signature: String,
    /// What a match means.
    pub description: String,
    /// Lines it matched.
    pub lines: u64,
    /// Captured values of the first matching line.
    pub captures: BTreeMap<String, String>,
    /// Rules that read it.
    pub rules: Vec<String>,
    /// Past cases whose analysis counted hits of it.
    pub cases: Vec<String>,
}

/// A past case's template near a line's own.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct NearTemplate {
    /// The case.
    pub case: String,
    /// Its template.
    pub template: String,
    /// Token similarity, 0 to 1.
    pub similarity: f64,
    /// Its resolution.
    pub resolution: Option<String>,
}

/// Lines no signature matched, as one digest template.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Unmatched {
    /// The lines' template (header left out, variables as `<*>`).
    pub template: String,
    /// Lines it covers.
    pub lines: u64,
    /// Nearest past-case templates, best first.
    pub nearest: Vec<NearTemplate>,
}

/// What the lines matched.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LineReport {
    /// Lines read.
    pub lines: u64,
    /// Signatures that matched, by id.
    pub signatures: Vec<SignatureMatch>,
    /// Templates of the lines no signature matched.
    pub unmatched: Vec<Unmatched>,
}

/// Matches each of `lines` against the KB's signatures and past cases.
pub(crate) fn search_lines<'a>(kb: &KnowledgeBase, lines: impl IntoIterator<Item = &'a str>) -> LineReport {
    let mut by_sig: BTreeMap<String, SignatureMatch> = BTreeMap::new();
    let mut unmatched_text = String::new();
    let mut n = 0;
    for line in lines {
        n += 1;
        let mut any = false;
        for sig in &kb.signatures {
            let Some(caps) = sig.regex.captures(line.as_bytes()) else {
                continue;
            };
            any = true;
            let entry = by_sig.entry(sig.id.clone()).or_insert_with(|| SignatureMatch {
                signature: sig.id.clone(),
                description: sig.spec.description.trim().to_owned(),
                lines: 0,
                captures: sig
                    .captures
                    .iter()
                    .filter_map(|name| {
                        let m = caps.name(name)?;
                        Some((name.clone(), String::from_utf8_lossy(m.as_bytes()).into_owned()))
                    })
                    .collect(),
                rules: rules_using(kb, &sig.id),
                cases: cases_seeing(&kb.cases, &sig.id),
            });
            entry.lines += 1;
        }
        if !any && !line.trim().is_empty() {
            unmatched_text.push_str(line);
            unmatched_text.push('\n');
        }
    }
    let mut unmatched = Vec::new();
    if !unmatched_text.is_empty() {
        if let Ok(digest) = digest_reader(unmatched_text.as_bytes(), &DigestOptions::default()) {
            for t in digest.templates {
                unmatched.push(Unmatched {
                    nearest: nearest(&kb.cases, &t.template),
                    template: t.template,
                    lines: t.count,
                });
            }
        }
    }
    unmatched.sort_by(|a, b| b.lines.cmp(&a.lines).then_with(|| a.template.cmp(&b.template)));
    LineReport {
        lines: n,
        signatures: by_sig.into_values().collect(),
        unmatched,
    }
}

fn rules_using(kb: &KnowledgeBase, signature: &str) -> Vec<String> {
    let mut out: Vec<String> = kb
        .rules
        .rules()
        .iter()
        .filter(|r| r.signature_ids().iter().any(|id| id == signature))
        .map(|r| r.spec.id.clone())
        .collect();
    out.sort();
    out
}

fn cases_seeing(cases: &[CaseRecord], signature: &str) -> Vec<String> {
    cases
        .iter()
        .filter(|c| c.signatures.get(signature).is_some_and(|&n| n > 0))
        .map(|c| c.id.clone())
        .collect()
}

/// The past-case templates most like `template`, best first.
fn nearest(cases: &[CaseRecord], template: &str) -> Vec<NearTemplate> {
    let mut out: Vec<NearTemplate> = cases
        .iter()
        .flat_map(|c| {
            c.templates.iter().map(move |t| NearTemplate {
                case: c.id.clone(),
                template: t.template.clone(),
                similarity: similarity(template, &t.template),
                resolution: c.resolution.clone(),
            })
        })
        .filter(|n| n.similarity >= MIN_SIMILARITY)
        .collect();
    out.sort_by(|a, b| {
        b.similarity
            .total_cmp(&a.similarity)
            .then_with(|| a.case.cmp(&b.case))
            .then_with(|| a.template.cmp(&b.template))
    });
    out.truncate(NEAREST);
    out
}

/// Similarity of two templates: the share of tokens equal in place (a `<*>` matches any
/// token at half weight), or, when their lengths differ, the share of distinct constant tokens
/// in common; the better of the two.
pub(crate) fn similarity(a: &str, b: &str) -> f64 {
    let ta: Vec<&str> = a.split_whitespace().collect();
    let tb: Vec<&str> = b.split_whitespace().collect();
    if ta.is_empty() || tb.is_empty() {
        return 0.0;
    }
    let wild = |t: &str| t == "<*>";
    let in_place: f64 = ta
        .iter()
        .zip(&tb)
        .map(|(x, y)| {
            if x == y {
                1.0
            } else if wild(x) || wild(y) {
                0.5
            } else {
                0.0
            }
        })
        .sum::<f64>()
        / ta.len().max(tb.len()) as f64;
    let set = |t: &[&str]| -> std::collections::BTreeSet<String> {
        t.iter()
            .filter(|x| !x.contains("<*>"))
            .map(|x| x.to_string())
            .collect()
    };
    let (sa, sb) = (set(&ta), set(&tb));
    let union = sa.union(&sb).count();
    let jaccard = if union == 0 {
        0.0
    } else {
        sa.intersection(&sb).count() as f64 / union as f64
    };
    in_place.max(jaccard)
}

#[cfg(test)]
mod tests {
    use super::similarity;

    #[test]
    fn similar_templates_score_high() {
        let a = "rejecting RPC conn from because rpc_max_conns_per_client exceeded: conn=from=<*>";
        assert_eq!(similarity(a, a), 1.0);
        assert!(
            similarity(
                a,
                "rejecting RPC conn from because rpc_max_conns_per_client exceeded: conn=<*>"
            ) > 0.8
        );
        assert!(similarity(a, "Lead elected leader=<*>") < 0.2);
    }
}
