//! The first stage: open a support bundle (a directory, a `.tar.gz`/`.tgz`/`.tar`, a `.zip`, or a
//! single log) and list its files with the kind the knowledge base gives each.
//!
//! Archives are extracted into a private temporary directory that lives as long as the
//! [`Bundle`]; member paths that would leave it, links and devices are refused and reported.
//! Compressed members (`.gz`) stay compressed on disk and are decompressed as they are read.

mod archive;
mod classify;
pub mod layout;
mod reader;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use classify::{logical_path, FileKinds};
pub use layout::LayoutMatch;
pub use reader::open_stream;

use crate::spec::FileFormat;

/// How deep archives inside archives are opened.
const MAX_NESTING: usize = 3;

/// An opened bundle: its files, sorted by path, and what was left out.
#[derive(Debug)]
pub struct Bundle {
    /// Name of the bundle as given (file or directory name).
    pub name: String,
    /// Files, sorted by their path inside the bundle.
    pub files: Vec<BundleFile>,
    /// What was not read, and why.
    pub skipped: Vec<Skipped>,
    /// The layouts recognised (`plain` when none other was).
    pub layouts: Vec<LayoutMatch>,
    /// Keeps extracted archives alive; removed when the bundle is dropped.
    _extracted: Option<tempfile::TempDir>,
}

/// One file of the bundle.
#[derive(Debug, Clone, Serialize)]
pub struct BundleFile {
    /// Path inside the bundle, `/`-separated, as the customer's archive names it.
    pub path: String,
    /// Kind id from the knowledge base, or `None` when no glob matched.
    pub kind: Option<String>,
    /// How the content is read.
    pub format: FileFormat,
    /// Size on disk (compressed size for `.gz`).
    pub size: u64,
    /// Whether the file is gzip-compressed.
    pub gzip: bool,
    /// A log of the container that ran before the current one (`kubectl logs --previous`).
    pub previous: bool,
    /// What decided the kind (a layout's path rule, the content, a kind glob).
    pub detector: String,
    /// Why the file is not used (a layout's marker, a copy, objects of another kind).
    pub unused: Option<String>,
    /// Where the bytes are.
    #[serde(skip)]
    pub disk_path: PathBuf,
}

/// A file or archive member that was not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Path inside the bundle (or the bundle itself).
    pub path: String,
    /// Why it was skipped.
    pub reason: String,
}

/// Errors that stop a bundle from being opened at all.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The path does not exist or cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// The bundle path.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl Bundle {
    /// Opens `path` and classifies its files with `kinds`.
    pub fn open(path: &Path, kinds: &FileKinds) -> Result<Bundle, BundleError> {
        let meta = std::fs::metadata(path).map_err(|source| BundleError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let mut collector = Collector::default();
        if meta.is_dir() {
            collector.collect_dir(path, "", 0)?;
        } else if archive::ArchiveKind::of(&name).is_some() {
            let target = collector.new_extract_dir(path)?;
            archive::extract(path, &name, &target, &mut collector.skipped);
            collector.collect_dir(&target, "", 1)?;
        } else {
            collector.files.push(BundleFile {
                path: name.clone(),
                kind: None,
                format: FileFormat::Log,
                size: meta.len(),
                gzip: name.ends_with(".gz"),
                previous: false,
                detector: String::new(),
                unused: None,
                disk_path: path.to_path_buf(),
            });
        }
        let Collector {
            mut files,
            mut skipped,
            extracted,
            ..
        } = collector;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let layouts = layout::understand(&mut files, kinds);
        skipped.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Bundle {
            name,
            files,
            skipped,
            layouts,
            _extracted: extracted,
        })
    }

    /// Files that are read (not set aside by the layout).
    pub fn used_files(&self) -> impl Iterator<Item = &BundleFile> {
        self.files.iter().filter(|f| f.unused.is_none())
    }

    /// Files of one kind.
    pub fn files_of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a BundleFile> + 'a {
        self.files.iter().filter(move |f| f.kind.as_deref() == Some(kind))
    }
}

/// Gathers files while walking directories and extracted archives.
#[derive(Default)]
struct Collector {
    files: Vec<BundleFile>,
    skipped: Vec<Skipped>,
    extracted: Option<tempfile::TempDir>,
    next_dir: usize,
}

impl Collector {
    /// A fresh, empty directory inside the bundle's private temp dir.
    fn new_extract_dir(&mut self, bundle: &Path) -> Result<PathBuf, BundleError> {
        if self.extracted.is_none() {
            let temp = tempfile::Builder::new()
                .prefix("casebook-")
                .tempdir()
                .map_err(|source| BundleError::Io {
                    path: bundle.display().to_string(),
                    source,
                })?;
            self.extracted = Some(temp);
        }
        self.next_dir += 1;
        let root = self
            .extracted
            .as_ref()
            .map(|t| t.path().to_path_buf())
            .unwrap_or_default();
        Ok(root.join(self.next_dir.to_string()))
    }

    /// Lists regular files under `dir`, giving each the path `prefix/relative`. Archives found
    /// inside are extracted (into the bundle's temp dir) and listed under their own path.
    fn collect_dir(&mut self, dir: &Path, prefix: &str, depth: usize) -> Result<(), BundleError> {
        let walker = walkdir::WalkDir::new(dir).follow_links(false).sort_by_file_name();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let path = err
                        .path()
                        .and_then(|p| p.strip_prefix(dir).ok())
                        .map(|p| join(prefix, &p.to_string_lossy()))
                        .unwrap_or_else(|| prefix.to_owned());
                    self.skip(path, format!("cannot read: {err}"));
                    continue;
                }
            };
            let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            let rel = join(prefix, &rel.to_string_lossy().replace('\\', "/"));
            let ft = entry.file_type();
            if ft.is_symlink() {
                self.skip(rel, "symbolic link, not followed");
                continue;
            }
            if !ft.is_file() {
                if !ft.is_dir() {
                    self.skip(rel, "not a regular file");
                }
                continue;
            }
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            let file_name = entry.file_name().to_string_lossy();
            if archive::ArchiveKind::of(&file_name).is_some() {
                if depth >= MAX_NESTING {
                    self.skip(rel, format!("archive nested deeper than {MAX_NESTING} levels"));
                    continue;
                }
                let target = self.new_extract_dir(dir)?;
                archive::extract(entry.path(), &rel, &target, &mut self.skipped);
                self.collect_dir(&target, &rel, depth + 1)?;
                continue;
            }
            self.files.push(BundleFile {
                path: rel,
                kind: None,
                format: FileFormat::Log,
                size,
                gzip: file_name.ends_with(".gz"),
                previous: false,
                detector: String::new(),
                unused: None,
                disk_path: entry.path().to_path_buf(),
            });
        }
        Ok(())
    }

    fn skip(&mut self, path: String, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            path,
            reason: reason.into(),
        });
    }
}

fn join(prefix: &str, rel: &str) -> String {
    match (prefix.is_empty(), rel.is_empty()) {
        (true, _) => rel.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}/{rel}"),
    }
}
