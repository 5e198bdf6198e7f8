//! Which pods are crash-looping, decided once for every rule: a pod keeps restarting whatever its
//! STATUS column says. In: the merged pods; out: a per-pod [`CrashLoop`] verdict and a
//! per-component (per-workload for unrecognised pods) [`CrashLoopGroup`], which scripts read as `pod.crash_loop` and
//! `bundle.crashloops()` (docs/authoring.md).
//!
//! A pod is crash-looping when
//! - its STATUS is `CrashLoopBackOff` or `Init:CrashLoopBackOff` (the kubelet is backing off), or
//! - it restarted [`MIN_RESTARTS`] times or more, often: the last restart within the hour and on
//!   average one restart every 6 hours of the pod's age or more often, or (old kubectl, no
//!   `(3m ago)` in the RESTARTS column) one every 2 hours of its age; with neither the age nor
//!   the last restart readable, a terminated STATUS (`OOMKilled`, `Error`, ...) decides.
//!
//! One old restart, or the few restarts of a fresh install while the controllers elect a
//! leader, stay below the threshold.

use std::collections::BTreeMap;

use crate::tables::{owner_guess, Pod};
use crate::time::parse_kubectl_duration;

/// Restarts from which a pod that restarts often counts as crash-looping: a fresh install
/// restarts pods 1-3 times while the controllers elect a leader.
pub(crate) const MIN_RESTARTS: u64 = 5;
/// The last restart must be this recent (seconds) for a restarting pod to count.
const RECENT_SECS: i64 = 3600;
/// Average seconds per restart over the pod's age, when the last restart's time is known.
const RATE_SECS: i64 = 6 * 3600;
/// The same when kubectl did not print when the last restart was.
const RATE_SECS_NO_LAST: i64 = 2 * 3600;

/// STATUS values that name why the container last terminated.
const TERMINATED: [&str; 7] = [
    "OOMKilled",
    "Error",
    "ContainerCannotRun",
    "StartError",
    "RunContainerError",
    "CreateContainerError",
    "DeadlineExceeded",
];

/// How a crash-looping pod shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// `CrashLoopBackOff`, or a terminated STATUS (`OOMKilled`, `Error`, ...).
    Looping,
    /// Running (or another STATUS), but restarting at a crash-loop rate.
    Restarting,
}

impl Verdict {
    /// The name scripts see.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Verdict::Looping => "looping",
            Verdict::Restarting => "restarting",
        }
    }
}

/// One crash-looping pod's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CrashLoop {
    pub(crate) verdict: Verdict,
    /// Why the container last ended: the structured listing's last state, else a terminated
    /// STATUS; `None` when the bundle does not say.
    pub(crate) reason: Option<String>,
    /// Not every container ready, or not `Running`.
    pub(crate) down: bool,
}

/// The crash-looping pods of one component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CrashLoopGroup {
    /// The component id, `other` for pods no component recognises.
    pub(crate) component: String,
    /// The first pod's workload (its name when it has none).
    pub(crate) workload: String,
    /// The first namespace any of the component's pods lists.
    pub(crate) namespace: Option<String>,
    /// Pods of the component, crash-looping or not.
    pub(crate) pods: usize,
    /// Indices (into the pods given) of the pods whose verdict is [`Verdict::Looping`].
    pub(crate) looping: Vec<usize>,
    /// Indices of the pods whose verdict is [`Verdict::Restarting`].
    pub(crate) restarting: Vec<usize>,
    /// Crash-looping pods that are down.
    pub(crate) down: usize,
    /// The most restarts of a crash-looping pod.
    pub(crate) max_restarts: u64,
    /// Termination reasons of the crash-looping pods with how many pods gave each.
    pub(crate) reasons: BTreeMap<String, usize>,
}

/// The terminated STATUS (`OOMKilled`, `Init:Error` => `Error`), if the STATUS is one.
fn terminated(status: &str) -> Option<&str> {
    let s = status.strip_prefix("Init:").unwrap_or(status);
    TERMINATED.contains(&s).then_some(s)
}

/// The pod's age in seconds, when known and not zero.
fn age_secs(pod: &Pod) -> Option<i64> {
    parse_kubectl_duration(&pod.age)
        .filter(|&a| a > 0)
        .or(pod.age_secs.filter(|&a| a > 0))
}

/// The pod's verdict, `None` when it is not crash-looping.
pub(crate) fn classify(pod: &Pod) -> Option<CrashLoop> {
    let backoff = pod.status.contains("CrashLoopBackOff");
    let ended = terminated(&pod.status);
    if !backoff && !looping_by_restarts(pod, ended.is_some()) {
        return None;
    }
    Some(CrashLoop {
        verdict: if backoff || ended.is_some() {
            Verdict::Looping
        } else {
            Verdict::Restarting
        },
        reason: pod.last_reason.clone().or_else(|| ended.map(str::to_owned)),
        down: pod.ready < pod.containers || pod.status != "Running",
    })
}

fn looping_by_restarts(pod: &Pod, terminated: bool) -> bool {
    if pod.restarts < MIN_RESTARTS {
        return false;
    }
    let restarts = pod.restarts as i64;
    let age = age_secs(pod);
    match (pod.last_restart_ago_secs, age) {
        (Some(ago), age) => ago <= RECENT_SECS && age.is_none_or(|a| a / restarts <= RATE_SECS),
        (None, Some(age)) => age / restarts <= RATE_SECS_NO_LAST,
        (None, None) => terminated,
    }
}

/// The component a pod is grouped under.
pub(crate) fn component_of(pod: &Pod) -> &str {
    pod.component.as_deref().unwrap_or("other")
}

