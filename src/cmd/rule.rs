//! `casebook rule test` and `casebook rule new`.
//!
//! A test runs the real pipeline on its bundle (its `files:` written to a temporary directory,
//! or a fixture `bundle:`): open with the knowledge base's kinds, scan with every signature,
//! evaluate every rule (so `after:` chains work), then grade only the rule under test.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anstyle::{AnsiColor, Style};

use super::{exit, load_kb, Failure};
use crate::bundle::Bundle;
use crate::cli::{KbArg, RuleNewArgs, RuleTestArgs};
use crate::kb::{KbOrigin, KnowledgeBase, RuleTest};
use crate::rules::grade::{grade, Grade, Graded};
use crate::rules::{Evaluation, Facts, Rule};
use crate::scan::{scan_bundle, SignatureSet};

/// Runs the tests of every rule matching the filter; exit 1 when one is not validated or a
/// matching rule could not be loaded.
pub(super) fn test(args: &RuleTestArgs, kb_arg: &KbArg) -> Result<u8, Failure> {
    let kb = load_kb(kb_arg)?;
    let set = SignatureSet::new(kb.signatures.clone());
    let wanted = |id: &str, path: &str| {
        args.filter
            .as_deref()
            .is_none_or(|f| id.contains(f) || path.contains(f))
    };
    let mut out = anstream::stdout();
    let mut counts = [0usize; 5];
    let mut broken = 0;
    for problem in kb.problems.iter().filter(|p| !p.warning) {
        if problem.path.starts_with("rules/") && wanted("", &problem.path) {
            let _ = writeln!(out, "{}\n", problem);
            broken += 1;
        }
    }
    let mut rules = 0;
    for rule in kb.rules.rules().iter().filter(|r| wanted(&r.spec.id, &r.path)) {
        rules += 1;
        let _ = writeln!(out, "{} ({})", rule.spec.id, rule.path);
        if rule.spec.tests.is_empty() {
            let _ = writeln!(out, "  (no tests)");
        }
        for t in &rule.spec.tests {
            let graded = run_test(&kb, &set, rule, t, Duration::from_secs(args.rule_budget));
            counts[graded.grade as usize] += 1;
            let style = match graded.grade {
                Grade::Validated => Style::new().fg_color(Some(AnsiColor::Green.into())),
                _ => Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
            };
            let _ = writeln!(
                out,
                "  {style}{:<9}{style:#}  {} (expect: {})",
                graded.grade.as_str(),
                t.name,
                match t.expect {
                    crate::kb::Expectation::Match => "match",
                    crate::kb::Expectation::NoMatch => "no_match",
                }
            );
            for line in &graded.details {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    let total: usize = counts.iter().sum();
    let failed = total - counts[Grade::Validated as usize] + broken;
    let _ = writeln!(
        out,
        "\n{} rule(s), {total} test(s): {} validated, {} noisy, {} missing, {} wrong, {} error(s){}",
        rules,
        counts[Grade::Validated as usize],
        counts[Grade::Noisy as usize],
        counts[Grade::Missing as usize],
        counts[Grade::Wrong as usize],
        counts[Grade::Error as usize],
        if broken > 0 {
            format!("; {broken} rule file(s) could not be loaded")
        } else {
            String::new()
        }
    );
    if rules == 0 && broken == 0 {
        return Err(Failure::input(match &args.filter {
            Some(f) => format!("no rule matches `{f}`"),
            None => "the knowledge base has no rules".to_owned(),
        }));
    }
    Ok(if failed == 0 { exit::OK } else { exit::FINDINGS })
}

/// Runs one test through the whole pipeline and grades the rule under test.
pub(super) fn run_test(
    kb: &KnowledgeBase,
    set: &SignatureSet,
    rule: &Rule,
    test: &RuleTest,
    budget: Duration,
) -> Graded {
    let error = |message: String| Graded {
        grade: Grade::Error,
        details: vec![message],
    };
    let dir = match test_bundle(kb, test) {
        Ok(d) => d,
        Err(message) => return error(message),
    };
    let evaluation = match evaluate(kb, set, dir.path(), budget) {
        Ok(e) => e,
        Err(message) => return error(message),
    };
    let Some(outcome) = evaluation.outcomes.iter().find(|o| o.rule == rule.spec.id) else {
        return error("the rule was not evaluated".to_owned());
    };
    let findings: Vec<_> = evaluation
        .findings
        .iter()
        .filter(|f| f.rule == rule.spec.id)
        .collect();
    grade(test, outcome, &findings)
}

/// bundle -> scan -> rules, as `analyze` runs them.
fn evaluate(
    kb: &KnowledgeBase,
    set: &SignatureSet,
    path: &Path,
    budget: Duration,
) -> Result<Evaluation, String> {
    let bundle = Bundle::open(path, &kb.kinds).map_err(|e| e.to_string())?;
    let scan = Arc::new(scan_bundle(&bundle, set, &kb.components));
    let facts = Arc::new(Facts::new(scan, &kb.components));
    Ok(kb.rules.evaluate_within(&facts, budget))
}

/// Where a test's bundle is: the fixture itself, or a temporary directory with its files
/// (written over a copy of the fixture when it has both).
enum TestBundle {
    Fixture(PathBuf),
    /// Registered for removal on SIGINT and SIGTERM, as `analyze`'s extraction directory.
    Temp(crate::bundle::ExtractDir),
}

impl TestBundle {
    fn path(&self) -> &Path {
        match self {
            TestBundle::Fixture(p) => p,
            TestBundle::Temp(t) => t.path(),
        }
    }
}

fn test_bundle(kb: &KnowledgeBase, test: &RuleTest) -> Result<TestBundle, String> {
    let tmp = || {
        crate::bundle::ExtractDir::with_prefix("casebook-test-")
            .map_err(|e| format!("cannot create a temporary bundle: {e}"))
    };
    let fixture = match &test.bundle {
        // The embedded knowledge base carries its fixture bundles: written out for the test.
        Some(rel) if kb.origin == KbOrigin::Embedded => {
            let dir = tmp()?;
            match crate::kb::extract_embedded_fixture(rel, dir.path()) {
                Ok(true) => {}
                Ok(false) => {
                    return Err(format!(
                        "fixture bundle {rel} is not in the embedded knowledge base"
                    ))
                }
                Err(e) => return Err(format!("cannot write the embedded fixture bundle {rel}: {e}")),
            }
            if test.files.is_empty() {
                return Ok(TestBundle::Temp(dir));
            }
            return write_test_files(dir, test);
        }
        Some(rel) => {
            let root = match &kb.origin {
                KbOrigin::Dir(d) => d.clone(),
                KbOrigin::Embedded => PathBuf::from("."),
            };
            let path = root.join(rel);
            if !path.exists() {
                return Err(format!(
                    "fixture bundle {} does not exist (paths are relative to the knowledge-base root)",
                    path.display()
                ));
            }
            // Links and `..` must not lead a test out of the knowledge base.
            let inside = std::fs::canonicalize(&path)
                .ok()
                .zip(std::fs::canonicalize(&root).ok())
                .is_some_and(|(p, r)| p.starts_with(r));
            if !inside {
                return Err(format!(
                    "fixture bundle {} resolves outside the knowledge base {}; links and `..` are not followed",
                    path.display(),
                    root.display()
                ));
            }
            Some(path)
        }
        None => None,
    };
    if test.files.is_empty() {
        return fixture
            .map(TestBundle::Fixture)
            .ok_or_else(|| "the test has no `files:` and no `bundle:`".to_owned());
    }
    let tmp = tmp()?;
    let io = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    if let Some(src) = &fixture {
        if src.is_dir() {
            for entry in walkdir::WalkDir::new(src).into_iter().filter_map(Result::ok) {
                let rel = entry.path().strip_prefix(src).unwrap_or(entry.path());
                let target = tmp.path().join(rel);
                let ft = entry.file_type();
                if ft.is_dir() {
                    std::fs::create_dir_all(&target).map_err(|e| io(&target, e))?;
                } else if ft.is_file() {
                    std::fs::copy(entry.path(), &target).map_err(|e| io(&target, e))?;
                }
                // Links (and devices, FIFOs) are left out, as `analyze` leaves them out of a
                // bundle folder: copying would follow them out of the fixture.
            }
        } else {
            return Err("`files:` beside a `bundle:` needs the bundle to be a directory".to_owned());
        }
    }
    write_test_files(tmp, test)
}

/// Writes a test's `files:` into its bundle directory.
fn write_test_files(tmp: crate::bundle::ExtractDir, test: &RuleTest) -> Result<TestBundle, String> {
    let io = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    for (name, content) in &test.files {
        let rel = Path::new(name);
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            return Err(format!(
                "test file `{name}` must be a relative path inside the bundle"
            ));
        }
        let target = tmp.path().join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&target, content).map_err(|e| io(&target, e))?;
    }
    Ok(TestBundle::Temp(tmp))
}

/// Writes a new rule, its runbook and two tests, refusing to overwrite anything.
pub(super) fn new(args: &RuleNewArgs, kb_arg: &KbArg) -> Result<u8, Failure> {
    let root = kb_arg.kb.clone().ok_or_else(|| {
        Failure::input("rule new writes into a knowledge-base folder: run it in one, or give --kb DIR")
    })?;
    let kb = load_kb(kb_arg)?;
    let (area, name) = args
        .name
        .split_once('/')
        .filter(|(a, n)| is_slug(a) && is_slug(n))
        .ok_or_else(|| {
            Failure::input(format!(
                "`{}`: write <area>/<name> in lower case with dashes, e.g. neuvector/scanner-db-stale",
                args.name
            ))
        })?;
    let id = match &args.id {
        Some(id) => id.clone(),
        None => default_id(&kb, area, name),
    };
    if kb.rules.rules().iter().any(|r| r.spec.id == id) {
        return Err(Failure::input(format!("a rule with id `{id}` exists already")));
    }
    let rule_path = root.join("rules").join(area).join(format!("{name}.yaml"));
    let script_path = root.join("rules").join(area).join(format!("{name}.rhai"));
    let runbook_path = root.join("runbooks").join(format!("{name}.md"));
    let mut files = vec![
        (rule_path, scaffold_rule(&id, name, args.script)),
        (runbook_path, scaffold_runbook(&id, name, args.script)),
    ];
    if args.script {
        files.push((script_path, SCAFFOLD_SCRIPT.to_owned()));
    }
    for (path, _) in &files {
        // `symlink_metadata`: a dangling link counts as there (writing would follow it).
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(Failure::input(format!("{} exists already", path.display())));
        }
    }
    for (path, text) in &files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Failure::input(format!("{}: {e}", parent.display())))?;
        }
        crate::output::write_new(path, text.as_bytes()).map_err(|e| Failure::input(e.to_string()))?;
        println!("wrote {}", path.display());
    }
    println!(
        "next: paste a real log line into the match test, write the regex for it, then run\n  \
         casebook rule test {id} --kb {}\n  casebook kb check --kb {}",
        root.display(),
        root.display()
    );
    Ok(exit::OK)
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `<prefix>.<first word>.<rest>`, the prefix taken from the area's other rules (`nv` for
/// `rules/neuvector/`), or the area's name.
fn default_id(kb: &KnowledgeBase, area: &str, name: &str) -> String {
    let dir = format!("rules/{area}/");
    let prefix = kb
        .rules
        .rules()
        .iter()
        .find(|r| r.path.starts_with(&dir))
        .and_then(|r| r.spec.id.split('.').next())
        .unwrap_or(area)
        .to_owned();
    let dotted = name.replacen('-', ".", 1);
    format!("{prefix}.{dotted}")
}

