//! Test helper: the reference bundle rearranged into each supported layout by code (its pod
//! listing re-written as `-o wide` text, JSON, YAML or describe output, its logs moved where
//! each collector puts them), so the layouts are compared on the same facts.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// The listing's "now": a little after the reference logs end.
const NOW_SECS: i64 = 1_738_574_700; // 2025-02-03T09:25:00Z

/// One row of the reference `pods.txt`, read independently of casebook's parser.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub name: String,
    pub ready: u32,
    pub containers: u32,
    pub status: String,
    pub restarts: u64,
    pub ago_secs: Option<i64>,
    pub age_secs: i64,
    /// Made-up address and node, the same for every layout.
    pub ip: String,
    pub node: String,
}

fn secs(text: &str) -> i64 {
    let mut total = 0;
    let mut n = 0;
    for c in text.chars() {
        match c {
            '0'..='9' => n = n * 10 + i64::from(c.to_digit(10).unwrap()),
            's' => (total, n) = (total + n, 0),
            'm' => (total, n) = (total + n * 60, 0),
            'h' => (total, n) = (total + n * 3600, 0),
            'd' => (total, n) = (total + n * 86_400, 0),
            _ => panic!("duration {text}"),
        }
    }
    total
}

/// The reference listing's rows.
pub(crate) fn reference_rows(reference: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(reference.join("pods.txt")).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let (ready, containers) = w[1].split_once('/').unwrap();
            let (ago_secs, age) = if w[4].starts_with('(') {
                (Some(secs(w[4].trim_start_matches('('))), w[6])
            } else {
                (None, w[4])
            };
            Row {
                name: w[0].to_owned(),
                ready: ready.parse().unwrap(),
                containers: containers.parse().unwrap(),
                status: w[2].to_owned(),
                restarts: w[3].parse().unwrap(),
                ago_secs,
                age_secs: secs(age),
                ip: format!("10.42.{}.{}", i / 200, i % 200 + 10),
                node: format!("worker-{}", i % 7),
            }
        })
        .collect()
}

