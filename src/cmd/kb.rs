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

/// Prints every signature regex, one per line, as a pattern file for `rg -f` (Rust regex
/// syntax; ripgrep uses the same engine).
///
/// ripgrep joins the lines into one alternation, where two patterns naming a group alike
/// would clash, so groups are printed non-capturing (same lines match). A pattern written over
/// several lines (verbose mode) comes out on one. A pattern that needs a literal newline can
/// never match the one line casebook matches at a time, and ripgrep refuses it, so it is left
/// out with a note on standard error.
pub fn export_patterns(arg: &KbArg) -> Result<u8, Failure> {
    let kb = load_kb(arg)?;
    let mut out = String::new();
    for sig in &kb.signatures {
        match pattern_line(&sig.spec.regex) {
            Ok(line) => {
                out.push_str(&line);
                out.push('\n');
            }
            Err(why) => eprintln!("casebook: {} ({}): left out: {why}", sig.id, sig.path),
        }
    }
    use std::io::Write;
    std::io::stdout()
        .lock()
        .write_all(out.as_bytes())
        .map_err(|e| Failure::input(format!("cannot write to standard output: {e}")))?;
    Ok(exit::OK)
}

/// `pattern` as one line of a pattern file.
fn pattern_line(pattern: &str) -> Result<String, &'static str> {
    let hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|_| "does not parse")?;
    if needs_newline(&hir) {
        return Err("it matches a literal newline");
    }
    if pattern.is_empty() {
        return Err("an empty pattern matches every line");
    }
    let mut ast = regex_syntax::ast::parse::Parser::new()
        .parse(pattern)
        .map_err(|_| "does not parse")?;
    without_groups(&mut ast);
    // Printing drops the comments and layout of `(?x)`: one line.
    let mut line = String::new();
    regex_syntax::ast::print::Printer::new()
        .print(&ast, &mut line)
        .map_err(|_| "cannot be printed")?;
    Ok(line)
}

/// Makes every capturing group non-capturing.
fn without_groups(ast: &mut regex_syntax::ast::Ast) {
    use regex_syntax::ast::{Ast, Flags, GroupKind};
    match ast {
        Ast::Group(group) => {
            if !matches!(group.kind, GroupKind::NonCapturing(_)) {
                group.kind = GroupKind::NonCapturing(Flags {
                    span: group.span,
                    items: Vec::new(),
                });
            }
            without_groups(&mut group.ast);
        }
        Ast::Repetition(rep) => without_groups(&mut rep.ast),
        Ast::Alternation(alt) => alt.asts.iter_mut().for_each(without_groups),
        Ast::Concat(concat) => concat.asts.iter_mut().for_each(without_groups),
        _ => {}
    }
}

fn needs_newline(hir: &regex_syntax::hir::Hir) -> bool {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Literal(lit) => lit.0.contains(&b'\n'),
        HirKind::Capture(c) => needs_newline(&c.sub),
        HirKind::Repetition(r) => r.min > 0 && needs_newline(&r.sub),
        HirKind::Concat(children) => children.iter().any(needs_newline),
        HirKind::Alternation(branches) => branches.iter().all(needs_newline),
        HirKind::Empty | HirKind::Class(_) | HirKind::Look(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_lines_are_single_lines_rg_accepts() {
        assert_eq!(pattern_line(r"No cluster leader").unwrap(), "No cluster leader");
        assert_eq!(
            pattern_line(r"join=(?P<ns>[a-z]+)(x|y)(?i:z)").unwrap(),
            r"join=(?:[a-z]+)(?:x|y)(?i:z)",
            "groups do not capture, so names cannot clash"
        );
        let verbose = pattern_line("(?x)\n  abc  # a comment\n  \\d+\n").unwrap();
        assert!(!verbose.contains('\n'));
        let re = regex::Regex::new(&verbose).unwrap();
        assert!(re.is_match("xabc12") && !re.is_match("abc"));
        assert!(pattern_line(r"a\nb").is_err());
        assert!(pattern_line(r"a(?:\n|x)b").is_ok(), "matches without a newline");
        assert!(pattern_line("").is_err());
    }
}
