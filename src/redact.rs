//! Redaction of the case document before it is rendered: secrets (passwords, tokens, bearer and
//! basic credentials, private keys, JWTs, credentials in URLs) are always masked; with
//! `--redact`, IPv4 addresses, host names and node names are also replaced by tokens (`ip-1`,
//! `host-1`, `node-1`), the same value getting the same token everywhere.
//!
//! In: any value that can hand out its strings ([`VisitStrings`]) and, for tokens, the node
//! names known from the bundle. Tokens are numbered in order of first appearance over the
//! document's fields, which are themselves in a fixed order, so redacted output stays
//! byte-identical from run to run.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::{bytes, Captures, Regex};

/// What stands in place of a secret.
pub(crate) const MASK: &str = "[redacted]";

/// Something whose strings can be rewritten in place, in a fixed order.
pub(crate) trait VisitStrings {
    /// Calls `f` on every string, in document order.
    fn visit_strings(&mut self, f: &mut dyn FnMut(&mut String));
}

impl VisitStrings for String {
    fn visit_strings(&mut self, f: &mut dyn FnMut(&mut String)) {
        f(self);
    }
}

impl<T: VisitStrings> VisitStrings for Option<T> {
    fn visit_strings(&mut self, f: &mut dyn FnMut(&mut String)) {
        if let Some(v) = self {
            v.visit_strings(f);
        }
    }
}

impl<T: VisitStrings> VisitStrings for Vec<T> {
    fn visit_strings(&mut self, f: &mut dyn FnMut(&mut String)) {
        for v in self {
            v.visit_strings(f);
        }
    }
}

/// Values only: keys are names chosen by the knowledge base (capture and parameter names).
impl<T: VisitStrings> VisitStrings for BTreeMap<String, T> {
    fn visit_strings(&mut self, f: &mut dyn FnMut(&mut String)) {
        for v in self.values_mut() {
            v.visit_strings(f);
        }
    }
}

impl VisitStrings for serde_json::Value {
    fn visit_strings(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            serde_json::Value::String(s) => f(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| v.visit_strings(f)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| v.visit_strings(f)),
            _ => {}
        }
    }
}

/// Implements `VisitStrings` for a struct by visiting the named fields in order.
#[macro_export]
macro_rules! visit_fields {
    ($($ty:ty { $($field:ident),* $(,)? })*) => {
        $(impl $crate::redact::VisitStrings for $ty {
            fn visit_strings(&mut self, f: &mut dyn FnMut(&mut String)) {
                $( $crate::redact::VisitStrings::visit_strings(&mut self.$field, f); )*
            }
        })*
    };
}

visit_fields! {
    crate::findings::ValueCount { value }
    crate::bundle::Skipped { path, reason }
}

