//! The pod model every source feeds (`kubectl get pods` text, `-o json`/`-o yaml`, `kubectl
//! describe pod`), the text table's parser (plain, `-o wide`, `-A`, several namespaces, with
//! kubectl's `RESTARTS` form `1557 (3m33s ago)`), and the workload each pod belongs to.

use std::collections::BTreeMap;

use regex::Regex;
use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::spec::ComponentSpec;
use crate::time::{parse_kubectl_duration, Timestamp};

/// One pod, from whichever source listed it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Pod {
    /// 1-based line of the row in its file.
    pub line: u64,
    /// Namespace, when the table has the column (`-A`).
    pub namespace: Option<String>,
    /// Pod name.
    pub name: String,
    /// Ready containers.
    pub ready: u32,
    /// Containers in the pod.
    pub containers: u32,
    /// `STATUS` column (`Running`, `CrashLoopBackOff`, `Completed`, ...).
    pub status: String,
    /// Restart count.
    pub restarts: u64,
    /// How long ago the last restart was, as kubectl printed it (`3m33s`).
    pub last_restart_ago: Option<String>,
    /// The same in seconds.
    pub last_restart_ago_secs: Option<i64>,
    /// `AGE` column as printed.
    pub age: String,
    /// `AGE` in seconds.
    pub age_secs: Option<i64>,
    /// Pod IP (`-o wide`).
    pub ip: Option<String>,
    /// Node (`-o wide`).
    pub node: Option<String>,
    /// Component id from the knowledge base (`controller`, `enforcer`, ...).
    pub component: Option<String>,
    /// Owning workload name (`neuvector-controller-pod`).
    pub workload: Option<String>,
    /// When the last restart happened (the previous container's end), when the source says.
    pub last_restart: Option<Timestamp>,
    /// Why the previous container ended (`OOMKilled`, `Error`, `Completed`), when the source says.
    pub last_reason: Option<String>,
    /// The previous container's exit code (137 for a kill), when the source says.
    pub last_exit_code: Option<i64>,
    /// Image of the (first) container, when the source says.
    pub image: Option<String>,
    /// Version read from the image tag (`neuvector/enforcer:5.4.2` => `5.4.2`).
    pub version: Option<String>,
    /// The row as written (or, for JSON, YAML and describe output, as kubectl would print it).
    pub raw: String,
    /// Files that listed this pod (set when every source's pods are merged).
    pub sources: Vec<String>,
}

impl Pod {
    /// A pod is healthy when all containers are ready and it is running, or it completed.
    pub fn is_healthy(&self) -> bool {
        (self.status == "Running" && self.ready == self.containers) || self.is_finished()
    }

    /// Completed (job) pods do not count as replicas.
    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "Completed" | "Succeeded")
    }
}

/// A workload (deployment, daemonset, ...) seen through its pods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Workload {
    /// Component id.
    pub component: String,
    /// Workload name.
    pub name: String,
    /// `deployment`, `daemonset`, ...
    pub kind: String,
    /// Namespace, when the listing says.
    pub namespace: Option<String>,
    /// Pods listed (not counting finished ones): the replica count for a deployment.
    pub pods: u32,
    /// Pods that are running and ready.
    pub ready: u32,
}

/// A parsed pod listing.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PodTable {
    /// File inside the bundle.
    pub file: String,
    /// The form it was read from: `text`, `json`, `yaml` or `describe`.
    pub form: &'static str,
    /// The header row as written (as `kubectl get pods -o wide -A` prints it for other forms).
    pub header: String,
    /// Rows, in file order.
    pub pods: Vec<Pod>,
    /// Rows that could not be read.
    pub problems: Vec<String>,
}

/// The header written for pods read from JSON, YAML or describe output.
pub(crate) const WIDE_HEADER: &str = "NAMESPACE  NAME  READY  STATUS  RESTARTS  AGE  IP  NODE";

/// Compiled component patterns from the knowledge base.
#[derive(Debug, Clone, Default)]
pub struct Components {
    entries: Vec<(ComponentSpec, Regex)>,
}

impl Components {
    /// Compiles the KB's component patterns; bad regexes are reported against `path`.
    pub fn new(specs: &[ComponentSpec], path: &str, source: &str) -> Result<Self, Vec<Diagnostic>> {
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        for spec in specs {
            match Regex::new(&spec.pod) {
                Ok(re) => entries.push((spec.clone(), re)),
                Err(err) => problems.push(Diagnostic::at_text(
                    path,
                    source,
                    &spec.pod,
                    format!("invalid pod pattern for component `{}`: {err}", spec.id),
                )),
            }
        }
        if problems.is_empty() {
            Ok(Components { entries })
        } else {
            Err(problems)
        }
    }

