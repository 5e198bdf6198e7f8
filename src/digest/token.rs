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
const fn is_value_joiner(b: u8) -> bool {
    matches!(
        b,
        b'.' | b':' | b'-' | b'_' | b'/' | b',' | b'+' | b'#' | b'@' | b'%'
    )
}

/// Value classes: a decimal digit; a byte that may be part of a numeric value (hex digit,
/// `x`, joiner).
const V_DIGIT: u8 = 1;
const V_VALUE: u8 = 2;

const fn value_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let mut k = 0;
        if c.is_ascii_digit() {
            k |= V_DIGIT | V_VALUE;
        }
        if c.is_ascii_hexdigit() || c == b'x' || c == b'X' || is_value_joiner(c) {
            k |= V_VALUE;
        }
        t[i] = k;
        i += 1;
    }
    t
}

static VALUE_CLASSES: [u8; 256] = value_classes();

/// Classes shared by every byte of `core` (`all`) and found in any byte (`any`).
#[inline]
fn value_flags(core: &[u8]) -> (u8, u8) {
    let mut all = 0xff;
    let mut any = 0;
    for &c in core {
        let k = VALUE_CLASSES[c as usize];
        all &= k;
        any |= k;
    }
    (all, any)
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
    // `scheme://...`: the scheme is a short run of letters.
    let scheme = core
        .iter()
        .take(12)
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    scheme > 0 && core[scheme..].starts_with(b"://") || is_host_path(core)
}

/// Whether `core` is a URL without its scheme, as proxies log requests
/// (`www.example.com/index.html`, `cdn.static.example.net/`): a host name of three or more
/// lower-case labels, then `/`. A Java or Android package before a slash
/// (`com.google.android.gm/.MainActivity`, `org.example.app/x`) is a name, not a host.
fn is_host_path(core: &[u8]) -> bool {
    let Some(slash) = memchr::memchr(b'/', core) else {
        return false;
    };
    let host = &core[..slash];
    let mut labels = host.split(|&c| c == b'.');
    let package = host.split(|&c| c == b'.').next().is_some_and(|first| {
        matches!(
            first,
            b"com" | b"org" | b"net" | b"io" | b"edu" | b"android" | b"java" | b"javax"
        )
    });
    host.iter().filter(|&&c| c == b'.').count() >= 2
        && !package
        && core.get(slash + 1) != Some(&b'.')
        && labels.clone().all(|l| {
            !l.is_empty()
                && l[0].is_ascii_alphanumeric()
                && l.iter()
                    .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        })
        && labels
            .next_back()
            .is_some_and(|l| l.iter().all(u8::is_ascii_lowercase))
}

/// Whether a numeric `core` ends with a port after an address: `10.0.0.1:80`,
/// `/10.0.0.1:80` (a clock `13:09:02` has no dot before its last colon).
fn has_port(core: &[u8]) -> bool {
    let Some(c) = memchr::memrchr(b':', core) else {
        return false;
    };
    let port = &core[c + 1..];
    let host = &core[..c];
    (1..=5).contains(&port.len())
        && port.iter().all(u8::is_ascii_digit)
        && memchr::memchr(b'.', host).is_some()
}

/// Whether `core` is an e-mail address: a local part, one `@`, and a dotted domain
/// (`ops@example.com`; not an Erlang node, `rabbit@rmq-1`).
fn is_email(core: &[u8]) -> bool {
    let Some(at) = memchr::memchr(b'@', core) else {
        return false;
    };
    let (local, domain) = (&core[..at], &core[at + 1..]);
    !local.is_empty()
        && local
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-'))
        && domain.first().is_some_and(u8::is_ascii_alphanumeric)
        && domain.contains(&b'.')
        && domain
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// The mask of a host name with a port: `<*>:<*>` for `proxy.example.com:5070` or
/// `node-41:8030` (lowercase labels, at least three of them or a dash and a digit; a source
/// file and line, `main.go:42`, is neither), `<*>/<*>:<*>` for a name and address
/// (`node-41/10.0.0.7:8030`, as Java prints a socket address).
fn host_port_mask(core: &[u8]) -> Option<&'static [u8]> {
    let c = memchr::memrchr(b':', core)?;
    let (host, port) = (&core[..c], &core[c + 1..]);
    if !(1..=5).contains(&port.len()) || !port.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let name_like = |h: &[u8]| {
        h.first().is_some_and(u8::is_ascii_alphanumeric)
            && h.iter()
                .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    };
    let dots = |h: &[u8]| h.iter().filter(|&&b| b == b'.').count();
    let host_name =
        |h: &[u8]| name_like(h) && (dots(h) >= 2 || (h.contains(&b'-') && h.iter().any(u8::is_ascii_digit)));
    if let Some(slash) = memchr::memchr(b'/', host) {
        let (name, ip) = (&host[..slash], &host[slash + 1..]);
        let ipv4 = dots(ip) == 3 && ip.iter().all(|&b| b.is_ascii_digit() || b == b'.');
        return (ipv4 && name_like(name)).then_some(b"<*>/<*>:<*>");
    }
    host_name(host).then_some(b"<*>:<*>")
}

