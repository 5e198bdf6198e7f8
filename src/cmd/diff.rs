//! `casebook diff A B`: compares two analyses, each a bundle (analysed here) or the JSON of an
//! earlier `casebook analyze --format json`.

use std::path::Path;

use super::analyze::{analyze_bundle, Options};
use super::{exit, load_kb, Failure};
use crate::cli::DiffArgs;
use crate::compare::{CaseDiff, Side};
use crate::kb::KnowledgeBase;
use crate::render::Format;

/// Runs the comparison and writes it.
pub(super) fn run(args: &DiffArgs) -> Result<u8, Failure> {
    let output = args.output.as_deref().filter(|p| *p != Path::new("-"));
    let format = Format::resolve(args.format, output).map_err(Failure::input)?;
    if format == Format::Html {
        return Err(Failure::input("casebook diff writes md or json"));
    }
    // The KB is loaded only when a side is a bundle.
    let mut kb: Option<KnowledgeBase> = None;
    let mut side = |path: &Path| -> Result<Side, Failure> {
        let name = path.display().to_string();
        let doc = if is_analysis_json(path) {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::input(format!("{name}: cannot read: {e}")))?;
            serde_json::from_str(&text).map_err(|e| Failure::input(format!("{name}: not JSON: {e}")))?
        } else {
            if kb.is_none() {
                kb = Some(load_kb(&args.kb)?);
            }
            let kb = kb.as_ref().expect("loaded above");
            let analysis = analyze_bundle(
                kb,
                path,
                Options {
                    case: None,
                    title: None,
                    description: None,
                    redact: false,
                    no_digest: true,
                    quiet: args.quiet,
                    limits: crate::bundle::BundleLimits::default(),
                    rule_budget: std::time::Duration::from_secs(60),
                },
            )?;
            serde_json::to_value(&analysis.doc).expect("the document serialises")
        };
        Side::from_json(&name, &doc).map_err(Failure::input)
    };
    let a = side(&args.a)?;
    let b = side(&args.b)?;
    let diff = CaseDiff::new(a, b);
    let text = match format {
        Format::Json => {
            let mut t = serde_json::to_string_pretty(&diff).expect("the diff serialises");
            t.push('\n');
            t
        }
        _ => diff.markdown(),
    };
    match output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::input(format!("{}: cannot write: {e}", path.display())))?,
        None => {
            use std::io::Write;
            std::io::stdout()
                .lock()
                .write_all(text.as_bytes())
                .map_err(|e| Failure::input(format!("cannot write to standard output: {e}")))?;
        }
    }
    Ok(exit::OK)
}

/// A `.json` file is an earlier analysis; anything else is a bundle.
fn is_analysis_json(path: &Path) -> bool {
    path.is_file() && path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
}
