//! What rides along the scan: a [`LineSink`] is handed the lines that matter of each log
//! file, in file order.

use crate::time::Timestamp;

/// Receives, during the scan of one log file, the lines that matter: each line a signature
/// matched (`hit`) and each line holding a marker of the [`SignatureSet`](super::SignatureSet), in file order.
///
/// A large file is scanned in pieces, each with a sink of its own (`line_no` counts from the
/// start of the piece); the sinks are then joined in file order with [`append`](Self::append).
pub trait LineSink: Send + Sized {
    /// What a file's sink becomes once the whole file is scanned.
    type Finished: Send;
    /// One line, without its line break; `line_no` is 1-based within the piece; `time` is
    /// the ISO-8601 time the line starts with, if it does.
    fn line(&mut self, line_no: u64, line: &[u8], time: Option<Timestamp>, hit: bool);
    /// Appends the sink of the next piece, whose lines come after `lines_before` lines of the
    /// file.
    fn append(&mut self, later: Self, lines_before: u64);
    /// Called once per file, after its last piece is appended, with the file's line count, on
    /// the thread that completes the file: a summary is built while other files are still being
    /// scanned, and the sink's working memory is freed then, not at the end of the scan.
    fn finish(self, lines: u64) -> Self::Finished;
}

/// The sink of a scan that feeds nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSink;

impl LineSink for NoSink {
    type Finished = ();
    fn line(&mut self, _: u64, _: &[u8], _: Option<Timestamp>, _: bool) {}
    fn append(&mut self, _: Self, _: u64) {}
    fn finish(self, _: u64) {}
}
