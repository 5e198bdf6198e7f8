//! Pods from `kubectl get pods -o json` / `-o yaml` (a `List`, a `PodList` or a single `Pod`), as
//! troubleshoot.sh and support-bundle-kit store them too, into the one [`Pod`] model.
//!
//! The objects carry absolute times and no "now"; ages and "ago" values are counted back from
//! the newest time the listing holds (a container start, a termination, a condition change),
//! the closest thing to when it was taken.

use serde_json::Value;

use super::pods::{image_version, recognise, Components, Pod, PodTable, WIDE_HEADER};
use crate::time::{format_duration, parse_iso_prefix, Timestamp};

/// Reads a pod list (or one pod) from a JSON or YAML value; `Err` says why it is not one.
pub(crate) fn pods_from_value(
    file: &str,
    form: &'static str,
    value: &Value,
    components: &Components,
) -> Result<PodTable, String> {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or_default();
    let objects: Vec<&Value> = match value.get("items") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(Value::Null) => Vec::new(),
        Some(_) => return Err("not a pod list: `items` is not a list".to_owned()),
        None if kind == "Pod" => vec![value],
        None if kind.is_empty() => return Err("not a pod list: no `kind` and no `items`".to_owned()),
        None => return Err(format!("not a pod list: kind `{kind}`")),
    };
    if !matches!(kind, "" | "List" | "PodList" | "Pod") {
        return Err(format!("not a pod list: kind `{kind}`"));
    }
    let pods: Vec<&Value> = objects
        .into_iter()
        .filter(|o| matches!(o.get("kind").and_then(Value::as_str), None | Some("Pod")))
        .collect();
    let now = pods.iter().filter_map(|p| newest_time(p)).max();
    let mut table = PodTable {
        file: file.to_owned(),
        form,
        header: WIDE_HEADER.to_owned(),
        ..PodTable::default()
    };
    for (index, object) in pods.into_iter().enumerate() {
        match pod_from_object(object, now) {
            Some(mut pod) => {
                pod.line = index as u64 + 1;
                recognise(&mut pod, components);
                table.pods.push(pod);
            }
            None => table
                .problems
                .push(format!("item {}: not a pod (no metadata.name)", index + 1)),
        }
    }
    Ok(table)
}

fn text<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

fn time(v: &Value, path: &[&str]) -> Option<Timestamp> {
    text(v, path)
        .and_then(|t| parse_iso_prefix(t.as_bytes()))
        .map(|(t, _)| t)
}

fn statuses(pod: &Value) -> &[Value] {
    pod.pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The newest time an object records.
fn newest_time(pod: &Value) -> Option<Timestamp> {
    let mut times = vec![
        time(pod, &["metadata", "creationTimestamp"]),
        time(pod, &["status", "startTime"]),
    ];
    for c in statuses(pod) {
        for path in [
            &["state", "running", "startedAt"][..],
            &["state", "terminated", "finishedAt"],
            &["lastState", "terminated", "finishedAt"],
        ] {
            times.push(time(c, path));
        }
    }
    if let Some(conditions) = pod.pointer("/status/conditions").and_then(Value::as_array) {
        times.extend(conditions.iter().map(|c| time(c, &["lastTransitionTime"])));
    }
    times.into_iter().flatten().max()
}

/// The `STATUS` kubectl prints: a container's waiting or terminated reason, `Terminating`, or
/// the phase.
fn status(pod: &Value) -> String {
    let mut status = text(pod, &["status", "reason"])
        .or_else(|| text(pod, &["status", "phase"]))
        .unwrap_or("Unknown")
        .to_owned();
    for c in statuses(pod) {
        if let Some(reason) = text(c, &["state", "waiting", "reason"]).filter(|r| !r.is_empty()) {
            status = reason.to_owned();
        } else if let Some(reason) = text(c, &["state", "terminated", "reason"]).filter(|r| !r.is_empty()) {
            status = reason.to_owned();
        }
    }
    if pod
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|v| !v.is_null())
    {
        status = "Terminating".to_owned();
    }
    status
}