/// How a secret rule rewrites one match.
type Mask = fn(&bytes::Captures<'_>) -> Vec<u8>;

/// One kind of secret: its name (for tests and docs), its pattern and how a match is masked.
struct SecretRule {
    name: &'static str,
    pattern: &'static str,
    mask: Mask,
}

/// Keys whose value is a secret in `key=value`, `key: value`, `"key": "value"` and
/// `--key value`: any word containing one of the long names, or a word that is (or ends
/// with `_`/`-`/`.` and) one of the short ones (`pass`, `pwd`, `pw`), so `db_pass=` is masked
/// and `passed=3` or `bypass=1` are not.
const SECRET_KEY: &str = r"(?:[a-z0-9_.-]*(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|auth[_-]?key|credentials?)[a-z0-9_-]*|(?:[a-z0-9]+[_.-])*(?:pass|pwd|pw))";

/// Every secret rule, in the order they apply: specific shapes first (a key block, an
/// `Authorization` header, a token with a known prefix), the broad `key=value` rule last, so
/// each secret is masked by the rule that knows its shape best. A later rule meeting an
/// already masked value masks it again to the same text.
const SECRET_RULES: &[SecretRule] = &[
    SecretRule {
        name: "private key block",
        pattern: r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----(?s:.*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)",
        mask: |c| {
            [
                b"-----BEGIN ",
                &c[1],
                b"----- [redacted] -----END ",
                &c[1],
                b"-----",
            ]
            .concat()
        },
    },
    SecretRule {
        // One line of a PEM body (64 base64 characters, both cases): a key block cut into
        // lines (a digest, an excerpt) still hides its body.
        name: "PEM body line",
        pattern: r"(?m)^[ \t]*[A-Za-z0-9+/]{60,76}={0,2}[ \t]*$",
        mask: |c| {
            let s = &c[0];
            if s.iter().any(u8::is_ascii_uppercase) && s.iter().any(u8::is_ascii_lowercase) {
                MASK.as_bytes().to_vec()
            } else {
                s.to_vec()
            }
        },
    },
    SecretRule {
        name: "authorization header",
        pattern: r#"(?i)\b((?:proxy-)?authorization\\?"?\s*[:=]\s*\\?"?)((?:bearer|basic|digest|negotiate|ntlm|token|apikey|aws4-hmac-sha256)\s+)?[^\s"',;]+"#,
        mask: |c| keep_then_mask(c, &[1, 2]),
    },
    SecretRule {
        name: "bearer or basic credentials",
        pattern: r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]{8,})",
        mask: |c| {
            if looks_like_credential(&c[3]) {
                keep_then_mask(c, &[1, 2])
            } else {
                c[0].to_vec()
            }
        },
    },
    SecretRule {
        name: "JWT",
        pattern: r"\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}",
        mask: |_| MASK.as_bytes().to_vec(),
    },
    SecretRule {
        // The password runs to the last `@` before the path, so one holding `@` is masked whole.
        name: "URL password",
        pattern: r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s/?#@:]*:)[^\s/?#]*@",
        mask: |c| [&c[1], MASK.as_bytes(), b"@"].concat(),
    },
    SecretRule {
        name: "AWS access key id",
        pattern: r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA)[A-Z0-9]{16}\b",
        mask: |_| MASK.as_bytes().to_vec(),
    },
    SecretRule {
        name: "GitHub token",
        pattern: r"\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,})\b",
        mask: |_| MASK.as_bytes().to_vec(),
    },
    SecretRule {
        name: "GitLab token",
        pattern: r"\bglpat-[A-Za-z0-9_-]{20,}",
        mask: |_| MASK.as_bytes().to_vec(),
    },
    SecretRule {
        name: "Slack token",
        pattern: r"\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,}",
        mask: |_| MASK.as_bytes().to_vec(),
    },
    SecretRule {
        name: "Slack webhook",
        pattern: r"(hooks\.slack\.com/services/)[A-Za-z0-9/_-]+",
        mask: |c| keep_then_mask(c, &[1]),
    },
    SecretRule {
        name: "Google API key",
        pattern: r"\bAIza[0-9A-Za-z_-]{35}",
        mask: |_| MASK.as_bytes().to_vec(),
    },
    SecretRule {
        name: "Stripe key",
        pattern: r"\b[sr]k_(?:live|test)_[0-9A-Za-z]{16,}",
        mask: |_| MASK.as_bytes().to_vec(),
    },
    SecretRule {
        // Every `name=value` of the header keeps its name and loses its value.
        name: "cookie header",
        pattern: r#"(?i)\b((?:set-)?cookie\\?"?\s*[:=]\s*\\?"?)([^\s=;",]+=[^\s;",]*(?:;[ \t]*[^\s=;",]+(?:=[^\s;",]*)?)*)"#,
        mask: |c| {
            let mut out = c[1].to_vec();
            for (i, part) in c[2].split(|&b| b == b';').enumerate() {
                if i > 0 {
                    out.push(b';');
                }
                match part.iter().position(|&b| b == b'=') {
                    Some(eq) => {
                        out.extend_from_slice(&part[..=eq]);
                        out.extend_from_slice(MASK.as_bytes());
                    }
                    None => out.extend_from_slice(part),
                }
            }
            out
        },
    },
    SecretRule {
        // `--db-password X`, `-token "X"`: a command-line flag naming a secret, then its value.
        name: "secret flag",
        pattern: r#"(?i)(^|\s)(--?<KEY>)(\s+)("[^"\n]*"|'[^'\n]*'|[^\s"'-][^\s"']*)"#,
        mask: |c| keep_then_mask_quoted(c, &[1, 2, 3], 4),
    },
    SecretRule {
        name: "secret key=value",
        pattern: r#"(?i)\b(<KEY>)((?:\\?["'])?\s*[:=]\s*)(\[redacted\]|\\"(?:[^"\\\n]|\\[^"\n])*\\"|"[^"\n]*"|'[^'\n]*'|[^\s"',;&}\]]+)"#,
        mask: |c| keep_then_mask_quoted(c, &[1, 2], 3),
    },
];