fn scaffold_rule(id: &str, name: &str, script: bool) -> String {
    let finding = if script {
        "    finding:\n      params.peer: 10.0.0.7\n"
    } else {
        "    finding:\n      severity: medium\n"
    };
    format!(
        r#"# Scaffolded by `casebook rule new`. Replace every TODO, then `casebook rule test {id}`.
id: {id}
title: TODO one line, as the finding's title
status: experimental
severity: medium
description: >
  TODO why this matters: what the lines mean, what breaks while they go on, and what usually
  causes them.
tags: []
references: []
falsepositives: []
runbook: {name}
signatures:
  - id: symptom
    description: TODO what one matching line means.
    # A regex over one log line; named groups become captured values.
    regex: 'TODO-replace-me: connection refused by (?P<peer>[0-9.]+)'
    min_count: 1
tests:
  - name: the symptom fires
    expect: match
    files:
      app.log: |
        2024-05-01T08:00:00.000Z [ERROR] TODO-replace-me: connection refused by 10.0.0.7
{finding}  - name: a neighbouring line stays silent
    expect: no_match
    files:
      app.log: |
        2024-05-01T08:00:00.000Z [INFO] connected to 10.0.0.7
"#
    )
}

const SCAFFOLD_SCRIPT: &str = r#"// Scaffolded by `casebook rule new`: the declarative part finds the lines, this decides.
// API: docs/authoring.md. Return finding(#{...}), an array of them, or nothing.
let h = bundle.hits("symptom");
if h.count == 0 {
    return;
}
let peer = h.captures.peer.top;
finding(#{
    summary: `${h.count} connections refused by ${peer} from ${h.first_time} to ${h.last_time}.`,
    evidence: ["symptom"],
    params: #{ peer: peer },
})
"#;

fn scaffold_runbook(id: &str, name: &str, script: bool) -> String {
    let params = if script {
        "params:\n  peer: Address that refused the connections\n"
    } else {
        "params: {}\n"
    };
    format!(
        r#"---
id: {name}
title: TODO what the plan achieves
{params}rules: [{id}]
status: experimental
---
## Meaning
TODO what the finding means, in the engineer's words.

## Impact
TODO what the customer loses while it lasts.

## Diagnosis
1. TODO the command that confirms it.

## Mitigation
1. TODO the steps, with parameters from the finding in double braces.

## Escalation
TODO when to hand the case over, and with what.

## Verification
TODO the command that shows the fix worked.

## References
- TODO where the lines and the steps come from.
"#
    )
}
