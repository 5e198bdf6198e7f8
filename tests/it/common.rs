//! What the integration tests share: the real binary, the reference bundle, and [`Scenario`], a
//! small builder for "a knowledge base with these rules, a bundle with these files", run
//! through the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository root.
pub(crate) const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The reference bundle (case NVSHAS-9810) as committed.
pub(crate) fn reference_bundle() -> PathBuf {
    Path::new(ROOT).join("fixtures/bundles/nvshas-9810")
}

/// The casebook binary, its search-index cache in the tests' temporary folder (never the
/// user's).
pub(crate) fn casebook() -> Command {
    let mut c = Command::cargo_bin("casebook").expect("binary built");
    c.env(
        "CASEBOOK_CACHE_DIR",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("casebook-cache"),
    );
    c
}

/// Runs `casebook analyze <bundle> -q <args>`, checks it succeeded, and returns its stdout.
fn analyze_stdout(bundle: &Path, args: &[&str]) -> Vec<u8> {
    let out = casebook()
        .arg("analyze")
        .arg(bundle)
        .arg("-q")
        .args(args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "analyze failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs `casebook analyze <bundle> --format json -q` and parses the document.
pub(crate) fn analyze_json(bundle: &Path, extra: &[&str]) -> serde_json::Value {
    let args: Vec<&str> = ["--format", "json"].iter().chain(extra).copied().collect();
    serde_json::from_slice(&analyze_stdout(bundle, &args)).expect("JSON document")
}

/// Runs `casebook analyze <bundle> -q` and returns the markdown document.
pub(crate) fn analyze_markdown(bundle: &Path) -> String {
    String::from_utf8(analyze_stdout(bundle, &[])).expect("UTF-8 document")
}

/// The rules of a document's findings, in document order.
pub(crate) fn fired_rules(doc: &serde_json::Value) -> Vec<&str> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule id"))
        .collect()
}

/// The finding raised by `rule` (the first, if several).
pub(crate) fn finding<'a>(doc: &'a serde_json::Value, rule: &str) -> &'a serde_json::Value {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no finding for {rule}: {:#}", doc["findings"]))
}

/// Packs the files of `dir` into a `.tar.gz` at `out`.
pub(crate) fn tar_gz(dir: &Path, out: &Path) {
    let file = std::fs::File::create(out).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.append_dir_all("nvlogs", dir).unwrap();
    tar.into_inner().unwrap().finish().unwrap();
}

/// Copies the tree `from` to `to`.
///
/// The lock and changelog (`kb.lock.json`, `changelog.json`) stay behind: a copy is a new KB
/// with no locked history, so tests may add and change rules freely.
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        if matches!(
            entry.file_name().to_str(),
            Some("kb.lock.json" | "changelog.json")
        ) {
            continue;
        }
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Writes `files` (relative path, text) under `dir`, creating folders.
pub(crate) fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let target = dir.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, text).unwrap();
    }
}

/// What one run of the binary gave.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// A knowledge base and a bundle built in temporary folders, and the binary run on them:
///
/// ```ignore
/// let s = Scenario::new().rule("rules/t/r.yaml", RULE).log("app.log", "...");
/// let out = s.run(&["analyze", "{bundle}", "--format", "json"]);
/// ```
///
/// The knowledge base starts as the repository's `kb/` (manifest, kinds, shared signatures,
/// templates) with empty `rules/` and `runbooks/`, or the whole shipped KB with
/// [`Scenario::shipped_rules`]. `{kb}` and `{bundle}` in the arguments stand for the two
/// folders; `--kb` is added for every command that takes it when the scenario has a KB.
pub(crate) struct Scenario {
    kb: tempfile::TempDir,
    /// Holds `bundle/`, so the bundle's name is the same in every run.
    bundle: tempfile::TempDir,
}

impl Default for Scenario {
    fn default() -> Self {
        Self::new()
    }
}

impl Scenario {
    /// A KB with the repository's `kb/` and no rules; an empty bundle.
    pub(crate) fn new() -> Scenario {
        let kb = tempfile::tempdir().unwrap();
        copy_dir(&Path::new(ROOT).join("kb"), &kb.path().join("kb"));
        std::fs::create_dir_all(kb.path().join("rules")).unwrap();
        std::fs::create_dir_all(kb.path().join("runbooks")).unwrap();
        let bundle = tempfile::tempdir().unwrap();
        std::fs::create_dir(bundle.path().join("bundle")).unwrap();
        Scenario { kb, bundle }
    }

    /// Adds the shipped rules and runbooks.
    pub(crate) fn shipped_rules(self) -> Scenario {
        for root in ["rules", "runbooks"] {
            copy_dir(&Path::new(ROOT).join(root), &self.kb.path().join(root));
        }
        self
    }

    /// Writes a file of the KB (`rules/x/y.yaml`, `runbooks/z.md`, `kb/kinds.yaml`, ...).
    pub(crate) fn kb_file(self, path: &str, text: &str) -> Scenario {
        write_files(self.kb.path(), &[(path, text)]);
        self
    }

    /// Adds the one-rule knowledge base several tests start from (see [`one_rule`]).
    pub(crate) fn one_rule(self, regex: &str) -> Scenario {
        self.kb_file("rules/t/one.yaml", &one_rule(regex))
            .kb_file("runbooks/one.md", ONE_RUNBOOK)
    }

    /// Writes a file of the bundle.
    pub(crate) fn log(self, path: &str, text: &str) -> Scenario {
        write_files(&self.bundle(), &[(path, text)]);
        self
    }

    /// The KB folder.
    pub(crate) fn kb(&self) -> &Path {
        self.kb.path()
    }

    /// The bundle folder.
    pub(crate) fn bundle(&self) -> PathBuf {
        self.bundle.path().join("bundle")
    }

    /// Runs the binary with `args` (`{kb}`, `{bundle}` replaced) and `--kb` the scenario's KB.
    pub(crate) fn run(&self, args: &[&str]) -> Outcome {
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                a.replace("{kb}", &self.kb().display().to_string())
                    .replace("{bundle}", &self.bundle().display().to_string())
            })
            .collect();
        let out = casebook()
            .args(&args)
            .arg("--kb")
            .arg(self.kb())
            .output()
            .expect("runs");
        Outcome {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The rule of the one-rule knowledge base (`rules/t/one.yaml`): `t.one` fires when its
/// signature `hit` matches `regex`, and its finding quotes the `what` capture (bundle text
/// into the summary) and links runbook `one` ([`ONE_RUNBOOK`]).
pub(crate) fn one_rule(regex: &str) -> String {
    format!(
        r#"id: t.one
title: One rule
status: stable
severity: high
description: A rule that quotes whatever the line holds.
runbook: one
signatures:
  - id: hit
    regex: '{regex}'
script: |
  let h = bundle.hits("hit");
  if h.count == 0 {{
      return;
  }}
  finding(#{{
      summary: `Saw ${{h.captures.what.top}}.`,
      evidence: ["hit"],
  }})
"#
    )
}

/// The runbook of [`one_rule`] (`runbooks/one.md`).
pub(crate) const ONE_RUNBOOK: &str = "---
id: one
title: Handle the line
params: {}
rules: [t.one]
---
## Meaning
The line.

## Impact
None.

## Diagnosis
1. Look.

## Mitigation
1. Fix.
";
