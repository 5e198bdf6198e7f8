//! What a rule script sees: a `bundle` value with the scan results and parsed tables, and a few
//! helper functions. Documented for authors in `docs/authoring.md`.
//!
//! | call | returns |
//! |---|---|
//! | `bundle.hits("sig")` | map: `count`, `first_time`/`last_time` (text), `first_ms`/`last_ms`, `span_ms`, `active_minutes`, `files` (array of per-file maps with `file`, `count`, `first_line`, `last_line`), `captures` (map name => `#{top, top_count, distinct, values, min, max}`), `samples` (array of text) |
//! | `bundle.count_between("sig", from_ms, to_ms)` | hits in the minutes overlapping the range |
//! | `bundle.max_in_window("sig", duration("5m"))` | the most hits in any window of that length |
//! | `bundle.longest_stretch("sig", max_gap_ms)` | ms of the longest run of hits with no pause longer than `max_gap_ms` |
//! | `bundle.sustained("sig", duration("10m"))` | whether hits went on that long with no pause over 5 minutes |
//! | `bundle.followed_by("a", "b", duration("5m"))` | whether `b` hit within 5m after some hit of `a` |
//! | `bundle.version("neuvector")` | the product version seen in the bundle (highest), or `()` |
//! | `bundle.pods()` / `bundle.pods("enforcer")` | array of pod maps: `name`, `namespace`, `component`, `workload`, `ready`, `containers`, `status`, `restarts`, `last_restart_ago`, `last_restart_ago_secs`, `age`, `file`, `line`, `healthy` |
//! | `bundle.workload("controller")` | map `name`, `kind`, `namespace`, `pods`, `ready`, or `()` |
//! | `bundle.files()` / `bundle.files("controller-log")` | array of maps `path`, `kind`, `lines`, `first_time`, `last_time` |
//! | `bundle.fired("rule.id")`, `bundle.findings("rule.id")` | whether an earlier rule fired; its findings |
//! | `finding(#{...})` | a finding: `summary` (required), `title`, `severity`, `evidence` (signature names and pod maps), `params` |
//! | `duration("5m")` | milliseconds |
//! | `version_cmp("5.4.2", "5.4.10")` | -1, 0 or 1 |
//! | `version_in("5.4.2", ">=5.0, <5.5")` | whether a version is in a range |
//!
//! Times are minute-precise for the window helpers: the scan keeps a per-minute histogram.

use std::collections::BTreeMap;
use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, ImmutableString, Map};

use super::window::{followed_by, longest_stretch, max_in_window};
use crate::findings::Finding;
use crate::kb::VersionReq;
use crate::scan::{ScanReport, SignatureHits};
use crate::tables::{Components, Workload};
use crate::time::{parse_kubectl_duration, Timestamp};

/// Captured values listed per capture in `hits(..).captures.X.values`.
const VALUES_SHOWN: usize = 20;
/// Longest pause that still counts as "sustained" for `bundle.sustained`.
pub const SUSTAINED_GAP_MS: i64 = 5 * 60_000;

/// Everything rules read: the scan and the tables. Built once per analysis.
#[derive(Debug)]
pub struct Facts {
    /// The scan.
    pub scan: Arc<ScanReport>,
    /// Workloads from the pod listings.
    pub workloads: Vec<Workload>,
}

impl Facts {
    /// Builds the facts from a scan.
    pub fn new(scan: Arc<ScanReport>, components: &Components) -> Facts {
        let workloads = scan
            .pod_tables
            .iter()
            .flat_map(|t| t.workloads(components))
            .collect();
        Facts { scan, workloads }
    }
}

/// The `bundle` value of one rule run.
#[derive(Clone)]
pub struct BundleView {
    facts: Arc<Facts>,
    /// Local signature names of the running rule => global ids.
    local: Arc<BTreeMap<String, String>>,
    /// Findings of the rules evaluated so far, by rule id.
    earlier: Arc<BTreeMap<String, Vec<Finding>>>,
    /// Product versions seen in the bundle, lowest first.
    versions: Arc<BTreeMap<String, Vec<String>>>,
}

