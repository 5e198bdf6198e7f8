//! Kubernetes events, from `kubectl get events` text (plain, `-A`, `-o wide`, the old column
//! order), `-o json`/`-o yaml` and troubleshoot.sh's `cluster-resources/events/<ns>.json`, and
//! the `Events:` section of `kubectl describe`. Rules read them as `bundle.events()`.

use serde::Serialize;
use serde_json::Value;

use crate::time::{parse_iso_prefix, parse_kubectl_duration, Timestamp};

/// One event (a reason reported about an object, maybe many times).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Event {
    /// File it was read from.
    pub file: String,
    /// 1-based line (text) or item number (JSON/YAML).
    pub line: u64,
    /// `Normal` or `Warning`.
    pub kind_of_event: String,
    /// `BackOff`, `OOMKilling`, `FailedScheduling`, `Unhealthy`, ...
    pub reason: String,
    /// The object as kubectl names it: `pod/neuvector-enforcer-pod-24526`.
    pub object: String,
    /// The object's kind (`Pod`, `Node`, ...), when known.
    pub kind: Option<String>,
    /// The object's name.
    pub name: String,
    /// Namespace, when known.
    pub namespace: Option<String>,
    /// How many times it was reported.
    pub count: u64,
    /// First and last report, when the source gives absolute times.
    pub first_time: Option<Timestamp>,
    /// Last report.
    pub last_time: Option<Timestamp>,
    /// How long before the listing it was last seen, as printed (`3m33s`), for text sources.
    pub last_seen: Option<String>,
    /// The message.
    pub message: String,
}

/// The events of one file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EventTable {
    /// File inside the bundle.
    pub file: String,
    /// `text`, `json`, `yaml` or `describe`.
    pub form: &'static str,
    /// Events, in file order.
    pub events: Vec<Event>,
    /// Rows that could not be read.
    pub problems: Vec<String>,
}

/// `pod` => `Pod`, `replicaset` => `ReplicaSet`, ... for the kinds events are mostly about.
fn kind_of(prefix: &str) -> String {
    let known = [
        "Pod",
        "Node",
        "ReplicaSet",
        "Deployment",
        "DaemonSet",
        "StatefulSet",
        "Job",
        "CronJob",
        "Service",
        "PersistentVolumeClaim",
        "PersistentVolume",
        "Endpoints",
        "HorizontalPodAutoscaler",
        "Namespace",
    ];
    known
        .iter()
        .find(|k| k.eq_ignore_ascii_case(prefix))
        .map(|k| (*k).to_owned())
        .unwrap_or_else(|| {
            let mut c = prefix.chars();
            c.next()
                .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
        })
}

/// Column start positions (in chars) of a tabwriter header, multi-word names joined
/// (`LAST SEEN`, `FIRST SEEN`).
pub(crate) fn columns(header: &str) -> Vec<(String, usize)> {
    let chars: Vec<char> = header.chars().collect();
    let mut out: Vec<(String, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i] != ' ' {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        // A single space inside a column name (`LAST SEEN`, `NOMINATED NODE`).
        let joined = matches!(out.last(), Some((prev, p)) if start == p + prev.chars().count() + 1
            && matches!((prev.as_str(), word.as_str()), ("LAST" | "FIRST", "SEEN") | ("NOMINATED", "NODE") | ("READINESS", "GATES")));
        if joined {
            let last = out.last_mut().expect("checked");
            last.0 = format!("{} {word}", last.0);
        } else {
            out.push((word, start));
        }
    }
    out
}

/// The cell of column `name` in a row split by [`cells`]; empty when the header has no such
/// column.
fn cell(columns: &[(String, usize)], cells: &[String], name: &str) -> String {
    columns
        .iter()
        .position(|(c, _)| c == name)
        .map(|i| cells[i].clone())
        .unwrap_or_default()
}

/// The cells of a row under `columns`; the last column takes the rest of the line. kubectl pads
/// every cell to its column; a row whose cell runs into the next column (edited by hand) is
/// split at spaces instead.
pub(crate) fn cells(row: &str, columns: &[(String, usize)]) -> Vec<String> {
    let chars: Vec<char> = row.chars().collect();
    let aligned = columns
        .iter()
        .skip(1)
        .all(|(_, start)| *start >= chars.len() || (*start > 0 && chars[start - 1] == ' '));
    if !aligned {
        let mut words = row.split_whitespace();
        let mut out: Vec<String> = (1..columns.len())
            .map(|_| words.next().unwrap_or_default().to_owned())
            .collect();
        out.push(words.collect::<Vec<_>>().join(" "));
        return out;
    }
    columns
        .iter()
        .enumerate()
        .map(|(i, (_, start))| {
            let end = columns
                .get(i + 1)
                .map_or(chars.len(), |(_, s)| *s)
                .min(chars.len());
            let start = (*start).min(end);
            chars[start..end].iter().collect::<String>().trim().to_owned()
        })
        .collect()
}

