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
    /// For each glob in the set, whether the file's head must match its kind's `content`.
    glob_needs_content: Vec<bool>,
    kinds: Vec<(String, FileFormat)>,
    /// Each kind's `content` regex.
    content: Vec<Option<regex::Regex>>,
}

impl FileKinds {
    /// Compiles the kinds; a bad glob is reported against `path` (the kinds file) and `source`.
    pub fn new(specs: &[KindSpec], path: &str, source: &str) -> Result<Self, Vec<Diagnostic>> {
        let mut builder = GlobSetBuilder::new();
        let mut glob_kind = Vec::new();
        let mut glob_text = Vec::new();
        let mut glob_needs_content = Vec::new();
        let mut content = Vec::new();
        let mut problems = Vec::new();
        for (index, spec) in specs.iter().enumerate() {
            content.push(match (&spec.content, spec.content_globs.is_empty()) {
                (Some(re), false) => match regex::Regex::new(re) {
                    Ok(r) => Some(r),
                    Err(err) => {
                        problems.push(Diagnostic::at_text(
                            path,
                            source,
                            re,
                            format!("invalid `content` regex for kind `{}`: {err}", spec.id),
                        ));
                        None
                    }
                },
                (None, true) => None,
                (Some(_), true) => {
                    problems.push(Diagnostic::at_text(
                        path,
                        source,
                        &spec.id,
                        format!(
                            "kind `{}` has `content` but no `content_globs` it would apply to",
                            spec.id
                        ),
                    ));
                    None
                }
                (None, false) => {
                    problems.push(Diagnostic::at_text(
                        path,
                        source,
                        &spec.id,
                        format!(
                            "kind `{}` has `content_globs` but no `content` regex to confirm them",
                            spec.id
                        ),
                    ));
                    None
                }
            });
            let globs = spec.globs.iter().map(|g| (g, false));
            let confirmed = spec.content_globs.iter().map(|g| (g, true));
            for (glob, needs_content) in globs.chain(confirmed) {
                match Glob::new(glob) {
                    Ok(g) => {
                        builder.add(g);
                        glob_kind.push(index);
                        glob_text.push(glob.clone());
                        glob_needs_content.push(needs_content);
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
            glob_needs_content,
            kinds: specs.iter().map(|s| (s.id.clone(), s.format)).collect(),
            content,
        })
    }

    /// The kind (first in KB order whose glob matches) and format of a file of the bundle, from
    /// its path alone (globs that need the content do not match).
    pub fn classify(&self, path: &str) -> (Option<String>, FileFormat) {
        let (kind, format, _) = self.classify_with_head(path, None);
        (kind, format)
    }

    /// The kind of a file from its path and, for globs that need it, the text of its head
    /// (first in KB order whose glob matches and, for a `content_globs` glob, whose `content`
    /// the head matches); with the glob that decided.
    pub fn classify_with_head(
        &self,
        path: &str,
        head: Option<&str>,
    ) -> (Option<String>, FileFormat, Option<String>) {
        let logical = logical_path(path);
        let best = self
            .set
            .matches(logical)
            .into_iter()
            .filter(|&glob| {
                !self.glob_needs_content[glob]
                    || match (head, &self.content[self.glob_kind[glob]]) {
                        (Some(head), Some(re)) => re.is_match(head),
                        _ => false,
                    }
            })
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
                content_globs: Vec::new(),
                content: None,
                format: FileFormat::KubectlPods,
            },
            KindSpec {
                id: "controller-log".into(),
                description: String::new(),
                globs: vec![
                    "*neuvector*controller*.log".into(),
                    "**/*neuvector*controller*.log".into(),
                ],
                content_globs: vec!["*controller*.log".into(), "**/*controller*.log".into()],
                content: Some(r"\|(?:CTL|MON)\|".into()),
                format: FileFormat::Log,
            },
        ];
        FileKinds::new(&specs, "kb/kinds.yaml", "").unwrap()
    }

    #[test]
    fn a_bare_component_name_needs_the_products_lines() {
        let k = kinds();
        let path = "kube-system/kube-controller-manager-master1.log";
        assert_eq!(k.classify(path).0, None, "no head, no content glob");
        let klog = "I0301 10:00:00.000000       1 serving.go:348] Generated self-signed cert\n";
        assert_eq!(k.classify_with_head(path, Some(klog)).0, None);
        let nv = "2024-03-01T10:00:00.100|INFO|CTL|main.main: START - version=v5.4.0\n";
        let (kind, _, glob) = k.classify_with_head("controller-0.log", Some(nv));
        assert_eq!(kind.as_deref(), Some("controller-log"));
        assert_eq!(glob.as_deref(), Some("*controller*.log"));
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
