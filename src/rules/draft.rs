//! A finding as a script builds it with `finding(#{...})`: checked where it is called, so a wrong
//! field, a misspelled signature name in `evidence` or an evidence item of the wrong type is an
//! error at the call's line and column instead of something dropped after the script returns.

use std::collections::BTreeMap;

use rhai::{Dynamic, Map};

use super::context::RuleContext;
use super::records::PodRef;
use crate::findings::Severity;

/// The fields a script may give a finding.
pub(crate) const FIELDS: [&str; 7] = [
    "summary", "title", "severity", "evidence", "params", "first_ms", "last_ms",
];

/// A validated finding, before the evidence is looked up in the scan.
#[derive(Debug, Clone)]
pub(crate) struct FindingDraft {
    pub(crate) summary: String,
    pub(crate) title: Option<String>,
    pub(crate) severity: Option<Severity>,
    /// Signature names (as the rule writes them), in the order given.
    pub(crate) signatures: Vec<String>,
    /// Pod rows quoted as evidence: (listing file, line, row text).
    pub(crate) pods: Vec<(String, u64, String)>,
    pub(crate) params: BTreeMap<String, serde_json::Value>,
    /// The finding's own time span, when the script sets it (an episode rather than every hit).
    pub(crate) first_ms: Option<i64>,
    pub(crate) last_ms: Option<i64>,
    /// Where in the script `finding(...)` built it (`None`: returned as a plain map).
    pub(crate) made_at: Option<rhai::Position>,
}

impl FindingDraft {
    /// Validates a `finding(#{...})` map against the rule's names.
    pub(crate) fn from_map(mut m: Map, ctx: &RuleContext) -> Result<FindingDraft, String> {
        if let Some(key) = m.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(format!(
                "finding: unknown field `{key}` (fields: {})",
                FIELDS.join(", ")
            ));
        }
        let summary = match m.remove("summary") {
            Some(v) => text(v, "summary")?,
            None => return Err("finding: `summary` is required".to_owned()),
        };
        let title = m.remove("title").map(|v| text(v, "title")).transpose()?;
        let severity = match m.remove("severity") {
            Some(v) => {
                let s = text(v, "severity")?;
                Some(Severity::parse(&s).ok_or_else(|| {
                    format!(
                        "finding: unknown severity `{s}` (one of: {})",
                        Severity::ALL.map(Severity::as_str).join(", ")
                    )
                })?)
            }
            None => None,
        };
        let mut signatures = Vec::new();
        let mut pods = Vec::new();
        if let Some(ev) = m.remove("evidence") {
            let items = ev
                .into_array()
                .map_err(|t| format!("finding: `evidence` must be an array, not a {t}"))?;
            for (i, item) in items.into_iter().enumerate() {
                if item.is_string() {
                    let name = item.to_string();
                    ctx.signature(&name)
                        .map_err(|e| format!("finding: evidence {i}: {e}"))?;
                    signatures.push(name);
                } else if item.is::<PodRef>() {
                    pods.push(item.cast::<PodRef>().row());
                } else {
                    return Err(format!(
                        "finding: evidence {i} is a {}; evidence lists signature names and pods from `bundle.pods()`",
                        item.type_name()
                    ));
                }
            }
        }
        let params = match m.remove("params") {
            Some(p) if p.is_map() => rhai::serde::from_dynamic::<BTreeMap<String, serde_json::Value>>(&p)
                .map_err(|e| format!("finding: `params`: {e}"))?,
            Some(p) => {
                return Err(format!(
                    "finding: `params` must be a map, not a {}",
                    p.type_name()
                ))
            }
            None => BTreeMap::new(),
        };
        let first_ms = millis(m.remove("first_ms"), "first_ms")?;
        let last_ms = millis(m.remove("last_ms"), "last_ms")?;
        if let (Some(a), Some(b)) = (first_ms, last_ms) {
            if b < a {
                return Err(format!("finding: `last_ms` ({b}) is before `first_ms` ({a})"));
            }
        }
        Ok(FindingDraft {
            summary,
            title,
            severity,
            signatures,
            pods,
            params,
            first_ms,
            last_ms,
            made_at: None,
        })
    }
}

fn text(v: Dynamic, field: &str) -> Result<String, String> {
    if v.is_string() {
        Ok(v.to_string())
    } else {
        Err(format!(
            "finding: `{field}` must be a string, not a {}",
            v.type_name()
        ))
    }
}

fn millis(v: Option<Dynamic>, field: &str) -> Result<Option<i64>, String> {
    match v {
        None => Ok(None),
        Some(v) if v.is_unit() => Ok(None),
        Some(v) => v
            .as_int()
            .map(Some)
            .map_err(|t| format!("finding: `{field}` must be ms since the epoch (an integer), not a {t}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::context::SignatureRef;

    fn ctx() -> RuleContext {
        let mut c = RuleContext {
            rule: "t.r".into(),
            ..RuleContext::default()
        };
        c.signatures.insert(
            "hit".into(),
            SignatureRef {
                id: "t.r/hit".into(),
                captures: vec![],
            },
        );
        c
    }

    fn map(pairs: &[(&str, Dynamic)]) -> Map {
        pairs.iter().map(|(k, v)| ((*k).into(), v.clone())).collect()
    }

    #[test]
    fn each_mistake_has_its_message() {
        let ok = FindingDraft::from_map(map(&[("summary", "s".into())]), &ctx()).unwrap();
        assert_eq!(ok.summary, "s");
        let err = |pairs: &[(&str, Dynamic)]| FindingDraft::from_map(map(pairs), &ctx()).unwrap_err();
        assert_eq!(err(&[]), "finding: `summary` is required");
        assert!(err(&[("summary", "s".into()), ("sumary", "x".into())])
            .starts_with("finding: unknown field `sumary`"));
        assert!(err(&[("summary", "s".into()), ("severity", "bad".into())])
            .starts_with("finding: unknown severity `bad`"));
        let ev: rhai::Array = vec!["hti".into()];
        assert_eq!(
            err(&[("summary", "s".into()), ("evidence", ev.into())]),
            "finding: evidence 0: unknown signature `hti` (known: hit)"
        );
        let ev: rhai::Array = vec![Dynamic::from(3_i64)];
        assert_eq!(
            err(&[("summary", "s".into()), ("evidence", ev.into())]),
            "finding: evidence 0 is a i64; evidence lists signature names and pods from `bundle.pods()`"
        );
        assert_eq!(
            err(&[
                ("summary", "s".into()),
                ("first_ms", 5_i64.into()),
                ("last_ms", 1_i64.into())
            ]),
            "finding: `last_ms` (1) is before `first_ms` (5)"
        );
    }
}
