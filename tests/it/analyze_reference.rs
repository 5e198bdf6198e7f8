//! The walking skeleton's acceptance test: the real binary on the reference bundle (directory
//! and `.tar.gz`) states the facts of case NVSHAS-9810 and the recovery plan.

use crate::common::{analyze_json, casebook, finding, reference_bundle, tar_gz};

fn evidence_counts(f: &serde_json::Value) -> Vec<(String, String, u64)> {
    f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_owned(),
                e["what"].as_str().unwrap().to_owned(),
                e["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn check_reference_document(doc: &serde_json::Value) {
    // The three controller logs with the seed's time ranges.
    let logs = doc["logs"].as_array().unwrap();
    let range = |suffix: &str| {
        let log = logs
            .iter()
            .find(|l| l["file"].as_str().unwrap().contains(suffix))
            .unwrap();
        (
            log["first"]["text"].as_str().unwrap().to_owned(),
            log["last"]["text"].as_str().unwrap().to_owned(),
        )
    };
    let (first, last) = range("fhw25");
    assert!(
        first.starts_with("2025-01-26T04:50:44.156|INFO|CTL|cache.CacheMethod.MatchK8sAdmissionRules"),
        "{first}"
    );
    assert!(
        last.starts_with("2025-02-03T09:24:45.864Z [ERROR] agent: Coordinate update error"),
        "{last}"
    );
    let (first, last) = range("nktdw");
    assert!(
        first.starts_with("2025-02-03T09:16:11.05 |ERRO|CTL|kv.clusterHelper.AcquireLock"),
        "{first}"
    );
    assert!(
        last.starts_with("2025-02-03T09:24:52.947|ERRO|CTL|rest.(*WebhookServer).validate"),
        "{last}"
    );
    let (first, last) = range("rwcxp");
    assert!(
        first.starts_with("2025-01-27T14:46:47.791Z [ERROR] agent.server.rpc"),
        "{first}"
    );
    assert!(
        last.starts_with("2025-02-03T09:24:55.564Z [ERROR] agent.server.rpc"),
        "{last}"
    );

    // The enforcer re-join storm: 28034 connect requests in controller #1.
    let storm = finding(doc, "nv.enforcer.rejoin-storm");
    assert!(evidence_counts(storm)
        .iter()
        .any(|(f, _, n)| f.contains("fhw25") && *n == 28034));
    assert_eq!(storm["params"]["requests"], 28034);

    // One client over the RPC connection limit: 10.42.55.36, 88736 rejections in controller #1.
    let rpc = finding(doc, "nv.consul.rpc-conn-limit");
    assert_eq!(rpc["params"]["client"], "10.42.55.36");
    assert!(evidence_counts(rpc)
        .iter()
        .any(|(f, _, n)| f.contains("fhw25") && *n == 88736));
    let client_values = &rpc["evidence"][0]["captures"]["client"][0];
    assert_eq!(client_values["value"], "10.42.55.36");

    // Working set against the limit, then the controller process killed.
    let mem = finding(doc, "nv.controller.memory-over-limit");
    assert_eq!(mem["params"]["working_set"], 109572132864u64);
    assert_eq!(mem["params"]["mem_limit"], 6442450944u64);
    assert_eq!(mem["params"]["default_limit"], true);
    assert_eq!(mem["params"]["killed"], true);
    assert_eq!(mem["severity"], "critical");

    // Enforcers crash-looping: 10 of 49 in CrashLoopBackOff, 6 more restarting.
    let crash = finding(doc, "nv.enforcer.crashloop");
    assert_eq!(crash["params"]["component"], "enforcer");
    assert_eq!(crash["params"]["crashlooping"], 10);
    assert_eq!(crash["params"]["restarting"], 6);
    assert_eq!(crash["params"]["pods"], 49);
    assert_eq!(crash["evidence"][0]["count"], 16);

    // Leaderless, and the audit queue full as its symptom.
    let leaderless = finding(doc, "nv.consul.leaderless");
    assert_eq!(leaderless["severity"], "critical");
    assert!(leaderless["summary"]
        .as_str()
        .unwrap()
        .contains("still leaderless at the end of the logs"));
    let queue = finding(doc, "nv.admission.audit-queue-full");
    assert_eq!(queue["params"]["leaderless"], true);

    // Every finding names its evidence: file, lines, count.
    for f in doc["findings"].as_array().unwrap() {
        let ev = f["evidence"].as_array().unwrap();
        assert!(!ev.is_empty(), "{} has no evidence", f["rule"]);
        for e in ev {
            assert!(!e["file"].as_str().unwrap().is_empty());
            assert!(!e["lines"].as_array().unwrap().is_empty());
            assert!(e["count"].as_u64().unwrap() > 0);
        }
    }

    // The plan: scale the controller deployment to 0, then back to 3, in namespace neuvector.
    let plan = doc["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["runbook"] == "controller-leaderless")
        .expect("leaderless plan");
    let steps = plan["steps"].as_str().unwrap();
    assert!(
        steps.contains("Scale the controller deployment to 0, then back to 3"),
        "{steps}"
    );
    assert!(
        steps.contains("kubectl -n neuvector scale deployment neuvector-controller-pod --replicas=0"),
        "{steps}"
    );
    assert!(
        steps.contains("kubectl -n neuvector scale deployment neuvector-controller-pod --replicas=3"),
        "{steps}"
    );
    assert!(plan["missing"].as_array().unwrap().is_empty());
}

#[test]
fn reference_directory() {
    let doc = analyze_json(&reference_bundle(), &["--case", "NVSHAS-9810"]);
    assert_eq!(doc["case"]["id"], "NVSHAS-9810");
    check_reference_document(&doc);
}

#[test]
fn reference_tar_gz() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("nvlogs.tar.gz");
    tar_gz(&reference_bundle(), &archive);
    let doc = analyze_json(&archive, &[]);
    check_reference_document(&doc);
}

#[test]
fn markdown_states_the_case_like_the_seed() {
    let out = casebook()
        .arg("analyze")
        .arg(reference_bundle())
        .args(["--case", "NVSHAS-9810", "-q", "--description"])
        .arg(reference_bundle().join("description.md"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let md = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "Case **NVSHAS-9810**",
        "### Case description",
        "UI is not loading",
        "### Findings",
        "### Plans",
        "(28034 hits)",
        "(88736 hits)",
        "10.42.55.36",
        "workingSet=109572132864",
        "2025-01-26T04:50:44.156|INFO|CTL|cache.CacheMethod.MatchK8sAdmissionRules",
        "then back to 3",
    ] {
        assert!(md.contains(needle), "markdown lacks {needle:?}");
    }
    let findings = md.split("### Findings").nth(1).unwrap();
    let plans_at = findings.find("### Plans").unwrap();
    assert!(findings[..plans_at].contains("Controller cluster has no leader"));
}

#[test]
fn a_bundle_with_five_controllers_says_five() {
    let dir = tempfile::tempdir().unwrap();
    let mut pods =
        String::from("NAME                                        READY   STATUS    RESTARTS   AGE\n");
    for id in ["aaaaa", "bbbbb", "ccccc", "ddddd", "eeeee"] {
        pods.push_str(&format!(
            "neuvector-controller-pod-6f7d8c9b5-{id}   1/1     Running   0          4d\n"
        ));
    }
    std::fs::write(dir.path().join("pods.txt"), pods).unwrap();
    let mut log = String::new();
    for minute in 0..30 {
        log.push_str(&format!("2024-06-01T10:{minute:02}:00.000Z [ERROR] agent: Coordinate update error: error=\"No cluster leader\"\n"));
    }
    std::fs::write(
        dir.path().join("neuvector-controller-pod-6f7d8c9b5-aaaaa.log"),
        log,
    )
    .unwrap();
    let doc = analyze_json(dir.path(), &[]);
    let steps = doc["plans"][0]["steps"].as_str().unwrap();
    assert!(steps.contains("then back to 5"), "{steps}");
    assert!(steps.contains("--replicas=5"), "{steps}");
}

#[test]
fn same_bundle_same_document() {
    let a = casebook()
        .arg("analyze")
        .arg(reference_bundle())
        .arg("-q")
        .output()
        .unwrap();
    let b = casebook()
        .arg("analyze")
        .arg(reference_bundle())
        .arg("-q")
        .output()
        .unwrap();
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
}

/// Each controller log's digest is read in the scan's pass: the loop the first log ends in is
/// the seed's "start looping ... No cluster leader => rpc_max_conns_per_client", and the
/// connect-request storm is a template of 28034 hits; `--no-digest` leaves the digest out and
/// changes no finding.
#[test]
fn digest_of_each_log_and_no_digest() {
    let doc = analyze_json(&reference_bundle(), &[]);
    let first = doc["logs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["file"].as_str().unwrap().contains("fhw25"))
        .unwrap();
    let digest = &first["digest"];
    assert_eq!(digest["lines_total"], 121674);
    let top = digest["top"].as_array().unwrap();
    assert!(top.iter().any(|t| t["count"] == 28034
        && t["template"]
            .as_str()
            .unwrap()
            .contains("Receive connect request")));
    assert!(top.iter().any(|t| t["count"] == 88736
        && t["template"]
            .as_str()
            .unwrap()
            .contains("rpc_max_conns_per_client exceeded")));
    let members: Vec<&str> = digest["tail_loop"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["template"].as_str().unwrap())
        .collect();
    assert!(
        members.iter().any(|m| m.contains("No cluster leader")),
        "{members:?}"
    );
    assert!(
        members.iter().any(|m| m.contains("rpc_max_conns_per_client")),
        "{members:?}"
    );

    let bare = analyze_json(&reference_bundle(), &["--no-digest"]);
    assert!(bare["logs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["digest"].is_null()));
    assert_eq!(bare["findings"], doc["findings"]);
}
