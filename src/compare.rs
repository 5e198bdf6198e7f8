//! Comparing two analyses of one system, say before and after the customer's fix: findings that
//! appeared, disappeared or changed severity, and the signatures whose hit counts changed most.
//!
//! In: two case documents in their JSON form (`casebook.case/1`, read from a file or serialised
//! from a fresh analysis). Out: a [`CaseDiff`], rendered as markdown or JSON.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;
use serde_json::Value;

/// Schema id of the JSON form.
pub(crate) const DIFF_SCHEMA: &str = "casebook.diff/1";
/// Signatures listed, at most.
const TOP_SIGNATURES: usize = 15;

/// One side of the comparison, as read from its case document.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Side {
    /// What was compared: the bundle's name or the JSON file.
    pub name: String,
    /// Case id, when the document has one.
    pub case: Option<String>,
    /// The time span of the logs: first and last time in any of them.
    pub first_time: Option<String>,
    /// Last time in any log.
    pub last_time: Option<String>,
    /// Findings, in the document's order.
    pub findings: Vec<FindingKey>,
    #[serde(skip)]
    signatures: BTreeMap<String, u64>,
}

/// A finding as the comparison sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct FindingKey {
    /// Rule id.
    pub rule: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: String,
}

/// A finding on both sides whose severity differs.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SeverityChange {
    /// Rule id.
    pub rule: String,
    /// Title on side B.
    pub title: String,
    /// Severity on side A.
    pub before: String,
    /// Severity on side B.
    pub after: String,
}

/// A signature's hits on both sides.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SignatureChange {
    /// Signature id.
    pub signature: String,
    /// Hits in all logs of side A.
    pub before: u64,
    /// Hits in all logs of side B.
    pub after: u64,
}

/// The comparison.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CaseDiff {
    /// `casebook.diff/1`.
    pub schema: &'static str,
    /// Side A (before).
    pub a: Side,
    /// Side B (after).
    pub b: Side,
    /// Findings only B has.
    pub appeared: Vec<FindingKey>,
    /// Findings only A has.
    pub disappeared: Vec<FindingKey>,
    /// Findings on both sides with another severity.
    pub severity_changed: Vec<SeverityChange>,
    /// Signatures whose hit counts changed, largest change first.
    pub signatures: Vec<SignatureChange>,
}

impl Side {
    /// Reads one side from a case document's JSON; `name` says where it came from.
    pub(crate) fn from_json(name: &str, doc: &Value) -> Result<Side, String> {
        let schema = doc["schema"].as_str().unwrap_or_default();
        if !schema.starts_with("casebook.case/") {
            return Err(format!(
                "{name}: not a casebook case document (schema {schema:?}; expected casebook.case/1)"
            ));
        }
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let findings = doc["findings"]
            .as_array()
            .ok_or_else(|| format!("{name}: no `findings` list"))?
            .iter()
            .map(|f| FindingKey {
                rule: text(&f["rule"]).unwrap_or_default(),
                title: text(&f["title"]).unwrap_or_default(),
                severity: text(&f["severity"]).unwrap_or_default(),
            })
            .collect();
        let mut signatures: BTreeMap<String, u64> = BTreeMap::new();
        let logs = doc["logs"].as_array().map(Vec::as_slice).unwrap_or_default();
        for log in logs {
            for e in log["excerpts"].as_array().map(Vec::as_slice).unwrap_or_default() {
                if let (Some(id), Some(n)) = (e["signature"].as_str(), e["count"].as_u64()) {
                    *signatures.entry(id.to_owned()).or_default() += n;
                }
            }
        }
        let times = |key: &'static str| {
            logs.iter()
                .filter_map(move |l| l[key]["time"].as_str().map(str::to_owned))
        };
        Ok(Side {
            name: text(&doc["bundle"]["name"]).unwrap_or_else(|| name.to_owned()),
            case: text(&doc["case"]["id"]),
            first_time: times("first").min(),
            last_time: times("last").max(),
            findings,
            signatures,
        })
    }
}

