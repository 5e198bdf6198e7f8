//! `kb/kb.lock.json`: the KB version and each rule's version, status and logic fingerprint as
//! last locked by `casebook kb lock`. `kb check` compares the loaded KB with it: a rule whose
//! logic changed must have a new `version`, and any change of rules needs a new KB version.
//! A KB with no lock (a new one, or one a test built) has nothing to compare with.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{fingerprint, version_compare, KnowledgeBase, RuleStatus, MANIFEST};
use crate::diagnostic::Diagnostic;

/// Path of the lock file inside the knowledge base.
pub const LOCK: &str = "kb/kb.lock.json";

/// The lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KbLock {
    /// KB name when locked.
    pub name: String,
    /// KB version when locked.
    pub version: String,
    /// Each rule by id.
    pub rules: BTreeMap<String, LockedRule>,
}

/// One rule as locked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedRule {
    /// The rule's `version`.
    pub version: u32,
    /// Its status.
    pub status: RuleStatus,
    /// Its logic fingerprint (see [`fingerprint::rule_logic`]).
    pub logic: String,
    /// For a deprecated rule, its replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

impl KbLock {
    /// The lock the KB would have now.
    pub fn of(kb: &KnowledgeBase) -> KbLock {
        KbLock {
            name: kb.manifest.name.clone(),
            version: kb.manifest.version.clone(),
            rules: kb
                .rules
                .rules()
                .iter()
                .map(|r| {
                    (
                        r.spec.id.clone(),
                        LockedRule {
                            version: r.spec.version,
                            status: r.spec.status,
                            logic: fingerprint::rule_logic(kb, r),
                            replaced_by: r.spec.replaced_by.clone(),
                        },
                    )
                })
                .collect(),
        }
    }

    /// The KB's lock file, when it has one; `Err` when it does not parse.
    pub fn read(kb: &KnowledgeBase) -> Result<Option<KbLock>, Diagnostic> {
        let Some(text) = kb.sources.get(LOCK) else {
            return Ok(None);
        };
        serde_json::from_str(text).map(Some).map_err(|e| {
            Diagnostic::at(LOCK, text, e.line(), e.column(), format!("unreadable lock: {e}"))
                .with_hint("regenerate it with `casebook kb lock`")
        })
    }

    /// The lock as written to disk (pretty JSON, trailing newline).
    pub fn to_text(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("lock serialises");
        s.push('\n');
        s
    }
}

/// What changed between two locks, rule by rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockDiff {
    /// Rules new in `now`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    /// Rules whose logic, version or status changed (not to deprecated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    /// Rules that became deprecated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deprecated: Vec<String>,
    /// Rules gone from `now`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
}

impl LockDiff {
    /// Rule-level differences from `before` to `now`.
    pub fn between(before: &KbLock, now: &KbLock) -> LockDiff {
        let mut d = LockDiff::default();
        for (id, rule) in &now.rules {
            match before.rules.get(id) {
                None => d.added.push(id.clone()),
                Some(old) if old == rule => {}
                Some(old)
                    if rule.status == RuleStatus::Deprecated && old.status != RuleStatus::Deprecated =>
                {
                    d.deprecated.push(id.clone())
                }
                Some(_) => d.changed.push(id.clone()),
            }
        }
        d.removed = before
            .rules
            .keys()
            .filter(|id| !now.rules.contains_key(*id))
            .cloned()
            .collect();
        d
    }

    /// No rule changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.changed.is_empty()
            && self.deprecated.is_empty()
            && self.removed.is_empty()
    }

    /// `added: a, b; changed: c`.
    pub fn describe(&self) -> String {
        [
            ("added", &self.added),
            ("changed", &self.changed),
            ("deprecated", &self.deprecated),
            ("removed", &self.removed),
        ]
        .iter()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(what, ids)| format!("{what}: {}", ids.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
    }
}

/// Problems of the KB against its lock: errors for a rule whose logic changed under the same
/// `version` and for changed rules under the same KB version, a warning when the lock is merely
/// out of date. Nothing when the KB has no lock.
pub fn check_against_lock(kb: &KnowledgeBase) -> Vec<Diagnostic> {
    let before = match KbLock::read(kb) {
        Ok(Some(lock)) => lock,
        Ok(None) => return Vec::new(),
        Err(d) => return vec![d],
    };
    let now = KbLock::of(kb);
    let mut out = Vec::new();
    for rule in kb.rules.rules() {
        let (Some(old), Some(new)) = (before.rules.get(&rule.spec.id), now.rules.get(&rule.spec.id)) else {
            continue;
        };
        let src = kb.sources.get(&rule.path).map_or("", String::as_str);
        if new.version < old.version {
            out.push(Diagnostic::at_text(
                &rule.path,
                src,
                "id:",
                format!(
                    "rule `{}` has version {} but {LOCK} has {}: versions never go back",
                    rule.spec.id, new.version, old.version
                ),
            ));
        } else if new.logic != old.logic && new.version == old.version {
            out.push(
                Diagnostic::at_text(
                    &rule.path,
                    src,
                    "id:",
                    format!(
                        "the logic of rule `{}` changed since {LOCK} but its version is still {}",
                        rule.spec.id, new.version
                    ),
                )
                .with_hint(format!(
                    "set `version: {}` in the rule, raise the version in {MANIFEST}, then run `casebook kb lock`",
                    new.version + 1
                )),
            );
        }
    }
    let diff = LockDiff::between(&before, &now);
    let manifest_src = kb.sources.get(MANIFEST).map_or("", String::as_str);
    let kb_version_raised = version_compare(&now.version, &before.version) == std::cmp::Ordering::Greater;
    if !diff.is_empty() && !kb_version_raised {
        out.push(
            Diagnostic::at_key(
                MANIFEST,
                manifest_src,
                "version",
                &now.version,
                format!(
                    "rules changed since {LOCK} ({}) but the KB version is still {} (locked: {})",
                    diff.describe(),
                    now.version,
                    before.version
                ),
            )
            .with_hint("raise `version:` (semver) in kb/kb.yaml, then run `casebook kb lock`"),
        );
    } else if out.is_empty() && now != before {
        out.push(
            Diagnostic::file(LOCK, "out of date: the KB changed since it was locked")
                .with_hint("run `casebook kb lock` and commit the lock")
                .warning(),
        );
    }
    out
}
