//! `casebook analyze`: bundle -> scan -> rules -> findings -> runbooks -> render.

use std::sync::Arc;

use super::progress::ScanProgress;
use super::{exit, load_kb, Failure};
use crate::bundle::Bundle;
use crate::cli::AnalyzeArgs;
use crate::digest::{digest_what_matters, DigestExcerpt, DigestOptions};
use crate::render::{self, CaseDocument, DocumentInputs};
use crate::rules::Facts;
use crate::scan::{scan_bundle_with, ScanOptions, SignatureSet};
use rayon::prelude::*;
use std::collections::BTreeMap;

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
    // The digest reads the logs beside the scan, on the other rayon workers.
    let (scan, digests) = rayon::join(
        || scan_bundle_with(&bundle, &set, &kb.components, &options),
        || digest_logs(&bundle),
    );
    progress.finish();
    let scan = Arc::new(scan);
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
        redact: args.redact,
        digests: &digests,
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
        let text = super::explain::explain(rule, &kb, &scan, &evaluation).map_err(Failure::input)?;
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

/// Digests the lines that matter of every log (files with a log kind); a file that cannot be
/// read is left out here (the scan reports it).
fn digest_logs(bundle: &Bundle) -> BTreeMap<String, DigestExcerpt> {
    let opts = DigestOptions::default();
    bundle
        .files
        .par_iter()
        .filter(|f| f.format == crate::kb::FileFormat::Log && f.kind.is_some())
        .filter_map(|f| {
            let reader = crate::bundle::open_stream(f).ok()?;
            let digest =
                digest_what_matters(std::io::BufReader::with_capacity(1 << 20, reader), &opts).ok()?;
            Some((f.path.clone(), digest))
        })
        .collect()
}
