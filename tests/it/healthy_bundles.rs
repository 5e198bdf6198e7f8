//! Healthy and near-miss bundles from the committed generator (`casebook synth healthy`): the
//! whole knowledge base raises nothing of medium severity or higher on them, while the
//! transient events they hold (start-up election, a recovered leader change, a rollout's
//! no-leader minute, old restarts, benign errors) are really there.

use std::path::Path;

use crate::common::{analyze_json, casebook};

const KINDS: [&str; 5] = ["fresh", "longrun", "leader-change", "rollout", "old-restart"];

fn text_of(dir: &Path) -> String {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn no_medium_or_higher_finding_on_healthy_and_near_miss_bundles() {
    let tmp = tempfile::tempdir().unwrap();
    casebook()
        .args(["synth", "healthy", "--kind", "all", "-o"])
        .arg(tmp.path())
        .assert()
        .success();
    let kb = env!("CARGO_MANIFEST_DIR");
    let mut loud = Vec::new();
    for kind in KINDS {
        let dir = tmp.path().join(kind);
        let doc = analyze_json(&dir, &["--kb", kb]);
        assert_eq!(doc["appendix"]["rules_failed"], 0, "{kind}: {}", doc["appendix"]);
        assert!(
            doc["appendix"]["rules_evaluated"].as_u64().unwrap() >= 30,
            "{kind}: the whole KB ran"
        );
        for f in doc["findings"].as_array().unwrap() {
            let sev = f["severity"].as_str().unwrap();
            if matches!(sev, "medium" | "high" | "critical") {
                loud.push(format!("{kind}: {} {sev}: {}", f["rule"], f["summary"]));
            }
        }
    }
    assert!(
        loud.is_empty(),
        "findings on healthy bundles:\n{}",
        loud.join("\n")
    );
}

#[test]
fn the_near_misses_hold_the_transient_events_they_are_named_for() {
    let tmp = tempfile::tempdir().unwrap();
    for kind in KINDS {
        casebook()
            .args(["synth", "healthy", "--kind", kind, "-o"])
            .arg(tmp.path().join(kind))
            .assert()
            .success();
    }
    let fresh = text_of(&tmp.path().join("fresh"));
    assert!(
        fresh.contains("No cluster leader"),
        "fresh: the start-up election"
    );
    assert!(fresh.contains("Failed to start cluster. Exit! - error=Failed to locate leader"));
    assert!(
        fresh.contains("Failed to connect to grpc server"),
        "fresh: a scanner retrying"
    );
    assert!(
        fresh.contains("1 (17m ago)"),
        "fresh: the enforcer that restarted at install"
    );
    let change = text_of(&tmp.path().join("leader-change"));
    assert!(change.contains("Lead loss detected") && change.contains("Lead elected - lead="));
    let rollout = text_of(&tmp.path().join("rollout"));
    assert!(rollout.contains("Terminating") && rollout.matches("No cluster leader").count() >= 10);
    let longrun = text_of(&tmp.path().join("longrun"));
    assert!(longrun.contains("1 (12d ago)"), "longrun: one old restart");
    assert!(longrun.contains("code=403 tag=oc") && longrun.contains("epoll error"));
    assert!(text_of(&tmp.path().join("old-restart")).contains("1 (6d ago)"));
}

#[test]
fn benign_errors_are_named_at_info() {
    let tmp = tempfile::tempdir().unwrap();
    casebook()
        .args(["synth", "healthy", "--kind", "longrun", "-o"])
        .arg(tmp.path())
        .assert()
        .success();
    let doc = analyze_json(tmp.path(), &["--kb", env!("CARGO_MANIFEST_DIR")]);
    let epoll = crate::common::finding(&doc, "nv.enforcer.dp-epoll-netns");
    assert_eq!(epoll["severity"], "info");
}

/// Other software's pods named like NeuVector's components (kube-controller-manager,
/// cert-manager, a prow controller) are not NeuVector logs: their Go crash is a Go crash of
/// that workload, not "the controller process crashed".
#[test]
fn logs_named_like_neuvector_components_are_not_neuvector_logs() {
    let dir = tempfile::tempdir().unwrap();
    let mut prow = String::new();
    for i in 0..20 {
        prow.push_str(&format!(
            "{{\"component\":\"prow-controller-manager\",\"level\":\"info\",\"msg\":\"Synced {i}\",\"time\":\"2024-03-01T10:{i:02}:00Z\"}}\n"
        ));
    }
    prow.push_str("fatal error: concurrent map writes\n\ngoroutine 1379 [running]:\nsigs.k8s.io/prow/pkg/plank.(*reconciler).syncPendingJob(0xc000a1e000)\n\t/go/src/sigs.k8s.io/prow/pkg/plank/reconcile.go:380 +0x1a5\n");
    crate::common::write_files(
        dir.path(),
        &[
            ("ci/prow-controller-manager-7d9f8c6b5-abcde.log", prow.as_str()),
            (
                "kube-system/kube-controller-manager-master1.log",
                "I0301 10:00:00.000000       1 serving.go:348] Generated self-signed cert in-memory\n\
                 E0301 10:01:00.000000       1 leaderelection.go:330] error retrieving resource lock kube-system/kube-controller-manager: Get \"https://10.0.0.1:6443/api\": dial tcp 10.0.0.1:6443: connect: connection refused\n",
            ),
            (
                "cert-manager/cert-manager-6f5d8b7c9-x2k4p.log",
                "I0301 10:00:00.000000       1 start.go:75] cert-manager \"msg\"=\"starting controller\"\n",
            ),
        ],
    );
    let doc = analyze_json(dir.path(), &[]);
    for log in doc["logs"].as_array().unwrap() {
        assert!(log["kind"].is_null() || log["kind"] == "log", "{log:#}");
    }
    let rules: Vec<&str> = crate::common::fired_rules(&doc);
    assert!(rules.iter().all(|r| !r.starts_with("nv.")), "{rules:?}");
    let fatal = crate::common::finding(&doc, "go.fatal-error");
    assert!(
        fatal["title"]
            .as_str()
            .unwrap()
            .contains("prow-controller-manager"),
        "{fatal:#}"
    );
}
