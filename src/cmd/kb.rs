//! `casebook kb check`, `kb export-patterns`, `kb lock`, `kb changelog` and `kb list`.

use serde::Serialize;

use super::{exit, load_kb, Failure};
use crate::cli::{ChangelogArgs, KbArg, ListArgs, ListFormat};
use crate::kb::changelog::{self, ChangelogEntry, CHANGELOG};
use crate::kb::lock::{check_against_lock, KbLock, LockDiff, LOCK};
use crate::kb::{KbOrigin, KnowledgeBase, RuleStatus};
use crate::search::ItemKind;

/// Loads the knowledge base, runs the cross-checks and reports every problem, errors and
/// warnings alike; exit 3 when there is an error.
pub(super) fn check(arg: &KbArg) -> Result<u8, Failure> {
    let kb = load_kb(arg)?;
    let mut problems = kb.problems.clone();
    problems.extend(crate::kb::cross_check(&kb));
    problems.extend(check_against_lock(&kb));
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

/// Rewrites `kb/kb.lock.json` from the KB as it is, and adds what changed since the old lock
/// to `kb/changelog.json`. Refuses while a changed rule or the KB still needs a new version.
pub(super) fn lock(arg: &KbArg) -> Result<u8, Failure> {
    let kb = load_kb(arg)?;
    let KbOrigin::Dir(root) = &kb.origin else {
        return Err(Failure::input(
            "kb lock writes into a knowledge-base folder: give it with --kb DIR (or run it in one)",
        ));
    };
    let errors: Vec<String> = check_against_lock(&kb)
        .into_iter()
        .filter(|d| !d.warning)
        .map(|d| d.to_string())
        .collect();
    if !errors.is_empty() {
        return Err(Failure {
            code: exit::KB,
            message: format!("not locked:\n{}", errors.join("\n\n")),
        });
    }
    let before = KbLock::read(&kb).map_err(|d| Failure {
        code: exit::KB,
        message: d.to_string(),
    })?;
    let now = KbLock::of(&kb);
    let diff = match &before {
        Some(old) => LockDiff::between(old, &now),
        None => LockDiff {
            added: now.rules.keys().cloned().collect(),
            ..LockDiff::default()
        },
    };
    let write = |rel: &str, text: String| {
        let path = root.join(rel);
        std::fs::write(&path, text)
            .map_err(|e| Failure::input(format!("{}: cannot write: {e}", path.display())))
    };
    if !diff.is_empty() {
        let mut entries = changelog::read(&kb).map_err(|d| Failure {
            code: exit::KB,
            message: d.to_string(),
        })?;
        entries.push(ChangelogEntry {
            version: now.version.clone(),
            date: crate::kb::changelog::today(),
            rules: diff.clone(),
        });
        write(CHANGELOG, changelog::to_text(&entries))?;
    }
    write(LOCK, now.to_text())?;
    println!(
        "{} {}: locked {} rules{}",
        now.name,
        now.version,
        now.rules.len(),
        if diff.is_empty() {
            String::new()
        } else {
            format!(" ({})", diff.describe())
        }
    );
    Ok(exit::OK)
}

/// Prints the changelog, newest version first.
pub(super) fn changelog(args: &ChangelogArgs, arg: &KbArg) -> Result<u8, Failure> {
    let kb = load_kb(arg)?;
    let entries = changelog::read(&kb).map_err(|d| Failure {
        code: exit::KB,
        message: d.to_string(),
    })?;
    print!(
        "{}",
        changelog::render(&changelog::since(&entries, args.since.as_deref()))
    );
    Ok(exit::OK)
}

/// One line of `kb list`.
#[derive(Debug, Serialize)]
pub(crate) struct ListItem {
    kind: ItemKind,
    id: String,
    title: String,
    /// Severity for rules; empty otherwise.
    level: String,
    status: String,
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replaced_by: Option<String>,
}

/// Every rule, signature and runbook, in that order, each sorted by id.
pub(crate) fn list_items(kb: &KnowledgeBase) -> Vec<ListItem> {
    let mut out = Vec::new();
    let mut rules: Vec<_> = kb.rules.rules().iter().collect();
    rules.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
    for r in rules {
        out.push(ListItem {
            kind: ItemKind::Rule,
            id: r.spec.id.clone(),
            title: r.spec.title.clone(),
            level: r.spec.severity.to_string(),
            status: status_name(r.spec.status).to_owned(),
            tags: r.spec.tags.clone(),
            replaced_by: r.spec.replaced_by.clone(),
        });
    }
    let mut sigs: Vec<_> = kb.signatures.iter().collect();
    sigs.sort_by(|a, b| a.id.cmp(&b.id));
    for s in sigs {
        out.push(ListItem {
            kind: ItemKind::Signature,
            id: s.id.clone(),
            title: s.spec.description.trim().to_owned(),
            level: String::new(),
            status: String::new(),
            tags: s.spec.tags.clone(),
            replaced_by: None,
        });
    }
    for rb in kb.runbooks.iter() {
        out.push(ListItem {
            kind: ItemKind::Runbook,
            id: rb.meta.id.clone(),
            title: rb.meta.title.clone(),
            level: String::new(),
            status: rb.meta.status.map(status_name).unwrap_or_default().to_owned(),
            tags: Vec::new(),
            replaced_by: None,
        });
    }
    out
}

fn status_name(s: RuleStatus) -> &'static str {
    match s {
        RuleStatus::Experimental => "experimental",
        RuleStatus::Test => "test",
        RuleStatus::Stable => "stable",
        RuleStatus::Deprecated => "deprecated",
    }
}

/// `kb list`: one line per item (`kind id level status title`), or JSON.
pub(super) fn list(args: &ListArgs) -> Result<u8, Failure> {
    let kb = load_kb(&args.kb)?;
    let items: Vec<ListItem> = list_items(&kb)
        .into_iter()
        .filter(|i| args.kind.is_none_or(|k| k == i.kind))
        .filter(|i| args.tag.as_ref().is_none_or(|t| i.tags.contains(t)))
        .collect();
    let text = match args.format {
        ListFormat::Json => {
            let mut s = serde_json::to_string_pretty(&items).expect("items serialise");
            s.push('\n');
            s
        }
        ListFormat::Text => {
            let width = items.iter().map(|i| i.id.len()).max().unwrap_or(0);
            let mut s = String::new();
            for i in &items {
                let kind = format!("{:?}", i.kind).to_lowercase();
                let mut title = i.title.replace('\n', " ");
                if let Some(by) = &i.replaced_by {
                    title.push_str(&format!(" (replaced by {by})"));
                }
                s.push_str(
                    format!(
                        "{kind:<9} {:<width$} {:<8} {:<12} {title}",
                        i.id, i.level, i.status
                    )
                    .trim_end(),
                );
                s.push('\n');
            }
            s
        }
    };
    use std::io::Write;
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| Failure::input(format!("cannot write to standard output: {e}")))?;
    Ok(exit::OK)
}

/// Prints every signature regex, one per line, as a pattern file for `rg -f` (Rust regex
/// syntax; ripgrep uses the same engine).
///
/// ripgrep joins the lines into one alternation, where two patterns naming a group alike
/// would clash, so groups are printed non-capturing (same lines match). A pattern written over
/// several lines (verbose mode) comes out on one. A pattern that needs a literal newline can
/// never match the one line casebook matches at a time, and ripgrep refuses it, so it is left
/// out with a note on standard error.
pub(super) fn export_patterns(arg: &KbArg) -> Result<u8, Failure> {
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
