//! The knowledge base's own description (`kb/kb.yaml`) and its map of the bundle
//! (`kb/kinds.yaml`): which files are which kind, and which pods are which component.

use serde::{Deserialize, Serialize};

/// `kb/kb.yaml` (formerly `kb/manifest.yaml`): name and version of the knowledge base.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Short name, e.g. `casebook-neuvector`.
    pub name: String,
    /// Version of the knowledge base content (semver); printed in every case document.
    pub version: String,
    /// The oldest casebook that can read this knowledge base (semver); `kb check` and every
    /// load refuse a KB that needs a newer casebook.
    #[serde(default)]
    pub min_casebook: Option<String>,
    /// One paragraph on what the knowledge base covers.
    #[serde(default)]
    pub description: String,
}

/// `kb/kinds.yaml`: file kinds and workload components.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BundleMap {
    /// File kinds, tried in order; the first whose globs match a file names its kind.
    pub kinds: Vec<KindSpec>,
    /// Workload components recognised from pod names, tried in order.
    #[serde(default)]
    pub components: Vec<ComponentSpec>,
    /// Literals that mark a line of warning level or worse in the logs these kinds name
    /// (`|ERRO|`, `[WARN]`): the scan hands such lines to the log digest.
    #[serde(default)]
    pub level_markers: Vec<String>,
}

/// How a file kind is recognised and read.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KindSpec {
    /// Kind id used by signatures and rules, e.g. `controller-log`.
    pub id: String,
    /// What such a file is.
    #[serde(default)]
    pub description: String,
    /// Globs over the file's path inside the bundle, after `.gz` and rotation suffixes
    /// (`.1`, `.2.gz`) are removed, e.g. `**/*controller*.log`.
    pub globs: Vec<String>,
    /// Globs that name a file of this kind only when its first 64 KiB also match `content`:
    /// names other software uses too (`*controller*.log` is also kube-controller-manager's).
    #[serde(default)]
    pub content_globs: Vec<String>,
    /// Regex a file named by `content_globs` must match in its first 64 KiB to be of this kind
    /// (else the next kind whose globs match decides).
    #[serde(default)]
    pub content: Option<String>,
    /// How the file is read: as a log (scanned line by line) or as a table.
    #[serde(default)]
    pub format: FileFormat,
}

/// How a file's content is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileFormat {
    /// Lines of a log, scanned against the signatures.
    #[default]
    Log,
    /// Pods in any form: the text table printed by `kubectl get pods` (plain, `-o wide`, `-A`),
    /// `-o json`/`-o yaml`, or `kubectl describe pod` output; the content decides.
    KubectlPods,
    /// Events: `kubectl get events` text, `-o json`/`-o yaml`; the content decides.
    KubectlEvents,
}

/// A workload component recognised from pod names.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentSpec {
    /// Component id used by rules, e.g. `controller`.
    pub id: String,
    /// Regex over the pod name; its `workload` capture names the owning workload.
    pub pod: String,
    /// The owner's kind: `deployment`, `daemonset`, `statefulset`, `cronjob`.
    pub workload_kind: String,
}
