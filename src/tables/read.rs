//! Which parser a table file needs, decided by its content (a `kubectl get pods` header, JSON,
//! YAML, `kubectl describe` text), and the merge of every source's pods into one list.

use std::collections::BTreeMap;

use serde_json::Value;

use super::describe::{looks_described, parse_described};
use super::events::EventTable;
use super::pod_objects::pods_from_value;
use super::pods::{Components, Pod, PodTable};

/// The form of a table file's text, by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextForm {
    /// Starts with `{` or `[`.
    Json,
    /// A YAML document with a `kind:` or `items:` key.
    Yaml,
    /// `kubectl describe` output.
    Describe,
    /// A `kubectl get` text table.
    Table,
}

/// Decides the form of a table file from its first bytes.
pub(crate) fn text_form(text: &str) -> Option<TextForm> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        return Some(TextForm::Json);
    }
    if looks_described(t) {
        return Some(TextForm::Describe);
    }
    let yaml_key = |l: &str| {
        ["apiVersion:", "kind:", "items:", "metadata:"]
            .iter()
            .any(|k| l.starts_with(k))
    };
    if t.lines().next().is_some_and(|l| yaml_key(l) || l == "---") {
        return Some(TextForm::Yaml);
    }
    Some(TextForm::Table)
}

/// Whether a line is the header of a `kubectl get pods` table.
pub(crate) fn is_pod_header(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let first = words.next();
    let first = if first == Some("NAMESPACE") {
        words.next()
    } else {
        first
    };
    first == Some("NAME")
        && words.next() == Some("READY")
        && words.next() == Some("STATUS")
        && words.next() == Some("RESTARTS")
}

fn json_or_yaml(file: &str, text: &str, form: TextForm, what: &str) -> Result<(Value, &'static str), String> {
    match form {
        TextForm::Json => serde_json::from_str(text)
            .map(|v| (v, "json"))
            .map_err(|e| format!("not {what}: invalid JSON: {e}")),
        _ => crate::yaml::value_from_str(file, text)
            .map(|v| (v, "yaml"))
            .map_err(|d| format!("not {what}: invalid YAML: {}", d.message)),
    }
}

/// Reads a pod listing in any form: its pods, and the events a describe output carries.
/// `Err` says why the file is not one (it is then reported, never read as an empty table).
pub(crate) fn read_pods(
    file: &str,
    text: &str,
    components: &Components,
) -> Result<(PodTable, Option<EventTable>), String> {
    match text_form(text) {
        Some(TextForm::Describe) => {
            let (pods, events) = parse_described(file, text, components);
            Ok((pods, Some(events)))
        }
        Some(form @ (TextForm::Json | TextForm::Yaml)) => {
            let (value, name) = json_or_yaml(file, text, form, "a pod list")?;
            pods_from_value(file, name, &value, components).map(|t| (t, None))
        }
        _ => {
            if text.trim().is_empty() {
                return Err("not a pod list: the file is empty".to_owned());
            }
            if !text.lines().any(is_pod_header) {
                let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
                let first: String = first.chars().take(60).collect();
                return Err(format!(
                    "not a pod list: no `NAME READY STATUS RESTARTS` header, JSON or YAML pod object (starts `{first}`)"
                ));
            }
            let table = PodTable::parse(file, text, components);
            if table.pods.is_empty() && !table.problems.is_empty() {
                return Err(format!("not a pod list: {}", table.problems[0]));
            }
            Ok((table, None))
        }
    }
}

/// Reads an events listing in any form; `Err` says why the file is not one.
pub(crate) fn read_events(file: &str, text: &str) -> Result<EventTable, String> {
    match text_form(text) {
        Some(form @ (TextForm::Json | TextForm::Yaml)) => {
            let (value, name) = json_or_yaml(file, text, form, "an event list")?;
            EventTable::from_value(file, name, &value)
        }
        _ => {
            if !text.lines().any(EventTable::is_text_header) {
                return Err("not an event list: no `LAST SEEN ... REASON ... MESSAGE` header".to_owned());
            }
            Ok(EventTable::parse_text(file, text))
        }
    }
}

