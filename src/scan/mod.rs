//! The second stage: read every file of the bundle once and match every signature in one pass.
//!
//! All signature literals go into one multi-literal search per file kind (Teddy, SIMD; a
//! signature limited to controller logs is not even looked for in enforcer logs); a file is
//! read in large blocks and searched for any literal; only a line where one occurs is looked
//! at, and only the signatures owning the literals found in that line run their own matcher
//! (captures only then). Signatures with no literal run on every line of the files they apply to.
//!
//! Large plain files are cut into pieces at line boundaries and every piece of every file is
//! scanned in parallel; compressed files are streamed whole. Pieces are merged in file order,
//! line numbers shifted by the lines of the pieces before, so the result does not depend on
//! the thread count.
//!
//! Tables (pod listings) are parsed here too, since this is the stage that reads files.
//!
//! A [`LineSink`] can ride along (the log digest does): it is handed, in file order, every line a
//! signature matched and every line holding one of the set's *markers* (literals searched in the
//! same automaton, such as level words), so a consumer of "the lines that matter" needs no
//! second read of the bundle.
//!
//! Where each part lives: [`SignatureSet`] (the compiled matcher, `set.rs`), [`LineSink`]
//! (`sink.rs`), the reading of one file or piece (`reader.rs`), what is recorded per signature
//! (`hits.rs`, `tally.rs`), and here the driver: tasks, parallel pieces and their merge.

mod factor;
mod hits;
mod matcher;
mod prefilter;
mod reader;
mod sequence;
mod set;
mod sink;
mod tally;

use std::collections::BTreeMap;
use std::sync::Mutex;

use rayon::prelude::*;
use serde::Serialize;

pub use hits::{CaptureStats, HitLine, MinuteCounts, SignatureHits, BUCKET_MS, MAX_DISTINCT, SAMPLES};
pub use prefilter::required_literals;
pub use reader::{LINE_WINDOW, MIN_READ_WINDOW, READ_WINDOW};
pub use set::SignatureSet;
pub use sink::{LineSink, NoSink};

use crate::bundle::{open_stream, Bundle, BundleFile, Skipped};
use crate::spec::FileFormat;
use crate::tables::{read_events, read_pods, Components, EventTable, PodTable};
use crate::time::Timestamp;
use reader::{scan_piece, Piece};

/// Largest pod listing read whole.
const MAX_TABLE_BYTES: u64 = 64 * 1024 * 1024;

/// Plain files larger than this are scanned in pieces of this size, in parallel. A piece that
/// feeds a digest keeps a record of each line that matters until it is appended (see
/// `digest::DigestFeed`), the whole text of the line when it is new: 16 MiB bounds that at
/// about 28 MB a piece when every line is new (32 MiB measured the same speed, and peaked at
/// 163-219 MB on such a log against 111-139 MB).
pub const SEGMENT_BYTES: u64 = 16 * 1024 * 1024;

/// What the scan learned about one log file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileScan {
    /// Path inside the bundle.
    pub path: String,
    /// Kind id.
    pub kind: Option<String>,
    /// A previous container's log (`kubectl logs --previous`).
    pub previous: bool,
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
    /// Pod listings (text, JSON, YAML, describe), in path order.
    pub pod_tables: Vec<PodTable>,
    /// Event listings (and the events of describe output), in path order.
    pub event_tables: Vec<EventTable>,
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

/// How [`scan_bundle_with`] runs.
#[derive(Clone, Copy)]
pub struct ScanOptions<'p> {
    /// Plain files larger than this are scanned in pieces of about this size.
    pub segment_bytes: u64,
    /// Called with the number of bytes read from disk (compressed bytes for `.gz`), from any
    /// thread, as the scan goes; the sizes of the bundle's files add up to the total.
    pub progress: &'p (dyn Fn(u64) + Sync),
    /// Longest line matched whole, newline included (`--max-line-bytes`; at least
    /// [`MIN_READ_WINDOW`]): a longer line is matched on its first this many bytes and listed
    /// in [`FileScan::long_lines`].
    pub line_window: usize,
}

impl Default for ScanOptions<'_> {
    fn default() -> Self {
        ScanOptions {
            segment_bytes: SEGMENT_BYTES,
            progress: &no_progress,
            line_window: READ_WINDOW,
        }
    }
}

impl std::fmt::Debug for ScanOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanOptions")
            .field("segment_bytes", &self.segment_bytes)
            .field("line_window", &self.line_window)
            .finish_non_exhaustive()
    }
}

fn no_progress(_: u64) {}

/// Scans every file of the bundle.
pub fn scan_bundle(bundle: &Bundle, set: &SignatureSet, components: &Components) -> ScanReport {
    scan_bundle_with(bundle, set, components, &ScanOptions::default())
}

