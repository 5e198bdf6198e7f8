//! Safe extraction of `.tar.gz`, `.tgz`, `.tar` and `.zip` archives into a private directory
//! (0700, files 0600).
//!
//! Only regular files are written, and only at paths that stay inside the target directory:
//! absolute paths, `..` components, links and devices are refused and reported. A member that
//! cannot be written (a parent that is a file, a name too long) is reported and the next one is
//! read; a second member of the same name is kept beside the first (`name.2`). A corrupt or
//! truncated member is reported and whatever could be read of it is kept; the members after it
//! are still extracted where the format allows (zip), and the error is named where it does not
//! (a tar stream cannot be resynchronised). The [`BundleLimits`] bound bytes written, each
//! member's compression ratio and the members read; a limit hit is reported with its flag.

use std::cell::Cell;
use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use super::limits::{BundleLimits, RATIO_FLOOR};
use super::Skipped;

/// Archive formats casebook opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ArchiveKind {
    /// gzip-compressed tar.
    TarGz,
    /// plain tar.
    Tar,
    /// zip.
    Zip,
}

impl ArchiveKind {
    /// The archive format a file name says, if any (`x.log.gz` is a compressed log, not an archive).
    pub(super) fn of(name: &str) -> Option<Self> {
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

/// One bundle's extraction: its limits, the bytes written so far over all its archives, and
/// what was refused or cut.
pub(crate) struct Extraction<'a> {
    /// The limits.
    pub limits: &'a BundleLimits,
    /// Bytes written by every archive of the bundle so far.
    pub written: u64,
    /// What was refused, cut or could not be read.
    pub skipped: &'a mut Vec<Skipped>,
}

/// Extracts `archive` (of format `kind`, shown to the user as `shown`) into `target`.
pub(crate) fn extract(
    archive: &Path,
    kind: ArchiveKind,
    shown: &str,
    target: &Path,
    job: &mut Extraction<'_>,
) {
    if let Err(err) = private_dirs().create(target) {
        job.skipped
            .push(skip(shown, format!("cannot create extraction directory: {err}")));
        return;
    }
    let file = match File::open(archive) {
        Ok(f) => f,
        Err(err) => {
            job.skipped
                .push(skip(shown, format!("cannot open archive: {err}")));
            return;
        }
    };
    match kind {
        ArchiveKind::TarGz => {
            let compressed = Rc::new(Cell::new(0));
            let counted = Counted {
                inner: io::BufReader::new(file),
                count: compressed.clone(),
            };
            let decoded = Capped {
                inner: flate2::read::MultiGzDecoder::new(counted),
                left: job.limits.extract_bytes.saturating_add(RATIO_FLOOR),
            };
            extract_tar(decoded, Some(&compressed), shown, target, job)
        }
        ArchiveKind::Tar => extract_tar(file, None, shown, target, job),
        ArchiveKind::Zip => extract_zip(file, shown, target, job),
    }
}

/// Directories only the current user may enter.
fn private_dirs() -> DirBuilder {
    let mut b = DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b
}

/// A new file only the current user may read; never an existing one.
fn private_file(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

fn skip(path: &str, reason: impl Into<String>) -> Skipped {
    Skipped {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

/// Counts the bytes read through it (the compressed bytes under a decoder).
struct Counted<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Fails once more than `left` bytes were read: bounds what skipping over cut members of a
/// compressed tar may decompress.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other(DECOMPRESSED_CAP));
        }
        let want = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

const DECOMPRESSED_CAP: &str = "decompressed more than the extraction limit";

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

/// Why a member's bytes stopped.
enum WriteFailure {
    /// The member has no place on disk (a parent that is a file, a name too long): this member
    /// only.
    Place(io::Error),
    /// The archive stream failed while reading it: corrupt or truncated.
    Read(io::Error),
    /// The disk refused the bytes.
    Write(io::Error),
}

/// How a member's write ended.
struct Written {
    bytes: u64,
    /// Set when a limit stopped the copy: which one, with the flag that raises it.
    cut: Option<String>,
    /// The name it was written under, when a member of the same name came first.
    renamed: Option<PathBuf>,
}

/// A free path for `dest`: itself, or `dest.2`, `dest.3`, ... when a member of that name was
/// written already (a rotation-style suffix, so the copy keeps its kind).
fn free_path(dest: &Path) -> (PathBuf, bool) {
    if std::fs::symlink_metadata(dest).is_err() {
        return (dest.to_path_buf(), false);
    }
    let mut n = 2;
    loop {
        let mut name = dest.as_os_str().to_owned();
        name.push(format!(".{n}"));
        let candidate = PathBuf::from(name);
        if std::fs::symlink_metadata(&candidate).is_err() {
            return (candidate, true);
        }
        n += 1;
    }
}

/// Writes one member's bytes within the limits; keeps what was read when the member is
/// truncated or corrupt. `compressed` gives the compressed bytes this member took so far;
/// `modified`, the member's own time, is kept on the copy (yearless log times are read against
/// it).
fn write_member(
    reader: &mut dyn Read,
    dest: &Path,
    job: &mut Extraction<'_>,
    compressed: &dyn Fn() -> u64,
    modified: Option<SystemTime>,
) -> Result<Written, (WriteFailure, u64)> {
    if let Some(parent) = dest.parent() {
        private_dirs()
            .create(parent)
            .map_err(|e| (WriteFailure::Place(e), 0))?;
    }
    let (dest, renamed) = free_path(dest);
    let mut out = private_file(&dest).map_err(|e| (WriteFailure::Place(e), 0))?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    let limits = job.limits;
    loop {
        let left = limits.extract_bytes.saturating_sub(job.written);
        if left == 0 {
            return Ok(Written {
                bytes,
                cut: Some(format!(
                    "cut at {bytes} bytes: the bundle's archives reached the extraction limit of {} bytes (raise with --max-extract-bytes)",
                    limits.extract_bytes
                )),
                renamed: renamed.then_some(dest),
            });
        }
        if bytes > RATIO_FLOOR && bytes > compressed().max(1).saturating_mul(limits.ratio) {
            return Ok(Written {
                bytes,
                cut: Some(format!(
                    "cut at {bytes} bytes: it decompresses more than {} times its compressed size (a zip bomb?; raise with --max-ratio)",
                    limits.ratio
                )),
                renamed: renamed.then_some(dest),
            });
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = match reader.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err((WriteFailure::Read(e), bytes)),
        };
        out.write_all(&buf[..n])
            .map_err(|e| (WriteFailure::Write(e), bytes))?;
        bytes += n as u64;
        job.written += n as u64;
    }
    if let Some(t) = modified {
        // Best effort: a copy without its member's time is still read.
        let _ = out.set_modified(t);
    }
    Ok(Written {
        bytes,
        cut: None,
        renamed: renamed.then_some(dest),
    })
}

/// Reports what happened to one member beyond a plain, whole write.
/// Reports one member's extraction: what was written, or why it was skipped. Returns `false`
/// when the archive stream failed while reading it (corrupt or truncated).
fn record_member(
    job: &mut Extraction<'_>,
    shown_member: &str,
    target: &Path,
    written: Result<Written, (WriteFailure, u64)>,
    expected: u64,
) -> bool {
    let reason = match written {
        Ok(written) => {
            report(job, shown_member, target, &written, Some(expected));
            return true;
        }
        Err((WriteFailure::Place(err), _)) => format!("cannot be written, not read: {err}"),
        Err((WriteFailure::Write(err), n)) => {
            format!("cannot be written after {n} bytes (kept what was written): {err}")
        }
        Err((WriteFailure::Read(err), n)) => {
            job.skipped.push(skip(
                shown_member,
                format!("corrupt member, kept the {n} bytes that could be read: {err}"),
            ));
            return false;
        }
    };
    job.skipped.push(skip(shown_member, reason));
    true
}

fn report(
    job: &mut Extraction<'_>,
    shown_member: &str,
    target: &Path,
    written: &Written,
    expected: Option<u64>,
) {
    if let Some(copy) = &written.renamed {
        let name = copy
            .strip_prefix(target)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        job.skipped.push(skip(
            shown_member,
            format!("duplicate member name: this copy is read as `{name}`, the earlier one keeps the name"),
        ));
    }
    if let Some(cut) = &written.cut {
        job.skipped.push(skip(shown_member, cut.clone()));
    } else if let Some(expected) = expected.filter(|&e| written.bytes < e) {
        job.skipped.push(skip(
            shown_member,
            format!("truncated: {} of {expected} bytes read", written.bytes),
        ));
    }
}

fn too_many_members(job: &mut Extraction<'_>, shown: &str) {
    job.skipped.push(skip(
        shown,
        format!(
            "more than {} members: the rest are not read (raise with --max-members)",
            job.limits.members
        ),
    ));
}

fn extract_tar<R: Read>(
    reader: R,
    compressed: Option<&Rc<Cell<u64>>>,
    shown: &str,
    target: &Path,
    job: &mut Extraction<'_>,
) {
    let mut archive = tar::Archive::new(reader);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(err) => {
            job.skipped
                .push(skip(shown, format!("not a readable tar archive: {err}")));
            return;
        }
    };
    let mut members = 0u64;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let reason = if err.to_string().contains(DECOMPRESSED_CAP) {
                    format!(
                        "stopped after decompressing {} bytes: the extraction limit (raise with --max-extract-bytes); members after this point are not read",
                        job.limits.extract_bytes
                    )
                } else {
                    format!("archive is corrupt or truncated; members after this point are lost: {err}")
                };
                job.skipped.push(skip(shown, reason));
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
        members += 1;
        if members > job.limits.members {
            too_many_members(job, shown);
            return;
        }
        let Some(rel) = safe_relative(&raw) else {
            job.skipped.push(skip(
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
            job.skipped
                .push(skip(&shown_member, format!("{what} in archive, not followed")));
            continue;
        }
        let expected = entry.header().size().unwrap_or(0);
        let start = compressed.map_or(0, |c| c.get());
        let taken = || compressed.map_or(u64::MAX, |c| c.get() - start);
        let modified = (entry.header().mtime().ok())
            .filter(|&secs| secs > 0)
            .map(|secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
        let written = write_member(&mut entry, &target.join(&rel), job, &taken, modified);
        if !record_member(job, &shown_member, target, written, expected) {
            // The tar stream is now out of step; what follows cannot be trusted.
            job.skipped.push(skip(
                shown,
                "archive is corrupt; members after this point are lost",
            ));
            return;
        }
    }
}

fn extract_zip(file: File, shown: &str, target: &Path, job: &mut Extraction<'_>) {
    let mut archive = match zip::ZipArchive::new(file) {
        Ok(a) => a,
        Err(err) => {
            job.skipped
                .push(skip(shown, format!("not a readable zip archive: {err}")));
            return;
        }
    };
    let mut members = 0u64;
    // Byte ranges (local header to the end of the compressed data) of the members read so far,
    // by start: each with its end and its name.
    let mut spans: std::collections::BTreeMap<u64, (u64, String)> = std::collections::BTreeMap::new();
    for index in 0..archive.len() {
        let mut member = match archive.by_index(index) {
            Ok(m) => m,
            Err(err) => {
                job.skipped
                    .push(skip(shown, format!("member #{index} unreadable: {err}")));
                continue;
            }
        };
        if member.is_dir() {
            continue;
        }
        members += 1;
        if members > job.limits.members {
            too_many_members(job, shown);
            return;
        }
        let Some(rel) = member.enclosed_name() else {
            job.skipped.push(skip(
                &format!("{shown}/{}", member.name()),
                "member path leaves the archive; not extracted",
            ));
            continue;
        };
        let shown_member = member_path(shown, &rel);
        let is_link = member.unix_mode().is_some_and(|m| m & 0o170000 == 0o120000);
        if is_link || member.is_symlink() {
            job.skipped
                .push(skip(&shown_member, "link in archive, not followed"));
            continue;
        }
        let packed = member.compressed_size();
        let expected = member.size();
        // Entries that share compressed data (the overlapping-entries zip bomb: thousands of
        // central-directory entries pointing into one deflate stream) are read once.
        let span = (
            member.header_start(),
            member
                .data_start()
                .saturating_add(packed)
                .max(member.header_start() + 1),
        );
        if let Some(other) = overlapping(&spans, span) {
            job.skipped.push(skip(
                &shown_member,
                format!(
                    "its data overlaps member `{other}` (overlapping zip entries, a zip-bomb trick); not extracted"
                ),
            ));
            continue;
        }
        spans.insert(span.0, (span.1, shown_member.clone()));
        let modified = member.last_modified().and_then(zip_time);
        let written = write_member(&mut member, &target.join(&rel), job, &|| packed, modified);
        // A zip's members are read through the central directory: a corrupt one is its own loss.
        record_member(job, &shown_member, target, written, expected);
    }
}

/// The name of a member in `spans` whose byte range meets `span` (start, end exclusive).
/// A zip member's DOS time (local time, no zone; read as UTC like unzoned log times).
fn zip_time(t: zip::DateTime) -> Option<SystemTime> {
    let ts = crate::time::Timestamp::from_civil(
        i32::from(t.year()),
        u32::from(t.month()),
        u32::from(t.day()),
        u32::from(t.hour()),
        u32::from(t.minute()),
        u32::from(t.second()),
        0,
    )?;
    let millis = u64::try_from(ts.millis()).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_millis(millis))
}

fn overlapping(spans: &std::collections::BTreeMap<u64, (u64, String)>, span: (u64, u64)) -> Option<String> {
    let (start, end) = span;
    if let Some((_, (e, name))) = spans.range(..=start).next_back() {
        if *e > start {
            return Some(name.clone());
        }
    }
    spans.range(start..end).next().map(|(_, (_, name))| name.clone())
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
