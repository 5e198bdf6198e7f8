//! Past cases: the compact record `casebook case record` keeps in `kb/cases/<ID>.json` of an
//! analysis (which rules fired with their key values, signature counts, the digest's top
//! templates) and how the case was resolved. `analyze` names the past cases where a finding's
//! rule fired before; `search` finds them by keyword or log line.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `kb/cases/<ID>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRecord {
    /// Case or ticket id, e.g. `NVSHAS-9810`.
    pub id: String,
    /// The day it was recorded (`YYYY-MM-DD`).
    pub date: String,
    /// Title of the case document.
    pub title: String,
    /// The knowledge base that analysed it.
    pub kb: CaseKb,
    /// Product versions read from the logs, by label (`NeuVector version: v5.4.2`).
    #[serde(default)]
    pub products: BTreeMap<String, String>,
    /// The findings, most severe first.
    #[serde(default)]
    pub findings: Vec<CaseFinding>,
    /// Hits per signature across the bundle.
    #[serde(default)]
    pub signatures: BTreeMap<String, u64>,
    /// The digest's most frequent templates across the logs.
    #[serde(default)]
    pub templates: Vec<CaseTemplate>,
    /// How the case was resolved.
    #[serde(default)]
    pub resolution: Option<String>,
}

/// Name and version of the KB that analysed a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseKb {
    /// KB name.
    pub name: String,
    /// KB version.
    pub version: String,
}

/// A finding of a past case, with its key values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFinding {
    /// Rule id.
    pub rule: String,
    /// Severity, as written.
    pub severity: String,
    /// Title.
    pub title: String,
    /// The finding's parameters (long texts cut).
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
}

/// One digest template and its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseTemplate {
    /// The template, variables as `<*>`.
    pub template: String,
    /// Lines it covered.
    pub count: u64,
}

impl CaseRecord {
    /// The finding of `rule`, when it fired in this case.
    pub fn finding(&self, rule: &str) -> Option<&CaseFinding> {
        self.findings.iter().find(|f| f.rule == rule)
    }
}
