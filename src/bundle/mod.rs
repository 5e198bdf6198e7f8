//! The first stage: open a support bundle (a directory, a `.tar.gz`/`.tgz`/`.tar`, a `.zip`, or a
//! single log) and list its files with the kind the knowledge base gives each.
//!
//! Archives are extracted into a private temporary directory that lives as long as the
//! [`Bundle`]; member paths that would leave it, links and devices are refused and reported.
//! Compressed members (`.gz`) stay compressed on disk and are decompressed as they are read.

mod archive;
mod classify;
pub mod layout;
mod limits;
mod reader;
mod sniff;
mod temp;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use classify::{logical_path, FileKinds};
pub use layout::LayoutMatch;
pub use limits::BundleLimits;
pub use reader::{decode_text, open_stream};
pub use sniff::TextForm;
pub use temp::remove_all_extracted;
pub(crate) use temp::ExtractDir;

use crate::spec::FileFormat;

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
    _extracted: Option<temp::ExtractDir>,
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
    /// Whether the file is gzip-compressed (by its first bytes, not its name).
    pub gzip: bool,
    /// How its text is encoded (UTF-8, UTF-16, lone-CR line ends), by its first bytes.
    #[serde(skip)]
    pub text: TextForm,
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
    /// The path is a FIFO, a device or a socket: never opened (it could block or never end).
    #[error("{path}: not a regular file or directory ({what}); not read")]
    NotRegular {
        /// The bundle path.
        path: String,
        /// What it is.
        what: &'static str,
    },
}

/// Names what a non-regular file is.
pub fn file_type_name(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
    }
    if ft.is_symlink() {
        return "a symbolic link";
    }
    "not a regular file"
}

impl Bundle {
    /// Opens `path` and classifies its files with `kinds`, within the default limits.
    pub fn open(path: &Path, kinds: &FileKinds) -> Result<Bundle, BundleError> {
        Bundle::open_with(path, kinds, &BundleLimits::default())
    }

    /// Opens `path` and classifies its files with `kinds`, within `limits`.
    pub fn open_with(path: &Path, kinds: &FileKinds, limits: &BundleLimits) -> Result<Bundle, BundleError> {
        let io = |source| BundleError::Io {
            path: path.display().to_string(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        if !meta.is_dir() && !meta.is_file() {
            return Err(BundleError::NotRegular {
                path: path.display().to_string(),
                what: file_type_name(meta.file_type()),
            });
        }
        let mut collector = Collector::new(limits);
        if meta.is_dir() {
            collector.collect_dir(path, "", 0)?;
        } else {
            let sniffed = sniff::sniff_file(path, &name).map_err(io)?;
            match sniffed.archive {
                Some(kind) => {
                    let target = collector.new_extract_dir(path)?;
                    collector.extract(path, kind, &name, &target);
                    collector.collect_dir(&target, "", 1)?;
                }
                None => collector.files.push(BundleFile {
                    path: name.clone(),
                    kind: None,
                    format: FileFormat::Log,
                    size: meta.len(),
                    gzip: sniffed.gzip,
                    text: sniffed.text,
                    previous: false,
                    detector: String::new(),
                    unused: None,
                    disk_path: path.to_path_buf(),
                }),
            }
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

    /// One log read on its own (`digest FILE`): gzip and encoding by its first bytes when it
    /// is a regular file, by its name otherwise (a pipe is never read ahead).
    pub fn single_file(path: &Path) -> std::io::Result<BundleFile> {
        let meta = std::fs::metadata(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (gzip, text) = if meta.is_file() {
            let s = sniff::sniff_file(path, &name)?;
            (s.gzip, s.text)
        } else {
            (name.ends_with(".gz"), TextForm::Utf8)
        };
        Ok(BundleFile {
            path: name,
            kind: None,
            format: FileFormat::Log,
            size: meta.len(),
            gzip,
            text,
            previous: false,
            detector: String::new(),
            unused: None,
            disk_path: path.to_path_buf(),
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
struct Collector<'l> {
    limits: &'l BundleLimits,
    files: Vec<BundleFile>,
    skipped: Vec<Skipped>,
    extracted: Option<temp::ExtractDir>,
    next_dir: usize,
    /// Bytes extracted so far, over every archive.
    written: u64,
    /// Whether the files limit was reported.
    files_full: bool,
}

impl<'l> Collector<'l> {
    fn new(limits: &'l BundleLimits) -> Self {
        Collector {
            limits,
            files: Vec::new(),
            skipped: Vec::new(),
            extracted: None,
            next_dir: 0,
            written: 0,
            files_full: false,
        }
    }

    /// A fresh, empty directory inside the bundle's private temp dir.
    fn new_extract_dir(&mut self, bundle: &Path) -> Result<PathBuf, BundleError> {
        if self.extracted.is_none() {
            let temp = temp::ExtractDir::new().map_err(|source| BundleError::Io {
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

    fn extract(&mut self, archive: &Path, kind: archive::ArchiveKind, shown: &str, target: &Path) {
        let mut job = archive::Extraction {
            limits: self.limits,
            written: self.written,
            skipped: &mut self.skipped,
        };
        archive::extract(archive, kind, shown, target, &mut job);
        self.written = job.written;
    }

    /// Lists regular files under `dir`, giving each the path `prefix/relative`. Archives found
    /// inside (by their first bytes) are extracted (into the bundle's temp dir) and listed
    /// under their own path.
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
                    self.skip(
                        rel,
                        format!("{}, not a regular file: not opened", file_type_name(ft)),
                    );
                }
                continue;
            }
            if self.files.len() >= self.limits.files {
                if !std::mem::replace(&mut self.files_full, true) {
                    let limit = self.limits.files;
                    self.skip(
                        join(prefix, ""),
                        format!("more than {limit} files: the rest are not read (raise with --max-files)"),
                    );
                }
                continue;
            }
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            let file_name = entry.file_name().to_string_lossy();
            let sniffed = match sniff::sniff_file(entry.path(), &file_name) {
                Ok(s) => s,
                Err(err) => {
                    self.skip(rel, format!("cannot read: {err}"));
                    continue;
                }
            };
            if let Some(kind) = sniffed.archive {
                if depth >= self.limits.nesting {
                    let limit = self.limits.nesting;
                    self.skip(
                        rel,
                        format!("archive nested deeper than {limit} levels, not opened (raise with --max-nesting)"),
                    );
                    continue;
                }
                let target = self.new_extract_dir(dir)?;
                self.extract(entry.path(), kind, &rel, &target);
                self.collect_dir(&target, &rel, depth + 1)?;
                continue;
            }
            self.files.push(BundleFile {
                path: rel,
                kind: None,
                format: FileFormat::Log,
                size,
                gzip: sniffed.gzip,
                text: sniffed.text,
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
