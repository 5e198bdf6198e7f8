//! The case document's content: everything the write-up says, as owned `Serialize` data. The
//! markdown and HTML templates and the JSON output all read this one structure; its shape is the
//! JSON schema documented in `docs/case-schema.md` (`docs/case.schema.json`).
//!
//! In: the knowledge base, the bundle, the scan, the rule evaluation and the plans. Out: a
//! [`CaseDocument`] in which every list is in a fixed order, so the same inputs give the same
//! bytes in every format.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::bundle::{Bundle, Skipped};
use crate::diagnostic::Diagnostic;
use crate::findings::{Evidence, Finding, Severity, ValueCount};
use crate::kb::KnowledgeBase;
use crate::redact::Redactor;
use crate::rules::{Evaluation, OutcomeStatus};
use crate::runbooks::Plan;
use crate::scan::{FileScan, HitLine, MinuteCounts, ScanReport, SignatureHits};
use crate::tables::PodTable;
use crate::time::Timestamp;

/// Version of the JSON schema (`docs/case-schema.md`); bumped on any incompatible change.
pub const SCHEMA: &str = "casebook.case/1";

/// Lines quoted per signature in a log excerpt (then the last one).
const EXCERPT_HEAD: usize = 3;
/// Lines quoted per piece of evidence in a finding.
const EVIDENCE_EXCERPT: usize = 2;
/// Longest quoted line in findings and the timeline; longer ones are cut with `…`.
const SHORT_LINE: usize = 240;
/// Columns of the activity chart.
const ACTIVITY_BINS: usize = 120;
/// Signature tag whose hits describe the environment (versions).
const ENVIRONMENT_TAG: &str = "environment";
/// Signature tag whose hits go to the Perf Snapshot section.
const PERF_TAG: &str = "perf-snapshot";

/// The whole case document.
#[derive(Debug, Clone, Serialize)]
pub struct CaseDocument {
    /// Schema id, `casebook.case/1`.
    pub schema: &'static str,
    /// The casebook that wrote it.
    pub generator: Generator,
    /// Case id, title, description.
    pub case: CaseInfo,
    /// The knowledge base that produced it.
    pub knowledge_base: KbInfo,
    /// Product and platform versions, pods and nodes per component.
    pub environment: Environment,
    /// Bundle inventory.
    pub bundle: BundleInfo,
    /// Pod status, one section per listing.
    pub pods: Vec<PodSection>,
    /// Per-log time ranges and excerpts, in path order.
    pub logs: Vec<LogSection>,
    /// Perf snapshot lines, in time order.
    pub perf_snapshots: Vec<Quote>,
    /// Findings, most severe first.
    pub findings: Vec<DocFinding>,
    /// Key events across all files, in time order.
    pub timeline: Vec<TimelineEvent>,
    /// Signature hits per file over time (the HTML chart).
    pub activity: Activity,
    /// Plans from the runbooks, in the order of the findings they answer.
    pub plans: Vec<DocPlan>,
    /// Rules, problems and what was skipped.
    pub appendix: Appendix,
}

/// The program that wrote the document.
#[derive(Debug, Clone, Serialize)]
pub struct Generator {
    /// Always `casebook`.
    pub name: &'static str,
    /// casebook's version.
    pub version: &'static str,
}

/// Case id, title and description.
#[derive(Debug, Clone, Serialize)]
pub struct CaseInfo {
    /// Ticket id (`--case`).
    pub id: Option<String>,
    /// Title: `--title`, else the description's heading, else the most severe finding's title.
    pub title: String,
    /// Description (`--description FILE`, its leading heading removed), markdown.
    pub description: Option<String>,
}

/// Knowledge base identity.
#[derive(Debug, Clone, Serialize)]
pub struct KbInfo {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Content fingerprint (SHA-256).
    pub fingerprint: String,
}

/// What runs where.
#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    /// Versions read from the logs, one per `environment` signature of the knowledge base.
    pub facts: Vec<EnvironmentFact>,
    /// Pods (and nodes) per component, over every pod listing.
    pub components: Vec<ComponentSummary>,
    /// Distinct nodes in the pod listings (`None` when no listing has a NODE column).
    pub nodes: Option<usize>,
}

/// One version (or other fact) read from the logs.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentFact {
    /// The signature that reads it.
    pub signature: String,
    /// What it is (the signature's description).
    pub label: String,
    /// Values seen, most frequent first; empty means unknown.
    pub values: Vec<ValueCount>,
    /// Files it was read from.
    pub files: Vec<String>,
}

/// Bundle inventory.
#[derive(Debug, Clone, Serialize)]
pub struct BundleInfo {
    /// Bundle name.
    pub name: String,
    /// Every file, with kind, size and time span, in path order.
    pub files: Vec<FileEntry>,
    /// Total size on disk.
    pub total_size: u64,
    /// What was not read, and why.
    pub skipped: Vec<Skipped>,
}

