//! The third stage: evaluate every rule over the scan results and tables, never re-reading raw
//! lines. A rule is declarative (fires when each of its signatures reaches `min_count`) or
//! scripted in rhai (its script returns a finding, an array of findings, or nothing).
//!
//! Rules run in dependency order (`after:`), each in a fresh scope with a deadline; a rule that
//! fails is reported with its file and position and every other rule still runs.

mod api;
mod chains;
mod compile;
mod context;
mod crashloop;
mod draft;
mod engine;
mod evaluate;
mod evidence;
pub(crate) mod grade;
mod lint;
mod owner;
mod records;
mod window;

pub(crate) use api::Facts;
pub(crate) use compile::Rule;
pub(crate) use context::SignatureRef;
pub(crate) use engine::engine;
pub(crate) use evaluate::{Evaluation, OutcomeStatus, RuleOutcome, RuleSet};
pub(crate) use window::episodes;
