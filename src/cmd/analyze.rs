//! `casebook analyze`: bundle -> scan -> rules -> findings -> runbooks -> render.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::progress::ScanProgress;
use super::{exit, load_kb, Failure};
use crate::bundle::{Bundle, BundleLimits};
use crate::cli::{AnalyzeArgs, LimitArgs};
use crate::digest::{DigestExcerpt, DigestFeed, DigestOptions, FeedPool};
use crate::kb::KnowledgeBase;
use crate::render::{self, CaseDocument, DocumentInputs};
use crate::rules::Facts;
use crate::scan::{scan_bundle_feeding, ScanOptions, SignatureSet};

/// Runs the analysis and writes the document.
pub(super) fn run(args: &AnalyzeArgs) -> Result<u8, Failure> {
    // `-o -` is standard output.
    let output = args.output.as_deref().filter(|p| *p != std::path::Path::new("-"));
    let format = render::Format::resolve(args.format, output).map_err(Failure::input)?;
    let mut kb = load_kb(&args.kb)?;
    kb.templates.set_limits(crate::templating::TemplateLimits {
        max_output: args.max_template_output,
        max_loop: args.max_template_loop,
        max_iterations: args.max_template_iterations,
    });
    // A broken rule, runbook or template leaves the rest of the knowledge base working: the
    // document is written with every other rule's findings, the problems are named on stderr and
    // in the document's appendix, and the exit code says the KB is broken, so a `--fail-on` gate
    // never passes with rules missing.
    let kb_errors: Vec<&crate::diagnostic::Diagnostic> = kb.problems.iter().filter(|p| !p.warning).collect();
    if !kb_errors.is_empty() {
        use std::io::Write;
        let mut err = anstream::stderr();
        let _ = writeln!(
            err,
            "casebook: knowledge base {} has {} problem(s); what they name is left out of the analysis:",
            kb.origin.describe(),
            kb_errors.len()
        );
        for problem in &kb_errors {
            let _ = writeln!(err, "{problem}");
        }
    }
    let description = match &args.description {
        Some(path) => Some(read_description(path, args.limits.max_description_bytes)?),
        None => None,
    };
    let Analysis {
        bundle,
        scan,
        evaluation,
        doc,
    } = analyze_bundle(
        &kb,
        &args.bundle,
        Options {
            case: args.case.clone(),
            title: args.title.clone(),
            description,
            redact: args.redact,
            no_digest: args.no_digest,
            quiet: args.quiet,
            limits: bundle_limits(&args.limits),
            rule_budget: std::time::Duration::from_secs(args.limits.rule_budget),
        },
    )?;
    let text = render::render(&doc, format, &kb.templates).map_err(|e| Failure {
        code: exit::KB,
        message: e.to_string(),
    })?;
    match output {
        Some(path) => {
            // Never over the bundle, a file in it, the description or the knowledge base.
            let inputs: Vec<&Path> = [
                Some(args.bundle.as_path()),
                args.description.as_deref(),
                args.kb.kb.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect();
            crate::output::write_replacing(path, text.as_bytes(), &inputs)
                .map_err(|e| Failure::input(e.to_string()))?
        }
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .map_err(|e| Failure::input(format!("cannot write to standard output: {e}")))?;
        }
    }
    if args.show_layout {
        use std::io::Write;
        let text = super::layout::show_layout(&bundle, &scan);
        let _ = anstream::stderr().write_all(render::printable(&text).as_bytes());
    }
    for rule in &args.explain {
        use std::io::Write;
        let text = super::explain::explain(rule, &kb, &scan, &evaluation).map_err(Failure::input)?;
        let _ = anstream::stderr().write_all(render::printable(&text).as_bytes());
    }
    if !args.quiet {
        use std::io::Write;
        let _ = anstream::stderr().write_all(render::summary(&doc).as_bytes());
    }
    let failing = args
        .fail_on
        .is_some_and(|level| doc.findings.iter().any(|f| f.severity >= level));
    Ok(if !kb_errors.is_empty() {
        exit::KB
    } else if failing {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

/// What the document says beyond the bundle.
pub(super) struct Options {
    /// `--case`.
    pub case: Option<String>,
    /// `--title`.
    pub title: Option<String>,
    /// The description's text.
    pub description: Option<String>,
    /// `--redact`.
    pub redact: bool,
    /// `--no-digest`.
    pub no_digest: bool,
    /// No progress on standard error.
    pub quiet: bool,
    /// Extraction and file-count limits.
    pub limits: BundleLimits,
    /// Time all rules together may take.
    pub rule_budget: std::time::Duration,
}

/// One bundle through the pipeline, and what the document was built from.
pub(super) struct Analysis {
    pub bundle: Bundle,
    pub scan: Arc<crate::scan::ScanReport>,
    pub evaluation: crate::rules::Evaluation,
    pub doc: CaseDocument,
}

/// Opens, scans and evaluates the bundle at `path`, then builds its case document.
pub(super) fn analyze_bundle(kb: &KnowledgeBase, path: &Path, opts: Options) -> Result<Analysis, Failure> {
    let bundle =
        Bundle::open_with(path, &kb.kinds, &opts.limits).map_err(|e| Failure::input(e.to_string()))?;
    if bundle.files.is_empty() {
        return Err(Failure::input(nothing_readable_in(path, &bundle, &[])));
    }
    // The KB's level markers ride along in the scan's automaton, so the digest gets the
    // warnings and errors without a second read of the bundle.
    let markers: Vec<Vec<u8>> = if opts.no_digest {
        Vec::new()
    } else {
        kb.level_markers.iter().map(|m| m.as_bytes().to_vec()).collect()
    };
    let set = SignatureSet::with_markers(kb.signatures.clone(), &markers);
    let progress = ScanProgress::new(bundle.files.iter().map(|f| f.size).sum(), opts.quiet);
    let options = ScanOptions {
        progress: &|bytes| progress.add(bytes),
        line_window: opts.limits.line_bytes,
        ..ScanOptions::default()
    };
    let digest_options = DigestOptions::default();
    let pool = Arc::new(FeedPool::default());
    // Each log's digest is finished as soon as the log is scanned (see `LineSink::finish`).
    let (scan, digests) = scan_bundle_feeding(&bundle, &set, &kb.components, &options, &|file, first| {
        // Logs of a known kind only: the document digests those.
        (file.kind.is_some() && !opts.no_digest).then(|| DigestFeed::pooled(first, &digest_options, &pool))
    });
    progress.finish();
    // Files were listed but none could be read (all binary, say): as empty as an empty bundle.
    if scan.files.is_empty() && scan.pod_tables.is_empty() && scan.event_tables.is_empty() {
        return Err(Failure::input(nothing_readable_in(path, &bundle, &scan.skipped)));
    }
    let digests: BTreeMap<String, DigestExcerpt> = digests.into_iter().collect();
    let scan = Arc::new(scan);
    let facts = Arc::new(Facts::new(scan.clone(), &kb.components));
    let evaluation = kb.rules.evaluate_within(&facts, opts.rule_budget);
    // What the bundle tells for any plan: the product's namespace, when no finding named one.
    let defaults: BTreeMap<String, serde_json::Value> = facts
        .namespace
        .iter()
        .map(|ns| ("namespace".to_owned(), ns.as_str().into()))
        .collect();
    let (plans, plan_problems) = kb.runbooks.plans(&evaluation.findings, &defaults);
    let doc = CaseDocument::build(DocumentInputs {
        case_id: opts.case,
        title: opts.title,
        description: opts.description,
        kb,
        bundle: &bundle,
        scan: &scan,
        evaluation: &evaluation,
        plans,
        plan_problems,
        redact: opts.redact,
        digests: &digests,
    });
    Ok(Analysis {
        bundle,
        scan,
        evaluation,
        doc,
    })
}

/// The bundle limits the flags set.
pub(super) fn bundle_limits(args: &LimitArgs) -> BundleLimits {
    BundleLimits {
        extract_bytes: args.max_extract_bytes,
        ratio: args.max_ratio,
        members: args.max_members,
        nesting: args.max_nesting,
        files: args.max_files,
        line_bytes: args.max_line_bytes,
    }
}

/// Why a bundle with no file to read is an input error: what was skipped when opening it
/// and when scanning it (`scanned`), and why.
fn nothing_readable_in(
    path: &std::path::Path,
    bundle: &Bundle,
    scanned: &[crate::bundle::Skipped],
) -> String {
    let mut message = format!("{}: nothing in the bundle can be read", path.display());
    let all: Vec<&crate::bundle::Skipped> = bundle.skipped.iter().chain(scanned).collect();
    for s in all.iter().take(20) {
        message.push_str(&format!("\n  {}: {}", s.path, s.reason));
    }
    if all.len() > 20 {
        message.push_str(&format!("\n  ... and {} more", all.len() - 20));
    }
    message
}

/// The customer's description: a regular file (a FIFO or device is refused, never opened) of
/// at most `limit` bytes.
fn read_description(path: &std::path::Path, limit: u64) -> Result<String, Failure> {
    use std::io::Read;
    let fail = |why: String| Failure::input(format!("{}: cannot read description: {why}", path.display()));
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if !meta.is_file() {
        return Err(fail(format!(
            "{}, not a regular file",
            crate::bundle::file_type_name(meta.file_type())
        )));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(fail(format!(
            "larger than {limit} bytes (raise with --max-description-bytes)"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| fail(e.to_string()))?;
    Ok(text.trim().to_owned())
}