/// One file of the inventory.
#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    /// Path inside the bundle.
    pub path: String,
    /// Kind id.
    pub kind: Option<String>,
    /// `log`, `pod-listing`, `events`, `other` (no kind, no timestamps), `unused` (set aside by
    /// the layout) or `skipped`.
    pub role: &'static str,
    /// A previous container's log (`kubectl logs --previous`): where a crash's cause usually is.
    pub previous: bool,
    /// Why the layout set the file aside (a marker, a copy, objects of another kind).
    pub unused: Option<String>,
    /// What decided the file's kind (`--show-layout` prints the same).
    pub detector: String,
    /// Size on disk (compressed size for `.gz`).
    pub size: u64,
    /// Lines read (logs only).
    pub lines: Option<u64>,
    /// First time in the file.
    pub first_time: Option<Timestamp>,
    /// Last time in the file.
    pub last_time: Option<Timestamp>,
}

/// The pod listing, summarised.
#[derive(Debug, Clone, Serialize)]
pub struct PodSection {
    /// Listing file.
    pub file: String,
    /// Pods listed.
    pub total: usize,
    /// Pods not running and ready (completed jobs count as healthy).
    pub unhealthy: usize,
    /// Per component: pods, unhealthy, restarting, nodes.
    pub components: Vec<ComponentSummary>,
    /// The header row.
    pub header: String,
    /// Unhealthy pods first, then pods restarting a lot, then the rest, each in listing order.
    pub rows: Vec<PodRow>,
}

/// One pod row of a listing.
#[derive(Debug, Clone, Serialize)]
pub struct PodRow {
    /// 1-based line in the listing.
    pub line: u64,
    /// Pod name.
    pub name: String,
    /// Component id, when recognised.
    pub component: Option<String>,
    /// `STATUS`.
    pub status: String,
    /// Restarts.
    pub restarts: u64,
    /// Not running and ready.
    pub unhealthy: bool,
    /// The row as written.
    pub raw: String,
}

/// Pods of one component.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentSummary {
    /// Component id (or `other`).
    pub component: String,
    /// Pods.
    pub pods: usize,
    /// Pods not running and ready.
    pub unhealthy: usize,
    /// Pods with 100 or more restarts.
    pub restarting: usize,
    /// Distinct nodes the pods run on (0 when the listing has no NODE column).
    pub nodes: usize,
}

/// A quoted line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// 1-based line number in its file.
    pub line: u64,
    /// Time of the line (or of the record it continues).
    pub time: Option<Timestamp>,
    /// The text, continuation lines after `\n`.
    pub text: String,
}

impl From<&HitLine> for Line {
    fn from(h: &HitLine) -> Self {
        Line {
            line: h.line,
            time: h.time,
            text: h.text.clone(),
        }
    }
}

/// A log's time range and excerpts.
#[derive(Debug, Clone, Serialize)]
pub struct LogSection {
    /// Number of the log in the document (1-based), as in "controller#1".
    pub number: usize,
    /// Path inside the bundle.
    pub file: String,
    /// Kind id.
    pub kind: Option<String>,
    /// A previous container's log (`kubectl logs --previous`).
    pub previous: bool,
    /// How its first timestamped line wrote the time: `utc` (`Z`), an `offset` converted to
    /// UTC, or `unzoned` (kept as written, shown as if UTC); `()` when not read at its start.
    pub time_zone: Option<crate::time::Zone>,
    /// Lines.
    pub lines: u64,
    /// First timestamped line.
    pub first: Option<Line>,
    /// Last timestamped line.
    pub last: Option<Line>,
    /// Signature hits in this log, in order of first appearance.
    pub excerpts: Vec<Excerpt>,
    /// Hits of all signatures in this log.
    pub hits: u64,
    /// Read problems (early end, invalid UTF-8, long lines).
    pub notes: Vec<String>,
    /// The log's digest: the busiest templates of its warning and error lines with hit counts,
    /// storms, the loop it ends in, rare lines (`casebook::digest::DigestExcerpt`).
    pub digest: Option<serde_json::Value>,
}

/// One signature's lines in one log.
#[derive(Debug, Clone, Serialize)]
pub struct Excerpt {
    /// Signature id.
    pub signature: String,
    /// What it means.
    pub description: String,
    /// Hits.
    pub count: u64,
    /// Time of the first hit.
    pub first_time: Option<Timestamp>,
    /// Time of the last hit.
    pub last_time: Option<Timestamp>,
    /// Line of the first hit.
    pub first_line: u64,
    /// Line of the last hit.
    pub last_line: u64,
    /// Quoted lines (the first few, then the last), without lines an earlier excerpt of the
    /// same log already quoted.
    pub lines: Vec<Line>,
    /// Findings (anchors) this signature is evidence for.
    pub findings: Vec<String>,
}

/// A quoted line with its file.
#[derive(Debug, Clone, Serialize)]
pub struct Quote {
    /// File inside the bundle.
    pub file: String,
    /// The line.
    pub line: Line,
}

