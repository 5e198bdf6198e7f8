//! Line understanding for the log layouts of the first domain: NeuVector's Go formatter
//! (`time|LEVL|MOD|caller: msg - k=v`), the monitor (`time|MON|text`), embedded Consul's hclog
//! (`time [LEVEL] logger: msg`) with its indented continuation lines, and anything else as plain
//! text. Parsing borrows from the line; nothing is allocated.

use serde::Serialize;

use crate::time::{parse_iso_prefix, Timestamp};

/// Which writer produced a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// NeuVector Go component (CTL, AGT, SCN).
    NeuVector,
    /// The NeuVector monitor (`|MON|`).
    Monitor,
    /// Embedded Consul (HashiCorp hclog).
    Consul,
    /// A line continuing the previous record (indented, `| ...`, `) ip=...`).
    Continuation,
    /// Anything else.
    Plain,
}

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

/// A parsed line; every text field borrows from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine<'a> {
    /// Writer.
    pub layout: Layout,
    /// Time at the start of the line.
    pub time: Option<Timestamp>,
    /// Level, when the layout has one.
    pub level: Option<Level>,
    /// `CTL`, `AGT`, `SCN`, `MON`, or the Consul logger (`agent.server.raft`).
    pub component: Option<&'a str>,
    /// Go caller (`cluster.StartCluster.func2`), NeuVector layout only.
    pub caller: Option<&'a str>,
    /// The message without header and fields.
    pub message: &'a str,
    /// The `k=v ...` part after ` - ` (NeuVector) or after the message (Consul), raw.
    pub fields: &'a str,
}

/// The time at the start of a line, if it has one (all three NeuVector layouts do).
pub fn line_time(line: &[u8]) -> Option<Timestamp> {
    parse_iso_prefix(line).map(|(t, _)| t)
}

/// Whether a line continues the record before it rather than starting one.
pub fn is_continuation(line: &str) -> bool {
    matches!(
        line.as_bytes().first(),
        None | Some(b' ' | b'\t' | b'|' | b')' | b'*')
    )
}

/// Parses one physical line.
pub fn parse(line: &str) -> LogLine<'_> {
    let plain = |layout| LogLine {
        layout,
        time: None,
        level: None,
        component: None,
        caller: None,
        message: line,
        fields: "",
    };
    let Some((time, used)) = parse_iso_prefix(line.as_bytes()) else {
        return plain(if is_continuation(line) {
            Layout::Continuation
        } else {
            Layout::Plain
        });
    };
    let rest = &line[used..];
    let padded = rest.trim_start_matches(' ');
    if let Some(after) = padded.strip_prefix('|') {
        if let Some(text) = after.strip_prefix("MON|") {
            return LogLine {
                layout: Layout::Monitor,
                time: Some(time),
                level: None,
                component: Some("MON"),
                caller: None,
                message: text,
                fields: "",
            };
        }
        if let Some(parsed) = parse_neuvector(time, after) {
            return parsed;
        }
    }
    if let Some(after) = rest.strip_prefix(" [") {
        if let Some(parsed) = parse_consul(time, after) {
            return parsed;
        }
    }
    LogLine {
        time: Some(time),
        message: rest.trim_start(),
        ..plain(Layout::Plain)
    }
}

/// `LEVL|MOD|caller: msg - k=v` (after the first `|`).
fn parse_neuvector(time: Timestamp, after: &str) -> Option<LogLine<'_>> {
    let (level, rest) = after.split_once('|')?;
    let level = Level::parse(level.as_bytes())?;
    let (module, rest) = rest.split_once('|')?;
    // The caller ends at the first ": " or at a trailing ":"; callers contain no spaces.
    let (caller, body) = match rest.find(':') {
        Some(i) if !rest[..i].contains(' ') => (
            &rest[..i],
            rest[i + 1..].strip_prefix(' ').unwrap_or(&rest[i + 1..]),
        ),
        _ => ("", rest),
    };
    let (message, fields) = split_fields(body);
    Some(LogLine {
        layout: Layout::NeuVector,
        time: Some(time),
        level: Some(level),
        component: Some(module),
        caller: (!caller.is_empty()).then_some(caller),
        message,
        fields,
    })
}

/// Splits `msg - k=v k=v` (or `- k=v` with no message) at the field separator.
fn split_fields(body: &str) -> (&str, &str) {
    if let Some(fields) = body.strip_prefix("- ") {
        return ("", fields);
    }
    match body.find(" - ") {
        Some(i) if body[i + 3..].split(' ').next().is_some_and(|kv| kv.contains('=')) => {
            (&body[..i], &body[i + 3..])
        }
        _ => (body, ""),
    }
}

