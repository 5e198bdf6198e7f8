//! The tantivy index over [`SearchDoc`]s and where it lives: built at first use into the user's
//! cache (`$CASEBOOK_CACHE_DIR`, else `$XDG_CACHE_HOME/casebook`, else `~/.cache/casebook`),
//! under `index/<KB content hash>/`, so a changed KB gets a new index and the KB folder is never
//! written to. Without a writable cache (or with `--no-cache`) the index is built in memory.
//! Building one prunes the others: the [`KEEP`] most recently used stay (several KB checkouts
//! side by side each keep theirs), older ones and abandoned half-built folders go.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, STORED, STRING};
use tantivy::{doc, Index, TantivyDocument};

use super::document::SearchDoc;
use super::tokenizer::{IdentTokenizer, NAME};

/// Fields of the index.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// `rule`, `signature`, `runbook`, `case` (exact).
    pub kind: Field,
    /// Item id.
    pub id: Field,
    /// Title.
    pub title: Field,
    /// Main text.
    pub body: Field,
    /// Related text (weighs less).
    pub related: Field,
    /// Tags (exact).
    pub tags: Field,
    /// Severity (stored only).
    pub level: Field,
    /// Status (stored only).
    pub status: Field,
}

/// The KB an index was built from, stored beside it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct IndexedKb {
    /// KB name.
    pub name: String,
    /// KB version.
    pub version: String,
    /// KB content hash.
    pub fingerprint: String,
}

/// An opened index.
pub(crate) struct SearchIndex {
    /// The tantivy index.
    pub index: Index,
    /// Its fields.
    pub fields: Fields,
    /// The KB it holds.
    pub kb: IndexedKb,
}

const KB_META: &str = "casebook-kb.json";

/// How many indexes the cache keeps (by last use).
pub(crate) const KEEP: usize = 8;

/// Half-built folders (`.building-*`) older than this were abandoned by a killed process.
const ABANDONED: std::time::Duration = std::time::Duration::from_secs(3600);

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(NAME)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let fields = Fields {
        kind: b.add_text_field("kind", STRING | STORED),
        id: b.add_text_field("id", text.clone()),
        title: b.add_text_field("title", text.clone()),
        body: b.add_text_field("body", text.clone()),
        related: b.add_text_field("related", text),
        tags: b.add_text_field("tags", STRING | STORED),
        level: b.add_text_field("level", STORED),
        status: b.add_text_field("status", STORED),
    };
    (b.build(), fields)
}

fn fields_of(schema: &Schema) -> tantivy::Result<Fields> {
    let f = |name: &str| schema.get_field(name);
    Ok(Fields {
        kind: f("kind")?,
        id: f("id")?,
        title: f("title")?,
        body: f("body")?,
        related: f("related")?,
        tags: f("tags")?,
        level: f("level")?,
        status: f("status")?,
    })
}

fn register(index: &Index) {
    index.tokenizers().register(NAME, IdentTokenizer);
}

