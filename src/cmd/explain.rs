//! `analyze --explain RULE`: why a rule fired or did not. Its status and reason, whether it
//! applied to the product version, each signature's hits (and, when it has none, whether the
//! bundle had any file of the kinds it reads), the rules it reads, how each declarative
//! condition came out, what the script printed and returned, and the findings.

use std::fmt::Write;

use crate::kb::KnowledgeBase;
use crate::rules::{Evaluation, OutcomeStatus};
use crate::scan::ScanReport;

/// The explanation for `rule`, or an error naming the rules there are.
pub(super) fn explain(
    rule: &str,
    kb: &KnowledgeBase,
    scan: &ScanReport,
    evaluation: &Evaluation,
) -> Result<String, String> {
    let Some(outcome) = evaluation.outcomes.iter().find(|o| o.rule == rule) else {
        let known: Vec<&str> = kb.rules.rules().iter().map(|r| r.spec.id.as_str()).collect();
        let broken: Vec<String> = kb
            .problems
            .iter()
            .filter(|p| p.path.starts_with("rules/") && !p.warning)
            .map(|p| p.to_string())
            .collect();
        let mut message = format!("no rule `{rule}` was loaded (rules: {})", known.join(", "));
        if !broken.is_empty() {
            message.push_str(&format!(
                "; rules left out because of problems:\n{}",
                broken.join("\n")
            ));
        }
        return Err(message);
    };
    let spec = kb.rules.rules().iter().find(|r| r.spec.id == rule);
    let mut out = String::new();
    let status = match outcome.status {
        OutcomeStatus::Fired => "fired",
        OutcomeStatus::Silent => "silent",
        OutcomeStatus::Failed => "FAILED",
        OutcomeStatus::Skipped => "skipped",
    };
    let _ = writeln!(
        out,
        "explain {rule}{}: {status}, {} finding(s)",
        spec.map(|r| format!(" ({})", r.path)).unwrap_or_default(),
        outcome.findings
    );
    if let Some(reason) = &outcome.reason {
        let _ = writeln!(out, "  reason: {reason}");
    }
    if let Some(r) = spec {
        for (product, range) in &r.applies {
            let seen = evaluation.versions.get(product).map_or(
                "not seen in the bundle (unknown: the rule runs)".to_owned(),
                |v| format!("the bundle shows {}", v.join(", ")),
            );
            let _ = writeln!(out, "  applies to {product} {range}: {seen}");
        }
        for dep in &r.spec.after {
            let fired = evaluation.findings.iter().any(|f| &f.rule == dep);
            let _ = writeln!(
                out,
                "  reads rule {dep}: {}",
                if fired { "fired" } else { "did not fire" }
            );
        }
    }
    for (sig, n) in &outcome.signature_counts {
        let total = scan.total(sig);
        if *n > 0 {
            let files = scan.files.iter().filter(|f| f.hits.contains_key(sig)).count();
            let when = match (total.first_time, total.last_time) {
                (Some(a), Some(b)) => format!(", {a} to {b}"),
                _ => String::new(),
            };
            let _ = writeln!(out, "  signature {sig}: {n} hit(s) in {files} file(s){when}");
            continue;
        }
        let kinds = kb
            .signature(sig)
            .map(|s| s.spec.kinds.clone())
            .unwrap_or_default();
        let readable = scan
            .files
            .iter()
            .filter(|f| kinds.is_empty() || f.kind.as_ref().is_some_and(|k| kinds.contains(k)))
            .count();
        let scope = if kinds.is_empty() {
            "any log".to_owned()
        } else {
            kinds.join(", ")
        };
        let data = if readable == 0 {
            format!("the bundle has no {scope} file: the data is missing")
        } else {
            format!("{readable} {scope} file(s) were scanned, no line matched")
        };
        let _ = writeln!(out, "  signature {sig}: no hits; {data}");
    }
    let tables = scan.pod_tables.len();
    let _ = writeln!(
        out,
        "  data: {} log(s), {tables} pod listing(s){}",
        scan.files.len(),
        if tables == 0 {
            " (rules reading pods see none)"
        } else {
            ""
        }
    );
    for c in &outcome.conditions {
        let _ = writeln!(out, "  {c}");
    }
    for line in &outcome.trace {
        let _ = writeln!(out, "  printed: {line}");
    }
    for f in evaluation.findings.iter().filter(|f| f.rule == rule) {
        let _ = writeln!(out, "  finding: {}", f.summary);
        for (k, v) in &f.params {
            let _ = writeln!(out, "    params.{k}: {v}");
        }
    }
    Ok(out)
}
