//! `kubectl describe pod` text (one pod or many, one after another) into the [`Pod`] model:
//! node, IP, status, each container's image, state, last state (reason such as `OOMKilled`, exit
//! code, finish time), restart count, and the pod's `Events:` section.

use super::events::EventTable;
use super::pods::{image_version, recognise, Components, Pod, PodTable, WIDE_HEADER};
use crate::time::{format_duration, Timestamp};

/// Whether text reads as `kubectl describe pod` output.
pub(crate) fn looks_described(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or_default();
    first.starts_with("Name:")
        && text.lines().take(40).any(|l| l.starts_with("Namespace:"))
        && text.lines().any(|l| l.starts_with("Containers:"))
}

/// The indentation of a line.
fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// `Key:   value` at any indentation.
fn field(line: &str) -> Option<(&str, &str)> {
    let (k, v) = line.trim().split_once(':')?;
    (!k.is_empty() && !k.contains("  ")).then(|| (k.trim(), v.trim()))
}

/// `Mon, 27 Jan 2025 13:05:00 +0000` (RFC 1123 with a numeric zone, as describe prints).
fn describe_time(text: &str) -> Option<Timestamp> {
    chrono::DateTime::parse_from_rfc2822(text.trim())
        .ok()
        .map(|t| Timestamp(t.timestamp_millis()))
}

#[derive(Default)]
struct Container {
    image: Option<String>,
    state: Option<String>,
    state_reason: Option<String>,
    last_reason: Option<String>,
    last_exit_code: Option<i64>,
    last_finished: Option<Timestamp>,
    ready: bool,
    restarts: u64,
}

/// Parses describe output: the pods, and their events.
pub(crate) fn parse_described(file: &str, text: &str, components: &Components) -> (PodTable, EventTable) {
    let mut table = PodTable {
        file: file.to_owned(),
        form: "describe",
        header: WIDE_HEADER.to_owned(),
        ..PodTable::default()
    };
    let mut events = EventTable {
        file: file.to_owned(),
        form: "describe",
        ..EventTable::default()
    };
    let lines: Vec<(usize, &str)> = text.lines().enumerate().collect();
    // Each pod starts at a `Name:` line at column 0.
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, (_, l))| l.starts_with("Name:"))
        .map(|(i, _)| i)
        .collect();
    let mut described = Vec::new();
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(lines.len());
        described.push(describe_one(
            &lines[start..end],
            file,
            &mut events,
            &mut table.problems,
        ));
    }
    let now = described
        .iter()
        .flat_map(|(_, cs, started)| cs.iter().filter_map(|c| c.last_finished).chain(*started))
        .max();
    for (pod, containers, started) in described {
        let Some(mut pod) = pod else { continue };
        finish(&mut pod, &containers, started, now);
        recognise(&mut pod, components);
        table.pods.push(pod);
    }
    (table, events)
}

type Described = (Option<Pod>, Vec<Container>, Option<Timestamp>);

fn describe_one(
    lines: &[(usize, &str)],
    file: &str,
    events: &mut EventTable,
    problems: &mut Vec<String>,
) -> Described {
    let mut pod = Pod {
        line: lines[0].0 as u64 + 1,
        ..Pod::default()
    };
    let mut containers: Vec<Container> = Vec::new();
    let mut started = None;
    let mut section = "";
    // Inside `Last State:` (its Reason/Exit Code lines are indented under it).
    let mut in_last = false;
    let mut in_state = false;
    let mut i = 0;
    while i < lines.len() {
        let (_, line) = lines[i];
        i += 1;
        if indent(line) == 0 && !line.trim().is_empty() {
            let (k, v) = field(line).unwrap_or((line.trim(), ""));
            section = "";
            match k {
                "Name" => pod.name = v.to_owned(),
                "Namespace" => pod.namespace = Some(v.to_owned()),
                "Node" => pod.node = v.split('/').next().map(str::to_owned).filter(|n| n != "<none>"),
                "Start Time" => started = describe_time(v),
                "Status" => pod.status = v.to_owned(),
                "IP" => pod.ip = Some(v.to_owned()).filter(|s| !s.is_empty()),
                "Containers" => section = "containers",
                "Init Containers" => section = "init",
                "Events" => {
                    let rest: Vec<(usize, &str)> = lines[i..]
                        .iter()
                        .copied()
                        .take_while(|(_, l)| indent(l) > 0 || l.trim().is_empty())
                        .collect();
                    events.push_described("Pod", &pod.name, pod.namespace.as_deref(), &rest);
                    i += rest.len();
                }
                _ => {}
            }
            continue;
        }
        if section != "containers" {
            continue;
        }
        // A container's name line: two spaces, `name:` and nothing after.
        if indent(line) == 2 && line.trim_end().ends_with(':') {
            containers.push(Container::default());
            in_last = false;
            in_state = false;
            continue;
        }
        let Some(c) = containers.last_mut() else { continue };
        let Some((k, v)) = field(line) else { continue };
        match (indent(line), k) {
            (4, "Image") => c.image = Some(v.to_owned()),
            (4, "State") => {
                c.state = Some(v.to_owned());
                in_state = true;
                in_last = false;
            }
            (4, "Last State") => {
                in_last = v == "Terminated";
                in_state = false;
            }
            (4, "Ready") => {
                c.ready = v == "True";
                in_last = false;
                in_state = false;
            }
            (4, "Restart Count") => c.restarts = v.parse().unwrap_or(0),
            (4, _) => {
                in_last = false;
                in_state = false;
            }
            (_, "Reason") if in_last => c.last_reason = Some(v.to_owned()),
            (_, "Reason") if in_state => c.state_reason = Some(v.to_owned()),
            (_, "Exit Code") if in_last => c.last_exit_code = v.parse().ok(),
            (_, "Finished") if in_last => c.last_finished = describe_time(v),
            _ => {}
        }
    }
    if pod.name.is_empty() {
        problems.push(format!("{file}: line {}: a `Name:` with no pod name", pod.line));
        return (None, containers, started);
    }
    (Some(pod), containers, started)
}

