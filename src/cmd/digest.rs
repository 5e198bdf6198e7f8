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
pub fn run(args: &DigestArgs) -> Result<u8, Failure> {
    let opts = DigestOptions::default();
    let path = &args.input;
    if path.as_os_str() == "-" {
        let stdin = std::io::stdin().lock();
        return one_log("<stdin>", stdin, args, &opts);
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
        let file = plain_file(path, meta.len());
        let reader = open_stream(&file).map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
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
        files = vec![plain_file(path, meta.len())];
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
        let digest = open_stream(file)
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

/// Prints the digests (text or JSON), secrets masked, and with `--redact` addresses and host
/// names replaced, by the same [`Redactor`] as the case document.
fn write_digests(digests: &[(String, FileDigest)], args: &DigestArgs) -> Result<u8, Failure> {
    let mut redactor = if args.redact {
        Redactor::with_tokens(&BTreeSet::new())
    } else {
        Redactor::secrets_only()
    };
    let text = if args.json {
        let mut list: Vec<serde_json::Value> = digests
            .iter()
            .map(|(path, d)| serde_json::json!({ "file": path, "digest": d }))
            .collect();
        redactor.redact(&mut list);
        serde_json::to_string_pretty(&list).expect("digest serialises") + "\n"
    } else {
        let mut parts: Vec<String> = digests.iter().map(|(path, d)| render_text(path, d)).collect();
        redactor.redact(&mut parts);
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

fn plain_file(path: &Path, size: u64) -> BundleFile {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    BundleFile {
        gzip: name.ends_with(".gz"),
        path: name,
        kind: None,
        format: FileFormat::Log,
        size,
        previous: false,
        detector: String::new(),
        unused: None,
        disk_path: path.to_path_buf(),
    }
}
