//! Hostile input against casebook's security promises (issue 19): secrets never reach the
//! document or the digest, `--redact` hides every address and host name, `-o` never destroys
//! an input nor writes through a link, bundle bytes never drive the terminal, `rule test`
//! stays inside its fixtures, and knowledge-base templates neither read the environment nor
//! crash or exhaust the machine. See `docs/security.md`.

use crate::common::{tar_gz, Scenario};

/// The marker line the one-rule knowledge base (`common::one_rule`) fires on.
const MARKER: &str = r"MARKER (?P<what>\S+)";

/// Error lines carrying one secret of each kind, twice each with another value, so the digest
/// makes templates of them.
fn secret_log() -> String {
    let secrets = [
        "login failed pass=hunter2AA for admin",
        "unlock passphrase: correct-horse-battery for vault",
        "s3 upload with key AKIAIOSFODNN7EXAMPLE refused",
        "git clone https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/x/y failed",
        "git fetch token gho_16C7e42F292c6912E7710c83abcdef failed",
        "notify slack xoxb-123456789012-1234567890123-AbCdEfGhIj failed",
        "request Cookie: session=0a1b2c3d4e5f; theme=dark rejected",
        "response Set-Cookie: sid=s%3Aabcdef0123; Path=/; HttpOnly",
        "exec /usr/bin/migrate --db-password Tr0ub4dor&3 --port 5432 failed",
        "dial postgres://app:p@ss-w0rd@db.internal:5432/main failed",
        "GET /api Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMTIz denied",
        "GET /api Authorization: Basic YWRtaW46c2VjcmV0UGFzcw== denied",
    ];
    let mut log = String::new();
    for (i, s) in secrets.iter().enumerate() {
        log.push_str(&format!("2024-03-01T10:00:{:02}Z ERROR {s}\n", i * 2));
        log.push_str(&format!("2024-03-01T10:00:{:02}Z ERROR {s}\n", i * 2 + 1));
    }
    log.push_str("2024-03-01T10:01:00Z ERROR MARKER one\n");
    log
}

/// Pieces of the secrets above, any of which in the output is a leak.
const SECRET_PIECES: &[&str] = &[
    "hunter2",
    "correct-horse",
    "AKIAIOSFODNN7",
    "16C7e42F292c",
    "xoxb-",
    "1234567890123",
    "0a1b2c3d",
    "abcdef0123",
    "Tr0ub4dor",
    "ss-w0rd",
    "eyJhbGciOiJIUzI1NiJ9",
    "c2lnbmF0dXJl",
    "YWRtaW46",
];

fn assert_no_secret(what: &str, text: &str) {
    for piece in SECRET_PIECES {
        assert!(!text.contains(piece), "{what} leaks `{piece}`:\n{text}");
    }
}