fn rfc3339(secs_ago: i64) -> String {
    chrono::DateTime::from_timestamp(NOW_SECS - secs_ago, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn rfc1123(secs_ago: i64) -> String {
    chrono::DateTime::from_timestamp(NOW_SECS - secs_ago, 0)
        .unwrap()
        .format("%a, %d %b %Y %H:%M:%S +0000")
        .to_string()
}

fn ago_text(secs: i64) -> String {
    let mut out = String::new();
    let mut rest = secs;
    for (unit, label) in [(86_400, 'd'), (3600, 'h'), (60, 'm'), (1, 's')] {
        if rest >= unit {
            out.push_str(&format!("{}{label}", rest / unit));
            rest %= unit;
        }
        if out.len() >= 4 {
            break;
        }
    }
    out
}

/// The container name NeuVector gives the pod's container (`neuvector-enforcer-pod`).
fn container(pod: &str) -> String {
    let parts: Vec<&str> = pod.split('-').collect();
    let end = parts
        .iter()
        .position(|p| *p == "pod")
        .map_or(parts.len(), |i| i + 1);
    parts[..end].join("-")
}

fn image(pod: &str) -> String {
    let component = pod.split('-').nth(1).unwrap_or("x");
    format!("docker.io/neuvector/{component}:5.4.2")
}

/// A pod as `kubectl get pods -o json` prints it.
pub(crate) fn pod_object(row: &Row, namespace: &str, with_kind: bool) -> Value {
    let running_since = row.ago_secs.unwrap_or(row.age_secs);
    let state = match row.status.as_str() {
        "Running" => json!({"running": {"startedAt": rfc3339(running_since)}}),
        "Completed" => {
            json!({"terminated": {"reason": "Completed", "exitCode": 0, "finishedAt": rfc3339(row.age_secs - 60)}})
        }
        other => json!({"waiting": {"reason": other}}),
    };
    let last = match row.ago_secs {
        Some(ago) => json!({"terminated": {"reason": "Error", "exitCode": 1, "finishedAt": rfc3339(ago)}}),
        None => json!({}),
    };
    let mut pod = json!({
        "apiVersion": "v1",
        "metadata": {"name": row.name, "namespace": namespace, "creationTimestamp": rfc3339(row.age_secs)},
        "spec": {"nodeName": row.node, "containers": [{"name": container(&row.name), "image": image(&row.name)}]},
        "status": {
            "phase": if row.status == "Completed" { "Succeeded" } else { "Running" },
            "podIP": row.ip,
            "startTime": rfc3339(row.age_secs),
            "conditions": [{"type": "Ready", "status": if row.ready == row.containers { "True" } else { "False" },
                            "lastTransitionTime": rfc3339(running_since)}],
            "containerStatuses": [{
                "name": container(&row.name), "image": image(&row.name),
                "ready": row.ready == row.containers && row.ready > 0,
                "restartCount": row.restarts, "state": state, "lastState": last
            }]
        }
    });
    if with_kind {
        pod["kind"] = json!("Pod");
    }
    pod
}

/// `kubectl get pods -o json` (a `List`); `with_kind: false` as client-go lists (troubleshoot.sh).
pub(crate) fn pod_list(rows: &[Row], namespace: &str, with_kind: bool) -> Value {
    let items: Vec<Value> = rows.iter().map(|r| pod_object(r, namespace, with_kind)).collect();
    if with_kind {
        json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
    } else {
        json!({"metadata": {"resourceVersion": "123"}, "items": items})
    }
}

/// `kubectl get pods -o wide` text, with a NAMESPACE column when `namespace` is given (`-A`).
pub(crate) fn wide_text(rows: &[Row], namespace: Option<&str>) -> String {
    let mut out = String::new();
    let ns_head = if namespace.is_some() {
        format!("{:<25} ", "NAMESPACE")
    } else {
        String::new()
    };
    out.push_str(&format!(
        "{ns_head}{:<52} {:<7} {:<18} {:<18} {:<5} {:<12} {:<9} {:<14} {}\n",
        "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"
    ));
    for r in rows {
        let restarts = match r.ago_secs {
            Some(a) => format!("{} ({} ago)", r.restarts, ago_text(a)),
            None => r.restarts.to_string(),
        };
        let ns = namespace.map(|n| format!("{n:<25} ")).unwrap_or_default();
        out.push_str(&format!(
            "{ns}{:<52} {:<7} {:<18} {:<18} {:<5} {:<12} {:<9} {:<14} {}\n",
            r.name,
            format!("{}/{}", r.ready, r.containers),
            r.status,
            restarts,
            ago_text(r.age_secs),
            r.ip,
            r.node,
            "<none>",
            "<none>"
        ));
    }
    out
}

/// `kubectl describe pod` text for one pod.
pub(crate) fn describe(row: &Row, namespace: &str) -> String {
    let c = container(&row.name);
    let state = match row.status.as_str() {
        "Running" => format!(
            "    State:          Running\n      Started:      {}\n",
            rfc1123(row.ago_secs.unwrap_or(row.age_secs))
        ),
        "Completed" => {
            "    State:          Terminated\n      Reason:       Completed\n      Exit Code:    0\n"
                .to_owned()
        }
        other => format!("    State:          Waiting\n      Reason:       {other}\n"),
    };
    let last = match row.ago_secs {
        Some(a) => format!(
            "    Last State:     Terminated\n      Reason:       Error\n      Exit Code:    1\n      Started:      {}\n      Finished:     {}\n",
            rfc1123(a + 30),
            rfc1123(a)
        ),
        None => String::new(),
    };
    let events = if row.status == "CrashLoopBackOff" {
        format!(
            "  Type     Reason   Age                    From     Message\n  ----     ------   ----                   ----     -------\n  Warning  BackOff  {:<22} kubelet  Back-off restarting failed container {c} in pod {}\n",
            format!("{} (x{} over 25d)", ago_text(row.ago_secs.unwrap_or(60)), row.restarts * 5),
            row.name
        )
    } else {
        "  <none>\n".to_owned()
    };
    format!(
        "Name:             {name}\nNamespace:        {namespace}\nPriority:         0\nNode:             {node}/192.168.1.10\nStart Time:       {start}\nStatus:           {phase}\nIP:               {ip}\nIPs:\n  IP:  {ip}\nContainers:\n  {c}:\n    Container ID:   containerd://0123\n    Image:          {image}\n{state}{last}    Ready:          {ready}\n    Restart Count:  {restarts}\n    Environment:    <none>\nConditions:\n  Type              Status\n  Ready             {ready}\nEvents:\n{events}",
        name = row.name,
        node = row.node,
        start = rfc1123(row.age_secs),
        phase = if row.status == "Completed" { "Succeeded" } else { "Running" },
        ip = row.ip,
        image = image(&row.name),
        ready = if row.ready == row.containers && row.ready > 0 { "True" } else { "False" },
        restarts = row.restarts,
    )
}

/// The reference's controller logs: (pod name, plain text).
pub(crate) fn reference_logs(reference: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(reference)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(pod) = name.strip_suffix(".log.gz").or_else(|| name.strip_suffix(".log")) else {
            continue;
        };
        let raw = std::fs::read(&path).unwrap();
        let text = if name.ends_with(".gz") {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&raw[..]), &mut out).unwrap();
            out
        } else {
            raw
        };
        out.push((pod.to_owned(), text));
    }
    out
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A previous-container log that says nothing any signature looks for.
fn previous_log(pod: &str) -> Vec<u8> {
    format!("2025-02-03T09:20:00.000|INFO|AGT|main.main: previous container of {pod} starting\n").into_bytes()
}

