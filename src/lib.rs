//! casebook: diagnose customer support bundles.
//!
//! A support engineer hands casebook a bundle (a directory or archive of `kubectl` listings
//! and logs); casebook matches every signature of its knowledge base across every file in one
//! pass, evaluates the rules, links each finding to its runbook with parameters read from the
//! bundle, and renders the case document.
//!
//! ```text
//!          load phase                      run phase (data flows one way)
//!   kb/ rules/ runbooks/ --> kb --+--> bundle --> scan --> rules --> findings --> runbooks --> render
//!                                  |   (open,     (one pass, (rhai over  (ranked,     (plans,       (md, html,
//!                                  |    classify)  hits)      scan+tables) evidence)   params)       json)
//!                                  +--> digest, search (beside the pipeline)
//! ```
//!
//! `cmd` is the only module that wires stages together; each stage knows only the data of the
//! stage before it.

pub mod bundle;
pub mod cli;
pub mod cmd;
pub(crate) mod compare;
pub(crate) mod diagnostic;
pub mod digest;
pub(crate) mod findings;
#[doc(hidden)]
pub mod fuzzing;
pub mod kb;
pub(crate) mod logline;
pub(crate) mod mdtext;
pub(crate) mod output;
pub(crate) mod redact;
pub(crate) mod render;
pub(crate) mod rules;
pub(crate) mod runbooks;
pub mod scan;
pub(crate) mod search;
pub(crate) mod spec;
mod swar;
pub mod synth;
pub(crate) mod tables;
pub(crate) mod templating;
pub mod time;
pub(crate) mod yaml;
