//! A rule's logic fingerprint: SHA-256 over what decides whether and how it fires (its
//! signatures and those it uses, its declarative condition, `after:`, `applies_to`, its script
//! with comments and layout removed), not its wording. `kb/kb.lock.json` records one per rule.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{hex, KnowledgeBase};
use crate::rules::Rule;

/// What a rule's logic is made of, in a stable order.
#[derive(Serialize)]
struct Logic<'a> {
    signatures: Vec<SignatureLogic<'a>>,
    uses: Vec<SignatureLogic<'a>>,
    after: &'a [String],
    applies_to: Vec<(&'a str, &'a str)>,
    script: String,
}

#[derive(Serialize)]
struct SignatureLogic<'a> {
    id: &'a str,
    regex: &'a str,
    kinds: Vec<&'a str>,
    keywords: &'a [String],
    min_count: u64,
    within: Option<&'a str>,
}

/// The logic fingerprint of `rule` (hex SHA-256).
pub fn rule_logic(kb: &KnowledgeBase, rule: &Rule) -> String {
    let signatures = rule
        .spec
        .signatures
        .iter()
        .map(|s| SignatureLogic {
            id: &s.id,
            regex: &s.regex,
            kinds: sorted_strs(&s.kinds),
            keywords: &s.keywords,
            min_count: s.min_count,
            within: s.within.as_deref(),
        })
        .collect();
    let uses = rule
        .spec
        .uses
        .iter()
        .map(|id| match kb.signature(id) {
            Some(sig) => SignatureLogic {
                id,
                regex: &sig.spec.regex,
                kinds: sorted_strs(&sig.spec.kinds),
                keywords: &sig.spec.keywords,
                min_count: 1,
                within: None,
            },
            None => SignatureLogic {
                id,
                regex: "",
                kinds: Vec::new(),
                keywords: &[],
                min_count: 1,
                within: None,
            },
        })
        .collect();
    let script_text = match &rule.spec.script {
        Some(inline) => inline.clone(),
        None => {
            let path = format!("{}.rhai", rule.path.trim_end_matches(".yaml"));
            kb.sources.get(&path).cloned().unwrap_or_default()
        }
    };
    let logic = Logic {
        signatures,
        uses,
        after: &rule.spec.after,
        applies_to: rule
            .spec
            .applies_to
            .iter()
            .map(|a| (a.product.as_str(), a.versions.as_str()))
            .collect(),
        script: normalise_script(&script_text),
    };
    let json = serde_json::to_vec(&logic).expect("logic serialises");
    hex(&Sha256::digest(&json))
}

fn sorted_strs(items: &[String]) -> Vec<&str> {
    let mut v: Vec<&str> = items.iter().map(String::as_str).collect();
    v.sort_unstable();
    v
}

/// The script without its comments, indentation and blank lines: rewording a comment or
/// re-indenting is not a change of logic.
pub fn normalise_script(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let code = strip_line_comment(line).trim();
        if !code.is_empty() {
            out.push_str(code);
            out.push('\n');
        }
    }
    out
}

/// `line` up to a `//` that is not inside a string literal.
fn strip_line_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'`' || b == b'\'' => quote = Some(b),
            None if b == b'/' && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            None => {}
        }
        i += 1;
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_layout_are_not_logic() {
        let a = "// count\nlet n = bundle.hits(\"x\").count; // why\n\n  if n > 2 { emit(); }\n";
        let b = "let n = bundle.hits(\"x\").count;\nif n > 2 { emit(); }";
        assert_eq!(normalise_script(a), normalise_script(b));
        assert_ne!(normalise_script(a), normalise_script("let n = 3;"));
        assert_eq!(
            normalise_script("let u = \"http://x\";"),
            "let u = \"http://x\";\n",
            "a `//` inside a string stays"
        );
    }
}
