//! `casebook kb check` and `casebook kb export-patterns`.

use super::{exit, load_kb, Failure};
use crate::cli::KbArg;

/// Loads the knowledge base and reports every problem; exit 3 when there is one.
pub fn check(arg: &KbArg) -> Result<u8, Failure> {
    let kb = load_kb(arg)?;
    for problem in &kb.problems {
        eprintln!("{problem}\n");
    }
    println!(
        "{}: {} rules, {} signatures, {} runbooks, {} problems",
        kb.describe(),
        kb.rules.rules().len(),
        kb.signatures.len(),
        kb.runbooks.iter().count(),
        kb.problems.len()
    );
    Ok(if kb.problems.is_empty() {
        exit::OK
    } else {
        exit::KB
    })
}

/// Prints every signature regex, one per line.
pub fn export_patterns(arg: &KbArg) -> Result<u8, Failure> {
    let kb = load_kb(arg)?;
    for sig in &kb.signatures {
        println!("{}", sig.spec.regex);
    }
    Ok(exit::OK)
}
