//! Writing a file the user named (`analyze -o`, the files of `rule new`): never over one of
//! the run's inputs, never through a symbolic link, and atomically, so a failed write leaves
//! the old file as it was.
//!
//! In: the target path, the bytes and the inputs it must not touch (the bundle, the
//! `--description` file, the knowledge base). Out: the file, or an [`OutputError`] naming the
//! target and the reason. The rules are documented in `docs/security.md`.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a file was not written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OutputError {
    /// The target is one of the inputs, or inside one (a bundle folder).
    #[error("{target}: refusing to write over an input ({input}); choose another output path")]
    Input {
        /// The target as given.
        target: String,
        /// The input it resolves to or into.
        input: String,
    },
    /// The target is a symbolic link: casebook does not write through links.
    #[error("{target}: is a symbolic link; refusing to write through it (remove the link or name the file it points to)")]
    Symlink {
        /// The target as given.
        target: String,
    },
    /// The target exists and the command only creates files.
    #[error("{target}: exists already")]
    Exists {
        /// The target as given.
        target: String,
    },
    /// Reading, creating or renaming failed.
    #[error("{path}: cannot write: {source}")]
    Io {
        /// The path that failed.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `bytes` to `target`, replacing it, unless it is (or is inside) one of `inputs` or is
/// a symbolic link. The bytes go to a temporary file beside the target, which is then renamed
/// over it: a reader sees the old file or the new one, never half of one. An existing target
/// keeps its permissions; a new one is readable by its owner only (0600 on Unix), as the
/// document holds customer data.
///
/// A target that is (or links to) something other than a regular file, such as `/dev/null`,
/// `/dev/stdout` or a FIFO, is written in place: renaming over it would replace the device.
pub(crate) fn write_replacing(target: &Path, bytes: &[u8], inputs: &[&Path]) -> Result<(), OutputError> {
    if is_special(target) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(target)
            .and_then(|mut f| f.write_all(bytes))
            .map_err(io(target));
    }
    check_target(target, inputs)?;
    write_atomically(target, bytes, false)
}

/// Whether `target` exists and resolves to something that is neither a regular file nor a
/// folder (a device, a FIFO, a socket, a terminal).
fn is_special(target: &Path) -> bool {
    std::fs::metadata(target).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Writes `bytes` to a new file `target` (a scaffold): refuses when anything, a dangling link
/// included, is there already.
pub(crate) fn write_new(target: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    if std::fs::symlink_metadata(target).is_ok() {
        return Err(OutputError::Exists {
            target: target.display().to_string(),
        });
    }
    write_atomically(target, bytes, true)
}

/// Refuses a target that is a link, or that resolves to an input or into an input folder.
fn check_target(target: &Path, inputs: &[&Path]) -> Result<(), OutputError> {
    let shown = || target.display().to_string();
    let existing = std::fs::symlink_metadata(target).ok();
    if existing.as_ref().is_some_and(|m| m.file_type().is_symlink()) {
        return Err(OutputError::Symlink { target: shown() });
    }
    let resolved = resolve(target).map_err(io(target))?;
    for input in inputs {
        let Ok(input_resolved) = std::fs::canonicalize(input) else {
            continue;
        };
        let same_file = existing
            .as_ref()
            .zip(std::fs::metadata(input).ok())
            .is_some_and(|(a, b)| same_inode(a, &b));
        if resolved == input_resolved || resolved.starts_with(&input_resolved) || same_file {
            return Err(OutputError::Input {
                target: shown(),
                input: input.display().to_string(),
            });
        }
    }
    Ok(())
}

/// The target's real path: its parent folder resolved (links and `..` included), then its name.
fn resolve(target: &Path) -> std::io::Result<PathBuf> {
    let name = target
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "names a folder, not a file"))?;
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Ok(std::fs::canonicalize(parent)?.join(name))
}

#[cfg(unix)]
fn same_inode(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_inode(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// Temp file beside `target`, written, synced, then renamed over it (or, for `new`, linked
/// into place only if nothing is there).
fn write_atomically(target: &Path, bytes: &[u8], new: bool) -> Result<(), OutputError> {
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".casebook-")
        .suffix(".tmp")
        .tempfile_in(parent)
        .map_err(io(parent))?;
    if let Ok(meta) = std::fs::metadata(target) {
        // Best effort: a mode that cannot be copied leaves the private default.
        let _ = std::fs::set_permissions(temp.path(), meta.permissions());
    }
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(io(target))?;
    let persisted = if new {
        temp.persist_noclobber(target)
    } else {
        temp.persist(target)
    };
    persisted.map_err(|e| {
        if new && e.error.kind() == std::io::ErrorKind::AlreadyExists {
            OutputError::Exists {
                target: target.display().to_string(),
            }
        } else {
            io(target)(e.error)
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_a_file_and_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("case.md");
        std::fs::write(&target, "old").unwrap();
        write_replacing(&target, b"new", &[]).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left beside it");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_in_place_not_replaced() {
        write_replacing(Path::new("/dev/null"), b"x", &[]).unwrap();
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(!meta.is_file(), "/dev/null is still a device");
    }

    #[test]
    fn refuses_inputs_files_inside_them_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = dir.path().join("bundle");
        std::fs::create_dir(&bundle).unwrap();
        std::fs::write(bundle.join("a.log"), "log").unwrap();
        std::fs::create_dir(bundle.join("sub")).unwrap();
        let inside = bundle.join("sub/../a.log");
        assert!(matches!(
            write_replacing(&inside, b"x", &[&bundle]),
            Err(OutputError::Input { .. })
        ));
        assert!(matches!(
            write_replacing(&bundle.join("new.md"), b"x", &[&bundle]),
            Err(OutputError::Input { .. })
        ));
        assert_eq!(std::fs::read_to_string(bundle.join("a.log")).unwrap(), "log");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.md");
            std::os::unix::fs::symlink(dir.path().join("elsewhere"), &link).unwrap();
            assert!(matches!(
                write_replacing(&link, b"x", &[]),
                Err(OutputError::Symlink { .. })
            ));
            assert!(!dir.path().join("elsewhere").exists());
            assert!(matches!(write_new(&link, b"x"), Err(OutputError::Exists { .. })));
        }
    }
}
