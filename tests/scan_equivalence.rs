//! The scan counts what a one-pattern-at-a-time search counts: on a generated bench bundle,
//! every signature of the embedded knowledge base, in every log it applies to, hits exactly as
//! many lines as its own regex matches when run line by line (and as `grep -c -P`, when grep
//! has PCRE), whether files are scanned whole or cut into many pieces.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::Command;

use casebook::bundle::{Bundle, BundleFile};
use casebook::kb::{FileFormat, KbOrigin, KnowledgeBase, Signature};
use casebook::scan::{scan_bundle, scan_bundle_with, ScanOptions, ScanReport, SignatureSet};
use casebook::synth::{write_bench_bundle, BenchOptions};

fn decompressed(file: &BundleFile) -> Vec<u8> {
    let raw = std::fs::read(&file.disk_path).unwrap();
    if !file.gzip {
        return raw;
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(&raw[..])
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn applies(sig: &Signature, file: &BundleFile) -> bool {
    sig.spec.kinds.is_empty() || file.kind.as_ref().is_some_and(|k| sig.spec.kinds.contains(k))
}

/// Lines of `text` the signature's regex matches, one line at a time.
fn oracle_count(sig: &Signature, text: &[u8]) -> u64 {
    let body = text.strip_suffix(b"\n").unwrap_or(text);
    if body.is_empty() && text.is_empty() {
        return 0;
    }
    body.split(|&b| b == b'\n')
        .filter(|line| sig.regex.is_match(line.strip_suffix(b"\r").unwrap_or(line)))
        .count() as u64
}

fn counts(report: &ScanReport) -> BTreeMap<(String, String), u64> {
    report
        .files
        .iter()
        .flat_map(|f| {
            f.hits
                .iter()
                .map(|(id, h)| ((f.path.clone(), id.clone()), h.count))
        })
        .collect()
}

fn grep_has_pcre() -> bool {
    Command::new("grep")
        .args(["-c", "-P", "a"])
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null())
        .output()
        .is_ok_and(|o| o.status.code() == Some(1))
}

fn grep_count(pattern: &str, path: &Path) -> u64 {
    let out = Command::new("grep")
        .args(["-c", "-a", "-P", "-e", pattern])
        .arg(path)
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "grep -P {pattern}: {out:?}"
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

#[test]
fn every_signature_counts_what_its_own_regex_counts() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = write_bench_bundle(dir.path(), &BenchOptions { scale: 0.02, seed: 9 }).unwrap();
    let kb = KnowledgeBase::load(&KbOrigin::Embedded).expect("embedded knowledge base loads");
    assert!(!kb.signatures.is_empty());
    let bundle = Bundle::open(dir.path(), &kb.kinds).unwrap();
    let set = SignatureSet::new(kb.signatures.clone());

    let whole = scan_bundle(&bundle, &set, &kb.components);
    let pieces = scan_bundle_with(
        &bundle,
        &set,
        &kb.components,
        &ScanOptions {
            segment_bytes: 16 * 1024,
            ..ScanOptions::default()
        },
    );
    let found = counts(&whole);
    assert_eq!(
        found,
        counts(&pieces),
        "cutting files into pieces changes no count"
    );

    let grep = grep_has_pcre();
    let plain = tempfile::tempdir().unwrap();
    let mut expected = BTreeMap::new();
    let mut checked = 0;
    for file in bundle.files.iter().filter(|f| f.format == FileFormat::Log) {
        let text = decompressed(file);
        let plain_path = plain.path().join(file.path.replace('/', "_"));
        if grep {
            std::fs::write(&plain_path, &text).unwrap();
        }
        let scanned = whole
            .files
            .iter()
            .find(|f| f.path == file.path)
            .expect("every log is scanned");
        assert_eq!(scanned.bytes, text.len() as u64, "{}", file.path);
        for sig in &kb.signatures {
            if !applies(sig, file) {
                assert!(
                    !scanned.hits.contains_key(&sig.id),
                    "{} ran on {}",
                    sig.id,
                    file.path
                );
                continue;
            }
            let n = oracle_count(sig, &text);
            if grep {
                assert_eq!(
                    grep_count(&sig.spec.regex, &plain_path),
                    n,
                    "grep -c -P {} {}",
                    sig.id,
                    file.path
                );
            }
            checked += 1;
            if n > 0 {
                expected.insert((file.path.clone(), sig.id.clone()), n);
            }
        }
    }
    assert!(checked > 100, "{checked} (signature, file) pairs checked");
    assert_eq!(found, expected);

    // Not vacuous: the storms of the bundle hit several signatures, thousands of times.
    let hit: std::collections::BTreeSet<&String> = found.keys().map(|(_, id)| id).collect();
    assert!(hit.len() >= 3, "signatures that hit: {hit:?}");
    let planted: u64 = manifest.storms.iter().map(|s| s.lines).sum();
    assert!(found.values().sum::<u64>() * 2 > planted, "{found:?}");
}
