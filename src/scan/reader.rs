//! The scan loop for one log file: read large blocks, cut them at the last newline, search the
//! block for any signature literal, and look only at the lines where one occurs.
//!
//! Memory is bounded by the block size and the line window: a line longer than the window is
//! matched on its first part, counted once, and reported; the rest of it is skipped.

use std::io::{ErrorKind, Read};

use aho_corasick::Input;
use memchr::{memchr, memrchr};

use super::{FileScan, HitLine, SignatureHits, SignatureSet};
use crate::bundle::{open_stream, BundleFile};
use crate::logline::line_time;
use crate::time::Timestamp;

/// Bytes read at a time.
const BLOCK: usize = 1 << 20;
/// Longest line matched whole; longer lines are matched on this many bytes.
pub const LINE_WINDOW: usize = 1 << 20;
/// Continuation lines kept with a sample.
const MAX_CONTINUATION: usize = 8;
/// How far back (in lines) a continuation line looks for the time of its record.
const TIME_LOOKBACK: usize = 32;

/// Scans one file. `Err` only when the file cannot be scanned at all (unreadable, binary).
pub(super) fn scan_file(file: &BundleFile, set: &SignatureSet) -> Result<FileScan, String> {
    let mut stream = open_stream(file).map_err(|e| format!("cannot open: {e}"))?;
    let mut scanner = FileScanner::new(file, set);
    let mut buf = vec![0u8; BLOCK + LINE_WINDOW];
    let mut filled = 0;
    let mut skipping_long = false;
    let mut sniffed = false;
    loop {
        let n = match stream.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                scanner.out.error = Some(format!("read stopped early: {e}"));
                0
            }
        };
        let eof = n == 0;
        let mut start = 0;
        let end = filled + n;
        if !sniffed && (end >= 8192 || eof) {
            sniffed = true;
            if memchr(0, &buf[..end.min(8192)]).is_some() {
                return Err("binary file (contains NUL bytes), not scanned".into());
            }
        }
        if skipping_long {
            match memchr(b'\n', &buf[..end]) {
                Some(i) => {
                    start = i + 1;
                    skipping_long = false;
                }
                None => {
                    filled = 0;
                    if eof {
                        break;
                    }
                    continue;
                }
            }
        }
        let cut = if eof {
            end
        } else {
            match memrchr(b'\n', &buf[start..end]) {
                Some(i) => start + i + 1,
                None if end == buf.len() => {
                    // One line fills the whole window: match its first part, skip the rest.
                    scanner.out.long_lines.push(scanner.lines_before + 1);
                    skipping_long = true;
                    end
                }
                None => {
                    buf.copy_within(start..end, 0);
                    filled = end - start;
                    continue;
                }
            }
        };
        if cut > start {
            scanner.block(&buf[start..cut], skipping_long);
        }
        buf.copy_within(cut..end, 0);
        filled = end - cut;
        if eof {
            break;
        }
    }
    Ok(scanner.finish())
}

struct FileScanner<'a> {
    set: &'a SignatureSet,
    applicable: Vec<bool>,
    unfiltered: Vec<usize>,
    hits: Vec<SignatureHits>,
    /// Lines completed before the current block.
    lines_before: u64,
    /// Time of the last timestamped line of the previous block.
    carried_time: Option<Timestamp>,
    tried: Vec<usize>,
    out: FileScan,
}

impl<'a> FileScanner<'a> {
    fn new(file: &BundleFile, set: &'a SignatureSet) -> Self {
        let applicable = set.applicable(file.kind.as_deref());
        let unfiltered = set
            .unfiltered
            .iter()
            .copied()
            .filter(|&i| applicable[i])
            .collect();
        FileScanner {
            set,
            hits: vec![SignatureHits::default(); set.signatures.len()],
            applicable,
            unfiltered,
            lines_before: 0,
            carried_time: None,
            tried: Vec::new(),
            out: FileScan {
                path: file.path.clone(),
                kind: file.kind.clone(),
                ..FileScan::default()
            },
        }
    }

    /// Processes complete lines (`block` ends with `\n`, except at end of file or when the
    /// block is the first part of an over-long line, `truncated`).
    fn block(&mut self, block: &[u8], truncated: bool) {
        self.out.bytes += block.len() as u64;
        if self.out.first.is_none() {
            self.out.first = first_timed_line(block, self.lines_before);
        }
        if simdutf8::basic::from_utf8(block).is_err() {
            self.out.invalid_utf8_lines += block
                .split(|&b| b == b'\n')
                .filter(|l| simdutf8::basic::from_utf8(l).is_err())
                .count() as u64;
        }
        self.filtered(block);
        if !self.unfiltered.is_empty() {
            self.every_line(block);
        }
        let newlines = bytecount::count(block, b'\n') as u64;
        let partial = u64::from(!block.ends_with(b"\n") && !truncated);
        if let Some(last) = last_timed_line(block, self.lines_before + newlines + partial) {
            self.carried_time = last.time;
            self.out.last = Some(last);
        }
        self.lines_before += newlines + partial + u64::from(truncated);
    }