/// `3m33s (x7000 over 25d)` => (`3m33s`, Some(7000)).
fn seen_and_count(text: &str) -> (String, Option<u64>) {
    match text.split_once(" (x") {
        Some((seen, rest)) => (
            seen.trim().to_owned(),
            rest.split_whitespace()
                .next()
                .and_then(|n| n.trim_end_matches(')').parse().ok()),
        ),
        None => (text.trim().to_owned(), None),
    }
}

impl EventTable {
    /// Whether a line is the header of a `kubectl get events` table.
    pub fn is_text_header(line: &str) -> bool {
        let cols = columns(line);
        let has = |n: &str| cols.iter().any(|(c, _)| c == n);
        has("LAST SEEN") && has("REASON") && (has("OBJECT") || has("NAME")) && has("MESSAGE")
    }

    /// Parses `kubectl get events` text; repeated headers (several namespaces) are followed.
    pub fn parse_text(file: &str, text: &str) -> EventTable {
        let mut table = EventTable {
            file: file.to_owned(),
            form: "text",
            ..EventTable::default()
        };
        let mut cols: Option<Vec<(String, usize)>> = None;
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            if EventTable::is_text_header(line) {
                cols = Some(columns(line));
                continue;
            }
            let Some(cols) = &cols else { continue };
            let cells = cells(line, cols);
            let get = |name: &str| cell(cols, &cells, name);
            let (last_seen, count) = seen_and_count(&get("LAST SEEN"));
            let count = count.or_else(|| get("COUNT").parse().ok()).unwrap_or(1);
            // New order: OBJECT is `kind/name`; old order: NAME and KIND apart.
            let object = get("OBJECT");
            let (kind, name) = match object.split_once('/') {
                Some((k, n)) => (Some(kind_of(k)), n.to_owned()),
                None if !get("KIND").is_empty() => (Some(get("KIND")), get("NAME")),
                None => (None, object.clone()),
            };
            let reason = get("REASON");
            if reason.is_empty() || name.is_empty() {
                table
                    .problems
                    .push(format!("line {}: not an event row: {line}", index + 1));
                continue;
            }
            let namespace = Some(get("NAMESPACE")).filter(|n| !n.is_empty());
            table.events.push(Event {
                file: file.to_owned(),
                line: index as u64 + 1,
                kind_of_event: get("TYPE"),
                reason,
                object: match &kind {
                    Some(k) => format!("{}/{name}", k.to_ascii_lowercase()),
                    None => name.clone(),
                },
                kind,
                name,
                namespace,
                count,
                first_time: None,
                last_time: None,
                last_seen: Some(last_seen).filter(|s| !s.is_empty()),
                message: get("MESSAGE"),
            });
        }
        table
    }

    /// Reads an `EventList`/`List` of events (JSON or YAML); `Err` says why it is not one.
    pub fn from_value(file: &str, form: &'static str, value: &Value) -> Result<EventTable, String> {
        let kind = value.get("kind").and_then(Value::as_str).unwrap_or_default();
        let items: Vec<&Value> = match value.get("items") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(Value::Null) => Vec::new(),
            Some(_) => return Err("not an event list: `items` is not a list".to_owned()),
            None if kind == "Event" => vec![value],
            None => return Err(format!("not an event list: kind `{kind}`")),
        };
        let mut table = EventTable {
            file: file.to_owned(),
            form,
            ..EventTable::default()
        };
        let s = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_owned);
        let t = |v: &Value, p: &str| {
            v.pointer(p)
                .and_then(Value::as_str)
                .and_then(|x| parse_iso_prefix(x.as_bytes()))
                .map(|(t, _)| t)
        };
        for (index, e) in items.into_iter().enumerate() {
            let involved = e
                .get("involvedObject")
                .or_else(|| e.get("regarding"))
                .unwrap_or(&Value::Null);
            let (Some(reason), Some(name)) = (s(e, "/reason"), s(involved, "/name")) else {
                table
                    .problems
                    .push(format!("item {}: not an event (no reason or object)", index + 1));
                continue;
            };
            let kind = s(involved, "/kind");
            let last = t(e, "/lastTimestamp")
                .or_else(|| t(e, "/series/lastObservedTime"))
                .or_else(|| t(e, "/eventTime"));
            let first = t(e, "/firstTimestamp")
                .or_else(|| t(e, "/deprecatedFirstTimestamp"))
                .or_else(|| t(e, "/eventTime"))
                .or(last);
            let count = ["/count", "/series/count", "/deprecatedCount"]
                .iter()
                .find_map(|p| e.pointer(p).and_then(Value::as_u64))
                .unwrap_or(1);
            table.events.push(Event {
                file: file.to_owned(),
                line: index as u64 + 1,
                kind_of_event: s(e, "/type").unwrap_or_default(),
                reason,
                object: match &kind {
                    Some(k) => format!("{}/{name}", k.to_ascii_lowercase()),
                    None => name.clone(),
                },
                kind,
                name,
                namespace: s(involved, "/namespace").or_else(|| s(e, "/metadata/namespace")),
                count,
                first_time: first,
                last_time: last.or(first),
                last_seen: None,
                message: s(e, "/message").or_else(|| s(e, "/note")).unwrap_or_default(),
            });
        }
        Ok(table)
    }

    /// The `Events:` section of `kubectl describe` for one object (`Type Reason Age From
    /// Message`), appended to this table.
    pub(crate) fn push_described(
        &mut self,
        kind: &str,
        name: &str,
        namespace: Option<&str>,
        lines: &[(usize, &str)],
    ) {
        let mut cols: Option<Vec<(String, usize)>> = None;
        for &(index, line) in lines {
            if line.trim().is_empty() || line.trim_start().starts_with("----") {
                continue;
            }
            let Some(cols) = &cols else {
                let c = columns(line);
                if c.iter().any(|(n, _)| n == "Reason") && c.iter().any(|(n, _)| n == "Message") {
                    cols = Some(c);
                }
                continue;
            };
            let cells = cells(line, cols);
            let get = |name: &str| cell(cols, &cells, name);
            let (last_seen, count) = seen_and_count(&get("Age"));
            self.events.push(Event {
                file: self.file.clone(),
                line: index as u64 + 1,
                kind_of_event: get("Type"),
                reason: get("Reason"),
                object: format!("{}/{name}", kind.to_ascii_lowercase()),
                kind: Some(kind.to_owned()),
                name: name.to_owned(),
                namespace: namespace.map(str::to_owned),
                count: count.unwrap_or(1),
                first_time: None,
                last_time: None,
                last_seen: Some(last_seen).filter(|s| !s.is_empty()),
                message: get("Message"),
            });
        }
    }
}