/// Scans every file of the bundle, with options. Runs on the current rayon pool; the report is
/// the same whatever the pool's size.
pub fn scan_bundle_with(
    bundle: &Bundle,
    set: &SignatureSet,
    components: &Components,
    options: &ScanOptions<'_>,
) -> ScanReport {
    scan_bundle_feeding(bundle, set, components, options, &|_, _| None::<NoSink>).0
}

/// Scans every file of the bundle, feeding the log files for which `sink` gives a
/// [`LineSink`] (it is called once per piece, with whether the piece is its file's first: the
/// whole file, or the piece that starts it; the sinks of a file's later pieces are appended to
/// the first one's, in order, and the file's sink is [finished](LineSink::finish) as soon as
/// its last piece is); returns the report and the finished sinks by file path (in path order).
/// The sinks see the same lines in the same order whatever the pool's size.
pub fn scan_bundle_feeding<S: LineSink>(
    bundle: &Bundle,
    set: &SignatureSet,
    components: &Components,
    options: &ScanOptions<'_>,
    sink: &(dyn Fn(&BundleFile, bool) -> Option<S> + Sync),
) -> (ScanReport, Vec<(String, S::Finished)>) {
    let tasks = tasks(bundle, options.segment_bytes.max(1));
    // Longest tasks first (compressed files cannot be split), so no long task starts last.
    // Tasks are handed out in this order; the pieces of a file, adjacent in it, finish about
    // in order, and each is folded into its file's result as soon as the pieces before it
    // are: memory holds one result per file and a few pieces, however large the files.
    let mut order: Vec<usize> = (0..tasks.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(tasks[i].cost()));
    let mut pieces = vec![0; bundle.files.len()];
    for task in &tasks {
        pieces[task.file_index] += 1;
    }
    let files: Vec<Mutex<FileMerge<S>>> = pieces
        .into_iter()
        .map(|n| Mutex::new(FileMerge::new(n)))
        .collect();
    order.into_iter().par_bridge().for_each(|i| {
        let task = &tasks[i];
        let result = run_task(task, set, components, options, sink);
        files[task.file_index]
            .lock()
            .expect("no panic while merging")
            .add(task.piece, result);
    });
    let mut report = ScanReport::default();
    let mut sinks = Vec::new();
    for merge in files {
        let merge = merge.into_inner().expect("no panic while merging");
        debug_assert!(
            merge.pending.is_empty() && merge.done.is_none(),
            "every piece merged"
        );
        match merge.finished {
            Some(Scanned::Log(f, fed)) => {
                if let Some(fed) = fed {
                    sinks.push((f.path.clone(), fed));
                }
                report.files.push(f);
            }
            Some(Scanned::Tables(pods, events, text)) => {
                report.pod_tables.extend(pods);
                report.event_tables.extend(events);
                report.files.extend(text);
            }
            Some(Scanned::Skipped(s)) => report.skipped.push(s),
            None => {}
        }
    }
    (report, sinks)
}

/// The pieces of one file merged so far, in order, and those that finished early.
struct FileMerge<S: LineSink> {
    /// Pieces `0..next` merged.
    done: Option<Scanned<S>>,
    next: usize,
    /// The file's number of pieces.
    pieces: usize,
    pending: BTreeMap<usize, Scanned<S>>,
    /// The whole file, its sink finished.
    finished: Option<Scanned<S::Finished>>,
}

impl<S: LineSink> FileMerge<S> {
    fn new(pieces: usize) -> Self {
        FileMerge {
            done: None,
            next: 0,
            pieces,
            pending: BTreeMap::new(),
            finished: None,
        }
    }

    fn add(&mut self, piece: usize, result: Scanned<S>) {
        self.pending.insert(piece, result);
        while let Some(result) = self.pending.remove(&self.next) {
            self.done = Some(match self.done.take() {
                Some(done) => done.then(result),
                None => result,
            });
            self.next += 1;
        }
        if self.next == self.pieces {
            self.finished = self.done.take().map(Scanned::finish);
        }
    }
}

/// One unit of parallel work.
struct Task<'a> {
    file_index: usize,
    /// Index of the piece in its file.
    piece: usize,
    file: &'a BundleFile,
    range: Option<(u64, u64)>,
}

impl Task<'_> {
    /// Rough cost, to start the longest tasks first.
    fn cost(&self) -> u64 {
        match self.range {
            Some((start, end)) => end - start,
            // Decompressing is slower than reading, and the output several times larger.
            None if self.file.gzip => self.file.size.saturating_mul(8),
            None => self.file.size,
        }
    }
}

