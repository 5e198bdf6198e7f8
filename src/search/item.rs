//! The kinds of item the knowledge base holds, as `kb list` prints them and `search --kind`
//! filters them (the CLI reads them through clap's `ValueEnum`).

/// What a KB item is, for `kb list` and `search --kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    /// A rule.
    Rule,
    /// A signature (shared, or a rule's own).
    Signature,
    /// A runbook.
    Runbook,
    /// A past case (`kb/cases/`).
    Case,
}
