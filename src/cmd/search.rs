//! `casebook search`: keywords against the cached tantivy index of the KB, or `--line` /
//! `--file` against its signatures and past-case templates.

use std::io::Write;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use super::{exit, load_kb, Failure};
use crate::cli::{KbArg, ListFormat, SearchArgs};
use crate::kb::{hex, KbOrigin, ROOTS};
use crate::search::index::{self, IndexedKb, SearchIndex};
use crate::search::line::{search_lines, LineReport};
use crate::search::{documents, search, SearchHit, SearchRequest};

/// Runs `casebook search`.
pub(super) fn run(args: &SearchArgs) -> Result<u8, Failure> {
    if let Some(line) = &args.line {
        return lines(args, &[line.as_str()]);
    }
    if let Some(path) = &args.file {
        let text = std::fs::read(path)
            .map_err(|e| Failure::input(format!("{}: cannot read: {e}", path.display())))?;
        let text = String::from_utf8_lossy(&text);
        return lines(args, &text.lines().collect::<Vec<_>>());
    }
    let ix = open_index(&args.kb, args.no_cache)?;
    let req = SearchRequest {
        text: args.query.join(" "),
        kind: args.kind,
        tag: args.tag.clone(),
        limit: args.limit,
    };
    let hits = search(&ix, &req).map_err(|e| Failure::input(format!("search failed: {e}")))?;
    let out = match args.format {
        ListFormat::Json => {
            let doc = serde_json::json!({ "kb": ix.kb, "query": req.text, "results": hits });
            serde_json::to_string_pretty(&doc).expect("results serialise") + "\n"
        }
        ListFormat::Text => render_hits(&ix.kb, &req.text, &hits),
    };
    let _ = anstream::stdout().write_all(out.as_bytes());
    Ok(exit::OK)
}

fn lines(args: &SearchArgs, lines: &[&str]) -> Result<u8, Failure> {
    let kb = load_kb(&args.kb)?;
    let report = search_lines(&kb, lines.iter().copied());
    let meta = IndexedKb {
        name: kb.manifest.name.clone(),
        version: kb.manifest.version.clone(),
        fingerprint: kb.fingerprint.clone(),
    };
    let out = match args.format {
        ListFormat::Json => {
            let doc = serde_json::json!({ "kb": meta, "report": report });
            serde_json::to_string_pretty(&doc).expect("report serialises") + "\n"
        }
        ListFormat::Text => render_lines(&meta, &report),
    };
    let _ = anstream::stdout().write_all(out.as_bytes());
    Ok(exit::OK)
}

/// The index of the KB: from the cache when it holds one for the KB's content, else built
/// (into the cache when it can be written, else in memory).
fn open_index(arg: &KbArg, no_cache: bool) -> Result<SearchIndex, Failure> {
    let origin = arg.kb.clone().map_or(KbOrigin::Embedded, KbOrigin::Dir);
    let cache = if no_cache { None } else { index::cache_dir() };
    let key = cache.as_ref().and_then(|_| quick_key(&origin));
    if let (Some(cache), Some(key)) = (&cache, &key) {
        let known = match &origin {
            KbOrigin::Embedded => Some(key.clone()),
            KbOrigin::Dir(_) => std::fs::read_to_string(key_file(cache, key)).ok(),
        };
        if let Some(ix) = known.and_then(|fp| index::open_cached(&index::index_dir(cache, fp.trim()))) {
            return Ok(ix);
        }
    }
    let kb = load_kb(arg)?;
    let docs = documents(&kb);
    let meta = IndexedKb {
        name: kb.manifest.name.clone(),
        version: kb.manifest.version.clone(),
        fingerprint: kb.fingerprint.clone(),
    };
    if let Some(cache) = &cache {
        let dir = index::index_dir(cache, &kb.fingerprint);
        let built =
            index::open_cached(&dir).map_or_else(|| index::build_cached(&dir, &docs, meta.clone()), Ok);
        match built {
            Ok(ix) => {
                if let (Some(key), KbOrigin::Dir(_)) = (&key, &origin) {
                    let _ = std::fs::create_dir_all(cache.join("keys"));
                    let _ = std::fs::write(key_file(cache, key), &kb.fingerprint);
                }
                return Ok(ix);
            }
            Err(why) => eprintln!("casebook: cannot cache the search index ({why}); building it in memory"),
        }
    }
    index::in_memory(&docs, meta).map_err(|e| Failure::input(format!("cannot build the search index: {e}")))
}