/// Every file as one task, large plain logs as several (in file order, pieces in order).
fn tasks(bundle: &Bundle, segment: u64) -> Vec<Task<'_>> {
    let mut tasks = Vec::new();
    for (file_index, file) in bundle.files.iter().enumerate() {
        // Set aside by the layout (a marker, a copy, objects of another kind): not read.
        if file.unused.is_some() {
            continue;
        }
        let splittable = file.format == FileFormat::Log
            && !file.gzip
            && file.text == crate::bundle::TextForm::Utf8
            && file.size > segment;
        if !splittable {
            tasks.push(Task {
                file_index,
                piece: 0,
                file,
                range: None,
            });
            continue;
        }
        let pieces = file.size.div_ceil(segment);
        // Even pieces, so the last one is not a sliver.
        let size = file.size.div_ceil(pieces);
        for k in 0..pieces {
            tasks.push(Task {
                file_index,
                piece: k as usize,
                file,
                range: Some((k * size, ((k + 1) * size).min(file.size))),
            });
        }
    }
    tasks
}

enum Scanned<S> {
    /// A log (or a piece of one), and what it fed its sink.
    Log(FileScan, Option<S>),
    /// A listing's tables, and for an event listing its text scanned as a log too (signatures
    /// read the events' messages: an eviction, a webhook's x509 error, a scheduling failure).
    Tables(Option<PodTable>, Option<EventTable>, Option<FileScan>),
    Skipped(Skipped),
}

impl<S: LineSink> Scanned<S> {
    /// The whole file, its sink finished.
    fn finish(self) -> Scanned<S::Finished> {
        match self {
            Scanned::Log(scan, fed) => {
                let finished = fed.map(|fed| fed.finish(scan.lines));
                Scanned::Log(scan, finished)
            }
            Scanned::Tables(pods, events, text) => Scanned::Tables(pods, events, text),
            Scanned::Skipped(skipped) => Scanned::Skipped(skipped),
        }
    }

    /// This piece followed by the next piece of the same file.
    fn then(self, later: Scanned<S>) -> Scanned<S> {
        match (self, later) {
            (Scanned::Log(mut a, mut fed), Scanned::Log(b, later_fed)) => {
                if let (Some(fed), Some(later_fed)) = (&mut fed, later_fed) {
                    fed.append(later_fed, a.lines);
                }
                a.append(b);
                Scanned::Log(a, fed)
            }
            (skipped @ Scanned::Skipped(_), _) => skipped,
            (_, skipped @ Scanned::Skipped(_)) => skipped,
            (first, _) => first,
        }
    }
}

impl FileScan {
    /// Appends the scan of the next piece of the same file.
    fn append(&mut self, mut later: FileScan) {
        let offset = self.lines;
        let shift = |h: &mut HitLine| h.line += offset;
        if self.first.is_none() {
            self.first = later.first.take().map(|mut h| {
                shift(&mut h);
                h
            });
        }
        if let Some(mut last) = later.last.take() {
            shift(&mut last);
            self.last = Some(last);
        }
        for (id, mut hits) in later.hits {
            hits.shift_lines(offset);
            self.hits.entry(id).or_default().merge(&hits);
        }
        self.long_lines
            .extend(later.long_lines.iter().map(|l| l + offset));
        self.lines += later.lines;
        self.bytes += later.bytes;
        self.invalid_utf8_lines += later.invalid_utf8_lines;
        if self.error.is_none() {
            self.error = later.error;
        }
    }
}

fn run_task<S: LineSink>(
    task: &Task<'_>,
    set: &SignatureSet,
    components: &Components,
    options: &ScanOptions<'_>,
    sink: &(dyn Fn(&BundleFile, bool) -> Option<S> + Sync),
) -> Scanned<S> {
    let progress = options.progress;
    let file = task.file;
    let skipped = |reason| {
        Scanned::Skipped(Skipped {
            path: file.path.clone(),
            reason,
        })
    };
    match file.format {
        FileFormat::KubectlPods => {
            let text = read_table(file);
            progress(file.size);
            // A file that cannot be read as pods is reported with the reason, never taken
            // for an empty listing.
            match text.and_then(|text| read_pods(&file.path, &text, components)) {
                Ok((pods, events)) => Scanned::Tables(Some(pods), events, None),
                Err(reason) => skipped(reason),
            }
        }
        FileFormat::KubectlEvents => {
            let text = read_table(file);
            progress(file.size);
            match text.and_then(|text| read_events(&file.path, &text)) {
                Ok(events) => {
                    // The messages, read by the signatures as a log's lines are (no digest:
                    // the document lists the events themselves).
                    let piece = Piece {
                        file,
                        range: None,
                        line_window: options.line_window,
                    };
                    let text = scan_piece::<S>(piece, set, &|_| {}, None)
                        .ok()
                        .map(|(scan, _)| scan);
                    Scanned::Tables(None, Some(events), text)
                }
                Err(reason) => skipped(reason),
            }
        }
        FileFormat::Log => match scan_piece(
            Piece {
                file,
                range: task.range,
                line_window: options.line_window,
            },
            set,
            progress,
            sink(file, task.piece == 0),
        ) {
            Ok((scan, fed)) => Scanned::Log(scan, fed),
            Err(reason) => skipped(reason),
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