fn tar_gz_dir(dir: &Path, top: &str, out: &Path) {
    let file = std::fs::File::create(out).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.append_dir_all(top, dir).unwrap();
    tar.into_inner().unwrap().finish().unwrap();
}

fn zip_files(files: &[(String, Vec<u8>)], out: &Path) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(out).unwrap());
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// The layouts the reference can be turned into.
pub(crate) const LAYOUTS: [&str; 8] = [
    "plain",
    "neuvector-recipe",
    "pods-json",
    "pods-yaml",
    "describe",
    "troubleshoot",
    "rancher",
    "support-bundle-kit",
];

/// Writes the reference as `layout` under `out` and returns the path to analyze (a folder or
/// an archive inside it).
pub(crate) fn convert(reference: &Path, layout: &str, out: &Path) -> PathBuf {
    std::fs::create_dir_all(out).unwrap();
    let rows = reference_rows(reference);
    let logs = reference_logs(reference);
    let crashlooping = rows
        .iter()
        .find(|r| r.status == "CrashLoopBackOff")
        .unwrap()
        .name
        .clone();
    match layout {
        "plain" => {
            for (pod, text) in &logs {
                write(out, &format!("{pod}.log"), text);
            }
            write(
                out,
                "pods.txt",
                &std::fs::read(reference.join("pods.txt")).unwrap(),
            );
            out.to_path_buf()
        }
        // kubectl logs --all-containers per pod (and --previous), tarred as nvlogs.tar.gz,
        // `kubectl get pods -o wide` beside it under a name no glob knows.
        "neuvector-recipe" => {
            let stage = out.join("stage");
            for (pod, text) in &logs {
                write(&stage, &format!("{pod}.log"), text);
            }
            write(
                &stage,
                &format!("{crashlooping}-previous.log"),
                &previous_log(&crashlooping),
            );
            tar_gz_dir(&stage, "nvlogs", &out.join("nvlogs.tar.gz"));
            std::fs::remove_dir_all(&stage).unwrap();
            write(
                out,
                "kubectl_get_pods_wide.out",
                wide_text(&rows, None).as_bytes(),
            );
            out.to_path_buf()
        }
        "pods-json" | "pods-yaml" | "describe" => {
            for (pod, text) in &logs {
                write(out, &format!("{pod}.log"), text);
            }
            match layout {
                "pods-json" => write(
                    out,
                    "cluster-state.json",
                    serde_json::to_string_pretty(&pod_list(&rows, "neuvector", true))
                        .unwrap()
                        .as_bytes(),
                ),
                "pods-yaml" => write(
                    out,
                    "k8s/pods.yml",
                    serde_yaml::to_string(&pod_list(&rows, "neuvector", true))
                        .unwrap()
                        .as_bytes(),
                ),
                _ => {
                    let text: Vec<String> = rows.iter().map(|r| describe(r, "neuvector")).collect();
                    write(out, "describe-all.txt", text.join("\n\n").as_bytes());
                }
            }
            out.to_path_buf()
        }
        "troubleshoot" => {
            let stage = out.join("stage");
            write(&stage, "version.yaml", b"apiVersion: troubleshoot.sh/v1beta2\nkind: SupportBundle\nspec:\n  versionNumber: 0.107.0\n");
            write(
                &stage,
                "cluster-resources/pods/neuvector.json",
                serde_json::to_string_pretty(&pod_list(&rows, "neuvector", false))
                    .unwrap()
                    .as_bytes(),
            );
            write(&stage, "cluster-resources/deployments/neuvector.json", br#"{"metadata":{},"items":[{"metadata":{"name":"neuvector-controller-pod"},"spec":{"replicas":3}}]}"#);
            let events = json!({"metadata": {}, "items": [{
                "metadata": {"name": "e1", "namespace": "neuvector"}, "reason": "BackOff", "type": "Warning",
                "message": "Back-off restarting failed container", "count": 7000,
                "involvedObject": {"kind": "Pod", "name": crashlooping, "namespace": "neuvector"},
                "firstTimestamp": "2025-01-09T10:00:00+01:00", "lastTimestamp": "2025-02-03T10:21:27+01:00"}]});
            write(
                &stage,
                "cluster-resources/events/neuvector.json",
                serde_json::to_string(&events).unwrap().as_bytes(),
            );
            for (pod, text) in &logs {
                let c = container(pod);
                write(
                    &stage,
                    &format!("cluster-resources/pods/logs/neuvector/{pod}/{c}.log"),
                    text,
                );
                // The logs collector's own copy, which must not be counted twice.
                write(&stage, &format!("neuvector-logs/{pod}/{c}.log"), text);
            }
            let c = container(&crashlooping);
            write(
                &stage,
                &format!("cluster-resources/pods/logs/neuvector/{crashlooping}/{c}-previous.log"),
                &previous_log(&crashlooping),
            );
            let archive = out.join("support-bundle-2025-02-03T09_25_00.tar.gz");
            tar_gz_dir(&stage, "support-bundle-2025-02-03T09_25_00", &archive);
            std::fs::remove_dir_all(&stage).unwrap();
            archive
        }
        "rancher" => {
            let ns = "cattle-neuvector-system";
            let stage = out.join("stage");
            write(&stage, "systeminfo/hostname", b"worker-0\n");
            write(&stage, "rke2/kubectl/pods", wide_text(&rows, Some(ns)).as_bytes());
            write(&stage, "rke2/kubectl/nodes", b"NAME       STATUS   ROLES    AGE   VERSION\nworker-0   Ready    <none>   90d   v1.28.9+rke2r1\n");
            for r in &rows {
                write(
                    &stage,
                    &format!("rke2/poddescribe/{ns}-{}", r.name),
                    describe(r, ns).as_bytes(),
                );
            }
            for (pod, text) in &logs {
                write(&stage, &format!("rke2/podlogs/{ns}-{pod}"), text);
            }
            write(
                &stage,
                &format!("rke2/podlogs/{ns}-{crashlooping}-previous"),
                &previous_log(&crashlooping),
            );
            let archive = out.join("worker-0-2025-02-03_09_25_00.tar.gz");
            tar_gz_dir(&stage, "worker-0-2025-02-03_09_25_00", &archive);
            std::fs::remove_dir_all(&stage).unwrap();
            archive
        }
        "support-bundle-kit" => {
            let ns = "cattle-neuvector-system";
            let top = "supportbundle_8a2c_2025-02-03T09-25-00Z";
            let mut files: Vec<(String, Vec<u8>)> = vec![
                (format!("{top}/metadata.yaml"), b"projectName: Rancher\n".to_vec()),
                (format!("{top}/yamls/namespaced/{ns}/v1/pods.yaml"), serde_yaml::to_string(&pod_list(&rows, ns, true)).unwrap().into_bytes()),
                (format!("{top}/yamls/namespaced/{ns}/apps/v1/deployments.yaml"), b"apiVersion: v1\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: neuvector-controller-pod\nkind: List\n".to_vec()),
                (format!("{top}/yamls/cluster/v1/nodes.yaml"), b"apiVersion: v1\nitems:\n- kind: Node\n  metadata:\n    name: worker-0\nkind: List\n".to_vec()),
            ];
            for (pod, text) in &logs {
                files.push((
                    format!("{top}/logs/{ns}/{pod}/{}.log", container(pod)),
                    text.clone(),
                ));
            }
            // A node bundle, itself a zip.
            let node_zip = out.join("node.zip");
            zip_files(
                &[(
                    "worker-0/logs/kubelet.log".to_owned(),
                    b"I0203 09:20:00.000000 1 kubelet.go:1 started\n".to_vec(),
                )],
                &node_zip,
            );
            files.push((
                format!("{top}/nodes/worker-0.zip"),
                std::fs::read(&node_zip).unwrap(),
            ));
            std::fs::remove_file(&node_zip).unwrap();
            let archive = out.join(format!("{top}.zip"));
            zip_files(&files, &archive);
            archive
        }
        other => panic!("unknown layout {other}"),
    }
}
