//! The digest as the case document uses it: only the lines that matter (warnings, errors, fatal
//! lines, and lines with no level such as monitor messages and Go panics), mined while the
//! scan runs, and cut down to what a reader needs: the busiest templates, storms, the loop the
//! log ends in, and rare lines.

use std::io::{self, BufRead};

use serde::Serialize;

use super::header::Level;
use super::report::{RareTemplate, Storm, TailLoop, TemplateSummary};
use super::{mine_filtered, DigestOptions};

/// Templates listed per log.
const TOP_TEMPLATES: usize = 8;
/// Storms listed per log.
const TOP_STORMS: usize = 5;
/// Rare templates listed per log.
const TOP_RARE: usize = 6;

/// What the document says about one log.
#[derive(Debug, Clone, Serialize)]
pub struct DigestExcerpt {
    /// Which lines were digested, in words.
    pub scope: &'static str,
    /// Lines digested.
    pub lines_digested: u64,
    /// Lines in the file.
    pub lines_total: u64,
    /// Templates found.
    pub templates_found: usize,
    /// The busiest templates, most hits first.
    pub top: Vec<TemplateSummary>,
    /// The largest storms.
    pub storms: Vec<Storm>,
    /// The loop the log ends in.
    pub tail_loop: Option<TailLoop>,
    /// Rare templates (often the interesting ones).
    pub rare: Vec<RareTemplate>,
}

/// The scope of [`digest_what_matters`], as the document words it.
pub const SCOPE: &str =
    "warning, error and fatal lines, and lines without a level (monitor messages, panics)";

/// Whether a line is digested for the document: level warn or worse, or a line with no level
/// that starts a record (not an indented continuation).
fn matters(level: Option<Level>, line: &[u8]) -> bool {
    match level {
        Some(l) => l >= Level::Warn,
        None => !matches!(line.first(), None | Some(b' ' | b'\t' | b'|' | b'\r' | b'\n')),
    }
}

/// Digests the lines of `reader` that matter for the document.
pub fn digest_what_matters(reader: impl BufRead, opts: &DigestOptions) -> io::Result<DigestExcerpt> {
    let mut digested = 0u64;
    let (digest, _, total) = mine_filtered(
        reader,
        opts,
        |shape, line| matters(shape.parse(line).level, line),
        |_, _| digested += 1,
    )?;
    let mut top = digest.templates.clone();
    top.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
    top.truncate(TOP_TEMPLATES);
    let mut storms = digest.storms.clone();
    storms.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.start.cmp(&b.start)));
    storms.truncate(TOP_STORMS);
    storms.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.cluster.cmp(&b.cluster)));
    let mut rare = digest.rare.clone();
    rare.truncate(TOP_RARE);
    Ok(DigestExcerpt {
        scope: SCOPE,
        lines_digested: digested,
        lines_total: total,
        templates_found: digest.templates.len(),
        top,
        storms,
        tail_loop: digest.tail_loop,
        rare,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_warnings_errors_and_levelless_lines_are_digested() {
        let mut log = String::new();
        for i in 0..200 {
            log.push_str(&format!(
                "2025-01-26T13:{:02}:{:02}.100|INFO|CTL|cache.x: ordinary {i}\n",
                i / 60,
                i % 60
            ));
        }
        for i in 0..120 {
            log.push_str(&format!("2025-01-26T14:{:02}:{:02}.100Z [ERROR] agent: Coordinate update error: error=\"No cluster leader\"\n", i / 60, i % 60));
            log.push_str(&format!("2025-01-26T14:{:02}:{:02}.200Z [ERROR] agent.server.rpc: rejecting RPC conn from because rpc_max_conns_per_client exceeded: conn=from=10.1.1.1:{}\n", i / 60, i % 60, 40000 + i));
        }
        log.push_str("2025-01-26T14:10:30|MON|Process ctrl exit status -1, pid=19402\n");
        let ex = digest_what_matters(log.as_bytes(), &DigestOptions::default()).unwrap();
        assert_eq!(ex.lines_total, 441);
        assert_eq!(ex.lines_digested, 241);
        assert_eq!(ex.top[0].count, 120);
        assert!(ex.top.iter().all(|t| !t.template.contains("ordinary")));
        assert!(ex
            .top
            .iter()
            .any(|t| t.template.contains("Process ctrl exit status")));
    }
}