/// The workload an unrecognised pod is grouped under (none for a component's pods: a component
/// is one group).
fn other_workload(pod: &Pod) -> Option<&str> {
    match (&pod.component, &pod.workload) {
        (Some(_), _) => None,
        (None, Some(w)) => Some(w),
        (None, None) => Some(owner_guess(&pod.name)),
    }
}

/// One group per component with at least one crash-looping pod, and, among pods no component
/// recognises (component `other`), one per workload (read from the pod names: an app's crash
/// loop is not counted against the kube-system pods beside it); sorted by component then
/// workload; only `component`'s when given.
pub(crate) fn groups(pods: &[Pod], component: Option<&str>) -> Vec<CrashLoopGroup> {
    let mut by_component: BTreeMap<(&str, Option<&str>), CrashLoopGroup> = BTreeMap::new();
    for (index, pod) in pods.iter().enumerate() {
        let c = component_of(pod);
        if component.is_some_and(|want| want != c) {
            continue;
        }
        let owner = other_workload(pod);
        let g = by_component.entry((c, owner)).or_insert_with(|| CrashLoopGroup {
            component: c.to_owned(),
            workload: owner.or(pod.workload.as_deref()).unwrap_or(&pod.name).to_owned(),
            namespace: None,
            pods: 0,
            looping: Vec::new(),
            restarting: Vec::new(),
            down: 0,
            max_restarts: 0,
            reasons: BTreeMap::new(),
        });
        g.pods += 1;
        if g.namespace.is_none() {
            g.namespace.clone_from(&pod.namespace);
        }
        let Some(verdict) = classify(pod) else {
            continue;
        };
        match verdict.verdict {
            Verdict::Looping => g.looping.push(index),
            Verdict::Restarting => g.restarting.push(index),
        }
        g.down += usize::from(verdict.down);
        g.max_restarts = g.max_restarts.max(pod.restarts);
        if let Some(r) = verdict.reason {
            *g.reasons.entry(r).or_default() += 1;
        }
    }
    by_component
        .into_values()
        .filter(|g| !g.looping.is_empty() || !g.restarting.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, status: &str, restarts: u64, ago: Option<i64>, age: &str) -> Pod {
        Pod {
            name: name.into(),
            status: status.into(),
            restarts,
            last_restart_ago_secs: ago,
            age: age.into(),
            ready: u32::from(status == "Running"),
            containers: 1,
            component: Some("controller".into()),
            ..Pod::default()
        }
    }

    #[test]
    fn verdicts_follow_status_rate_and_recency() {
        let backoff = classify(&pod("a", "CrashLoopBackOff", 2, Some(30), "1h")).unwrap();
        assert_eq!(backoff.verdict, Verdict::Looping);
        assert!(backoff.down);
        // Often and recently: every 36 minutes over 3 hours, the last 5 minutes ago.
        let running = classify(&pod("b", "Running", 5, Some(300), "3h")).unwrap();
        assert_eq!(running.verdict, Verdict::Restarting);
        assert!(!running.down);
        // Often but not recently, or recently but rarely: silent.
        assert_eq!(classify(&pod("c", "Running", 5, Some(7200), "3h")), None);
        assert_eq!(classify(&pod("d", "Running", 5, Some(60), "60d")), None);
        // Below the threshold.
        assert_eq!(classify(&pod("e", "Running", 4, Some(60), "1h")), None);
        // No "(3m ago)": the rate over the age decides.
        assert!(classify(&pod("f", "Running", 12, None, "20h")).is_some());
        assert_eq!(classify(&pod("g", "Running", 12, None, "30h")), None);
        // Nothing to go by but a terminated STATUS.
        let oom = classify(&pod("h", "Init:OOMKilled", 9, None, "<unknown>")).unwrap();
        assert_eq!(oom.verdict, Verdict::Looping);
        assert_eq!(oom.reason.as_deref(), Some("OOMKilled"));
        assert_eq!(classify(&pod("i", "Running", 9, None, "<unknown>")), None);
    }

    #[test]
    fn the_listing_reason_wins_over_the_status() {
        let mut p = pod("a", "Error", 40, Some(10), "5h");
        p.last_reason = Some("OOMKilled".into());
        assert_eq!(classify(&p).unwrap().reason.as_deref(), Some("OOMKilled"));
    }

    #[test]
    fn groups_count_every_pod_and_keep_only_crash_loops() {
        let mut pods = vec![
            pod("ctl-1", "CrashLoopBackOff", 50, Some(20), "4h"),
            pod("ctl-2", "Running", 0, None, "4h"),
            pod("enf-1", "Running", 0, None, "4h"),
            pod("x-1", "Error", 30, Some(10), "4h"),
        ];
        pods[1].namespace = Some("neuvector".into());
        pods[2].component = Some("enforcer".into());
        pods[3].component = None;
        let all = groups(&pods, None);
        let names: Vec<&str> = all.iter().map(|g| g.component.as_str()).collect();
        assert_eq!(names, ["controller", "other"]);
        let ctl = &all[0];
        assert_eq!((ctl.pods, ctl.looping.clone(), ctl.down), (2, vec![0], 1));
        assert_eq!(ctl.namespace.as_deref(), Some("neuvector"));
        assert_eq!(ctl.workload, "ctl-1");
        assert_eq!(all[1].reasons, BTreeMap::from([("Error".to_owned(), 1)]));
        assert_eq!(groups(&pods, Some("enforcer")), vec![]);
        assert_eq!(groups(&pods, Some("other")).len(), 1);
    }
}
