//! The case document of the reference bundle (NVSHAS-9810), through the real binary: the
//! markdown is pinned by a snapshot, every format is byte-identical from run to run, the JSON
//! validates against `docs/case.schema.json`, the HTML is self-contained, `--redact` leaves no
//! address behind, and the exit codes, completions and man page behave as documented.

use std::path::Path;

use assert_cmd::Command;

const BUNDLE: &str = "fixtures/bundles/nvshas-9810";

/// Runs `casebook analyze` on the reference bundle with `extra` arguments; returns stdout.
fn analyze(extra: &[&str]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::cargo_bin("casebook")
        .expect("binary")
        .current_dir(root)
        .args(["analyze", BUNDLE, "--case", "NVSHAS-9810", "--quiet"])
        .args(["--description", &format!("{BUNDLE}/description.md")])
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// Two runs, identical bytes; returns the text.
fn twice(extra: &[&str]) -> String {
    let first = analyze(extra);
    let second = analyze(extra);
    assert!(first == second, "two runs of {extra:?} differ");
    first
}

#[test]
fn markdown_is_pinned_and_deterministic() {
    let md = twice(&[]);
    insta::assert_snapshot!("nvshas_9810_md", md);
}

#[test]
fn json_is_deterministic_and_valid_against_the_schema() {
    let text = twice(&["--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let schema_text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/case.schema.json"))
            .expect("schema file");
    let schema: serde_json::Value = serde_json::from_str(&schema_text).expect("schema is json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(doc["schema"], "casebook.case/1");
    assert_eq!(doc["findings"][0]["severity"], "critical");
    assert_eq!(
        doc["logs"].as_array().map(Vec::len),
        Some(3),
        "description.md is not a log"
    );
}

#[test]
fn html_is_deterministic_and_self_contained() {
    let html = twice(&["--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "no script");
    for remote in ["src=\"http", "href=\"http", "src=\"//", "url(http", "@import"] {
        assert!(!html.contains(remote), "loads {remote}");
    }
    assert!(html.contains("<svg class=\"activity\""), "activity chart inline");
    assert!(
        html.contains("data-finding=\"f1\""),
        "a lane per finding on the chart"
    );
    assert!(html.contains("<a id=\"f1\"></a>") && html.contains("href=\"#p1\""));
}

#[test]
fn redaction_tokenises_addresses_consistently() {
    let md = twice(&["--redact"]);
    for leak in [
        "10.42.55.36",
        "10.42.60.190",
        "registry-push.idst.ibaintern.de",
        "q0009010",
    ] {
        assert!(!md.contains(leak), "{leak} left in the redacted document");
    }
    assert!(
        md.contains("The controller at ip-"),
        "the title names the client by its role and token"
    );
    // The client of the RPC finding keeps one token throughout.
    let title = md
        .lines()
        .find(|l| l.contains("exceeds Consul's per-client"))
        .expect("finding");
    let token = title
        .split_whitespace()
        .find(|w| w.starts_with("ip-"))
        .expect("token");
    assert!(md.contains(&format!("grep -w {token} ")));
    assert!(md.contains("- Redacted: IP addresses"));
}

#[test]
fn exit_codes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = |args: &[&str]| {
        Command::cargo_bin("casebook")
            .expect("binary")
            .current_dir(root)
            .args(args)
            .output()
            .expect("runs")
            .status
            .code()
    };
    assert_eq!(
        run(&[
            "analyze",
            BUNDLE,
            "--quiet",
            "--fail-on",
            "critical",
            "-o",
            "/dev/null"
        ]),
        Some(1)
    );
    assert_eq!(run(&["analyze", "no/such/bundle"]), Some(2));
    assert_eq!(run(&["analyze", BUNDLE, "--format", "pdf"]), Some(2));
    let kb = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(kb.path().join("kb")).expect("mkdir");
    std::fs::write(kb.path().join("kb/manifest.yaml"), "name: [broken\n").expect("write");
    assert_eq!(
        run(&["analyze", BUNDLE, "--kb", kb.path().to_str().expect("utf-8 path")]),
        Some(3)
    );
}

#[test]
fn completions_and_man_page_come_from_the_cli() {
    let out = |args: &[&str]| {
        let o = Command::cargo_bin("casebook")
            .expect("binary")
            .args(args)
            .output()
            .expect("runs");
        assert!(o.status.success());
        String::from_utf8(o.stdout).expect("utf-8")
    };
    assert!(out(&["completions", "bash"]).contains("casebook"));
    assert!(out(&["completions", "zsh"]).contains("#compdef casebook"));
    let man = out(&["man"]);
    assert!(man.contains(".TH casebook"), "{}", &man[..200.min(man.len())]);
    assert!(man.contains("analyze"));
}

#[test]
fn the_conclusion_comes_first() {
    let md = analyze(&[]);
    let lines: Vec<&str> = md.lines().collect();
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(needle))
            .unwrap_or_else(|| panic!("no line starts with {needle:?}"))
    };
    let table = at("| Finding | Severity | Title | Time span | Plan |");
    assert!(table < 60, "the findings table starts at line {}", table + 1);
    let order = [
        "## NeuVector controller not responding",
        "### Case description",
        "### Summary",
        "**Diagnosis:**",
        "| Finding | Severity",
        "**First steps**",
        "### Findings",
        "### Timeline",
        "### Plans",
        "### Environment",
        "### Materials",
        "### Appendix",
    ];
    let positions: Vec<usize> = order.iter().map(|n| at(n)).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "sections out of order: {order:?} at {positions:?}"
    );
    // Case id and title apart: the heading is the title alone.
    assert!(lines[0] == "## NeuVector controller not responding and UI not accessible");
    assert!(md.contains("Case **NVSHAS-9810**"));
}

