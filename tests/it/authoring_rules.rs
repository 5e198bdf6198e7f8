//! Rule authoring end to end through the binary: every shipped rule passes `rule test`; `rule
//! new` scaffolds a rule that checks and tests clean; `rule test` grades noisy, missing and wrong
//! tests with expected vs actual; declarative time windows, `applies_to` and `--explain`.

use std::path::Path;

use assert_cmd::Command;

use crate::common::{copy_dir, write_files, ROOT};

/// A knowledge base with the repository's `kb/`, empty `rules/` and `runbooks/`, plus `files`.
fn kb_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(ROOT).join("kb"), &dir.path().join("kb"));
    std::fs::create_dir_all(dir.path().join("rules")).unwrap();
    std::fs::create_dir_all(dir.path().join("runbooks")).unwrap();
    write_files(dir.path(), files);
    dir
}

/// Runs casebook with `args` and returns (exit code, stdout, stderr).
fn casebook(args: &[&str], kb: &Path) -> (i32, String, String) {
    let out = Command::cargo_bin("casebook")
        .unwrap()
        .args(args)
        .arg("--kb")
        .arg(kb)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const RUNBOOK: &str =
    "---\nid: rb\ntitle: RB\nrules: [t.burst, t.old]\n---\n## Meaning\nm\n## Impact\ni\n## Diagnosis\nd\n## Mitigation\nx\n";

#[test]
fn every_shipped_rule_passes_its_tests() {
    let (code, stdout, stderr) = casebook(&["rule", "test"], Path::new(ROOT));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let summary = stdout.lines().last().unwrap();
    assert!(
        summary.ends_with("0 noisy, 0 missing, 0 wrong, 0 error(s)"),
        "{summary}"
    );
    // The leaderless rule is also tested on the reference bundle.
    assert!(
        stdout.contains("validated  the reference case (NVSHAS-9810)"),
        "{stdout}"
    );
}

#[test]
fn scaffolded_rules_check_and_test_clean() {
    let dir = kb_with(&[]);
    for (name, script) in [("demo/thing-broken", false), ("demo/other-thing", true)] {
        let mut args = vec!["rule", "new", name];
        if script {
            args.push("--script");
        }
        let (code, stdout, stderr) = casebook(&args, dir.path());
        assert_eq!(code, 0, "{stdout}{stderr}");
    }
    assert!(dir.path().join("rules/demo/thing-broken.yaml").exists());
    assert!(dir.path().join("rules/demo/other-thing.rhai").exists());
    assert!(dir.path().join("runbooks/other-thing.md").exists());

    let (code, stdout, stderr) = casebook(&["kb", "check"], dir.path());
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("2 rules"), "{stdout}");

    let (code, stdout, _) = casebook(&["rule", "test"], dir.path());
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("demo.thing.broken (rules/demo/thing-broken.yaml)"),
        "{stdout}"
    );
    // The second rule of an area takes the area's id prefix.
    assert!(stdout.contains("demo.other.thing"), "{stdout}");
    assert!(stdout.ends_with("2 rule(s), 4 test(s): 4 validated, 0 noisy, 0 missing, 0 wrong, 0 error(s)\n"));

    let (code, _, stderr) = casebook(&["rule", "new", "demo/thing-broken", "--id", "x.y"], dir.path());
    assert_eq!(code, 2);
    assert!(stderr.contains("exists already"), "{stderr}");
}

#[test]
fn failing_tests_are_graded_with_expected_and_actual() {
    let rule = r#"id: t.burst
title: Burst of refusals
status: test
level: medium
description: Refusals in a burst.
runbook: rb
signatures:
  - id: refused
    regex: 'connection refused by (?P<peer>[0-9.]+)'
    min_count: 3
    within: 1m
tests:
  - name: three within a minute fire
    expect: match
    files:
      app.log: |
        2024-05-01T08:00:01Z connection refused by 10.0.0.1
        2024-05-01T08:00:20Z connection refused by 10.0.0.1
        2024-05-01T08:00:40Z connection refused by 10.0.0.1
    finding:
      severity: medium
  - name: three spread over ten minutes stay silent
    expect: no_match
    files:
      app.log: |
        2024-05-01T08:00:01Z connection refused by 10.0.0.1
        2024-05-01T08:05:00Z connection refused by 10.0.0.1
        2024-05-01T08:10:00Z connection refused by 10.0.0.1
  - name: wrongly expects silence
    expect: no_match
    files:
      app.log: |
        2024-05-01T08:00:01Z connection refused by 10.0.0.1
        2024-05-01T08:00:02Z connection refused by 10.0.0.1
        2024-05-01T08:00:03Z connection refused by 10.0.0.1
  - name: wrongly expects a finding
    expect: match
    files:
      app.log: |
        2024-05-01T08:00:01Z connection refused by 10.0.0.1
  - name: wrongly expects another severity
    expect: match
    files:
      app.log: |
        2024-05-01T08:00:01Z connection refused by 10.0.0.1
        2024-05-01T08:00:02Z connection refused by 10.0.0.1
        2024-05-01T08:00:03Z connection refused by 10.0.0.1
    finding:
      severity: high
      params.peer: 10.0.0.1
"#;
    let dir = kb_with(&[("rules/t/burst.yaml", rule), ("runbooks/rb.md", RUNBOOK)]);
    let (code, stdout, _) = casebook(&["rule", "test", "burst"], dir.path());
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        stdout,
        "t.burst (rules/t/burst.yaml)
  validated  three within a minute fire (expect: match)
  validated  three spread over ten minutes stay silent (expect: no_match)
  noisy      wrongly expects silence (expect: no_match)
      expected no finding; got 1:
        Seen 3 × `refused` within 1m.
      signature t.burst/refused: 3 hit(s)
      signature `refused`: at most 3 hit(s) within 1m, needs 3: holds
  missing    wrongly expects a finding (expect: match)
      expected a finding; the rule stayed silent
      signature t.burst/refused: 1 hit(s)
      signature `refused`: at most 1 hit(s) within 1m, needs 3: FAILS
  wrong      wrongly expects another severity (expect: match)
      the rule fired (1 finding(s)), but no finding has the expected fields; closest:
        params.peer: expected \"10.0.0.1\", got nothing (no such field)
        severity: expected \"high\", got \"medium\"

1 rule(s), 5 test(s): 2 validated, 1 noisy, 1 missing, 1 wrong, 0 error(s)
"
    );
}