/// Seconds since the event was last seen, for text sources (`3m33s` => 213).
pub(crate) fn last_seen_secs(event: &Event) -> Option<i64> {
    event.last_seen.as_deref().and_then(parse_kubectl_duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms() {
        let plain = "\
LAST SEEN   TYPE      REASON      OBJECT                             MESSAGE
3m33s       Warning   BackOff     pod/neuvector-enforcer-pod-24526   Back-off restarting failed container
12m         Warning   Unhealthy   pod/neuvector-controller-pod-x     Readiness probe failed: HTTP probe failed
";
        let t = EventTable::parse_text("events.txt", plain);
        assert_eq!(t.events.len(), 2);
        let e = &t.events[0];
        assert_eq!((e.reason.as_str(), e.kind.as_deref()), ("BackOff", Some("Pod")));
        assert_eq!(e.name, "neuvector-enforcer-pod-24526");
        assert_eq!(e.message, "Back-off restarting failed container");
        assert_eq!(last_seen_secs(e), Some(213));
        let all = "\
NAMESPACE   LAST SEEN   TYPE      REASON             OBJECT                          MESSAGE
neuvector   5m          Warning   FailedScheduling   pod/neuvector-scanner-pod-abc   0/3 nodes are available: 3 Insufficient memory.
neuvector   7m   Warning   Unhealthy   pod/neuvector-manager-pod-abc   Liveness probe failed: timeout
";
        let t = EventTable::parse_text("ev.txt", all);
        assert_eq!(t.events[0].namespace.as_deref(), Some("neuvector"));
        assert_eq!(
            t.events[0].message,
            "0/3 nodes are available: 3 Insufficient memory."
        );
        let old = "\
LAST SEEN   FIRST SEEN   COUNT   NAME                 KIND   SUBOBJECT   TYPE      REASON       SOURCE    MESSAGE
1m          2h           17      worker-3             Node               Warning   OOMKilling   kernel    Memory cgroup out of memory: Killed process 4242 (agent)
";
        let t = EventTable::parse_text("ev.txt", old);
        let e = &t.events[0];
        assert_eq!(
            (e.count, e.kind.as_deref(), e.reason.as_str()),
            (17, Some("Node"), "OOMKilling")
        );
        assert_eq!(e.object, "node/worker-3");
    }

    #[test]
    fn json_list() {
        let v = serde_json::json!({"kind": "EventList", "items": [{
            "reason": "BackOff", "type": "Warning", "count": 7000, "message": "Back-off",
            "involvedObject": {"kind": "Pod", "name": "p", "namespace": "neuvector"},
            "firstTimestamp": "2025-01-01T13:00:00Z", "lastTimestamp": "2025-01-26T14:00:00+01:00"}]});
        let t = EventTable::from_value("events/neuvector.json", "json", &v).unwrap();
        let e = &t.events[0];
        assert_eq!(e.count, 7000);
        assert_eq!(e.last_time.unwrap().to_string(), "2025-01-26T13:00:00.000Z");
        assert_eq!(e.object, "pod/p");
        assert!(EventTable::from_value("x", "json", &serde_json::json!({"kind": "PodList"})).is_err());
    }
}
