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
    let _ = writeln!(
        out,
        "casebook: {} — {} findings",
        doc.bundle.name,
        doc.findings.len()
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
        "  rules: {} evaluated, {} fired, {} failed; {} files, {} skipped",
        a.rules_evaluated,
        a.rules_fired,
        a.rules_failed,
        doc.bundle.files.len(),
        doc.bundle.skipped.len()
    );
    out
}