/// The patterns with [`SECRET_KEY`] in place of `<KEY>`.
fn secret_patterns() -> impl Iterator<Item = String> {
    SECRET_RULES
        .iter()
        .map(|r| r.pattern.replace("<KEY>", SECRET_KEY))
}

/// The groups `keep` verbatim, then the mask.
fn keep_then_mask(c: &bytes::Captures<'_>, keep: &[usize]) -> Vec<u8> {
    let mut out: Vec<u8> = keep
        .iter()
        .filter_map(|&i| c.get(i))
        .flat_map(|m| m.as_bytes().iter().copied())
        .collect();
    out.extend_from_slice(MASK.as_bytes());
    out
}

/// [`keep_then_mask`], keeping the quotes around the value in group `value`.
fn keep_then_mask_quoted(c: &bytes::Captures<'_>, keep: &[usize], value: usize) -> Vec<u8> {
    let v = &c[value];
    let quote: &[u8] = if v.starts_with(b"\\\"") {
        b"\\\""
    } else if v.len() >= 2 && (v[0] == b'"' || v[0] == b'\'') {
        &v[..1]
    } else {
        b""
    };
    let mut out = keep_then_mask(c, keep);
    if !quote.is_empty() {
        let at = out.len() - MASK.len();
        out.splice(at..at, quote.iter().copied());
        out.extend_from_slice(quote);
    }
    out
}

/// A word after `Bearer`/`Basic` that is a credential rather than prose (`Basic
/// authentication`): a digit, `+`, `/` or `=`, or capitals after the first letter.
fn looks_like_credential(word: &[u8]) -> bool {
    word.iter().any(|b| b.is_ascii_digit() || b"+/=._-".contains(b))
        || word[1..].iter().any(u8::is_ascii_uppercase)
}

/// The compiled secret rules, and a set of them all: one pass tells whether a line has
/// anything to mask (most have not).
struct Secrets {
    any: bytes::RegexSet,
    rules: Vec<(bytes::Regex, Mask)>,
}

static SECRETS: LazyLock<Secrets> = LazyLock::new(|| {
    // Bytes and ASCII word boundaries: the same rules serve log lines (bytes, in the digest)
    // and document strings, and the set runs as a DFA.
    let build = |p: &str, name: &str| {
        bytes::RegexBuilder::new(p)
            .unicode(false)
            .build()
            .unwrap_or_else(|e| panic!("secret rule `{name}` does not compile: {e}"))
    };
    let patterns: Vec<String> = secret_patterns().collect();
    Secrets {
        any: bytes::RegexSetBuilder::new(&patterns)
            .unicode(false)
            .build()
            .expect("secret patterns compile"),
        rules: patterns
            .iter()
            .zip(SECRET_RULES)
            .map(|(p, r)| (build(p, r.name), r.mask))
            .collect(),
    }
});

/// Masks every secret in `line` (bytes of a log line; the digest masks each line before it
/// is tokenised, so no template keeps a piece of a secret).
pub(crate) fn mask_secrets_bytes(line: &[u8]) -> Cow<'_, [u8]> {
    let secrets = &*SECRETS;
    let matched = secrets.any.matches(line);
    if !matched.matched_any() {
        return Cow::Borrowed(line);
    }
    let mut out = Cow::Borrowed(line);
    for (i, (re, mask)) in secrets.rules.iter().enumerate() {
        // A rule the set did not match can still match once an earlier rule rewrote the
        // line only if that rewrite created it; masks never do.
        if !matched.matched(i) {
            continue;
        }
        if let Cow::Owned(s) = re.replace_all(&out, |c: &bytes::Captures<'_>| mask(c)) {
            out = Cow::Owned(s);
        }
    }
    out
}

/// Masks every secret in `text`.
pub(crate) fn mask_secrets(text: &str) -> Cow<'_, str> {
    match mask_secrets_bytes(text.as_bytes()) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        Cow::Owned(bytes) => Cow::Owned(
            String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        ),
    }
}

