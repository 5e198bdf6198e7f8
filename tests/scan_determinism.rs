//! The scan report is the same whatever the number of threads, and cutting large files into
//! pieces changes no count, line number, time, histogram or sample.

use casebook::bundle::Bundle;
use casebook::kb::{KbOrigin, KnowledgeBase};
use casebook::scan::{scan_bundle_with, ScanOptions, ScanReport, SignatureSet};
use casebook::synth::{write_bench_bundle, BenchOptions};

fn scan(dir: &std::path::Path, threads: usize, segment_bytes: u64) -> ScanReport {
    let kb = KnowledgeBase::load(&KbOrigin::Embedded).unwrap();
    let bundle = Bundle::open(dir, &kb.kinds).unwrap();
    let set = SignatureSet::new(kb.signatures.clone());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let options = ScanOptions {
        segment_bytes,
        ..ScanOptions::default()
    };
    pool.install(|| scan_bundle_with(&bundle, &set, &kb.components, &options))
}

fn json(report: &ScanReport) -> serde_json::Value {
    serde_json::to_value(report).unwrap()
}

/// The report without captured values: past the distinct-value cap, which values are kept
/// depends on where files are cut (see `scan::MAX_DISTINCT`).
fn without_captures(mut value: serde_json::Value) -> serde_json::Value {
    for file in value["files"].as_array_mut().unwrap() {
        for (_, hits) in file["hits"].as_object_mut().unwrap() {
            hits.as_object_mut().unwrap().remove("captures");
        }
    }
    value
}

#[test]
fn same_report_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    write_bench_bundle(dir.path(), &BenchOptions { scale: 0.03, seed: 3 }).unwrap();
    let segment = 20 * 1024;
    let one = json(&scan(dir.path(), 1, segment));
    let files = one["files"].as_array().unwrap();
    assert!(
        files.iter().any(|f| f["bytes"].as_u64().unwrap() > 4 * segment),
        "some file is cut into pieces"
    );
    for threads in [2, 3, 8] {
        assert!(
            json(&scan(dir.path(), threads, segment)) == one,
            "{threads} threads"
        );
    }
    let whole = json(&scan(dir.path(), 2, u64::MAX));
    assert!(
        without_captures(whole) == without_captures(one),
        "pieces and whole files agree"
    );
}
