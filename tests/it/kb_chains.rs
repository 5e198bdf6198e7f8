//! A cause leads the case: when a rule's `after:` names another rule and both fire, the cause is
//! at least as severe as what follows from it and comes first, and the follower says so.

use std::path::Path;

use crate::common::analyze_json;

#[test]
fn a_runtime_the_controller_cannot_use_leads_its_crash_loop() {
    let bundle = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bundles/crio-v1alpha2");
    let doc = analyze_json(&bundle, &[]);
    let findings = doc["findings"].as_array().expect("findings");
    let rules = crate::common::fired_rules(&doc);
    let at = |rule: &str| {
        rules
            .iter()
            .position(|r| *r == rule)
            .unwrap_or_else(|| panic!("{rule} did not fire: {rules:?}"))
    };
    let cause = at("nv.runtime.api-version");
    assert_eq!(cause, 0, "the cause leads: {rules:?}");
    assert!(cause < at("nv.monitor.ctrl-non-recoverable") && cause < at("nv.controller.crashloop"));
    // Raised from its own high to the critical crash loop it explains.
    assert_eq!(findings[cause]["severity"], "critical", "{:#}", findings[cause]);
    // The document's title is the cause, not the symptom.
    let md = crate::common::analyze_markdown(&bundle);
    let crash = md
        .lines()
        .find(|l| l.contains("Controller pods crash-looping"))
        .expect("crash loop row");
    assert!(crash.contains("follows from F1"), "{crash}");
}
