//! The typed values scripts read (`Pod`, `Event`, `CrashLoop`, `CrashLoops`) end to end: a
//! cluster of 20,000 pods stays within the sandbox's limits with the shipped rules, the
//! crash-loop verdict reaches scripts as `pod.crash_loop` and `bundle.crashloops()`, and a
//! misspelt property is an error at its position.

use crate::common::Scenario;

fn failed_rules(doc: &serde_json::Value) -> Vec<String> {
    doc["appendix"]["rules"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|o| o["status"] == "failed")
                .map(|o| o.to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn fired(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .map(|a| a.iter().map(|f| f["rule"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn analyze(s: &Scenario) -> (serde_json::Value, String) {
    let out = s.run(&["analyze", "{bundle}", "--format", "json", "-q"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    (serde_json::from_str(&out.stdout).unwrap(), out.stderr)
}

/// 20,000 pods of unrecognised workloads (each its own, as kubectl's listing gives no owner),
/// one crash-looping exporter and one pod stuck Pending: every shipped rule runs, and the
/// crash-loop and pending rules still fire.
#[test]
fn twenty_thousand_pods_stay_within_the_sandbox() {
    let mut pods = String::from("NAMESPACE   NAME   READY   STATUS   RESTARTS   AGE\n");
    for i in 0..20_000 {
        pods.push_str(&format!(
            "shop-{}   web-{i:05}-frontend-{:x}   1/1   Running   0   40d\n",
            i % 40,
            i * 7919
        ));
    }
    pods.push_str("neuvector   neuvector-prometheus-exporter-pod-6c7d8f9b5-x2k4p   0/1   OOMKilled   41 (2m10s ago)   2d\n");
    pods.push_str("shop-1   checkout-batch-runner   0/1   Pending   0   2h\n");
    let s = Scenario::new().shipped_rules().log("pods.txt", &pods);
    let (doc, stderr) = analyze(&s);
    assert_eq!(failed_rules(&doc), Vec::<String>::new(), "{stderr}");
    let rules = fired(&doc);
    assert!(rules.contains(&"k8s.pods.crashloop".to_owned()), "{rules:?}");
    assert!(rules.contains(&"k8s.pods.pending".to_owned()), "{rules:?}");
    let crash = crate::common::finding(&doc, "k8s.pods.crashloop");
    assert_eq!(crash["params"]["crashlooping"], 1, "{crash:#}");
    assert_eq!(crash["params"]["reasons"], "OOMKilled (1)", "{crash:#}");
}

const VERDICTS: &str = r#"id: t.verdicts
title: Crash-loop verdicts
status: test
severity: low
description: Reads the crash-loop verdict of every pod and the per-component groups.
script: |
  let verdicts = [];
  for p in bundle.pods() {
    let v = p.crash_loop;
    verdicts.push(if v == () { `${p.name}=none` } else { `${p.name}=${v.verdict}/${v.reason ?? "?"}/${v.down}` });
  }
  let groups = bundle.crashloops().map(|g| `${g.component}:${g.looping.len()}+${g.restarting.len()}/${g.pods} down ${g.down} max ${g.max_restarts} [${g.pod_names}] ${g.reasons ?? "-"} ns ${g.namespace ?? "-"} wl ${g.workload}`);
  finding(#{
    summary: verdicts.reduce(|s, x| if s == "" { x } else { s + " " + x }, ""),
    params: #{ groups: groups, enforcer: bundle.crashloops("enforcer").len() },
    evidence: bundle.crashloops("controller")[0].looping,
  })
"#;

/// The verdicts of `pod.crash_loop` and the groups of `bundle.crashloops()`, through a rule.
#[test]
fn crash_loop_verdicts_reach_scripts() {
    let s = Scenario::new()
        .kb_file("rules/t/verdicts.yaml", VERDICTS)
        .log(
            "pods.txt",
            "NAMESPACE   NAME                                        READY   STATUS             RESTARTS         AGE\n\
             neuvector   neuvector-controller-pod-55995bb9dd-fpq57   0/1     CrashLoopBackOff   50 (4m54s ago)   3h55m\n\
             neuvector   neuvector-controller-pod-55995bb9dd-jjv2h   1/1     Running            9 (10m ago)      3h55m\n\
             neuvector   neuvector-controller-pod-55995bb9dd-k2m4x   1/1     Running            1 (30d ago)      60d\n\
             neuvector   neuvector-enforcer-pod-67ftb                1/1     Running            0                3h55m\n\
             other       batch-7                                     0/1     Error              12               5h\n\
             apps        web-7d9f8c6b5-x2k4p                         1/1     Running            0                5h\n\
             apps        web-7d9f8c6b5-q8w2e                         0/1     CrashLoopBackOff   7 (1m ago)       5h\n",
        );
    let (doc, stderr) = analyze(&s);
    assert_eq!(failed_rules(&doc), Vec::<String>::new(), "{stderr}");
    let f = crate::common::finding(&doc, "t.verdicts");
    assert_eq!(
        f["summary"],
        "web-7d9f8c6b5-q8w2e=looping/?/true \
         web-7d9f8c6b5-x2k4p=none \
         neuvector-controller-pod-55995bb9dd-fpq57=looping/?/true \
         neuvector-controller-pod-55995bb9dd-jjv2h=restarting/?/false \
         neuvector-controller-pod-55995bb9dd-k2m4x=none \
         neuvector-enforcer-pod-67ftb=none \
         batch-7=looping/Error/true"
    );
    assert_eq!(
        f["params"]["groups"],
        serde_json::json!([
            "controller:1+1/3 down 1 max 50 [neuvector-controller-pod-55995bb9dd-fpq57 neuvector-controller-pod-55995bb9dd-jjv2h] - ns neuvector wl neuvector-controller-pod",
            // Pods no component recognises: one group per workload read from their names.
            "other:1+0/1 down 1 max 12 [batch-7] Error (1) ns other wl batch",
            "other:1+0/2 down 1 max 7 [web-7d9f8c6b5-q8w2e] - ns apps wl web"
        ])
    );
    assert_eq!(f["params"]["enforcer"], 0);
    let quoted = f["evidence"].to_string();
    assert!(quoted.contains("fpq57") && !quoted.contains("jjv2h"), "{quoted}");
}

/// A misspelt property of a typed value is an error at its line and column, naming the type.
#[test]
fn a_misspelt_pod_property_is_an_error_with_its_position() {
    let s = Scenario::new()
        .kb_file(
            "rules/t/typo.yaml",
            "id: t.typo\ntitle: Typo\nstatus: test\nseverity: low\ndescription: x.\nscript: |\n  for p in bundle.pods() {\n    if p.restart > 0 { return finding(#{ summary: p.name }); }\n  }\n",
        )
        .log(
            "pods.txt",
            "NAME    READY   STATUS    RESTARTS   AGE\nweb-1   1/1     Running   3          1d\n",
        );
    let (doc, _) = analyze(&s);
    let failed = failed_rules(&doc);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].contains("rules/t/typo.yaml:8:10") && failed[0].contains("restart"),
        "{failed:?}"
    );
}

/// An evidence item of the wrong type is an error at the `finding(..)` call, not dropped.
#[test]
fn wrong_evidence_is_an_error_at_the_call() {
    let s = Scenario::new()
        .kb_file(
            "rules/t/ev.yaml",
            "id: t.ev\ntitle: Ev\nstatus: test\nseverity: low\ndescription: x.\nscript: |\n  let n = bundle.pods().len();\n  finding(#{ summary: \"s\", evidence: [n] })\n",
        )
        .log(
            "pods.txt",
            "NAME    READY   STATUS    RESTARTS   AGE\nweb-1   1/1     Running   3          1d\n",
        );
    let (doc, _) = analyze(&s);
    let failed = failed_rules(&doc);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].contains("rules/t/ev.yaml:8:3: Runtime error: finding: evidence 0 is a i64; evidence lists signature names and pods from `bundle.pods()`"),
        "{failed:?}"
    );
}