/// Builds an index of `docs` in `index`.
fn fill(index: &Index, fields: Fields, docs: &[SearchDoc]) -> tantivy::Result<()> {
    register(index);
    let mut writer = index.writer_with_num_threads(1, 64 * 1024 * 1024)?;
    for d in docs {
        let kind = serde_json::to_value(d.kind).expect("kind serialises");
        let mut document: TantivyDocument = doc!(
            fields.kind => kind.as_str().unwrap_or_default(),
            fields.id => d.id.as_str(),
            fields.title => d.title.as_str(),
            fields.body => d.body.as_str(),
            fields.related => d.related.as_str(),
            fields.level => d.level.as_str(),
            fields.status => d.status.as_str(),
        );
        for t in &d.tags {
            document.add_text(fields.tags, t);
        }
        writer.add_document(document)?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(())
}

/// An index of `docs` in memory.
pub(crate) fn in_memory(docs: &[SearchDoc], kb: IndexedKb) -> tantivy::Result<SearchIndex> {
    let (schema, fields) = schema();
    let index = Index::create_in_ram(schema);
    fill(&index, fields, docs)?;
    Ok(SearchIndex { index, fields, kb })
}

/// The cache folder: `$CASEBOOK_CACHE_DIR`, else `$XDG_CACHE_HOME/casebook`, else
/// `$HOME/.cache/casebook`.
pub(crate) fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("CASEBOOK_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("casebook")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("casebook")))
}

/// Where the index of the KB with content hash `fingerprint` lives in `cache`.
pub(crate) fn index_dir(cache: &Path, fingerprint: &str) -> PathBuf {
    cache.join("index").join(fingerprint)
}

/// Opens the cached index in `dir`, when it is complete.
pub(crate) fn open_cached(dir: &Path) -> Option<SearchIndex> {
    let kb: IndexedKb = serde_json::from_str(&std::fs::read_to_string(dir.join(KB_META)).ok()?).ok()?;
    let index = Index::open_in_dir(dir).ok()?;
    register(&index);
    let fields = fields_of(&index.schema()).ok()?;
    // Last use, for pruning (best effort: a read-only cache still serves).
    if let Ok(meta) = std::fs::File::options().append(true).open(dir.join(KB_META)) {
        let _ = meta.set_modified(std::time::SystemTime::now());
    }
    Some(SearchIndex { index, fields, kb })
}

/// Removes from `indexes` (the folder holding one folder per KB content hash) every index but
/// the [`KEEP`] most recently used and `current`, and half-built folders older than an hour.
/// Best effort: what cannot be removed stays.
pub(crate) fn prune(indexes: &Path, current: &Path) {
    let Ok(entries) = std::fs::read_dir(indexes) else {
        return;
    };
    let now = std::time::SystemTime::now();
    let mut built: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        // Never follow a link out of the cache.
        if !entry.file_type().is_ok_and(|t| t.is_dir()) || path == current {
            continue;
        }
        if entry.file_name().to_string_lossy().starts_with(".building-") {
            let age = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| now.duration_since(m).ok());
            if age.is_some_and(|age| age > ABANDONED) {
                let _ = std::fs::remove_dir_all(&path);
            }
            continue;
        }
        // Last use: the KB file's time; a folder without one is not a complete index.
        let used = std::fs::metadata(path.join(KB_META))
            .and_then(|m| m.modified())
            .unwrap_or(std::time::SystemTime::UNIX_EPOCH);
        built.push((used, path));
    }
    built.sort_by(|a, b| b.cmp(a));
    for (_, path) in built.into_iter().skip(KEEP.saturating_sub(1)) {
        let _ = std::fs::remove_dir_all(path);
    }
}

/// Builds the index of `docs` into `dir` (through a temporary folder beside it, renamed when
/// complete, so a reader never sees half an index).
pub(crate) fn build_cached(dir: &Path, docs: &[SearchDoc], kb: IndexedKb) -> Result<SearchIndex, String> {
    let parent = dir.parent().ok_or("no parent folder")?;
    std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".building-")
        .tempdir_in(parent)
        .map_err(|e| format!("{}: {e}", parent.display()))?;
    let (schema, fields) = schema();
    let index = Index::create_in_dir(tmp.path(), schema).map_err(|e| e.to_string())?;
    fill(&index, fields, docs).map_err(|e| e.to_string())?;
    std::fs::write(
        tmp.path().join(KB_META),
        serde_json::to_string(&kb).expect("kb meta serialises"),
    )
    .map_err(|e| format!("{}: {e}", tmp.path().display()))?;
    drop(index);
    let built = tmp.keep();
    if std::fs::rename(&built, dir).is_err() {
        // Another process finished first: use its index.
        let _ = std::fs::remove_dir_all(&built);
    }
    prune(parent, dir);
    open_cached(dir).ok_or_else(|| format!("{}: cannot open the index just built", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn fake_index(root: &Path, name: &str, used: SystemTime) -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let meta = dir.join(KB_META);
        std::fs::write(&meta, "{}").unwrap();
        std::fs::File::options()
            .append(true)
            .open(&meta)
            .unwrap()
            .set_modified(used)
            .unwrap();
        dir
    }

    #[test]
    fn prune_keeps_the_most_recently_used_and_the_current_one() {
        let root = tempfile::tempdir().unwrap();
        let day = Duration::from_secs(86_400);
        let now = SystemTime::now();
        // The current index is the oldest by time: it stays all the same.
        let current = fake_index(root.path(), "current", now - 100 * day);
        for i in 0..12u32 {
            fake_index(root.path(), &format!("kb{i:02}"), now - day * i);
        }
        let abandoned = root.path().join(".building-old");
        std::fs::create_dir(&abandoned).unwrap();
        std::fs::File::open(&abandoned)
            .unwrap()
            .set_modified(now - 2 * ABANDONED)
            .unwrap();
        let in_progress = root.path().join(".building-new");
        std::fs::create_dir(&in_progress).unwrap();

        prune(root.path(), &current);

        let mut left: Vec<String> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut expected = vec![".building-new".to_owned(), "current".to_owned()];
        expected.extend((0..KEEP - 1).map(|i| format!("kb{i:02}")));
        expected.sort();
        assert_eq!(left, expected);
    }
}