impl BundleView {
    /// A view for one rule.
    pub fn new(
        facts: Arc<Facts>,
        local: Arc<BTreeMap<String, String>>,
        earlier: Arc<BTreeMap<String, Vec<Finding>>>,
    ) -> Self {
        BundleView {
            facts,
            local,
            earlier,
            versions: Arc::default(),
        }
    }

    /// Adds the product versions detected in the bundle.
    pub fn with_versions(mut self, versions: Arc<BTreeMap<String, Vec<String>>>) -> Self {
        self.versions = versions;
        self
    }

    /// Every hit of a signature, merged over files.
    fn total(&self, name: &str) -> SignatureHits {
        self.facts.scan.total(&self.resolve(name))
    }

    /// Global id of a signature name as a rule writes it.
    pub fn resolve(&self, name: &str) -> String {
        self.local.get(name).cloned().unwrap_or_else(|| name.to_owned())
    }

    fn hits(&mut self, name: &str) -> Map {
        let id = self.resolve(name);
        let mut total = SignatureHits::default();
        let mut files = Array::new();
        for f in &self.facts.scan.files {
            if let Some(h) = f.hits.get(&id) {
                total.merge(h);
                let mut m = Map::new();
                m.insert("file".into(), f.path.clone().into());
                m.insert("kind".into(), f.kind.clone().map_or(Dynamic::UNIT, Dynamic::from));
                m.insert("count".into(), (h.count as i64).into());
                m.insert("first_line".into(), h.first().map_or(0, |x| x.line as i64).into());
                m.insert("last_line".into(), h.last().map_or(0, |x| x.line as i64).into());
                insert_time(&mut m, "first", h.first_time);
                insert_time(&mut m, "last", h.last_time);
                files.push(m.into());
            }
        }
        let mut m = Map::new();
        m.insert("id".into(), id.into());
        m.insert("count".into(), (total.count as i64).into());
        insert_time(&mut m, "first", total.first_time);
        insert_time(&mut m, "last", total.last_time);
        let span = match (total.first_time, total.last_time) {
            (Some(a), Some(b)) => b.millis() - a.millis(),
            _ => 0,
        };
        m.insert("span_ms".into(), span.into());
        m.insert("active_minutes".into(), (total.histogram.len() as i64).into());
        m.insert("files".into(), files.into());
        let mut captures = Map::new();
        for (name, stats) in &total.captures {
            let mut c = Map::new();
            let top = stats.top(VALUES_SHOWN);
            c.insert(
                "top".into(),
                top.first().map_or(Dynamic::UNIT, |v| v.value.clone().into()),
            );
            c.insert(
                "top_count".into(),
                top.first().map_or(0, |v| v.count as i64).into(),
            );
            c.insert("distinct".into(), (stats.values.len() as i64).into());
            let values: Map = top
                .iter()
                .map(|v| (v.value.as_str().into(), Dynamic::from(v.count as i64)))
                .collect();
            c.insert("values".into(), values.into());
            c.insert("min".into(), stats.min.map_or(Dynamic::UNIT, Dynamic::from));
            c.insert("max".into(), stats.max.map_or(Dynamic::UNIT, Dynamic::from));
            captures.insert(name.as_str().into(), c.into());
        }
        m.insert("captures".into(), captures.into());
        let samples: Array = total
            .samples()
            .into_iter()
            .map(|h| h.text.clone().into())
            .collect();
        m.insert("samples".into(), samples.into());
        m
    }

