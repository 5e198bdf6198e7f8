//! Cross-checks `kb check` runs after the load phase: the things no single file can tell.
//!
//! Every rule's runbook exists and lists the rule back; every runbook's rules exist; every rule
//! has at least one `match` and one `no_match` test and its fixture bundles exist; `after:`
//! names loaded rules and has no cycle; test expectations name finding fields; signatures with
//! no literal to prefilter on are warned about (their regex runs on every line).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{Expectation, KbOrigin, KnowledgeBase};
use crate::diagnostic::Diagnostic;
use crate::rules::Rule;

/// Top-level fields of a finding, as `finding:` expectations may name them.
pub const FINDING_FIELDS: [&str; 9] = [
    "rule",
    "title",
    "severity",
    "summary",
    "why",
    "evidence",
    "params",
    "runbook",
    "first_time",
];

/// Problems (and warnings) across files, sorted by position.
pub fn cross_check(kb: &KnowledgeBase) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let rules = kb.rules.rules();
    let text = |path: &str| -> &str { kb.sources.get(path).map_or("", String::as_str) };
    // Rules that failed to load still have an id the runbooks may name.
    let mut rule_ids: BTreeSet<String> = rules.iter().map(|r| r.spec.id.clone()).collect();
    for (path, source) in &kb.sources {
        if path.starts_with("rules/") && path.ends_with(".yaml") {
            if let Some(id) = source.lines().find_map(|l| l.strip_prefix("id:")) {
                rule_ids.insert(id.trim().trim_matches(['\'', '"']).to_owned());
            }
        }
    }

    for rule in rules {
        let src = text(&rule.path);
        match (&rule.spec.replaced_by, rule.spec.status) {
            (Some(by), _) if !rule_ids.contains(by) => out.push(
                Diagnostic::at_key(
                    &rule.path,
                    src,
                    "replaced_by",
                    by,
                    format!("no rule `{by}` to replace this one"),
                )
                .with_hint("`replaced_by:` names the id of the rule that takes over"),
            ),
            (Some(_), status) if status != super::RuleStatus::Deprecated => out.push(
                Diagnostic::at_text(
                    &rule.path,
                    src,
                    "replaced_by:",
                    "`replaced_by:` on a rule that is not deprecated",
                )
                .with_hint("set `status: deprecated`, or remove `replaced_by:`")
                .warning(),
            ),
            (None, super::RuleStatus::Deprecated) => out.push(
                Diagnostic::at_text(
                    &rule.path,
                    src,
                    "status:",
                    "a deprecated rule names no replacement",
                )
                .with_hint("add `replaced_by: <rule id>` (or say in the description why none)")
                .warning(),
            ),
            _ => {}
        }
        match &rule.spec.runbook {
            None => out.push(
                Diagnostic::at_text(
                    &rule.path,
                    src,
                    "id:",
                    format!("rule `{}` names no runbook", rule.spec.id),
                )
                .with_hint("add `runbook: <id>` so the finding comes with a plan")
                .warning(),
            ),
            Some(id) => match kb.runbooks.get(id) {
                None => out.push(
                    Diagnostic::at_key(
                        &rule.path,
                        src,
                        "runbook",
                        id,
                        format!("runbook `{id}` does not exist"),
                    )
                    .with_hint(format!(
                        "runbooks are runbooks/*.md with `id: {id}` in their front matter; known: {}",
                        kb.runbooks
                            .iter()
                            .map(|r| r.meta.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                ),
                Some(rb) if !rb.meta.rules.contains(&rule.spec.id) => {
                    let rb_src = text(&rb.path);
                    out.push(
                        Diagnostic::at_text(
                            &rb.path,
                            rb_src,
                            "rules:",
                            format!("runbook `{id}` does not link back to rule `{}`", rule.spec.id),
                        )
                        .with_hint(format!(
                            "add `{}` to `rules:` in the front matter ({} names this runbook)",
                            rule.spec.id, rule.path
                        )),
                    );
                }
                Some(_) => {}
            },
        }
        check_tests(kb, rule, src, &mut out);
        check_spelling(rule, src, text, &mut out);
        for dep in &rule.spec.after {
            if !rule_ids.contains(dep) {
                out.push(
                    Diagnostic::at_key(
                        &rule.path,
                        src,
                        "after",
                        dep,
                        format!("`after:` names unknown rule `{dep}`"),
                    )
                    .with_hint("`after:` lists ids of rules whose findings this rule reads"),
                );
            }
        }
    }
    out.extend(cycles(kb));

    // Placeholders are checked at load (they are KB problems analyze reports too).
    for rb in kb.runbooks.iter() {
        out.extend(rb.check_completeness(text(&rb.path)));
        for id in &rb.meta.rules {
            if !rule_ids.contains(id) {
                out.push(
                    Diagnostic::at_key(
                        &rb.path,
                        text(&rb.path),
                        "rules",
                        id,
                        format!("runbook lists unknown rule `{id}`"),
                    )
                    .with_hint("`rules:` lists the ids of the rules whose findings this runbook answers"),
                );
            }
        }
    }

    for sig in &kb.signatures {
        if !sig.spec.keywords.is_empty() || crate::scan::required_literals(&sig.spec.regex).is_some() {
            continue;
        }
        let src = text(&sig.path);
        out.push(
            Diagnostic::at_text(
                &sig.path,
                src,
                &sig.spec.regex,
                format!(
                    "signature `{}` has no literal to prefilter on: its regex runs on every line",
                    sig.id
                ),
            )
            .with_hint("add a literal of 3+ characters every match contains, or list it under `keywords:`")
            .warning(),
        );
    }
    out.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    out
}

/// Warnings about how a rule is written: the deprecated `level:` key, a declarative rule that
/// only `uses:` shared signatures (it has no own signature to count, so it never fires), and
/// scaffold text left in place.
fn check_spelling<'a>(
    rule: &Rule,
    src: &'a str,
    sources: impl Fn(&str) -> &'a str,
    out: &mut Vec<Diagnostic>,
) {
    if src.lines().any(|l| l.starts_with("level:")) {
        out.push(
            Diagnostic::at_text(
                &rule.path,
                src,
                "level:",
                "`level:` is the old name of `severity:`",
            )
            .with_hint("write `severity: <info|low|medium|high|critical>`, the name findings and tests use")
            .warning(),
        );
    }
    if rule.script.is_none() && rule.spec.signatures.is_empty() && !rule.spec.uses.is_empty() {
        out.push(
            Diagnostic::at_text(
                &rule.path,
                src,
                "uses:",
                format!("rule `{}` has no script and no signature of its own: it never fires", rule.spec.id),
            )
            .with_hint("a declarative rule fires on its own `signatures:` counts; read `uses:` signatures from a script")
            .warning(),
        );
    }
    let script = rule
        .script
        .as_ref()
        .map(|s| s.path.as_str())
        .filter(|p| *p != rule.path);
    for (path, text) in std::iter::once((rule.path.as_str(), src)).chain(script.map(|p| (p, sources(p)))) {
        let todo = text
            .lines()
            .enumerate()
            .find_map(|(i, l)| l.find("TODO").map(|c| (i + 1, c + 1)));
        if let Some((line, column)) = todo {
            out.push(
                Diagnostic::at(
                    path,
                    text,
                    line,
                    column,
                    "the rule still holds scaffold `TODO` text",
                )
                .with_hint("replace every TODO with what the rule really says")
                .warning(),
            );
        }
    }
}

fn check_tests(kb: &KnowledgeBase, rule: &Rule, src: &str, out: &mut Vec<Diagnostic>) {
    let tests = &rule.spec.tests;
    for (expect, word) in [(Expectation::Match, "match"), (Expectation::NoMatch, "no_match")] {
        if !tests.iter().any(|t| t.expect == expect) {
            let anchor = if tests.is_empty() { "id:" } else { "tests:" };
            out.push(
                Diagnostic::at_text(
                    &rule.path,
                    src,
                    anchor,
                    format!("rule `{}` has no `expect: {word}` test", rule.spec.id),
                )
                .with_hint(
                    "every rule has at least one test where it must fire and one where it must stay silent",
                ),
            );
        }
    }
    for test in tests {
        if test.files.is_empty() && test.bundle.is_none() {
            out.push(
                Diagnostic::at_key(
                    &rule.path,
                    src,
                    "name",
                    &test.name,
                    format!("test `{}` has no `files:` and no `bundle:`", test.name),
                )
                .with_hint("give the test a few small files, or a fixture bundle path"),
            );
        }
        if let (Some(bundle), KbOrigin::Dir(root)) = (&test.bundle, &kb.origin) {
            if !Path::new(root).join(bundle).exists() {
                out.push(
                    Diagnostic::at_key(
                        &rule.path,
                        src,
                        "bundle",
                        bundle,
                        format!("fixture bundle `{bundle}` does not exist"),
                    )
                    .with_hint("`bundle:` is relative to the knowledge-base root"),
                );
            }
        }
        for key in test.finding.keys() {
            let head = key.split('.').next().unwrap_or_default();
            if !FINDING_FIELDS.contains(&head) {
                out.push(
                    Diagnostic::at_key(
                        &rule.path,
                        src,
                        key,
                        "",
                        format!("`{key}` is not a finding field"),
                    )
                    .with_hint(format!(
                        "expectations start with one of: {}",
                        FINDING_FIELDS.join(", ")
                    )),
                );
            }
        }
    }
}

/// `after:` cycles among loaded rules, each reported once at its first rule.
fn cycles(kb: &KnowledgeBase) -> Vec<Diagnostic> {
    let rules: BTreeMap<&str, &Rule> = kb.rules.rules().iter().map(|r| (r.spec.id.as_str(), r)).collect();
    let mut reported: BTreeSet<Vec<&str>> = BTreeSet::new();
    let mut out = Vec::new();
    for start in rules.keys() {
        // Depth-first search for a path back to `start`.
        let mut stack: Vec<(&str, Vec<&str>)> = vec![(start, vec![start])];
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        while let Some((at, path)) = stack.pop() {
            let Some(rule) = rules.get(at) else { continue };
            for dep in &rule.spec.after {
                if dep == start {
                    let mut key = path.clone();
                    key.sort_unstable();
                    if reported.insert(key) {
                        let first = rules[start];
                        let mut names = path.clone();
                        names.push(start);
                        out.push(
                            Diagnostic::at_text(
                                &first.path,
                                kb.sources.get(&first.path).map_or("", String::as_str),
                                "after:",
                                format!("`after:` cycle: {}", names.join(" -> ")),
                            )
                            .with_hint("a rule cannot read the findings of a rule that reads its own"),
                        );
                    }
                } else if seen.insert(dep.as_str()) {
                    let mut next = path.clone();
                    next.push(dep.as_str());
                    stack.push((dep.as_str(), next));
                }
            }
        }
    }
    out
}
