//! `casebook analyze`: bundle -> scan -> rules -> findings -> runbooks -> render.

use std::sync::Arc;

use super::progress::ScanProgress;
use super::{exit, load_kb, Failure};
use crate::bundle::Bundle;
use crate::cli::AnalyzeArgs;
use crate::render::{self, CaseDocument, DocumentInputs};
use crate::rules::Facts;
use crate::scan::{scan_bundle_with, ScanOptions, SignatureSet};

/// Runs the analysis and writes the document.
pub fn run(args: &AnalyzeArgs) -> Result<u8, Failure> {
    let kb = load_kb(&args.kb)?;
    let description = match &args.description {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| Failure::input(format!("{}: cannot read description: {e}", path.display())))?
                .trim()
                .to_owned(),
        ),
        None => None,
    };
    let bundle = Bundle::open(&args.bundle, &kb.kinds).map_err(|e| Failure::input(e.to_string()))?;
    let set = SignatureSet::new(kb.signatures.clone());
    let progress = ScanProgress::new(bundle.files.iter().map(|f| f.size).sum(), args.quiet);
    let options = ScanOptions {
        progress: &|bytes| progress.add(bytes),
        ..ScanOptions::default()
    };
    let scan = Arc::new(scan_bundle_with(&bundle, &set, &kb.components, &options));
    progress.finish();
    let facts = Arc::new(Facts::new(scan.clone(), &kb.components));
    let evaluation = kb.rules.evaluate(&facts);
    let (plans, plan_problems) = kb.runbooks.plans(&evaluation.findings);
    let doc = CaseDocument::build(DocumentInputs {
        case_id: args.case.clone(),
        title: args.title.clone(),
        description,
        kb: &kb,
        bundle: &bundle,
        scan: &scan,
        evaluation: &evaluation,
        plans,
        plan_problems,
    });
    let text = render::render(&doc, args.format, &kb.templates).map_err(|e| Failure {
        code: exit::KB,
        message: e.to_string(),
    })?;
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::input(format!("{}: cannot write: {e}", path.display())))?,
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .map_err(|e| Failure::input(format!("cannot write to standard output: {e}")))?;
        }
    }
    for rule in &args.explain {
        use std::io::Write;
        let text = explain(rule, &kb, &evaluation)?;
        let _ = anstream::stderr().write_all(text.as_bytes());
    }
    if !args.quiet {
        use std::io::Write;
        let _ = anstream::stderr().write_all(render::summary(&doc).as_bytes());
    }
    let failing = args
        .fail_on
        .is_some_and(|level| doc.findings.iter().any(|f| f.severity >= level));
    Ok(if failing { exit::FINDINGS } else { exit::OK })
}

/// Why `rule` fired or not: its signatures' hit counts, its status and reason, what it printed.
fn explain(
    rule: &str,
    kb: &crate::kb::KnowledgeBase,
    evaluation: &crate::rules::Evaluation,
) -> Result<String, Failure> {
    use std::fmt::Write;
    let Some(outcome) = evaluation.outcomes.iter().find(|o| o.rule == rule) else {
        let known: Vec<&str> = kb.rules.rules().iter().map(|r| r.spec.id.as_str()).collect();
        let broken: Vec<String> = kb
            .problems
            .iter()
            .filter(|p| p.path.starts_with("rules/"))
            .map(|p| p.to_string())
            .collect();
        let mut message = format!("no rule `{rule}` was loaded (rules: {})", known.join(", "));
        if !broken.is_empty() {
            message.push_str(&format!(
                "; rules left out because of problems:\n{}",
                broken.join("\n")
            ));
        }
        return Err(Failure::input(message));
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "explain {rule}: {:?}, {} finding(s)",
        outcome.status, outcome.findings
    );
    for (sig, n) in &outcome.signature_counts {
        let _ = writeln!(
            out,
            "  signature {sig}: {n} hits{}",
            if *n == 0 {
                " (none: a condition on it cannot hold)"
            } else {
                ""
            }
        );
    }
    if let Some(reason) = &outcome.reason {
        let _ = writeln!(out, "  reason: {reason}");
    }
    for line in &outcome.trace {
        let _ = writeln!(out, "  script: {line}");
    }
    Ok(out)
}
