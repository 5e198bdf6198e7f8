//! Grades one rule test against what the rule did on the test's bundle, as `sg test` does:
//! validated (did what the test says), noisy (fired where it must not), missing (silent where it
//! must fire), wrong (fired, but with other fields than expected) or error (the rule failed).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{OutcomeStatus, RuleOutcome};
use crate::findings::Finding;
use crate::spec::{Expectation, RuleTest};

/// How a test came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Grade {
    /// The rule did what the test expects.
    Validated,
    /// Fired where it must stay silent.
    Noisy,
    /// Stayed silent where it must fire.
    Missing,
    /// Fired, but no finding has the expected fields.
    Wrong,
    /// The rule (or the test's bundle) failed.
    Error,
}

impl Grade {
    /// Lower-case name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Grade::Validated => "validated",
            Grade::Noisy => "noisy",
            Grade::Missing => "missing",
            Grade::Wrong => "wrong",
            Grade::Error => "error",
        }
    }
}

/// A grade with the lines that explain it (expected vs actual fields, the rule's conditions).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Graded {
    /// The grade.
    pub grade: Grade,
    /// What to show under the test's name.
    pub details: Vec<String>,
}

/// Grades `test` given the rule's outcome and findings on the test bundle.
pub(crate) fn grade(test: &RuleTest, outcome: &RuleOutcome, findings: &[&Finding]) -> Graded {
    let why = || -> Vec<String> {
        let mut lines: Vec<String> = outcome
            .signature_counts
            .iter()
            .map(|(sig, n)| format!("signature {sig}: {n} hit(s)"))
            .collect();
        lines.extend(outcome.conditions.iter().cloned());
        lines.extend(outcome.trace.iter().map(|t| format!("printed: {t}")));
        lines
    };
    match outcome.status {
        OutcomeStatus::Failed => {
            return Graded {
                grade: Grade::Error,
                details: vec![format!(
                    "the rule failed: {}",
                    outcome.reason.as_deref().unwrap_or("unknown reason")
                )],
            }
        }
        OutcomeStatus::Skipped => {
            let reason = outcome.reason.as_deref().unwrap_or("skipped");
            return match test.expect {
                Expectation::NoMatch => Graded {
                    grade: Grade::Validated,
                    details: vec![format!("skipped: {reason}")],
                },
                Expectation::Match => Graded {
                    grade: Grade::Missing,
                    details: vec![format!("expected a finding; the rule was skipped: {reason}")],
                },
            };
        }
        OutcomeStatus::Fired | OutcomeStatus::Silent => {}
    }
    match (test.expect, findings.is_empty()) {
        (Expectation::NoMatch, true) => Graded {
            grade: Grade::Validated,
            details: Vec::new(),
        },
        (Expectation::NoMatch, false) => {
            let mut details = vec![format!("expected no finding; got {}:", findings.len())];
            details.extend(findings.iter().map(|f| format!("  {}", f.summary)));
            details.extend(why());
            Graded {
                grade: Grade::Noisy,
                details,
            }
        }
        (Expectation::Match, true) => {
            let mut details = vec!["expected a finding; the rule stayed silent".to_owned()];
            details.extend(why());
            Graded {
                grade: Grade::Missing,
                details,
            }
        }
        (Expectation::Match, false) => {
            let actual: Vec<serde_json::Value> = findings
                .iter()
                .map(|f| serde_json::to_value(f).unwrap_or_default())
                .collect();
            // The finding that meets the most expectations is the one compared in the report.
            let scored: Vec<(usize, Vec<String>)> = actual
                .iter()
                .map(|a| mismatches(&test.finding, a))
                .map(|m| (m.len(), m))
                .collect();
            let (_, best) = scored.into_iter().min_by_key(|(n, _)| *n).unwrap_or_default();
            if best.is_empty() {
                Graded {
                    grade: Grade::Validated,
                    details: Vec::new(),
                }
            } else {
                let mut details = vec![format!(
                    "the rule fired ({} finding(s)), but no finding has the expected fields; closest:",
                    findings.len()
                )];
                details.extend(best.into_iter().map(|m| format!("  {m}")));
                Graded {
                    grade: Grade::Wrong,
                    details,
                }
            }
        }
    }
}

/// The expectations `finding` does not meet, as `path: expected X, got Y` lines.
pub(crate) fn mismatches(
    expected: &BTreeMap<String, serde_json::Value>,
    finding: &serde_json::Value,
) -> Vec<String> {
    expected
        .iter()
        .filter_map(|(path, want)| {
            let got = lookup(finding, path);
            match got {
                Some(g) if same(want, g) => None,
                Some(g) => Some(format!("{path}: expected {want}, got {g}")),
                None => Some(format!("{path}: expected {want}, got nothing (no such field)")),
            }
        })
        .collect()
}

/// Follows a dotted path (`params.replicas`, `evidence.0.file`) into a JSON value.
pub(crate) fn lookup<'a>(value: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(value, |v, key| match v {
        serde_json::Value::Object(m) => m.get(key),
        serde_json::Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

/// Equal, with numbers compared by value (`2` and `2.0` are the same).
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dotted_paths_and_numbers() {
        let f = json!({"params": {"replicas": 3, "ns": "neuvector"}, "evidence": [{"file": "a.log"}]});
        assert_eq!(lookup(&f, "evidence.0.file"), Some(&json!("a.log")));
        let mut want = BTreeMap::new();
        want.insert("params.replicas".to_owned(), json!(3.0));
        want.insert("params.ns".to_owned(), json!("neuvector"));
        assert!(mismatches(&want, &f).is_empty());
        want.insert("params.replicas".to_owned(), json!(2));
        want.insert("params.missing".to_owned(), json!(true));
        assert_eq!(
            mismatches(&want, &f),
            vec![
                "params.missing: expected true, got nothing (no such field)",
                "params.replicas: expected 2, got 3"
            ]
        );
    }
}