    /// The component ids, in the knowledge base's order.
    pub(crate) fn ids(&self) -> Vec<String> {
        self.entries.iter().map(|(spec, _)| spec.id.clone()).collect()
    }

    /// Component id, workload name and workload kind for a pod name.
    pub(crate) fn recognise(&self, pod: &str) -> Option<(String, String, String)> {
        self.entries.iter().find_map(|(spec, re)| {
            let caps = re.captures(pod)?;
            let workload = caps.name("workload").map_or(pod, |m| m.as_str());
            Some((spec.id.clone(), workload.to_owned(), spec.workload_kind.clone()))
        })
    }
}

impl PodTable {
    /// Parses the text of a pod listing. Blank lines and repeated headers are ignored; rows
    /// that cannot be read are kept in `problems`.
    pub fn parse(file: &str, text: &str, components: &Components) -> PodTable {
        let mut table = PodTable {
            file: file.to_owned(),
            form: "text",
            ..PodTable::default()
        };
        let mut has_namespace = false;
        let mut seen_header = false;
        // Set by a command line (`kubectl get pods -n X`) or kubectl's empty answer before a
        // table without a NAMESPACE column, when several namespaces are listed one after another.
        let mut namespace: Option<String> = None;
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim_end();
            if line.trim().is_empty() {
                continue;
            }
            let mut words = line.split_whitespace();
            let first = words.next().unwrap_or_default();
            if first == "NAME" || (first == "NAMESPACE" && words.next() == Some("NAME")) {
                // `kubectl get all` lists services, daemonsets, deployments... after the pods,
                // each under its own NAME header: only a header with READY and STATUS starts
                // pod rows; another one ends them.
                let columns: Vec<&str> = line.split_whitespace().collect();
                seen_header = columns.contains(&"READY") && columns.contains(&"STATUS");
                has_namespace = first == "NAMESPACE";
                if seen_header && table.header.is_empty() {
                    table.header = line.to_owned();
                }
                continue;
            }
            if let Some(ns) = namespace_note(line) {
                namespace = ns;
                continue;
            }
            if !seen_header {
                continue;
            }
            match parse_row(line, has_namespace) {
                Some(mut pod) => {
                    pod.line = index as u64 + 1;
                    if pod.namespace.is_none() {
                        pod.namespace = namespace.clone();
                    }
                    recognise(&mut pod, components);
                    table.pods.push(pod);
                }
                None => table
                    .problems
                    .push(format!("line {}: not a pod row: {line}", index + 1)),
            }
        }
        table
    }

    /// Workloads, sorted by component then name.
    pub fn workloads(&self, components: &Components) -> Vec<Workload> {
        let mut by_key: BTreeMap<(String, String), Workload> = BTreeMap::new();
        for pod in &self.pods {
            let Some((component, name, kind)) = components.recognise(&pod.name) else {
                continue;
            };
            let entry = by_key
                .entry((component.clone(), name.clone()))
                .or_insert_with(|| Workload {
                    component,
                    name,
                    kind,
                    namespace: pod.namespace.clone(),
                    pods: 0,
                    ready: 0,
                });
            if pod.is_finished() {
                continue;
            }
            entry.pods += 1;
            if pod.status == "Running" && pod.ready == pod.containers {
                entry.ready += 1;
            }
        }
        by_key.into_values().collect()
    }
}

/// The workload a pod most likely belongs to, read from the name Kubernetes gave it, for pods no
/// knowledge-base component recognises: a Deployment's pod is `<name>-<template hash>-<5>`, a
/// DaemonSet's or Job's `<name>-<5>`, a StatefulSet's `<name>-<ordinal>`. The suffix characters are
/// lower-case letters and digits (Kubernetes' random suffixes); a name that fits none of these
/// (a static pod, a bare pod) is its own workload.
pub(crate) fn owner_guess(pod: &str) -> &str {
    fn suffix(part: &str, len: std::ops::RangeInclusive<usize>) -> bool {
        len.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    }
    let parts: Vec<&str> = pod.rsplitn(3, '-').collect();
    match parts.as_slice() {
        // Both suffixes random (a Deployment's ReplicaSet hash then the pod's own).
        [last, hash, name] if suffix(last, 5..=5) && suffix(hash, 6..=10) && !name.is_empty() => {
            &pod[..name.len()]
        }
        [last, rest @ ..]
            if (suffix(last, 5..=5) || last.bytes().all(|b| b.is_ascii_digit()))
                && !last.is_empty()
                && !rest.is_empty() =>
        {
            &pod[..pod.len() - last.len() - 1]
        }
        _ => pod,
    }
}

