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
