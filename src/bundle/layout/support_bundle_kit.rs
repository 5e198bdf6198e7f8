//! support-bundle-kit (rancher/support-bundle-kit; Harvester, Longhorn, Rancher): cluster
//! objects as `yamls/{cluster,namespaced/<ns>}/<group>/<kind>.yaml`, container logs as
//! `logs/<ns>/<pod>/<container>.log`, node bundles as nested `nodes/<node>.zip`.

use std::collections::BTreeSet;

use super::{Layout, PathRole};

/// The support-bundle-kit layout.
pub(crate) struct SupportBundleKit;

impl Layout for SupportBundleKit {
    fn name(&self) -> &'static str {
        "support-bundle-kit"
    }

    fn detect(&self, paths: &BTreeSet<&str>) -> Vec<(String, String)> {
        let mut roots: Vec<(String, String)> = paths
            .iter()
            .filter_map(|p| {
                let (root, _) = p
                    .split_once("yamls/namespaced/")
                    .or_else(|| p.split_once("yamls/cluster/"))?;
                if !(root.is_empty() || root.ends_with('/')) {
                    return None;
                }
                let logs = format!("{root}logs/");
                paths
                    .range(logs.as_str()..)
                    .next()
                    .is_some_and(|q| q.starts_with(&logs))
                    .then(|| {
                        (
                            root.trim_end_matches('/').to_owned(),
                            format!("`{root}yamls/` and `{logs}`"),
                        )
                    })
            })
            .collect();
        roots.dedup_by(|a, b| a.0 == b.0);
        roots
    }

    fn role(&self, rel: &str, _: &BTreeSet<&str>) -> Option<PathRole> {
        if let Some(yaml) = rel.strip_prefix("yamls/") {
            let name = yaml.rsplit('/').next().unwrap_or(yaml);
            // Core v1 only: `events.k8s.io/v1/events.yaml` repeats the same events.
            let core = yaml.contains("/v1/") && !yaml.contains(".k8s.io/");
            return Some(match name {
                "pods.yaml" if core => PathRole::Pods("`yamls/namespaced/<ns>/v1/pods.yaml`".into()),
                "events.yaml" if core => PathRole::Events("`yamls/namespaced/<ns>/v1/events.yaml`".into()),
                "events.yaml" => PathRole::Unused("the same events as `v1/events.yaml`".into()),
                _ => PathRole::Unused(format!(
                    "cluster object `{}`: not read",
                    name.trim_end_matches(".yaml")
                )),
            });
        }
        if let Some(log) = rel.strip_prefix("logs/") {
            let previous = super::is_previous(log);
            return Some(PathRole::Log {
                rule: "`logs/<ns>/<pod>/<container>.log`".into(),
                previous,
            });
        }
        None
    }
}