const IPV4: &str = r"\b(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\b";
/// Anything shaped like an IPv6 address (two colons or more, hex, an IPv4 tail, a zone);
/// [`ipv6_token`] keeps those that parse and hold a digit (`dead::beef` and code paths like
/// `std::io` stay).
const IPV6: &str = r"(?i:[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:(?:\.\d{1,3}){3})?(?:%[0-9a-z_.-]+)?)";
/// A dotted name: a host name when [`is_host_name`] says so.
const DOTTED: &str =
    r"(?i:\b[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+\b)";
/// Addresses that identify no one and help the reader.
const KEEP: [&str; 5] = ["127.0.0.1", "0.0.0.0", "255.255.255.255", "::1", "::"];
/// Names used inside clusters and companies that the public suffix list does not hold.
const PRIVATE_TLDS: [&str; 11] = [
    "local",
    "localdomain",
    "internal",
    "intranet",
    "intra",
    "lan",
    "corp",
    "home",
    "svc",
    "cluster",
    "localhost",
];
/// Endings that are file types even where they are also top-level domains (`.zip`, `.sh`,
/// `.py`, `.md`, `.rs`, `.pl`, `.so`, `.mov`): `ctl.snapshot.zip` is a file, not a host.
const FILE_ENDINGS: [&str; 58] = [
    "zip", "gz", "tgz", "tar", "bz2", "xz", "zst", "7z", "rar", "log", "txt", "json", "yaml", "yml", "toml",
    "xml", "html", "htm", "md", "csv", "tsv", "ini", "conf", "cfg", "pem", "crt", "cert", "key", "csr",
    "pub", "py", "rs", "go", "sh", "bash", "pl", "pm", "rb", "js", "ts", "java", "class", "jar", "so", "dll",
    "exe", "bin", "dat", "db", "sqlite", "lock", "pid", "sock", "tmp", "bak", "old", "out", "mov",
];

/// Whether a dotted name is a host name: its last label is a top-level domain (the public
/// suffix list, or a private one like `.local` or `.svc`) and not a file type, and no label
/// mixes cases (`kv.clusterHelper.AcquireLock` is a Go name; `HOST.EXAMPLE.COM` is a host).
fn is_host_name(name: &str) -> bool {
    let Some((_, last)) = name.rsplit_once('.') else {
        return false;
    };
    let mixed = |label: &str| {
        label.bytes().any(|b| b.is_ascii_uppercase()) && label.bytes().any(|b| b.is_ascii_lowercase())
    };
    if name.split('.').any(mixed) || !last.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return false;
    }
    let last = last.to_ascii_lowercase();
    if FILE_ENDINGS.contains(&last.as_str()) {
        return false;
    }
    PRIVATE_TLDS.contains(&last.as_str()) || psl::suffix(last.as_bytes()).is_some_and(|s| s.is_known())
}

/// Replaces secrets, and with tokens on, addresses and names.
pub(crate) struct Redactor {
    tokens: Option<Tokens>,
    /// Whether secrets are masked (off for text already masked, such as a digest's).
    secrets: bool,
}

struct Tokens {
    ipv6: Regex,
    pattern: Regex,
    assigned: BTreeMap<String, String>,
    next: [usize; 3],
}

impl Tokens {
    /// The token of `whole` (`ip-3`), assigned on first sight.
    fn token(&mut self, whole: &str, slot: usize) -> String {
        if let Some(t) = self.assigned.get(whole) {
            return t.clone();
        }
        self.next[slot] += 1;
        let token = format!("{}-{}", ["ip", "host", "node"][slot], self.next[slot]);
        self.assigned.insert(whole.to_owned(), token.clone());
        token
    }
}

/// Whether `candidate` at `start..end` of `text` is an IPv6 address to replace: it stands
/// alone (no letter, digit, `_`, `:` or `.` either side), parses (its zone aside), holds a
/// digit and is not kept.
fn is_ipv6(text: &str, start: usize, end: usize) -> bool {
    let candidate = &text[start..end];
    let glued = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if glued(text[..start].chars().next_back()) || glued(text[end..].chars().next()) {
        return false;
    }
    let address = candidate.split('%').next().unwrap_or(candidate);
    address.parse::<std::net::Ipv6Addr>().is_ok()
        && candidate.bytes().any(|b| b.is_ascii_digit())
        && !KEEP.contains(&address)
}

