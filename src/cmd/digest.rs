//! `casebook digest`: templates, storms and the tail loop of one log (`-` for standard input),
//! or of every log of a bundle; `--per-line` prints each line's template for evaluation.
//! Secrets are masked as in `analyze` (`--redact` also replaces addresses and host names); a
//! reader that closes the pipe early (`| head`) ends the run quietly.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::path::Path;

use super::{exit, load_kb, Failure};
use crate::bundle::{open_stream, Bundle, BundleFile};
use crate::cli::DigestArgs;
use crate::digest::{digest_reader, render_text, write_per_line, DigestOptions, FileDigest};
use crate::kb::FileFormat;
use crate::redact::Redactor;
use crate::render::printable;

/// Runs the digest.
pub(super) fn run(args: &DigestArgs) -> Result<u8, Failure> {
    let opts = DigestOptions::default();
    let path = &args.input;
    if path.as_os_str() == "-" {
        // Standard input is a pipe: capped like any input that is not a regular file.
        let stdin = Limited {
            inner: std::io::stdin().lock(),
            left: args.max_input_bytes,
            limit: args.max_input_bytes,
        };
        return one_log("<stdin>", BufReader::with_capacity(1 << 20, stdin), args, &opts);
    }
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
        return one_log(
            &path.display().to_string(),
            BufReader::with_capacity(1 << 20, reader),
            args,
            &opts,
        );
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
            eprintln!(
                "casebook: skipped {}: {}",
                printable(&s.path),
                printable(&s.reason)
            );
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
    write_digests(&digests, args)
}

/// Digests one log read from `reader` (`--per-line` or the report).
fn one_log(name: &str, reader: impl BufRead, args: &DigestArgs, opts: &DigestOptions) -> Result<u8, Failure> {
    if args.per_line {
        let out = std::io::stdout().lock();
        return match write_per_line(reader, out, opts) {
            Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(exit::OK),
            Err(e) => Err(Failure::input(format!("{name}: {e}"))),
            Ok(()) => Ok(exit::OK),
        };
    }
    let digest = digest_reader(reader, opts).map_err(|e| Failure::input(format!("{name}: {e}")))?;
    write_digests(&[(name.to_string(), digest)], args)
}

/// Prints the digests (text or JSON). Their secrets were masked as each line was mined, by
/// the rules the case document uses; the file names are masked here, and with `--redact`
/// addresses and host names are replaced by the same [`Redactor`] as the case document's.
fn write_digests(digests: &[(String, FileDigest)], args: &DigestArgs) -> Result<u8, Failure> {
    let mut redactor = args
        .redact
        .then(|| Redactor::with_tokens(&BTreeSet::new()).without_secrets());
    let name = |path: &str| crate::redact::mask_secrets(path).into_owned();
    let text = if args.json {
        let mut list: Vec<serde_json::Value> = digests
            .iter()
            .map(|(path, d)| serde_json::json!({ "file": name(path), "digest": d }))
            .collect();
        if let Some(r) = &mut redactor {
            r.redact(&mut list);
        }
        serde_json::to_string_pretty(&list).expect("digest serialises") + "\n"
    } else {
        let mut parts: Vec<String> = digests
            .iter()
            .map(|(path, d)| render_text(&name(path), d))
            .collect();
        if let Some(r) = &mut redactor {
            r.redact(&mut parts);
        }
        parts.join("\n")
    };
    // Text is for a terminal: lines and file names from the bundle carry no live escapes
    // (JSON escapes control characters itself).
    let text = printable(&text);
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(exit::OK),
        Err(e) => Err(Failure::input(format!("cannot write: {e}"))),
        Ok(()) => Ok(exit::OK),
    }
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
