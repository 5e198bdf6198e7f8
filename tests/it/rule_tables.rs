//! What rule scripts read from the tables, end to end through `rule test`: pods merged from a
//! describe output (`last_reason`, `last_exit_code`, `image`, `version`, `node`, `ip`),
//! `bundle.pod_by_ip`, `bundle.events("BackOff")`, and `previous` on `bundle.files()`.

use std::path::Path;

use assert_cmd::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn kb_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new(ROOT).join("kb");
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let target = dir
            .path()
            .join("kb")
            .join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
    for (path, text) in files {
        let target = dir.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, text).unwrap();
    }
    dir
}

const RULE: &str = r#"id: t.oom
title: OOM-killed pods
status: test
severity: high
description: Pods whose previous container was OOM-killed, with their back-off events.
runbook: rb
script: |
  let out = [];
  for pod in bundle.pods() {
    if pod.last_reason != "OOMKilled" { continue; }
    let same = bundle.pod_by_ip(pod.ip);
    let backoff = bundle.events("BackOff").filter(|e| e.name == pod.name);
    let previous = bundle.files().filter(|f| f.previous);
    out.push(finding(#{
      summary: `${pod.name} OOM-killed`,
      params: #{ pod: pod.name, exit: pod.last_exit_code, version: pod.version, node: pod.node,
                 by_ip: same.name, backoffs: backoff[0].count, backoff_type: backoff[0].type,
                 object: backoff[0].object, previous_logs: previous.len(),
                 unzoned: bundle.events("Nope").len() },
    }));
  }
  out
tests:
  - name: describe, events and a previous log
    expect: match
    files:
      poddescribe.txt: |
        Name:             neuvector-enforcer-pod-24526
        Namespace:        cattle-neuvector-system
        Node:             worker-3/10.0.0.13
        Start Time:       Wed, 01 Jan 2025 13:00:00 +0000
        Status:           Running
        IP:               10.42.3.7
        Containers:
          neuvector-enforcer-pod:
            Image:          docker.io/neuvector/enforcer:5.4.2
            State:          Waiting
              Reason:       CrashLoopBackOff
            Last State:     Terminated
              Reason:       OOMKilled
              Exit Code:    137
              Finished:     Sun, 26 Jan 2025 13:00:00 +0000
            Ready:          False
            Restart Count:  1557
        Events:           <none>
      get_events.txt: |
        LAST SEEN   TYPE      REASON    OBJECT                             MESSAGE
        3m33s       Warning   BackOff   pod/neuvector-enforcer-pod-24526   Back-off restarting failed container
      neuvector-enforcer-pod-24526-previous.log: |
        2025-01-26T12:59:59.000|INFO|AGT|main: previous container
    finding:
      params.pod: neuvector-enforcer-pod-24526
      params.exit: 137
      params.version: 5.4.2
      params.node: worker-3
      params.by_ip: neuvector-enforcer-pod-24526
      params.backoffs: 1
      params.backoff_type: Warning
      params.object: pod/neuvector-enforcer-pod-24526
      params.previous_logs: 1
      params.unzoned: 0
"#;

const RUNBOOK: &str = "---\nid: rb\ntitle: RB\nrules: [t.oom]\n---\n## Meaning\nm\n## Impact\ni\n## Diagnosis\nd\n## Mitigation\nx\n";

#[test]
fn scripts_read_the_pod_model_events_and_previous_logs() {
    let kb = kb_with(&[("rules/t/oom.yaml", RULE), ("runbooks/rb.md", RUNBOOK)]);
    let out = Command::cargo_bin("casebook")
        .unwrap()
        .args(["rule", "test", "t.oom", "--kb"])
        .arg(kb.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 validated, 0 noisy, 0 missing, 0 wrong, 0 error(s)"),
        "{stdout}"
    );
}
