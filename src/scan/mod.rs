//! The second stage: read every file of the bundle once and match every signature in one pass.
//!
//! All signature literals go into one Aho-Corasick automaton; a file is read in large blocks
//! and searched for any literal; only a line where one occurs is looked at, and only the
//! signatures owning the literals found in that line run their own regex (captures only then).
//! Signatures with no literal run on every line of the files they apply to. Files are scanned in
//! parallel and merged in path order, so the result does not depend on the thread count.
//!
//! Tables (pod listings) are parsed here too, since this is the stage that reads files.

mod hits;
mod prefilter;
mod reader;

use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use rayon::prelude::*;
use serde::Serialize;

pub use hits::{CaptureStats, HitLine, SignatureHits, BUCKET_MS};
pub use prefilter::required_literals;

use crate::bundle::{open_stream, Bundle, BundleFile, Skipped};
use crate::kb::{FileFormat, Signature};
use crate::tables::{Components, PodTable};
use crate::time::Timestamp;

/// Largest pod listing read whole.
const MAX_TABLE_BYTES: u64 = 64 * 1024 * 1024;

/// Every signature of the knowledge base, compiled into one matcher.
#[derive(Debug)]
pub struct SignatureSet {
    signatures: Vec<Signature>,
    /// Finds any literal in a block (leftmost-first: fastest search).
    any: Option<AhoCorasick>,
    /// Finds every literal in one line (overlapping).
    each: Option<AhoCorasick>,
    /// Literal index => signature index.
    owner: Vec<usize>,
    /// Signatures with no literal: their regex runs on every line.
    unfiltered: Vec<usize>,
}

impl SignatureSet {
    /// Builds the matcher for `signatures` (their order is kept: index = position).
    pub fn new(signatures: Vec<Signature>) -> Self {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut owner = Vec::new();
        let mut unfiltered = Vec::new();
        for (index, sig) in signatures.iter().enumerate() {
            let atoms = if sig.spec.keywords.is_empty() {
                required_literals(&sig.spec.regex)
            } else {
                Some(sig.spec.keywords.iter().map(|k| k.as_bytes().to_vec()).collect())
            };
            match atoms {
                Some(atoms) => {
                    for atom in atoms {
                        literals.push(atom);
                        owner.push(index);
                    }
                }
                None => unfiltered.push(index),
            }
        }
        let build = |kind| {
            (!literals.is_empty()).then(|| {
                AhoCorasickBuilder::new()
                    .match_kind(kind)
                    .build(&literals)
                    .expect("literal automaton within size limits")
            })
        };
        SignatureSet {
            any: build(MatchKind::LeftmostFirst),
            each: build(MatchKind::Standard),
            signatures,
            owner,
            unfiltered,
        }
    }

    /// The signatures, in index order.
    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }

    /// Which signatures apply to a file of kind `kind`.
    fn applicable(&self, kind: Option<&str>) -> Vec<bool> {
        self.signatures
            .iter()
            .map(|s| s.spec.kinds.is_empty() || kind.is_some_and(|k| s.spec.kinds.iter().any(|x| x == k)))
            .collect()
    }
}

/// What the scan learned about one log file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileScan {
    /// Path inside the bundle.
    pub path: String,
    /// Kind id.
    pub kind: Option<String>,
    /// Lines read.
    pub lines: u64,
    /// Bytes read (decompressed).
    pub bytes: u64,
    /// First line that carries a time.
    pub first: Option<HitLine>,
    /// Last line that carries a time.
    pub last: Option<HitLine>,
    /// Hits per signature id (only signatures that hit).
    pub hits: BTreeMap<String, SignatureHits>,
    /// Lines that were not valid UTF-8 (matched lossily).
    pub invalid_utf8_lines: u64,
    /// Lines longer than the scan window: matched on their first part only.
    pub long_lines: Vec<u64>,
    /// A read error that ended the file early (corrupt gzip, I/O), after `lines` lines.
    pub error: Option<String>,
}

impl FileScan {
    /// Time range of the file.
    pub fn time_range(&self) -> (Option<Timestamp>, Option<Timestamp>) {
        (
            self.first.as_ref().and_then(|h| h.time),
            self.last.as_ref().and_then(|h| h.time),
        )
    }
}

/// The scan of a whole bundle.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanReport {
    /// Logs, in path order.
    pub files: Vec<FileScan>,
    /// Pod listings, in path order.
    pub pod_tables: Vec<PodTable>,
    /// Files not scanned (binary, unreadable), with the reason.
    pub skipped: Vec<Skipped>,
}

impl ScanReport {
    /// Hits of signature `id` in every file, merged in path order.
    pub fn total(&self, id: &str) -> SignatureHits {
        let mut all = SignatureHits::default();
        for f in &self.files {
            if let Some(h) = f.hits.get(id) {
                all.merge(h);
            }
        }
        all
    }
}

/// Scans every file of the bundle.
pub fn scan_bundle(bundle: &Bundle, set: &SignatureSet, components: &Components) -> ScanReport {
    let results: Vec<Scanned> = bundle
        .files
        .par_iter()
        .map(|file| scan_one(file, set, components))
        .collect();
    let mut report = ScanReport::default();
    for scanned in results {
        match scanned {
            Scanned::Log(f) => report.files.push(f),
            Scanned::Table(t) => report.pod_tables.push(t),
            Scanned::Skipped(s) => report.skipped.push(s),
        }
    }
    report
}

enum Scanned {
    Log(FileScan),
    Table(PodTable),
    Skipped(Skipped),
}

fn scan_one(file: &BundleFile, set: &SignatureSet, components: &Components) -> Scanned {
    match file.format {
        FileFormat::KubectlPods => match read_table(file) {
            Ok(text) => Scanned::Table(PodTable::parse(&file.path, &text, components)),
            Err(reason) => Scanned::Skipped(Skipped {
                path: file.path.clone(),
                reason,
            }),
        },
        FileFormat::Log => match reader::scan_file(file, set) {
            Ok(scan) => Scanned::Log(scan),
            Err(reason) => Scanned::Skipped(Skipped {
                path: file.path.clone(),
                reason,
            }),
        },
    }
}

fn read_table(file: &BundleFile) -> Result<String, String> {
    use std::io::Read;
    let mut text = Vec::new();
    open_stream(file)
        .and_then(|r| r.take(MAX_TABLE_BYTES).read_to_end(&mut text))
        .map_err(|e| format!("cannot read: {e}"))?;
    Ok(String::from_utf8_lossy(&text).into_owned())
}
