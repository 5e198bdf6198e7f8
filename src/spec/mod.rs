//! The types knowledge-base authors write: kinds and components (`kb/kinds.yaml`), the manifest,
//! signatures, rules with their tests, version ranges and severities. A leaf module: it imports
//! no stage, and every stage (bundle, scan, rules, runbooks, tables) reads these types from here
//! rather than from `kb`, which is the load phase that compiles them.

mod case;
mod file;
mod manifest;
mod rule;
mod severity;
mod signature;
mod version;

pub use case::{CaseFinding, CaseKb, CaseRecord, CaseTemplate};
pub use file::KbFile;
pub use manifest::{BundleMap, ComponentSpec, FileFormat, KindSpec, Manifest};
pub use rule::{Applicability, Expectation, RuleSignature, RuleSpec, RuleStatus, RuleTest};
pub(crate) use severity::Severity;
pub use signature::{Signature, SignatureFile, SignatureSpec};
pub use version::{compare as version_compare, VersionReq};

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
