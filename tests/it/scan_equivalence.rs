//! The scan counts what a one-pattern-at-a-time search counts: on a generated bench bundle,
//! every signature of the embedded knowledge base, in every log it applies to, hits exactly as
//! many lines as its own regex matches when run line by line (and as `grep -c -P`, when grep
//! has PCRE, on files of valid UTF-8), whether files are scanned whole or cut into many pieces;
//! also with hundreds of signatures (past what the SIMD literal search takes at once).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::Command;

use casebook::bundle::{Bundle, BundleFile};
use casebook::kb::{FileFormat, KbOrigin, KnowledgeBase, Signature, SignatureSpec};
use casebook::scan::{
    scan_bundle, scan_bundle_feeding, scan_bundle_with, LineSink, ScanOptions, ScanReport, SignatureSet,
};
use casebook::synth::{write_bench_bundle, BenchOptions};
use casebook::time::Timestamp;

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
    let kb = KnowledgeBase::load(&KbOrigin::Embedded).expect("embedded knowledge base loads");
    assert!(!kb.signatures.is_empty());
    check_signatures(&kb, kb.signatures.clone(), true);
}

/// A knowledge base several times larger than the literal searcher's SIMD limit, with
/// literals that share starts (one a prefix of another) and case-insensitive patterns.
#[test]
fn hundreds_of_signatures_count_what_their_own_regexes_count() {
    let kb = KnowledgeBase::load(&KbOrigin::Embedded).expect("embedded knowledge base loads");
    let mut signatures = kb.signatures.clone();
    let mut add = |id: String, regex: String, kinds: Vec<String>, keywords: Vec<String>| {
        let spec = SignatureSpec {
            id: id.clone(),
            description: String::new(),
            regex,
            kinds,
            keywords,
            tags: vec![],
        };
        signatures.push(Signature::compile(id, spec, "generated.yaml", "").unwrap());
    };
    let present = [
        r"Process (?P<p>\w+) exit",
        r"Process agent exit (?P<how>with|status)",
        r"\|MON\|(?P<what>\w+)",
        r"probe\.\(\*Probe\)\.checkProcessProfile: Process profile violation - name=(?P<name>\S+)",
        r"agent\.client: RPC failed to server: method=(?P<m>\S+) server=(?P<s>[^:\s]+)",
        r"dp0 heartbeat miss count=(?P<count>\d+)",
        r"error=(?P<e>Queue full|Failed to locate leader)",
        r"Scan image done - image=(?P<image>\S+) layers=(?P<layers>\d+)",
    ];
    for (i, regex) in present.iter().enumerate() {
        let kinds = if i % 2 == 0 {
            vec![]
        } else {
            vec!["enforcer-log".to_owned()]
        };
        add(format!("gen.present-{i}"), (*regex).to_owned(), kinds, vec![]);
    }
    add(
        "gen.login".into(),
        r"(?i)USER (?P<u>\w+) LOGGED IN".into(),
        vec![],
        vec!["logged in".into()],
    );
    for i in 0..200 {
        let kinds = match i % 3 {
            0 => vec![],
            1 => vec!["controller-log".to_owned()],
            _ => vec!["enforcer-log".to_owned(), "controller-log".to_owned()],
        };
        add(
            format!("gen.absent-{i}"),
            format!(r"pkg{i}\.Handler{i}: request failed - code=(?P<code>\d+)"),
            kinds,
            vec![],
        );
    }
    // Literals holding a line break can be found, across lines, but no line holds them; one
    // starts at every line break, right after the line before it.
    add("gen.across-lines".into(), r"\n20\d\d-".into(), vec![], vec![]);
    add("gen.pid-across".into(), r", pid=1\n".into(), vec![], vec![]);
    assert!(signatures.len() > 200);
    // grep once per signature and file would be thousands of processes: the oracle only.
    check_signatures(&kb, signatures, false);
}

