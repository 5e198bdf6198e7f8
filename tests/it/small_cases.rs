//! Small bundles through the whole pipeline, each document pinned by a snapshot beside the
//! reference case's: no finding, one finding, a plan missing a parameter, and `--redact`. A
//! change of layout or wording shows here on a page, not only in the 600-line reference.

use crate::common::Scenario;

/// A scripted rule: one finding per disk that is full, with the mount and (when a pod listing
/// names it) the namespace as parameters.
const RULE: &str = r#"id: t.disk-full
title: A volume is full
status: stable
severity: high
description: Writes fail with ENOSPC; the log names the mount point.
runbook: disk-full
signatures:
  - id: full
    regex: 'no space left on device: (?P<mount>/\S+)'
script: |
  let h = bundle.hits("full");
  if h.count == 0 {
      return;
  }
  finding(#{
      summary: `${h.count} writes failed on ${h.captures.mount.top} from ${h.first_time} to ${h.last_time}.`,
      evidence: ["full"],
      params: #{ mount: h.captures.mount.top },
  })
tests:
  - name: fires on ENOSPC
    expect: match
    files:
      app.log: "2024-03-01T10:00:00Z ERROR write failed: no space left on device: /data\n"
  - name: silent without it
    expect: no_match
    files:
      app.log: "2024-03-01T10:00:00Z INFO all good\n"
"#;

/// Its runbook: `mount` comes from the finding, `namespace` it does not supply.
const RUNBOOK: &str = "---
id: disk-full
title: Free space on a full volume
params:
  mount: Mount point that is full
  namespace: Namespace of the workload
rules: [t.disk-full]
---
## Meaning
The volume behind `{{ mount }}` has no space left.

## Impact
Writes fail; the application may stop.

## Diagnosis
1. `kubectl -n {{ namespace }} exec deploy/app -- df -h {{ mount }}`

## Mitigation
1. Remove old files under `{{ mount }}` or grow the volume.
";

const HEALTHY: &str =
    "2024-03-01T10:00:00Z INFO service started on 10.1.2.3:8080 host=node-a.example.internal
2024-03-01T10:05:00Z INFO request served in 12ms
";

const FULL: &str = "2024-03-01T10:00:00Z INFO service started on 10.1.2.3:8080 host=node-a.example.internal
2024-03-01T10:01:00Z ERROR write failed: no space left on device: /data
2024-03-01T10:02:00Z ERROR write failed: no space left on device: /data
2024-03-01T10:03:00Z WARN retrying token=s3cr3t-value peer 10.9.8.7:443
";

fn document(s: &Scenario, extra: &[&str]) -> String {
    let mut args = vec!["analyze", "{bundle}", "--case", "T-1", "--format", "md", "-q"];
    args.extend_from_slice(extra);
    let out = s.run(&args);
    assert!(out.code == 0 || out.code == 1, "analyze failed: {}", out.stderr);
    // The temporary bundle's path differs from run to run, and the KB's hash changes with every
    // edit of the shipped `kb/` these scenarios start from.
    let md = out.stdout.replace(&s.bundle().display().to_string(), "<bundle>");
    let hash = regex::Regex::new(r"`[0-9a-f]{12,64}`").unwrap();
    hash.replace_all(&md, "`<kb hash>`").into_owned()
}

fn scenario(log: &str) -> Scenario {
    Scenario::new()
        .kb_file("rules/t/disk-full.yaml", RULE)
        .kb_file("runbooks/disk-full.md", RUNBOOK)
        .log("app.log", log)
}

#[test]
fn no_finding() {
    let md = document(&scenario(HEALTHY), &[]);
    assert!(md.contains("No known problem found"), "{md}");
    insta::assert_snapshot!("small_no_finding_md", md);
}

