//! Rancher's log collector (rancherlabs/support-tools `logs-collector`): a node archive with
//! `systeminfo/`, `networking/`, `systemlogs/`, `journald/`, `<distro>/kubectl/` (cluster
//! listings, `poddescribe/` with `kubectl describe pod` output) and `podlogs/` (one file per
//! container, often without `.log`).

use std::collections::BTreeSet;

use super::{Layout, PathRole};

/// The Rancher log collector layout.
pub(crate) struct RancherLogs;

impl Layout for RancherLogs {
    fn name(&self) -> &'static str {
        "rancher-logs-collector"
    }

    fn detect(&self, paths: &BTreeSet<&str>) -> Vec<(String, String)> {
        let mut roots: Vec<(String, String)> = paths
            .iter()
            .filter_map(|p| {
                let (root, dir) = ["podlogs/", "poddescribe/", "kubectl/"].iter().find_map(|d| {
                    let at = p.find(d)?;
                    let root = &p[..at];
                    (root.is_empty() || root.ends_with('/')).then_some((root, *d))
                })?;
                // `kubectl/` alone is common; it counts beside the collector's other folders.
                let root = root.trim_end_matches('/');
                let base = match dir {
                    "kubectl/" => root.rsplit_once('/').map_or("", |(b, _)| b),
                    _ => root,
                };
                let has = |d: &str| {
                    let prefix = if base.is_empty() {
                        d.to_owned()
                    } else {
                        format!("{base}/{d}")
                    };
                    paths
                        .range(prefix.as_str()..)
                        .next()
                        .is_some_and(|q| q.starts_with(&prefix))
                };
                (dir != "kubectl/" || has("systeminfo/") || has("podlogs/") || has("journald/"))
                    .then(|| (root.to_owned(), format!("`{p}` under `{dir}`")))
            })
            .collect();
        roots.sort();
        roots.dedup_by(|a, b| a.0 == b.0);
        roots
    }

    fn role(&self, rel: &str, _: &BTreeSet<&str>) -> Option<PathRole> {
        let dirs: Vec<&str> = rel.split('/').collect();
        if dirs.contains(&"podlogs") {
            return Some(PathRole::Log {
                rule: "`podlogs/`".into(),
                previous: super::is_previous(rel),
            });
        }
        if dirs.contains(&"poddescribe") {
            return Some(PathRole::Pods("`poddescribe/` (kubectl describe pod)".into()));
        }
        None
    }
}
