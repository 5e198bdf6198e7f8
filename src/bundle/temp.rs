//! The private temporary directories archives are extracted into (and `rule test` writes its
//! fixture bundles into): mode 0700, removed when dropped, and listed in a process-wide
//! registry so a SIGINT or SIGTERM handler (`cmd`) can remove them before the process exits.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Extraction directories alive in this process.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// One bundle's extraction directory.
#[derive(Debug)]
pub(crate) struct ExtractDir {
    dir: tempfile::TempDir,
}

impl ExtractDir {
    /// Creates `casebook-XXXXXX` in the system temp dir, readable by the current user only.
    pub(crate) fn new() -> io::Result<Self> {
        ExtractDir::with_prefix("casebook-")
    }

    /// Creates `<prefix>XXXXXX` in the system temp dir, readable by the current user only.
    pub(crate) fn with_prefix(prefix: &str) -> io::Result<Self> {
        let mut builder = tempfile::Builder::new();
        builder.prefix(prefix);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o700));
        }
        let dir = builder.tempdir()?;
        lock().push(dir.path().to_path_buf());
        Ok(ExtractDir { dir })
    }

    /// Where it is.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for ExtractDir {
    fn drop(&mut self) {
        lock().retain(|p| p != self.dir.path());
    }
}

fn lock() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Removes every extraction directory still alive (for a signal handler about to exit).
pub fn remove_all_extracted() {
    for dir in lock().drain(..) {
        let _ = std::fs::remove_dir_all(dir);
    }
}