/// A finding as the document shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DocFinding {
    /// Anchor, `f1`, `f2`, ... in document order.
    pub id: String,
    /// Rule that raised it.
    pub rule: String,
    /// One-line title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// What was seen, with the numbers.
    pub summary: String,
    /// Why it matters (the rule's description).
    pub why: String,
    /// Earliest time of the evidence.
    pub first_time: Option<Timestamp>,
    /// Latest time of the evidence.
    pub last_time: Option<Timestamp>,
    /// Runbook id.
    pub runbook: Option<String>,
    /// Anchor of the plan that answers it.
    pub plan: Option<String>,
    /// Values for the runbook.
    pub params: BTreeMap<String, serde_json::Value>,
    /// What supports it.
    pub evidence: Vec<DocEvidence>,
    /// Past cases (`kb/cases/`) in which the same rule fired, oldest first.
    pub seen_before: Vec<SeenBefore>,
}

/// A past case in which a finding's rule fired too.
#[derive(Debug, Clone, Serialize)]
pub struct SeenBefore {
    /// Case id.
    pub case: String,
    /// The day it was recorded.
    pub date: String,
    /// How it was resolved.
    pub resolution: Option<String>,
}

/// A piece of evidence as the document shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DocEvidence {
    /// File inside the bundle.
    pub file: String,
    /// The rule's name for what matched (a signature name, or `pods`).
    pub what: String,
    /// The signature's global id, when it is one.
    pub signature: Option<String>,
    /// Lines (or rows).
    pub count: u64,
    /// Line numbers of the first and last match, or the rows quoted.
    pub lines: Vec<u64>,
    /// Time of the first match.
    pub first_time: Option<Timestamp>,
    /// Time of the last match.
    pub last_time: Option<Timestamp>,
    /// Captured values worth reading, most frequent first; captures whose values are mostly
    /// distinct (ids, ports) are left out.
    pub captures: BTreeMap<String, Vec<ValueCount>>,
    /// A short excerpt.
    pub excerpt: Vec<String>,
}

/// One key event of the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEvent {
    /// When.
    pub time: Timestamp,
    /// `finding` (a finding's earliest evidence), `first` or `last` (hit of a signature).
    pub event: &'static str,
    /// File inside the bundle (empty for `finding`).
    pub file: String,
    /// Line in the file (0 for `finding`).
    pub line: u64,
    /// Signature id (hits), or the finding's rule.
    pub what: String,
    /// Hits of that signature in that file.
    pub count: u64,
    /// Findings (anchors) the event belongs to.
    pub findings: Vec<String>,
    /// The line, shortened (for `finding`: its title).
    pub text: String,
}

/// Hits per file over time, in equal bins over the span of all logs.
#[derive(Debug, Clone, Serialize)]
pub struct Activity {
    /// Start of the first bin.
    pub start: Option<Timestamp>,
    /// End of the last bin.
    pub end: Option<Timestamp>,
    /// Bin width in milliseconds (a whole number of minutes).
    pub bin_ms: i64,
    /// One lane per log with hits.
    pub lanes: Vec<ActivityLane>,
    /// Findings' first times, as marks on the chart.
    pub marks: Vec<ActivityMark>,
}

/// One file's hits per bin.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityLane {
    /// File inside the bundle.
    pub file: String,
    /// Hits in the file.
    pub total: u64,
    /// Hits per bin.
    pub bins: Vec<u64>,
}

/// A finding marked on the activity chart.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityMark {
    /// Finding anchor.
    pub finding: String,
    /// Severity.
    pub severity: Severity,
    /// Time.
    pub time: Timestamp,
}

/// A plan as the document shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DocPlan {
    /// Anchor, `p1`, `p2`, ...
    pub id: String,
    /// Runbook id.
    pub runbook: String,
    /// Runbook title.
    pub title: String,
    /// Findings this plan answers.
    pub answers: Vec<PlanAnswer>,
    /// The Mitigation section, parameters filled (markdown).
    pub steps: String,
    /// The Diagnosis section, parameters filled (markdown).
    pub diagnosis: String,
    /// Parameters used.
    pub params: BTreeMap<String, serde_json::Value>,
    /// Parameters the runbook needs that no finding supplied.
    pub missing: Vec<String>,
}

/// A finding a plan answers.
#[derive(Debug, Clone, Serialize)]
pub struct PlanAnswer {
    /// Rule id.
    pub rule: String,
    /// Finding anchor.
    pub finding: String,
    /// Finding title.
    pub title: String,
}

/// Rules and problems.
#[derive(Debug, Clone, Serialize)]
pub struct Appendix {
    /// Rules evaluated (not skipped).
    pub rules_evaluated: usize,
    /// Rules that fired.
    pub rules_fired: usize,
    /// Rules skipped (deprecated).
    pub rules_skipped: usize,
    /// Rules that failed.
    pub rules_failed: usize,
    /// Every rule with its outcome, by rule id.
    pub rules: Vec<RuleLine>,
    /// Knowledge-base problems (items left out), rendered as compiler-style text.
    pub kb_problems: Vec<String>,
    /// Problems filling runbooks.
    pub plan_problems: Vec<String>,
    /// Files in the bundle that are not logs (no kind, no timestamps): listed, not quoted.
    pub not_logs: Vec<String>,
    /// Whether `--redact` replaced addresses and names with tokens.
    pub redacted: bool,
}

