//! Tokenising and masking of a log message: the message is split on whitespace into byte
//! slices, each token's variable parts (numbers, hex ids, UUIDs, IPs and ports, paths, URLs,
//! `k=v` values) are replaced by `<*>`, and the masked token is interned to a small integer so
//! that the miner compares `u32`s, not strings.
//!
//! Nothing here allocates per token in the steady state: masking writes into a reused buffer
//! and the interner only allocates when it meets a masked token it has never seen.

use rustc_hash::FxHashMap;

/// The wildcard text used in templates.
pub const WILDCARD: &[u8] = b"<*>";

/// Interned id of the wildcard token `<*>`; always 0.
pub const WILDCARD_ID: u32 = 0;

/// What masking did to a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Masked {
    /// The token had no variable part and is copied as is.
    Constant,
    /// Part of the token was replaced (`blk_<*>`, `user=<*>`, `IOSwitch<<*>>`).
    Partial,
    /// The whole token is a variable (`<*>`).
    Whole,
}

/// Bytes that may wrap a token without being part of its value (`(`, `"`, `[` ...).
fn is_open_wrap(b: u8) -> bool {
    matches!(b, b'(' | b'[' | b'{' | b'<' | b'\'' | b'"' | b'`')
}

/// Bytes that may close a token or end a clause (`)`, `,`, `;`, `:` ...).
fn is_close_wrap(b: u8) -> bool {
    matches!(
        b,
        b')' | b']' | b'}' | b'>' | b'\'' | b'"' | b'`' | b',' | b';' | b':' | b'.' | b'!' | b'?'
    )
}

/// Letters and digits (and any non-ASCII byte, so UTF-8 words stay whole).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// Punctuation that joins the pieces of one value: `10.0.0.1:80`, `2025-01-26`, `-1`.
fn is_value_joiner(b: u8) -> bool {
    matches!(
        b,
        b'.' | b':' | b'-' | b'_' | b'/' | b',' | b'+' | b'#' | b'@' | b'%'
    )
}

/// Whether `core` is one value made of hex digits and joiners with at least one decimal
/// digit: numbers, IPv4/IPv6 with ports, UUIDs, hex ids, dates, times, versions.
fn is_numeric_value(core: &[u8]) -> bool {
    let mut digits = 0usize;
    let mut i = 0;
    // Allow a `0x` prefix.
    if core.len() > 2 && core[0] == b'0' && (core[1] == b'x' || core[1] == b'X') {
        i = 2;
    }
    for &b in &core[i..] {
        if b.is_ascii_digit() {
            digits += 1;
        } else if !(b.is_ascii_hexdigit() || is_value_joiner(b)) {
            return false;
        }
    }
    digits > 0
}

/// Whether `core` is a file path or URL (`/var/log/x`, `./a/b`, `C:\x`, `https://...`).
fn is_path_or_url(core: &[u8]) -> bool {
    if core.len() < 2 {
        return false;
    }
    if core[0] == b'/' {
        // `/x`, `/var/log/x`; not `//` (a comment marker).
        return core[1] != b'/';
    }
    if core.starts_with(b"./") || core.starts_with(b"../") || core.starts_with(b"~/") {
        return true;
    }
    if core.len() > 3 && core[1] == b':' && core[2] == b'\\' && core[0].is_ascii_alphabetic() {
        return true;
    }
    memchr::memmem::find(core, b"://")
        .is_some_and(|p| p > 0 && core[..p].iter().all(u8::is_ascii_alphabetic))
}

/// Capitalised month and weekday abbreviations (`Jun`, `Fri`): parts of a date.
fn is_date_word(core: &[u8]) -> bool {
    const WORDS: [&[u8]; 19] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec", b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun",
    ];
    core.len() == 3 && WORDS.contains(&core)
}

/// Masks the variable parts of one whitespace-free token into `out` (cleared first).
///
/// Rules, in order: `key=value` keeps the key and masks a non-empty value; a token that is a
/// number, hex id, UUID, IP/IP:port, time or version becomes `<*>`; a path or URL becomes
/// `<*>`; otherwise every letter-digit run that holds a digit becomes `<*>`, and wildcards
/// joined only by punctuation (`<*>.<*>:<*>`) collapse into one.
pub fn mask_token(tok: &[u8], out: &mut Vec<u8>) -> Masked {
    out.clear();
    mask_into(tok, out)
}

