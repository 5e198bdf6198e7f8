//! `casebook digest`: templates, storms and the tail loop of one log, or of every log of a
//! bundle; `--per-line` prints each line's template for evaluation.

use std::io::{BufReader, Write};
use std::path::Path;

use super::{exit, load_kb, Failure};
use crate::bundle::{open_stream, Bundle, BundleFile};
use crate::cli::DigestArgs;
use crate::digest::{digest_reader, render_text, write_per_line, DigestOptions, FileDigest};
use crate::kb::FileFormat;

/// Runs the digest.
pub fn run(args: &DigestArgs) -> Result<u8, Failure> {
    let opts = DigestOptions::default();
    let path = &args.input;
    let meta = std::fs::metadata(path).map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
    // A directory or an archive is a bundle; anything else (a file, a pipe such as
    // `/dev/stdin`) is one log.
    let single = !meta.is_dir() && !is_archive(path);
    if args.per_line {
        if !single {
            return Err(Failure::input(format!(
                "{}: --per-line takes one log file, not a bundle",
                path.display()
            )));
        }
        let file = plain_file(path)?;
        let reader = open_capped(&file, args.max_input_bytes)
            .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
        let out = std::io::stdout().lock();
        write_per_line(BufReader::with_capacity(1 << 20, reader), out, &opts)
            .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
        return Ok(exit::OK);
    }
    let files: Vec<BundleFile>;
    let _bundle;
    if single {
        files = vec![plain_file(path)?];
    } else {
        let kb = load_kb(&args.kb)?;
        let bundle = Bundle::open(path, &kb.kinds).map_err(|e| Failure::input(e.to_string()))?;
        // Files no kind glob matches (notes, images) are not logs.
        files = bundle
            .files
            .iter()
            .filter(|f| f.format == FileFormat::Log && f.kind.is_some() && f.unused.is_none())
            .cloned()
            .collect();
        for s in &bundle.skipped {
            eprintln!("casebook: skipped {}: {}", s.path, s.reason);
        }
        if files.is_empty() {
            return Err(Failure::input(format!(
                "{}: no log file of a kind the knowledge base knows (kb/kinds.yaml)",
                path.display()
            )));
        }
        _bundle = bundle;
    }
    let mut digests: Vec<(String, FileDigest)> = Vec::new();
    for file in &files {
        let digest = open_capped(file, args.max_input_bytes)
            .and_then(|r| digest_reader(BufReader::with_capacity(1 << 20, r), &opts))
            .map_err(|e| Failure::input(format!("{}: {e}", file.path)))?;
        digests.push((file.path.clone(), digest));
    }
    let mut out = std::io::stdout().lock();
    let text = if args.json {
        let list: Vec<serde_json::Value> = digests
            .iter()
            .map(|(path, d)| serde_json::json!({ "file": path, "digest": d }))
            .collect();
        serde_json::to_string_pretty(&list).expect("digest serialises") + "\n"
    } else {
        digests
            .iter()
            .map(|(path, d)| render_text(path, d))
            .collect::<Vec<_>>()
            .join("\n")
    };
    out.write_all(text.as_bytes())
        .map_err(|e| Failure::input(format!("cannot write: {e}")))?;
    Ok(exit::OK)
}

fn is_archive(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    [".tar.gz", ".tgz", ".tar", ".zip"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

fn plain_file(path: &Path) -> Result<BundleFile, Failure> {
    Bundle::single_file(path).map_err(|e| Failure::input(format!("{}: {e}", path.display())))
}

/// A reader that fails once more than `limit` bytes came through: a device or pipe that never
/// ends (`/dev/zero`) stops with an error instead of running forever.
struct Limited<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: std::io::Read> std::io::Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(std::io::Error::other(format!(
                "more than {} bytes: not a regular file and larger than the input limit (raise with --max-input-bytes)",
                self.limit
            )));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// The log's stream; capped at `limit` bytes unless it is a regular file (whose size is known).
fn open_capped(file: &BundleFile, limit: u64) -> std::io::Result<Box<dyn std::io::Read + Send>> {
    let stream = open_stream(file)?;
    let regular = std::fs::metadata(&file.disk_path).is_ok_and(|m| m.is_file());
    Ok(if regular {
        stream
    } else {
        Box::new(Limited {
            inner: stream,
            left: limit,
            limit,
        })
    })
}
