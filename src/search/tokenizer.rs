//! The search tokenizer: words lower-cased, and identifiers both as written and by their parts,
//! so `rpc_max_conns_per_client`, `rpc max conns` and `AcquireLock` / `acquire lock` all match.
//! A plural `s` is dropped (`controllers` finds `controller`).

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Name the tokenizer is registered under in the index.
pub(crate) const NAME: &str = "casebook";

/// Splits on anything but letters, digits and `_`; emits each word lower-cased and, when it
/// is an identifier of several parts (`snake_case`, `camelCase`), each part after it.
#[derive(Clone, Default)]
pub(crate) struct IdentTokenizer;

/// The tokens of one text, computed at once.
pub(crate) struct IdentTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for IdentTokenizer {
    type TokenStream<'a> = IdentTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> IdentTokenStream {
        IdentTokenStream {
            tokens: tokens(text),
            next: 0,
        }
    }
}

impl TokenStream for IdentTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// Every token of `text`, positions counting parts: an identifier of `k` parts takes `k`
/// positions (its whole form at the first), so a phrase of parts matches.
pub(crate) fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut position = 0;
    for (start, word) in words(text) {
        let parts = parts(word);
        out.push(Token {
            offset_from: start,
            offset_to: start + word.len(),
            position,
            text: normalise(word, parts.len() > 1),
            position_length: 1,
        });
        if parts.len() > 1 {
            for (i, (off, part)) in parts.iter().enumerate() {
                out.push(Token {
                    offset_from: start + off,
                    offset_to: start + off + part.len(),
                    position: position + i,
                    text: normalise(part, false),
                    position_length: 1,
                });
            }
        }
        position += parts.len().max(1);
    }
    out
}

/// The terms of a query, as the index holds them (whole forms and parts).
#[cfg(test)]
pub(crate) fn terms(text: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for t in tokens(text) {
        if !seen.contains(&t.text) {
            seen.push(t.text);
        }
    }
    seen
}

/// The terms of each word of a query, in order and without repeats: the whole form, then its
/// parts when it is an identifier.
pub(crate) fn word_terms(text: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for (_, w) in words(text) {
        let parts = parts(w);
        let mut terms = vec![normalise(w, parts.len() > 1)];
        if parts.len() > 1 {
            terms.extend(parts.iter().map(|(_, p)| normalise(p, false)));
        }
        if !out.contains(&terms) {
            out.push(terms);
        }
    }
    out
}

/// The words of a query in order (whole forms only), for phrase matching.
pub(crate) fn phrase_words(text: &str) -> Vec<String> {
    words(text)
        .map(|(_, w)| {
            let parts = parts(w);
            normalise(w, parts.len() > 1)
        })
        .collect()
}

fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = text.char_indices().peekable();
    std::iter::from_fn(move || {
        while let Some(&(_, c)) = rest.peek() {
            if is_word_char(c) {
                break;
            }
            rest.next();
        }
        let (start, _) = *rest.peek()?;
        let mut end = start;
        while let Some(&(i, c)) = rest.peek() {
            if !is_word_char(c) {
                break;
            }
            end = i + c.len_utf8();
            rest.next();
        }
        Some((start, &text[start..end]))
    })
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The parts of an identifier: split on `_` and where a lower-case letter or digit meets an
/// upper-case one (`AcquireLock`, `HTTPServer` -> `HTTP`, `Server`).
fn parts(word: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut start: Option<usize> = None;
    for (k, &(i, c)) in chars.iter().enumerate() {
        if c == '_' {
            if let Some(s) = start.take() {
                out.push((s, &word[s..i]));
            }
            continue;
        }
        let boundary = start.is_some() && k > 0 && {
            let prev = chars[k - 1].1;
            let next_lower = chars.get(k + 1).is_some_and(|&(_, n)| n.is_lowercase());
            c.is_uppercase()
                && (prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower))
        };
        if boundary {
            let s = start.expect("boundary inside a part");
            out.push((s, &word[s..i]));
            start = Some(i);
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((s, &word[s..]));
    }
    out
}

/// Lower case; a plural `s` (or `ies`) dropped from a plain word of more than three letters.
fn normalise(word: &str, identifier: bool) -> String {
    let lower = word.to_lowercase();
    if identifier || lower.len() <= 3 || !lower.chars().all(|c| c.is_ascii_lowercase()) {
        return lower;
    }
    if let Some(stem) = lower.strip_suffix("ies") {
        return format!("{stem}y");
    }
    if lower.ends_with('s') && !lower.ends_with("ss") && !lower.ends_with("us") && !lower.ends_with("is") {
        return lower[..lower.len() - 1].to_owned();
    }
    lower
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<(String, usize)> {
        tokens(s).into_iter().map(|t| (t.text, t.position)).collect()
    }

    #[test]
    fn identifiers_as_written_and_by_parts() {
        let t = texts("rejecting rpc_max_conns_per_client exceeded");
        let words: Vec<&str> = t.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(
            words,
            [
                "rejecting",
                "rpc_max_conns_per_client",
                "rpc",
                "max",
                "conn",
                "per",
                "client",
                "exceeded"
            ]
        );
        assert_eq!(t[2].1, 1, "the first part shares the whole form's position");
        assert_eq!(t.last().unwrap().1, 6, "the next word follows the last part");
        assert_eq!(terms("AcquireLock"), ["acquirelock", "acquire", "lock"]);
        assert_eq!(terms("HTTPServer v5"), ["httpserver", "http", "server", "v5"]);
    }

    #[test]
    fn plurals_fold() {
        assert_eq!(
            terms("controllers Queues policies status"),
            ["controller", "queue", "policy", "status"]
        );
        assert_eq!(terms("conns"), ["conn"], "a plain word, not an identifier part");
    }

    #[test]
    fn offsets_point_into_the_text() {
        let text = "error=Queue full";
        for t in tokens(text) {
            assert_eq!(
                text[t.offset_from..t.offset_to]
                    .to_lowercase()
                    .trim_end_matches('s'),
                t.text.trim_end_matches('s')
            );
        }
    }
}
