//! The same case whatever shape the bundle has: the reference bundle, rearranged by code into
//! each supported layout (tests/it/layouts.rs), gives the findings and plans of the plain
//! layout; each layout is recognised by its markers; listings are found by content under any
//! name; an unreadable listing is reported, not read as empty.

use std::path::Path;

use crate::common::{casebook, reference_bundle};
use crate::layouts;
use serde_json::Value;

/// Runs analyze with `--show-layout`: the JSON document and the layout report.
fn analyze(bundle: &Path, extra: &[&str]) -> (Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("case.json");
    let out = casebook()
        .arg("analyze")
        .arg(bundle)
        .args(["--format", "json", "-q", "--show-layout", "-o"])
        .arg(&doc)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "analyze failed: {stderr}");
    let doc: Value = serde_json::from_slice(&std::fs::read(&doc).unwrap()).unwrap();
    (doc, stderr)
}

/// Findings and plans without what a layout legitimately adds: the namespace (the plain
/// listing has none; Rancher's is `cattle-neuvector-system`), evidence paths, and the
/// containers' termination reasons, which only structured listings (JSON, YAML, describe)
/// carry and the crash-loop findings quote.
fn projection(doc: &Value) -> (Vec<String>, Vec<String>) {
    let reasons = regex::Regex::new(r"termination reasons: [^;]*; ").unwrap();
    let norm = |v: &Value| {
        let text = v.to_string().replace("cattle-neuvector-system", "neuvector");
        reasons.replace_all(&text, "").into_owned()
    };
    let findings = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut params = f["params"].clone();
            let params_map = params.as_object_mut().unwrap();
            params_map.remove("namespace");
            params_map.remove("reasons");
            format!(
                "{} {} {} | {} | {}",
                f["rule"],
                f["severity"],
                norm(&f["title"]),
                norm(&f["summary"]),
                norm(&params)
            )
        })
        .collect();
    let plans = doc["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let missing: Vec<&Value> = p["missing"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| *m != "namespace")
                .collect();
            format!("{} missing {:?}", p["runbook"], missing)
        })
        .collect();
    (findings, plans)
}

