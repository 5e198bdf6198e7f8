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
//! | `bundle.pods()` / `bundle.pods("enforcer")` | array of `Pod` values (typed, read like maps; properties in [`records::POD_PROPERTIES`]): every source merged, one per pod |
//! | `bundle.pod_by_ip("10.42.3.7")` | the `Pod` with that IP, or `()` |
//! | `bundle.pod_of(file)` / `bundle.component_of(file)` / `bundle.namespace_of(file)` | the `Pod` a file's path names, or `()`; the component (else workload, else file-name stem) that wrote it; that pod's namespace, or `()` ([`owner`]) |
//! | `bundle.crashloops()` / `bundle.crashloops("enforcer")` | array of `CrashLoops` values, one per component (per workload among `other` pods) with a crash-looping pod ([`super::crashloop`] decides which) |
//! | `bundle.events()` / `bundle.events("BackOff")` | array of `Event` values |
//! | `bundle.workload("controller")` | map `name`, `kind`, `namespace`, `pods`, `ready`, or `()` |
//! | `bundle.namespace()` | the namespace the product runs in (its listed workloads', else the lines' `namespace` captures), or `()` |
//! | `bundle.files()` / `bundle.files("controller-log")` | array of `File` values |
//! | `bundle.episodes("sig", max_gap_ms)` | array of maps `start_ms`, `end_ms`, `start_time`, `end_time`, `duration_ms`, `count`: stretches of hits with no pause over the gap |
//! | `bundle.fired("rule.id")`, `bundle.findings("rule.id")` | whether an earlier rule fired; its findings |
//! | `finding(#{...})` | a finding: `summary` (required), `title`, `severity`, `evidence` (signature names and pod maps), `params` |
//! | `duration("5m")` | milliseconds |
//! | `version_cmp("5.4.2", "5.4.10")` | -1, 0 or 1 |
//! | `version_in("5.4.2", ">=5.0, <5.5")` | whether a version is in a range |
//!
//! Times are minute-precise for the window helpers: the scan keeps a per-minute histogram.
//!
//! Every name a script passes is checked: a signature that is neither the rule's own nor in its
//! `uses:`, a capture its regex does not declare, a rule not in `after:` are errors naming the
//! known names. The maps scripts see are built from the typed structs below, and the typed
//! values from one property table each (`records.rs`), so their names are the documented ones.

use std::collections::BTreeMap;
use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, EvalAltResult, ImmutableString, Map, NativeCallContext};
use serde::Serialize;

use super::context::{RuleContext, SignatureRef};
use super::draft::FindingDraft;
use super::window::{episodes, followed_by, longest_stretch, max_in_window};
use super::{owner, records};
use crate::findings::Finding;
use crate::scan::{ScanReport, SignatureHits};
use crate::spec::VersionReq;
use crate::tables::{merge_pods, Components, Pod, PodTable, Workload};
use crate::time::{parse_kubectl_duration, Timestamp};

/// Captured values listed per capture in `hits(..).captures.X.values`.
const VALUES_SHOWN: usize = 20;
/// Longest pause that still counts as "sustained" for `bundle.sustained`.
pub(super) const SUSTAINED_GAP_MS: i64 = 5 * 60_000;

type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// Everything rules read: the scan and the tables. Built once per analysis.
#[derive(Debug)]
pub struct Facts {
    /// The scan.
    pub scan: Arc<ScanReport>,
    /// Every source's pods, merged (one per pod).
    pub pods: Vec<Pod>,
    /// Workloads from the pods.
    pub workloads: Vec<Workload>,
    /// The Kubernetes namespace the product runs in, as far as the bundle tells (see
    /// [`bundle_namespace`]).
    pub namespace: Option<String>,
    /// The component ids the knowledge base declares (`controller`, `enforcer`, ...).
    pub components: Vec<String>,
}

impl Facts {
    /// Builds the facts from a scan.
    pub fn new(scan: Arc<ScanReport>, components: &Components) -> Facts {
        let pods = merge_pods(&scan.pod_tables);
        let merged = PodTable {
            pods: pods.clone(),
            ..PodTable::default()
        };
        let mut workloads = merged.workloads(components);
        let namespace = bundle_namespace(&workloads, &scan);
        // A listing without a NAMESPACE column (`kubectl get pods -n neuvector`) still lists
        // the product's namespace: the one its lines name.
        for w in workloads.iter_mut().filter(|w| w.namespace.is_none()) {
            w.namespace.clone_from(&namespace);
        }
        Facts {
            scan,
            pods,
            workloads,
            namespace,
            components: components.ids(),
        }
    }
}