#[test]
fn applies_to_skips_rules_for_other_versions() {
    let rule = r#"id: t.old
title: Old versions only
status: test
level: low
description: Only before 5.0.
runbook: rb
applies_to:
  - product: neuvector
    versions: "<5.0"
signatures:
  - id: refused
    regex: 'connection refused by'
tests:
  - name: fires when the version is unknown
    expect: match
    files:
      neuvector-controller-pod-x.log: |
        2024-05-01T08:00:01.000|ERRO|CTL|x: connection refused by 10.0.0.1
  - name: fires on 4.x
    expect: match
    files:
      neuvector-controller-pod-x.log: |
        2024-05-01T08:00:00.000|INFO|CTL|main.main: START - version=v4.4.3
        2024-05-01T08:00:01.000|ERRO|CTL|x: connection refused by 10.0.0.1
  - name: skipped on 5.4
    expect: no_match
    files:
      neuvector-controller-pod-x.log: |
        2024-05-01T08:00:00.000|INFO|CTL|main.main: START - version=v5.4.2
        2024-05-01T08:00:01.000|ERRO|CTL|x: connection refused by 10.0.0.1
"#;
    let dir = kb_with(&[("rules/t/old.yaml", rule), ("runbooks/rb.md", RUNBOOK)]);
    let (code, stdout, _) = casebook(&["rule", "test"], dir.path());
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains(
            "validated  skipped on 5.4 (expect: no_match)\n      skipped: not applicable: applies to neuvector <5.0, the bundle shows neuvector v5.4.2\n"
        ),
        "{stdout}"
    );

    // A range that is not one is an error with its position.
    let broken = rule.replace("\"<5.0\"", "\"before 5\"");
    let dir = kb_with(&[("rules/t/old.yaml", &broken), ("runbooks/rb.md", RUNBOOK)]);
    let (code, _, stderr) = casebook(&["kb", "check"], dir.path());
    assert_eq!(code, 3);
    assert!(
        stderr.starts_with(
            "rules/t/old.yaml:9:16: invalid version range: `before 5` is not a version comparator"
        ),
        "{stderr}"
    );
}

#[test]
fn explain_says_which_condition_failed_and_which_data_is_missing() {
    let rule = r#"id: t.burst
title: Burst
status: test
level: low
description: x
signatures:
  - id: refused
    regex: 'connection refused by'
    min_count: 2
  - id: enforcer-side
    kinds: [enforcer-log]
    regex: 'enforcer gave up'
"#;
    let dir = kb_with(&[("rules/t/burst.yaml", rule)]);
    let bundle = tempfile::tempdir().unwrap();
    std::fs::write(
        bundle.path().join("app.log"),
        "2024-05-01T08:00:01Z connection refused by 10.0.0.1\n",
    )
    .unwrap();
    let out = Command::cargo_bin("casebook")
        .unwrap()
        .args(["analyze", "--quiet", "--explain", "t.burst", "--kb"])
        .arg(dir.path())
        .arg(bundle.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr,
        "explain t.burst (rules/t/burst.yaml): silent, 0 finding(s)
  signature t.burst/enforcer-side: no hits; the bundle has no enforcer-log file: the data is missing
  signature t.burst/refused: 1 hit(s) in 1 file(s), 2024-05-01T08:00:01.000Z to 2024-05-01T08:00:01.000Z
  data: 1 log(s), 0 pod listing(s) (rules reading pods see none)
  signature `refused`: 1 hit(s), needs 2: FAILS
  signature `enforcer-side`: 0 hit(s), needs 1: FAILS
"
    );
}
