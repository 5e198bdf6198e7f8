//! The short coloured summary printed to the terminal after an analysis (colour only on a
//! terminal, and never when `NO_COLOR` is set: anstream decides).

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::CaseDocument;
use crate::findings::Severity;

fn style(severity: Severity) -> Style {
    let color = match severity {
        Severity::Critical => AnsiColor::BrightRed,
        Severity::High => AnsiColor::Red,
        Severity::Medium => AnsiColor::Yellow,
        Severity::Low => AnsiColor::Cyan,
        Severity::Info => AnsiColor::White,
    };
    Style::new().fg_color(Some(color.into())).bold()
}

/// One line per finding: anchor, severity, rule, title and the plan answering it; then the
/// counts.
pub fn summary(doc: &CaseDocument) -> String {
    let mut out = String::new();
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let case = match &doc.case.id {
        Some(id) => format!("{id} (bundle {})", doc.bundle.name),
        None => doc.bundle.name.clone(),
    };
    let _ = writeln!(
        out,
        "casebook: {case} — {}",
        plural(doc.findings.len(), "finding", "findings")
    );
    for f in &doc.findings {
        let s = style(f.severity);
        let _ = writeln!(
            out,
            "  {:<3} {s}{:<8}{s:#} {:<32} {}{}",
            f.id.to_uppercase(),
            f.severity.as_str().to_uppercase(),
            f.rule,
            f.title,
            f.plan
                .as_deref()
                .map(|p| format!(" -> {}", p.to_uppercase()))
                .unwrap_or_default()
        );
    }
    let a = &doc.appendix;
    let _ = writeln!(
        out,
        "  rules: {} evaluated, {} fired, {} failed; {}, {} skipped",
        a.rules_evaluated,
        a.rules_fired,
        a.rules_failed,
        plural(doc.bundle.files.len(), "file", "files"),
        doc.bundle.skipped.len()
    );
    // A failed rule may have hidden a finding: name it.
    for r in a
        .rules
        .iter()
        .filter(|r| r.status == crate::rules::OutcomeStatus::Failed)
    {
        let _ = writeln!(
            out,
            "  rule {} failed: {}",
            r.rule,
            r.reason.as_deref().unwrap_or("no reason given")
        );
    }
    out
}
