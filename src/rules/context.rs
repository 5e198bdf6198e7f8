//! What one rule may read, known at load time: the signature names it may pass to `bundle.*`
//! (its own signatures and the shared ones in `uses:`) with their capture names, and the rules
//! in `after:` whose findings it may read. Every name a script passes is checked against it, so a
//! typo is an error naming the known names instead of an empty result.

use std::collections::{BTreeMap, BTreeSet};

/// A signature as a rule names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignatureRef {
    /// Global id (`rule/local` for the rule's own signatures, the shared id otherwise).
    pub(crate) id: String,
    /// Names of its capture groups, in regex order.
    pub(crate) captures: Vec<String>,
}

/// The names one rule may use.
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleContext {
    /// The rule's id.
    pub(crate) rule: String,
    /// Signature names as written in the script => the signature.
    pub(crate) signatures: BTreeMap<String, SignatureRef>,
    /// Rules listed in `after:`.
    pub(crate) after: BTreeSet<String>,
}

impl RuleContext {
    /// The signature a script names, or why the name is wrong.
    pub(crate) fn signature(&self, name: &str) -> Result<&SignatureRef, String> {
        self.signatures.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.signatures.keys().map(String::as_str).collect();
            let hint = if name.contains('.') && !name.contains('/') {
                " (a shared signature must be listed in `uses:`)"
            } else {
                ""
            };
            format!(
                "unknown signature `{name}` (known: {}){hint}",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )
        })
    }

    /// Checks that a rule named by `fired`/`findings` is listed in `after:`.
    pub(crate) fn earlier_rule(&self, name: &str) -> Result<(), String> {
        if self.after.contains(name) {
            return Ok(());
        }
        Err(format!(
            "rule `{name}` is not listed in `after:` of `{}`, so it may not have run yet{}",
            self.rule,
            if self.after.is_empty() {
                String::new()
            } else {
                format!(
                    " (after: {})",
                    self.after
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ))
    }

    /// Every capture name of every signature the rule may read.
    pub(crate) fn all_captures(&self) -> BTreeSet<&str> {
        self.signatures
            .values()
            .flat_map(|s| s.captures.iter().map(String::as_str))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> RuleContext {
        let mut signatures = BTreeMap::new();
        for name in ["expired", "renewed"] {
            signatures.insert(
                name.to_owned(),
                SignatureRef {
                    id: format!("t.cert/{name}"),
                    captures: vec!["notafter".into()],
                },
            );
        }
        RuleContext {
            rule: "t.cert".into(),
            signatures,
            after: ["t.first".to_owned()].into(),
        }
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let ctx = context();
        assert_eq!(ctx.signature("expired").unwrap().id, "t.cert/expired");
        assert_eq!(
            ctx.signature("expird").unwrap_err(),
            "unknown signature `expird` (known: expired, renewed)"
        );
        assert!(ctx.signature("nv.x").unwrap_err().contains("listed in `uses:`"));
        assert!(ctx.earlier_rule("t.first").is_ok());
        assert_eq!(
            ctx.earlier_rule("t.later").unwrap_err(),
            "rule `t.later` is not listed in `after:` of `t.cert`, so it may not have run yet (after: t.first)"
        );
    }
}