fn finish(pod: &mut Pod, containers: &[Container], started: Option<Timestamp>, now: Option<Timestamp>) {
    let ago = |t: Option<Timestamp>| match (now, t) {
        (Some(now), Some(t)) => Some(((now.millis() - t.millis()) / 1000).max(0)),
        _ => None,
    };
    pod.containers = containers.len() as u32;
    pod.ready = containers.iter().filter(|c| c.ready).count() as u32;
    pod.restarts = containers.iter().map(|c| c.restarts).sum();
    if let Some(reason) = containers.iter().find_map(|c| c.state_reason.clone()) {
        pod.status = reason;
    }
    if pod.status.is_empty() {
        pod.status = "Unknown".to_owned();
    }
    let last = containers
        .iter()
        .filter(|c| c.last_reason.is_some() || c.last_exit_code.is_some())
        .max_by_key(|c| c.last_finished);
    if let Some(c) = last {
        pod.last_reason = c.last_reason.clone();
        pod.last_exit_code = c.last_exit_code;
        pod.last_restart = c.last_finished;
    }
    pod.last_restart_ago_secs = ago(pod.last_restart);
    pod.last_restart_ago = pod.last_restart_ago_secs.map(format_duration);
    pod.age_secs = ago(started);
    pod.age = pod
        .age_secs
        .map_or_else(|| "<unknown>".to_owned(), format_duration);
    pod.image = containers.iter().find_map(|c| c.image.clone());
    pod.version = pod.image.as_deref().and_then(image_version);
    let restarts = match &pod.last_restart_ago {
        Some(a) if pod.restarts > 0 => format!("{} ({a} ago)", pod.restarts),
        _ => pod.restarts.to_string(),
    };
    pod.raw = format!(
        "{}  {}  {}/{}  {}  {restarts}  {}  {}  {}",
        pod.namespace.as_deref().unwrap_or("<none>"),
        pod.name,
        pod.ready,
        pod.containers,
        pod.status,
        pod.age,
        pod.ip.as_deref().unwrap_or("<none>"),
        pod.node.as_deref().unwrap_or("<none>"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
Name:             neuvector-enforcer-pod-24526
Namespace:        cattle-neuvector-system
Priority:         0
Node:             worker-3/10.0.0.13
Start Time:       Wed, 01 Jan 2025 13:00:00 +0000
Labels:           app=neuvector-enforcer-pod
Status:           Running
IP:               10.42.3.7
IPs:
  IP:           10.42.3.7
Controlled By:  DaemonSet/neuvector-enforcer-pod
Containers:
  neuvector-enforcer-pod:
    Container ID:   containerd://abc
    Image:          docker.io/neuvector/enforcer:5.4.2
    Image ID:       docker.io/neuvector/enforcer@sha256:00
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
      Started:      Sun, 26 Jan 2025 12:55:00 +0000
      Finished:     Sun, 26 Jan 2025 13:00:00 +0000
    Ready:          False
    Restart Count:  1557
    Environment:
      CLUSTER_JOIN_ADDR:  neuvector-svc-controller.cattle-neuvector-system
Conditions:
  Type              Status
  Ready             False
Events:
  Type     Reason   Age                     From     Message
  ----     ------   ----                    ----     -------
  Warning  BackOff  3m33s (x7000 over 25d)  kubelet  Back-off restarting failed container neuvector-enforcer-pod
";

    #[test]
    fn describe_gives_last_state_image_and_events() {
        assert!(looks_described(TEXT));
        let (t, e) = parse_described("describe.txt", TEXT, &Components::default());
        let p = &t.pods[0];
        assert_eq!(p.name, "neuvector-enforcer-pod-24526");
        assert_eq!(p.status, "CrashLoopBackOff");
        assert_eq!((p.ready, p.containers, p.restarts), (0, 1, 1557));
        assert_eq!(p.last_reason.as_deref(), Some("OOMKilled"));
        assert_eq!(p.last_exit_code, Some(137));
        assert_eq!(p.version.as_deref(), Some("5.4.2"));
        assert_eq!(p.node.as_deref(), Some("worker-3"));
        assert_eq!(p.ip.as_deref(), Some("10.42.3.7"));
        assert_eq!(p.age_secs, Some(25 * 86_400));
        let ev = &e.events[0];
        assert_eq!((ev.reason.as_str(), ev.count), ("BackOff", 7000));
        assert_eq!(ev.object, "pod/neuvector-enforcer-pod-24526");
        assert!(ev.message.starts_with("Back-off restarting"));
    }
}