#[test]
fn every_layout_gives_the_findings_and_plans_of_the_plain_one() {
    let reference = reference_bundle();
    let base = tempfile::tempdir().unwrap();
    let plain = layouts::convert(&reference, "plain", &base.path().join("plain"));
    let (plain_doc, _) = analyze(&plain, &[]);
    let expected = projection(&plain_doc);
    assert!(
        expected.0.len() >= 5,
        "the reference has its findings: {:#?}",
        expected.0
    );
    let (original, _) = analyze(&reference, &[]);
    assert_eq!(
        projection(&original),
        expected,
        "plain conversion = the reference as committed"
    );
    for layout in layouts::LAYOUTS {
        let dir = base.path().join(layout);
        let bundle = layouts::convert(&reference, layout, &dir);
        let (doc, report) = analyze(&bundle, &[]);
        let got = projection(&doc);
        assert_eq!(got.0, expected.0, "findings of layout {layout}\n{report}");
        assert_eq!(got.1, expected.1, "plans of layout {layout}\n{report}");
        // The pods are all there, whatever the form.
        let pods: usize = doc["pods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["total"].as_u64().unwrap() as usize)
            .sum();
        assert!(pods >= 60, "{layout}: {pods} pods\n{report}");
        // Counted once each, even where a listing and describe output both name them.
        let counted: u64 = doc["environment"]["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["pods"].as_u64().unwrap())
            .sum();
        assert_eq!(counted, 60, "{layout}: environment counts");
    }
}

fn report_of(layout: &str) -> (Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let bundle = layouts::convert(&reference_bundle(), layout, dir.path());
    let out = analyze(&bundle, &[]);
    drop(dir);
    out
}

#[test]
fn neuvector_recipe_is_recognised_with_its_previous_logs_and_a_listing_under_any_name() {
    let (doc, report) = report_of("neuvector-recipe");
    assert!(
        report.contains("neuvector-recipe at nvlogs.tar.gz (archive `nvlogs.tar.gz`)"),
        "{report}"
    );
    assert!(
        report.contains("kubectl_get_pods_wide.out [text: 60 pods]  <- content: `kubectl get pods` header"),
        "{report}"
    );
    assert!(report.contains("-previous.log [previous container]"), "{report}");
    let previous: Vec<&Value> = doc["bundle"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["previous"] == true)
        .collect();
    assert_eq!(previous.len(), 1, "{:#?}", doc["bundle"]["files"]);
}

#[test]
fn troubleshoot_bundle_reads_json_pods_events_and_leaves_copies_out() {
    let (_, report) = report_of("troubleshoot");
    assert!(
        report.contains("troubleshoot.sh at support-bundle-2025-02-03T09_25_00 ("),
        "{report}"
    );
    assert!(!report.contains("neuvector-recipe"), "{report}");
    assert!(
        report.contains("cluster-resources/pods/neuvector.json [json: 60 pods]"),
        "{report}"
    );
    assert!(
        report.contains("cluster-resources/events/neuvector.json [json: 1 events]"),
        "{report}"
    );
    assert!(report.contains("neuvector-logs/neuvector-controller-pod-854b7c7d46-nktdw/neuvector-controller-pod.log: copy of `cluster-resources/pods/logs/"), "{report}");
    assert!(
        report.contains(
            "cluster-resources/deployments/neuvector.json: cluster resource `deployments`: not read"
        ),
        "{report}"
    );
    assert!(
        report.contains("version.yaml: troubleshoot.sh marker"),
        "{report}"
    );
    assert!(
        report.contains("neuvector-enforcer-pod-previous.log [previous container]"),
        "{report}"
    );
}

#[test]
fn rancher_collector_reads_describe_and_podlogs() {
    let (_, report) = report_of("rancher");
    assert!(report.contains("rancher-logs-collector at "), "{report}");
    assert!(report.contains("rke2/kubectl/pods [text: 60 pods]"), "{report}");
    assert!(
        report
            .contains("poddescribe/cattle-neuvector-system-neuvector-enforcer-pod-24526 [describe: 1 pods]"),
        "{report}"
    );
    assert!(report.contains("podlogs/cattle-neuvector-system-neuvector-controller-pod-854b7c7d46-nktdw  <- rancher-logs-collector: `podlogs/`; kind by glob"), "{report}");
    assert!(report.contains("rke2/kubectl/nodes"), "{report}");
}

#[test]
fn support_bundle_kit_reads_yaml_pods_logs_and_nested_zips() {
    let (_, report) = report_of("support-bundle-kit");
    assert!(report.contains("support-bundle-kit at "), "{report}");
    assert!(report.contains("v1/pods.yaml [yaml: 60 pods]"), "{report}");
    assert!(
        report.contains("apps/v1/deployments.yaml: cluster object `deployments`: not read"),
        "{report}"
    );
    assert!(
        report.contains("nodes/worker-0.zip/worker-0/logs/kubelet.log"),
        "{report}"
    );
}

#[test]
fn pod_forms_are_found_by_content_whatever_the_name() {
    for (layout, file, form) in [
        ("pods-json", "cluster-state.json", "json"),
        ("pods-yaml", "k8s/pods.yml", "yaml"),
        ("describe", "describe-all.txt", "describe"),
    ] {
        let (doc, report) = report_of(layout);
        assert!(
            report.contains(&format!("{file} [{form}: 60 pods]")),
            "{layout}: {report}"
        );
        let pods = &doc["pods"][0];
        assert_eq!(pods["total"], 60, "{layout}");
    }
}

fn small_bundle(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn a_malformed_listing_is_reported_not_read_as_empty() {
    let dir = small_bundle(&[
        (
            "pods.json",
            "{\"apiVersion\": \"v1\", \"items\": [ {\"kind\": \"Pod\", ",
        ),
        (
            "get-pods.out",
            "error: You must be logged in to the server (Unauthorized)\n",
        ),
        (
            "ctl-controller.log",
            "2025-02-03T09:00:00.000|INFO|CTL|main: start\n",
        ),
    ]);
    let (doc, report) = analyze(dir.path(), &[]);
    assert!(
        report.contains("pods.json: not a pod list: invalid JSON"),
        "{report}"
    );
    assert!(
        report.contains("get-pods.out: not a pod list: no `NAME READY STATUS RESTARTS` header"),
        "{report}"
    );
    let skipped = doc["bundle"]["skipped"].to_string();
    assert!(skipped.contains("not a pod list: invalid JSON"), "{skipped}");
    assert!(
        doc["pods"].as_array().unwrap().is_empty(),
        "no empty table stands in for the listing"
    );
}

#[test]
fn offsets_are_utc_in_the_document() {
    let dir = small_bundle(&[(
        "neuvector-controller-pod-854b7c7d46-aaaaa.log",
        "2025-02-03T10:00:00.000+01:00|INFO|CTL|main: start\n2025-02-03T04:30:00.000-05:00|INFO|CTL|main: later\n",
    )]);
    let (doc, _) = analyze(dir.path(), &[]);
    let file = &doc["bundle"]["files"][0];
    assert_eq!(file["first_time"], "2025-02-03T09:00:00.000Z", "{file}");
    assert_eq!(file["last_time"], "2025-02-03T09:30:00.000Z", "{file}");
}

#[test]
fn ipv6_addresses_are_captured_whole_and_redacted() {
    let line = "2025-02-03T09:00:00.000Z [ERROR] agent.server.rpc: rejecting RPC conn from because rpc_max_conns_per_client exceeded: conn=from=[fd00:10:42::15]:40003\n";
    let dir = small_bundle(&[("neuvector-controller-pod-854b7c7d46-aaaaa.log", &line.repeat(200))]);
    let (doc, _) = analyze(dir.path(), &[]);
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "nv.consul.rpc-conn-limit")
        .expect("finding");
    assert_eq!(f["params"]["client"], "[fd00:10:42::15]", "{f}");
    let (doc, _) = analyze(dir.path(), &["--redact"]);
    let text = doc.to_string();
    assert!(!text.contains("fd00:10:42::15"), "the address is redacted");
    assert!(text.contains("ip-1"), "replaced by a token");
}