    /// Hits of `name` in minutes overlapping `[from_ms, to_ms]` (histogram precision: 1 minute).
    fn count_between(&mut self, name: &str, from_ms: i64, to_ms: i64) -> i64 {
        let id = self.resolve(name);
        let from = from_ms.div_euclid(crate::scan::BUCKET_MS) * crate::scan::BUCKET_MS;
        self.facts
            .scan
            .files
            .iter()
            .filter_map(|f| f.hits.get(&id))
            .map(|h| h.histogram.range(from, to_ms).map(|(_, n)| n as i64).sum::<i64>())
            .sum()
    }

    fn version(&mut self, product: &str) -> Dynamic {
        self.versions
            .get(product)
            .and_then(|v| v.last())
            .map_or(Dynamic::UNIT, |v| v.clone().into())
    }

    fn pods(&mut self, component: Option<&str>) -> Array {
        let mut out = Array::new();
        for table in &self.facts.scan.pod_tables {
            for pod in &table.pods {
                if component.is_some_and(|c| pod.component.as_deref() != Some(c)) {
                    continue;
                }
                let mut m = Map::new();
                m.insert("name".into(), pod.name.clone().into());
                m.insert("namespace".into(), opt(pod.namespace.clone()));
                m.insert("component".into(), opt(pod.component.clone()));
                m.insert("workload".into(), opt(pod.workload.clone()));
                m.insert("ready".into(), i64::from(pod.ready).into());
                m.insert("containers".into(), i64::from(pod.containers).into());
                m.insert("status".into(), pod.status.clone().into());
                m.insert("restarts".into(), (pod.restarts as i64).into());
                m.insert("last_restart_ago".into(), opt(pod.last_restart_ago.clone()));
                m.insert(
                    "last_restart_ago_secs".into(),
                    pod.last_restart_ago_secs.map_or(Dynamic::UNIT, Dynamic::from),
                );
                m.insert("age".into(), pod.age.clone().into());
                m.insert("healthy".into(), pod.is_healthy().into());
                m.insert("raw".into(), pod.raw.clone().into());
                m.insert("file".into(), table.file.clone().into());
                m.insert("line".into(), (pod.line as i64).into());
                out.push(m.into());
            }
        }
        out
    }

    fn workload(&mut self, component: &str) -> Dynamic {
        let Some(w) = self.facts.workloads.iter().find(|w| w.component == component) else {
            return Dynamic::UNIT;
        };
        let mut m = Map::new();
        m.insert("name".into(), w.name.clone().into());
        m.insert("kind".into(), w.kind.clone().into());
        m.insert("namespace".into(), opt(w.namespace.clone()));
        m.insert("pods".into(), i64::from(w.pods).into());
        m.insert("ready".into(), i64::from(w.ready).into());
        m.into()
    }

    fn files(&mut self, kind: Option<&str>) -> Array {
        self.facts
            .scan
            .files
            .iter()
            .filter(|f| kind.is_none() || f.kind.as_deref() == kind)
            .map(|f| {
                let mut m = Map::new();
                m.insert("path".into(), f.path.clone().into());
                m.insert("kind".into(), opt(f.kind.clone()));
                m.insert("lines".into(), (f.lines as i64).into());
                let (first, last) = f.time_range();
                insert_time(&mut m, "first", first);
                insert_time(&mut m, "last", last);
                m.into()
            })
            .collect()
    }

