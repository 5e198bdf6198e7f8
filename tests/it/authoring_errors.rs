//! What an author sees when a rule is broken: `kb check` pins the exact text (position, line,
//! caret, hint) for a misspelled field, a bad regex and a rhai syntax error; `analyze` reports a
//! rule that loops or errors at run time and still delivers every other rule's findings.

use std::path::Path;

use assert_cmd::Command;

use crate::common::{copy_dir, write_files, ROOT};

/// A knowledge base in a temporary directory: the repository's `kb/` (manifest, kinds, shared
/// signatures, templates), optionally its rules and runbooks, plus `files`.
fn kb_with(with_repo_rules: bool, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut roots = vec!["kb"];
    if with_repo_rules {
        roots.extend(["rules", "runbooks"]);
    }
    for root in roots {
        copy_dir(&Path::new(ROOT).join(root), &dir.path().join(root));
    }
    write_files(dir.path(), files);
    dir
}

/// Runs `casebook kb check --kb DIR` and returns (exit code, stderr).
fn kb_check(dir: &Path) -> (i32, String) {
    let out = Command::cargo_bin("casebook")
        .unwrap()
        .args(["kb", "check", "--kb"])
        .arg(dir)
        .output()
        .unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// `analyze --format json` of the reference bundle with the knowledge base at `kb`.
fn analyze_reference(kb: &Path) -> std::process::Output {
    Command::cargo_bin("casebook")
        .unwrap()
        .args(["analyze", "--format", "json", "--quiet", "--kb"])
        .arg(kb)
        .arg(Path::new(ROOT).join("fixtures/bundles/nvshas-9810"))
        .output()
        .unwrap()
}

/// The reason the document's appendix gives for rule `id`, which must be reported as failed.
fn failure_reason(doc: &serde_json::Value, id: &str) -> String {
    let outcomes = doc["appendix"]["rules"].as_array().unwrap();
    outcomes
        .iter()
        .find(|o| o["rule"] == id && o["status"] == "failed")
        .unwrap_or_else(|| panic!("{id} is not reported as failed: {outcomes:?}"))["reason"]
        .as_str()
        .unwrap()
        .to_owned()
}

const RULE_HEAD: &str = "id: t.broken\ntitle: Broken\nstatus: test\nseverity: low\ndescription: x\n";

#[test]
fn misspelled_field() {
    let rule = "id: t.broken\ntitel: Broken\nstatus: test\nseverity: low\ndescription: x\n";
    let dir = kb_with(false, &[("rules/t/broken.yaml", rule)]);
    let (code, stderr) = kb_check(dir.path());
    assert_eq!(code, 3);
    assert_eq!(
        stderr,
        "rules/t/broken.yaml:2:1: unknown field `titel`, expected one of `id`, `title`, `version`, `status`, \
`replaced_by`, `level`, `severity`, `description`, `tags`, `references`, `falsepositives`, `applies_to`, `runbook`, `signatures`, \
`uses`, `script`, `after`, `tests`
  |
2 | titel: Broken
  | ^
  = hint: did you mean `title`?

"
    );
}

#[test]
fn bad_regex() {
    let rule = format!("{RULE_HEAD}signatures:\n  - id: lead\n    regex: 'Lead (elected'\n");
    let dir = kb_with(false, &[("rules/t/broken.yaml", &rule)]);
    let (code, stderr) = kb_check(dir.path());
    assert_eq!(code, 3);
    assert_eq!(
        stderr,
        "rules/t/broken.yaml:8:18: invalid regex: unclosed group
  |
8 |     regex: 'Lead (elected'
  |                  ^
  = hint: signature regexes use Rust `regex` syntax; escape literal `.`, `(`, `[` with `\\`

"
    );
}

#[test]
fn rhai_syntax_error() {
    let script = "let h = bundle.hits(\"x\");\nif h.count > 0 {\n    finding(#{ summary: \"x\" )\n}\n";
    let dir = kb_with(
        false,
        &[
            ("rules/t/broken.yaml", RULE_HEAD),
            ("rules/t/broken.rhai", script),
        ],
    );
    let (code, stderr) = kb_check(dir.path());
    assert_eq!(code, 3);
    assert_eq!(
        stderr,
        "rules/t/broken.rhai:3:29: rhai: Expecting '}' to end this object map literal
  |
3 |     finding(#{ summary: \"x\" )
  |                             ^
  = hint: see docs/authoring.md for the script API

"
    );
}

#[test]
fn inline_script_errors_point_into_the_yaml() {
    let rule = format!("{RULE_HEAD}script: |\n  let n = 1;\n  n +;\n");
    let dir = kb_with(false, &[("rules/t/broken.yaml", &rule)]);
    let (code, stderr) = kb_check(dir.path());
    assert_eq!(code, 3);
    assert!(
        stderr.starts_with("rules/t/broken.yaml:8:"),
        "the error is at the script's line in the YAML file:\n{stderr}"
    );
    assert!(stderr.contains("8 |   n +;"), "{stderr}");
}

#[test]
fn cross_check_errors_and_warnings() {
    let rule = format!(
        "{RULE_HEAD}runbook: nowhere\nafter: [t.other]\nsignatures:\n  - id: digits\n    regex: '\\d+'\n\
tests:\n  - name: fires\n    expect: match\n    files:\n      a.log: \"1\\n\"\n    finding:\n      parms.x: 1\n"
    );
    let other = "id: t.other\ntitle: Other\nstatus: test\nseverity: low\ndescription: x\nrunbook: rb\nafter: [t.broken]\n";
    let runbook = "---\nid: rb\ntitle: RB\nrules: [t.gone]\nstatus: test\nlast_reviewed: 2026-01-01\n---\n## Meaning\nm\n## Impact\ni\n## Diagnosis\nd\n## Mitigation\nx\n## Escalation\ne\n## Verification\nv\n## References\nr\n";
    let dir = kb_with(
        false,
        &[
            ("rules/t/broken.yaml", &rule),
            ("rules/t/other.yaml", other),
            ("runbooks/rb.md", runbook),
        ],
    );
    let (code, stderr) = kb_check(dir.path());
    assert_eq!(code, 3);
    let firsts: Vec<&str> = stderr
        .split("\n\n")
        .filter_map(|block| block.lines().next())
        .collect();
    assert_eq!(
        firsts,
        vec![
            "rules/t/broken.yaml:6:10: runbook `nowhere` does not exist",
            "rules/t/broken.yaml:7:1: `after:` cycle: t.broken -> t.other -> t.broken",
            "rules/t/broken.yaml:10:13: warning: signature `t.broken/digits` has no literal to prefilter on: its regex runs on every line",
            "rules/t/broken.yaml:11:1: rule `t.broken` has no `expect: no_match` test",
            "rules/t/broken.yaml:17:7: `parms.x` is not a finding field",
            "rules/t/other.yaml:1:1: rule `t.other` has no `expect: match` test",
            "rules/t/other.yaml:1:1: rule `t.other` has no `expect: no_match` test",
            "runbooks/rb.md:4:1: runbook `rb` does not link back to rule `t.other`",
            "runbooks/rb.md:4:9: runbook lists unknown rule `t.gone`",
        ]
    );
}

#[test]
fn the_repository_knowledge_base_is_clean() {
    let out = Command::cargo_bin("casebook")
        .unwrap()
        .args(["kb", "check", "--kb", ROOT])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr, "", "no errors and no warnings");
    assert!(String::from_utf8_lossy(&out.stdout).contains(": 0 errors, 0 warnings"));
}

#[test]
fn a_looping_and_a_failing_rule_are_reported_and_the_rest_still_runs() {
    let dir = kb_with(
        true,
        &[
            (
                "rules/t/endless.yaml",
                "id: t.endless\ntitle: Endless\nstatus: test\nseverity: low\ndescription: Never ends.\n",
            ),
            ("rules/t/endless.rhai", "let n = 0;\nloop {\n    n += 1;\n}\n"),
            (
                "rules/t/runtime-error.yaml",
                "id: t.runtime-error\ntitle: Runtime error\nstatus: test\nseverity: low\ndescription: Divides by zero.\n",
            ),
            (
                "rules/t/runtime-error.rhai",
                "let pods = bundle.pods();\nlet per = 100 / (pods.len() - pods.len());\nfinding(#{ summary: `${per}` })\n",
            ),
        ],
    );
    let out = analyze_reference(dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    assert_eq!(doc["appendix"]["rules_failed"], 2);
    let reason = |id: &str| failure_reason(&doc, id);
    let endless = reason("t.endless");
    assert!(
        endless.starts_with("rules/t/endless.rhai:") && endless.contains(": stopped: "),
        "{endless}"
    );
    assert!(
        endless.ends_with("deadline of 2s exceeded") || endless.contains("operations (an endless loop?)"),
        "{endless}"
    );
    assert_eq!(
        reason("t.runtime-error"),
        "rules/t/runtime-error.rhai:2:15: Division by zero: 100 / 0"
    );

    let fired: Vec<&str> = crate::common::fired_rules(&doc);
    for rule in [
        "nv.consul.leaderless",
        "nv.controller.memory-over-limit",
        "nv.enforcer.crashloop",
        "nv.enforcer.rejoin-storm",
        "nv.consul.rpc-conn-limit",
        "nv.admission.audit-queue-full",
    ] {
        assert!(fired.contains(&rule), "{rule} missing from {fired:?}");
    }
}

#[test]
fn a_broken_template_is_reported_and_the_default_one_renders() {
    let dir = kb_with(
        true,
        &[("kb/templates/case.md.tera", "# {{ case_id }}\n{% if %}\n")],
    );
    let (code, stderr) = kb_check(dir.path());
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("kb/templates/case.md.tera"), "{stderr}");
    let out = Command::cargo_bin("casebook")
        .unwrap()
        .args(["analyze", "--quiet", "--case", "T-1", "--kb"])
        .arg(dir.path())
        .arg(Path::new(ROOT).join("fixtures/bundles/nvshas-9810"))
        .output()
        .unwrap();
    // The document is written, the replacement is said on stderr, and the exit code is 3.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("kb/templates/case.md.tera")
            && stderr.contains("embedded default templates are used"),
        "{stderr}"
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let default = Command::cargo_bin("casebook")
        .unwrap()
        .args(["analyze", "--quiet", "--case", "T-1"])
        .arg(Path::new(ROOT).join("fixtures/bundles/nvshas-9810"))
        .output()
        .unwrap();
    let default = String::from_utf8(default.stdout).unwrap();
    // The embedded template's document, up to the line naming the knowledge base (its
    // fingerprint differs), and the problem said in it.
    let before_kb = |doc: &str| doc.split("- Knowledge base:").next().unwrap().to_owned();
    assert!(before_kb(&default).len() > 1000);
    assert_eq!(before_kb(&text), before_kb(&default));
    assert!(
        text.contains("- Knowledge base problem: kb/templates/case.md.tera: "),
        "{text}"
    );
}

#[test]
fn analyze_with_a_broken_rule_writes_the_document_names_the_file_and_exits_3() {
    let dir = kb_with(
        true,
        &[
            (
                "rules/t/typo.yaml",
                "id: t.typo\ntitle: Typo\nstatus: test\nseverity: low\ndescription: x\n",
            ),
            (
                "rules/t/typo.rhai",
                "let h = bundle.hits(\"nv.consul-no-leadr\");\n",
            ),
        ],
    );
    let out_dir = tempfile::tempdir().unwrap();
    let output = out_dir.path().join("case.json");
    let out = Command::cargo_bin("casebook")
        .unwrap()
        .args([
            "analyze",
            "--format",
            "json",
            "--quiet",
            "--fail-on",
            "critical",
            "-o",
        ])
        .arg(&output)
        .arg("--kb")
        .arg(dir.path())
        .arg(Path::new(ROOT).join("fixtures/bundles/nvshas-9810"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("rules/t/typo.rhai:1:21: unknown signature `nv.consul-no-leadr`"),
        "{stderr}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
    let fired: Vec<&str> = crate::common::fired_rules(&doc);
    assert!(fired.contains(&"nv.consul.leaderless"), "{fired:?}");
    let problems = doc["appendix"]["kb_problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.as_str().unwrap().starts_with("rules/t/typo.rhai:1:21:")),
        "{problems:?}"
    );
}

/// `kb check` on the repository KB plus one planted file: (exit code, stderr).
fn planted(files: &[(&str, &str)]) -> (i32, String) {
    let dir = kb_with(true, files);
    kb_check(dir.path())
}

const CERT_RULE: &str = "id: t.cert\ntitle: Cert\nstatus: test\nseverity: low\ndescription: x\nsignatures:\n  - id: expired\n    regex: 'certificate has expired \\(notAfter=(?P<notafter>\\S+)\\)'\n";

#[test]
fn each_silent_failure_is_an_error_with_its_position() {
    let cases: [(&str, &str, &str); 5] = [
        ("let h = bundle.hits(\"expird\");\n", "rules/t/cert.rhai:1:21: unknown signature `expird` (known: expired)", "signature typo"),
        (
            "let h = bundle.hits(\"expired\");\nlet t = h.captures.notafer.top;\n",
            "rules/t/cert.rhai:2:20: unknown capture `notafer` (captures of this rule's signatures: notafter)",
            "capture typo",
        ),
        (
            "if bundle.fired(\"nv.consul.leaderless\") { }\n",
            "rules/t/cert.rhai:1:17: rule `nv.consul.leaderless` is not listed in `after:` of `t.cert`",
            "fired() of a rule not in after:",
        ),
        (
            "finding(#{ summary: \"s\", evidence: [\"expierd\"] });\n",
            "rules/t/cert.rhai:1:37: finding: evidence 0: unknown signature `expierd` (known: expired)",
            "evidence typo",
        ),
        (
            "finding(#{ sumary: \"s\" });\n",
            "rules/t/cert.rhai:1:12: finding: unknown field `sumary`",
            "finding field typo",
        ),
    ];
    for (script, expected, what) in cases {
        let (code, stderr) = planted(&[("rules/t/cert.yaml", CERT_RULE), ("rules/t/cert.rhai", script)]);
        assert_eq!(code, 3, "{what}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{what}: expected `{expected}` in:\n{stderr}"
        );
    }
}

#[test]
fn a_runbook_placeholder_typo_is_an_error_with_its_position() {
    let runbook = std::fs::read_to_string(Path::new(ROOT).join("runbooks/consul-rpc-conn-limit.md"))
        .unwrap()
        .replacen("{{ client }}", "{{ clinet }}", 1);
    let line = runbook.lines().position(|l| l.contains("clinet")).unwrap() + 1;
    let column = runbook.lines().nth(line - 1).unwrap().find("clinet").unwrap() + 1;
    let (code, stderr) = planted(&[("runbooks/consul-rpc-conn-limit.md", &runbook)]);
    assert_eq!(code, 3, "{stderr}");
    let expected = format!("runbooks/consul-rpc-conn-limit.md:{line}:{column}: unknown placeholder `clinet`");
    assert!(stderr.contains(&expected), "expected `{expected}` in:\n{stderr}");
}

#[test]
fn deprecated_spelling_uses_only_rules_and_todo_text_are_warned_about() {
    let rule = "id: t.only-uses\ntitle: Only uses\nstatus: test\nlevel: low\ndescription: TODO say why\nuses: [nv.consul-no-leader]\n";
    let (_, stderr) = planted(&[("rules/t/only-uses.yaml", rule)]);
    for expected in [
        "rules/t/only-uses.yaml:4:1: warning: `level:` is the old name of `severity:`",
        "rules/t/only-uses.yaml:6:1: warning: rule `t.only-uses` has no script and no signature of its own: it never fires",
        "rules/t/only-uses.yaml:5:14: warning: the rule still holds scaffold `TODO` text",
    ] {
        assert!(stderr.contains(expected), "expected `{expected}` in:\n{stderr}");
    }
}

#[test]
fn rule_test_outside_a_kb_runs_every_test_of_the_embedded_kb() {
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("casebook")
        .unwrap()
        .args(["rule", "test"])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(" 0 error(s)") && stdout.contains("reference case"),
        "{stdout}"
    );
}

#[test]
fn a_runtime_error_in_an_inline_script_points_into_the_yaml() {
    let dir = kb_with(
        true,
        &[(
            "rules/t/inline-error.yaml",
            "id: t.inline-error\ntitle: Inline error\nstatus: test\nseverity: low\ndescription: Divides by zero.\n\
script: |\n  let pods = bundle.pods();\n  let per = 100 / (pods.len() - pods.len());\n  finding(#{ summary: `${per}` })\n",
        )],
    );
    let doc: serde_json::Value = serde_json::from_slice(&analyze_reference(dir.path()).stdout).unwrap();
    // Line 8 of the YAML file, column 17 (the script's line 2, column 15, indented by 2).
    assert_eq!(
        failure_reason(&doc, "t.inline-error"),
        "rules/t/inline-error.yaml:8:17: Division by zero: 100 / 0"
    );
}

/// `finding(...)` builds a finding; only a returned one counts. One built and dropped (an
/// `if` without `return`) fails the rule with the reason instead of vanishing.
#[test]
fn a_finding_made_but_not_returned_fails_the_rule_at_the_call() {
    let dir = kb_with(
        true,
        &[
            (
                "rules/t/dropped.yaml",
                "id: t.dropped\ntitle: Dropped\nstatus: test\nseverity: low\ndescription: Forgets to return.\n\
script: |\n  if bundle.pods().len() > 0 {\n    finding(#{ summary: \"made\" });\n  }\n  let after = 1;\n",
            ),
            // Two call sites, one returned: the error names the other one.
            (
                "rules/t/half.yaml",
                "id: t.half\ntitle: Half\nstatus: test\nseverity: low\ndescription: Returns one of two.\n\
script: |\n  let kept = finding(#{ summary: \"kept\" });\n  let lost = finding(#{ summary: \"lost\" });\n  kept\n",
            ),
        ],
    );
    let doc: serde_json::Value = serde_json::from_slice(&analyze_reference(dir.path()).stdout).unwrap();
    let reason = failure_reason(&doc, "t.dropped");
    assert!(
        reason.starts_with(
            "rules/t/dropped.yaml:8:5: finding(...) here built 1 finding(s) and the script returned 0"
        ),
        "{reason}"
    );
    let reason = failure_reason(&doc, "t.half");
    assert!(
        reason.starts_with(
            "rules/t/half.yaml:8:14: finding(...) here built 1 finding(s) and the script returned 0"
        ),
        "{reason}"
    );
}
