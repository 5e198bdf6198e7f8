//! Grouping accuracy of the digest miner on the Loghub-2k samples, read raw (headers
//! included) with default options. Each dataset must at least match hand-tuned Drain.
//!
//! The samples live outside the crate: `../shared/loghub` from the crate root (the main
//! checkout), `../../shared/loghub` (a worktree under `wt/`), or `$LOGHUB_DIR`. The test is
//! skipped, with a message, when none exists.

use std::collections::HashMap;
use std::path::PathBuf;

use casebook::digest::{write_per_line, DigestOptions};

/// Hand-tuned Drain's GA on the same files (logparser benchmark), the floor per dataset.
const DRAIN: [(&str, f64); 8] = [
    ("HDFS", 0.998),
    ("Hadoop", 0.948),
    ("Spark", 0.920),
    ("Zookeeper", 0.967),
    ("Linux", 0.690),
    ("Apache", 1.000),
    ("OpenSSH", 0.788),
    ("Mac", 0.787),
];

fn loghub_dir() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut candidates = vec![root.join("../shared/loghub"), root.join("../../shared/loghub")];
    if let Some(dir) = std::env::var_os("LOGHUB_DIR") {
        candidates.insert(0, PathBuf::from(dir));
    }
    candidates.into_iter().find(|p| p.join("HDFS").is_dir())
}

/// Splits one CSV record (RFC 4180 quoting: `"a,b"`, `""` for a quote).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// Ground truth: line id -> event id.
fn read_truth(path: &PathBuf) -> HashMap<u64, String> {
    let text = std::fs::read_to_string(path).expect("read truth csv");
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    let header = csv_fields(lines.next().expect("csv header"));
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    let (line_col, event_col) = (col("LineId"), col("EventId"));
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f = csv_fields(l);
            (f[line_col].trim().parse().expect("LineId"), f[event_col].clone())
        })
        .collect()
}

/// Grouping Accuracy as logparser defines it: a line is right when the set of lines in its
/// predicted group equals the set of lines in its true group.
fn grouping_accuracy(truth: &HashMap<u64, String>, pred: &HashMap<u64, u64>) -> f64 {
    let mut groups: HashMap<&str, Vec<u64>> = HashMap::new();
    for (line, event) in truth {
        groups.entry(event).or_default().push(*line);
    }
    let mut pred_size: HashMap<u64, usize> = HashMap::new();
    for line in truth.keys() {
        if let Some(c) = pred.get(line) {
            *pred_size.entry(*c).or_default() += 1;
        }
    }
    let mut correct = 0usize;
    for members in groups.values() {
        let first = pred.get(&members[0]);
        let same = members.iter().all(|l| pred.get(l) == first);
        if let (true, Some(c)) = (same, first) {
            if pred_size[c] == members.len() {
                correct += members.len();
            }
        }
    }
    correct as f64 / truth.len() as f64
}

#[test]
fn loghub_grouping_accuracy_beats_drain() {
    let Some(dir) = loghub_dir() else {
        println!("skipped: no loghub samples at ../shared/loghub (set LOGHUB_DIR)");
        return;
    };
    let mut total = 0.0;
    let mut failures = Vec::new();
    for (name, floor) in DRAIN {
        let raw = std::fs::read(dir.join(name).join(format!("{name}_2k.log"))).expect("raw log");
        let mut out = Vec::new();
        write_per_line(raw.as_slice(), &mut out, &DigestOptions::default()).expect("mine");
        let pred: HashMap<u64, u64> = String::from_utf8(out)
            .expect("utf-8 json")
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("json line");
                (
                    v["line"].as_u64().expect("line"),
                    v["cluster"].as_u64().expect("cluster"),
                )
            })
            .collect();
        let truth = read_truth(&dir.join(name).join(format!("{name}_2k.log_structured.csv")));
        assert_eq!(pred.len(), truth.len(), "{name}: one prediction per line");
        let ga = grouping_accuracy(&truth, &pred);
        println!("{name:<10} GA {ga:.4} (Drain {floor:.3})");
        total += ga;
        if ga + 1e-9 < floor {
            failures.push(format!("{name}: GA {ga:.4} < {floor}"));
        }
    }
    let mean = total / DRAIN.len() as f64;
    println!("mean       GA {mean:.4}");
    assert!(failures.is_empty(), "{failures:?}");
    assert!(mean >= 0.98, "mean GA {mean:.4} < 0.98 (0.9869 measured)");
}

#[test]
fn csv_quoting() {
    assert_eq!(
        csv_fields(r#"1,"a,b","say ""hi""",x"#),
        vec!["1", "a,b", r#"say "hi""#, "x"]
    );
}
