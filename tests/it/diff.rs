//! `casebook diff`: the reference bundle against a healed copy of it (the lines of the outage
//! dropped), compared as bundles and as analysis JSONs.

use std::io::{BufRead, Write};
use std::path::Path;

use crate::common::{casebook, copy_dir, reference_bundle};

/// Lines of the failures the healed copy no longer has.
const FAILING: [&str; 3] = ["No cluster leader", "rpc_max_conns_per_client", "Queue full"];

/// A copy of the reference bundle whose logs lack the failing lines (`.gz` logs are written
/// back uncompressed under the same name less `.gz`).
fn healed_copy(dir: &Path) {
    copy_dir(&reference_bundle(), dir);
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let reader: Box<dyn BufRead> = if name.ends_with(".log.gz") {
            Box::new(std::io::BufReader::new(flate2::read::GzDecoder::new(
                std::fs::File::open(&path).unwrap(),
            )))
        } else if name.ends_with(".log") {
            Box::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()))
        } else {
            continue;
        };
        let mut kept = Vec::new();
        for line in reader.split(b'\n') {
            let line = line.unwrap();
            let text = String::from_utf8_lossy(&line);
            if !FAILING.iter().any(|f| text.contains(f)) {
                kept.extend_from_slice(&line);
                kept.push(b'\n');
            }
        }
        std::fs::remove_file(&path).unwrap();
        let target = dir.join(name.trim_end_matches(".gz"));
        std::fs::File::create(target).unwrap().write_all(&kept).unwrap();
    }
}

fn run(args: &[&std::ffi::OsStr]) -> String {
    let out = casebook().arg("diff").arg("-q").args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn rules(list: &serde_json::Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect()
}

#[test]
fn a_healed_bundle_loses_the_outage_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let healed = tmp.path().join("nvshas-9810");
    healed_copy(&healed);
    let before = reference_bundle();
    let text = run(&[
        before.as_os_str(),
        healed.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    let diff: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(diff["schema"], "casebook.diff/1");
    let gone = rules(&diff["disappeared"]);
    for rule in [
        "nv.consul.leaderless",
        "nv.consul.rpc-conn-limit",
        "nv.admission.audit-queue-full",
    ] {
        assert!(gone.contains(&rule), "{rule} should have disappeared: {gone:?}");
    }
    // What the copy still has stays: the memory kill and the crash-looping enforcers.
    for rule in ["nv.controller.memory-over-limit", "nv.enforcer.crashloop"] {
        assert!(
            !gone.contains(&rule) && !rules(&diff["appeared"]).contains(&rule),
            "{rule}"
        );
    }
    let rejected = diff["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["signature"] == "nv.consul.rpc-conn-limit/rejected")
        .expect("the rejected-connection count changed");
    assert_eq!(
        (rejected["before"].as_u64(), rejected["after"].as_u64()),
        (Some(97138), Some(0))
    );
    assert_eq!(
        diff["signatures"][0]["signature"], "nv.consul.rpc-conn-limit/rejected",
        "largest change first"
    );

    // Markdown says the same.
    let md = run(&[before.as_os_str(), healed.as_os_str()]);
    let gone_at = md.find("### Findings that disappeared").expect(&md);
    assert!(md[gone_at..].contains("`nv.consul.leaderless`"));
    assert!(
        md.contains("| `nv.consul.rpc-conn-limit/rejected` | 97138 | 0 | -97138 |"),
        "{md}"
    );

    // Two analysis JSONs give the same comparison as the two bundles.
    let json = |bundle: &Path, out: &Path| {
        let status = casebook()
            .args(["analyze", "-q", "--no-digest", "-o"])
            .arg(out)
            .arg(bundle)
            .output()
            .unwrap()
            .status;
        assert!(status.success());
    };
    let (a, b) = (tmp.path().join("a.json"), tmp.path().join("b.json"));
    json(&before, &a);
    json(&healed, &b);
    let from_json = run(&[a.as_os_str(), b.as_os_str(), "--format".as_ref(), "json".as_ref()]);
    assert_eq!(from_json, text);
}

#[test]
fn the_same_bundle_twice_has_no_difference() {
    let before = reference_bundle();
    let md = run(&[before.as_os_str(), before.as_os_str()]);
    assert!(md.contains("The same findings on both sides."), "{md}");
    assert!(md.contains("No signature's hit count changed."), "{md}");
}

#[test]
fn a_json_that_is_not_an_analysis_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let other = tmp.path().join("other.json");
    std::fs::write(&other, "{\"schema\": \"something/1\"}").unwrap();
    let out = casebook().arg("diff").arg(&other).arg(&other).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a casebook case document"));
}
