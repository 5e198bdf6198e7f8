//! The layout layer: how a bundle's files map onto the data rules name (pod listing, events,
//! controller/enforcer/... logs, previous-container logs), whatever shape the bundle has.
//!
//! Each known layout (one file each) recognises itself by marker files and says what the paths
//! under its root hold; the content of every file is then read (its first bytes) and has the
//! last word for tables: a pod listing is a pod listing because of its header or its JSON/YAML
//! `kind`, whatever it is called. The knowledge base's kind globs remain the fallback for logs.
//! Every file leaves with the detector that decided, or the reason it is not used, which is
//! what `casebook analyze --show-layout` prints.
//!
//! To add a layout: a file here with a `Layout` (its markers and path rules), listed in
//! `LAYOUTS`, a conversion in the test helper `tests/common/layouts.rs`, and a line in
//! `docs/layouts.md`.

mod content;
mod neuvector;
mod rancher;
mod support_bundle_kit;
mod troubleshoot;

use std::collections::BTreeSet;

use serde::Serialize;

use super::classify::FileKinds;
use super::BundleFile;
use crate::spec::FileFormat;
use content::{classify_head, read_head};
pub use content::{sniff, Content};

/// A layout recognised in the bundle, at a root (a folder, or an archive member's path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayoutMatch {
    /// Layout name (`troubleshoot.sh`, `support-bundle-kit`, ...).
    pub layout: &'static str,
    /// Path prefix inside the bundle it applies to (empty: the whole bundle).
    pub root: String,
    /// Which marker decided.
    pub marker: String,
}

/// What a layout's path rules say about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PathRole {
    /// A pod listing (in any form; the content decides the parser).
    Pods(String),
    /// Events.
    Events(String),
    /// A container log; `previous` for the container that ran before the current one.
    Log { rule: String, previous: bool },
    /// Not used, and why.
    Unused(String),
}

/// One known bundle layout.
pub(crate) trait Layout: Sync {
    /// Its name.
    fn name(&self) -> &'static str;
    /// Roots where it applies (path prefixes, `""` for the whole bundle) with the marker that
    /// decided, from the bundle's paths (sorted).
    fn detect(&self, paths: &BTreeSet<&str>) -> Vec<(String, String)>;
    /// What a path under one of its roots holds (`rel` is relative to the root); `None` when
    /// the layout has no opinion (kind globs and content decide).
    fn role(&self, rel: &str, root_paths: &BTreeSet<&str>) -> Option<PathRole>;
}

/// Every layout, most specific first; the plain layout (kind globs and content only) is what
/// applies where none matches.
static LAYOUTS: [&dyn Layout; 4] = [
    &troubleshoot::Troubleshoot,
    &support_bundle_kit::SupportBundleKit,
    &rancher::RancherLogs,
    &neuvector::NeuVectorRecipe,
];

/// The name of the fallback layout.
pub const PLAIN: &str = "plain";

/// Whether a log's name says it is the previous container's (`<pod>-previous.log`, kubectl's
/// `--previous` saved as `previous.log` or `<name>.previous`).
pub fn is_previous(path: &str) -> bool {
    let logical = super::classify::logical_path(path);
    let name = logical.rsplit('/').next().unwrap_or(logical);
    let stem = name
        .strip_suffix(".log")
        .or_else(|| name.strip_suffix(".txt"))
        .unwrap_or(name);
    stem.ends_with("-previous")
        || stem.ends_with("_previous")
        || stem.ends_with(".previous")
        || stem == "previous"
        || path.split('/').any(|d| d == "previous")
}

/// Decides every file's kind, format, detector, previous flag and use; returns the layouts
/// recognised.
pub(crate) fn understand(files: &mut [BundleFile], kinds: &FileKinds) -> Vec<LayoutMatch> {
    let paths: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut matches: Vec<LayoutMatch> = Vec::new();
    for layout in LAYOUTS {
        for (root, marker) in layout.detect(&paths) {
            matches.push(LayoutMatch {
                layout: layout.name(),
                root,
                marker,
            });
        }
    }
    // The NeuVector recipe is loose (a `-previous.log` is enough): inside another layout's root
    // (troubleshoot.sh keeps `<container>-previous.log` too) that layout decides.
    let others: Vec<String> = matches
        .iter()
        .filter(|m| m.layout != neuvector::NAME)
        .map(|m| m.root.clone())
        .collect();
    matches
        .retain(|m| m.layout != neuvector::NAME || !others.iter().any(|o| *o == m.root || under(&m.root, o)));
    matches.sort_by(|a, b| (&a.root, a.layout).cmp(&(&b.root, b.layout)));
    matches.dedup_by(|a, b| a.root == b.root && a.layout == b.layout);
    let roles: Vec<Option<(String, PathRole)>> = files
        .iter()
        .map(|f| {
            // The deepest root that holds the file decides.
            let m = matches
                .iter()
                .filter(|m| under(&f.path, &m.root))
                .max_by_key(|m| m.root.len())?;
            let layout = LAYOUTS.iter().find(|l| l.name() == m.layout)?;
            let rel = strip_root(&f.path, &m.root);
            let root_paths: BTreeSet<&str> = paths
                .iter()
                .filter(|p| under(p, &m.root))
                .map(|p| strip_root(p, &m.root))
                .collect();
            layout.role(rel, &root_paths).map(|r| (m.layout.to_owned(), r))
        })
        .collect();
    for (file, role) in files.iter_mut().zip(roles) {
        decide(file, role, kinds);
    }
    if matches.is_empty() {
        matches.push(LayoutMatch {
            layout: PLAIN,
            root: String::new(),
            marker: "no marker of another layout: kind globs and content".to_owned(),
        });
    }
    matches
}