/// Whether a letter-digit run is a name that ends in one digit (`ssh2`, `jk2`, `eth0`,
/// `wl0`): letters, then a single digit. Such a word is kept; if it varies the miner
/// makes it a parameter (a token holding a digit never splits a template).
fn is_numbered_name(run: &[u8]) -> bool {
    run.len() >= 3
        && run[run.len() - 1].is_ascii_digit()
        && run[..run.len() - 1].iter().all(u8::is_ascii_alphabetic)
}

/// Whether `core` is an upper-case name of four letters or more ending in one digit
/// (`SOCKS5`, `HTTP2`).
fn is_protocol_name(core: &[u8]) -> bool {
    core.len() >= 5 && is_numbered_name(core) && core[..core.len() - 1].iter().all(u8::is_ascii_uppercase)
}

/// Whether a masked `core` is an id of a name and numbers joined by `_`: a letter first,
/// only letters, digits, `_`, `-` and wildcards, and a wildcard after the first `_`
/// (`blk_<*>`, `rdd_<*>`, `attempt_<*>_m_<*>`; not `<*>_init`).
fn is_underscore_id(core: &[u8]) -> bool {
    let Some(u) = memchr::memchr(b'_', core) else {
        return false;
    };
    core[0].is_ascii_alphabetic()
        && memchr::memmem::find(&core[u..], WILDCARD).is_some()
        && core
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'<' | b'*' | b'>'))
}

/// How a masked token reads in a template: an id whose name only says what kind of id it is
/// (`blk_<*>`, `attempt_<*>_m_<*>`) is the variable as a whole, `<*>`, with the punctuation
/// around it kept (`[<*>]`). The miner still groups by the masked token, so `attempt_<*>`
/// and `task_<*>` tell events apart.
pub fn display_token(tok: &[u8], out: &mut Vec<u8>) {
    let mut a = 0;
    while a < tok.len() && is_open_wrap(tok[a]) && !tok[a..].starts_with(WILDCARD) {
        a += 1;
    }
    let mut b = tok.len();
    while b > a && is_close_wrap(tok[b - 1]) && !tok[a..b].ends_with(WILDCARD) {
        b -= 1;
    }
    if a < b && is_underscore_id(&tok[a..b]) {
        out.extend_from_slice(&tok[..a]);
        out.extend_from_slice(WILDCARD);
        out.extend_from_slice(&tok[b..]);
    } else {
        out.extend_from_slice(tok);
    }
}

