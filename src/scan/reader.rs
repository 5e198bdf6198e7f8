//! The scan loop for one piece of a log file: read large blocks, cut them at the last newline,
//! search each block for any signature literal, and look only at the lines where one occurs.
//!
//! In: a [`Piece`] (a whole file, or a byte range of a plain file). Out: a [`FileScan`] whose
//! line numbers count from the start of the piece; `mod.rs` shifts and merges the pieces.
//!
//! A range piece owns exactly the lines that *start* inside its range: it skips through the
//! first newline at or after `start - 1` and stops after the first newline at or after
//! `end - 1`, so consecutive pieces partition the file's lines whatever the line lengths.
//!
//! Memory is bounded by the block size and the line window: a line longer than the window is
//! matched on its first part, counted once, and reported; the rest of it is skipped. A large
//! `.gz` file is decompressed on a thread of its own, a few blocks ahead of the scan.

use std::fs::File;
use std::io::{self, ErrorKind, Read, Seek, SeekFrom};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};

use memchr::{memchr, memrchr};

use super::hits::HitLine;
use super::set::{KindPlan, Scratch, MARKER};
use super::tally::{PendingHit, Tally};
use super::{FileScan, LineSink, SignatureSet};
use crate::bundle::{decode_text, BundleFile, TextForm};
use crate::logline::{line_time_with, rancher_prefix, strip_pod_tag, YearHint};
use crate::time::{parse_iso_zoned, Timestamp, Zone};

/// Bytes read at a time.
const BLOCK: usize = 1 << 20;
/// The default read buffer: a block and room for the line it ends in. Pieces of a file start
/// with a read of this many bytes. It is also the longest line matched whole (newline
/// included; `--max-line-bytes` sets both): a longer line is matched on its first this many
/// bytes, the rest skipped, and reported.
pub const READ_WINDOW: usize = BLOCK + LINE_WINDOW;
/// Room the default read buffer keeps beyond a block for the line the block ends in.
pub const LINE_WINDOW: usize = 1 << 20;
/// Smallest read buffer (`--max-line-bytes` below it is raised to it).
pub const MIN_READ_WINDOW: usize = 4096;
/// Continuation lines kept with a sample.
const MAX_CONTINUATION: usize = 8;
/// How far back (in lines) a continuation line looks for the time of its record.
const TIME_LOOKBACK: usize = 32;
/// Bytes looked at before a range piece, to know the time of the record it starts in.
const TIME_CONTEXT: u64 = 64 * 1024;
/// Compressed files at least this large are decompressed on a thread of their own (smaller
/// ones are many, and the other files keep the cores busy meanwhile).
const PIPE_GZIP_FROM: u64 = 16 << 20;
/// Bytes looked at for NUL bytes to tell a binary file.
const SNIFF: usize = 8192;

/// What one scan task reads.
#[derive(Debug, Clone, Copy)]
pub(super) struct Piece<'a> {
    /// The file.
    pub file: &'a BundleFile,
    /// Byte range of a plain file; `None` for the whole file (compressed files are always
    /// read whole).
    pub range: Option<(u64, u64)>,
    /// The read buffer's size, and the longest line matched whole (see [`READ_WINDOW`]).
    pub line_window: usize,
}

/// Scans one piece, feeding `sink` the lines that matter. `Err` only when the file cannot be
/// scanned at all (unreadable, binary).
pub(super) fn scan_piece<S: LineSink>(
    piece: Piece<'_>,
    set: &SignatureSet,
    progress: &(dyn Fn(u64) + Sync),
    sink: Option<S>,
) -> Result<(FileScan, Option<S>), String> {
    let file = piece.file;
    let raw = File::open(&file.disk_path).map_err(|e| format!("cannot open: {e}"))?;
    let year = year_hint(&raw);
    let mut scanner = PieceScanner::new(file, set, sink, piece.line_window.max(MIN_READ_WINDOW), year);
    let counted = Counting { inner: raw, progress };
    if file.gzip {
        let decoder = decode_text(
            file.text,
            flate2::read::MultiGzDecoder::new(io::BufReader::with_capacity(256 * 1024, counted)),
        );
        if file.size >= PIPE_GZIP_FROM {
            piped(decoder, |stream| scanner.run(stream, Bounds::WHOLE))?;
        } else {
            scanner.run(&mut { decoder }, Bounds::WHOLE)?;
        }
        return Ok(scanner.finish());
    }
    if file.text != TextForm::Utf8 {
        // Transcoded files are read whole (their byte offsets are not the text's).
        scanner.run(&mut decode_text(file.text, counted), Bounds::WHOLE)?;
        return Ok(scanner.finish());
    }
    let mut counted = counted;
    let bounds = match piece.range {
        Some((start, end)) if start > 0 => {
            scanner.carried = time_before(&mut counted.inner, start, year);
            counted
                .inner
                .seek(SeekFrom::Start(start - 1))
                .map_err(|e| format!("cannot read: {e}"))?;
            Bounds {
                skip_first_line: true,
                stop_after: end - start,
            }
        }
        Some((_, end)) => Bounds {
            skip_first_line: false,
            stop_after: end.saturating_sub(1),
        },
        None => Bounds::WHOLE,
    };
    scanner.run(&mut counted, bounds)?;
    Ok(scanner.finish())
}

