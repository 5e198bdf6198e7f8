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
pub mod compare;
pub mod diagnostic;
pub mod digest;
pub mod findings;
pub mod kb;
pub mod logline;
pub mod mdtext;
pub mod output;
pub mod redact;
pub mod render;
pub mod rules;
pub mod runbooks;
pub mod scan;
pub mod search;
pub mod spec;
mod swar;
pub mod synth;
pub mod tables;
pub mod templating;
pub mod time;
pub mod yaml;