impl Redactor {
    /// Secrets only.
    pub(crate) fn secrets_only() -> Self {
        Redactor {
            tokens: None,
            secrets: true,
        }
    }

    /// The same redactor, leaving secrets to the caller: for text whose secrets are already
    /// masked (the digest masks each line before mining it).
    pub(crate) fn without_secrets(mut self) -> Self {
        self.secrets = false;
        self
    }

    /// Secrets, and IPs, host names and the given node names as tokens.
    pub(crate) fn with_tokens(node_names: &BTreeSet<String>) -> Self {
        let mut names: Vec<&String> = node_names.iter().filter(|n| !n.is_empty()).collect();
        // Longest first, so a name that extends another wins.
        names.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        let mut pattern = format!("(?P<ip>{IPV4})");
        if !names.is_empty() {
            let alternation: Vec<String> = names.iter().map(|n| regex::escape(n)).collect();
            pattern.push_str(&format!(r"|(?P<node>\b(?:{})\b)", alternation.join("|")));
        }
        pattern.push_str(&format!("|(?P<host>{DOTTED})"));
        Redactor {
            tokens: Some(Tokens {
                ipv6: Regex::new(IPV6).expect("IPv6 pattern compiles"),
                pattern: Regex::new(&pattern).expect("redaction pattern compiles"),
                assigned: BTreeMap::new(),
                next: [0; 3],
            }),
            secrets: true,
        }
    }