fn key_file(cache: &std::path::Path, key: &str) -> PathBuf {
    cache.join("keys").join(key)
}

/// A cheap key for the KB's content: for a folder, a hash of every file's path, size and
/// modification time (mapped to the content hash by a file in the cache, as git's index maps
/// stat data to blobs); for the embedded KB, its content hash.
fn quick_key(origin: &KbOrigin) -> Option<String> {
    match origin {
        KbOrigin::Embedded => crate::kb::content_hash(origin),
        KbOrigin::Dir(base) => {
            let mut h = Sha256::new();
            h.update(std::fs::canonicalize(base).ok()?.to_string_lossy().as_bytes());
            for root in ROOTS {
                for entry in walkdir::WalkDir::new(base.join(root)).sort_by_file_name() {
                    let entry = entry.ok()?;
                    if !entry.file_type().is_file() {
                        continue;
                    }
                    let meta = entry.metadata().ok()?;
                    let mtime = meta
                        .modified()
                        .ok()?
                        .duration_since(std::time::UNIX_EPOCH)
                        .ok()?
                        .as_nanos();
                    h.update(entry.path().to_string_lossy().as_bytes());
                    h.update([0]);
                    h.update(meta.len().to_le_bytes());
                    h.update(mtime.to_le_bytes());
                }
            }
            Some(hex(&h.finalize()))
        }
    }
}

fn render_hits(kb: &IndexedKb, query: &str, hits: &[SearchHit]) -> String {
    let bold = anstyle::Style::new().bold();
    let mut out = String::new();
    let width = hits.iter().map(|h| h.id.len()).max().unwrap_or(0);
    for h in hits {
        out.push_str(&format!(
            "{:<9} {bold}{:<width$}{bold:#}  {}\n",
            h.kind, h.id, h.title
        ));
        if !h.snippet.is_empty() {
            let mut s = String::new();
            let mut at = 0;
            for r in &h.highlights {
                // A part (`rpc`) lies inside its identifier's range: marked already.
                if r.start < at || !h.snippet.is_char_boundary(r.start) || !h.snippet.is_char_boundary(r.end)
                {
                    continue;
                }
                s.push_str(&h.snippet[at..r.start]);
                s.push_str(&format!("{bold}{}{bold:#}", &h.snippet[r.clone()]));
                at = r.end;
            }
            s.push_str(&h.snippet[at..]);
            out.push_str(&format!("          {}\n", s.replace('\n', " ")));
        }
    }
    out.push_str(&format!(
        "{} result(s) for `{query}` in {} {} ({})\n",
        hits.len(),
        kb.name,
        kb.version,
        &kb.fingerprint[..12.min(kb.fingerprint.len())]
    ));
    out
}

fn render_lines(kb: &IndexedKb, r: &LineReport) -> String {
    let mut out = String::new();
    for m in &r.signatures {
        out.push_str(&format!(
            "signature {}: {} ({} line(s))\n",
            m.signature, m.description, m.lines
        ));
        for (k, v) in &m.captures {
            out.push_str(&format!("  {k} = {v}\n"));
        }
        out.push_str(&format!("  rules: {}\n", or_none(&m.rules)));
        out.push_str(&format!("  past cases: {}\n", or_none(&m.cases)));
    }
    for u in &r.unmatched {
        out.push_str(&format!(
            "no signature matches {} line(s): {}\n",
            u.lines, u.template
        ));
        if u.nearest.is_empty() {
            out.push_str("  no past case has a template like it\n");
        }
        for n in &u.nearest {
            out.push_str(&format!("  {:.2} {}: {}", n.similarity, n.case, n.template));
            if let Some(res) = &n.resolution {
                out.push_str(&format!(" (resolved by: {res})"));
            }
            out.push('\n');
        }
    }
    out.push_str(&format!(
        "{} line(s), {} signature(s) matched, in {} {} ({})\n",
        r.lines,
        r.signatures.len(),
        kb.name,
        kb.version,
        &kb.fingerprint[..12.min(kb.fingerprint.len())]
    ));
    out
}

fn or_none(ids: &[String]) -> String {
    if ids.is_empty() {
        "none".to_owned()
    } else {
        ids.join(", ")
    }
}