/// Where a piece's lines begin and end in its stream.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    /// Skip through the first newline (the stream starts one byte before the range).
    skip_first_line: bool,
    /// Stop after the first newline at or after this offset of the stream.
    stop_after: u64,
}

impl Bounds {
    const WHOLE: Bounds = Bounds {
        skip_first_line: false,
        stop_after: u64::MAX,
    };
}

/// Reports bytes read from disk.
struct Counting<'p, R> {
    inner: R,
    progress: &'p (dyn Fn(u64) + Sync),
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.progress)(n as u64);
        Ok(n)
    }
}

/// What the file's yearless times (klog, syslog) are read against: when it was last written (an
/// archive member's own time, kept at extraction).
fn year_hint(file: &File) -> Option<YearHint> {
    let modified = file.metadata().ok()?.modified().ok()?;
    let millis = modified.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis();
    YearHint::at(Timestamp(i64::try_from(millis).ok()?))
}

/// The time of the last timed line in the bytes just before `offset` (for a piece that starts
/// inside a record), with the number of lines between it and `offset`.
fn time_before(file: &mut File, offset: u64, year: Option<YearHint>) -> Option<(Timestamp, u64)> {
    let from = offset.saturating_sub(TIME_CONTEXT);
    file.seek(SeekFrom::Start(from)).ok()?;
    let mut bytes = Vec::new();
    file.by_ref().take(offset - from).read_to_end(&mut bytes).ok()?;
    // The first line may be cut; only whole lines count.
    let whole = match memchr(b'\n', &bytes) {
        Some(i) if from > 0 => &bytes[i + 1..],
        _ => &bytes[..],
    };
    let line_no = bytecount::count(whole, b'\n') as u64;
    last_timed_line(whole, line_no, 1000, year).and_then(|h| h.time.map(|t| (t, line_no - h.line)))
}

/// Runs `scan` over `source` read on another thread, a few blocks ahead.
fn piped<R: Read + Send, T>(source: R, scan: impl FnOnce(&mut dyn Read) -> T) -> T {
    std::thread::scope(|s| {
        let (full_tx, full_rx) = sync_channel::<io::Result<Vec<u8>>>(2);
        let (empty_tx, empty_rx) = channel::<Vec<u8>>();
        s.spawn(move || {
            let mut source = source;
            loop {
                let mut buf = empty_rx.try_recv().unwrap_or_default();
                buf.resize(BLOCK, 0);
                let mut filled = 0;
                let mut error = None;
                while filled < BLOCK {
                    match source.read(&mut buf[filled..]) {
                        Ok(0) => break,
                        Ok(n) => filled += n,
                        Err(e) if e.kind() == ErrorKind::Interrupted => {}
                        Err(e) => {
                            error = Some(e);
                            break;
                        }
                    }
                }
                buf.truncate(filled);
                if filled > 0 && full_tx.send(Ok(buf)).is_err() {
                    break;
                }
                if let Some(e) = error {
                    let _ = full_tx.send(Err(e));
                    break;
                }
                if filled < BLOCK {
                    // End of the stream: dropping the sender tells the reader.
                    break;
                }
            }
        });
        let mut reader = ChannelReader {
            full: full_rx,
            empty: empty_tx,
            current: Vec::new(),
            at: 0,
            done: false,
        };
        scan(&mut reader)
    })
}