/// The namespace the product runs in: the one its listed workloads name most often (ties to the
/// first in name order), else the value captured most often by any signature's `namespace`
/// group (the knowledge base's convention: a capture named `namespace` is a Kubernetes
/// namespace, e.g. `join=neuvector-svc-controller.<ns>`), else none.
fn bundle_namespace(workloads: &[Workload], scan: &ScanReport) -> Option<String> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for w in workloads {
        if let Some(ns) = w.namespace.as_deref() {
            *counts.entry(ns).or_default() += u64::from(w.pods.max(1));
        }
    }
    if counts.is_empty() {
        for file in &scan.files {
            for hits in file.hits.values() {
                if let Some(stats) = hits.captures.get("namespace") {
                    for (value, n) in &stats.values {
                        *counts.entry(value.as_str()).or_default() += n;
                    }
                }
            }
        }
    }
    // Highest count; among equals the first in name order (the map's order, `max_by` keeps the last).
    counts
        .into_iter()
        .rev()
        .max_by_key(|&(_, n)| n)
        .map(|(ns, _)| ns.to_owned())
}

/// The `bundle` value of one rule run.
#[derive(Clone)]
pub(crate) struct BundleView {
    facts: Arc<Facts>,
    /// The names the running rule may use.
    ctx: Arc<RuleContext>,
    /// Findings of the rules evaluated so far, by rule id.
    earlier: Arc<BTreeMap<String, Vec<Finding>>>,
    /// Product versions seen in the bundle, lowest first.
    versions: Arc<BTreeMap<String, Vec<String>>>,
}

/// `hits(..).files[i]`.
#[derive(Serialize)]
struct HitFileView {
    file: String,
    kind: Option<String>,
    count: i64,
    first_line: i64,
    last_line: i64,
    first_time: Option<String>,
    last_time: Option<String>,
    first_ms: Option<i64>,
    last_ms: Option<i64>,
}

/// `hits(..)`, without `captures` (a [`Captures`] value, added after).
#[derive(Serialize)]
struct HitsView {
    id: String,
    count: i64,
    first_time: Option<String>,
    last_time: Option<String>,
    first_ms: Option<i64>,
    last_ms: Option<i64>,
    span_ms: i64,
    active_minutes: i64,
    files: Vec<HitFileView>,
    samples: Vec<String>,
}

/// `hits(..).captures.X`.
#[derive(Serialize)]
struct CaptureView {
    top: Option<String>,
    top_count: i64,
    distinct: i64,
    values: BTreeMap<String, i64>,
    min: Option<f64>,
    max: Option<f64>,
}

/// `bundle.workload(..)`.
#[derive(Serialize)]
struct WorkloadView {
    name: String,
    kind: String,
    namespace: Option<String>,
    pods: i64,
    ready: i64,
}

/// `bundle.episodes(..)[i]`.
#[derive(Serialize)]
struct EpisodeView {
    start_ms: i64,
    end_ms: i64,
    start_time: String,
    end_time: String,
    duration_ms: i64,
    count: i64,
}

/// `bundle.findings(..)[i]`.
#[derive(Serialize)]
struct FindingView<'a> {
    title: &'a str,
    summary: &'a str,
    severity: &'a str,
    params: &'a BTreeMap<String, serde_json::Value>,
    first_ms: Option<i64>,
    last_ms: Option<i64>,
}

/// `hits(..).captures`: a capture by name; a name the signature's regex does not declare is an
/// error naming the ones it does.
#[derive(Clone)]
pub(crate) struct Captures {
    signature: String,
    /// Every capture the regex declares, with its stats (empty when no hit carried it).
    by_name: BTreeMap<String, Dynamic>,
}

impl Captures {
    fn get(&mut self, name: &str) -> Fallible<Dynamic> {
        self.by_name.get(name).cloned().ok_or_else(|| {
            let known: Vec<&str> = self.by_name.keys().map(String::as_str).collect();
            format!(
                "signature `{}` has no capture `{name}` (captures: {})",
                self.signature,
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )
            .into()
        })
    }
}

fn to_dynamic<T: Serialize>(value: &T) -> Dynamic {
    rhai::serde::to_dynamic(value).expect("views serialise to rhai values")
}

