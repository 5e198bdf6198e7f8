//! Keyword search over the knowledge base (signatures, rules, runbooks, past cases) with
//! tantivy, and the search of one log line against the signatures and past-case templates.
//! Sits beside the pipeline: it reads the loaded KB, never a bundle.

pub(crate) mod document;
pub(crate) mod index;
mod item;
pub(crate) mod line;
pub(crate) mod query;
pub(crate) mod tokenizer;

pub(crate) use document::documents;
pub(crate) use item::ItemKind;
pub(crate) use query::{search, SearchHit, SearchRequest};
