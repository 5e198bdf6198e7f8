//! Opens a bundle file as a byte stream of UTF-8 lines: `.gz` decompressed on the fly, UTF-16
//! transcoded, lone-CR line ends turned into LF.

use std::fs::File;
use std::io::{self, Read};

use super::sniff::TextForm;
use super::BundleFile;

/// A reader over the file's content (decompressed when the file is gzip, decoded as
/// [`BundleFile::text`] says).
pub fn open_stream(file: &BundleFile) -> io::Result<Box<dyn Read + Send>> {
    let raw = File::open(&file.disk_path)?;
    if file.gzip {
        Ok(decode_text(
            file.text,
            flate2::read::MultiGzDecoder::new(io::BufReader::with_capacity(256 * 1024, raw)),
        ))
    } else {
        Ok(decode_text(file.text, raw))
    }
}

/// Wraps `inner` so it yields UTF-8 text with LF line ends.
pub fn decode_text<'a, R: Read + Send + 'a>(form: TextForm, inner: R) -> Box<dyn Read + Send + 'a> {
    match form {
        TextForm::Utf8 => Box::new(inner),
        TextForm::CrLines => Box::new(CrLines { inner, pending: None }),
        TextForm::Utf16Le => Box::new(Utf16::new(inner, false)),
        TextForm::Utf16Be => Box::new(Utf16::new(inner, true)),
    }
}

/// Turns every CR not followed by LF into LF, byte for byte (offsets do not move).
struct CrLines<R> {
    inner: R,
    /// A byte read ahead to decide a CR at the end of the last read.
    pending: Option<u8>,
}

impl<R: Read> Read for CrLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut n = 0;
        if let Some(b) = self.pending.take() {
            buf[0] = b;
            n = 1;
        }
        if n < buf.len() {
            n += self.inner.read(&mut buf[n..])?;
        }
        if n == 0 {
            return Ok(0);
        }
        for i in 0..n - 1 {
            if buf[i] == b'\r' && buf[i + 1] != b'\n' {
                buf[i] = b'\n';
            }
        }
        if buf[n - 1] == b'\r' {
            let mut next = [0u8; 1];
            let got = loop {
                match self.inner.read(&mut next) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other?,
                }
            };
            if got == 0 || next[0] != b'\n' {
                buf[n - 1] = b'\n';
            }
            if got == 1 {
                self.pending = Some(next[0]);
            }
        }
        Ok(n)
    }
}

/// Transcodes UTF-16 to UTF-8 (invalid units become U+FFFD; a leading byte-order mark is
/// dropped).
struct Utf16<R> {
    inner: R,
    big_endian: bool,
    /// Bytes read and not yet decoded (an odd byte, a high surrogate waiting for its pair).
    raw: Vec<u8>,
    /// Decoded UTF-8 not yet handed out.
    out: Vec<u8>,
    out_pos: usize,
    started: bool,
    eof: bool,
}

impl<R: Read> Utf16<R> {
    fn new(inner: R, big_endian: bool) -> Self {
        Utf16 {
            inner,
            big_endian,
            raw: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            started: false,
            eof: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 64 * 1024];
        let n = loop {
            match self.inner.read(&mut chunk) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        if n == 0 {
            self.eof = true;
        }
        self.raw.extend_from_slice(&chunk[..n]);
        let mut units: Vec<u16> = self
            .raw
            .chunks_exact(2)
            .map(|p| {
                let pair = [p[0], p[1]];
                if self.big_endian {
                    u16::from_be_bytes(pair)
                } else {
                    u16::from_le_bytes(pair)
                }
            })
            .collect();
        let mut keep = self.raw.len() % 2;
        if !self.eof && units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)) {
            units.pop();
            keep += 2;
        }
        if self.eof {
            keep = 0;
        }
        self.raw.drain(..self.raw.len() - keep);
        self.out.clear();
        self.out_pos = 0;
        let mut first = !self.started;
        self.started |= !units.is_empty();
        for c in char::decode_utf16(units) {
            let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
            if std::mem::take(&mut first) && c == '\u{feff}' {
                continue;
            }
            let mut utf8 = [0u8; 4];
            self.out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        }
        Ok(())
    }
}

impl<R: Read> Read for Utf16<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos == self.out.len() {
            if self.eof {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(form: TextForm, bytes: &[u8], chunk: usize) -> String {
        // A reader that hands out `chunk` bytes at a time, to cross every boundary.
        struct Slow<'a>(&'a [u8], usize);
        impl Read for Slow<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.1.min(buf.len()).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = Vec::new();
        let mut r = decode_text(form, Slow(bytes, chunk));
        let mut buf = [0u8; 3];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn utf16_becomes_utf8() {
        let text = "\u{feff}one ünï 😀\r\ntwo\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        for chunk in [1, 3, 1000] {
            assert_eq!(read_all(TextForm::Utf16Le, &le, chunk), "one ünï 😀\r\ntwo\n");
            assert_eq!(read_all(TextForm::Utf16Be, &be, chunk), "one ünï 😀\r\ntwo\n");
        }
    }

    #[test]
    fn lone_cr_ends_a_line() {
        for chunk in [1, 2, 1000] {
            assert_eq!(read_all(TextForm::CrLines, b"a\rb\r\nc\r", chunk), "a\nb\r\nc\n");
            assert_eq!(read_all(TextForm::CrLines, b"\r\r", chunk), "\n\n");
        }
    }
}