fn check_signatures(kb: &KnowledgeBase, signatures: Vec<Signature>, with_grep: bool) {
    let dir = tempfile::tempdir().unwrap();
    let manifest = write_bench_bundle(dir.path(), &BenchOptions { scale: 0.02, seed: 9 }).unwrap();
    let bundle = Bundle::open(dir.path(), &kb.kinds).unwrap();
    let set = SignatureSet::new(signatures.clone());

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

    let grep = with_grep && grep_has_pcre();
    let plain = tempfile::tempdir().unwrap();
    let mut expected = BTreeMap::new();
    let mut checked = 0;
    for file in bundle.files.iter().filter(|f| f.format == FileFormat::Log) {
        let text = decompressed(file);
        let utf8 = std::str::from_utf8(&text).is_ok();
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
        let body = text.strip_suffix(b"\n").unwrap_or(&text);
        let lines = if text.is_empty() {
            0
        } else {
            body.split(|&b| b == b'\n').count() as u64
        };
        assert_eq!(scanned.lines, lines, "{}", file.path);
        for sig in &signatures {
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
            // PCRE in the C locale lets `\S` match a byte of invalid UTF-8; Rust's Unicode
            // classes do not: grep is a second opinion on valid UTF-8 only.
            if grep && utf8 {
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

/// Records what the scan hands a line sink.
#[derive(Default)]
struct Recorder(Vec<(u64, String, bool)>);

impl LineSink for Recorder {
    type Finished = (Self, u64);

    fn line(&mut self, line_no: u64, line: &[u8], _: Option<Timestamp>, hit: bool) {
        self.0
            .push((line_no, String::from_utf8_lossy(line).into_owned(), hit));
    }

    fn append(&mut self, later: Self, lines_before: u64) {
        self.0
            .extend(later.0.into_iter().map(|(n, l, h)| (n + lines_before, l, h)));
    }

    fn finish(self, lines: u64) -> (Self, u64) {
        (self, lines)
    }
}

/// The sink gets, in file order and once each, exactly the lines holding a marker or hit by a
/// signature, with the hit flag right, whether files are scanned whole or in pieces.
#[test]
fn line_sink_gets_marked_and_hit_lines_in_order() {
    let kb = KnowledgeBase::load(&KbOrigin::Embedded).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_bench_bundle(dir.path(), &BenchOptions { scale: 0.01, seed: 3 }).unwrap();
    let bundle = Bundle::open(dir.path(), &kb.kinds).unwrap();
    let markers: Vec<Vec<u8>> = kb.level_markers.iter().map(|m| m.as_bytes().to_vec()).collect();
    assert!(!markers.is_empty());
    let set = SignatureSet::with_markers(kb.signatures.clone(), &markers);
    let feed = |segment_bytes| {
        let options = ScanOptions {
            segment_bytes,
            ..ScanOptions::default()
        };
        scan_bundle_feeding(&bundle, &set, &kb.components, &options, &|_, _| {
            Some(Recorder::default())
        })
    };
    let (whole, fed_whole) = feed(u64::MAX);
    let (pieces, fed_pieces) = feed(8 * 1024);
    // Each sink is finished once, with its whole file's line count.
    for (report, fed) in [(&whole, &fed_whole), (&pieces, &fed_pieces)] {
        let lines: BTreeMap<&str, u64> = report.files.iter().map(|f| (f.path.as_str(), f.lines)).collect();
        assert_eq!(fed.len(), lines.len());
        for (path, (_, finished_with)) in fed {
            assert_eq!(lines[path.as_str()], *finished_with, "{path}");
        }
    }
    let as_map = |fed: Vec<(String, (Recorder, u64))>| -> BTreeMap<String, Vec<(u64, String, bool)>> {
        fed.into_iter().map(|(p, (r, _))| (p, r.0)).collect()
    };
    let fed_whole = as_map(fed_whole);
    assert_eq!(fed_whole, as_map(fed_pieces), "pieces feed what whole files feed");

    let mut lines_checked = 0;
    for file in bundle.files.iter().filter(|f| f.format == FileFormat::Log) {
        let text = decompressed(file);
        let expected: Vec<(u64, String, bool)> = text
            .split(|&b| b == b'\n')
            .enumerate()
            .filter_map(|(i, line)| {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let hit = kb
                    .signatures
                    .iter()
                    .any(|s| applies(s, file) && s.regex.is_match(line));
                let marked = markers.iter().any(|m| line.windows(m.len()).any(|w| w == &m[..]));
                (hit || marked).then(|| (i as u64 + 1, String::from_utf8_lossy(line).into_owned(), hit))
            })
            .collect();
        let got = fed_whole.get(&file.path).cloned().unwrap_or_default();
        assert_eq!(got.len(), expected.len(), "{}", file.path);
        assert!(got == expected, "{}: the fed lines differ", file.path);
        lines_checked += got.len();
    }
    assert!(
        lines_checked > 1000,
        "the bundle has lines that matter: {lines_checked}"
    );
    assert!(whole.files.iter().all(|f| f.error.is_none()));
}