fn pod_from_object(pod: &Value, now: Option<Timestamp>) -> Option<Pod> {
    let name = text(pod, &["metadata", "name"])?.to_owned();
    let ago = |t: Option<Timestamp>| match (now, t) {
        (Some(now), Some(t)) => Some(((now.millis() - t.millis()) / 1000).max(0)),
        _ => None,
    };
    let cs = statuses(pod);
    let spec_containers = pod.pointer("/spec/containers").and_then(Value::as_array);
    let containers = spec_containers.map_or(cs.len(), Vec::len) as u32;
    let ready = cs
        .iter()
        .filter(|c| c.get("ready").and_then(Value::as_bool) == Some(true))
        .count() as u32;
    let restarts: u64 = cs
        .iter()
        .filter_map(|c| c.get("restartCount").and_then(Value::as_u64))
        .sum();
    // The container that restarted last tells why.
    let last = cs
        .iter()
        .filter_map(|c| {
            let t = c.pointer("/lastState/terminated")?;
            Some((time(t, &["finishedAt"]), t))
        })
        .max_by_key(|(t, _)| *t);
    let last_restart = last.and_then(|(t, _)| t);
    let image = spec_containers
        .and_then(|c| c.first())
        .and_then(|c| text(c, &["image"]))
        .or_else(|| cs.first().and_then(|c| text(c, &["image"])))
        .map(str::to_owned);
    let created =
        time(pod, &["metadata", "creationTimestamp"]).or_else(|| time(pod, &["status", "startTime"]));
    let age_secs = ago(created);
    let age = age_secs.map_or_else(|| "<unknown>".to_owned(), format_duration);
    let last_restart_ago_secs = ago(last_restart);
    let last_restart_ago = last_restart_ago_secs.map(format_duration);
    let namespace = text(pod, &["metadata", "namespace"]).map(str::to_owned);
    let status = status(pod);
    let ip = text(pod, &["status", "podIP"]).map(str::to_owned);
    let node = text(pod, &["spec", "nodeName"]).map(str::to_owned);
    let restarts_text = match &last_restart_ago {
        Some(a) if restarts > 0 => format!("{restarts} ({a} ago)"),
        _ => restarts.to_string(),
    };
    let raw = format!(
        "{}  {name}  {ready}/{containers}  {status}  {restarts_text}  {age}  {}  {}",
        namespace.as_deref().unwrap_or("<none>"),
        ip.as_deref().unwrap_or("<none>"),
        node.as_deref().unwrap_or("<none>"),
    );
    Some(Pod {
        line: 0,
        namespace,
        name,
        ready,
        containers,
        status,
        restarts,
        last_restart_ago,
        last_restart_ago_secs,
        age,
        age_secs,
        ip,
        node,
        component: None,
        workload: None,
        last_restart,
        last_reason: last.and_then(|(_, t)| text(t, &["reason"])).map(str::to_owned),
        last_exit_code: last.and_then(|(_, t)| t.get("exitCode")).and_then(Value::as_i64),
        version: image.as_deref().and_then(image_version),
        image,
        raw,
        sources: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = r#"{
  "apiVersion": "v1",
  "items": [
    {
      "apiVersion": "v1", "kind": "Pod",
      "metadata": {"name": "neuvector-enforcer-pod-24526", "namespace": "cattle-neuvector-system",
                   "creationTimestamp": "2025-01-01T13:00:00Z"},
      "spec": {"nodeName": "worker-3", "containers": [{"name": "neuvector-enforcer-pod", "image": "docker.io/neuvector/enforcer:5.4.2"}]},
      "status": {
        "phase": "Running", "podIP": "10.42.3.7",
        "containerStatuses": [{
          "name": "neuvector-enforcer-pod", "ready": false, "restartCount": 1557,
          "image": "docker.io/neuvector/enforcer:5.4.2",
          "state": {"waiting": {"reason": "CrashLoopBackOff"}},
          "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137,
                                        "finishedAt": "2025-01-26T13:00:00Z"}}
        }]
      }
    },
    {
      "apiVersion": "v1", "kind": "Pod",
      "metadata": {"name": "neuvector-controller-pod-854b7c7d46-fhw25", "namespace": "cattle-neuvector-system",
                   "creationTimestamp": "2025-01-01T13:00:00Z"},
      "spec": {"containers": [{"image": "neuvector/controller:5.4.2"}]},
      "status": {"phase": "Running", "containerStatuses": [{"ready": true, "restartCount": 0,
                 "state": {"running": {"startedAt": "2025-01-26T13:03:33Z"}}}]}
    }
  ],
  "kind": "List",
  "metadata": {"resourceVersion": ""}
}"#;

    #[test]
    fn a_json_list_reads_into_the_model() {
        let value: Value = serde_json::from_str(LIST).unwrap();
        let t = pods_from_value("pods.json", "json", &value, &Components::default()).unwrap();
        assert_eq!(t.pods.len(), 2);
        let p = &t.pods[0];
        assert_eq!(p.status, "CrashLoopBackOff");
        assert_eq!((p.ready, p.containers, p.restarts), (0, 1, 1557));
        assert_eq!(p.last_reason.as_deref(), Some("OOMKilled"));
        assert_eq!(p.last_exit_code, Some(137));
        assert_eq!(p.version.as_deref(), Some("5.4.2"));
        assert_eq!(
            (p.ip.as_deref(), p.node.as_deref()),
            (Some("10.42.3.7"), Some("worker-3"))
        );
        // "Now" is the newest time in the listing: the controller's start, 3m33s later.
        assert_eq!(p.last_restart_ago_secs, Some(213));
        assert_eq!(p.age_secs, Some(25 * 86_400 + 213));
        assert!(p.raw.contains("1557 (3m33s ago)"), "{}", p.raw);
    }

    #[test]
    fn a_single_pod_and_wrong_kinds() {
        let value: Value = serde_json::from_str(LIST).unwrap();
        let one = &value["items"][1];
        let t = pods_from_value("pod.json", "json", one, &Components::default()).unwrap();
        assert_eq!(t.pods[0].status, "Running");
        let svc: Value = serde_json::json!({"kind": "Service", "metadata": {"name": "x"}});
        assert_eq!(
            pods_from_value("x.json", "json", &svc, &Components::default()).unwrap_err(),
            "not a pod list: kind `Service`"
        );
        let bad: Value = serde_json::json!({"items": 3});
        assert!(pods_from_value("x.json", "json", &bad, &Components::default()).is_err());
    }

    #[test]
    fn image_versions() {
        assert_eq!(
            image_version("docker.io/neuvector/enforcer:5.4.2").as_deref(),
            Some("5.4.2")
        );
        assert_eq!(
            image_version("registry:5000/nv/controller:v5.3.0-s1@sha256:ab").as_deref(),
            Some("5.3.0-s1")
        );
        assert_eq!(image_version("registry:5000/nv/controller"), None);
        assert_eq!(image_version("neuvector/manager:latest"), None);
    }
}