fn under(path: &str, root: &str) -> bool {
    root.is_empty() || path.strip_prefix(root).is_some_and(|r| r.starts_with('/'))
}

fn strip_root<'a>(path: &'a str, root: &str) -> &'a str {
    if root.is_empty() {
        path
    } else {
        &path[root.len() + 1..]
    }
}

/// Combines the layout's path role, the content and the kind globs for one file.
fn decide(file: &mut BundleFile, role: Option<(String, PathRole)>, kinds: &FileKinds) {
    file.previous = is_previous(&file.path);
    if let Some((_, PathRole::Unused(reason))) = &role {
        file.unused = Some(reason.clone());
        file.detector = format!("{}: {reason}", role.as_ref().map_or("", |r| r.0.as_str()));
        return;
    }
    // One read of the head serves the kind globs that need content and the table sniffing.
    let head = read_head(file);
    let (glob_kind, glob_format, glob) = kinds.classify_with_head(&file.path, head.as_deref());
    let content = head.as_deref().map_or(Content::Unknown, classify_head);
    let table_kind = |format: FileFormat| kinds.kind_with_format(format).map(str::to_owned);
    let set = |file: &mut BundleFile, format: FileFormat, detector: String| {
        file.kind = table_kind(format);
        file.format = format;
        file.detector = detector;
        file.previous = false;
    };
    match (&content, &role) {
        (Content::Pods(why), _) => set(file, FileFormat::KubectlPods, format!("content: {why}")),
        (Content::Events(why), _) => set(file, FileFormat::KubectlEvents, format!("content: {why}")),
        (_, Some((layout, PathRole::Pods(rule)))) => {
            set(file, FileFormat::KubectlPods, format!("{layout}: {rule}"))
        }
        (_, Some((layout, PathRole::Events(rule)))) => {
            set(file, FileFormat::KubectlEvents, format!("{layout}: {rule}"))
        }
        // A name that says table keeps the table kind, so a file that cannot be read as one is
        // reported with the reason instead of being scanned as a log.
        _ if glob_format != FileFormat::Log => {
            file.kind = glob_kind;
            file.format = glob_format;
            file.detector = format!("file name: glob `{}`", glob.unwrap_or_default());
        }
        (Content::Object(kind), _) => {
            file.unused = Some(format!("Kubernetes `{kind}` objects: not read"));
            file.detector = "content: Kubernetes objects".to_owned();
        }
        (_, Some((layout, PathRole::Log { rule, previous }))) => {
            file.previous |= *previous;
            // A log without the `.log` the kind globs expect (Rancher's `podlogs/<pod>`).
            let (kind, format, glob2) = match glob_kind {
                Some(_) => (glob_kind, glob_format, glob),
                None => {
                    let logical = format!("{}.log", super::classify::logical_path(&file.path));
                    kinds.classify_with_head(&logical, head.as_deref())
                }
            };
            file.kind = kind;
            file.format = format;
            file.detector = match glob2 {
                Some(g) => format!("{layout}: {rule}; kind by glob `{g}`"),
                None => format!("{layout}: {rule}; no kind glob matched"),
            };
        }
        _ => {
            file.kind = glob_kind;
            file.format = glob_format;
            file.detector = match glob {
                Some(g) => format!("file name: glob `{g}`"),
                None => "no kind glob matched: searched only by signatures limited to no kind".to_owned(),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previous_logs_by_name() {
        assert!(is_previous("neuvector-enforcer-pod-24526-previous.log"));
        assert!(is_previous(
            "cluster-resources/pods/logs/nv/p/neuvector-enforcer-pod-previous.log"
        ));
        assert!(is_previous("podlogs/p-previous.log.gz"));
        assert!(is_previous("logs/nv/p/c/previous.log"));
        assert!(!is_previous("neuvector-enforcer-pod-24526.log"));
        assert!(!is_previous("previously.log"));
    }
}