/// One rule's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct RuleLine {
    /// Rule id.
    pub rule: String,
    /// `fired`, `silent`, `failed`, `skipped`.
    pub status: OutcomeStatus,
    /// Findings raised.
    pub findings: usize,
    /// Why it failed or was skipped.
    pub reason: Option<String>,
}

/// What the document is built from.
pub struct DocumentInputs<'a> {
    /// `--case`.
    pub case_id: Option<String>,
    /// `--title`.
    pub title: Option<String>,
    /// `--description` contents.
    pub description: Option<String>,
    /// The knowledge base.
    pub kb: &'a KnowledgeBase,
    /// The bundle.
    pub bundle: &'a Bundle,
    /// The scan.
    pub scan: &'a ScanReport,
    /// Rule results.
    pub evaluation: &'a Evaluation,
    /// Plans.
    pub plans: Vec<Plan>,
    /// Problems filling plans.
    pub plan_problems: Vec<Diagnostic>,
    /// `--redact`: replace IPs, host names and node names with tokens (secrets are always
    /// masked).
    pub redact: bool,
    /// Digests of the logs (the lines that matter), by path.
    pub digests: &'a BTreeMap<String, crate::digest::DigestExcerpt>,
}

impl CaseDocument {
    /// Assembles the document.
    pub fn build(input: DocumentInputs<'_>) -> CaseDocument {
        let DocumentInputs {
            case_id,
            title,
            description,
            kb,
            bundle,
            scan,
            evaluation,
            plans,
            plan_problems,
            redact,
            digests,
        } = input;
        let (heading, description) = split_heading(description, case_id.as_deref());
        let title = title
            .or(heading)
            .or_else(|| evaluation.findings.first().map(|f| f.title.clone()))
            .unwrap_or_else(|| "No known problem found".to_owned());

        let is_log = |f: &FileScan| f.kind.is_some() || f.first.is_some();
        let scans: BTreeMap<&str, &FileScan> = scan.files.iter().map(|f| (f.path.as_str(), f)).collect();
        let tables: BTreeSet<&str> = scan.pod_tables.iter().map(|t| t.file.as_str()).collect();
        let event_files: BTreeSet<&str> = scan.event_tables.iter().map(|t| t.file.as_str()).collect();
        let mut skipped = bundle.skipped.clone();
        skipped.extend(scan.skipped.iter().cloned());
        skipped.sort_by(|a, b| (&a.path, &a.reason).cmp(&(&b.path, &b.reason)));
        let skipped_paths: BTreeSet<&str> = skipped.iter().map(|s| s.path.as_str()).collect();
        let files: Vec<FileEntry> = bundle
            .files
            .iter()
            .map(|f| {
                let s = scans.get(f.path.as_str()).copied();
                let role = match s {
                    Some(s) if is_log(s) => "log",
                    Some(_) => "other",
                    None if tables.contains(f.path.as_str()) => "pod-listing",
                    None if event_files.contains(f.path.as_str()) => "events",
                    None if f.unused.is_some() => "unused",
                    None if skipped_paths.contains(f.path.as_str()) => "skipped",
                    None => "other",
                };
                let (first_time, last_time) = s.map(|s| s.time_range()).unwrap_or_default();
                FileEntry {
                    path: f.path.clone(),
                    kind: f.kind.clone(),
                    role,
                    previous: f.previous,
                    unused: f.unused.clone(),
                    detector: f.detector.clone(),
                    size: f.size,
                    lines: s.map(|s| s.lines),
                    first_time,
                    last_time,
                }
            })
            .collect();
        let not_logs = scan
            .files
            .iter()
            .filter(|f| !is_log(f))
            .map(|f| f.path.clone())
            .collect();

        let findings = doc_findings(&evaluation.findings, kb, scan, &plans, case_id.as_deref());
        let logs = log_sections(scan.files.iter().filter(|f| is_log(f)), kb, &findings, digests);
        let mut perf_snapshots: Vec<Quote> = Vec::new();
        for f in scan.files.iter().filter(|f| is_log(f)) {
            for (id, h) in &f.hits {
                if has_tag(kb, id, PERF_TAG) {
                    perf_snapshots.extend(h.samples().into_iter().map(|l| Quote {
                        file: f.path.clone(),
                        line: l.into(),
                    }));
                }
            }
        }
        perf_snapshots
            .sort_by(|a, b| (a.line.time, &a.file, a.line.line).cmp(&(b.line.time, &b.file, b.line.line)));

        let pods: Vec<PodSection> = scan.pod_tables.iter().map(pod_section).collect();
        let environment = environment(kb, scan, &scan.pod_tables);
        let timeline = timeline(&findings, scan);
        let activity = activity(scan.files.iter().filter(|f| is_log(f)), &findings);
        let plans = doc_plans(plans, &findings);

        let count = |s: OutcomeStatus| evaluation.outcomes.iter().filter(|o| o.status == s).count();
        let mut rules: Vec<RuleLine> = evaluation
            .outcomes
            .iter()
            .map(|o| RuleLine {
                rule: o.rule.clone(),
                status: o.status,
                findings: o.findings,
                reason: o.reason.clone(),
            })
            .collect();
        rules.sort_by(|a, b| a.rule.cmp(&b.rule));
        let mut doc = CaseDocument {
            schema: SCHEMA,
            generator: Generator {
                name: "casebook",
                version: env!("CARGO_PKG_VERSION"),
            },
            case: CaseInfo {
                id: case_id,
                title,
                description,
            },
            knowledge_base: KbInfo {
                name: kb.manifest.name.clone(),
                version: kb.manifest.version.clone(),
                fingerprint: kb.fingerprint.clone(),
            },
            environment,
            bundle: BundleInfo {
                name: bundle.name.clone(),
                total_size: files.iter().map(|f| f.size).sum(),
                files,
                skipped,
            },
            pods,
            logs,
            perf_snapshots,
            findings,
            timeline,
            activity,
            plans,
            appendix: Appendix {
                rules_evaluated: evaluation.outcomes.len() - count(OutcomeStatus::Skipped),
                rules_fired: count(OutcomeStatus::Fired),
                rules_skipped: count(OutcomeStatus::Skipped),
                rules_failed: count(OutcomeStatus::Failed),
                rules,
                kb_problems: kb.problems.iter().map(|d| d.to_string()).collect(),
                plan_problems: plan_problems.iter().map(|d| d.to_string()).collect(),
                not_logs,
                redacted: redact,
            },
        };
        let mut redactor = if redact {
            Redactor::with_tokens(&node_names(scan))
        } else {
            Redactor::secrets_only()
        };
        redactor.redact(&mut doc);
        doc
    }
}