    fn findings(&mut self, rule: &str) -> Array {
        self.earlier
            .get(rule)
            .map(|fs| {
                fs.iter()
                    .map(|f| {
                        let mut m = Map::new();
                        m.insert("title".into(), f.title.clone().into());
                        m.insert("summary".into(), f.summary.clone().into());
                        m.insert("severity".into(), f.severity.as_str().into());
                        let params: Map = f
                            .params
                            .iter()
                            .map(|(k, v)| {
                                (
                                    k.as_str().into(),
                                    rhai::serde::to_dynamic(v).unwrap_or(Dynamic::UNIT),
                                )
                            })
                            .collect();
                        m.insert("params".into(), params.into());
                        Dynamic::from(m)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn opt(v: Option<String>) -> Dynamic {
    v.map_or(Dynamic::UNIT, Dynamic::from)
}

fn insert_time(m: &mut Map, prefix: &str, t: Option<Timestamp>) {
    m.insert(
        format!("{prefix}_time").into(),
        t.map_or(Dynamic::UNIT, |t| t.to_string().into()),
    );
    m.insert(
        format!("{prefix}_ms").into(),
        t.map_or(Dynamic::UNIT, |t| Dynamic::from(t.millis())),
    );
}

/// Registers the `bundle` type and the helper functions.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<BundleView>("Bundle");
    engine.register_fn("hits", |b: &mut BundleView, name: ImmutableString| b.hits(&name));
    engine.register_fn(
        "count_between",
        |b: &mut BundleView, name: ImmutableString, from: i64, to: i64| b.count_between(&name, from, to),
    );
    engine.register_fn(
        "max_in_window",
        |b: &mut BundleView, name: ImmutableString, window: i64| {
            max_in_window(&b.total(&name).histogram, window) as i64
        },
    );
    engine.register_fn(
        "longest_stretch",
        |b: &mut BundleView, name: ImmutableString, max_gap: i64| {
            longest_stretch(&b.total(&name).histogram, max_gap)
        },
    );
    engine.register_fn(
        "sustained",
        |b: &mut BundleView, name: ImmutableString, min: i64| {
            longest_stretch(&b.total(&name).histogram, SUSTAINED_GAP_MS) >= min
        },
    );
    engine.register_fn(
        "followed_by",
        |b: &mut BundleView, first: ImmutableString, then: ImmutableString, within: i64| {
            followed_by(&b.total(&first).histogram, &b.total(&then).histogram, within).is_some()
        },
    );
    engine.register_fn("version", |b: &mut BundleView, p: ImmutableString| b.version(&p));
    engine.register_fn("pods", |b: &mut BundleView| b.pods(None));
    engine.register_fn("pods", |b: &mut BundleView, c: ImmutableString| b.pods(Some(&c)));
    engine.register_fn("workload", |b: &mut BundleView, c: ImmutableString| {
        b.workload(&c)
    });
    engine.register_fn("files", |b: &mut BundleView| b.files(None));
    engine.register_fn("files", |b: &mut BundleView, k: ImmutableString| {
        b.files(Some(&k))
    });
    engine.register_fn("fired", |b: &mut BundleView, r: ImmutableString| {
        b.earlier.get(r.as_str()).is_some_and(|f| !f.is_empty())
    });
    engine.register_fn("findings", |b: &mut BundleView, r: ImmutableString| {
        b.findings(&r)
    });
    engine.register_fn("finding", |m: Map| m);
    engine.register_fn(
        "duration",
        |text: ImmutableString| -> Result<i64, Box<rhai::EvalAltResult>> {
            parse_kubectl_duration(&text)
                .map(|s| s * 1000)
                .ok_or_else(|| format!("duration: cannot read `{text}` (write e.g. 90s, 5m, 2h, 1d)").into())
        },
    );
    engine.register_fn("version_cmp", |a: ImmutableString, b: ImmutableString| {
        version_cmp(&a, &b)
    });
    engine.register_fn(
        "version_in",
        |v: ImmutableString, range: ImmutableString| -> Result<bool, Box<rhai::EvalAltResult>> {
            VersionReq::parse(&range)
                .map(|r| r.matches(&v))
                .map_err(|e| format!("version_in: {e}").into())
        },
    );
}

/// Compares dotted versions numerically (`5.4.2` < `5.4.10`); a leading `v` and a `-suffix`
/// are ignored.
pub fn version_cmp(a: &str, b: &str) -> i64 {
    match crate::kb::version_compare(a, b) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(version_cmp("5.4.2", "5.4.10"), -1);
        assert_eq!(version_cmp("v5.4.10", "5.4.10"), 0);
        assert_eq!(version_cmp("5.5", "5.4.9"), 1);
    }
}
