//! Findings in the order a senior engineer writes them: a cause before what follows from it.
//!
//! A rule lists in `after:` the rules whose findings it reads, and the knowledge base uses that
//! list for the chains it authors: a crash loop follows from the runtime the pods cannot use, an
//! enforcer crash loop from a leaderless controller cluster. When both fire, the cause is at
//! least as severe as the findings that follow from it (its consequence is what makes it
//! matter) and comes first among equals, so the case's conclusion is the cause, not the symptom.

use std::collections::BTreeMap;

use crate::findings::Finding;

/// Raises each fired cause to the severity of the findings that follow from it, then orders
/// the findings: most severe first, then earliest evidence, rule id and title, with each
/// finding moved after a cause of the same severity that it preceded. `after` maps a rule id to
/// its `after:` list.
pub(super) fn order_findings(findings: &mut Vec<Finding>, after: &BTreeMap<&str, &[String]>) {
    // (cause, follower) index pairs among the fired findings.
    let mut links: Vec<(usize, usize)> = Vec::new();
    for (s, symptom) in findings.iter().enumerate() {
        let causes = after.get(symptom.rule.as_str()).copied().unwrap_or_default();
        for (c, cause) in findings.iter().enumerate() {
            if cause.rule != symptom.rule && causes.contains(&cause.rule) {
                links.push((c, s));
            }
        }
    }
    // `after:` has no cycles (the knowledge base check rejects them), so chains are at most as
    // long as the findings are many; the bound keeps a malformed base from looping.
    for _ in 0..findings.len() {
        let mut changed = false;
        for &(c, s) in &links {
            if findings[c].severity < findings[s].severity {
                findings[c].severity = findings[s].severity;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Most severe first, then earliest evidence; then a finding that precedes its cause of
    // the same severity moves to just after it (the order otherwise stays as it was).
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&findings[a], &findings[b]);
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.first_time.cmp(&b.first_time))
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.title.cmp(&b.title))
    });
    for _ in 0..findings.len() {
        let mut moved = false;
        for &(c, s) in &links {
            let pos = |i: usize| order.iter().position(|&x| x == i).unwrap_or(0);
            let (pc, ps) = (pos(c), pos(s));
            if ps < pc && findings[c].severity == findings[s].severity {
                order.remove(ps);
                order.insert(pc, s);
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    let mut slots: Vec<Option<Finding>> = findings.drain(..).map(Some).collect();
    findings.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Severity;

    fn finding(rule: &str, severity: Severity, minute: i64) -> Finding {
        Finding {
            rule: rule.into(),
            title: rule.into(),
            severity,
            summary: String::new(),
            why: String::new(),
            evidence: Vec::new(),
            params: BTreeMap::new(),
            runbook: None,
            first_time: Some(crate::time::Timestamp(minute * 60_000)),
            last_time: None,
        }
    }

    #[test]
    fn a_cause_leads_what_follows_from_it_and_takes_its_severity() {
        let after_crash = ["runtime".to_owned(), "exit".to_owned()];
        let after_exit = ["runtime".to_owned()];
        let after: BTreeMap<&str, &[String]> =
            BTreeMap::from([("crash", &after_crash[..]), ("exit", &after_exit[..])]);
        let mut findings = vec![
            finding("crash", Severity::Critical, 1),
            finding("other", Severity::Critical, 0),
            finding("exit", Severity::High, 2),
            finding("runtime", Severity::Medium, 3),
            finding("unrelated", Severity::Low, 0),
        ];
        order_findings(&mut findings, &after);
        let got: Vec<(&str, Severity)> = findings.iter().map(|f| (f.rule.as_str(), f.severity)).collect();
        assert_eq!(
            got,
            [
                // Raised through the chain crash -> exit -> runtime; `other` keeps its place by
                // time, each follower moves after its cause.
                ("other", Severity::Critical),
                ("runtime", Severity::Critical),
                ("exit", Severity::Critical),
                ("crash", Severity::Critical),
                ("unrelated", Severity::Low),
            ]
        );
    }

    #[test]
    fn findings_without_chains_keep_severity_then_time_order() {
        let after: BTreeMap<&str, &[String]> = BTreeMap::new();
        let mut findings = vec![
            finding("b", Severity::High, 5),
            finding("a", Severity::High, 1),
            finding("c", Severity::Critical, 9),
        ];
        order_findings(&mut findings, &after);
        let got: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(got, ["c", "a", "b"]);
    }
}