/// `LEVEL]  logger: message` (after ` [`).
fn parse_consul(time: Timestamp, after: &str) -> Option<LogLine<'_>> {
    let (level, rest) = after.split_once(']')?;
    let level = Level::parse(level.as_bytes())?;
    let rest = rest.trim_start();
    let (logger, message) = match rest.split_once(": ") {
        Some((logger, msg)) if !logger.contains(' ') => (Some(logger), msg),
        _ => (None, rest),
    };
    // hclog puts `key=value` pairs after the message, separated by ": ".
    let (message, fields) = match message.rfind(": ") {
        Some(i)
            if message[i + 2..]
                .split(' ')
                .next()
                .is_some_and(|kv| kv.contains('=')) =>
        {
            (&message[..i], &message[i + 2..])
        }
        _ => (message, ""),
    };
    Some(LogLine {
        layout: Layout::Consul,
        time: Some(time),
        level: Some(level),
        component: logger,
        caller: None,
        message,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neuvector_with_message_and_fields() {
        let l = parse("2025-01-26T13:09:15.004|INFO|CTL|cluster.StartCluster.func2: Lead elected - lead=10.42.60.190:18300");
        assert_eq!(l.layout, Layout::NeuVector);
        assert_eq!(l.time.unwrap().to_string(), "2025-01-26T13:09:15.004Z");
        assert_eq!(l.level, Some(Level::Info));
        assert_eq!(l.component, Some("CTL"));
        assert_eq!(l.caller, Some("cluster.StartCluster.func2"));
        assert_eq!(l.message, "Lead elected");
        assert_eq!(l.fields, "lead=10.42.60.190:18300");
    }

    #[test]
    fn neuvector_padded_timestamps_and_fields_without_message() {
        let l = parse("2025-01-26T13:09:24.07 |INFO|CTL|cluster.StartCluster.func2: Lead loss detected");
        assert_eq!(l.time.unwrap().to_string(), "2025-01-26T13:09:24.070Z");
        assert_eq!(l.message, "Lead loss detected");
        let l = parse("2025-01-26T13:09:39.2  |INFO|CTL|cache.AgentAdmissionRequest: Receive connect request - host=q1:u id=d4");
        assert_eq!(l.time.unwrap().to_string(), "2025-01-26T13:09:39.200Z");
        assert_eq!(l.fields, "host=q1:u id=d4");
        let l = parse("2025-01-26T13:09:39    |ERRO|CTL|cluster.(*consulMethod).Join: - error=Unexpected response code: 500 (1 error occurred:");
        assert_eq!(l.time.unwrap().to_string(), "2025-01-26T13:09:39.000Z");
        assert_eq!(l.level, Some(Level::Error));
        assert_eq!(l.caller, Some("cluster.(*consulMethod).Join"));
        assert_eq!(l.message, "");
        assert!(l.fields.starts_with("error=Unexpected"));
        let l = parse("2022-05-15T11:29:38.29 |INFO|CTL|container.Connect: - endpoint=");
        assert_eq!(l.fields, "endpoint=");
        let l = parse("2026-06-09T15:30:04.565|INFO|AGT|dp.Open:");
        assert_eq!(
            (l.component, l.caller, l.message),
            (Some("AGT"), Some("dp.Open"), "")
        );
    }

    #[test]
    fn monitor_lines() {
        let l = parse("2025-01-26T13:10:30|MON|Process ctrl exit status -1, pid=19402");
        assert_eq!(l.layout, Layout::Monitor);
        assert_eq!(l.time.unwrap().to_string(), "2025-01-26T13:10:30.000Z");
        assert_eq!(l.message, "Process ctrl exit status -1, pid=19402");
    }

    #[test]
    fn consul_lines_and_continuations() {
        let l = parse(
            r#"2025-01-26T13:09:13.061Z [ERROR] agent.server.raft: peer has newer term, stopping replication: peer="{Nonvoter e5 10.42.55.36:18300}""#,
        );
        assert_eq!(l.layout, Layout::Consul);
        assert_eq!(l.level, Some(Level::Error));
        assert_eq!(l.component, Some("agent.server.raft"));
        assert_eq!(l.message, "peer has newer term, stopping replication");
        assert!(l.fields.starts_with("peer="));
        let l = parse("2022-09-18T12:22:17.346Z [INFO]  agent: (LAN) joined: number_of_nodes=3");
        assert_eq!(l.level, Some(Level::Info));
        assert_eq!(l.message, "(LAN) joined");
        for cont in [
            "  error=",
            "  | 1 error occurred:",
            "  | ",
            ") ip=10.42.57.244",
            "    * Failed to join",
            "",
        ] {
            assert_eq!(parse(cont).layout, Layout::Continuation, "{cont:?}");
        }
        assert_eq!(
            parse("panic: runtime error: index out of range").layout,
            Layout::Plain
        );
    }
}
