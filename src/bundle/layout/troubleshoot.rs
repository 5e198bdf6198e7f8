//! troubleshoot.sh support bundles (replicatedhq/troubleshoot): `version.yaml` at the root,
//! cluster state as JSON lists per namespace (`cluster-resources/pods/<ns>.json`,
//! `cluster-resources/events/<ns>.json`), container logs under
//! `cluster-resources/pods/logs/<ns>/<pod>/<container>.log` (`-previous.log` for the previous
//! container) and a second copy under the logs collector's name, which is left out.

use std::collections::BTreeSet;

use super::{Layout, PathRole};

/// The troubleshoot.sh layout.
pub(crate) struct Troubleshoot;

const LOGS: &str = "cluster-resources/pods/logs/";

impl Layout for Troubleshoot {
    fn name(&self) -> &'static str {
        "troubleshoot.sh"
    }

    fn detect(&self, paths: &BTreeSet<&str>) -> Vec<(String, String)> {
        paths
            .iter()
            .filter_map(|p| {
                let root = match p.strip_suffix("version.yaml")? {
                    "" => "",
                    r => r.strip_suffix('/')?,
                };
                let prefix = if root.is_empty() {
                    String::new()
                } else {
                    format!("{root}/")
                };
                paths
                    .range(format!("{prefix}cluster-resources/").as_str()..)
                    .next()
                    .is_some_and(|q| q.starts_with(&format!("{prefix}cluster-resources/")))
                    .then(|| (root.to_owned(), format!("`{p}` and `{prefix}cluster-resources/`")))
            })
            .collect()
    }

    fn role(&self, rel: &str, root_paths: &BTreeSet<&str>) -> Option<PathRole> {
        if rel == "version.yaml" {
            return Some(PathRole::Unused("troubleshoot.sh marker (bundle version)".into()));
        }
        if rel == "analysis.json" {
            return Some(PathRole::Unused(
                "troubleshoot.sh analysis result, not bundle data".into(),
            ));
        }
        if let Some(log) = rel.strip_prefix(LOGS) {
            let parts: Vec<&str> = log.split('/').collect();
            let previous = parts.last().is_some_and(|n| n.ends_with("-previous.log"));
            return Some(PathRole::Log {
                rule: format!(
                    "`{LOGS}<ns>/<pod>/<container>{}.log`",
                    if previous { "-previous" } else { "" }
                ),
                previous,
            });
        }
        if let Some(rest) = rel.strip_prefix("cluster-resources/") {
            let (what, file) = rest.split_once('/').unwrap_or(("", rest));
            return Some(match what {
                "pods" if file.ends_with(".json") && !file.contains('/') => {
                    PathRole::Pods("`cluster-resources/pods/<ns>.json`".into())
                }
                "events" if file.ends_with(".json") && !file.contains('/') => {
                    PathRole::Events("`cluster-resources/events/<ns>.json`".into())
                }
                "" => PathRole::Unused(format!(
                    "cluster resource `{}`: not read",
                    file.trim_end_matches(".json")
                )),
                _ => PathRole::Unused(format!("cluster resource `{what}`: not read")),
            });
        }
        // The logs collector's own copy: `<collector>/<pod>/<container>.log`.
        let parts: Vec<&str> = rel.split('/').collect();
        if parts.len() >= 3 && rel.ends_with(".log") {
            let tail = parts[parts.len() - 2..].join("/");
            let original = root_paths
                .iter()
                .find(|p| p.starts_with(LOGS) && p.ends_with(&format!("/{tail}")));
            if let Some(original) = original {
                return Some(PathRole::Unused(format!("copy of `{original}`")));
            }
        }
        None
    }
}
