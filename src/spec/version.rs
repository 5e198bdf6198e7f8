//! Product versions and the ranges rules apply to (`applies_to: versions: ">=5.0, <5.5"`).
//!
//! Versions are dotted numbers compared part by part (`5.4.2` < `5.4.10`; a leading `v` and any
//! `-suffix` are ignored). A range is comparators joined by commas, all of which must hold.

use std::cmp::Ordering;
use std::fmt;

/// Compares dotted versions numerically; missing parts count as 0.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (pa, pb) = (parts(a), parts(b));
    let n = pa.len().max(pb.len());
    (0..n)
        .map(|i| {
            pa.get(i)
                .copied()
                .unwrap_or(0)
                .cmp(&pb.get(i).copied().unwrap_or(0))
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

fn parts(v: &str) -> Vec<u64> {
    let core = v.trim().trim_start_matches(['v', 'V']);
    let core = core.split(['-', '+']).next().unwrap_or("");
    core.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

fn is_version(v: &str) -> bool {
    let core = v.trim_start_matches(['v', 'V']);
    let core = core.split(['-', '+']).next().unwrap_or("");
    !core.is_empty()
        && core
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    /// Equal in every part the comparator names: `=5.4` holds for `5.4.2`.
    Eq,
    Ne,
}

/// A parsed version range; empty holds for every version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionReq {
    comparators: Vec<(Op, String)>,
    text: String,
}

impl VersionReq {
    /// Parses `>=5.0, <5.5`, `=5.4`, `5.4` (same as `=5.4`), `!=5.3.1`, or `` / `*` (any).
    pub fn parse(text: &str) -> Result<VersionReq, String> {
        let mut comparators = Vec::new();
        let trimmed = text.trim();
        if !trimmed.is_empty() && trimmed != "*" {
            for part in trimmed.split(',') {
                let part = part.trim();
                let (op, rest) = [
                    (">=", Op::Ge),
                    ("<=", Op::Le),
                    ("!=", Op::Ne),
                    ("==", Op::Eq),
                    (">", Op::Gt),
                    ("<", Op::Lt),
                    ("=", Op::Eq),
                ]
                .iter()
                .find_map(|(p, op)| part.strip_prefix(p).map(|r| (*op, r.trim())))
                .unwrap_or((Op::Eq, part));
                if !is_version(rest) {
                    return Err(format!(
                        "`{part}` is not a version comparator (write e.g. `>=5.0, <5.5`)"
                    ));
                }
                comparators.push((op, rest.to_owned()));
            }
        }
        Ok(VersionReq {
            comparators,
            text: trimmed.to_owned(),
        })
    }

    /// Whether `version` is in the range.
    pub fn matches(&self, version: &str) -> bool {
        self.comparators.iter().all(|(op, bound)| {
            let ord = compare(version, bound);
            match op {
                Op::Ge => ord.is_ge(),
                Op::Gt => ord.is_gt(),
                Op::Le => ord.is_le(),
                Op::Lt => ord.is_lt(),
                Op::Eq => prefix_equal(version, bound),
                Op::Ne => !prefix_equal(version, bound),
            }
        })
    }
}

fn prefix_equal(version: &str, bound: &str) -> bool {
    let (v, b) = (parts(version), parts(bound));
    b.iter()
        .enumerate()
        .all(|(i, x)| v.get(i).copied().unwrap_or(0) == *x)
}

impl fmt::Display for VersionReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.text.is_empty() {
            f.write_str("*")
        } else {
            f.write_str(&self.text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_numerically() {
        assert_eq!(compare("5.4.2", "5.4.10"), Ordering::Less);
        assert_eq!(compare("v5.4.10", "5.4.10"), Ordering::Equal);
        assert_eq!(compare("5.5", "5.4.9"), Ordering::Greater);
        assert_eq!(compare("5.4.0-rc1", "5.4"), Ordering::Equal);
    }

    #[test]
    fn ranges() {
        let r = VersionReq::parse(">=5.0, <5.5").unwrap();
        assert!(r.matches("v5.4.2"));
        assert!(!r.matches("5.5.0"));
        assert!(!r.matches("4.9"));
        assert!(VersionReq::parse("5.4").unwrap().matches("5.4.7"));
        assert!(!VersionReq::parse("=5.4").unwrap().matches("5.40"));
        assert!(VersionReq::parse("").unwrap().matches("1"));
        assert!(VersionReq::parse("*").unwrap().matches("1"));
        assert!(!VersionReq::parse("!=5.3.1").unwrap().matches("5.3.1"));
    }

    #[test]
    fn rejects_nonsense() {
        assert!(VersionReq::parse(">= five").is_err());
        assert!(VersionReq::parse("~5.4").is_err());
        assert!(VersionReq::parse(">=5.0,").is_err());
    }
}
