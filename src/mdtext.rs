//! Bundle and command-line text made inert in markdown: the case document is markdown first and
//! HTML second, so a log line, a file name or a `--title` must never turn into markup there.
//! Three tera filters: `md_text` (punctuation backslash-escaped), `code` (an inline code span
//! whose backtick run is longer than any inside) and `fence` (a code fence longer than any
//! backtick run in the value, so no line of it can close the block).

use std::collections::HashMap;

use tera::Value;

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The longest run of backticks in `text`.
fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// The characters that can open markup backslash-escaped (`<` HTML and autolinks, `&`
/// entities, `[` `]` links, backticks code, `*` `~` emphasis, `\\` itself), line breaks as
/// spaces: the text reads the same and is never HTML, a link or an entity. Underscores stay, so
/// `rpc_max_conns` reads as written (at worst, `_x_` is emphasis).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '<' | '>' | '&' | '[' | ']' | '*' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// An inline code span holding `text` literally (line breaks as spaces).
pub(crate) fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    // A span that starts or ends with a backtick needs a space inside the delimiters.
    if text.starts_with('`') || text.ends_with('`') || text.is_empty() {
        format!("{ticks} {text} {ticks}")
    } else {
        format!("{ticks}{text}{ticks}")
    }
}

/// A fence for a code block holding `text`: three backticks, or one more than its longest run.
pub(crate) fn fence(text: &str) -> String {
    "`".repeat((longest_backtick_run(text) + 1).max(3))
}

/// `md_text` filter.
pub(crate) fn md_text_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    Ok(Value::String(escape(&as_text(value))))
}

/// `code` filter.
pub(crate) fn code_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    Ok(Value::String(code(&as_text(value))))
}

/// `fence` filter: over any value (a string, a list of lines, a whole section).
pub(crate) fn fence_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    Ok(Value::String(fence(&as_text(value))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_stays_text() {
        assert_eq!(
            escape("<b>x</b> & [a](b) 10.0.0.1"),
            "\\<b\\>x\\</b\\> \\& \\[a\\](b) 10.0.0.1"
        );
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(fence("plain"), "```");
        assert_eq!(fence("x\n```\ny"), "````");
        assert_eq!(fence("`````"), "``````");
    }
}
