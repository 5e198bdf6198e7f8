//! Findings: what the rules concluded, each with the evidence that supports it and the
//! parameters its runbook needs. Plain owned data, so every output format reads the same thing.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::time::Timestamp;

pub(crate) use crate::spec::Severity;

/// One conclusion of one rule.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Id of the rule that raised it.
    pub rule: String,
    /// One-line title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// What was seen, in one or two sentences with the numbers filled in.
    pub summary: String,
    /// Why it matters (the rule's description).
    pub why: String,
    /// What supports it.
    pub evidence: Vec<Evidence>,
    /// Values for the runbook, e.g. `replicas: 3`.
    pub params: BTreeMap<String, serde_json::Value>,
    /// Runbook id, when the rule names one.
    pub runbook: Option<String>,
    /// Start of the finding's time span: set by the rule (the episode that matters), else the
    /// earliest time of the evidence. For ordering and the timeline.
    pub first_time: Option<Timestamp>,
    /// End of the finding's time span: set by the rule, else the latest time of the evidence.
    pub last_time: Option<Timestamp>,
}

/// A piece of evidence: a signature's hits in one file, or rows of a table.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// File inside the bundle.
    pub file: String,
    /// What was matched: a signature id, or `pods` for pod-table rows.
    pub what: String,
    /// How many lines (or rows).
    pub count: u64,
    /// Line numbers of the first and last match (1-based), or of the rows quoted.
    pub lines: Vec<u64>,
    /// Time of the first match.
    pub first_time: Option<Timestamp>,
    /// Time of the last match.
    pub last_time: Option<Timestamp>,
    /// Captured values with how often each was seen, most frequent first (a few at most).
    pub captures: BTreeMap<String, Vec<ValueCount>>,
    /// A few lines quoted from the file.
    pub excerpt: Vec<String>,
}

/// A captured value and how many hits carried it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueCount {
    /// The value.
    pub value: String,
    /// Hits that carried it.
    pub count: u64,
}
