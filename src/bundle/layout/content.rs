//! What a file's first bytes say it is: a pod listing (a `kubectl get pods` header, a JSON or
//! YAML `Pod`/`PodList`, `kubectl describe pod` text), events (a `kubectl get events` header, a
//! JSON or YAML `Event`/`EventList`), other Kubernetes objects, or nothing known (a log).

use std::io::Read;

use crate::bundle::{open_stream, BundleFile};
use crate::tables::describe::looks_described;
use crate::tables::{is_pod_header, EventTable};

/// How much of a file is read to decide (object metadata such as `managedFields` can push a
/// pod's `containerStatuses` far down).
const HEAD_BYTES: u64 = 64 * 1024;

/// What the head of a file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Pods, and the sign that said so.
    Pods(String),
    /// Events, and the sign that said so.
    Events(String),
    /// Kubernetes objects of another kind.
    Object(String),
    /// Nothing a table would have: a log or other text.
    Unknown,
}

/// The text of a file's head (its first 64 KiB, decompressed), or `None` when it cannot be read.
pub(super) fn read_head(file: &BundleFile) -> Option<String> {
    let mut head = Vec::new();
    open_stream(file)
        .and_then(|r| r.take(HEAD_BYTES).read_to_end(&mut head))
        .ok()?;
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// Reads the head of a file and decides.
pub fn sniff(file: &BundleFile) -> Content {
    read_head(file).map_or(Content::Unknown, |head| classify_head(&head))
}

/// Decides from the text of a file's head.
pub(super) fn classify_head(head: &str) -> Content {
    let t = head.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        return object_kind(t, '"');
    }
    let first = t.lines().next().unwrap_or_default();
    if ["apiVersion:", "kind:", "items:", "metadata:", "---"]
        .iter()
        .any(|k| first.starts_with(k))
    {
        return object_kind(t, ' ');
    }
    if looks_described(t) {
        return Content::Pods("`kubectl describe pod` text (Name:, Namespace:, Containers:)".into());
    }
    for line in t.lines().filter(|l| !l.trim().is_empty()).take(30) {
        if is_pod_header(line) {
            return Content::Pods("`kubectl get pods` header (NAME READY STATUS RESTARTS)".into());
        }
        if EventTable::is_text_header(line) {
            return Content::Events("`kubectl get events` header (LAST SEEN ... REASON ... MESSAGE)".into());
        }
    }
    Content::Unknown
}

/// The first `kind` a JSON (`quote` `"`) or YAML document names, or the fields that show pods
/// or events when the objects carry no kind (client-go lists, as troubleshoot.sh writes them).
fn object_kind(text: &str, quote: char) -> Content {
    let form = if quote == '"' { "JSON" } else { "YAML" };
    let kind = if quote == '"' {
        text.match_indices("\"kind\"").find_map(|(at, _)| {
            let rest = text[at + 6..]
                .trim_start()
                .strip_prefix(':')?
                .trim_start()
                .strip_prefix('"')?;
            rest.split('"').next()
        })
    } else {
        text.lines().find_map(|l| {
            let l = l.trim_start().trim_start_matches("- ").trim_start();
            l.strip_prefix("kind:")
                .map(|k| k.trim().trim_matches(|c| c == '"' || c == '\''))
        })
    };
    let has = |field: &str| text.contains(&format!("{field}{}", if quote == '"' { "\"" } else { ":" }));
    // Fields only events and pods have come first: the first `kind` may be a nested one (an
    // event's `involvedObject`, a pod's `ownerReferences` when the objects carry no kind).
    match kind {
        _ if has("involvedObject") || has("regarding") => {
            Content::Events(format!("{form} objects with `involvedObject`"))
        }
        _ if has("containerStatuses") || has("podIP") => {
            Content::Pods(format!("{form} objects with `containerStatuses`"))
        }
        Some("Pod" | "PodList") => Content::Pods(format!("{form} `kind: {}`", kind.unwrap_or_default())),
        Some("Event" | "EventList") => {
            Content::Events(format!("{form} `kind: {}`", kind.unwrap_or_default()))
        }
        Some(k) if !k.is_empty() && k != "List" => Content::Object(k.to_owned()),
        _ => Content::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_by_content() {
        let pods = |c: Content| matches!(c, Content::Pods(_));
        assert!(pods(classify_head(
            "NAMESPACE   NAME   READY   STATUS   RESTARTS   AGE\n"
        )));
        assert!(pods(classify_head(
            "$ kubectl get pods -o wide\nNAME   READY   STATUS   RESTARTS   AGE   IP   NODE\n"
        )));
        assert!(pods(classify_head("{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n    {\n      \"apiVersion\": \"v1\",\n      \"kind\": \"Pod\",")));
        assert!(pods(classify_head("{\"metadata\":{},\"items\":[{\"metadata\":{\"name\":\"a\"},\"status\":{\"containerStatuses\":[]}}]}")));
        assert!(pods(classify_head(
            "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n"
        )));
        assert!(matches!(
            classify_head("LAST SEEN   TYPE      REASON    OBJECT    MESSAGE\n"),
            Content::Events(_)
        ));
        assert_eq!(
            classify_head("apiVersion: v1\nitems:\n- kind: Deployment\n"),
            Content::Object("Deployment".into())
        );
        assert_eq!(
            classify_head("2025-01-26T13:09:02.525|INFO|CTL|main: start\n"),
            Content::Unknown
        );
        assert_eq!(
            classify_head("{\"level\":\"error\",\"msg\":\"x\"}\n"),
            Content::Unknown
        );
        // The first `kind` is the involved object's, or an owner's.
        assert!(matches!(
            classify_head(r#"{"items":[{"involvedObject":{"kind":"Pod"},"reason":"BackOff"}]}"#),
            Content::Events(_)
        ));
        assert!(pods(classify_head(
            r#"{"items":[{"metadata":{"ownerReferences":[{"kind":"DaemonSet"}]},"status":{"podIP":"10.0.0.1"}}]}"#
        )));
    }
}
