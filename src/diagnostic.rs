//! Errors about files people author (rules, signatures, runbooks, templates), rendered like a
//! compiler's: `path:line:col: message`, the offending line, a caret under the column and a hint.

use std::fmt;

use serde::Serialize;

/// A problem at a position in an authored file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Path of the file, as the author knows it (relative to the knowledge-base root).
    pub path: String,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column; 0 when unknown.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The text of the offending line, when known.
    pub source_line: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
    /// A warning: worth fixing, but the item concerned still loads and runs.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub warning: bool,
}

impl Diagnostic {
    /// A problem with a whole file (no position).
    pub fn file(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            line: 0,
            column: 0,
            message: message.into(),
            source_line: None,
            hint: None,
            warning: false,
        }
    }

    /// A problem at `line:column` (1-based) of `source`, the file's full text.
    pub fn at(
        path: impl Into<String>,
        source: &str,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        let source_line = line
            .checked_sub(1)
            .and_then(|i| source.lines().nth(i))
            .map(str::to_owned);
        Diagnostic {
            path: path.into(),
            line,
            column,
            message: message.into(),
            source_line,
            hint: None,
            warning: false,
        }
    }

    /// A problem at the first line of `source` that contains `needle` (column of its start);
    /// the whole file when no line does.
    pub fn at_text(path: impl Into<String>, source: &str, needle: &str, message: impl Into<String>) -> Self {
        let path = path.into();
        match source
            .lines()
            .enumerate()
            .find_map(|(i, l)| l.find(needle).map(|c| (i + 1, c + 1)))
        {
            Some((line, column)) => Diagnostic::at(path, source, line, column, message),
            None => Diagnostic::file(path, message),
        }
    }

    /// Points at `value` on the first line whose key is `key` and that contains it (the key's
    /// line when the value is on a line of its own).
    pub fn at_key(path: &str, src: &str, key: &str, value: &str, message: impl Into<String>) -> Diagnostic {
        let prefix = format!("{key}:");
        let found = src.lines().enumerate().find_map(|(i, line)| {
            let t = line.trim_start().trim_start_matches("- ");
            (t.starts_with(&prefix)
                || t.starts_with(&format!("'{key}':"))
                || t.starts_with(&format!("\"{key}\":")))
            .then(|| {
                line.find(value)
                    .filter(|_| !value.is_empty())
                    .map(|c| (i + 1, c + 1))
            })
            .flatten()
            .or_else(|| {
                (t.starts_with(&prefix) && value.is_empty()).then(|| (i + 1, line.len() - t.len() + 1))
            })
        });
        match found {
            Some((line, col)) => Diagnostic::at(path, src, line, col, message),
            None if value.is_empty() => Diagnostic::at_text(path, src, key, message),
            None => Diagnostic::at_text(path, src, value, message),
        }
    }

    /// Marks the problem as a warning.
    pub fn warning(mut self) -> Self {
        self.warning = true;
        self
    }

    /// Adds a hint line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = if self.warning { "warning: " } else { "" };
        if self.line == 0 {
            write!(f, "{}: {level}{}", self.path, self.message)?;
        } else {
            write!(
                f,
                "{}:{}:{}: {level}{}",
                self.path, self.line, self.column, self.message
            )?;
        }
        if let Some(text) = &self.source_line {
            let gutter = self.line.to_string().len();
            write!(f, "\n{:gutter$} |\n{} | {}", "", self.line, text)?;
            let pad: String = text
                .chars()
                .take(self.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "\n{:gutter$} | {}^", "", pad)?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  = hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_position_line_caret_and_hint() {
        let src = "id: a\ntitel: b\n";
        let d = Diagnostic::at("rules/a.yaml", src, 2, 1, "unknown field `titel`")
            .with_hint("did you mean `title`?");
        assert_eq!(
            d.to_string(),
            "rules/a.yaml:2:1: unknown field `titel`\n  |\n2 | titel: b\n  | ^\n  = hint: did you mean `title`?"
        );
    }

    #[test]
    fn warnings_say_so() {
        let d = Diagnostic::file("rules/a.yaml", "no test").warning();
        assert_eq!(d.to_string(), "rules/a.yaml: warning: no test");
    }

    #[test]
    fn whole_file_problem_has_no_position() {
        let d = Diagnostic::file("kb/manifest.yaml", "missing");
        assert_eq!(d.to_string(), "kb/manifest.yaml: missing");
    }
}
