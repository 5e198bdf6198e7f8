//! One count for one thing: a signature's hits in a log read the same in the log's excerpts, the
//! findings' evidence, the timeline and the chart, and a log's hits are the sum of its
//! signatures' hits. The digest counts lines (a line two signatures match is one line), and says
//! so, so its number does not read as a fourth count of hits.

use std::collections::BTreeMap;

use crate::common::{analyze_json, casebook, reference_bundle};

#[test]
fn a_signatures_hits_in_a_log_are_one_number_everywhere() {
    let doc = analyze_json(&reference_bundle(), &[]);
    // (file, signature) => hits, from the log sections' excerpts.
    let mut hits: BTreeMap<(String, String), u64> = BTreeMap::new();
    for log in doc["logs"].as_array().expect("logs") {
        let file = log["file"].as_str().expect("file").to_owned();
        let mut sum = 0;
        for e in log["excerpts"].as_array().expect("excerpts") {
            let count = e["count"].as_u64().expect("count");
            sum += count;
            hits.insert(
                (file.clone(), e["signature"].as_str().expect("id").to_owned()),
                count,
            );
        }
        assert_eq!(
            log["hits"].as_u64(),
            Some(sum),
            "{file}: hits are its signatures' hits"
        );
    }
    let of = |file: &serde_json::Value, signature: &serde_json::Value| {
        let key = (
            file.as_str().unwrap_or_default().to_owned(),
            signature.as_str().unwrap_or_default().to_owned(),
        );
        *hits.get(&key).unwrap_or_else(|| panic!("{key:?} has an excerpt"))
    };
    let mut checked = 0;
    for f in doc["findings"].as_array().expect("findings") {
        for e in f["evidence"].as_array().expect("evidence") {
            if e["signature"].is_string() {
                assert_eq!(e["count"].as_u64(), Some(of(&e["file"], &e["signature"])), "{e}");
                checked += 1;
            }
        }
    }
    for t in doc["timeline"].as_array().expect("timeline") {
        if t["event"] != "finding" {
            assert_eq!(t["count"].as_u64(), Some(of(&t["file"], &t["what"])), "{t}");
            checked += 1;
        }
    }
    for lane in doc["activity"]["lanes"].as_array().expect("lanes") {
        for s in lane["signatures"].as_array().expect("signatures") {
            let sum: u64 = s["files"]
                .as_array()
                .expect("files")
                .iter()
                .map(|file| of(file, &s["signature"]))
                .sum();
            assert_eq!(s["total"].as_u64(), Some(sum), "{s}");
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} counts compared");
}

#[test]
fn the_markdown_labels_hits_and_digested_lines_apart() {
    let out = casebook()
        .args(["analyze", "--quiet"])
        .arg(reference_bundle())
        .output()
        .expect("runs");
    let md = String::from_utf8(out.stdout).expect("utf-8");
    let doc = analyze_json(&reference_bundle(), &[]);
    for log in doc["logs"].as_array().expect("logs") {
        let n = log["number"].as_u64().expect("number");
        let summary = md
            .lines()
            .find(|l| l.starts_with(&format!("<details><summary>#{n} ")))
            .expect("log summary");
        assert!(
            summary.ends_with(&format!(" {} hits</summary>", log["hits"])),
            "{summary}"
        );
        if let Some(digest) = log["digest"].as_object() {
            let line = md
                .lines()
                .find(|l| l.starts_with(&format!("Digest of #{n}: ")))
                .expect("digest line");
            assert!(
                line.contains(&format!(
                    "from {} of its {} lines",
                    digest["lines_digested"], digest["lines_total"]
                )),
                "{line}"
            );
            assert!(
                line.contains("a line counts once however many signatures match it"),
                "{line}"
            );
            assert!(
                !line.contains(" hits:") && !line.contains(&format!("{} hits", digest["lines_digested"]))
            );
        }
    }
}