/// Gives a pod its component and workload from its name.
pub(crate) fn recognise(pod: &mut Pod, components: &Components) {
    if let Some((component, workload, _)) = components.recognise(&pod.name) {
        pod.component = Some(component);
        pod.workload = Some(workload);
    }
}

/// A line between tables that is not a row: a shell command (`$ kubectl get pods -n X`, `#
/// namespace X`, `==> neuvector <==`) or kubectl's `No resources found in X namespace.`.
/// `Some(namespace)` when it is one (the namespace it names, if any), `None` for other lines.
fn namespace_note(line: &str) -> Option<Option<String>> {
    let t = line.trim();
    if let Some(rest) = t.strip_prefix("No resources found") {
        let ns = rest
            .strip_prefix(" in ")
            .and_then(|r| r.split_whitespace().next());
        return Some(ns.map(str::to_owned));
    }
    if !(t.starts_with('$') || t.starts_with('#') || t.starts_with("==>") || t.starts_with("---")) {
        return None;
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    let named = words.windows(2).find_map(|w| {
        matches!(w[0], "-n" | "--namespace" | "namespace" | "Namespace:").then(|| w[1].to_owned())
    });
    let inline = words
        .iter()
        .find_map(|w| w.strip_prefix("--namespace=").or_else(|| w.strip_prefix("-n=")))
        .map(str::to_owned);
    let all = words.iter().any(|w| matches!(*w, "-A" | "--all-namespaces"));
    Some(if all { None } else { named.or(inline) })
}

/// The version an image tag names: `docker.io/neuvector/enforcer:5.4.2` => `5.4.2`,
/// `...:v5.4.2-s1@sha256:..` => `5.4.2-s1`; `latest`, digests and missing tags give `None`.
pub(crate) fn image_version(image: &str) -> Option<String> {
    let image = image.split('@').next()?;
    let last = image.rsplit('/').next()?;
    let (_, tag) = last.split_once(':')?;
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    tag.starts_with(|c: char| c.is_ascii_digit())
        .then(|| tag.to_owned())
}

fn parse_row(line: &str, has_namespace: bool) -> Option<Pod> {
    let mut words = line.split_whitespace().peekable();
    let namespace = if has_namespace {
        Some(words.next()?.to_owned())
    } else {
        None
    };
    // `kubectl get all` and `-o name` write `pod/NAME`.
    let name = words.next()?;
    let name = name.strip_prefix("pod/").unwrap_or(name).to_owned();
    let (ready, containers) = words.next()?.split_once('/')?;
    let ready: u32 = ready.parse().ok()?;
    let containers: u32 = containers.parse().ok()?;
    let status = words.next()?.to_owned();
    let restarts: u64 = words.next()?.parse().ok()?;
    let mut last_restart_ago = None;
    if words.peek().is_some_and(|w| w.starts_with('(')) {
        let ago = words.next()?.trim_start_matches('(').to_owned();
        // `(3m33s ago)`: the word `ago)` closes it.
        if words.next()? != "ago)" {
            return None;
        }
        last_restart_ago = Some(ago);
    }
    let age = words.next()?.to_owned();
    let ip = words.next().map(str::to_owned);
    let node = words.next().map(str::to_owned);
    Some(Pod {
        line: 0,
        namespace,
        name,
        ready,
        containers,
        status,
        restarts,
        last_restart_ago_secs: last_restart_ago.as_deref().and_then(parse_kubectl_duration),
        last_restart_ago,
        age_secs: parse_kubectl_duration(&age),
        age,
        ip,
        node,
        component: None,
        workload: None,
        last_restart: None,
        last_reason: None,
        last_exit_code: None,
        image: None,
        version: None,
        raw: line.to_owned(),
        sources: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_are_read_from_kubernetes_pod_names() {
        assert_eq!(owner_guess("coredns-66bff467f8-4xk2p"), "coredns");
        assert_eq!(
            owner_guess("tax-tribunals-application-base-74464f6b98-2kj6g"),
            "tax-tribunals-application-base"
        );
        assert_eq!(owner_guess("kube-proxy-x7k2p"), "kube-proxy");
        assert_eq!(owner_guess("logging-deployer-1-x7k2p"), "logging-deployer-1");
        assert_eq!(owner_guess("redis-master-0"), "redis-master");
        assert_eq!(owner_guess("etcd"), "etcd");
        assert_eq!(owner_guess("web-Main"), "web-Main");
    }

    fn components() -> Components {
        let specs = vec![
            ComponentSpec {
                id: "controller".into(),
                pod: r"^(?P<workload>neuvector-controller-pod)-[a-z0-9]{6,10}-[a-z0-9]{5}$".into(),
                workload_kind: "deployment".into(),
            },
            ComponentSpec {
                id: "enforcer".into(),
                pod: r"^(?P<workload>neuvector-enforcer-pod)-[a-z0-9]{5}$".into(),
                workload_kind: "daemonset".into(),
            },
        ];
        Components::new(&specs, "kb/kinds.yaml", "").unwrap()
    }

    const TABLE: &str = "\
NAME                                        READY   STATUS             RESTARTS           AGE
neuvector-controller-pod-854b7c7d46-fhw25   1/1     Running            0                  25d

neuvector-enforcer-pod-24526                0/1     CrashLoopBackOff   1557 (3m33s ago)   25d
neuvector-updater-pod-28972800-75m5s        0/1     Completed          0                  2d9h
";

    #[test]
    fn plain_listing_with_restart_ago() {
        let t = PodTable::parse("pods.txt", TABLE, &components());
        assert_eq!(t.pods.len(), 3);
        assert!(t.problems.is_empty());
        let e = &t.pods[1];
        assert_eq!(e.line, 4);
        assert_eq!((e.ready, e.containers, e.restarts), (0, 1, 1557));
        assert_eq!(e.status, "CrashLoopBackOff");
        assert_eq!(e.last_restart_ago.as_deref(), Some("3m33s"));
        assert_eq!(e.last_restart_ago_secs, Some(213));
        assert_eq!(e.component.as_deref(), Some("enforcer"));
        assert_eq!(t.pods[2].age_secs, Some(2 * 86_400 + 9 * 3600));
        assert!(t.pods[2].is_healthy());
    }

    #[test]
    fn wide_listing_with_namespace() {
        let text = "NAMESPACE   NAME                                        READY   STATUS    RESTARTS      AGE   IP           NODE     NOMINATED NODE   READINESS GATES\n\
cattle-neuvector-system   neuvector-controller-pod-5d8f9c7b4-abcde   1/1     Running   2 (1h ago)   3d    10.42.0.5    node-1   <none>           <none>\n";
        let t = PodTable::parse("pods.txt", text, &components());
        let p = &t.pods[0];
        assert_eq!(p.namespace.as_deref(), Some("cattle-neuvector-system"));
        assert_eq!(p.ip.as_deref(), Some("10.42.0.5"));
        assert_eq!(p.node.as_deref(), Some("node-1"));
        let w = t.workloads(&components());
        assert_eq!(w[0].name, "neuvector-controller-pod");
        assert_eq!(w[0].namespace.as_deref(), Some("cattle-neuvector-system"));
        assert_eq!(w[0].pods, 1);
    }

    #[test]
    fn get_all_listing_reads_the_pods_and_skips_the_other_resources() {
        let text = "\
NAME                                            READY   STATUS             RESTARTS   AGE
pod/neuvector-controller-pod-8576986c7f-2hk5v   0/1     CrashLoopBackOff   6          10m
pod/neuvector-enforcer-pod-kbhzj                0/1     CrashLoopBackOff   6          10m

NAME                                      TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)    AGE
service/neuvector-service-webui           ClusterIP   10.43.165.209   <none>        8443/TCP   10m

NAME                                    DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE
daemonset.apps/neuvector-enforcer-pod   1         1         0       1            0           <none>          10m
";
        let t = PodTable::parse("get-all.txt", text, &components());
        assert!(t.problems.is_empty(), "{:?}", t.problems);
        let names: Vec<&str> = t.pods.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "neuvector-controller-pod-8576986c7f-2hk5v",
                "neuvector-enforcer-pod-kbhzj"
            ]
        );
        assert_eq!(t.pods[0].component.as_deref(), Some("controller"));
        assert_eq!(t.pods[1].component.as_deref(), Some("enforcer"));
    }

    #[test]
    fn replicas_count_controllers_not_finished_jobs() {
        let t = PodTable::parse("pods.txt", TABLE, &components());
        let w = t.workloads(&components());
        let ctl = w.iter().find(|w| w.component == "controller").unwrap();
        assert_eq!((ctl.pods, ctl.ready, ctl.kind.as_str()), (1, 1, "deployment"));
    }
}
