//! The versioned KB, past cases and search: `kb check` enforces rule and KB version bumps
//! against `kb/kb.lock.json`; deprecated rules do not run but stay listed and searchable;
//! `case record` stores an analysis and `analyze` names it under the findings it shares;
//! `search --line` names signatures, rules and cases; keyword search ranks the right rule first.

use std::path::Path;

use crate::common::{
    analyze_json, analyze_markdown, casebook, copy_dir, finding, reference_bundle, write_files, ROOT,
};

/// The shipped KB (rules, runbooks, cases) in a temporary folder, without its lock.
fn shipped_kb() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for root in ["kb", "rules", "runbooks"] {
        copy_dir(&Path::new(ROOT).join(root), &dir.path().join(root));
    }
    // Rule tests name fixture bundles relative to the KB root.
    std::os::unix::fs::symlink(Path::new(ROOT).join("fixtures"), dir.path().join("fixtures")).unwrap();
    dir
}

fn run(kb: &Path, args: &[&str]) -> (i32, String, String) {
    let out = casebook().args(args).arg("--kb").arg(kb).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn the_shipped_kb_is_locked_and_clean() {
    let out = casebook().args(["kb", "check", "--kb", ROOT]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("kb.lock.json"),
        "the committed lock is current: {stderr}"
    );
}

#[test]
fn a_changed_rule_needs_a_new_rule_version_and_a_new_kb_version() {
    let kb = shipped_kb();
    let (code, stdout, stderr) = run(kb.path(), &["kb", "lock"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("locked"), "{stdout}");
    assert!(kb.path().join("kb/kb.lock.json").is_file());
    assert_eq!(run(kb.path(), &["kb", "check"]).0, 0);

    // A comment is not logic.
    let script = kb.path().join("rules/neuvector/consul-leaderless.rhai");
    edit(
        &script,
        "let nl = bundle.hits",
        "// reworded\nlet nl = bundle.hits",
    );
    let (code, _, stderr) = run(kb.path(), &["kb", "check"]);
    assert_eq!(code, 0, "a comment changes no logic: {stderr}");

    // A threshold is.
    edit(&script, "duration(\"10m\")", "duration(\"15m\")");
    let (code, _, stderr) = run(kb.path(), &["kb", "check"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("the logic of rule `nv.consul.leaderless` changed since kb/kb.lock.json but its version is still 1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("rules/neuvector/consul-leaderless.yaml:"),
        "points at the rule: {stderr}"
    );
    assert!(stderr.contains("but the KB version is still"), "{stderr}");
    let (code, _, stderr) = run(kb.path(), &["kb", "lock"]);
    assert_eq!(code, 3, "kb lock refuses an unversioned change: {stderr}");

    // The rule's version alone is not enough.
    let rule = kb.path().join("rules/neuvector/consul-leaderless.yaml");
    edit(&rule, "status: stable", "version: 2\nstatus: stable");
    let (code, _, stderr) = run(kb.path(), &["kb", "check"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(!stderr.contains("its version is still"), "{stderr}");
    assert!(
        stderr.contains("kb/kb.yaml:") && stderr.contains("changed: nv.consul.leaderless"),
        "{stderr}"
    );

    // With the KB version raised the check passes and the lock is merely out of date.
    let manifest = kb.path().join("kb/kb.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let version = text
        .lines()
        .find_map(|l| l.strip_prefix("version: "))
        .unwrap()
        .to_owned();
    edit(&manifest, &format!("version: {version}"), "version: 99.0.0");
    let (code, _, stderr) = run(kb.path(), &["kb", "check"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("kb/kb.lock.json: warning") || stderr.contains("out of date"),
        "{stderr}"
    );
    let (code, stdout, stderr) = run(kb.path(), &["kb", "lock"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("changed: nv.consul.leaderless"), "{stdout}");
    let (code, _, stderr) = run(kb.path(), &["kb", "check"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("out of date"), "{stderr}");

    let (_, log, _) = run(kb.path(), &["kb", "changelog", "--since", &version]);
    assert!(log.starts_with("99.0.0 ("), "{log}");
    assert!(log.contains("changed    nv.consul.leaderless"), "{log}");
    assert!(
        !log.contains("added "),
        "only what changed after {version}: {log}"
    );
}

#[test]
fn deprecated_rules_do_not_run_but_are_listed_and_searchable() {
    let kb = shipped_kb();
    let rule = kb.path().join("rules/neuvector/consul-rpc-conn-limit.yaml");
    edit(
        &rule,
        "status: stable",
        "status: deprecated\nreplaced_by: nv.consul.leaderless",
    );
    let bundle = reference_bundle();
    let out = casebook()
        .args(["analyze"])
        .arg(&bundle)
        .args(["--format", "json", "-q", "--kb"])
        .arg(kb.path())
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = crate::common::fired_rules(&doc);
    assert!(rules.contains(&"nv.consul.leaderless"), "{rules:?}");
    assert!(
        !rules.contains(&"nv.consul.rpc-conn-limit"),
        "a deprecated rule does not run: {rules:?}"
    );

    let (code, list, _) = run(kb.path(), &["kb", "list", "--kind", "rule"]);
    assert_eq!(code, 0);
    let line = list
        .lines()
        .find(|l| l.contains("nv.consul.rpc-conn-limit"))
        .unwrap();
    assert!(
        line.contains("deprecated") && line.contains("(replaced by nv.consul.leaderless)"),
        "{line}"
    );

    let (code, found, _) = run(
        kb.path(),
        &[
            "search",
            "rpc_max_conns_per_client",
            "--kind",
            "rule",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0);
    let found: serde_json::Value = serde_json::from_str(&found).unwrap();
    assert_eq!(found["results"][0]["id"], "nv.consul.rpc-conn-limit", "{found:#}");
    assert_eq!(found["results"][0]["status"], "deprecated");
}

#[test]
fn kb_list_filters_by_kind_and_tag() {
    let (code, out, _) = run(
        Path::new(ROOT),
        &["kb", "list", "--tag", "consul", "--format", "json"],
    );
    assert_eq!(code, 0);
    let items: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert!(!items.is_empty());
    assert!(items
        .iter()
        .all(|i| i["tags"].as_array().unwrap().iter().any(|t| t == "consul")));
    assert!(items
        .iter()
        .any(|i| i["id"] == "nv.consul.leaderless" && i["level"] == "critical"));
    let (_, runbooks, _) = run(Path::new(ROOT), &["kb", "list", "--kind", "runbook"]);
    assert!(runbooks.lines().all(|l| l.starts_with("runbook ")), "{runbooks}");
    assert!(runbooks.contains("controller-leaderless"));
}

#[test]
fn a_recorded_case_is_named_under_the_findings_it_shares() {
    let kb = shipped_kb();
    std::fs::remove_dir_all(kb.path().join("kb/cases")).ok();
    // Beside the KB, not in it: `-o` never writes into an input (the `--kb` folder is one).
    let outputs = tempfile::tempdir().unwrap();
    let analysis = outputs.path().join("analysis.json");
    let out = casebook()
        .arg("analyze")
        .arg(reference_bundle())
        .args(["--case", "T-1", "--format", "json", "-q", "-o"])
        .arg(&analysis)
        .arg("--kb")
        .arg(kb.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (code, stdout, stderr) = run(
        kb.path(),
        &[
            "case",
            "record",
            analysis.to_str().unwrap(),
            "--resolution",
            "restarted the controllers",
            "--date",
            "2025-02-04",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.trim().ends_with("kb/cases/T-1.json"), "{stdout}");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(kb.path().join("kb/cases/T-1.json")).unwrap()).unwrap();
    assert_eq!(record["resolution"], "restarted the controllers");
    assert_eq!(record["products"]["NeuVector version"], "v5.4.2");
    let leaderless = record["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "nv.consul.leaderless")
        .unwrap();
    assert_eq!(leaderless["params"]["replicas"], 3);
    assert!(record["signatures"]["nv.consul-no-leader"].as_u64().unwrap() > 0);
    assert!(!record["templates"].as_array().unwrap().is_empty());

    let out = casebook()
        .arg("analyze")
        .arg(reference_bundle())
        .args(["--case", "T-2", "--format", "json", "-q", "--kb"])
        .arg(kb.path())
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "nv.consul.leaderless")
        .unwrap();
    let seen = f["seen_before"].as_array().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (&seen[0]["case"], &seen[0]["date"], &seen[0]["resolution"]),
        (
            &serde_json::json!("T-1"),
            &serde_json::json!("2025-02-04"),
            &serde_json::json!("restarted the controllers")
        )
    );
    // The same bundle: every finding of the past case is here too.
    let past = record["findings"].as_array().unwrap().len();
    assert_eq!(seen[0]["findings"], past);
    assert_eq!(seen[0]["shared"].as_array().unwrap().len(), past);
    let md = casebook()
        .arg("analyze")
        .arg(reference_bundle())
        .args(["--case", "T-1", "-q", "--kb"])
        .arg(kb.path())
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(!md.contains("Seen before:** T-1"), "a case is not its own past");
    assert!(md.contains("Knowledge base: casebook-neuvector"));

    let (code, ndjson, _) = run(kb.path(), &["case", "export", "--format", "ndjson"]);
    assert_eq!(code, 0);
    let lines: Vec<serde_json::Value> = ndjson.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2, "one action and one document per case");
    assert_eq!(lines[0]["index"]["_id"], "T-1");
    assert!(lines[1]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "nv.consul.leaderless"));
}

#[test]
fn a_pasted_line_names_its_signature_rules_and_past_cases() {
    let line =
        r#"2025-02-02T22:20:02.759Z [ERROR] agent: Coordinate update error: error="No cluster leader""#;
    let out = casebook()
        .args(["search", "--line", line, "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sig = r["report"]["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["signature"] == "nv.consul-no-leader")
        .unwrap_or_else(|| panic!("{r:#}"));
    assert!(sig["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x == "nv.consul.leaderless"));
    assert!(sig["cases"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x == "NVSHAS-9810"));
    assert_eq!(r["kb"]["name"], "casebook-neuvector");

    // No signature reads this one; the reference case's digest has its template.
    let unknown = "2025-03-01T10:00:00.000Z [ERROR] agent.server.rpc: rejecting RPC conn from because rpc_max_conns_per_client exceeded: conn=from=10.1.2.3:4444";
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("new.log");
    write_files(
        dir.path(),
        &[(
            "new.log",
            &format!("{unknown}\nsomething never seen before at all\n"),
        )],
    );
    let out = casebook()
        .args(["search", "--file"])
        .arg(&log)
        .args(["--format", "json", "--kb"])
        .arg(Path::new(ROOT))
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["report"]["lines"], 2);
    let unmatched = r["report"]["unmatched"].as_array().unwrap();
    let never = unmatched
        .iter()
        .find(|u| u["template"].as_str().unwrap().contains("never seen"))
        .unwrap();
    assert!(never["nearest"].as_array().unwrap().is_empty(), "{never:#}");
}

/// For each phrase, the first rule is the right one, and its runbook and the reference case
/// are among the results.
#[test]
fn search_ranks_the_right_rule_first() {
    for (phrase, rule, runbook) in [
        (
            "No cluster leader",
            "nv.consul.leaderless",
            "controller-leaderless",
        ),
        (
            "rpc_max_conns_per_client",
            "nv.consul.rpc-conn-limit",
            "consul-rpc-conn-limit",
        ),
        (
            "rpc max conns",
            "nv.consul.rpc-conn-limit",
            "consul-rpc-conn-limit",
        ),
        (
            "Queue full",
            "nv.admission.audit-queue-full",
            "admission-audit-queue-full",
        ),
        (
            "scale controller",
            "nv.consul.leaderless",
            "controller-leaderless",
        ),
    ] {
        let out = casebook()
            .args(["search", phrase, "--format", "json", "--limit", "20"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let results = r["results"].as_array().unwrap();
        let ids: Vec<(&str, &str)> = results
            .iter()
            .map(|x| (x["kind"].as_str().unwrap(), x["id"].as_str().unwrap()))
            .collect();
        let first_rule = ids.iter().find(|(k, _)| *k == "rule").map(|(_, id)| *id);
        assert_eq!(first_rule, Some(rule), "{phrase}: {ids:?}");
        assert!(ids.contains(&("runbook", runbook)), "{phrase}: {ids:?}");
        assert!(ids.contains(&("case", "NVSHAS-9810")), "{phrase}: {ids:?}");
        assert!(r["kb"]["fingerprint"].as_str().unwrap().len() == 64);
    }
    // `--no-cache` answers the same without the cache.
    let a = casebook()
        .args(["search", "Queue full", "--format", "json"])
        .output()
        .unwrap();
    let b = casebook()
        .args(["search", "Queue full", "--format", "json", "--no-cache"])
        .env("CASEBOOK_CACHE_DIR", "/nonexistent/cache")
        .output()
        .unwrap();
    assert_eq!(a.stdout, b.stdout);
}

/// A past case that shares one finding of several with this bundle is named with how much it
/// shares, so its resolution is not read as the answer to this case.
#[test]
fn seen_before_says_how_much_of_the_past_case_this_bundle_shares() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[(
            "pods.txt",
            "NAME                           READY   STATUS             RESTARTS      AGE\n\
             neuvector-enforcer-pod-4lmjw   0/1     CrashLoopBackOff   25 (2m ago)   5h\n\
             neuvector-enforcer-pod-5sv8d   0/1     CrashLoopBackOff   24 (1m ago)   5h\n",
        )],
    );
    let doc = analyze_json(dir.path(), &[]);
    let seen = finding(&doc, "nv.enforcer.crashloop")["seen_before"]
        .as_array()
        .unwrap()
        .clone();
    let past = seen
        .iter()
        .find(|c| c["case"] == "NVSHAS-9810")
        .expect("the reference case");
    let of = past["findings"].as_u64().unwrap();
    assert!(of > 1, "the reference case has several findings");
    assert_eq!(past["shared"], serde_json::json!(["Enforcer pods crash-looping"]));
    let md = analyze_markdown(dir.path());
    assert!(
        md.contains(&format!(
            "NVSHAS-9810 (2025-02-04; 1 of its {of} findings here too: Enforcer pods crash-looping)"
        )),
        "{md}"
    );
}

/// A crash loop whose listing names `OOMKilled` gets the memory-limit steps of its runbook
/// first, filled with the bundle's namespace and workload; one without it does not.
#[test]
fn an_oomkilled_crash_loop_leads_its_plan_with_the_memory_limit() {
    let plan_of = |status: &str| {
        let dir = tempfile::tempdir().unwrap();
        let pods = format!(
            "NAMESPACE   NAME                                       READY   STATUS    RESTARTS       AGE\n\
             nv-system   neuvector-controller-pod-6b7d9c8f5-x2k9p   0/1     {status}   23 (20m ago)   2d\n\
             nv-system   neuvector-controller-pod-6b7d9c8f5-7qpl2   0/1     {status}   21 (35m ago)   2d\n"
        );
        write_files(dir.path(), &[("pods.txt", pods.as_str())]);
        analyze_markdown(dir.path())
    };
    let oom = plan_of("OOMKilled");
    assert!(
        oom.contains("**this bundle already names one:** `OOMKilled`"),
        "{oom}"
    );
    assert!(oom.contains("kubectl -n nv-system get deployment neuvector-controller-pod -o jsonpath"));
    assert!(oom.contains("`controller.resources.limits.memory`"));
    let error = plan_of("Error");
    assert!(error.contains("Bring crash-looping controllers back"), "{error}");
    assert!(!error.contains("this bundle already names one"));
    assert!(!error.contains("controller.resources.limits.memory"));
}