fn time_text(t: Option<Timestamp>) -> Option<String> {
    t.map(|t| t.to_string())
}

fn time_ms(t: Option<Timestamp>) -> Option<i64> {
    t.map(Timestamp::millis)
}

fn ms_text(ms: i64) -> String {
    Timestamp(ms).to_string()
}

impl BundleView {
    /// A view for one rule.
    pub(crate) fn new(
        facts: Arc<Facts>,
        ctx: Arc<RuleContext>,
        earlier: Arc<BTreeMap<String, Vec<Finding>>>,
        versions: Arc<BTreeMap<String, Vec<String>>>,
    ) -> Self {
        BundleView {
            facts,
            ctx,
            earlier,
            versions,
        }
    }

    /// The signature a script names, or an error naming the known ones.
    fn signature(&self, name: &str) -> Fallible<&SignatureRef> {
        self.ctx.signature(name).map_err(Into::into)
    }

    /// Every hit of a signature, merged over files.
    fn total(&self, name: &str) -> Fallible<SignatureHits> {
        Ok(self.facts.scan.total(&self.signature(name)?.id))
    }

    fn hits(&mut self, name: &str) -> Fallible<Dynamic> {
        let sig = self.signature(name)?.clone();
        let mut total = SignatureHits::default();
        let mut files = Vec::new();
        for f in &self.facts.scan.files {
            if let Some(h) = f.hits.get(&sig.id) {
                total.merge(h);
                files.push(HitFileView {
                    file: f.path.clone(),
                    kind: f.kind.clone(),
                    count: h.count as i64,
                    first_line: h.first().map_or(0, |x| x.line as i64),
                    last_line: h.last().map_or(0, |x| x.line as i64),
                    first_time: time_text(h.first_time),
                    last_time: time_text(h.last_time),
                    first_ms: time_ms(h.first_time),
                    last_ms: time_ms(h.last_time),
                });
            }
        }
        let span_ms = match (total.first_time, total.last_time) {
            (Some(a), Some(b)) => b.millis() - a.millis(),
            _ => 0,
        };
        let view = HitsView {
            id: sig.id.clone(),
            count: total.count as i64,
            first_time: time_text(total.first_time),
            last_time: time_text(total.last_time),
            first_ms: time_ms(total.first_time),
            last_ms: time_ms(total.last_time),
            span_ms,
            active_minutes: total.histogram.len() as i64,
            files,
            samples: total.samples().into_iter().map(|h| h.text.clone()).collect(),
        };
        let by_name = sig
            .captures
            .iter()
            .map(|name| {
                let view = match total.captures.get(name) {
                    Some(stats) => {
                        let top = stats.top(VALUES_SHOWN);
                        CaptureView {
                            top: top.first().map(|v| v.value.clone()),
                            top_count: top.first().map_or(0, |v| v.count as i64),
                            distinct: stats.values.len() as i64,
                            values: top.iter().map(|v| (v.value.clone(), v.count as i64)).collect(),
                            min: stats.min,
                            max: stats.max,
                        }
                    }
                    None => CaptureView {
                        top: None,
                        top_count: 0,
                        distinct: 0,
                        values: BTreeMap::new(),
                        min: None,
                        max: None,
                    },
                };
                (name.clone(), to_dynamic(&view))
            })
            .collect();
        let mut m: Map = to_dynamic(&view).cast();
        m.insert(
            "captures".into(),
            Dynamic::from(Captures {
                signature: name.to_owned(),
                by_name,
            }),
        );
        Ok(m.into())
    }

    /// Hits of `name` in minutes overlapping `[from_ms, to_ms]` (histogram precision: 1 minute).
    fn count_between(&mut self, name: &str, from_ms: i64, to_ms: i64) -> Fallible<i64> {
        let id = self.signature(name)?.id.clone();
        let from = from_ms.div_euclid(crate::scan::BUCKET_MS) * crate::scan::BUCKET_MS;
        Ok(self
            .facts
            .scan
            .files
            .iter()
            .filter_map(|f| f.hits.get(&id))
            .map(|h| h.histogram.range(from, to_ms).map(|(_, n)| n as i64).sum::<i64>())
            .sum())
    }

    fn episodes(&mut self, name: &str, max_gap_ms: i64) -> Fallible<Array> {
        let total = self.total(name)?;
        Ok(episodes(&total.histogram, max_gap_ms)
            .into_iter()
            .map(|e| {
                to_dynamic(&EpisodeView {
                    start_ms: e.start_ms,
                    end_ms: e.end_ms,
                    start_time: ms_text(e.start_ms),
                    end_time: ms_text(e.end_ms),
                    duration_ms: e.duration_ms(),
                    count: e.count as i64,
                })
            })
            .collect())
    }

