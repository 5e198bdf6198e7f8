//! Signatures: named regexes with captures that say "this line is evidence of something".
//! Declared in `kb/signatures/*.yaml` (shared) or inside a rule (local to it); compiled and
//! checked here at load time.

use regex::bytes::Regex;
use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;

/// A signature as authored.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureSpec {
    /// Id, unique in the knowledge base (shared) or in its rule (local).
    pub id: String,
    /// What a match means.
    #[serde(default)]
    pub description: String,
    /// Regex over one physical line; named groups `(?P<name>...)` become captured values.
    pub regex: String,
    /// File kinds to scan; empty means every log.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Literals a matching line must contain, for a regex whose own literals cannot be
    /// extracted (case-insensitive patterns, patterns made only of classes).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Tags; `perf-snapshot` puts the hits in the document's Perf Snapshot section.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// The shared signature file `kb/signatures/*.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    /// The signatures of this file.
    pub signatures: Vec<SignatureSpec>,
}

/// A compiled signature with its global id.
#[derive(Debug, Clone)]
pub struct Signature {
    /// Global id: the shared id, or `<rule id>/<local id>` for a rule's own signature.
    pub id: String,
    /// The authored form.
    pub spec: SignatureSpec,
    /// The compiled regex.
    pub regex: Regex,
    /// Names of the capture groups, in order.
    pub captures: Vec<String>,
    /// The file that declared it.
    pub path: String,
}

impl Signature {
    /// Compiles `spec`, reporting a bad regex at its position in `source`.
    pub fn compile(id: String, spec: SignatureSpec, path: &str, source: &str) -> Result<Self, Diagnostic> {
        let regex = Regex::new(&spec.regex);
        Signature::with_regex(id, spec, regex, path, source)
    }

    /// [`Signature::compile`] with the regex already compiled from `spec.regex`.
    pub fn with_regex(
        id: String,
        spec: SignatureSpec,
        regex: Result<Regex, regex::Error>,
        path: &str,
        source: &str,
    ) -> Result<Self, Diagnostic> {
        let regex = regex.map_err(|err| {
            let message = match &err {
                regex::Error::Syntax(text) => text
                    .lines()
                    .last()
                    .unwrap_or("invalid regex")
                    .trim_start_matches("error: ")
                    .to_owned(),
                other => other.to_string(),
            };
            regex_diagnostic(path, source, &spec.regex, &message)
        })?;
        let captures = regex.capture_names().flatten().map(str::to_owned).collect();
        Ok(Signature {
            id,
            spec,
            regex,
            captures,
            path: path.to_owned(),
        })
    }
}

/// Points at the regex inside the YAML file, at the column regex-syntax blamed when it said.
fn regex_diagnostic(path: &str, source: &str, pattern: &str, message: &str) -> Diagnostic {
    let offset = regex_syntax::Parser::new()
        .parse(pattern)
        .err()
        .and_then(|e| match e {
            regex_syntax::Error::Parse(p) => Some(p.span().start.offset),
            regex_syntax::Error::Translate(t) => Some(t.span().start.offset),
            _ => None,
        });
    // The regex appears in the YAML either verbatim (single-quoted or plain) or escaped.
    let located = source
        .lines()
        .enumerate()
        .find_map(|(i, line)| line.find(pattern).map(|col| (i + 1, col + 1)));
    let hint = "signature regexes use Rust `regex` syntax; escape literal `.`, `(`, `[` with `\\`";
    match located {
        Some((line, col)) => Diagnostic::at(
            path,
            source,
            line,
            col + offset.unwrap_or(0),
            format!("invalid regex: {message}"),
        )
        .with_hint(hint),
        None => {
            Diagnostic::at_text(path, source, "regex", format!("invalid regex: {message}")).with_hint(hint)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_regex_points_at_the_column() {
        let src = "signatures:\n  - id: x\n    regex: 'Lead (elected'\n";
        let spec = SignatureSpec {
            id: "x".into(),
            description: String::new(),
            regex: "Lead (elected".into(),
            kinds: vec![],
            keywords: vec![],
            tags: vec![],
        };
        let d = Signature::compile("x".into(), spec, "kb/signatures/a.yaml", src).unwrap_err();
        assert_eq!((d.line, d.column), (3, 18));
        assert!(d.message.starts_with("invalid regex: "), "{}", d.message);
    }
}
