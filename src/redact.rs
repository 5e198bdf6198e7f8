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

use regex::{Captures, Regex};

/// What stands in place of a secret.
pub const MASK: &str = "[redacted]";

/// Something whose strings can be rewritten in place, in a fixed order.
pub trait VisitStrings {
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

/// Implements [`VisitStrings`] for a struct by visiting the named fields in order.
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

/// Secret patterns and their replacements, applied in order.
static SECRETS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let rules: [(&str, &'static str); 5] = [
        (
            r"-----BEGIN ([A-Z ]*)PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z ]*PRIVATE KEY-----|\z)",
            "-----BEGIN ${1}PRIVATE KEY----- [redacted] -----END ${1}PRIVATE KEY-----",
        ),
        (
            r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{6,}",
            "${1}${2}[redacted]",
        ),
        (
            r"\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}",
            "[redacted]",
        ),
        (r"(://[^/\s:@]+:)[^/\s@]+@", "${1}[redacted]@"),
        (
            r#"(?i)\b([a-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)[a-z0-9_]*)("?\s*[:=]\s*["']?)([^\s"',;&}\]]+)"#,
            "${1}${2}[redacted]",
        ),
    ];
    rules
        .into_iter()
        .map(|(re, with)| (Regex::new(re).expect("secret patterns compile"), with))
        .collect()
});

/// Masks every secret in `text`.
pub fn mask_secrets(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (re, with) in SECRETS.iter() {
        if let Cow::Owned(s) = re.replace_all(&out, *with) {
            out = Cow::Owned(s);
        }
    }
    out
}

const IPV4: &str = r"\b(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\b";
/// IPv6: the full eight groups, or a compressed form with groups on both sides of `::`
/// (`fd00:10:42::15`); a match without a digit (`dead::beef`, code paths) is left alone.
const IPV6: &str = r"(?i:\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|\b[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6}::[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6}\b)";
/// Host names are recognised by their top-level domain, so that dotted code names
/// (`agent.server.rpc`, `cache.CacheMethod`) stay as they are.
const HOST: &str = r"\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|net|org|io|de|at|ch|fr|nl|it|es|uk|us|eu|cn|jp|in|info|biz|local|localdomain|internal|intranet|intra|lan|corp|cloud|dev)\b";
/// Addresses that identify no one and help the reader.
const KEEP: [&str; 3] = ["127.0.0.1", "0.0.0.0", "255.255.255.255"];

/// Replaces secrets, and with tokens on, addresses and names.
pub struct Redactor {
    tokens: Option<Tokens>,
}

struct Tokens {
    pattern: Regex,
    assigned: BTreeMap<String, String>,
    next: [usize; 3],
}

impl Redactor {
    /// Secrets only.
    pub fn secrets_only() -> Self {
        Redactor { tokens: None }
    }

    /// Secrets, and IPs, host names and the given node names as tokens.
    pub fn with_tokens(node_names: &BTreeSet<String>) -> Self {
        let mut names: Vec<&String> = node_names.iter().filter(|n| !n.is_empty()).collect();
        // Longest first, so a name that extends another wins.
        names.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        let mut pattern = format!("(?P<ip>{IPV6}|{IPV4})|(?P<host>{HOST})");
        if !names.is_empty() {
            let alternation: Vec<String> = names.iter().map(|n| regex::escape(n)).collect();
            pattern.push_str(&format!(r"|(?P<node>\b(?:{})\b)", alternation.join("|")));
        }
        Redactor {
            tokens: Some(Tokens {
                pattern: Regex::new(&pattern).expect("redaction pattern compiles"),
                assigned: BTreeMap::new(),
                next: [0; 3],
            }),
        }
    }

    /// Redacts one string in place.
    pub fn apply(&mut self, text: &mut String) {
        if let Cow::Owned(s) = mask_secrets(text) {
            *text = s;
        }
        let Some(tokens) = &mut self.tokens else { return };
        let Tokens {
            pattern,
            assigned,
            next,
        } = tokens;
        let replaced = pattern.replace_all(text, |c: &Captures<'_>| {
            let whole = &c[0];
            if KEEP.contains(&whole) || (whole.contains("::") && !whole.bytes().any(|b| b.is_ascii_digit())) {
                return whole.to_owned();
            }
            if let Some(t) = assigned.get(whole) {
                return t.clone();
            }
            let (slot, prefix) = if c.name("ip").is_some() {
                (0, "ip")
            } else if c.name("host").is_some() {
                (1, "host")
            } else {
                (2, "node")
            };
            next[slot] += 1;
            let token = format!("{prefix}-{}", next[slot]);
            assigned.insert(whole.to_owned(), token.clone());
            token
        });
        if let Cow::Owned(s) = replaced {
            *text = s;
        }
    }

    /// Redacts every string of `value`, in its order.
    pub fn redact(&mut self, value: &mut impl VisitStrings) {
        value.visit_strings(&mut |s| self.apply(s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        mask_secrets(text).into_owned()
    }

    #[test]
    fn masks_secrets() {
        assert_eq!(
            masked("GET / Authorization: Bearer abc.def-123456"),
            "GET / Authorization: Bearer [redacted]"
        );
        assert_eq!(
            masked("login password=hunter2 user=bob"),
            "login password=[redacted] user=bob"
        );
        assert_eq!(masked(r#"{"api_key": "k-123"}"#), r#"{"api_key": "[redacted]"}"#);
        assert_eq!(masked("token: abcdef"), "token: [redacted]");
        assert_eq!(
            masked("url=https://admin:s3cret@registry.example.com/v2"),
            "url=https://admin:[redacted]@registry.example.com/v2"
        );
        assert_eq!(
            masked("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----"),
            "-----BEGIN RSA PRIVATE KEY----- [redacted] -----END RSA PRIVATE KEY-----"
        );
        assert_eq!(
            masked("jwt eyJhbGciOiJI.eyJzdWIiOiIx.SflKxwRJSMeK"),
            "jwt [redacted]"
        );
        // Code names and ordinary words stay.
        let plain = "agent.server.rpc: rejecting RPC conn; Gossip Encryption: true";
        assert_eq!(masked(plain), plain);
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
    fn versions_are_not_addresses() {
        let mut r = Redactor::with_tokens(&BTreeSet::new());
        let mut s = "version=v5.4.2 build:1.20.1:920cc7c6 at 999.1.1.1".to_owned();
        r.apply(&mut s);
        assert_eq!(s, "version=v5.4.2 build:1.20.1:920cc7c6 at 999.1.1.1");
    }
}
