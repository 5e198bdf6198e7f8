//! `casebook analyze --show-layout`: how the bundle was understood. Which layouts were
//! recognised (with the marker), which files became which data (with the detector that
//! decided, and for tables what was read), which files are not used and why.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::bundle::Bundle;
use crate::scan::ScanReport;

/// The report, as text.
pub(super) fn show_layout(bundle: &Bundle, scan: &ScanReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "bundle: {}", bundle.name);
    let _ = writeln!(out, "layouts:");
    for m in &bundle.layouts {
        let root = if m.root.is_empty() {
            "the bundle root"
        } else {
            m.root.as_str()
        };
        let _ = writeln!(out, "  {} at {root} ({})", m.layout, m.marker);
    }
    let pods: BTreeMap<&str, _> = scan.pod_tables.iter().map(|t| (t.file.as_str(), t)).collect();
    let events: BTreeMap<&str, _> = scan.event_tables.iter().map(|t| (t.file.as_str(), t)).collect();
    let skipped: BTreeMap<&str, &str> = scan
        .skipped
        .iter()
        .chain(&bundle.skipped)
        .map(|s| (s.path.as_str(), s.reason.as_str()))
        .collect();
    let mut by_kind: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut unused = Vec::new();
    let mut unreadable = Vec::new();
    for f in &bundle.files {
        if let Some(reason) = &f.unused {
            unused.push(format!("  {}: {reason}", f.path));
            continue;
        }
        if let Some(reason) = skipped.get(f.path.as_str()) {
            unreadable.push(format!("  {}: {reason}", f.path));
            continue;
        }
        let mut what = String::new();
        if let Some(t) = pods.get(f.path.as_str()) {
            let _ = write!(what, " [{}: {} pods", t.form, t.pods.len());
            if !t.problems.is_empty() {
                let _ = write!(what, ", {} rows not read", t.problems.len());
            }
            what.push(']');
        }
        if let Some(t) = events
            .get(f.path.as_str())
            .filter(|t| !t.events.is_empty() || !pods.contains_key(f.path.as_str()))
        {
            let _ = write!(what, " [{}: {} events]", t.form, t.events.len());
        }
        if f.previous {
            what.push_str(" [previous container]");
        }
        let kind = f.kind.as_deref().unwrap_or("(no kind)");
        by_kind
            .entry(kind)
            .or_default()
            .push(format!("    {}{what}  <- {}", f.path, f.detector));
    }
    let _ = writeln!(out, "data:");
    for (kind, files) in &by_kind {
        let _ = writeln!(out, "  {kind}:");
        for line in files {
            let _ = writeln!(out, "{line}");
        }
    }
    if !unreadable.is_empty() {
        let _ = writeln!(out, "not readable as what they look like:");
        for line in &unreadable {
            let _ = writeln!(out, "{line}");
        }
    }
    if !unused.is_empty() {
        let _ = writeln!(out, "not used:");
        for line in &unused {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}
