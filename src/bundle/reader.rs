//! Opens a bundle file as a byte stream, decompressing `.gz` on the fly.

use std::fs::File;
use std::io::{self, Read};

use super::BundleFile;

/// A reader over the file's content (decompressed when the file is gzip).
pub fn open_stream(file: &BundleFile) -> io::Result<Box<dyn Read + Send>> {
    let raw = File::open(&file.disk_path)?;
    if file.gzip {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(256 * 1024, raw),
        )))
    } else {
        Ok(Box::new(raw))
    }
}