/// Node names the bundle reveals: the pod listings' NODE column, and values of captures named
/// `node`, `node_name`, `host` or `hostname` (NeuVector logs name an enforcer's node as `host=`).
fn node_names(scan: &ScanReport) -> BTreeSet<String> {
    const NAMES: [&str; 4] = ["node", "node_name", "host", "hostname"];
    let mut names: BTreeSet<String> = scan
        .pod_tables
        .iter()
        .flat_map(|t| &t.pods)
        .filter_map(|p| p.node.clone())
        .filter(|n| n != "<none>")
        .collect();
    for f in &scan.files {
        for h in f.hits.values() {
            for (name, stats) in &h.captures {
                if NAMES.contains(&name.as_str()) {
                    names.extend(stats.values.keys().filter(|v| v.len() >= 3).cloned());
                }
            }
        }
    }
    names
}

crate::visit_fields! {
    CaseDocument { case, knowledge_base, environment, bundle, pods, logs, perf_snapshots, findings, timeline, activity, plans, appendix }
    CaseInfo { id, title, description }
    KbInfo { name, version }
    Environment { facts, components }
    EnvironmentFact { values, files }
    BundleInfo { name, files, skipped }
    FileEntry { path, kind, unused, detector }
    PodSection { file, components, header, rows }
    PodRow { name, component, status, raw }
    ComponentSummary { component }
    Line { text }
    LogSection { file, kind, first, last, excerpts, notes, digest }
    Excerpt { lines }
    Quote { file, line }
    DocFinding { title, summary, params, evidence }
    DocEvidence { file, captures, excerpt }
    TimelineEvent { file, text }
    Activity { lanes }
    ActivityLane { file }
    DocPlan { title, answers, steps, diagnosis, params }
    PlanAnswer { title }
    Appendix { rules, kb_problems, plan_problems, not_logs }
    RuleLine { reason }
}

/// Splits a leading `# heading` off the description; the heading, less a leading case id,
/// can title the case (the seed's description files start that way).
fn split_heading(description: Option<String>, case_id: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(text) = description else {
        return (None, None);
    };
    let text = text.trim();
    let Some(rest) = text.strip_prefix("# ") else {
        return (None, Some(text.to_owned()).filter(|t| !t.is_empty()));
    };
    let (heading, body) = rest.split_once('\n').unwrap_or((rest, ""));
    let mut heading = heading.trim();
    if let Some(id) = case_id {
        heading = heading
            .strip_prefix(id)
            .map_or(heading, |h| h.trim_start_matches([' ', ':', '-']));
    }
    let body = body.trim();
    (
        Some(heading.to_owned()).filter(|h| !h.is_empty()),
        Some(body.to_owned()).filter(|b| !b.is_empty()),
    )
}

fn has_tag(kb: &KnowledgeBase, id: &str, tag: &str) -> bool {
    kb.signature(id)
        .is_some_and(|s| s.spec.tags.iter().any(|t| t == tag))
}

/// `text` cut to `max` characters (on a character boundary), first line only.
fn shorten(text: &str, max: usize) -> String {
    let first = text.lines().next().unwrap_or_default();
    match first.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &first[..i]),
        None if first.len() < text.len() => format!("{first} …"),
        None => first.to_owned(),
    }
}

