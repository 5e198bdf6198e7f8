//! The scan's progress bar on standard error: bytes read over the bundle's size on disk.
//!
//! Shown only when standard error is a terminal and `--quiet` is not given, and only once the
//! scan has run for a moment (a small bundle never flashes a bar). The scan knows nothing of it:
//! it calls a plain callback with the bytes it read.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a scan runs before its bar appears.
const DELAY: Duration = Duration::from_millis(400);

/// A progress bar that may stay hidden.
pub(super) struct ScanProgress {
    bar: Option<ProgressBar>,
    started: Instant,
    shown: AtomicBool,
}

impl ScanProgress {
    /// A bar for `total` bytes; hidden for good when `quiet` or standard error is no terminal.
    pub(super) fn new(total: u64, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            bar.set_style(
                ProgressStyle::with_template(
                    "scanning [{bar:20}] {bytes}/{total_bytes} ({binary_bytes_per_sec}, {eta})",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar
        });
        ScanProgress {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
        }
    }

    /// Counts `bytes` more (called from any scan thread).
    pub(super) fn add(&self, bytes: u64) {
        let Some(bar) = &self.bar else {
            return;
        };
        bar.inc(bytes);
        if !self.shown.load(Ordering::Relaxed)
            && self.started.elapsed() >= DELAY
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Removes the bar.
    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
