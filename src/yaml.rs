//! The one door to YAML. Every authored YAML document (manifest, kinds, signatures, rules,
//! runbook front matter) is read here, so replacing `serde_yaml` (deprecated upstream) with a
//! maintained fork is a change to this file alone.

use serde::de::DeserializeOwned;

use crate::diagnostic::Diagnostic;

/// Parses `text` (the contents of `path`) into `T`, turning YAML and schema errors into a
/// positioned [`Diagnostic`].
pub(crate) fn from_str<T: DeserializeOwned>(path: &str, text: &str) -> Result<T, Diagnostic> {
    serde_yaml::from_str(text).map_err(|err| to_diagnostic(path, text, &err))
}

/// Parses `text` into a generic value (for front matter and tests written as data).
pub(crate) fn value_from_str(path: &str, text: &str) -> Result<serde_json::Value, Diagnostic> {
    from_str::<serde_json::Value>(path, text)
}

fn to_diagnostic(path: &str, text: &str, err: &serde_yaml::Error) -> Diagnostic {
    // serde_yaml appends " at line L column C" to its messages; the position is reported
    // separately, so strip it from the message text.
    let full = err.to_string();
    let message = match full.find(" at line ") {
        Some(i) => full[..i].to_owned(),
        None => full,
    };
    let hint = hint_for(&message);
    let diagnostic = match err.location() {
        Some(loc) => Diagnostic::at(path, text, loc.line(), loc.column(), message),
        None => Diagnostic::file(path, message),
    };
    match hint {
        Some(h) => diagnostic.with_hint(h),
        None => diagnostic,
    }
}

/// Suggests the closest expected field for an `unknown field` error.
fn hint_for(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let best = candidates.iter().map(|c| (edit_distance(field, c), *c)).min()?;
    (best.0 <= 2).then(|| format!("did you mean `{}`?", best.1))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        id: String,
        title: String,
    }

    #[test]
    fn unknown_field_has_position_and_hint() {
        let err = from_str::<Doc>("rules/x.yaml", "id: a\ntitel: b\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert_eq!(err.column, 1);
        assert!(
            err.message.starts_with("unknown field `titel`"),
            "{}",
            err.message
        );
        assert_eq!(err.hint.as_deref(), Some("did you mean `title`?"));
    }
}
