//! Helpers shared by the integration tests: the real binary, the reference bundle, and small
//! bundles built on the fly.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The reference bundle (case NVSHAS-9810) as committed.
pub fn reference_bundle() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bundles/nvshas-9810")
}

/// The casebook binary.
pub fn casebook() -> Command {
    Command::cargo_bin("casebook").expect("binary built")
}

/// Runs `casebook analyze <bundle> --format json -q` and parses the document.
pub fn analyze_json(bundle: &Path, extra: &[&str]) -> serde_json::Value {
    let out = casebook()
        .arg("analyze")
        .arg(bundle)
        .args(["--format", "json", "-q"])
        .args(extra)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "analyze failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON document")
}

/// The finding raised by `rule` (the first, if several).
pub fn finding<'a>(doc: &'a serde_json::Value, rule: &str) -> &'a serde_json::Value {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no finding for {rule}: {:#}", doc["findings"]))
}

/// Packs the files of `dir` into a `.tar.gz` at `out`.
pub fn tar_gz(dir: &Path, out: &Path) {
    let file = std::fs::File::create(out).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.append_dir_all("nvlogs", dir).unwrap();
    tar.into_inner().unwrap().finish().unwrap();
}
