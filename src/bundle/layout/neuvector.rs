//! NeuVector's own collection recipe (the maintainers' bug template): `kubectl logs
//! --all-containers` per pod saved as `<pod>.log`, `--previous` as `<pod>-previous.log`, tarred
//! as `nvlogs.tar.gz`, usually with `kubectl get pods -o wide` beside it.

use std::collections::BTreeSet;

use super::{is_previous, Layout, PathRole};

/// The recipe layout.
pub(crate) struct NeuVectorRecipe;

/// Its name.
pub(crate) const NAME: &str = "neuvector-recipe";

impl Layout for NeuVectorRecipe {
    fn name(&self) -> &'static str {
        NAME
    }

    fn detect(&self, paths: &BTreeSet<&str>) -> Vec<(String, String)> {
        let mut roots = Vec::new();
        for p in paths {
            // Members of an `nvlogs*.tar.gz` are listed under the archive's name.
            let mut prefix = String::new();
            for part in p.split('/') {
                if !prefix.is_empty() {
                    prefix.push('/');
                }
                prefix.push_str(part);
                let lower = part.to_ascii_lowercase();
                if lower.starts_with("nvlogs")
                    && (lower.ends_with(".tar.gz") || lower.ends_with(".tgz") || lower.ends_with(".zip"))
                {
                    roots.push((prefix.clone(), format!("archive `{part}`")));
                    break;
                }
            }
        }
        if roots.is_empty() {
            if let Some(prev) = paths.iter().find(|p| p.ends_with(".log") && is_previous(p)) {
                let root = prev.rsplit_once('/').map_or("", |(d, _)| d);
                roots.push((root.to_owned(), format!("previous-container log `{prev}`")));
            }
        }
        roots.sort();
        roots.dedup_by(|a, b| a.0 == b.0);
        roots
    }

    fn role(&self, rel: &str, _: &BTreeSet<&str>) -> Option<PathRole> {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let logical = crate::bundle::logical_path(name);
        logical.ends_with(".log").then(|| PathRole::Log {
            rule: if is_previous(rel) {
                "`<pod>-previous.log` (kubectl logs --previous)".to_owned()
            } else {
                "`<pod>.log` (kubectl logs --all-containers)".to_owned()
            },
            previous: is_previous(rel),
        })
    }
}
