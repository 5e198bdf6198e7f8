//! The short coloured summary printed to the terminal after an analysis (colour only on a
//! terminal, and never when `NO_COLOR` is set: anstream decides), and [`printable`], which
//! keeps bundle bytes from driving the terminal.

use std::borrow::Cow;
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
pub(crate) fn summary(doc: &CaseDocument) -> String {
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

/// `text` with every control character but newline and tab written out as a visible escape
/// (`\x1b`, `\r`, `\u{9b}`), and the Unicode direction overrides too (`\u{202e}`): an OSC or
/// CSI sequence, a carriage return or a bidi override in a file name or a log line can then
/// neither retitle, recolour or rewrite the terminal nor make text read differently from its
/// bytes. Applied to every string of the case document when it is built (so Markdown, HTML,
/// JSON and the terminal summary agree), to `digest` text output and to messages on standard
/// error that quote the bundle.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !unsafe_char(c) {
            out.push(c);
        } else if c == '\r' {
            out.push_str("\\r");
        } else if (c as u32) < 0x80 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn control_sequences_become_visible_escapes() {
        assert_eq!(printable("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(
            printable("a\x1b]0;owned\x07b\x1b[31mred\rX\u{9b}2J\u{202e}txt.exe"),
            "a\\x1b]0;owned\\x07b\\x1b[31mred\\rX\\u{9b}2J\\u{202e}txt.exe"
        );
    }
}