    fn version(&mut self, product: &str) -> Dynamic {
        self.versions
            .get(product)
            .and_then(|v| v.last())
            .map_or(Dynamic::UNIT, |v| v.clone().into())
    }

    fn workload(&mut self, component: &str) -> Dynamic {
        self.facts
            .workloads
            .iter()
            .find(|w| w.component == component)
            .map_or(Dynamic::UNIT, |w| {
                to_dynamic(&WorkloadView {
                    name: w.name.clone(),
                    kind: w.kind.clone(),
                    namespace: w.namespace.clone(),
                    pods: i64::from(w.pods),
                    ready: i64::from(w.ready),
                })
            })
    }

    /// The kind of the scanned file at `path`, if there is one.
    fn kind_of(&self, path: &str) -> Option<&str> {
        (self.facts.scan.files.iter())
            .find(|f| f.path == path)
            .and_then(|f| f.kind.as_deref())
    }

    fn fired(&mut self, rule: &str) -> Fallible<bool> {
        self.ctx.earlier_rule(rule)?;
        Ok(self.earlier.get(rule).is_some_and(|f| !f.is_empty()))
    }

    fn findings(&mut self, rule: &str) -> Fallible<Array> {
        self.ctx.earlier_rule(rule)?;
        Ok(self
            .earlier
            .get(rule)
            .map(|fs| {
                fs.iter()
                    .map(|f| {
                        to_dynamic(&FindingView {
                            title: &f.title,
                            summary: &f.summary,
                            severity: f.severity.as_str(),
                            params: &f.params,
                            first_ms: time_ms(f.first_time),
                            last_ms: time_ms(f.last_time),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// An address without its port: `[fd00::15]:40003` => `fd00::15`, `10.1.2.3:18300` =>
/// `10.1.2.3`, `fd00::15` stays.
fn strip_port(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => addr,
    }
}

/// Registers the `bundle` type and the helper functions.
pub(crate) fn register(engine: &mut Engine) {
    engine.register_type_with_name::<BundleView>("Bundle");
    engine.register_type_with_name::<Captures>("Captures");
    engine.register_indexer_get(|c: &mut Captures, name: ImmutableString| c.get(&name));
    engine.register_fn("keys", |c: &mut Captures| -> Array {
        c.by_name.keys().map(|k| Dynamic::from(k.clone())).collect()
    });
    engine.register_type_with_name::<FindingDraft>("Finding");
    records::register(engine);
    engine.register_fn("hits", |b: &mut BundleView, name: ImmutableString| b.hits(&name));
    engine.register_fn(
        "count_between",
        |b: &mut BundleView, name: ImmutableString, from: i64, to: i64| b.count_between(&name, from, to),
    );
    engine.register_fn(
        "max_in_window",
        |b: &mut BundleView, name: ImmutableString, window: i64| -> Fallible<i64> {
            Ok(max_in_window(&b.total(&name)?.histogram, window) as i64)
        },
    );
    engine.register_fn(
        "longest_stretch",
        |b: &mut BundleView, name: ImmutableString, max_gap: i64| -> Fallible<i64> {
            Ok(longest_stretch(&b.total(&name)?.histogram, max_gap))
        },
    );
    engine.register_fn(
        "sustained",
        |b: &mut BundleView, name: ImmutableString, min: i64| -> Fallible<bool> {
            Ok(longest_stretch(&b.total(&name)?.histogram, SUSTAINED_GAP_MS) >= min)
        },
    );
    engine.register_fn(
        "followed_by",
        |b: &mut BundleView, first: ImmutableString, then: ImmutableString, within: i64| -> Fallible<bool> {
            Ok(followed_by(&b.total(&first)?.histogram, &b.total(&then)?.histogram, within).is_some())
        },
    );
    engine.register_fn(
        "episodes",
        |b: &mut BundleView, name: ImmutableString, max_gap: i64| b.episodes(&name, max_gap),
    );
    engine.register_fn("version", |b: &mut BundleView, p: ImmutableString| b.version(&p));
    engine.register_fn("namespace", |b: &mut BundleView| {
        b.facts.namespace.clone().map_or(Dynamic::UNIT, Dynamic::from)
    });
    engine.register_fn("pods", |b: &mut BundleView| records::pods(&b.facts, |_| true));
    engine.register_fn("pods", |b: &mut BundleView, c: ImmutableString| {
        records::pods(&b.facts, |p| p.component.as_deref() == Some(c.as_str()))
    });
    engine.register_fn("pod_by_ip", |b: &mut BundleView, ip: ImmutableString| {
        // `[fd00::15]:40003` and `10.42.3.7:18300` name the same pod as the bare address.
        let bare = strip_port(&ip);
        let mut found = records::pods(&b.facts, |p| p.ip.as_deref() == Some(bare));
        if found.is_empty() {
            Dynamic::UNIT
        } else {
            found.swap_remove(0)
        }
    });
    engine.register_fn(
        "pod_of",
        |b: &mut BundleView, file: ImmutableString| match owner::pod_of(&b.facts.pods, &file) {
            Some(index) => records::pod(&b.facts, index),
            None => Dynamic::UNIT,
        },
    );
    engine.register_fn("component_of", |b: &mut BundleView, file: ImmutableString| {
        let kind = b.kind_of(&file);
        owner::component_of(&b.facts.pods, &b.facts.components, &file, kind)
    });
    engine.register_fn("namespace_of", |b: &mut BundleView, file: ImmutableString| {
        let kind = b.kind_of(&file);
        let facts = &b.facts;
        let ns = owner::namespace_of(
            &facts.pods,
            &facts.components,
            facts.namespace.as_deref(),
            &file,
            kind,
        );
        ns.map_or(Dynamic::UNIT, Dynamic::from)
    });
    engine.register_fn("events", |b: &mut BundleView| records::events(&b.facts, None));
    engine.register_fn("events", |b: &mut BundleView, r: ImmutableString| {
        records::events(&b.facts, Some(&r))
    });
    engine.register_fn("crashloops", |b: &mut BundleView| {
        records::crashloops(&b.facts, None)
    });
    engine.register_fn("crashloops", |b: &mut BundleView, c: ImmutableString| {
        records::crashloops(&b.facts, Some(&c))
    });
    engine.register_fn("workload", |b: &mut BundleView, c: ImmutableString| {
        b.workload(&c)
    });
    engine.register_fn("files", |b: &mut BundleView| records::files(&b.facts, None));
    engine.register_fn("files", |b: &mut BundleView, k: ImmutableString| {
        records::files(&b.facts, Some(&k))
    });
    engine.register_fn("fired", |b: &mut BundleView, r: ImmutableString| b.fired(&r));
    engine.register_fn("findings", |b: &mut BundleView, r: ImmutableString| {
        b.findings(&r)
    });
    engine.register_fn(
        "finding",
        |call: NativeCallContext, m: Map| -> Fallible<FindingDraft> {
            super::engine::note_finding_made(call.call_position());
            let ctx = super::engine::current_rule();
            let mut draft = FindingDraft::from_map(m, &ctx)?;
            draft.made_at = Some(call.call_position());
            Ok(draft)
        },
    );
    engine.register_fn("duration", |text: ImmutableString| -> Fallible<i64> {
        parse_kubectl_duration(&text)
            .map(|s| s * 1000)
            .ok_or_else(|| format!("duration: cannot read `{text}` (write e.g. 90s, 5m, 2h, 1d)").into())
    });
    engine.register_fn("version_cmp", |a: ImmutableString, b: ImmutableString| {
        version_cmp(&a, &b)
    });
    engine.register_fn(
        "version_in",
        |v: ImmutableString, range: ImmutableString| -> Fallible<bool> {
            VersionReq::parse(&range)
                .map(|r| r.matches(&v))
                .map_err(|e| format!("version_in: {e}").into())
        },
    );
}

/// Compares dotted versions numerically (`5.4.2` < `5.4.10`); a leading `v` and a `-suffix`
/// are ignored.
pub(crate) fn version_cmp(a: &str, b: &str) -> i64 {
    match crate::spec::version_compare(a, b) {
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

    #[test]
    fn addresses_lose_their_port() {
        assert_eq!(strip_port("[fd00:10:42::15]:40003"), "fd00:10:42::15");
        assert_eq!(strip_port("10.42.3.7:18300"), "10.42.3.7");
        assert_eq!(strip_port("fd00:10:42::15"), "fd00:10:42::15");
        assert_eq!(strip_port("10.42.3.7"), "10.42.3.7");
    }
}
