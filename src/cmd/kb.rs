//! `casebook kb check` and `casebook kb export-patterns`.

use super::{exit, load_kb, Failure};
use crate::cli::KbArg;

/// Loads the knowledge base, runs the cross-checks and reports every problem, errors and
/// warnings alike; exit 3 when there is an error.
pub fn check(arg: &KbArg) -> Result<u8, Failure> {
    let kb = load_kb(arg)?;
    let mut problems = kb.problems.clone();
    problems.extend(crate::kb::cross_check(&kb));
    problems.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    for problem in &problems {
        eprintln!("{problem}\n");
    }
    let warnings = problems.iter().filter(|p| p.warning).count();
    let errors = problems.len() - warnings;
    println!(
        "{} [{}]: {} rules, {} signatures, {} runbooks, {} tests: {errors} errors, {warnings} warnings",
        kb.describe(),
        kb.origin.describe(),
        kb.rules.rules().len(),
        kb.signatures.len(),
        kb.runbooks.iter().count(),
        kb.rules.rules().iter().map(|r| r.spec.tests.len()).sum::<usize>(),
    );
    Ok(if errors == 0 { exit::OK } else { exit::KB })
}

/// Prints every signature regex, one per line.
pub fn export_patterns(arg: &KbArg) -> Result<u8, Failure> {
    let kb = load_kb(arg)?;
    for sig in &kb.signatures {
        println!("{}", sig.spec.regex);
    }
    Ok(exit::OK)
}