#[test]
fn one_finding_with_a_missing_parameter() {
    let md = document(&scenario(FULL), &[]);
    assert!(md.contains("/data"), "{md}");
    assert!(md.contains("namespace"), "the missing parameter is named: {md}");
    insta::assert_snapshot!("small_one_finding_md", md);

    let json = scenario(FULL).run(&["analyze", "{bundle}", "--format", "json", "-q"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let plan = &doc["plans"][0];
    assert_eq!(plan["missing"], serde_json::json!(["namespace"]), "{plan:#}");
}

/// A signature of the knowledge base capturing `namespace` (here one the test adds; the shipped
/// KB reads the controllers' join address and the manager's controller address).
const NAMESPACE_SIGNATURE: &str = "signatures:
  - id: t.service-address
    description: A service address; its domain is the namespace.
    regex: 'connecting to (?P<service>[a-z-]+)\\.(?P<namespace>[a-z0-9-]+)\\.svc'
";

#[test]
fn a_namespace_the_lines_tell_fills_the_plan() {
    let log = format!("{FULL}2024-03-01T10:04:00Z INFO connecting to billing.payments-prod.svc:8443\n");
    let s = scenario(&log).kb_file("kb/signatures/t-namespace.yaml", NAMESPACE_SIGNATURE);
    let json = s.run(&["analyze", "{bundle}", "--format", "json", "-q"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let plan = &doc["plans"][0];
    assert_eq!(plan["missing"], serde_json::json!([]), "{plan:#}");
    assert!(
        plan["diagnosis"]
            .as_str()
            .unwrap()
            .contains("kubectl -n payments-prod exec"),
        "{plan:#}"
    );
    // The finding's own parameters stay what the rule gave.
    assert!(doc["findings"][0]["params"].get("namespace").is_none(), "{doc:#}");
}

#[test]
fn redacted() {
    let md = document(&scenario(FULL), &["--redact"]);
    assert!(!md.contains("10.9.8.7"), "{md}");
    assert!(!md.contains("s3cr3t-value"), "{md}");
    insta::assert_snapshot!("small_redacted_md", md);
}

#[test]
fn a_runbook_placeholder_typo_fails_analyze_but_keeps_the_plan() {
    let typo = RUNBOOK.replace("df -h {{ mount }}", "df -h {{ mnt }}");
    let s = Scenario::new()
        .kb_file("rules/t/disk-full.yaml", RULE)
        .kb_file("runbooks/disk-full.md", &typo)
        .log("app.log", FULL);
    let check = s.run(&["kb", "check"]);
    assert_eq!(check.code, 3, "{}", check.stderr);
    assert!(
        check
            .stderr
            .contains("runbooks/disk-full.md:16:60: unknown placeholder `mnt` in section `Diagnosis`"),
        "{}",
        check.stderr
    );

    let out = s.run(&["analyze", "{bundle}", "--format", "json"]);
    assert_eq!(out.code, 3, "a KB problem fails the run: {}", out.stderr);
    assert!(out.stderr.contains("unknown placeholder `mnt`"), "{}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let plan = &doc["plans"][0];
    assert_eq!(
        plan["runbook"], "disk-full",
        "the plan is kept: {:#}",
        doc["plans"]
    );
    assert_eq!(
        plan["missing"],
        serde_json::json!(["mnt", "namespace"]),
        "{plan:#}"
    );
}

/// Two findings of one rule whose parameters disagree (two workloads' image pulls, one
/// rate-limited, one refused by the registry's certificate) get a plan each, and each plan
/// answers its own finding with its own commands.
#[test]
fn findings_that_disagree_get_a_plan_each() {
    let dir = tempfile::tempdir().unwrap();
    crate::common::write_files(
        dir.path(),
        &[
            (
                "pods.txt",
                "NAMESPACE   NAME                          READY   STATUS             RESTARTS   AGE\n\
                 shop        cart-7d9f8c6b5-q2w3e          0/1     ImagePullBackOff   0          40m\n\
                 tools       kafdrop-6c9d7b8f4-j4969       0/1     ImagePullBackOff   0          40m\n",
            ),
            (
                "events.txt",
                "NAMESPACE   LAST SEEN   TYPE      REASON   OBJECT                        MESSAGE\n\
                 shop        1m          Warning   Failed   pod/cart-7d9f8c6b5-q2w3e      Failed to pull image \"registry.example.com/shop/cart:1.4\": rpc error: code = Unknown desc = failed to resolve reference \"registry.example.com/shop/cart:1.4\": failed to do request: Head \"https://registry.example.com/v2/shop/cart/manifests/1.4\": tls: failed to verify certificate: x509: certificate signed by unknown authority\n\
                 tools       2m          Warning   Failed   pod/kafdrop-6c9d7b8f4-j4969   Failed to pull image \"obsidiandynamics/kafdrop:latest\": rpc error: code = Unknown desc = toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit\n",
            ),
        ],
    );
    let doc = crate::common::analyze_json(dir.path(), &[]);
    let pulls: Vec<&serde_json::Value> = (doc["findings"].as_array().unwrap().iter())
        .filter(|f| f["rule"] == "k8s.pods.image-pull")
        .collect();
    assert_eq!(pulls.len(), 2, "{doc:#}");
    let plans: Vec<&serde_json::Value> = (doc["plans"].as_array().unwrap().iter())
        .filter(|p| p["runbook"] == "image-pull")
        .collect();
    assert_eq!(plans.len(), 2, "{:#}", doc["plans"]);
    for (finding, plan) in pulls.iter().zip(&plans) {
        assert!(plan["id"].is_string(), "{plan:#}");
        assert_eq!(finding["plan"], plan["id"], "{finding:#}");
        let answered: Vec<&serde_json::Value> = plan["answers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| &a["finding"])
            .collect();
        assert_eq!(answered, [&finding["id"]], "{plan:#}");
        assert_eq!(plan["params"]["image"], finding["params"]["image"], "{plan:#}");
    }
}
