//! Keyword search over the knowledge base (signatures, rules, runbooks, past cases) with
//! tantivy, and the search of one log line against the signatures and past-case templates.
//! Sits beside the pipeline: it reads the loaded KB, never a bundle.

pub mod document;
pub mod index;
pub mod line;
pub mod query;
pub mod tokenizer;

pub use document::{documents, SearchDoc};
pub use index::{IndexedKb, SearchIndex};
pub use query::{search, SearchHit, SearchRequest};
