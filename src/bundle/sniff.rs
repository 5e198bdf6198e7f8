//! What a file is by its first bytes, not its name: a gzip stream (holding a tar or a log), a
//! zip, a tar, and how its text is encoded (UTF-8, UTF-16 with or without a byte-order mark,
//! lines ended by a lone CR). The name decides only when the bytes say nothing.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::archive::ArchiveKind;

/// Bytes of a file (or of its decompressed stream) looked at.
const HEAD: usize = 64 * 1024;

/// How a text file's bytes become lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TextForm {
    /// UTF-8 (or ASCII, or anything else read as bytes), lines ended by LF or CRLF.
    #[default]
    Utf8,
    /// Lines ended by a lone CR (classic Mac, some device consoles).
    CrLines,
    /// UTF-16, little-endian.
    Utf16Le,
    /// UTF-16, big-endian.
    Utf16Be,
}

/// What the head of a file says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sniffed {
    /// An archive to extract.
    pub archive: Option<ArchiveKind>,
    /// A gzip stream to decompress as it is read.
    pub gzip: bool,
    /// How its (decompressed) text is encoded.
    pub text: TextForm,
}

/// Reads the head of the regular file at `path` (named `name` in the bundle) and decides.
pub(crate) fn sniff_file(path: &Path, name: &str) -> io::Result<Sniffed> {
    let mut head = Vec::with_capacity(HEAD);
    File::open(path)?.take(HEAD as u64).read_to_end(&mut head)?;
    Ok(sniff_head(&head, name))
}

/// Decides from a file's first bytes; `name` breaks the tie when they say nothing (an empty
/// or corrupt archive is still reported as one).
pub(crate) fn sniff_head(head: &[u8], name: &str) -> Sniffed {
    let by_name = ArchiveKind::of(name);
    let plain = |text| Sniffed {
        archive: None,
        gzip: false,
        text,
    };
    if head.starts_with(&[0x1f, 0x8b]) {
        let inner = gunzip_head(head);
        // A tar header, or an empty or garbled stream under a tar's name (reported as corrupt).
        let tar_named = by_name == Some(ArchiveKind::TarGz) || by_name == Some(ArchiveKind::Tar);
        if is_tar(&inner) || (tar_named && !looks_like_text(&inner)) {
            return Sniffed {
                archive: Some(ArchiveKind::TarGz),
                gzip: false,
                text: TextForm::Utf8,
            };
        }
        return Sniffed {
            archive: None,
            gzip: true,
            text: text_form(&inner),
        };
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Sniffed {
            archive: Some(ArchiveKind::Zip),
            gzip: false,
            text: TextForm::Utf8,
        };
    }
    if is_tar(head) {
        return Sniffed {
            archive: Some(ArchiveKind::Tar),
            gzip: false,
            text: TextForm::Utf8,
        };
    }
    match by_name {
        // Bytes that are no archive under an archive's name: a corrupt archive to report, unless
        // they are plainly text (a log saved under the wrong name).
        Some(kind) if !looks_like_text(head) => Sniffed {
            archive: Some(kind),
            gzip: false,
            text: TextForm::Utf8,
        },
        _ => plain(text_form(head)),
    }
}

/// The start of a gzip stream's content, as much as the head holds (a truncated stream gives
/// what could be decompressed).
fn gunzip_head(head: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = flate2::read::MultiGzDecoder::new(head)
        .take(HEAD as u64)
        .read_to_end(&mut out);
    out
}

/// A POSIX (`ustar`) or GNU tar header.
fn is_tar(head: &[u8]) -> bool {
    head.get(257..262) == Some(b"ustar")
}

/// UTF-8 (a character cut at the end of the head allowed) with hardly any control bytes.
fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() || text_form(head) != TextForm::Utf8 {
        return false;
    }
    if std::str::from_utf8(head).is_err_and(|e| e.error_len().is_some()) {
        return false;
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
        .count();
    control * 100 <= head.len()
}

/// The text encoding the head shows: a UTF-16 byte-order mark, or ASCII with every other byte
/// NUL; lone CRs and no LF mean CR-ended lines.
pub(crate) fn text_form(head: &[u8]) -> TextForm {
    if head.starts_with(&[0xff, 0xfe]) {
        return TextForm::Utf16Le;
    }
    if head.starts_with(&[0xfe, 0xff]) {
        return TextForm::Utf16Be;
    }
    let pairs = head.len().min(4096) / 2;
    if pairs >= 4 {
        let sample = &head[..pairs * 2];
        let zero_at = |odd: usize| sample.chunks_exact(2).filter(|p| p[odd] == 0).count();
        let (even_zero, odd_zero) = (zero_at(0), zero_at(1));
        // Nine in ten code units ASCII, and the other byte of each never NUL.
        if odd_zero * 10 >= pairs * 9 && even_zero * 10 <= pairs {
            return TextForm::Utf16Le;
        }
        if even_zero * 10 >= pairs * 9 && odd_zero * 10 <= pairs {
            return TextForm::Utf16Be;
        }
    }
    if memchr::memchr(b'\n', head).is_none() && memchr::memchr(b'\r', head).is_some() {
        return TextForm::CrLines;
    }
    TextForm::Utf8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gz(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn tar_bytes() -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        h.set_cksum();
        b.append_data(&mut h, "a.log", &b"abc"[..]).unwrap();
        b.into_inner().unwrap()
    }

    #[test]
    fn content_decides_over_the_name() {
        let zip = b"PK\x03\x04rest";
        assert_eq!(sniff_head(zip, "x.tar.gz").archive, Some(ArchiveKind::Zip));
        assert_eq!(
            sniff_head(&gz(&tar_bytes()), "x.zip").archive,
            Some(ArchiveKind::TarGz)
        );
        assert_eq!(sniff_head(&tar_bytes(), "x.log").archive, Some(ArchiveKind::Tar));
        let log = sniff_head(b"2024-01-01 hello\n", "ctl.log.gz");
        assert_eq!((log.archive, log.gzip), (None, false));
        let gzlog = sniff_head(&gz(b"hello\n"), "ctl.log");
        assert_eq!((gzlog.archive, gzlog.gzip), (None, true));
        // Garbage under an archive's name is still an archive (reported as corrupt).
        assert_eq!(
            sniff_head(&[0x00, 0x01, 0x02], "x.zip").archive,
            Some(ArchiveKind::Zip)
        );
    }

    #[test]
    fn encodings() {
        assert_eq!(text_form(b"\xff\xfea\0b\0"), TextForm::Utf16Le);
        assert_eq!(text_form(b"\xfe\xff\0a\0b"), TextForm::Utf16Be);
        let le: Vec<u8> = "hello world\r\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(text_form(&le), TextForm::Utf16Le);
        let be: Vec<u8> = "hello world\r\n"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        assert_eq!(text_form(&be), TextForm::Utf16Be);
        assert_eq!(text_form(b"a\rb\rc\r"), TextForm::CrLines);
        assert_eq!(text_form(b"a\r\nb\r\n"), TextForm::Utf8);
        assert_eq!(text_form(b"a\0b\0c\0\0\0\0\x01\x02"), TextForm::Utf8);
    }
}