    /// Redacts one string in place.
    pub(crate) fn apply(&mut self, text: &mut String) {
        if self.secrets {
            if let Cow::Owned(s) = mask_secrets(text) {
                *text = s;
            }
        }
        let Some(tokens) = &mut self.tokens else { return };
        // IPv6 first: its candidates hold IPv4 tails and hex that the second pass would cut.
        let ipv6 = tokens.ipv6.clone();
        let hay: &str = text;
        let replaced = ipv6.replace_all(hay, |c: &Captures<'_>| {
            let m = c.get(0).expect("whole match");
            if is_ipv6(hay, m.start(), m.end()) {
                tokens.token(m.as_str(), 0)
            } else {
                m.as_str().to_owned()
            }
        });
        if let Cow::Owned(s) = replaced {
            *text = s;
        }
        let pattern = tokens.pattern.clone();
        let replaced = pattern.replace_all(text, |c: &Captures<'_>| {
            let whole = &c[0];
            if KEEP.contains(&whole) {
                whole.to_owned()
            } else if c.name("ip").is_some() {
                tokens.token(whole, 0)
            } else if c.name("node").is_some() {
                tokens.token(whole, 2)
            } else if is_host_name(whole) {
                tokens.token(whole, 1)
            } else {
                whole.to_owned()
            }
        });
        if let Cow::Owned(s) = replaced {
            *text = s;
        }
    }

    /// Redacts every string of `value`, in its order.
    pub(crate) fn redact(&mut self, value: &mut impl VisitStrings) {
        value.visit_strings(&mut |s| self.apply(s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        mask_secrets(text).into_owned()
    }

    /// Each rule, an input it masks and the masked text. Every rule has a case here
    /// (`every_rule_is_pinned`).
    const CASES: &[(&str, &str, &str)] = &[
        (
            "private key block",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY----- [redacted] -----END RSA PRIVATE KEY-----",
        ),
        (
            "private key block",
            "key: -----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAA",
            "key: -----BEGIN OPENSSH PRIVATE KEY----- [redacted] -----END OPENSSH PRIVATE KEY-----",
        ),
        (
            "PEM body line",
            "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB",
            "[redacted]",
        ),
        (
            "authorization header",
            "Authorization: Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnag",
            "Authorization: Negotiate [redacted]",
        ),
        (
            "authorization header",
            r#"{"authorization":"sk-live-1234567890"}"#,
            r#"{"authorization":"[redacted]"}"#,
        ),
        (
            "bearer or basic credentials",
            "GET / Authorization: Bearer abc.def-123456",
            "GET / Authorization: Bearer [redacted]",
        ),
        (
            "bearer or basic credentials",
            "curl -H 'basic dXNlcjpwYXNz'",
            "curl -H 'basic [redacted]'",
        ),
        (
            "JWT",
            "jwt eyJhbGciOiJI.eyJzdWIiOiIx.SflKxwRJSMeK",
            "jwt [redacted]",
        ),
        (
            "URL password",
            "url=https://admin:s3cret@registry.example.com/v2",
            "url=https://admin:[redacted]@registry.example.com/v2",
        ),
        (
            "URL password",
            "dial postgres://user:p@ss@db.example.com:5432/app failed",
            "dial postgres://user:[redacted]@db.example.com:5432/app failed",
        ),
        (
            "URL password",
            "redis://:hunter2@cache:6379",
            "redis://:[redacted]@cache:6379",
        ),
        (
            "AWS access key id",
            "using key AKIAIOSFODNN7EXAMPLE now",
            "using key [redacted] now",
        ),
        (
            "GitHub token",
            "clone with ghp_16C7e42F292c6912E7710c838347Ae178B4a ok",
            "clone with [redacted] ok",
        ),
        ("GitHub token", "t=gho_16C7e42F292c6912E7710c83 ", "t=[redacted] "),
        (
            "GitHub token",
            "github_pat_11ABCDEFG0123456789_abcdefghij",
            "[redacted]",
        ),
        ("GitLab token", "glpat-xxxxxxxxxxxxxxxxxxxx", "[redacted]"),
        (
            "Slack token",
            "slack xoxb-123456789012-1234567890123-AbCdEf",
            "slack [redacted]",
        ),
        ("Slack token", "xoxp-1234-5678-abcdef", "[redacted]"),
        (
            "Slack webhook",
            "post https://hooks.slack.com/services/T000/B000/XXXXXXXX",
            "post https://hooks.slack.com/services/[redacted]",
        ),
        (
            "Google API key",
            "AIzaSyA-1234567890abcdefghijklmnopqrstu",
            "[redacted]",
        ),
        ("Stripe key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "[redacted]"),
        (
            "cookie header",
            "GET /ui Cookie: session=0a1b2c3d; theme=dark user=bob",
            "GET /ui Cookie: session=[redacted]; theme=[redacted] user=bob",
        ),
        (
            "cookie header",
            "Set-Cookie: sid=s%3Aabc; Path=/; HttpOnly",
            "Set-Cookie: sid=[redacted]; Path=[redacted]; HttpOnly",
        ),
        (
            "secret flag",
            "exec /bin/app --db-password hunter2 --port 80",
            "exec /bin/app --db-password [redacted] --port 80",
        ),
        (
            "secret flag",
            "run --api-token \"a b\" -v",
            "run --api-token \"[redacted]\" -v",
        ),
        ("secret flag", "-client-secret s3", "-client-secret [redacted]"),
        (
            "secret key=value",
            "login password=hunter2 user=bob",
            "login password=[redacted] user=bob",
        ),
        (
            "secret key=value",
            r#"{"api_key": "k-123"}"#,
            r#"{"api_key": "[redacted]"}"#,
        ),
        ("secret key=value", "token: abcdef", "token: [redacted]"),
        ("secret key=value", "pass=hunter2 next", "pass=[redacted] next"),
        ("secret key=value", "db_pass: x1", "db_pass: [redacted]"),
        (
            "secret key=value",
            "passphrase: correct horse",
            "passphrase: [redacted] horse",
        ),
        (
            "secret key=value",
            "passphrase: \"correct horse\"",
            "passphrase: \"[redacted]\"",
        ),
        (
            "secret key=value",
            r#"{\"password\":\"a b\",\"user\":\"x\"}"#,
            r#"{\"password\":\"[redacted]\",\"user\":\"x\"}"#,
        ),
        ("secret key=value", "--db-password=X", "--db-password=[redacted]"),
        (
            "secret key=value",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG",
            "aws_secret_access_key = [redacted]",
        ),
    ];

    /// Text no rule may touch.
    const PLAIN: &[&str] = &[
        "agent.server.rpc: rejecting RPC conn; Gossip Encryption: true",
        "tests passed=3 failed=0, bypass=1 compass: north",
        "Basic authentication failed for bearer tokens",
        "image sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "GET https://registry.example.com:5000/v2/ok?x=a@b",
        "flag --verbose --port 80 -n default",
        "2024-05-01T08:00:00Z ERROR dial tcp 10.0.0.1:443: connection refused",
    ];

    #[test]
    fn each_secret_pattern_masks_its_case() {
        for (rule, input, expected) in CASES {
            assert_eq!(masked(input), *expected, "rule `{rule}` on {input:?}");
            // Masking twice changes nothing.
            assert_eq!(masked(expected), *expected, "rule `{rule}` again on {expected:?}");
        }
    }

    #[test]
    fn every_rule_is_pinned() {
        for rule in SECRET_RULES {
            assert!(
                CASES.iter().any(|(name, ..)| *name == rule.name),
                "rule `{}` has no case in CASES",
                rule.name
            );
        }
    }

    #[test]
    fn plain_text_is_left_alone() {
        for plain in PLAIN {
            assert_eq!(masked(plain), *plain);
        }
    }

    #[test]
    fn bytes_and_strings_mask_alike() {
        let line = "pass=x1 \u{e9}t\u{e9} Cookie: a=b";
        assert_eq!(
            mask_secrets_bytes(line.as_bytes()).as_ref(),
            mask_secrets(line).as_bytes()
        );
        assert_eq!(masked(line), "pass=[redacted] \u{e9}t\u{e9} Cookie: a=[redacted]");
    }

    #[test]
    fn tokens_are_consistent_and_in_order_of_appearance() {
        let names: BTreeSet<String> = ["q0009381".to_owned()].into();
        let mut r = Redactor::with_tokens(&names);
        let mut doc = vec![
            "from=10.42.55.36:50201 to 10.42.60.190".to_owned(),
            "host=q0009381:6596a768 image=registry-push.idst.ibaintern.de:5002/x".to_owned(),
            "again 10.42.55.36 and 127.0.0.1, agent.server.rpc".to_owned(),
        ];
        r.redact(&mut doc);
        assert_eq!(doc[0], "from=ip-1:50201 to ip-2");
        assert_eq!(doc[1], "host=node-1:6596a768 image=host-1:5002/x");
        assert_eq!(doc[2], "again ip-1 and 127.0.0.1, agent.server.rpc");
    }

    #[test]
    fn ipv6_addresses_are_tokens_times_are_not() {
        let mut r = Redactor::with_tokens(&BTreeSet::new());
        let mut s = "conn=from=[fd00:10:42::15]:40003 at 09:24:45.864 and 2001:db8:0:0:0:0:0:1, fd00:10:42::15 again, dead::beef".to_owned();
        r.apply(&mut s);
        assert_eq!(
            s,
            "conn=from=[ip-1]:40003 at 09:24:45.864 and ip-2, ip-1 again, dead::beef"
        );
    }

    #[test]
    fn hosts_under_any_top_level_domain_are_tokens_files_and_code_names_are_not() {
        let mut r = Redactor::with_tokens(&BTreeSet::new());
        let mut s = "to db.acme.xyz, api.prod.ai and kube-dns.kube-system.svc; read ctl.snapshot.zip, \
                     main.go, setup.py, kv.clusterHelper.AcquireLock, agent.server.rpc, share.cluster.go \
                     from REGISTRY.EXAMPLE.ORG"
            .to_owned();
        r.apply(&mut s);
        assert_eq!(
            s,
            "to host-1, host-2 and host-3; read ctl.snapshot.zip, main.go, setup.py, \
             kv.clusterHelper.AcquireLock, agent.server.rpc, share.cluster.go from host-4"
        );
    }

    #[test]
    fn every_ipv6_form_is_a_token() {
        let mut r = Redactor::with_tokens(&BTreeSet::new());
        let mut s =
            "a fe80::1%eth0 b 2001:db8:: c ::ffff:10.1.2.3 d [2001:db8::7]:443 e ::1 f std::io g 12:30:45"
                .to_owned();
        r.apply(&mut s);
        assert_eq!(s, "a ip-1 b ip-2 c ip-3 d [ip-4]:443 e ::1 f std::io g 12:30:45");
    }

    #[test]
    fn versions_are_not_addresses() {
        let mut r = Redactor::with_tokens(&BTreeSet::new());
        let mut s = "version=v5.4.2 build:1.20.1:920cc7c6 at 999.1.1.1".to_owned();
        r.apply(&mut s);
        assert_eq!(s, "version=v5.4.2 build:1.20.1:920cc7c6 at 999.1.1.1");
    }
}