/// [`mask_token`] appending to `out`.
fn mask_into(tok: &[u8], out: &mut Vec<u8>) -> Masked {
    let base = out.len();
    let mut a = 0;
    while a < tok.len() && is_open_wrap(tok[a]) {
        a += 1;
    }
    let mut b = tok.len();
    while b > a && is_close_wrap(tok[b - 1]) {
        b -= 1;
    }
    let core = &tok[a..b];
    if core.is_empty() {
        out.extend_from_slice(tok);
        return Masked::Constant;
    }
    // key=value: keep the key, mask the value by the rules below (so `user=root` stays a
    // word the miner can tell apart, `rhost=10.0.0.1` becomes `rhost=<*>`).
    if let Some(eq) = memchr::memchr(b'=', core) {
        let key = &core[..eq];
        if eq > 0
            && key
                .iter()
                .all(|&c| is_word_byte(c) || matches!(c, b'_' | b'-' | b'.'))
        {
            out.extend_from_slice(&tok[..a + eq + 1]);
            let kind = mask_into(&tok[a + eq + 1..], out);
            return if kind == Masked::Constant {
                Masked::Constant
            } else {
                Masked::Partial
            };
        }
    }
    if is_date_word(core) {
        out.extend_from_slice(&tok[..a]);
        out.extend_from_slice(WILDCARD);
        out.extend_from_slice(&tok[b..]);
        return Masked::Partial;
    }
    if is_numeric_value(core) || is_path_or_url(core) {
        out.extend_from_slice(&tok[..a]);
        out.extend_from_slice(WILDCARD);
        out.extend_from_slice(&tok[b..]);
        return if a == 0 && b == tok.len() {
            Masked::Whole
        } else {
            Masked::Partial
        };
    }
    // Word-level masking inside the token.
    let mut changed = false;
    // Position in `out` just after the last wildcard written, and whether only joiners
    // followed it.
    let mut last_wild_end: Option<usize> = None;
    let mut i = 0;
    while i < tok.len() {
        let c = tok[i];
        if is_word_byte(c) {
            let start = i;
            let mut has_digit = false;
            while i < tok.len() && is_word_byte(tok[i]) {
                has_digit |= tok[i].is_ascii_digit();
                i += 1;
            }
            if has_digit {
                changed = true;
                if let Some(end) = last_wild_end {
                    // Collapse `<*>-<*>` into one wildcard.
                    if out[end..].iter().all(|&x| is_value_joiner(x)) {
                        out.truncate(end);
                        continue;
                    }
                }
                // A sign before the number belongs to it: `blk_-42` -> `blk_<*>`.
                let n = out.len();
                if n > 0
                    && matches!(out[n - 1], b'-' | b'+')
                    && (n == 1 || !is_word_byte(out[n - 2]))
                {
                    out.pop();
                }
                out.extend_from_slice(WILDCARD);
                last_wild_end = Some(out.len());
            } else {
                out.extend_from_slice(&tok[start..i]);
                last_wild_end = None;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    if !changed {
        return Masked::Constant;
    }
    if &out[base..] == WILDCARD {
        Masked::Whole
    } else {
        Masked::Partial
    }
}

/// Splits `text` into whitespace-separated tokens, at most `max_tokens` of them.
pub fn split_tokens(text: &[u8], max_tokens: usize, mut each: impl FnMut(&[u8])) {
    let mut i = 0;
    let mut n = 0;
    while i < text.len() && n < max_tokens {
        while i < text.len() && text[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= text.len() {
            break;
        }
        let start = i;
        while i < text.len() && !text[i].is_ascii_whitespace() {
            i += 1;
        }
        each(&text[start..i]);
        n += 1;
    }
}

/// Maps masked tokens to dense `u32` ids and back. Id 0 is always `<*>`.
#[derive(Debug, Default)]
pub struct Interner {
    ids: FxHashMap<Box<[u8]>, u32>,
    texts: Vec<Box<[u8]>>,
    /// Whether the token contains a wildcard (so it is not a good tree key).
    variable: Vec<bool>,
    /// Whether the token is a wildcard in punctuation only (`<*>:`, `(<*>)`).
    slot: Vec<bool>,
    /// Whether the token is an identifier with a variable part: a wildcard in a dotted
    /// name (`<*>.example.net`, `host-<*>.corp:<*>`) or in punctuation only.
    ident: Vec<bool>,
}

impl Interner {
    /// An interner that already holds `<*>` as id 0.
    pub fn new() -> Self {
        let mut me = Interner::default();
        me.intern(WILDCARD);
        me
    }

    /// The id of `tok`, adding it if new.
    pub fn intern(&mut self, tok: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(tok) {
            return id;
        }
        let id = self.texts.len() as u32;
        let boxed: Box<[u8]> = tok.into();
        self.ids.insert(boxed.clone(), id);
        self.texts.push(boxed);
        self.variable
            .push(memchr::memmem::find(tok, WILDCARD).is_some());
        let mut a = 0;
        while a < tok.len() && is_open_wrap(tok[a]) {
            a += 1;
        }
        let mut b = tok.len();
        while b > a && is_close_wrap(tok[b - 1]) {
            b -= 1;
        }
        let slot = &tok[a..b] == WILDCARD;
        self.slot.push(slot);
        let wild = self.variable[id as usize];
        self.ident
            .push(wild && (slot || memchr::memchr(b'.', &tok[a..b]).is_some()));
        id
    }

    /// The bytes of token `id`.
    pub fn text(&self, id: u32) -> &[u8] {
        &self.texts[id as usize]
    }

    /// Whether token `id` holds a wildcard.
    pub fn is_variable(&self, id: u32) -> bool {
        self.variable[id as usize]
    }

    /// Whether token `id` is a wildcard wrapped in punctuation only (`<*>`, `<*>:`, `[<*>]`).
    pub fn is_slot(&self, id: u32) -> bool {
        self.slot[id as usize]
    }

    /// Whether token `id` names a varying thing (see the `ident` field): a wildcard alone
    /// or inside a dotted name. Such values never make a template position constant.
    pub fn is_ident(&self, id: u32) -> bool {
        self.ident[id as usize]
    }

    /// Number of distinct tokens.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Always false: `<*>` is interned from the start.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }
}

/// Tokenises and masks `text`, pushing interned ids onto `ids` (cleared first).
pub fn tokenize(
    text: &[u8],
    max_tokens: usize,
    interner: &mut Interner,
    scratch: &mut Vec<u8>,
    ids: &mut Vec<u32>,
) {
    ids.clear();
    split_tokens(text, max_tokens, |tok| {
        let id = match mask_token(tok, scratch) {
            Masked::Whole => WILDCARD_ID,
            _ => interner.intern(scratch),
        };
        ids.push(id);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(tok: &str) -> String {
        let mut out = Vec::new();
        mask_token(tok.as_bytes(), &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numbers_and_signed_numbers() {
        assert_eq!(m("42"), "<*>");
        assert_eq!(m("-1"), "<*>");
        assert_eq!(m("3.14"), "<*>");
        assert_eq!(m("(42),"), "(<*>),");
    }

    #[test]
    fn hex_and_uuid() {
        assert_eq!(m("0x7f961cf08cf0"), "<*>");
        assert_eq!(m("4cafe0b1d2"), "<*>");
        assert_eq!(m("6596a768-1d2b-4f6e-9c1a-0123456789ab"), "<*>");
        // hex-looking words without digits stay
        assert_eq!(m("deadbeef"), "deadbeef");
    }

    #[test]
    fn ips_and_ports() {
        assert_eq!(m("10.42.60.190"), "<*>");
        assert_eq!(m("10.42.60.190:18300"), "<*>");
        assert_eq!(m("[173.234.31.186]"), "[<*>]");
        assert_eq!(m("fe80::1"), "<*>");
        assert_eq!(m("/10.10.34.11:45307"), "<*>");
    }

    #[test]
    fn paths_and_urls() {
        assert_eq!(m("/etc/httpd/conf/workers2.properties"), "<*>");
        assert_eq!(m("https://example.com/v1/x"), "<*>");
        assert_eq!(m("./run/x"), "<*>");
        assert_eq!(m("/"), "/");
    }

    #[test]
    fn key_values() {
        assert_eq!(m("pid=19402"), "pid=<*>");
        assert_eq!(m("host=q0009381:6596a768"), "host=<*>");
        assert_eq!(m("ruser="), "ruser=");
        assert_eq!(m("rhost=218.188.2.4"), "rhost=<*>");
        assert_eq!(m("path=/var/log/x,"), "path=<*>,");
        // Word values stay: the miner decides from their variety whether they vary.
        assert_eq!(m("user=root"), "user=root");
    }

    #[test]
    fn date_words() {
        assert_eq!(m("Fri"), "<*>");
        assert_eq!(m("(Jun"), "(<*>");
        assert_eq!(m("Junk"), "Junk");
    }

    #[test]
    fn inner_digits() {
        assert_eq!(m("blk_-6952295868487656571"), "blk_<*>");
        assert_eq!(m("blk_38865049064139660"), "blk_<*>");
        assert_eq!(
            m("IOThunderboltSwitch<0>(0x0)::listenerCallback"),
            "IOThunderboltSwitch<<*>>(<*>)::listenerCallback"
        );
        assert_eq!(m("msra-sa-41/10.190.173.170:8030"), "msra-sa-<*>");
        assert_eq!(m("appattempt_1445144423722_0020_000001"), "appattempt_<*>");
        assert_eq!(m("failure;"), "failure;");
    }

    #[test]
    fn tokenize_interns() {
        let mut i = Interner::new();
        let mut s = Vec::new();
        let mut ids = Vec::new();
        tokenize(b"a  1 b\tc=2", 10, &mut i, &mut s, &mut ids);
        assert_eq!(ids.len(), 4);
        assert_eq!(ids[1], WILDCARD_ID);
        assert_eq!(i.text(ids[3]), b"c=<*>");
        tokenize(b"a 7", 10, &mut i, &mut s, &mut ids);
        assert_eq!(ids, vec![1, WILDCARD_ID]);
    }
}