#[test]
fn secrets_reach_neither_the_document_nor_the_digest() {
    let s = Scenario::new().one_rule(MARKER).log("app.log", &secret_log());
    for format in ["json", "md"] {
        let out = s.run(&["analyze", "{bundle}", "--format", format, "-q"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stdout.contains("MARKER"),
            "the log is in the document: {}",
            out.stdout
        );
        assert!(out.stdout.contains("[redacted]"), "{}", out.stdout);
        assert_no_secret(format, &out.stdout);
    }
    let log = s.bundle().join("app.log");
    let log = log.to_str().unwrap();
    for args in [
        vec!["digest", log],
        vec!["digest", log, "--json"],
        vec!["digest", log, "--per-line"],
    ] {
        let out = s.run(&args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stdout.contains("[redacted]"), "{args:?}: {}", out.stdout);
        assert_no_secret(&format!("{args:?}"), &out.stdout);
    }
}

#[test]
fn redact_hides_ipv6_and_hosts_under_any_top_level_domain_but_not_files_or_code_names() {
    let mut log = String::new();
    for (i, line) in [
        "peer 2001:db8:42:: unreachable",
        "peer fe80::1%eth0 unreachable",
        "dial db.acme.xyz refused",
        "dial kube-dns.kube-system.svc refused",
        "snapshot ctl.snapshot.zip unreadable",
        "kv.clusterHelper.AcquireLock timed out",
    ]
    .iter()
    .enumerate()
    {
        log.push_str(&format!("2024-03-01T10:00:0{i}Z ERROR {line}\n"));
    }
    // The evidence excerpt quotes the whole line.
    log.push_str(
        "2024-03-01T10:01:00Z ERROR MARKER one: 2001:db8:42:: fe80::1%eth0 db.acme.xyz \
         kube-dns.kube-system.svc ctl.snapshot.zip kv.clusterHelper.AcquireLock\n",
    );
    let s = Scenario::new().one_rule(MARKER).log("app.log", &log);
    let out = s.run(&["analyze", "{bundle}", "--format", "md", "-q", "--redact"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let md = &out.stdout;
    for leak in [
        "2001:db8:42",
        "fe80::1",
        "eth0",
        "db.acme.xyz",
        "acme",
        "kube-dns.kube-system",
    ] {
        assert!(
            !md.contains(leak),
            "`{leak}` left in the redacted document:\n{md}"
        );
    }
    for kept in ["ctl.snapshot.zip", "kv.clusterHelper.AcquireLock"] {
        assert!(
            md.contains(kept),
            "`{kept}` is a file or code name, not a host:\n{md}"
        );
    }
}

/// A scenario with a finding, for the `-o` tests.
fn marker_scenario() -> Scenario {
    Scenario::new()
        .one_rule(MARKER)
        .log("app.log", "2024-03-01T10:01:00Z ERROR MARKER one\n")
}

#[test]
fn output_over_an_input_is_refused_and_the_input_kept() {
    let s = marker_scenario();
    let description = s.bundle().parent().unwrap().join("description.txt");
    std::fs::write(&description, "customer words").unwrap();
    let log = s.bundle().join("app.log");
    let before = std::fs::read(&log).unwrap();
    for target in [log.clone(), description.clone(), s.bundle().join("new-inside.md")] {
        let out = s.run(&[
            "analyze",
            "{bundle}",
            "-q",
            "--description",
            description.to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ]);
        assert_eq!(out.code, 2, "{target:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("refusing to write over an input"),
            "{}",
            out.stderr
        );
    }
    assert_eq!(std::fs::read(&log).unwrap(), before);
    assert_eq!(std::fs::read_to_string(&description).unwrap(), "customer words");
    assert!(!s.bundle().join("new-inside.md").exists());

    // The archive itself, named by another path to it.
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("bundle.tar.gz");
    tar_gz(&s.bundle(), &archive);
    let archived = std::fs::read(&archive).unwrap();
    let roundabout = dir.path().join("sub/../bundle.tar.gz");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let out = s.run(&[
        "analyze",
        archive.to_str().unwrap(),
        "-q",
        "-o",
        roundabout.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(std::fs::read(&archive).unwrap(), archived);
}

#[cfg(unix)]
#[test]
fn output_through_a_symlink_is_refused() {
    let s = marker_scenario();
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let link = dir.path().join("case.md");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let out = s.run(&["analyze", "{bundle}", "-q", "-o", link.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");

    // `rule new` does not follow a dangling link where its runbook would go.
    let elsewhere = dir.path().join("planted.md");
    std::os::unix::fs::symlink(&elsewhere, s.kb().join("runbooks/queue-stuck.md")).unwrap();
    let out = s.run(&["rule", "new", "app/queue-stuck"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(!elsewhere.exists(), "written through the link");
}

#[cfg(unix)]
#[test]
fn a_failed_write_leaves_the_old_document_intact() {
    let s = marker_scenario();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("case.md");
    std::fs::write(&target, "the good document").unwrap();
    // Files may not grow past 1 KiB: the new document cannot be written whole. SIGXFSZ is
    // ignored, so the write fails with EFBIG instead of killing the process.
    let bin = assert_cmd::cargo::cargo_bin("casebook");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 2; exec \"$0\" \"$@\"")
        .arg(&bin)
        .args(["analyze", s.bundle().to_str().unwrap(), "-q", "--kb"])
        .arg(s.kb())
        .arg("-o")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "the good document");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "no temporary file left behind");
}

/// Bytes that would drive a terminal.
const ESCAPES: [&str; 4] = ["\x1b]0;owned\x07", "\x1b[2J", "\u{9b}31m", "\r"];

fn assert_no_escape(what: &str, text: &str) {
    assert!(
        !text.contains(['\x1b', '\x07', '\u{9b}', '\r']),
        "{what} carries control bytes: {text:?}"
    );
}

#[test]
fn bundle_bytes_never_reach_the_terminal_raw() {
    let mut log = String::new();
    for (i, e) in ESCAPES.iter().enumerate() {
        log.push_str(&format!("2024-03-01T10:00:0{i}Z ERROR MARKER x{e}y\n"));
    }
    let evil_name = "evil\x1b]0;owned\x07.log";
    let s = Scenario::new()
        .one_rule(MARKER)
        .log("app.log", &log)
        .log(evil_name, &log);
    // A bundle whose own name carries an escape: the summary names it.
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("case\x1b[31m");
    crate::common::copy_dir(&s.bundle(), &bundle);
    let out = s.run(&["analyze", bundle.to_str().unwrap(), "--format", "md"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("MARKER"), "{}", out.stdout);
    assert!(
        out.stdout.contains("\\x1b"),
        "escapes are shown, not dropped: {}",
        out.stdout
    );
    assert_no_escape("analyze stdout", &out.stdout);
    assert_no_escape("analyze stderr", &out.stderr);

    let log_path = s.bundle().join("app.log");
    let out = s.run(&["digest", log_path.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_no_escape("digest", &out.stdout);
    let out = s.run(&["digest", bundle.to_str().unwrap()]);
    assert_no_escape("digest of a bundle", &out.stdout);
    assert_no_escape("digest of a bundle, stderr", &out.stderr);
    // An error naming the path.
    let missing = dir.path().join("gone\x1b]0;x\x07");
    let out = s.run(&["analyze", missing.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert_no_escape("error message", &out.stderr);
}

#[cfg(unix)]
#[test]
fn rule_test_does_not_follow_links_out_of_its_fixture() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.log"),
        "2024-03-01T10:00:00Z ERROR MARKER from-outside\n",
    )
    .unwrap();
    let rule = r#"id: t.marker
title: Marker seen
status: stable
severity: high
description: The marker line is in the log.
runbook: one
signatures:
  - id: marker
    regex: 'MARKER (?P<what>\S+)'
tests:
  - name: the fixture alone is quiet
    expect: no_match
    bundle: fixtures/quiet
  - name: the fixture with a file is quiet
    expect: no_match
    bundle: fixtures/quiet
    files:
      other.log: "2024-03-01T10:00:00Z INFO fine\n"
"#;
    let s = Scenario::new()
        .kb_file("rules/t/marker.yaml", rule)
        .kb_file(
            "runbooks/one.md",
            &crate::common::ONE_RUNBOOK.replace("[t.one]", "[t.marker]"),
        )
        .kb_file("fixtures/quiet/app.log", "2024-03-01T10:00:00Z INFO fine\n");
    std::os::unix::fs::symlink(
        outside.path().join("secret.log"),
        s.kb().join("fixtures/quiet/linked.log"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), s.kb().join("fixtures/quiet/linked-dir")).unwrap();
    let out = s.run(&["rule", "test"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("from-outside"), "{}", out.stdout);

    // A fixture that is itself a link out of the knowledge base is refused.
    std::os::unix::fs::symlink(outside.path(), s.kb().join("fixtures/away")).unwrap();
    let s = s.kb_file(
        "rules/t/marker.yaml",
        &rule.replace("fixtures/quiet", "fixtures/away"),
    );
    let out = s.run(&["rule", "test"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("resolves outside the knowledge base"),
        "{}",
        out.stdout
    );
}

/// A scenario whose `case.md` template is `template`.
fn template_scenario(template: &str) -> Scenario {
    marker_scenario().kb_file("kb/templates/case.md.tera", template)
}

#[test]
fn templates_cannot_read_the_environment() {
    for (what, template) in [
        ("case.md", "HOME={{ get_env(name=\"HOME\") }}"),
        ("case.md", "HOME={{ get_env(name=\"HOME\", default=\"x\") }}"),
    ] {
        let s = template_scenario(template);
        let out = s.run(&["analyze", "{bundle}", "-q"]);
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".to_owned());
        assert!(
            !out.stdout.contains(&format!("HOME={home}")),
            "{what}: {}",
            out.stdout
        );
        assert_eq!(out.code, 3, "{what}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("get_env"), "{}", out.stderr);
    }
    // A runbook neither.
    let s = marker_scenario().kb_file(
        "runbooks/one.md",
        &crate::common::ONE_RUNBOOK.replace("1. Fix.", "1. Fix {{ get_env(name=\"HOME\") }}."),
    );
    let out = s.run(&["analyze", "{bundle}", "-q", "--format", "json"]);
    assert_ne!(out.code, 0, "{}", out.stdout);
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".to_owned());
    assert!(!out.stdout.contains(&format!("Fix {home}")), "{}", out.stdout);
}

#[test]
fn recursive_templates_are_a_kb_error_not_a_crash() {
    let recursive_macro = "{% import \"macros.md\" as m %}{{ m::down(n=1) }}";
    let macros = "{% macro down(n) %}{{ self::down(n=n) }}{% endmacro down %}";
    let s = template_scenario(recursive_macro).kb_file("kb/templates/macros.md.tera", macros);
    let out = s.run(&["analyze", "{bundle}", "-q"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("recurs"), "{}", out.stderr);

    let s = template_scenario("again {% include \"case.md\" %}");
    let out = s.run(&["analyze", "{bundle}", "-q"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("recurs"), "{}", out.stderr);
    let out = s.run(&["kb", "check"]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
}

#[test]
fn template_loops_and_output_are_bounded_and_the_limit_can_be_raised() {
    let s = template_scenario("{% for i in range(end=200000000) %}x{% endfor %}");
    let out = s.run(&["analyze", "{bundle}", "-q"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("--max-template-loop"), "{}", out.stderr);

    let s = template_scenario(
        "{% for i in range(end=50000) %}{% for j in range(end=50000) %}xxxxxxxx{% endfor %}{% endfor %}",
    );
    let out = s.run(&["analyze", "{bundle}", "-q", "--max-template-output", "100000"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("--max-template-output"), "{}", out.stderr);

    // Within raised limits the same kind of template renders.
    let s = template_scenario("{% for i in range(end=300000) %}x{% endfor %}");
    let out = s.run(&["analyze", "{bundle}", "-q", "--max-template-loop", "300000"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim_end().len(), 300_000);
}

#[cfg(unix)]
#[test]
fn output_to_a_device_writes_in_place_and_keeps_the_device() {
    use std::os::unix::fs::FileTypeExt;
    let s = marker_scenario();
    let out = s.run(&["analyze", "{bundle}", "-q", "-o", "/dev/null"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(
        meta.file_type().is_char_device(),
        "/dev/null was replaced by a file"
    );
}
