//! `kb/changelog.json`: one entry per locked KB version, what `casebook kb lock` found added,
//! changed, deprecated and removed since the lock before. `casebook kb changelog` prints it.

use serde::{Deserialize, Serialize};

use super::lock::LockDiff;
use super::{version_compare, KnowledgeBase};
use crate::diagnostic::Diagnostic;

/// Path of the changelog inside the knowledge base.
pub const CHANGELOG: &str = "kb/changelog.json";

/// One locked version and what changed to reach it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangelogEntry {
    /// The KB version locked.
    pub version: String,
    /// The day it was locked (`YYYY-MM-DD`, UTC).
    pub date: String,
    /// Rule changes since the version before.
    pub rules: LockDiff,
}

/// The KB's changelog, oldest first (empty when it has none).
pub fn read(kb: &KnowledgeBase) -> Result<Vec<ChangelogEntry>, Diagnostic> {
    let Some(text) = kb.sources.get(CHANGELOG) else {
        return Ok(Vec::new());
    };
    serde_json::from_str(text).map_err(|e| {
        Diagnostic::at(
            CHANGELOG,
            text,
            e.line(),
            e.column(),
            format!("unreadable changelog: {e}"),
        )
    })
}

/// The entries after version `since` (all when `None`).
pub fn since<'a>(entries: &'a [ChangelogEntry], since: Option<&str>) -> Vec<&'a ChangelogEntry> {
    entries
        .iter()
        .filter(|e| since.is_none_or(|s| version_compare(&e.version, s) == std::cmp::Ordering::Greater))
        .collect()
}

/// The changelog as text, newest first: one block per version.
pub fn render(entries: &[&ChangelogEntry]) -> String {
    let mut out = String::new();
    for e in entries.iter().rev() {
        out.push_str(&format!("{} ({})\n", e.version, e.date));
        for (what, ids) in [
            ("added", &e.rules.added),
            ("changed", &e.rules.changed),
            ("deprecated", &e.rules.deprecated),
            ("removed", &e.rules.removed),
        ] {
            for id in ids {
                out.push_str(&format!("  {what:<10} {id}\n"));
            }
        }
    }
    out
}

/// The changelog as written to disk.
pub fn to_text(entries: &[ChangelogEntry]) -> String {
    let mut s = serde_json::to_string_pretty(entries).expect("changelog serialises");
    s.push('\n');
    s
}

/// Today's date, UTC (`YYYY-MM-DD`).
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    chrono::DateTime::from_timestamp(i64::try_from(secs).unwrap_or(0), 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}