/// The global signature id a rule's evidence name stands for: the rule's own signature
/// `<rule>/<name>` when there is one, else the shared signature `name`.
fn resolve_signature(kb: &KnowledgeBase, rule: &str, what: &str) -> Option<String> {
    let local = format!("{rule}/{what}");
    if kb.signature(&local).is_some() {
        Some(local)
    } else {
        kb.signature(what).map(|s| s.id.clone())
    }
}

fn doc_findings(
    findings: &[Finding],
    kb: &KnowledgeBase,
    scan: &ScanReport,
    plans: &[Plan],
    case_id: Option<&str>,
) -> Vec<DocFinding> {
    findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let evidence: Vec<DocEvidence> = f
                .evidence
                .iter()
                .map(|e| doc_evidence(e, &f.rule, kb, scan))
                .collect();
            let plan = f.runbook.as_ref().and_then(|rb| {
                plans
                    .iter()
                    .position(|p| &p.runbook == rb)
                    .map(|n| format!("p{}", n + 1))
            });
            DocFinding {
                id: format!("f{}", i + 1),
                rule: f.rule.clone(),
                title: f.title.clone(),
                severity: f.severity,
                summary: f.summary.clone(),
                why: f.why.clone(),
                first_time: f.first_time,
                last_time: evidence.iter().filter_map(|e| e.last_time).max(),
                runbook: f.runbook.clone(),
                plan,
                params: f.params.clone(),
                evidence,
                seen_before: crate::kb::cases_with_rule(&kb.cases, &f.rule)
                    .into_iter()
                    .filter(|c| Some(c.id.as_str()) != case_id)
                    .map(|c| SeenBefore {
                        case: c.id.clone(),
                        date: c.date.clone(),
                        resolution: c.resolution.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn doc_evidence(e: &Evidence, rule: &str, kb: &KnowledgeBase, scan: &ScanReport) -> DocEvidence {
    let signature = (e.what != "pods")
        .then(|| resolve_signature(kb, rule, &e.what))
        .flatten();
    let hits: Option<&SignatureHits> = signature.as_ref().and_then(|id| {
        scan.files
            .iter()
            .find(|f| f.path == e.file)
            .and_then(|f| f.hits.get(id))
    });
    let captures = e
        .captures
        .iter()
        .filter(|(name, values)| {
            let distinct = hits
                .and_then(|h| h.captures.get(*name))
                .map_or(values.len() as u64, |c| c.values.len() as u64 + c.other);
            // Values nearly all different (ids, ports) say nothing about the case.
            !(e.count > 1 && distinct * 2 > e.count)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let excerpt = if e.what == "pods" {
        e.excerpt.clone()
    } else {
        e.excerpt
            .iter()
            .take(EVIDENCE_EXCERPT)
            .map(|l| shorten(l, SHORT_LINE))
            .collect()
    };
    DocEvidence {
        file: e.file.clone(),
        what: e.what.clone(),
        signature,
        count: e.count,
        lines: e.lines.clone(),
        first_time: e.first_time,
        last_time: e.last_time,
        captures,
        excerpt,
    }
}

fn log_sections<'a>(
    files: impl Iterator<Item = &'a FileScan>,
    kb: &KnowledgeBase,
    findings: &[DocFinding],
    digests: &BTreeMap<String, crate::digest::DigestExcerpt>,
) -> Vec<LogSection> {
    files
        .enumerate()
        .map(|(i, f)| {
            let mut excerpts: Vec<Excerpt> = f
                .hits
                .iter()
                .filter(|(id, _)| !has_tag(kb, id, ENVIRONMENT_TAG))
                .map(|(id, h)| {
                    let mut lines: Vec<Line> = h.head.iter().take(EXCERPT_HEAD).map(Line::from).collect();
                    if let Some(last) = h.last() {
                        if !lines.iter().any(|l| l.line == last.line) {
                            lines.push(last.into());
                        }
                    }
                    let evidence_for = findings
                        .iter()
                        .filter(|d| {
                            d.evidence
                                .iter()
                                .any(|e| e.file == f.path && e.signature.as_deref() == Some(id.as_str()))
                        })
                        .map(|d| d.id.clone())
                        .collect();
                    Excerpt {
                        signature: id.clone(),
                        description: kb
                            .signature(id)
                            .map(|s| s.spec.description.trim().to_owned())
                            .unwrap_or_default(),
                        count: h.count,
                        first_time: h.first_time,
                        last_time: h.last_time,
                        first_line: h.first().map_or(0, |l| l.line),
                        last_line: h.last().map_or(0, |l| l.line),
                        lines,
                        findings: evidence_for,
                    }
                })
                .collect();
            excerpts.sort_by(|a, b| {
                a.first_line
                    .cmp(&b.first_line)
                    .then_with(|| a.signature.cmp(&b.signature))
            });
            // A line two signatures match is quoted once, under the first.
            let mut quoted = BTreeSet::new();
            for e in &mut excerpts {
                e.lines.retain(|l| quoted.insert(l.line));
            }
            let mut notes = Vec::new();
            if let Some(e) = &f.error {
                notes.push(format!("{e} (after line {})", f.lines));
            }
            if f.invalid_utf8_lines > 0 {
                notes.push(format!(
                    "{} lines were not valid UTF-8 and were read lossily",
                    f.invalid_utf8_lines
                ));
            }
            if !f.long_lines.is_empty() {
                notes.push(format!(
                    "{} over-long lines matched on their first MiB only (first at line {})",
                    f.long_lines.len(),
                    f.long_lines[0]
                ));
            }
            LogSection {
                number: i + 1,
                file: f.path.clone(),
                kind: f.kind.clone(),
                previous: f.previous,
                time_zone: f
                    .first
                    .as_ref()
                    .and_then(|h| crate::time::parse_iso_zoned(h.text.as_bytes()))
                    .map(|(_, _, zone)| zone),
                lines: f.lines,
                first: f.first.as_ref().map(Line::from),
                last: f.last.as_ref().map(Line::from),
                hits: excerpts.iter().map(|e| e.count).sum(),
                excerpts,
                notes,
                digest: digests
                    .get(&f.path)
                    .map(|d| serde_json::to_value(d).expect("the digest serialises")),
            }
        })
        .collect()
}

fn component_summaries<'a>(pods: impl Iterator<Item = &'a crate::tables::Pod>) -> Vec<ComponentSummary> {
    let mut components: BTreeMap<String, (ComponentSummary, BTreeSet<String>)> = BTreeMap::new();
    for pod in pods {
        let name = pod.component.clone().unwrap_or_else(|| "other".to_owned());
        let (c, nodes) = components.entry(name.clone()).or_insert((
            ComponentSummary {
                component: name,
                pods: 0,
                unhealthy: 0,
                restarting: 0,
                nodes: 0,
            },
            BTreeSet::new(),
        ));
        c.pods += 1;
        c.unhealthy += usize::from(!pod.is_healthy());
        c.restarting += usize::from(pod.restarts >= 100);
        if let Some(node) = pod.node.as_ref().filter(|n| n.as_str() != "<none>") {
            nodes.insert(node.clone());
        }
    }
    components
        .into_values()
        .map(|(mut c, nodes)| {
            c.nodes = nodes.len();
            c
        })
        .collect()
}

fn pod_section(table: &PodTable) -> PodSection {
    let mut rows: Vec<&crate::tables::Pod> = table.pods.iter().collect();
    rows.sort_by_key(|p| (p.is_healthy(), p.restarts < 100, p.line));
    PodSection {
        file: table.file.clone(),
        total: table.pods.len(),
        unhealthy: table.pods.iter().filter(|p| !p.is_healthy()).count(),
        components: component_summaries(table.pods.iter()),
        header: table.header.clone(),
        rows: rows
            .into_iter()
            .map(|p| PodRow {
                line: p.line,
                name: p.name.clone(),
                component: p.component.clone(),
                status: p.status.clone(),
                restarts: p.restarts,
                unhealthy: !p.is_healthy(),
                raw: p.raw.clone(),
            })
            .collect(),
    }
}

fn environment(kb: &KnowledgeBase, scan: &ScanReport, tables: &[PodTable]) -> Environment {
    let facts = kb
        .signatures
        .iter()
        .filter(|s| s.spec.tags.iter().any(|t| t == ENVIRONMENT_TAG))
        .map(|s| {
            let total = scan.total(&s.id);
            let capture = if s.captures.iter().any(|c| c == "version") {
                Some("version")
            } else {
                s.captures.first().map(String::as_str)
            };
            let values = capture
                .and_then(|c| total.captures.get(c))
                .map(|c| c.top(5))
                .unwrap_or_default();
            EnvironmentFact {
                signature: s.id.clone(),
                label: s.spec.description.trim().to_owned(),
                values,
                files: scan
                    .files
                    .iter()
                    .filter(|f| f.hits.contains_key(&s.id))
                    .map(|f| f.path.clone())
                    .collect(),
            }
        })
        .collect();
    let nodes: BTreeSet<&str> = tables
        .iter()
        .flat_map(|t| &t.pods)
        .filter_map(|p| p.node.as_deref())
        .filter(|n| *n != "<none>")
        .collect();
    let has_node_column = tables
        .iter()
        .any(|t| t.header.split_whitespace().any(|w| w == "NODE"));
    Environment {
        facts,
        // One pod listed by several sources (a get-pods table and a describe) counts once.
        components: component_summaries(crate::tables::merge_pods(tables).iter()),
        nodes: has_node_column.then_some(nodes.len()),
    }
}

fn timeline(findings: &[DocFinding], scan: &ScanReport) -> Vec<TimelineEvent> {
    // (file, line) => event, so a line that is evidence twice is one event.
    let mut by_line: BTreeMap<(String, u64), TimelineEvent> = BTreeMap::new();
    let mut events = Vec::new();
    for f in findings {
        if let Some(time) = f.first_time {
            events.push(TimelineEvent {
                time,
                event: "finding",
                file: String::new(),
                line: 0,
                what: f.rule.clone(),
                count: 0,
                findings: vec![f.id.clone()],
                text: f.title.clone(),
            });
        }
        for e in &f.evidence {
            let Some(id) = &e.signature else { continue };
            let Some(h) = scan
                .files
                .iter()
                .find(|s| s.path == e.file)
                .and_then(|s| s.hits.get(id))
            else {
                continue;
            };
            let ends = [("first", h.first()), ("last", h.last())];
            for (event, hit) in ends {
                let Some(hit) = hit else { continue };
                let Some(time) = hit.time else { continue };
                let entry = by_line
                    .entry((e.file.clone(), hit.line))
                    .or_insert_with(|| TimelineEvent {
                        time,
                        event,
                        file: e.file.clone(),
                        line: hit.line,
                        what: id.clone(),
                        count: h.count,
                        findings: Vec::new(),
                        text: shorten(&hit.text, SHORT_LINE),
                    });
                if !entry.findings.contains(&f.id) {
                    entry.findings.push(f.id.clone());
                }
            }
        }
    }
    events.extend(by_line.into_values());
    let rank = |e: &TimelineEvent| match e.event {
        "finding" => 0,
        "first" => 1,
        _ => 2,
    };
    events.sort_by(|a, b| {
        (a.time, rank(a), &a.file, a.line, &a.findings).cmp(&(b.time, rank(b), &b.file, b.line, &b.findings))
    });
    events
}

fn activity<'a>(files: impl Iterator<Item = &'a FileScan>, findings: &[DocFinding]) -> Activity {
    let files: Vec<&FileScan> = files.collect();
    let mut per_file: Vec<(&str, MinuteCounts)> = Vec::new();
    for f in &files {
        let mut minutes = MinuteCounts::default();
        for h in f.hits.values() {
            minutes.merge(&h.histogram);
        }
        if !minutes.is_empty() {
            per_file.push((&f.path, minutes));
        }
    }
    let start = per_file.iter().filter_map(|(_, m)| m.keys().next()).min();
    let end = per_file
        .iter()
        .filter_map(|(_, m)| m.keys().next_back())
        .max()
        .map(|b| b + crate::scan::BUCKET_MS);
    let (Some(start), Some(end)) = (start, end) else {
        return Activity {
            start: None,
            end: None,
            bin_ms: crate::scan::BUCKET_MS,
            lanes: Vec::new(),
            marks: Vec::new(),
        };
    };
    let minute = crate::scan::BUCKET_MS;
    let span_minutes = (end - start) / minute;
    let bin_ms = ((span_minutes + ACTIVITY_BINS as i64 - 1) / ACTIVITY_BINS as i64).max(1) * minute;
    let bins = ((end - start + bin_ms - 1) / bin_ms) as usize;
    let lanes = per_file
        .into_iter()
        .map(|(file, minutes)| {
            let mut counts = vec![0u64; bins];
            for (bucket, n) in minutes.iter() {
                let i = ((bucket - start) / bin_ms) as usize;
                counts[i.min(bins - 1)] += n;
            }
            ActivityLane {
                file: file.to_owned(),
                total: minutes.iter().map(|(_, n)| n).sum(),
                bins: counts,
            }
        })
        .collect();
    let marks = findings
        .iter()
        .filter_map(|f| {
            f.first_time.map(|time| ActivityMark {
                finding: f.id.clone(),
                severity: f.severity,
                time,
            })
        })
        .collect();
    Activity {
        start: Some(Timestamp(start)),
        end: Some(Timestamp(start + bin_ms * bins as i64)),
        bin_ms,
        lanes,
        marks,
    }
}

fn doc_plans(plans: Vec<Plan>, findings: &[DocFinding]) -> Vec<DocPlan> {
    plans
        .into_iter()
        .enumerate()
        .map(|(i, p)| DocPlan {
            id: format!("p{}", i + 1),
            answers: findings
                .iter()
                .filter(|f| f.runbook.as_deref() == Some(p.runbook.as_str()) && p.answers.contains(&f.rule))
                .map(|f| PlanAnswer {
                    rule: f.rule.clone(),
                    finding: f.id.clone(),
                    title: f.title.clone(),
                })
                .collect(),
            runbook: p.runbook,
            title: p.title,
            steps: p.steps,
            diagnosis: p.diagnosis,
            params: p.params,
            missing: p.missing,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_titles_the_case() {
        let (h, d) = split_heading(
            Some("# NVSHAS-9810 UI not loading\n\nThe customer...\n".into()),
            Some("NVSHAS-9810"),
        );
        assert_eq!(h.as_deref(), Some("UI not loading"));
        assert_eq!(d.as_deref(), Some("The customer..."));
        let (h, d) = split_heading(Some("Plain text".into()), None);
        assert_eq!((h, d.as_deref()), (None, Some("Plain text")));
    }

    #[test]
    fn shortens_on_char_boundaries() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("äöüß", 2), "äö…");
        assert_eq!(shorten("one\ntwo", 10), "one …");
    }
}
