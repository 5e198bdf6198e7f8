//! Rules as authored: one YAML file per rule (metadata, declarative signatures, inline tests),
//! with an optional rhai script beside it (`<name>.rhai`) or inline (`script:`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::signature::SignatureSpec;
use super::Severity;

/// A rule as written in `rules/<area>/<name>.yaml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable id, e.g. `nv.consul.leaderless`; never reused for another meaning.
    pub id: String,
    /// One line, as a finding's title.
    pub title: String,
    /// Version of the rule's logic (signatures, condition, script): raised on every change of
    /// logic; `kb check` compares the logic's fingerprint with `kb/kb.lock.json`.
    #[serde(default = "one_u32")]
    pub version: u32,
    /// Maturity of the rule.
    pub status: RuleStatus,
    /// For a deprecated rule: the rule that replaces it.
    #[serde(default)]
    pub replaced_by: Option<String>,
    /// Severity of the finding it raises (`level:` is read as a deprecated spelling, with a
    /// warning from `kb check`).
    #[serde(alias = "level")]
    pub severity: Severity,
    /// Why it matters: shown under the finding.
    pub description: String,
    /// Free tags for search and filtering.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Links to issues, docs, past cases.
    #[serde(default)]
    pub references: Vec<String>,
    /// Situations in which the rule fires but nothing is wrong.
    #[serde(default)]
    pub falsepositives: Vec<String>,
    /// Products and versions the rule applies to.
    #[serde(default)]
    pub applies_to: Vec<Applicability>,
    /// Id of the runbook that answers the finding.
    #[serde(default)]
    pub runbook: Option<String>,
    /// Signatures of this rule; their ids are local to it.
    #[serde(default)]
    pub signatures: Vec<RuleSignature>,
    /// Shared signatures (from `kb/signatures/`) the rule reads.
    #[serde(default)]
    pub uses: Vec<String>,
    /// Inline rhai script; a `<name>.rhai` file beside the YAML is the other way.
    #[serde(default)]
    pub script: Option<String>,
    /// Rules whose findings this one reads (evaluated first).
    #[serde(default)]
    pub after: Vec<String>,
    /// Inline tests: small bundles and what the rule must do on them.
    #[serde(default)]
    pub tests: Vec<RuleTest>,
}

/// A rule's own signature: the shared form plus a count threshold (and optional time window)
/// used when the rule has no script (then the rule fires when every signature reaches its
/// `min_count`, within `within` when given).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSignature {
    /// Local id.
    pub id: String,
    /// What a match means.
    #[serde(default)]
    pub description: String,
    /// Regex over one physical line.
    pub regex: String,
    /// File kinds to scan; empty means every log.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Literals a matching line must contain (for regexes with no extractable literal).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Tags, as for shared signatures.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Hits needed (across the bundle) for the declarative condition.
    #[serde(default = "one")]
    pub min_count: u64,
    /// A time window such as `5m`: the declarative condition then needs `min_count` hits within
    /// some window of that length (minute precision), not across the whole bundle.
    #[serde(default)]
    pub within: Option<String>,
}

fn one() -> u64 {
    1
}

fn one_u32() -> u32 {
    1
}

impl RuleSignature {
    /// The `within:` window in milliseconds, when given and readable.
    pub fn window_ms(&self) -> Option<i64> {
        self.within
            .as_deref()
            .and_then(crate::time::parse_kubectl_duration)
            .map(|s| s * 1000)
    }

    /// The signature part, without the rule-only threshold.
    pub fn to_spec(&self) -> SignatureSpec {
        SignatureSpec {
            id: self.id.clone(),
            description: self.description.clone(),
            regex: self.regex.clone(),
            kinds: self.kinds.clone(),
            keywords: self.keywords.clone(),
            tags: self.tags.clone(),
        }
    }
}

/// Maturity of a rule, as in Sigma.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleStatus {
    /// New, may be noisy.
    Experimental,
    /// Being validated on real cases.
    Test,
    /// Trusted.
    Stable,
    /// Kept for history; not evaluated.
    Deprecated,
}

/// A product and a version range, e.g. `neuvector` `>=5.0, <5.5`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Applicability {
    /// Product id.
    pub product: String,
    /// Semver requirement; empty means every version.
    #[serde(default)]
    pub versions: String,
}

/// What a test expects of the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expectation {
    /// The rule must fire.
    Match,
    /// The rule must stay silent.
    NoMatch,
}

/// An inline test: a small bundle given as files, or a fixture bundle, and the expectation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleTest {
    /// What the test shows.
    pub name: String,
    /// Fire or stay silent.
    pub expect: Expectation,
    /// Files of the test bundle: path inside the bundle => content.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// A fixture bundle, relative to the knowledge-base root, instead of (or beside) `files`.
    #[serde(default)]
    pub bundle: Option<String>,
    /// Fields the finding must have (e.g. `params.replicas: 3`), dotted paths.
    #[serde(default)]
    pub finding: BTreeMap<String, serde_json::Value>,
}
