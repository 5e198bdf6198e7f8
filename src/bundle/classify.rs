//! File kinds: the knowledge base's globs, compiled into one `GlobSet`, decide what each file of
//! a bundle is (controller log, pod listing, ...). Code never names paths; the KB does.

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::diagnostic::Diagnostic;
use crate::spec::{FileFormat, KindSpec};

/// The compiled kind globs.
#[derive(Debug, Clone)]
pub struct FileKinds {
    set: GlobSet,
    /// For each glob in the set, the index of its kind.
    glob_kind: Vec<usize>,
    /// For each glob in the set, the glob as written.
    glob_text: Vec<String>,
    kinds: Vec<(String, FileFormat)>,
}

impl FileKinds {
    /// Compiles the kinds; a bad glob is reported against `path` (the kinds file) and `source`.
    pub fn new(specs: &[KindSpec], path: &str, source: &str) -> Result<Self, Vec<Diagnostic>> {
        let mut builder = GlobSetBuilder::new();
        let mut glob_kind = Vec::new();
        let mut glob_text = Vec::new();
        let mut problems = Vec::new();
        for (index, spec) in specs.iter().enumerate() {
            for glob in &spec.globs {
                match Glob::new(glob) {
                    Ok(g) => {
                        builder.add(g);
                        glob_kind.push(index);
                        glob_text.push(glob.clone());
                    }
                    Err(err) => problems.push(Diagnostic::at_text(
                        path,
                        source,
                        glob,
                        format!("invalid glob for kind `{}`: {}", spec.id, err.kind()),
                    )),
                }
            }
        }
        let set = builder
            .build()
            .map_err(|err| vec![Diagnostic::file(path, err.to_string())])?;
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(FileKinds {
            set,
            glob_kind,
            glob_text,
            kinds: specs.iter().map(|s| (s.id.clone(), s.format)).collect(),
        })
    }

    /// The kind (first in KB order whose glob matches) and format of a file of the bundle.
    pub fn classify(&self, path: &str) -> (Option<String>, FileFormat) {
        let (kind, format, _) = self.classify_with_glob(path);
        (kind, format)
    }

    /// [`classify`](Self::classify), with the glob that decided.
    pub fn classify_with_glob(&self, path: &str) -> (Option<String>, FileFormat, Option<String>) {
        let logical = logical_path(path);
        let best = self
            .set
            .matches(logical)
            .into_iter()
            .min_by_key(|&glob| (self.glob_kind[glob], glob));
        match best {
            Some(glob) => {
                let (id, format) = &self.kinds[self.glob_kind[glob]];
                (Some(id.clone()), *format, Some(self.glob_text[glob].clone()))
            }
            None => (None, FileFormat::Log, None),
        }
    }

    /// The first kind read with `format` (the pod listing, the events): content decides a
    /// file is one, the knowledge base names it.
    pub fn kind_with_format(&self, format: FileFormat) -> Option<&str> {
        self.kinds
            .iter()
            .find(|(_, f)| *f == format)
            .map(|(id, _)| id.as_str())
    }

    /// Whether `id` names a kind.
    pub fn contains(&self, id: &str) -> bool {
        self.kinds.iter().any(|(k, _)| k == id)
    }
}

/// The path a kind glob is matched against: without `.gz` and without a rotation number
/// (`ctl.log.1.gz` and `ctl.log.2` are both `ctl.log`).
pub fn logical_path(path: &str) -> &str {
    let mut p = path.strip_suffix(".gz").unwrap_or(path);
    if let Some((stem, num)) = p.rsplit_once('.') {
        if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) && stem.contains('.') {
            p = stem;
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> FileKinds {
        let specs = vec![
            KindSpec {
                id: "pod-listing".into(),
                description: String::new(),
                globs: vec!["**/pods.txt".into(), "pods.txt".into()],
                format: FileFormat::KubectlPods,
            },
            KindSpec {
                id: "controller-log".into(),
                description: String::new(),
                globs: vec!["*controller*.log".into(), "**/*controller*.log".into()],
                format: FileFormat::Log,
            },
        ];
        FileKinds::new(&specs, "kb/kinds.yaml", "").unwrap()
    }

    #[test]
    fn rotation_and_compression_do_not_change_the_kind() {
        let k = kinds();
        assert_eq!(
            k.classify("neuvector-controller-pod-1.log.gz").0.as_deref(),
            Some("controller-log")
        );
        assert_eq!(
            k.classify("logs/neuvector-controller-pod-1.log.1.gz")
                .0
                .as_deref(),
            Some("controller-log")
        );
        assert_eq!(
            k.classify("x/pods.txt"),
            (Some("pod-listing".into()), FileFormat::KubectlPods)
        );
        assert_eq!(k.classify("notes.md").0, None);
    }

    #[test]
    fn logical_paths() {
        assert_eq!(logical_path("a.log.1.gz"), "a.log");
        assert_eq!(logical_path("a.log.12"), "a.log");
        assert_eq!(logical_path("a.log"), "a.log");
        assert_eq!(logical_path("v1.2"), "v1.2");
    }
}