/// Every source's pods as one list: a pod listed by several files (a `get pods` table and a
/// `describe`) is one pod, its fields filled from each; sorted by namespace and name.
pub(crate) fn merge_pods(tables: &[PodTable]) -> Vec<Pod> {
    let mut by_name: BTreeMap<String, Vec<Pod>> = BTreeMap::new();
    for table in tables {
        for pod in &table.pods {
            let mut pod = pod.clone();
            pod.sources = vec![table.file.clone()];
            let same = by_name.entry(pod.name.clone()).or_default();
            let existing = same.iter_mut().find(|p| match (&p.namespace, &pod.namespace) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            });
            match existing {
                Some(p) => fill(p, pod),
                None => same.push(pod),
            }
        }
    }
    let mut all: Vec<Pod> = by_name.into_values().flatten().collect();
    all.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    all
}

/// Fills what `into` lacks from `from` (the first source keeps its status and counts).
fn fill(into: &mut Pod, from: Pod) {
    macro_rules! take {
        ($($f:ident),*) => { $( if into.$f.is_none() { into.$f = from.$f; } )* };
    }
    take!(
        namespace,
        last_restart_ago,
        last_restart_ago_secs,
        age_secs,
        ip,
        node,
        component,
        workload,
        last_restart,
        last_reason,
        last_exit_code,
        image,
        version
    );
    // `kubectl describe` prints no AGE: a listing read after it still gives one.
    if matches!(into.age.as_str(), "" | "<unknown>") && !matches!(from.age.as_str(), "" | "<unknown>") {
        into.age = from.age;
    }
    into.sources.extend(from.sources);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_listings_are_errors_not_empty_tables() {
        let c = Components::default();
        let e = read_pods("pods.json", "{\"items\": [", &c).unwrap_err();
        assert!(e.starts_with("not a pod list: invalid JSON"), "{e}");
        let e = read_pods("pods.txt", "hello\nworld\n", &c).unwrap_err();
        assert!(e.starts_with("not a pod list: no `NAME"), "{e}");
        let e = read_pods("pods.yaml", "kind: ConfigMap\ndata: {}\n", &c).unwrap_err();
        assert_eq!(e, "not a pod list: kind `ConfigMap`");
        // An empty list is a real answer.
        let (t, _) = read_pods("pods.json", r#"{"kind":"List","items":[]}"#, &c).unwrap();
        assert!(t.pods.is_empty());
    }

    #[test]
    fn yaml_list_and_several_namespaces() {
        let c = Components::default();
        let yaml = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a\n    namespace: neuvector\n  status:\n    phase: Running\nkind: List\n";
        let (t, _) = read_pods("pods.yaml", yaml, &c).unwrap();
        assert_eq!((t.form, t.pods[0].name.as_str()), ("yaml", "a"));
        let text = "$ kubectl get pods -n neuvector\nNAME   READY   STATUS    RESTARTS   AGE\na      1/1     Running   0          1d\n\n$ kubectl get pods -n cattle-neuvector-system\nNAME   READY   STATUS    RESTARTS   AGE\nb      1/1     Running   0          1d\n";
        let (t, _) = read_pods("x.out", text, &c).unwrap();
        assert!(t.problems.is_empty(), "{:?}", t.problems);
        let ns: Vec<_> = t.pods.iter().map(|p| p.namespace.as_deref().unwrap()).collect();
        assert_eq!(ns, ["neuvector", "cattle-neuvector-system"]);
    }

    #[test]
    fn sources_merge_into_one_pod() {
        let c = Components::default();
        let (a, _) = read_pods("pods.txt", "NAME   READY   STATUS    RESTARTS   AGE   IP          NODE\np      1/1     Running   3 (2m ago)   1d    10.0.0.1   n1\n", &c).unwrap();
        let json = r#"{"kind":"Pod","metadata":{"name":"p","namespace":"ns"},"spec":{"containers":[{"image":"x/y:1.2.3"}]},"status":{"phase":"Running","containerStatuses":[{"ready":true,"restartCount":3,"lastState":{"terminated":{"reason":"OOMKilled","exitCode":137}}}]}}"#;
        let (b, _) = read_pods("pod.json", json, &c).unwrap();
        let all = merge_pods(&[a.clone(), b.clone()]);
        assert_eq!(all.len(), 1);
        let p = &all[0];
        assert_eq!(p.last_restart_ago.as_deref(), Some("2m"));
        assert_eq!(p.last_reason.as_deref(), Some("OOMKilled"));
        assert_eq!(p.version.as_deref(), Some("1.2.3"));
        assert_eq!(p.namespace.as_deref(), Some("ns"));
        assert_eq!(p.sources, ["pods.txt", "pod.json"]);
        // Read the other way round, the JSON (no AGE column) still takes the listing's age.
        let all = merge_pods(&[b, a]);
        assert_eq!(all[0].age, "1d");
    }
}
