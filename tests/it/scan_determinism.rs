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

/// A piece whose first (skipped) line ends exactly where its first read ends: the line after
/// it is scanned, and no long line is made up. The file is cut in two pieces inside a line
/// longer than a read, so the second piece skips to a newline at the last byte of its read.
#[test]
fn a_piece_whose_skipped_line_ends_with_its_first_read() {
    use casebook::scan::READ_WINDOW;
    let rejected = |port: u32| {
        format!(
            "2024-05-01T08:00:05.100Z [ERROR] agent.server.rpc: rejecting RPC conn from because rpc_max_conns_per_client exceeded: conn=from=10.1.2.3:{port}\n"
        )
    };
    let first = rejected(40001);
    // The second piece starts at `cut` and reads from `cut - 1`; its first newline is the one
    // ending the long line, at the last byte of that read.
    let cut = READ_WINDOW + 400;
    let newline_at = cut - 1 + READ_WINDOW - 1;
    let mut log = first.clone().into_bytes();
    log.resize(newline_at, b'x');
    log.push(b'\n');
    log.extend_from_slice(rejected(40002).as_bytes());
    let pad = 2 * cut - log.len() - 1;
    log.extend(std::iter::repeat_n(b'y', pad));
    log.push(b'\n');
    assert_eq!(log.len(), 2 * cut);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("neuvector-controller-pod-x.log"), &log).unwrap();

    let whole = json(&scan(dir.path(), 1, 1 << 40));
    let pieces = json(&scan(dir.path(), 1, cut as u64));
    let file = &whole["files"][0];
    assert_eq!(
        file["hits"]["nv.consul.rpc-conn-limit/rejected"]["count"], 2,
        "{file}"
    );
    assert_eq!(file["long_lines"].as_array().unwrap().len(), 1, "{file}");
    assert_eq!(pieces, whole);
}
