//! Safe extraction of `.tar.gz`, `.tgz`, `.tar` and `.zip` archives into a private directory.
//!
//! Only regular files are written, and only at paths that stay inside the target directory:
//! absolute paths, `..` components, links and devices are refused and reported. A corrupt or
//! truncated member is reported and whatever could be read of it is kept; the members after it
//! are still extracted where the format allows (zip), and the error is named where it does not
//! (a tar stream cannot be resynchronised).

use std::fs::File;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use super::Skipped;

/// Archive formats casebook opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// gzip-compressed tar.
    TarGz,
    /// plain tar.
    Tar,
    /// zip.
    Zip,
}

impl ArchiveKind {
    /// The archive format a file name says, if any (`x.log.gz` is a compressed log, not an archive).
    pub fn of(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
            Some(ArchiveKind::TarGz)
        } else if lower.ends_with(".tar") {
            Some(ArchiveKind::Tar)
        } else if lower.ends_with(".zip") {
            Some(ArchiveKind::Zip)
        } else {
            None
        }
    }
}

/// Extracts `archive` (shown to the user as `shown`) into `target`, recording what was refused
/// or could not be read in `skipped`.
pub fn extract(archive: &Path, shown: &str, target: &Path, skipped: &mut Vec<Skipped>) {
    let Some(kind) = ArchiveKind::of(shown) else {
        return;
    };
    if let Err(err) = std::fs::create_dir_all(target) {
        skipped.push(skip(shown, format!("cannot create extraction directory: {err}")));
        return;
    }
    let file = match File::open(archive) {
        Ok(f) => f,
        Err(err) => {
            skipped.push(skip(shown, format!("cannot open archive: {err}")));
            return;
        }
    };
    match kind {
        ArchiveKind::TarGz => extract_tar(flate2::read::MultiGzDecoder::new(file), shown, target, skipped),
        ArchiveKind::Tar => extract_tar(file, shown, target, skipped),
        ArchiveKind::Zip => extract_zip(file, shown, target, skipped),
    }
}

fn skip(path: &str, reason: impl Into<String>) -> Skipped {
    Skipped {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

/// Turns an archive member name into a relative path that cannot leave the target.
fn safe_relative(name: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in name.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

fn member_path(archive: &str, rel: &Path) -> String {
    format!("{archive}/{}", rel.to_string_lossy().replace('\\', "/"))
}

/// Writes one member's bytes; keeps what was read when the member is truncated or corrupt.
fn write_member(reader: &mut dyn Read, dest: &Path) -> io::Result<u64> {
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut out = File::create(dest)?;
    io::copy(reader, &mut out)
}

fn extract_tar<R: Read>(reader: R, shown: &str, target: &Path, skipped: &mut Vec<Skipped>) {
    let mut archive = tar::Archive::new(reader);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(err) => {
            skipped.push(skip(shown, format!("not a readable tar archive: {err}")));
            return;
        }
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(err) => {
                skipped.push(skip(
                    shown,
                    format!("archive is corrupt or truncated; members after this point are lost: {err}"),
                ));
                return;
            }
        };
        let raw = entry.path().map(|p| p.into_owned()).unwrap_or_default();
        let kind = entry.header().entry_type();
        if kind.is_dir()
            || kind.is_pax_global_extensions()
            || kind.is_pax_local_extensions()
            || kind.is_gnu_longname()
        {
            continue;
        }
        let Some(rel) = safe_relative(&raw) else {
            skipped.push(skip(
                &format!("{shown}/{}", raw.display()),
                "member path leaves the archive; not extracted",
            ));
            continue;
        };
        let shown_member = member_path(shown, &rel);
        if !kind.is_file() {
            let what = if kind.is_symlink() || kind.is_hard_link() {
                "link"
            } else {
                "special file"
            };
            skipped.push(skip(&shown_member, format!("{what} in archive, not followed")));
            continue;
        }
        let expected = entry.header().size().unwrap_or(0);
        match write_member(&mut entry, &target.join(&rel)) {
            Ok(n) if n < expected => skipped.push(skip(
                &shown_member,
                format!("truncated: {n} of {expected} bytes read"),
            )),
            Ok(_) => {}
            Err(err) => {
                skipped.push(skip(
                    &shown_member,
                    format!("corrupt member, kept what could be read: {err}"),
                ));
                // The tar stream is now out of step; what follows cannot be trusted.
                skipped.push(skip(
                    shown,
                    "archive is corrupt; members after this point are lost",
                ));
                return;
            }
        }
    }
}

fn extract_zip(file: File, shown: &str, target: &Path, skipped: &mut Vec<Skipped>) {
    let mut archive = match zip::ZipArchive::new(file) {
        Ok(a) => a,
        Err(err) => {
            skipped.push(skip(shown, format!("not a readable zip archive: {err}")));
            return;
        }
    };
    for index in 0..archive.len() {
        let mut member = match archive.by_index(index) {
            Ok(m) => m,
            Err(err) => {
                skipped.push(skip(shown, format!("member #{index} unreadable: {err}")));
                continue;
            }
        };
        if member.is_dir() {
            continue;
        }
        let Some(rel) = member.enclosed_name() else {
            skipped.push(skip(
                &format!("{shown}/{}", member.name()),
                "member path leaves the archive; not extracted",
            ));
            continue;
        };
        let shown_member = member_path(shown, &rel);
        let is_link = member.unix_mode().is_some_and(|m| m & 0o170000 == 0o120000);
        if is_link || member.is_symlink() {
            skipped.push(skip(&shown_member, "link in archive, not followed"));
            continue;
        }
        if let Err(err) = write_member(&mut member, &target.join(&rel)) {
            skipped.push(skip(
                &shown_member,
                format!("corrupt member, kept what could be read: {err}"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_leave_the_target() {
        assert_eq!(
            safe_relative(Path::new("a/b.log")),
            Some(PathBuf::from("a/b.log"))
        );
        assert_eq!(
            safe_relative(Path::new("./a/./b.log")),
            Some(PathBuf::from("a/b.log"))
        );
        assert_eq!(safe_relative(Path::new("../etc/passwd")), None);
        assert_eq!(safe_relative(Path::new("a/../../x")), None);
        assert_eq!(safe_relative(Path::new("/etc/passwd")), None);
    }

    #[test]
    fn archive_kinds_by_name() {
        assert_eq!(ArchiveKind::of("nvlogs.tar.gz"), Some(ArchiveKind::TarGz));
        assert_eq!(ArchiveKind::of("X.TGZ"), Some(ArchiveKind::TarGz));
        assert_eq!(ArchiveKind::of("b.zip"), Some(ArchiveKind::Zip));
        assert_eq!(ArchiveKind::of("ctl.log.gz"), None);
    }
}