/// Capitalised month and weekday abbreviations (`Jun`, `Fri`): parts of a date.
fn is_date_word(core: &[u8]) -> bool {
    const WORDS: [&[u8]; 19] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
        b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun",
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
    // One pass for the value classes, stopping at a `key=`.
    let mut all = 0xffu8;
    let mut any = 0u8;
    let mut i = 0;
    while i < core.len() && core[i] != b'=' {
        let k = VALUE_CLASSES[core[i] as usize];
        all &= k;
        any |= k;
        i += 1;
    }
    if i < core.len() {
        // key=value: keep the key, mask the value by these same rules (so `user=root` stays
        // a word the miner can tell apart, `rhost=10.0.0.1` becomes `rhost=<*>`).
        let key = &core[..i];
        if i > 0
            && key
                .iter()
                .all(|&c| is_word_byte(c) || matches!(c, b'_' | b'-' | b'.'))
        {
            out.extend_from_slice(&tok[..a + i + 1]);
            let kind = mask_into(&tok[a + i + 1..], out);
            return if kind == Masked::Constant {
                Masked::Constant
            } else {
                Masked::Partial
            };
        }
        let (all2, any2) = value_flags(&core[i..]);
        all &= all2;
        any |= any2;
    }
    // A number, hex id, UUID, IP[:port], time or version: hex digits and joiners with at
    // least one decimal digit. An address with a port keeps its colon (`<*>:<*>`), so the
    // template says what the value is.
    if all & V_VALUE != 0 && any & V_DIGIT != 0 {
        out.extend_from_slice(&tok[..a]);
        out.extend_from_slice(WILDCARD);
        let port = has_port(core);
        if port {
            out.push(b':');
            out.extend_from_slice(WILDCARD);
        }
        out.extend_from_slice(&tok[b..]);
        return if a == 0 && b == tok.len() && !port {
            Masked::Whole
        } else {
            Masked::Partial
        };
    }
    if is_email(core) {
        out.extend_from_slice(&tok[..a]);
        out.extend_from_slice(WILDCARD);
        out.extend_from_slice(&tok[b..]);
        return if a == 0 && b == tok.len() {
            Masked::Whole
        } else {
            Masked::Partial
        };
    }
    if let Some(mask) = host_port_mask(core) {
        out.extend_from_slice(&tok[..a]);
        out.extend_from_slice(mask);
        out.extend_from_slice(&tok[b..]);
        return Masked::Partial;
    }
    if is_date_word(core) {
        out.extend_from_slice(&tok[..a]);
        out.extend_from_slice(WILDCARD);
        out.extend_from_slice(&tok[b..]);
        return Masked::Partial;
    }
    if is_path_or_url(core) {
        out.extend_from_slice(&tok[..a]);
        // A URL keeps its scheme (`hdfs://<*>`).
        let scheme = memchr::memmem::find(core, b"://").map_or(0, |s| s + 3);
        out.extend_from_slice(&core[..scheme]);
        out.extend_from_slice(WILDCARD);
        out.extend_from_slice(&tok[b..]);
        return if a == 0 && b == tok.len() && scheme == 0 {
            Masked::Whole
        } else {
            Masked::Partial
        };
    }
    // A host list (`node[03-05]`, `cn[1,4-7]`, Slurm's and pdsh's notation) is one value, as
    // `node04` is.
    let mut e = tok.len();
    while e > a && matches!(tok[e - 1], b',' | b';' | b':' | b'.' | b')') {
        e -= 1;
    }
    if is_host_list(&tok[a..e]) {
        out.extend_from_slice(&tok[..a]);
        out.extend_from_slice(WILDCARD);
        out.extend_from_slice(&tok[e..]);
        return if a == 0 && e == tok.len() {
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
            // A numbered name joined to a value is part of it (`fe80::1%eth0`).
            let joined = last_wild_end.is_some_and(|end| out[end..].iter().all(|&x| is_value_joiner(x)));
            if has_digit && (joined || !is_numbered_name(&tok[start..i])) {
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
                if n > 0 && matches!(out[n - 1], b'-' | b'+') && (n == 1 || !is_word_byte(out[n - 2])) {
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

/// Whether `s` is a host list: a name holding a letter with one or more bracketed groups of
/// numbers, one of them a list or range (`node[03-05]`, `rack1-n[1,4-7]`; not `launchd[1]`).
fn is_host_list(s: &[u8]) -> bool {
    let (mut i, mut letter, mut list) = (0, false, false);
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_') {
            letter |= c.is_ascii_alphabetic();
            i += 1;
        } else if c == b'[' {
            let mut j = i + 1;
            let mut digit = false;
            while j < s.len() && (s[j].is_ascii_digit() || matches!(s[j], b',' | b'-')) {
                digit |= s[j].is_ascii_digit();
                list |= !s[j].is_ascii_digit();
                j += 1;
            }
            if j >= s.len() || s[j] != b']' || !digit || j == i + 1 {
                return false;
            }
            i = j + 1;
        } else {
            return false;
        }
    }
    letter && list
}

/// Whether masking could change `tok`: it holds a digit, `=`, `/`, `\\` or `@`, or is a date word.
/// Most tokens of a log are plain words, and skip masking altogether.
#[inline]
pub fn needs_mask(tok: &[u8]) -> bool {
    if tok.len() <= 6 && tok.iter().filter(|c| c.is_ascii_uppercase()).count() == 1 {
        return true; // maybe `Jun`, `(Fri`: let the full rules decide
    }
    tok.iter()
        .any(|&c| c.is_ascii_digit() || matches!(c, b'=' | b'/' | b'\\' | b'@'))
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
///
/// Holds at most `cap` tokens: past it an unseen token reads as `<*>` (and is counted), so a
/// log full of letter-only ids (the random suffixes of Kubernetes pod names) cannot grow it
/// without bound.
#[derive(Debug)]
pub struct Interner {
    /// Most tokens held.
    cap: usize,
    /// Unseen tokens read as `<*>` because the interner was full.
    pub(crate) capped: u64,
    ids: FxHashMap<Box<[u8]>, u32>,
    texts: Vec<Box<[u8]>>,
    /// Whether the token contains a wildcard (so it is not a good tree key).
    variable: Vec<bool>,
    /// Whether the token is a wildcard in punctuation only (`<*>:`, `(<*>)`).
    slot: Vec<bool>,
    /// Whether the token is an identifier with a variable part: a wildcard in a dotted or
    /// slashed name (`<*>.example.net`, `host-<*>.corp:<*>`, `be_api/<*>`), a name ending in `_<*>`/`-<*>`
    /// (`rdd_<*>`, `blk_<*>`), or a wildcard in punctuation only.
    ident: Vec<bool>,
}

impl Default for Interner {
    fn default() -> Self {
        Interner::new()
    }
}

impl Interner {
    /// An interner that already holds `<*>` as id 0, with no practical cap.
    pub fn new() -> Self {
        Interner::with_cap(usize::MAX)
    }

    /// An interner of at most `cap` tokens (`<*>` included).
    pub fn with_cap(cap: usize) -> Self {
        let mut me = Interner {
            cap: cap.max(1),
            capped: 0,
            ids: FxHashMap::default(),
            texts: Vec::new(),
            variable: Vec::new(),
            slot: Vec::new(),
            ident: Vec::new(),
        };
        me.intern(WILDCARD);
        me
    }

    /// The id of `tok`, adding it if new; `<*>` (id 0) for a new token once the interner is
    /// full.
    pub fn intern(&mut self, tok: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(tok) {
            return id;
        }
        if self.texts.len() >= self.cap {
            self.capped += 1;
            return 0;
        }
        let id = self.texts.len() as u32;
        let boxed: Box<[u8]> = tok.into();
        self.ids.insert(boxed.clone(), id);
        self.texts.push(boxed);
        self.variable.push(memchr::memmem::find(tok, WILDCARD).is_some());
        let mut a = 0;
        // The wrapping punctuation around the core; the `<` and `>` of a wildcard are its
        // own, not wrapping (`(<*>)` is a slot, `events-<*>` a named id).
        while a < tok.len() && is_open_wrap(tok[a]) && !tok[a..].starts_with(WILDCARD) {
            a += 1;
        }
        let mut b = tok.len();
        while b > a && is_close_wrap(tok[b - 1]) && !tok[a..b].ends_with(WILDCARD) {
            b -= 1;
        }
        // A slot: wildcards and punctuation only (`<*>`, `(<*>)`, `<*>:<*>`).
        let slot = is_slot_core(&tok[a..b]);
        self.slot.push(slot);
        let wild = self.variable[id as usize];
        let core = &tok[a..b];
        let named_id =
            core.len() > 4 && core.ends_with(WILDCARD) && matches!(core[core.len() - 4], b'_' | b'-');
        // A quoted value given a name (`name="lsb_release"`, `user='bob'`) is a parameter
        // whatever words it takes.
        let named_value = tok.len() > 4
            && matches!(tok[tok.len() - 1], b'"' | b'\'')
            && (memchr::memmem::find(tok, b"=\"").is_some() || memchr::memmem::find(tok, b"='").is_some());
        // A quoted lower-case word (`'emails'`, `""orders""`): a name of the user's data
        // (a queue, a table), whatever words it takes. Quoted names from the program itself
        // (`'sparkExecutorActorSystem'`, `'TimeRemaining'`, `"com.apple.tsm"`) stay words.
        let quoted_word = a > 0
            && b < tok.len()
            && matches!(tok[a - 1], b'"' | b'\'')
            && tok[b] == tok[a - 1]
            && core.iter().any(u8::is_ascii_lowercase)
            && core
                .iter()
                .all(|&c| c.is_ascii_lowercase() || c == b'_' || c == b'-');
        // A digit makes a token a parameter, except in an upper-case name of four letters or
        // more ending in one digit (`SOCKS5`, `HTTP2`: a protocol, not the index of a device
        // such as `eth0`, `alt1` or `PS0`): like other words, a few such names split a template.
        let digit = tok.iter().any(u8::is_ascii_digit) && !is_protocol_name(core);
        // An upper-case code with a value after its slash (`TCP_MISS/<*>`, `HIER_NONE/<*>`,
        // `HTTP/<*>`) is a result class and its value, not a name with a variable part
        // (`be_api/<*>`): the code stays a word.
        let coded = memchr::memchr(b'/', core).is_some_and(|k| {
            k >= 3
                && core[..k].iter().all(|&c| c.is_ascii_uppercase() || c == b'_')
                && !core[..k].contains(&b'<')
        }) && !slot;
        self.ident.push(
            named_value
                || quoted_word
                || digit
                || (wild && !coded && (slot || named_id || memchr::memchr2(b'.', b'/', core).is_some())),
        );
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

    /// Whether token `quoted` is the plain word `word` in quotes (`"orders"`, `""orders"",`,
    /// `'orders':`).
    pub fn quotes(&self, quoted: u32, word: u32) -> bool {
        let (q, w) = (self.text(quoted), self.text(word));
        let quote = |c: &u8| matches!(c, b'"' | b'\'');
        let a = q.iter().take_while(|c| quote(c)).count();
        let mut b = q.len();
        while b > a && matches!(q[b - 1], b',' | b';' | b':' | b'.' | b')' | b']') {
            b -= 1;
        }
        let close = q[a..b].iter().rev().take_while(|c| quote(c)).count();
        a > 0 && close > 0 && !w.is_empty() && &q[a..b - close] == w
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

/// Whether `core` holds a wildcard and, besides wildcards, only punctuation.
fn is_slot_core(core: &[u8]) -> bool {
    let mut i = 0;
    let mut wild = false;
    while i < core.len() {
        if core[i..].starts_with(WILDCARD) {
            wild = true;
            i += WILDCARD.len();
        } else if is_word_byte(core[i]) {
            return false;
        } else {
            i += 1;
        }
    }
    wild
}

/// A size or duration unit after a number, with optional closing punctuation (`KB`, `ms,`).
fn is_unit(tok: &[u8]) -> bool {
    let mut b = tok.len();
    while b > 0 && matches!(tok[b - 1], b',' | b';' | b')' | b']' | b'.') {
        b -= 1;
    }
    matches!(
        &tok[..b],
        b"B" | b"KB"
            | b"MB"
            | b"GB"
            | b"TB"
            | b"KiB"
            | b"MiB"
            | b"GiB"
            | b"TiB"
            | b"kB"
            | b"ms"
            | b"us"
            | b"ns"
            | b"s"
            | b"sec"
            | b"secs"
    )
}

/// Byte classes for the tokeniser: whitespace, and bytes that make a token need masking.
const SPACE: u8 = 1;
const MASKY: u8 = 2;
const UPPER: u8 = 4;

const fn byte_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = if c == b' ' || c == b'\t' || c == b'\n' || c == b'\r' || c == 0x0b || c == 0x0c {
            SPACE
        } else if c.is_ascii_digit() || c == b'=' || c == b'/' || c == b'\\' || c == b'@' {
            MASKY
        } else if c.is_ascii_uppercase() {
            UPPER
        } else {
            0
        };
        i += 1;
    }
    t
}

static CLASSES: [u8; 256] = byte_classes();

/// Tokenises and masks `text`, pushing interned ids onto `ids` (cleared first).
///
/// One pass finds token bounds and whether a token may need masking; plain words are
/// interned straight from the input.
pub fn tokenize(
    text: &[u8],
    max_tokens: usize,
    interner: &mut Interner,
    scratch: &mut Vec<u8>,
    ids: &mut Vec<u32>,
) {
    ids.clear();
    let mut i = 0;
    let n = text.len();
    while i < n && ids.len() < max_tokens {
        while i < n && CLASSES[text[i] as usize] == SPACE {
            i += 1;
        }
        if i >= n {
            break;
        }
        let start = i;
        let mut masky = false;
        let mut upper = 0u32;
        while i < n {
            let k = CLASSES[text[i] as usize];
            if k == SPACE {
                break;
            }
            masky |= k == MASKY;
            upper += u32::from(k == UPPER);
            i += 1;
        }
        let tok = &text[start..i];
        // Short tokens with one capital may be date words (`Jun`, `(Fri`).
        if !masky && tok.len() <= 5 && ids.last() == Some(&WILDCARD_ID) && is_unit(tok) {
            // `12 KB`, `3.5 ms`: the unit belongs to the number; punctuation after it stays
            // (`size 12 KB, free` reads `size <*>, free`).
            let word = tok.iter().take_while(|c| c.is_ascii_alphabetic()).count();
            if word < tok.len() {
                scratch.clear();
                scratch.extend_from_slice(WILDCARD);
                scratch.extend_from_slice(&tok[word..]);
                ids.pop();
                ids.push(interner.intern(scratch));
            }
            continue;
        }
        // A Java stack frame without a file line (`at a.B.c(Native Method)`,
        // `(Unknown Source)`) is one token with its location masked, as
        // `at a.B.c(B.java:42)` is: `a.B.c(<*>)`.
        if !masky && (tok.starts_with(b"Method)") || tok.starts_with(b"Source)")) {
            if let Some(&prev) = ids.last() {
                let p = interner.text(prev);
                let (native, unknown) = (tok.starts_with(b"Method)"), tok.starts_with(b"Source)"));
                let word = if native { 6 } else { 7 };
                let method = &p[..p.len().saturating_sub(word + 1)];
                if ((native && p.ends_with(b"(Native")) || (unknown && p.ends_with(b"(Unknown")))
                    && memchr::memchr(b'.', method).is_some()
                {
                    scratch.clear();
                    scratch.extend_from_slice(&p[..p.len() - word]);
                    scratch.extend_from_slice(WILDCARD);
                    scratch.extend_from_slice(&tok[6..]);
                    ids.pop();
                    ids.push(interner.intern(scratch));
                    continue;
                }
            }
        }
        let maybe_date_word = tok.len() <= 6 && upper == 1;
        let id = if !masky && !maybe_date_word {
            interner.intern(tok)
        } else {
            match mask_token(tok, scratch) {
                Masked::Whole => WILDCARD_ID,
                _ => interner.intern(scratch),
            }
        };
        // A list of ids (`blk_1 blk_2 blk_3`) reads as one.
        // Slots (`<*>:`) are not folded: `from <*>: <*>: Bye` keeps both values.
        if ids.last() == Some(&id) && interner.is_variable(id) && !interner.is_slot(id) {
            continue;
        }
        ids.push(id);
    }
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
        assert_eq!(m("10.42.60.190:18300"), "<*>:<*>");
        assert_eq!(m("[fe80::1]:443,"), "[<*>]:<*>,");
        assert_eq!(m("13:09:02"), "<*>");
        assert_eq!(m("proxy.cse.example.edu:5070"), "<*>:<*>");
        assert_eq!(m("main.go:42"), "main.go:<*>");
        assert_eq!(m("<ops.team@example.com>,"), "<<*>>,");
        assert_eq!(m("rabbit@rmq-a"), "rabbit@rmq-a");
        assert_eq!(m("msra-sa-41:8030."), "<*>:<*>.");
        assert_eq!(m("msra-sa-41/10.190.173.170:8030"), "<*>/<*>:<*>");
        assert_eq!(m("[173.234.31.186]"), "[<*>]");
        assert_eq!(m("fe80::1"), "<*>");
        assert_eq!(m("/10.10.34.11:45307"), "<*>:<*>");
    }

    #[test]
    fn paths_and_urls() {
        assert_eq!(m("/etc/httpd/conf/workers2.properties"), "<*>");
        assert_eq!(m("https://example.com/v1/x"), "https://<*>");
        assert_eq!(m("./run/x"), "<*>");
        assert_eq!(m("/"), "/");
        // A proxy's request without its scheme is a URL; a package before a slash is a name.
        assert_eq!(m("cdn.static.example.net/"), "<*>");
        assert_eq!(m("www.example.com/index.html"), "<*>");
        assert_eq!(
            m("com.google.android.gm/.MainActivity"),
            "com.google.android.gm/.MainActivity"
        );
        assert_eq!(m("main.go/x"), "main.go/x");
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
        assert_eq!(m("msra-sa-41/10.190.173.170:8030"), "<*>/<*>:<*>");
        assert_eq!(m("appattempt_1445144423722_0020_000001"), "appattempt_<*>");
        assert_eq!(m("failure;"), "failure;");
        // A name ending in one digit is a word; the miner decides whether it varies.
        assert_eq!(m("jk2_init()"), "jk2_init()");
        assert_eq!(m("ssh2"), "ssh2");
        assert_eq!(m("app12"), "<*>");
        assert_eq!(m("fe80::1%eth0"), "<*>");
    }

    #[test]
    fn fast_path_agrees_with_masking() {
        for tok in [
            "Receive", "connect", "-", "request:", "(LAN)", "Jun", "Fri,", "a=b", "x/y", "ab1",
        ] {
            let mut out = Vec::new();
            let kind = mask_token(tok.as_bytes(), &mut out);
            if !needs_mask(tok.as_bytes()) {
                assert_eq!(kind, Masked::Constant, "{tok}");
                assert_eq!(out, tok.as_bytes());
            }
        }
        assert!(needs_mask(b"Jun"));
        assert!(!needs_mask(b"Receive"));
    }

    #[test]
    fn units_and_id_lists_fold() {
        let mut i = Interner::new();
        let mut s = Vec::new();
        let mut a = Vec::new();
        let mut b = Vec::new();
        tokenize(b"size 12 KB, free 3 MB)", 20, &mut i, &mut s, &mut a);
        tokenize(b"size 7 B, free 30 KB)", 20, &mut i, &mut s, &mut b);
        assert_eq!(a, b);
        tokenize(b"delete blk_1 blk_2 blk_3", 20, &mut i, &mut s, &mut a);
        tokenize(b"delete blk_9", 20, &mut i, &mut s, &mut b);
        assert_eq!(a, b);
        tokenize(
            b"(estimated size 16.0 B, free 317.5 KB)",
            20,
            &mut i,
            &mut s,
            &mut a,
        );
        let text: Vec<&[u8]> = a.iter().map(|&t| i.text(t)).collect();
        assert_eq!(text, [&b"(estimated"[..], b"size", b"<*>,", b"free", b"<*>)"]);
        tokenize(b"Bye Bye", 20, &mut i, &mut s, &mut a);
        assert_eq!(a.len(), 2);
        // Bare wildcards side by side stay two positions: a package and its version.
        tokenize(b"installed 10.2 1.2-3", 20, &mut i, &mut s, &mut a);
        assert_eq!(a.len(), 3);
    }

    #[test]
    fn a_host_list_is_one_value() {
        for t in ["node[03-05]", "node[58,62]", "rack1-n[1,4-7]"] {
            assert_eq!(m(t), "<*>", "{t}");
        }
        assert_eq!(m("NodeList=node[58,62]"), m("NodeList=node04"));
        assert_eq!(m("(node[1-4]),"), "(<*>),");
        assert_eq!(m("launchd[1]"), "launchd[<*>]");
        assert_eq!(m("a[,]"), "a[,]");
    }

    #[test]
    fn a_quoted_token_names_its_word() {
        let mut i = Interner::new();
        let w = i.intern(b"orders");
        for q in ["\"orders\"", "\"\"orders\"\",", "'orders':"] {
            let id = i.intern(q.as_bytes());
            assert!(i.quotes(id, w), "{q}");
        }
        for q in ["orders", "\"orders", "\"users\"", "\"orders.x\""] {
            let id = i.intern(q.as_bytes());
            assert!(!i.quotes(id, w), "{q}");
        }
    }

    #[test]
    fn a_java_frame_without_a_line_reads_as_one_with_a_line() {
        let (mut i, mut s) = (Interner::new(), Vec::new());
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        tokenize(
            b"at android.os.Handler.run(Handler.java:3222)",
            20,
            &mut i,
            &mut s,
            &mut a,
        );
        tokenize(
            b"at java.lang.reflect.Method.invoke(Native Method)",
            20,
            &mut i,
            &mut s,
            &mut b,
        );
        tokenize(
            b"at com.example.Foo.bar(Unknown Source)",
            20,
            &mut i,
            &mut s,
            &mut c,
        );
        assert_eq!(i.text(b[1]), b"java.lang.reflect.Method.invoke(<*>)");
        assert_eq!(i.text(c[1]), b"com.example.Foo.bar(<*>)");
        for t in [&a, &b, &c] {
            assert!(t.len() == 2 && i.is_ident(t[1]));
        }
        // Elsewhere the words stay.
        tokenize(b"called (Unknown Method)", 20, &mut i, &mut s, &mut a);
        assert_eq!(a.len(), 3);
        tokenize(b"in (Unknown Source)", 20, &mut i, &mut s, &mut a);
        assert_eq!(a.len(), 3);
    }

    #[test]
    fn a_wildcard_keeps_its_brackets_when_tokens_are_classed() {
        let mut i = Interner::new();
        let slot = i.intern(b"(<*>),");
        assert!(i.is_slot(slot) && i.is_ident(slot));
        for named in ["events-<*>", "blk_<*>", "[rdd_<*>]", "be_api/<*>"] {
            let id = i.intern(named.as_bytes());
            assert!(i.is_ident(id) && !i.is_slot(id), "{named}");
        }
        let word = i.intern(b"IOSwitch<<*>>");
        assert!(!i.is_ident(word));
        for code in ["TCP_MISS/<*>", "HIER_NONE/<*>", "HTTP/<*>\""] {
            let id = i.intern(code.as_bytes());
            assert!(!i.is_ident(id), "{code}");
        }
    }

    #[test]
    fn a_quoted_lower_case_name_is_a_parameter_and_a_quoted_program_name_a_word() {
        let mut i = Interner::new();
        for data in ["'emails'", "\"\"orders\"\"", "'dead_letters':", "\"web-api\","] {
            let id = i.intern(data.as_bytes());
            assert!(i.is_ident(id), "{data}");
        }
        for word in [
            "'sparkExecutorActorSystem'",
            "'TimeRemaining':",
            "\"com.apple.tsm\"",
            "\"GET",
            "'-'",
            "emails",
        ] {
            let id = i.intern(word.as_bytes());
            assert!(!i.is_ident(id), "{word}");
        }
    }

    #[test]
    fn a_protocol_name_is_a_word_and_a_device_index_a_parameter() {
        let mut i = Interner::new();
        for word in ["SOCKS5", "HTTP2"] {
            let id = i.intern(word.as_bytes());
            assert!(!i.is_ident(id), "{word}");
        }
        for index in ["eth0", "alt1", "PS0", "gige6", "ssh2", "admin1"] {
            let id = i.intern(index.as_bytes());
            assert!(i.is_ident(id), "{index}");
        }
    }

    #[test]
    fn named_ids_read_as_whole_variables() {
        let shown = |t: &str| {
            let mut out = Vec::new();
            display_token(t.as_bytes(), &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(shown("blk_<*>"), "<*>");
        assert_eq!(shown("[DFSClient_NONMAPREDUCE_<*>]"), "[<*>]");
        assert_eq!(shown("attempt_<*>_m_<*>:"), "<*>:");
        assert_eq!(shown("<*>_init()"), "<*>_init()");
        assert_eq!(shown("msra-sa-<*>"), "msra-sa-<*>");
        assert_eq!(shown("user_name"), "user_name");
    }

    #[test]
    fn slots_are_wildcards_in_punctuation() {
        let mut i = Interner::new();
        for slot in ["<*>:<*>", "(<*>)", "[<*>]:<*>,"] {
            let id = i.intern(slot.as_bytes());
            assert!(i.is_slot(id), "{slot}");
        }
        // `from <*>: <*>: Bye`: two values, not a list of one id.
        let mut s = Vec::new();
        let mut ids = Vec::new();
        tokenize(b"from 10.0.0.1: 11: Bye", 10, &mut i, &mut s, &mut ids);
        assert_eq!(ids.len(), 4);
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