    /// The literal-prefiltered pass.
    fn filtered(&mut self, block: &[u8]) {
        let (Some(any), Some(each)) = (&self.set.any, &self.set.each) else {
            return;
        };
        let mut pos = 0;
        let mut counted_to = 0;
        let mut line_no = self.lines_before;
        while pos < block.len() {
            let Some(m) = any.find(Input::new(block).span(pos..block.len())) else {
                break;
            };
            let line_start = memrchr(b'\n', &block[..m.start()]).map_or(0, |i| i + 1);
            let line_end = memchr(b'\n', &block[m.start()..]).map_or(block.len(), |i| m.start() + i);
            line_no += bytecount::count(&block[counted_to..line_start], b'\n') as u64;
            counted_to = line_start;
            let line = &block[line_start..line_end];
            self.tried.clear();
            for lit in each.find_overlapping_iter(line) {
                let sig = self.set.owner[lit.pattern().as_usize()];
                if self.applicable[sig] && !self.tried.contains(&sig) {
                    self.tried.push(sig);
                }
            }
            self.tried.sort_unstable();
            for i in 0..self.tried.len() {
                let sig = self.tried[i];
                self.try_signature(sig, block, line_start, line_end, line_no + 1);
            }
            pos = line_end + 1;
        }
    }

    /// Signatures with no literal: every line.
    fn every_line(&mut self, block: &[u8]) {
        let mut line_start = 0;
        let mut line_no = self.lines_before;
        while line_start < block.len() {
            let line_end = memchr(b'\n', &block[line_start..]).map_or(block.len(), |i| line_start + i);
            line_no += 1;
            for k in 0..self.unfiltered.len() {
                let sig = self.unfiltered[k];
                self.try_signature(sig, block, line_start, line_end, line_no);
            }
            line_start = line_end + 1;
        }
    }

    fn try_signature(&mut self, sig: usize, block: &[u8], start: usize, end: usize, line_no: u64) {
        let set = self.set;
        let signature = &set.signatures[sig];
        let line = &block[start..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut captured: Vec<(&str, String)> = Vec::new();
        if signature.captures.is_empty() {
            if !signature.regex.is_match(line) {
                return;
            }
        } else {
            let Some(caps) = signature.regex.captures(line) else {
                return;
            };
            for name in &signature.captures {
                if let Some(m) = caps.name(name) {
                    captured.push((name.as_str(), String::from_utf8_lossy(m.as_bytes()).into_owned()));
                }
            }
        }
        let time = line_time(line)
            .or_else(|| record_time(block, start))
            .or(self.carried_time);
        let text = with_continuation(block, start, end);
        let pairs: Vec<(&str, &str)> = captured.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.hits[sig].record(
            HitLine {
                line: line_no,
                time,
                text,
            },
            &pairs,
        );
    }

    fn finish(mut self) -> FileScan {
        self.out.lines = self.lines_before;
        for (sig, hits) in self.hits.into_iter().enumerate() {
            if hits.count > 0 {
                self.out.hits.insert(self.set.signatures[sig].id.clone(), hits);
            }
        }
        self.out
    }
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
fn record_time(block: &[u8], start: usize) -> Option<Timestamp> {
    let mut end = start;
    for _ in 0..TIME_LOOKBACK {
        if end == 0 {
            return None;
        }
        let line_start = memrchr(b'\n', &block[..end - 1]).map_or(0, |i| i + 1);
        if let Some(t) = line_time(&block[line_start..end - 1]) {
            return Some(t);
        }
        end = line_start;
    }
    None
}

fn first_timed_line(block: &[u8], lines_before: u64) -> Option<HitLine> {
    let mut start = 0;
    for n in 1..=1000u64 {
        if start >= block.len() {
            return None;
        }
        let end = memchr(b'\n', &block[start..]).map_or(block.len(), |i| start + i);
        let line = &block[start..end];
        if let Some(time) = line_time(line) {
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

/// The last line of the block that carries a time; `last_line_no` is the number of the
/// block's last line.
fn last_timed_line(block: &[u8], last_line_no: u64) -> Option<HitLine> {
    let body = block.strip_suffix(b"\n").unwrap_or(block);
    let mut end = body.len();
    let mut line_no = last_line_no;
    for _ in 0..1000 {
        let start = memrchr(b'\n', &body[..end]).map_or(0, |i| i + 1);
        let line = &body[start..end];
        if let Some(time) = line_time(line) {
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