#[test]
fn the_diagnosis_tells_the_chain_in_time_order() {
    let md = analyze(&[]);
    let diagnosis = md
        .lines()
        .find_map(|l| l.strip_prefix("**Diagnosis:** "))
        .expect("diagnosis line");
    let at = |needle: &str| {
        diagnosis
            .find(needle)
            .unwrap_or_else(|| panic!("diagnosis lacks {needle:?}: {diagnosis}"))
    };
    // The memory kill on Jan 26, the rejected RPC connections from Jan 27, the leaderless
    // cluster from Feb 2 with the findings that follow from it, and what that breaks.
    let killed = at("process was killed (F1)");
    let jan26 = at("On Jan 26");
    let rpc = at("Consul's per-client RPC connection limit (F5)");
    let jan27 = at("from Jan 27");
    let leaderless = at("no leader (F2)");
    let feb2 = at("from Feb 2 (first signs on Jan 26)");
    assert!(jan26 < killed && killed < jan27 && jan27 < rpc && rpc < feb2 && feb2 < leaderless);
    assert!(diagnosis[leaderless..]
        .contains("which explains enforcer pods crash-looping (F3) and admission audit queue is full (F6)"));
    assert!(
        diagnosis.contains("the UI and REST API stop responding"),
        "{diagnosis}"
    );
}

#[test]
fn plans_collect_evidence_before_changing_anything() {
    let md = analyze(&[]);
    let plans = md.split("### Plans").nth(1).expect("plans");
    let p2 = plans.split("#### P2.").nth(1).expect("P2");
    let save = p2.find("Save the logs of all 3 controllers").expect("save step");
    let scale = p2
        .find("Scale the controller deployment to 0")
        .expect("scale step");
    assert!(save < scale, "evidence collection comes before mitigation");
    // The runbook's Meaning and Impact stand with the finding they explain.
    let f2 = md.split("#### F2.").nth(1).expect("F2");
    let f2 = &f2[..f2.find("#### F3.").expect("F3")];
    assert!(
        f2.contains("**Impact:** The UI and REST API stop responding"),
        "{f2}"
    );
    // No raw booleans or unfilled parameters in prose.
    for artefact in [": true", ": false", "used: true", "?>", "{{", "{%"] {
        let hit = md
            .lines()
            .find(|l| l.contains(artefact) && !l.starts_with('|') && !l.contains("\"status\""));
        assert!(hit.is_none(), "template artefact {artefact:?}: {hit:?}");
    }
}

#[test]
fn output_format_follows_the_file_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, start) in [
        ("case.html", "<!DOCTYPE html>"),
        ("case.json", "{"),
        ("case.md", "## "),
    ] {
        let path = dir.path().join(name);
        analyze(&["-o", path.to_str().expect("utf-8")]);
        let text = std::fs::read_to_string(&path).expect("written");
        assert!(text.starts_with(start), "{name}: {}", &text[..40]);
    }
    // `-o -` is standard output.
    assert!(analyze(&["-o", "-", "--format", "json"]).starts_with('{'));
    // A clash between --format and the name is an error, and nothing is written.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let clash = dir.path().join("clash.html");
    let out = Command::cargo_bin("casebook")
        .expect("binary")
        .current_dir(root)
        .args(["analyze", BUNDLE, "-q", "--format", "json", "-o"])
        .arg(&clash)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("contradicts"));
    assert!(!clash.exists());
}

#[test]
fn the_terminal_summary_names_the_case() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::cargo_bin("casebook")
        .expect("binary")
        .current_dir(root)
        .args(["analyze", BUNDLE, "--case", "NVSHAS-9810", "-o", "/dev/null"])
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("casebook: NVSHAS-9810 (bundle nvshas-9810) — 6 findings"),
        "{err}"
    );
    assert!(err.contains("5 files, 0 skipped"), "{err}");
}

/// A log whose timed lines all come before a long untimed tail (a goroutine dump of 1,200
/// lines, past the 1,000 lines the scan looks back from a block's end) still has a time range,
/// and the document renders (it failed on `log.last` before).
#[test]
fn a_log_ending_in_a_long_untimed_tail_keeps_its_time_range() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = String::from(
        "2022-05-15T11:00:00.100|INFO|CTL|main.main: START - version=v4.4.0\n\
         2022-05-15T11:00:06.120|INFO|CTL|main.main: Cluster started\n",
    );
    for i in 0..600 {
        log.push_str(&format!(
            "goroutine {i} [select]:\n\t/usr/local/go/src/runtime/proc.go:367 +0xd6\n"
        ));
    }
    crate::common::write_files(
        dir.path(),
        &[("neuvector-controller-pod-5d8f9c7b4-abcde.log", &log)],
    );
    let md = crate::common::analyze_markdown(dir.path());
    let range = md.split("(to)\n").nth(1).expect("a time range");
    assert!(
        range.starts_with("2022-05-15T11:00:06.120|INFO|CTL|main.main: Cluster started"),
        "{range}"
    );
}