impl CaseDiff {
    /// Compares `a` (before) with `b` (after). Findings match by rule and title first, then by
    /// rule alone (a title that carries a count changes with it).
    pub(crate) fn new(a: Side, b: Side) -> CaseDiff {
        let mut only_b: Vec<&FindingKey> = b.findings.iter().collect();
        let mut only_a: Vec<&FindingKey> = Vec::new();
        let mut pairs: Vec<(&FindingKey, &FindingKey)> = Vec::new();
        let mut unmatched: Vec<&FindingKey> = Vec::new();
        for f in &a.findings {
            match only_b.iter().position(|g| g.rule == f.rule && g.title == f.title) {
                Some(i) => pairs.push((f, only_b.remove(i))),
                None => unmatched.push(f),
            }
        }
        for f in unmatched {
            match only_b.iter().position(|g| g.rule == f.rule) {
                Some(i) => pairs.push((f, only_b.remove(i))),
                None => only_a.push(f),
            }
        }
        let severity_changed = pairs
            .iter()
            .filter(|(x, y)| x.severity != y.severity)
            .map(|(x, y)| SeverityChange {
                rule: y.rule.clone(),
                title: y.title.clone(),
                before: x.severity.clone(),
                after: y.severity.clone(),
            })
            .collect();
        let mut signatures: Vec<SignatureChange> = a
            .signatures
            .keys()
            .chain(b.signatures.keys())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|id| SignatureChange {
                signature: id.clone(),
                before: a.signatures.get(id).copied().unwrap_or(0),
                after: b.signatures.get(id).copied().unwrap_or(0),
            })
            .filter(|c| c.before != c.after)
            .collect();
        signatures.sort_by(|x, y| {
            x.after
                .abs_diff(x.before)
                .cmp(&y.after.abs_diff(y.before))
                .reverse()
                .then_with(|| x.signature.cmp(&y.signature))
        });
        signatures.truncate(TOP_SIGNATURES);
        CaseDiff {
            schema: DIFF_SCHEMA,
            appeared: only_b.into_iter().cloned().collect(),
            disappeared: only_a.into_iter().cloned().collect(),
            severity_changed,
            signatures,
            a,
            b,
        }
    }

    /// The comparison as markdown.
    pub(crate) fn markdown(&self) -> String {
        let mut out = String::new();
        let side = |s: &Side| {
            let span = match (&s.first_time, &s.last_time) {
                (Some(f), Some(l)) => format!(", logs {f} to {l}"),
                _ => String::new(),
            };
            format!(
                "`{}`{}: {}{span}",
                s.name,
                s.case.as_deref().map(|c| format!(" ({c})")).unwrap_or_default(),
                plural(s.findings.len(), "finding", "findings")
            )
        };
        let _ = writeln!(out, "## Comparison of two analyses\n");
        let _ = writeln!(out, "- Before (A): {}", side(&self.a));
        let _ = writeln!(out, "- After (B): {}\n", side(&self.b));
        let unchanged =
            self.appeared.is_empty() && self.disappeared.is_empty() && self.severity_changed.is_empty();
        if unchanged {
            let _ = writeln!(out, "The same findings on both sides.\n");
        }
        let table = |out: &mut String, heading: &str, list: &[FindingKey]| {
            if list.is_empty() {
                return;
            }
            let _ = writeln!(out, "### {heading}\n\n| Severity | Rule | Title |\n|---|---|---|");
            for f in list {
                let _ = writeln!(out, "| {} | `{}` | {} |", f.severity, f.rule, cell(&f.title));
            }
            out.push('\n');
        };
        table(&mut out, "Findings that disappeared", &self.disappeared);
        table(&mut out, "Findings that appeared", &self.appeared);
        if !self.severity_changed.is_empty() {
            let _ = writeln!(
                out,
                "### Findings whose severity changed\n\n| Rule | Title | Before | After |\n|---|---|---|---|"
            );
            for c in &self.severity_changed {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {} |",
                    c.rule,
                    cell(&c.title),
                    c.before,
                    c.after
                );
            }
            out.push('\n');
        }
        if self.signatures.is_empty() {
            let _ = writeln!(out, "No signature's hit count changed.");
        } else {
            let _ = writeln!(
                out,
                "### Signatures whose hit counts changed most\n\n| Signature | Before | After | Change |\n|---|--:|--:|--:|"
            );
            for s in &self.signatures {
                let change = s.after as i128 - s.before as i128;
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {change:+} |",
                    s.signature, s.before, s.after
                );
            }
        }
        out
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Text safe in a markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(findings: &[(&str, &str, &str)], hits: &[(&str, u64)]) -> Value {
        serde_json::json!({
            "schema": "casebook.case/1",
            "bundle": {"name": "b"},
            "case": {"id": null},
            "findings": findings.iter().map(|(r, t, s)| serde_json::json!({"rule": r, "title": t, "severity": s})).collect::<Vec<_>>(),
            "logs": [{"first": null, "last": null, "excerpts": hits.iter().map(|(s, n)| serde_json::json!({"signature": s, "count": n})).collect::<Vec<_>>()}],
        })
    }

    #[test]
    fn findings_and_counts_are_compared() {
        let a = Side::from_json(
            "a",
            &doc(
                &[("r.one", "One 5", "high"), ("r.two", "Two", "critical")],
                &[("s.x", 100), ("s.y", 3)],
            ),
        )
        .unwrap();
        let b = Side::from_json(
            "b",
            &doc(
                &[("r.one", "One 7", "medium"), ("r.three", "Three", "low")],
                &[("s.y", 4)],
            ),
        )
        .unwrap();
        let d = CaseDiff::new(a, b);
        assert_eq!(
            d.disappeared.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
            ["r.two"]
        );
        assert_eq!(
            d.appeared.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
            ["r.three"]
        );
        assert_eq!(d.severity_changed.len(), 1);
        assert_eq!(
            (
                d.severity_changed[0].before.as_str(),
                d.severity_changed[0].after.as_str()
            ),
            ("high", "medium")
        );
        assert_eq!(d.signatures[0].signature, "s.x");
        assert_eq!((d.signatures[0].before, d.signatures[0].after), (100, 0));
        assert!(d.markdown().contains("| `s.x` | 100 | 0 | -100 |"));
    }

    #[test]
    fn not_a_case_document_is_an_error() {
        let err = Side::from_json("x.json", &serde_json::json!({"schema": "other"})).unwrap_err();
        assert!(err.starts_with("x.json: not a casebook case document"), "{err}");
    }
}