/// The scanning side of [`piped`].
struct ChannelReader {
    full: Receiver<io::Result<Vec<u8>>>,
    empty: Sender<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
    done: bool,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            if self.done {
                return Ok(0);
            }
            match self.full.recv() {
                Ok(Ok(chunk)) => {
                    let used = std::mem::replace(&mut self.current, chunk);
                    let _ = self.empty.send(used);
                    self.at = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => self.done = true,
            }
        }
        let n = out.len().min(self.current.len() - self.at);
        out[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A line of the current block for the sink: (line number, start, end, a signature hit, the
/// ISO time the line starts with).
pub(super) type FeedLine = (u64, usize, usize, bool, Option<Timestamp>);

/// The state of one piece being scanned.
struct PieceScanner<'a, S> {
    set: &'a SignatureSet,
    plan: &'a KindPlan,
    tallies: Vec<Tally>,
    /// Block buffer and search states, borrowed from the set's pool for the piece.
    scratch: Scratch,
    /// Signatures with hits in the current block.
    touched: Vec<usize>,
    /// Lines completed before the current block.
    lines_before: u64,
    /// Time of the last timestamped line before the current block, and how many lines
    /// followed it before the block: an untimed line takes it only within
    /// [`TIME_LOOKBACK`] lines, as inside a block, so where a file is cut changes no time.
    carried: Option<(Timestamp, u64)>,
    /// Signatures to try on the current candidate line, each with where in the block the
    /// first literal naming it was found.
    tried: Vec<(u32, usize)>,
    /// Where the lines that matter go, if anywhere.
    sink: Option<S>,
    /// Longest line matched whole.
    line_window: usize,
    /// What yearless times are read against.
    year: Option<YearHint>,
    out: FileScan,
}

impl<'a, S: LineSink> PieceScanner<'a, S> {
    fn new(
        file: &BundleFile,
        set: &'a SignatureSet,
        sink: Option<S>,
        line_window: usize,
        year: Option<YearHint>,
    ) -> Self {
        PieceScanner {
            set,
            plan: set.plan(file.kind.as_deref()),
            tallies: set.matchers.iter().map(|m| Tally::new(m.group_count())).collect(),
            scratch: set.take_scratch(),
            touched: Vec::new(),
            lines_before: 0,
            carried: None,
            tried: Vec::new(),
            sink,
            line_window,
            year,
            out: FileScan {
                path: file.path.clone(),
                kind: file.kind.clone(),
                previous: file.previous,
                ..FileScan::default()
            },
        }
    }

    /// Reads `stream` to its end (or to `bounds`), scanning whole lines a block at a time.
    fn run(&mut self, stream: &mut dyn Read, bounds: Bounds) -> Result<(), String> {
        let mut buf = std::mem::take(&mut self.scratch.buf);
        buf.resize(self.line_window, 0);
        let result = self.run_with(stream, bounds, &mut buf);
        self.scratch.buf = buf;
        result
    }

    fn run_with(&mut self, stream: &mut dyn Read, bounds: Bounds, buf: &mut [u8]) -> Result<(), String> {
        let mut filled = 0;
        // Stream offset of buf[0].
        let mut base: u64 = 0;
        let mut skipping = bounds.skip_first_line;
        let mut skipping_long = false;
        let mut sniffed = bounds.skip_first_line;
        loop {
            let mut n = 0;
            loop {
                match stream.read(&mut buf[filled..]) {
                    Ok(got) => {
                        n = got;
                        break;
                    }
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => {
                        self.out.error = Some(format!("read stopped early: {e}"));
                        break;
                    }
                }
            }
            let mut eof = n == 0;
            let mut end = filled + n;
            // Stop after the first newline at or after `stop_after`.
            if bounds.stop_after != u64::MAX && base + end as u64 > bounds.stop_after {
                let from = bounds.stop_after.saturating_sub(base) as usize;
                if let Some(i) = memchr(b'\n', &buf[from.min(end)..end]) {
                    end = from + i + 1;
                    eof = true;
                }
            }
            if !sniffed && (end >= SNIFF || eof) {
                sniffed = true;
                if memchr(0, &buf[..end.min(SNIFF)]).is_some() {
                    return Err("binary file (contains NUL bytes), not scanned".into());
                }
            }
            let mut start = 0;
            if skipping || skipping_long {
                match memchr(b'\n', &buf[..end]) {
                    Some(i) => {
                        start = i + 1;
                        if skipping_long {
                            self.out.bytes += start as u64;
                        }
                        skipping = false;
                        skipping_long = false;
                    }
                    None => {
                        if skipping_long {
                            self.out.bytes += end as u64;
                        }
                        base += end as u64;
                        filled = 0;
                        if eof {
                            break;
                        }
                        continue;
                    }
                }
            }
            if start == end && !eof {
                // The skipped line ended with the buffer: read on (an empty rest is not a line
                // filling the whole buffer).
                base += end as u64;
                filled = 0;
                continue;
            }
            let cut = if eof {
                end
            } else {
                match memrchr(b'\n', &buf[start..end]) {
                    Some(i) => start + i + 1,
                    None if end == buf.len() => {
                        // One line fills the whole window: match its first part, skip the rest.
                        self.out.long_lines.push(self.lines_before + 1);
                        skipping_long = true;
                        end
                    }
                    None => {
                        buf.copy_within(start..end, 0);
                        base += start as u64;
                        filled = end - start;
                        continue;
                    }
                }
            };
            if cut > start {
                self.block(&buf[start..cut], skipping_long);
            }
            buf.copy_within(cut..end, 0);
            base += cut as u64;
            filled = end - cut;
            if eof {
                break;
            }
        }
        Ok(())
    }

    /// Processes complete lines (`block` ends with `\n`, except at the end of the piece or
    /// when the block is the first part of an over-long line, `truncated`).
    fn block(&mut self, block: &[u8], truncated: bool) {
        self.out.bytes += block.len() as u64;
        if self.out.first.is_none() {
            self.out.first = first_timed_line(block, self.lines_before, self.year);
        }
        if simdutf8::basic::from_utf8(block).is_err() {
            self.out.invalid_utf8_lines += block
                .split(|&b| b == b'\n')
                .filter(|l| simdutf8::basic::from_utf8(l).is_err())
                .count() as u64;
        }
        let (counted_to, counted) = self.filtered(block);
        if !self.plan.unfiltered.is_empty() {
            self.every_line(block);
        }
        self.feed_sink(block);
        for sig in self.touched.drain(..) {
            self.tallies[sig].end_block(|h| HitLine {
                line: h.line,
                time: h.time,
                text: with_continuation(block, h.start, h.end),
            });
        }
        let newlines = counted + bytecount::count(&block[counted_to..], b'\n') as u64;
        let partial = u64::from(!block.ends_with(b"\n") && !truncated);
        let block_lines = newlines + partial + u64::from(truncated);
        let last_line_no = self.lines_before + newlines + partial;
        // The last 1,000 lines of each block are enough once a file has a last timed line; a
        // file whose timed lines all come before a longer untimed tail (a goroutine dump) is
        // searched back to them once, so its time range has an end.
        let last = last_timed_line(block, last_line_no, 1000, self.year).or_else(|| {
            (self.out.last.is_none() && self.out.first.is_some())
                .then(|| last_timed_line(block, last_line_no, usize::MAX, self.year))
                .flatten()
        });
        if let Some(last) = last {
            self.carried = last
                .time
                .map(|t| (t, (self.lines_before + block_lines).saturating_sub(last.line)));
            self.out.last = Some(last);
        } else if let Some((_, gap)) = self.carried.as_mut() {
            *gap += block_lines;
        }
        self.lines_before += newlines + partial + u64::from(truncated);
    }

    /// The literal-prefiltered pass.
    /// Returns how far it counted newlines, and how many it counted.
    fn filtered(&mut self, block: &[u8]) -> (usize, u64) {
        let plan = self.plan;
        let Some(any) = &plan.any else {
            return (0, 0);
        };
        let mut cursor = any.cursor();
        let mut counted_to = 0;
        let mut line_no = self.lines_before;
        let mut next = cursor.next(block, 0);
        while let Some((first, literal)) = next {
            if first < counted_to {
                // A literal holding a line break, found at the end of the line before: no
                // line can hold it.
                next = (counted_to < block.len())
                    .then(|| cursor.next(block, counted_to))
                    .flatten();
                continue;
            }
            // Lines between candidate lines are counted; a candidate line's own newline is
            // counted below, so runs of candidate lines count nothing here.
            let line_start =
                memrchr(b'\n', &block[counted_to..first]).map_or(counted_to, |i| counted_to + i + 1);
            let line_end = memchr(b'\n', &block[first..]).map_or(block.len(), |i| first + i);
            line_no += bytecount::count(&block[counted_to..line_start], b'\n') as u64;
            counted_to = line_start;
            // Every other literal of the line: the search goes on from the position after
            // each one found, so every position where a literal starts is found (a literal
            // sharing its start with the reported one is in its candidate list); the first
            // one past the line starts the next candidate line.
            self.tried.clear();
            self.tried
                .extend(plan.candidates[literal].iter().map(|&sig| (sig, first)));
            let mut at = first + 1;
            loop {
                next = if at < block.len() {
                    cursor.next(block, at)
                } else {
                    None
                };
                match next {
                    Some((start, literal)) if start < line_end => {
                        self.tried
                            .extend(plan.candidates[literal].iter().map(|&sig| (sig, start)));
                        at = start + 1;
                    }
                    _ => break,
                }
            }
            if self.tried.len() > 1 {
                // By signature, each at its first position.
                self.tried.sort_unstable();
                self.tried.dedup_by_key(|&mut (sig, _)| sig);
            }
            // The marker sorts last.
            let marked = self.tried.last().is_some_and(|&(sig, _)| sig == MARKER);
            if marked {
                self.tried.pop();
            }
            let mut hit = false;
            let mut own_time = None;
            let skip = if self.tried.is_empty() {
                0
            } else {
                transport_prefix_len(trim_cr(&block[line_start..line_end]))
            };
            for i in 0..self.tried.len() {
                let (sig, at) = self.tried[i];
                let line = (line_start, line_end, line_no + 1, skip);
                hit |= self.try_signature(sig as usize, block, line, at - line_start, &mut own_time);
            }
            if (hit || marked) && self.sink.is_some() {
                let time = *own_time
                    .get_or_insert_with(|| line_time_with(trim_cr(&block[line_start..line_end]), self.year));
                self.scratch.feed.push((
                    line_no + 1,
                    line_start,
                    line_end,
                    hit,
                    iso_only(time, &block[line_start..]),
                ));
            }
            if line_end < block.len() {
                line_no += 1;
                counted_to = line_end + 1;
            }
        }
        (counted_to, line_no - self.lines_before)
    }

    /// Signatures with no literal: every line.
    fn every_line(&mut self, block: &[u8]) {
        let mut line_start = 0;
        let mut line_no = self.lines_before;
        while line_start < block.len() {
            let line_end = memchr(b'\n', &block[line_start..]).map_or(block.len(), |i| line_start + i);
            line_no += 1;
            let mut hit = false;
            let mut own_time = None;
            let skip = transport_prefix_len(trim_cr(&block[line_start..line_end]));
            for k in 0..self.plan.unfiltered.len() {
                let sig = self.plan.unfiltered[k];
                let line = (line_start, line_end, line_no, skip);
                hit |= self.try_signature(sig, block, line, 0, &mut own_time);
            }
            if hit && self.sink.is_some() {
                let time = *own_time
                    .get_or_insert_with(|| line_time_with(trim_cr(&block[line_start..line_end]), self.year));
                self.scratch.feed.push((
                    line_no,
                    line_start,
                    line_end,
                    true,
                    iso_only(time, &block[line_start..]),
                ));
            }
            line_start = line_end + 1;
        }
    }

    /// Hands the sink the block's lines that matter, in line order (the literal pass and the
    /// every-line pass each found some), once each.
    fn feed_sink(&mut self, block: &[u8]) {
        let Some(sink) = &mut self.sink else {
            return;
        };
        if self.scratch.feed.is_empty() {
            return;
        }
        // In line order already unless the every-line pass added some.
        if !self.scratch.feed.is_sorted_by_key(|&(line, ..)| line) {
            self.scratch.feed.sort_unstable_by_key(|&(line, ..)| line);
        }
        let mut i = 0;
        while i < self.scratch.feed.len() {
            let (line_no, start, end, mut hit, time) = self.scratch.feed[i];
            i += 1;
            while i < self.scratch.feed.len() && self.scratch.feed[i].0 == line_no {
                hit |= self.scratch.feed[i].3;
                i += 1;
            }
            sink.line(line_no, trim_cr(&block[start..end]), time, hit);
        }
        self.scratch.feed.clear();
    }

    /// Runs signature `sig` on the line `(start, end, line_no, skip)` of the block (its first
    /// `skip` bytes a container runtime's prefix); `hint` is where
    /// in the line the first literal naming it was found (a level marker found before it is
    /// not where its own literal is); `own_time` caches the ISO time
    /// the line starts with, for the other signatures and the sink. Returns whether it matched.
    fn try_signature(
        &mut self,
        sig: usize,
        block: &[u8],
        (start, end, line_no, skip): (usize, usize, u64, usize),
        hint: usize,
        own_time: &mut Option<Option<Timestamp>>,
    ) -> bool {
        let full = trim_cr(&block[start..end]);
        // Signatures read what the program wrote: a container runtime's prefix (`skip` bytes,
        // [`transport_prefix_len`], worked out once per line by the caller) is not part of it.
        let line = docker_log_field(&full[..skip], &full[skip..]);
        let hint = hint.saturating_sub(skip);
        let matcher = &self.set.matchers[sig];
        let state = &mut self.scratch.states[sig];
        if !matcher.matches(line, line.is_ascii(), hint, state) {
            return false;
        }
        let tally = &mut self.tallies[sig];
        for k in 0..matcher.group_count() {
            if let Some(span) = matcher.group(k, state) {
                tally.captures[k].add(&line[span]);
            }
        }
        let (carried, year) = (self.carried, self.year);
        let time = own_time
            .get_or_insert_with(|| line_time_with(full, year))
            .or_else(|| match record_time(block, start, year) {
                Lookback::Found(t) => Some(t),
                Lookback::ReachedStart(walked) => {
                    carried.and_then(|(t, gap)| (walked + gap < TIME_LOOKBACK as u64).then_some(t))
                }
                Lookback::Exhausted => None,
            });
        let head = tally.wants_head().then(|| HitLine {
            line: line_no,
            time,
            text: with_continuation(block, start, end),
        });
        if !tally.has_pending() {
            self.touched.push(sig);
        }
        tally.record(
            PendingHit {
                line: line_no,
                time,
                start,
                end,
            },
            head,
        );
        true
    }

    fn finish(mut self) -> (FileScan, Option<S>) {
        self.set.return_scratch(std::mem::take(&mut self.scratch));
        self.out.lines = self.lines_before;
        for (sig, tally) in self.tallies.into_iter().enumerate() {
            if !tally.is_empty() {
                let signature = &self.set.signatures[sig];
                self.out
                    .hits
                    .insert(signature.id.clone(), tally.finish(&signature.captures));
            }
        }
        (self.out, self.sink)
    }
}

/// A line without the `\r` of a CRLF ending.
fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The line at `start` with the continuation lines that follow it (indented, `| ...`, `) ...`).
fn with_continuation(block: &[u8], start: usize, end: usize) -> String {
    let mut stop = end;
    let mut next = end + 1;
    let mut taken = 0;
    while next < block.len() && taken < MAX_CONTINUATION {
        let line_end = memchr(b'\n', &block[next..]).map_or(block.len(), |i| next + i);
        let line = &block[next..line_end];
        let continues = match line.first() {
            Some(b' ' | b'\t' | b'|' | b')') => true,
            // A blank line belongs to the record when a continuation line follows it.
            None | Some(b'\r') => block
                .get(line_end + 1)
                .is_some_and(|b| matches!(b, b' ' | b'\t' | b'|' | b')')),
            _ => false,
        };
        if !continues {
            break;
        }
        stop = line_end;
        next = line_end + 1;
        taken += 1;
    }
    let text = String::from_utf8_lossy(&block[start..stop]);
    text.trim_end_matches(['\r', '\n', ' ']).replace('\r', "")
}

/// Time of the record a continuation line at `start` belongs to, looking back a few lines.
fn record_time(block: &[u8], start: usize, year: Option<YearHint>) -> Lookback {
    let mut end = start;
    for walked in 0..TIME_LOOKBACK {
        if end == 0 {
            return Lookback::ReachedStart(walked as u64);
        }
        let line_start = memrchr(b'\n', &block[..end - 1]).map_or(0, |i| i + 1);
        if let Some(t) = line_time_with(&block[line_start..end - 1], year) {
            return Lookback::Found(t);
        }
        end = line_start;
    }
    Lookback::Exhausted
}

/// What looking back from an untimed line found.
enum Lookback {
    /// A timed line within [`TIME_LOOKBACK`] lines.
    Found(Timestamp),
    /// The start of the block, after this many untimed lines.
    ReachedStart(u64),
    /// [`TIME_LOOKBACK`] untimed lines.
    Exhausted,
}

/// The time the sink is given for a line: only an ISO time the line starts with (the digest reads
/// other headers itself, and keys repeats on that prefix).
fn iso_only(time: Option<Timestamp>, line: &[u8]) -> Option<Timestamp> {
    time.filter(|_| line.len() >= 19 && line[0].is_ascii_digit() && line[4] == b'-')
}

/// The line a program wrote: `rest` itself, except after docker's json-file `{"log":"` prefix,
/// where it ends before the record's other fields and the escaped newline.
fn docker_log_field<'l>(prefix: &[u8], rest: &'l [u8]) -> &'l [u8] {
    if !prefix.ends_with(br#"{"log":""#) {
        return rest;
    }
    let end = memchr::memmem::rfind(rest, br#"","stream":""#)
        .or_else(|| memchr::memmem::rfind(rest, br#"","time":""#))
        .unwrap_or(rest.len());
    let body = &rest[..end];
    let body = body.strip_suffix(br"\n").unwrap_or(body);
    body.strip_suffix(br"\r").unwrap_or(body)
}

/// The length of what the log's transport wrote before the program's own line, 0 when there is
/// none:
/// - a container runtime's CRI prefix (`/var/log/pods`, Rancher's and support-bundle-kit's pod
///   logs): `2023-10-29T16:49:02.741291742Z stderr F ` (time, stream, full or partial line);
/// - `kubectl logs --timestamps`: an RFC 3339 time with its zone and one space;
/// - Rancher's log viewer download: `Thu, Jun 30 2022 11:08:02 am | `;
/// - Docker's json-file driver: `{"log":"` (the line, JSON-escaped, is the first field);
/// - `kubectl logs --prefix`: `[pod/NAME/CONTAINER] `, before any of these.
fn transport_prefix_len(line: &[u8]) -> usize {
    let tag = line.len() - strip_pod_tag(line).len();
    let rest = &line[tag..];
    if let Some((_, used)) = rancher_prefix(rest) {
        return tag + used;
    }
    // Docker's json-file driver: the line is the `log` field, written first.
    if rest.starts_with(br#"{"log":""#) {
        return tag + 8;
    }
    // A date first (`YYYY-MM-DDT`), and a space right after the time (most candidate lines
    // are a product's own timed lines, `...T07:53:12.345|INFO|`: no need to parse those).
    if rest.len() < 22 || !rest[0].is_ascii_digit() || rest[4] != b'-' || rest[10] != b'T' {
        return tag;
    }
    let time_len = rest[19..rest.len().min(40)]
        .iter()
        .position(|b| !(b.is_ascii_digit() || matches!(b, b'.' | b',' | b'Z' | b'+' | b'-' | b':')));
    if time_len.is_none_or(|n| rest[19 + n] != b' ') {
        return tag;
    }
    let Some((_, used, zone)) = parse_iso_zoned(rest) else {
        return tag;
    };
    let after = &rest[used..];
    let stream = after.starts_with(b" stdout ") || after.starts_with(b" stderr ");
    if stream && after.len() >= 10 && (after[8] == b'F' || after[8] == b'P') && after[9] == b' ' {
        return tag + used + 10;
    }
    // `--timestamps` writes UTC with its zone, then the line; a layout that writes its own time
    // then a space (`2025-02-02T10:00:00Z [ERROR] agent: ...`) loses nothing a signature reads.
    if zone != Zone::Unzoned && after.first() == Some(&b' ') && after.get(1).is_some_and(|&b| b != b' ') {
        return tag + used + 1;
    }
    tag
}

fn first_timed_line(block: &[u8], lines_before: u64, year: Option<YearHint>) -> Option<HitLine> {
    let mut start = 0;
    for n in 1..=1000u64 {
        if start >= block.len() {
            return None;
        }
        let end = memchr(b'\n', &block[start..]).map_or(block.len(), |i| start + i);
        let line = &block[start..end];
        if let Some(time) = line_time_with(line, year) {
            return Some(HitLine {
                line: lines_before + n,
                time: Some(time),
                text: String::from_utf8_lossy(line).trim_end().to_owned(),
            });
        }
        start = end + 1;
    }
    None
}

/// The last line of the block that carries a time, among its last `within` lines;
/// `last_line_no` is the number of the block's last line.
fn last_timed_line(
    block: &[u8],
    last_line_no: u64,
    within: usize,
    year: Option<YearHint>,
) -> Option<HitLine> {
    let body = block.strip_suffix(b"\n").unwrap_or(block);
    let mut end = body.len();
    let mut line_no = last_line_no;
    for _ in 0..within {
        let start = memrchr(b'\n', &body[..end]).map_or(0, |i| i + 1);
        let line = &body[start..end];
        if let Some(time) = line_time_with(line, year) {
            return Some(HitLine {
                line: line_no,
                time: Some(time),
                text: String::from_utf8_lossy(line).trim_end().to_owned(),
            });
        }
        if start == 0 {
            return None;
        }
        end = start - 1;
        line_no = line_no.saturating_sub(1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_container_runtimes_prefix_is_skipped() {
        let line = b"2023-10-29T16:49:02.741291742Z stderr F fatal error: concurrent map writes";
        assert_eq!(
            &line[transport_prefix_len(line)..],
            b"fatal error: concurrent map writes"
        );
        let partial = b"2024-01-02T03:04:05+01:00 stdout P {\"level\":\"info\"";
        assert_eq!(&partial[transport_prefix_len(partial)..], b"{\"level\":\"info\"");
        // `kubectl logs --timestamps`, `--prefix`, and both.
        let stamped = b"2022-06-30T11:08:02.003000123Z panic: runtime error: index out of range";
        assert_eq!(
            &stamped[transport_prefix_len(stamped)..],
            b"panic: runtime error: index out of range"
        );
        let tagged = b"[pod/ctl-5d8f9-abcde/ctl] 2025-02-02T10:11:12.345|INFO|CTL|x";
        assert_eq!(
            &tagged[transport_prefix_len(tagged)..],
            b"2025-02-02T10:11:12.345|INFO|CTL|x"
        );
        let docker = br#"{"log":"panic: assignment to entry in nil map\n","stream":"stderr","time":"2021-11-03T18:28:07Z"}"#;
        let skip = transport_prefix_len(docker);
        assert_eq!(
            docker_log_field(&docker[..skip], &docker[skip..]),
            b"panic: assignment to entry in nil map"
        );
        let both = b"[pod/web-1/app] 2022-06-30T11:08:02Z fatal error: x";
        assert_eq!(&both[transport_prefix_len(both)..], b"fatal error: x");
        for other in [
            &b"2025-02-02T10:11:12.345|INFO|CTL|main.main: START - version=v5.4.0"[..],
            b"2025-02-02 10:11:12,345 ERROR [main] x",
            b"2025-02-02T10:11:12Z  padded",
            b"[pod/x y] z",
            b"short",
        ] {
            assert_eq!(
                transport_prefix_len(other),
                0,
                "{}",
                String::from_utf8_lossy(other)
            );
        }
    }

    /// A source that hands out a few bytes at a time, then fails if told to.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        fail_at_end: bool,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.at == self.data.len() {
                return if self.fail_at_end {
                    Err(io::Error::other("corrupt"))
                } else {
                    Ok(0)
                };
            }
            let n = buf.len().min(7777).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn piped_reads_everything_in_order_then_the_error() {
        let data: Vec<u8> = (0..3 * BLOCK + 12345).map(|i| (i % 251) as u8).collect();
        for fail_at_end in [false, true] {
            let source = Trickle {
                data: data.clone(),
                at: 0,
                fail_at_end,
            };
            let (got, error) = piped(source, |r| {
                let mut out = Vec::new();
                let mut buf = vec![0; 100_000];
                loop {
                    match r.read(&mut buf) {
                        Ok(0) => return (out, None),
                        Ok(n) => out.extend_from_slice(&buf[..n]),
                        Err(e) => return (out, Some(e.to_string())),
                    }
                }
            });
            assert!(got == data, "all bytes, in order");
            assert_eq!(error.is_some(), fail_at_end);
        }
    }

    #[test]
    fn piped_stops_when_the_scan_stops_early() {
        let source = Trickle {
            data: vec![b'x'; 10 * BLOCK],
            at: 0,
            fail_at_end: false,
        };
        let first = piped(source, |r| {
            let mut buf = [0u8; 10];
            r.read(&mut buf).unwrap()
        });
        assert_eq!(first, 10);
    }
}
