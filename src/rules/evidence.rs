//! Findings and their evidence: a declarative rule's finding, and a script's [`FindingDraft`]
//! turned into a [`Finding`] with per-file evidence (line numbers, times, captured values, quoted
//! lines) and quoted pod rows.

use std::collections::BTreeMap;

use super::compile::Rule;
use super::draft::FindingDraft;
use super::window::max_in_window;
use crate::findings::{Evidence, Finding};
use crate::scan::ScanReport;
use crate::time::Timestamp;

/// Values shown per capture in a finding's evidence.
const EVIDENCE_VALUES: usize = 3;
/// Lines quoted per evidence item.
const EVIDENCE_LINES: usize = 3;

/// A rule with no script fires when every signature reaches its `min_count` (within its
/// `within:` window when it has one). Every condition is recorded for `--explain`.
pub(super) fn declarative(rule: &Rule, scan: &ScanReport, conditions: &mut Vec<String>) -> Option<Finding> {
    let mut parts = Vec::new();
    let mut holds = true;
    for sig in &rule.spec.signatures {
        let total = scan.total(&rule.resolve(&sig.id));
        let (seen, scope) = match (sig.window_ms(), &sig.within) {
            (Some(ms), Some(text)) => (max_in_window(&total.histogram, ms), format!(" within {text}")),
            _ => (total.count, String::new()),
        };
        let ok = seen >= sig.min_count;
        conditions.push(format!(
            "signature `{}`: {}{seen} hit(s){scope}, needs {}: {}",
            sig.id,
            if scope.is_empty() { "" } else { "at most " },
            sig.min_count,
            if ok { "holds" } else { "FAILS" }
        ));
        holds &= ok;
        parts.push(format!("{} × `{}`{scope}", seen, sig.id));
    }
    if parts.is_empty() {
        conditions.push("the rule has neither signatures nor a script: it never fires".to_owned());
        return None;
    }
    if !holds {
        return None;
    }
    let names: Vec<String> = rule.spec.signatures.iter().map(|s| s.id.clone()).collect();
    let evidence = signature_evidence(rule, scan, &names);
    Some(Finding {
        rule: rule.spec.id.clone(),
        title: rule.spec.title.clone(),
        severity: rule.spec.severity,
        summary: format!("Seen {}.", parts.join(", ")),
        why: rule.spec.description.trim().to_owned(),
        first_time: evidence.iter().filter_map(|e| e.first_time).min(),
        last_time: evidence.iter().filter_map(|e| e.last_time).max(),
        evidence,
        params: BTreeMap::new(),
        runbook: rule.spec.runbook.clone(),
    })
}

pub(super) fn to_finding(rule: &Rule, scan: &ScanReport, d: FindingDraft) -> Finding {
    let mut evidence = signature_evidence(rule, scan, &d.signatures);
    evidence.extend(pod_evidence(d.pods));
    let first_time = d
        .first_ms
        .map(Timestamp)
        .or_else(|| evidence.iter().filter_map(|e| e.first_time).min());
    let last_time = d
        .last_ms
        .map(Timestamp)
        .or_else(|| evidence.iter().filter_map(|e| e.last_time).max());
    Finding {
        rule: rule.spec.id.clone(),
        title: d.title.unwrap_or_else(|| rule.spec.title.clone()),
        severity: d.severity.unwrap_or(rule.spec.severity),
        summary: d.summary,
        why: rule.spec.description.trim().to_owned(),
        first_time,
        last_time,
        evidence,
        params: d.params,
        runbook: rule.spec.runbook.clone(),
    }
}

/// Evidence for named signatures: one item per file where each hit.
fn signature_evidence(rule: &Rule, scan: &ScanReport, names: &[String]) -> Vec<Evidence> {
    let mut out = Vec::new();
    for name in names {
        let id = rule.resolve(name);
        for file in &scan.files {
            let Some(h) = file.hits.get(&id) else { continue };
            let mut lines = vec![h.first().map_or(0, |x| x.line)];
            if let Some(last) = h.last().filter(|l| l.line != lines[0]) {
                lines.push(last.line);
            }
            let mut excerpt: Vec<String> = h
                .head
                .iter()
                .take(EVIDENCE_LINES - 1)
                .map(|x| x.text.clone())
                .collect();
            if let Some(last) = h.last() {
                if h.count as usize > excerpt.len() {
                    excerpt.push(last.text.clone());
                }
            }
            out.push(Evidence {
                file: file.path.clone(),
                what: name.clone(),
                count: h.count,
                lines,
                first_time: h.first_time,
                last_time: h.last_time,
                captures: h
                    .captures
                    .iter()
                    .map(|(k, v)| (k.clone(), v.top(EVIDENCE_VALUES)))
                    .collect(),
                excerpt,
            });
        }
    }
    out
}

/// Evidence for pod rows (listing file, line, row), grouped by listing file.
fn pod_evidence(pods: Vec<(String, u64, String)>) -> Vec<Evidence> {
    let mut by_file: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
    for (file, line, raw) in pods {
        by_file.entry(file).or_default().push((line, raw));
    }
    by_file
        .into_iter()
        .map(|(file, mut rows)| {
            rows.sort();
            rows.dedup();
            Evidence {
                file,
                what: "pods".into(),
                count: rows.len() as u64,
                lines: rows.iter().map(|r| r.0).collect(),
                first_time: None,
                last_time: None,
                captures: BTreeMap::new(),
                excerpt: rows.into_iter().map(|r| r.1).collect(),
            }
        })
        .collect()
}
