//! What casebook reads from any log line's header without knowing its layout: the time at its
//! start and the severity words the products write.

use serde::Serialize;

use crate::time::{parse_iso_prefix, Timestamp};

/// Severity read from a line's header, normalised across layouts and products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// `TRACE`, `TRAC`, `FINEST` ...
    Trace,
    /// `DEBUG`, `DEBU`, `FINE`.
    Debug,
    /// `INFO`, `notice`.
    Info,
    /// `WARN`, `WARNING`.
    Warn,
    /// `ERROR`, `ERRO`, `SEVERE`, `CRIT`.
    Error,
    /// `FATAL`, `FATA`, `PANIC`, `PANI`, `EMERG`, `ALERT`.
    Fatal,
}

impl Level {
    /// Lower-case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }

    /// Reads a level word (case-insensitive), without brackets.
    pub fn parse(word: &[u8]) -> Option<Level> {
        if word.is_empty() || word.len() > 9 {
            return None;
        }
        let mut buf = [0u8; 9];
        for (d, s) in buf.iter_mut().zip(word) {
            *d = s.to_ascii_uppercase();
        }
        Some(match &buf[..word.len()] {
            b"TRACE" | b"TRAC" | b"FINEST" | b"FINER" => Level::Trace,
            b"DEBUG" | b"DEBU" | b"FINE" | b"DBG" => Level::Debug,
            b"INFO" | b"NOTICE" | b"INF" | b"CONFIG" => Level::Info,
            b"WARN" | b"WARNING" | b"WRN" => Level::Warn,
            b"ERROR" | b"ERRO" | b"ERR" | b"SEVERE" | b"CRIT" | b"CRITICAL" => Level::Error,
            b"FATAL" | b"FATA" | b"PANIC" | b"PANI" | b"EMERG" | b"ALERT" => Level::Fatal,
            _ => return None,
        })
    }
}

/// The time at the start of a line, if it has one (all three NeuVector layouts do).
pub(crate) fn line_time(line: &[u8]) -> Option<Timestamp> {
    parse_iso_prefix(line).map(|(t, _)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_words_of_every_product_normalise() {
        for (word, level) in [
            (&b"ERRO"[..], Level::Error),
            (b"warning", Level::Warn),
            (b"SEVERE", Level::Error),
            (b"fata", Level::Fatal),
            (b"DBG", Level::Debug),
        ] {
            assert_eq!(
                Level::parse(word),
                Some(level),
                "{}",
                String::from_utf8_lossy(word)
            );
        }
        assert_eq!(Level::parse(b"INFORMATIONAL"), None);
        assert_eq!(Level::parse(b""), None);
    }

    #[test]
    fn line_time_reads_the_leading_timestamp_only() {
        assert!(line_time(b"2025-02-02T10:00:00.123Z|INFO|CTL|x: y").is_some());
        assert_eq!(line_time(b"no time here 2025-02-02T10:00:00Z"), None);
    }
}
