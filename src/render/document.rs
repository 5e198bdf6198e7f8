//! The case document's content: everything the write-up says, as owned `Serialize` data. The
//! markdown and HTML templates and the JSON output all read this one structure; its shape is the
//! JSON schema documented in `docs/case-schema.md` (`docs/case.schema.json`).
//!
//! The builder is `build.rs`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::bundle::Skipped;
use crate::findings::{Severity, ValueCount};
use crate::rules::OutcomeStatus;
use crate::scan::HitLine;
use crate::time::Timestamp;

/// Version of the JSON schema (`docs/case-schema.md`); bumped on any incompatible change.
pub(crate) const SCHEMA: &str = "casebook.case/1";

#[derive(Debug, Clone, Serialize)]
pub(crate) struct CaseDocument {
    /// Schema id, `casebook.case/1`.
    pub schema: &'static str,
    /// The casebook that wrote it.
    pub generator: Generator,
    /// Case id, title, description.
    pub case: CaseInfo,
    /// The conclusion: diagnosis and first steps (the document opens with it).
    pub summary: Summary,
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
pub(crate) struct Generator {
    /// Always `casebook`.
    pub name: &'static str,
    /// casebook's version.
    pub version: &'static str,
}

/// Case id, title and description.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CaseInfo {
    /// Ticket id (`--case`).
    pub id: Option<String>,
    /// Title: `--title`, else the description's heading, else the most severe finding's title.
    pub title: String,
    /// Description (`--description FILE`, its leading heading removed), markdown.
    pub description: Option<String>,
}

/// The conclusion the document opens with.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Summary {
    /// The diagnosis in a sentence or two: the findings that start a chain (no fired rule in
    /// their `after:`), in time order, each with the findings that follow from it; `null` when
    /// nothing fired.
    pub diagnosis: Option<String>,
    /// The first step of each plan, evidence collection (Diagnosis) before Mitigation.
    pub first_steps: Vec<FirstStep>,
}

/// The first step of one plan.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FirstStep {
    /// Plan anchor.
    pub plan: String,
    /// Plan title.
    pub title: String,
    /// The first item of its Diagnosis section (else of its Mitigation), markdown.
    pub step: String,
}

/// Knowledge base identity.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct KbInfo {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Content fingerprint (SHA-256).
    pub fingerprint: String,
}

/// What runs where.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Environment {
    /// Versions read from the logs, one per `environment` signature of the knowledge base.
    pub facts: Vec<EnvironmentFact>,
    /// Pods (and nodes) per component, over every pod listing.
    pub components: Vec<ComponentSummary>,
    /// Distinct nodes in the pod listings (`None` when no listing has a NODE column).
    pub nodes: Option<usize>,
}

/// One version (or other fact) read from the logs.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct EnvironmentFact {
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
pub(crate) struct BundleInfo {
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
pub(crate) struct FileEntry {
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
pub(crate) struct PodSection {
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
pub(crate) struct PodRow {
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
pub(crate) struct ComponentSummary {
    /// Component id (or `other`).
    pub component: String,
    /// Pods.
    pub pods: usize,
    /// Pods not running and ready.
    pub unhealthy: usize,
    /// The most restarts of one of its pods.
    pub max_restarts: u64,
    /// Distinct nodes the pods run on (`null` when no listing has a NODE column).
    pub nodes: Option<usize>,
}

/// A quoted line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Line {
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
pub(crate) struct LogSection {
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
pub(crate) struct Excerpt {
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
pub(crate) struct Quote {
    /// File inside the bundle.
    pub file: String,
    /// The line.
    pub line: Line,
}

/// A finding as the document shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DocFinding {
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
    /// Findings (anchors) that follow from this one: their rules list this one's in `after:`.
    pub leads_to: Vec<String>,
    /// The finding this one follows from (its rule's `after:`), when that fired.
    pub follows: Option<String>,
    /// What it means: the runbook's Meaning, filled (markdown); `null` without a runbook, and
    /// on the second finding a plan answers (the first carries it).
    pub meaning: Option<String>,
    /// What it breaks: the runbook's Impact, filled (markdown); `null` as for `meaning`.
    pub impact: Option<String>,
    /// Values for the runbook.
    pub params: BTreeMap<String, serde_json::Value>,
    /// What supports it.
    pub evidence: Vec<DocEvidence>,
    /// Past cases (`kb/cases/`) in which the same rule fired, oldest first.
    pub seen_before: Vec<SeenBefore>,
}

/// A past case in which a finding's rule fired too.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SeenBefore {
    /// Case id.
    pub case: String,
    /// The day it was recorded.
    pub date: String,
    /// How it was resolved.
    pub resolution: Option<String>,
    /// Titles of the past case's findings whose rules fired in this bundle too (this one
    /// among them), in the past case's order: how much of that case this one resembles.
    pub shared: Vec<String>,
    /// How many findings the past case had.
    pub findings: usize,
}

/// A piece of evidence as the document shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DocEvidence {
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
pub(crate) struct TimelineEvent {
    /// When.
    pub time: Timestamp,
    /// `finding` (a finding's earliest evidence), `first` or `last` (hit of a signature).
    pub event: &'static str,
    /// File inside the bundle (`null` for `finding`).
    pub file: Option<String>,
    /// Line in the file (`null` for `finding`).
    pub line: Option<u64>,
    /// Findings (anchors) that start with this hit: their first time is this line's.
    pub starts: Vec<String>,
    /// Signature id (hits), or the finding's rule.
    pub what: String,
    /// Hits of that signature in that file.
    pub count: u64,
    /// Findings (anchors) the event belongs to.
    pub findings: Vec<String>,
    /// The line, shortened (for `finding`: its title).
    pub text: String,
}

/// The timeline chart's content: one lane per finding, each with its episodes (separate bars)
/// and the hits of its evidence signatures per time bin; equal bins over the span of all logs.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Activity {
    /// Start of the first bin.
    pub start: Option<Timestamp>,
    /// End of the last bin.
    pub end: Option<Timestamp>,
    /// Bin width in milliseconds (a whole number of minutes).
    pub bin_ms: i64,
    /// A pause in a finding's evidence at least this long (ms) ends an episode: the longer of
    /// 30 minutes and one bin, so two bars always have a visible gap between them.
    pub episode_gap_ms: i64,
    /// One lane per finding, by the finding's first time (findings without timed evidence
    /// last, in document order).
    pub lanes: Vec<FindingLane>,
    /// Signatures no finding cites (environment facts left out), most hits first; the chart
    /// folds them away.
    pub other: Vec<SignatureLane>,
}

/// A finding's lane of the chart.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FindingLane {
    /// Finding anchor.
    pub finding: String,
    /// Severity.
    pub severity: Severity,
    /// Finding title.
    pub title: String,
    /// The finding's time span (the episode the rule chose, else all its evidence).
    pub first_time: Option<Timestamp>,
    /// End of the finding's time span.
    pub last_time: Option<Timestamp>,
    /// Stretches of its evidence's hits with no pause of `episode_gap_ms`, in time order: a
    /// problem that recovered and came back is two episodes.
    pub episodes: Vec<ActivityEpisode>,
    /// Its evidence signatures (over all files), in order of first hit.
    pub signatures: Vec<SignatureLane>,
}

/// One episode of a finding's evidence (minute precision).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ActivityEpisode {
    /// Start of its first minute.
    pub start: Timestamp,
    /// End of its last minute.
    pub end: Timestamp,
    /// Hits of the finding's evidence in it.
    pub hits: u64,
    /// Whether it overlaps the finding's time span (else it is an earlier or later episode).
    pub in_span: bool,
}

/// One signature's hits per bin, summed over files.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SignatureLane {
    /// Signature id.
    pub signature: String,
    /// Files with hits (of those the lane counts).
    pub files: Vec<String>,
    /// Hits.
    pub total: u64,
    /// Hits per bin.
    pub bins: Vec<u64>,
}

/// A plan as the document shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DocPlan {
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
    /// The Verification section, parameters filled (markdown; empty when the page has none).
    pub verification: String,
    /// Parameters used.
    pub params: BTreeMap<String, serde_json::Value>,
    /// Parameters the runbook needs that no finding supplied.
    pub missing: Vec<String>,
}

/// A finding a plan answers.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PlanAnswer {
    /// Rule id.
    pub rule: String,
    /// Finding anchor.
    pub finding: String,
    /// Finding title.
    pub title: String,
}

/// Rules and problems.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Appendix {
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
pub(crate) struct RuleLine {
    /// Rule id.
    pub rule: String,
    /// `fired`, `silent`, `failed`, `skipped`.
    pub status: OutcomeStatus,
    /// Findings raised.
    pub findings: usize,
    /// Why it failed or was skipped.
    pub reason: Option<String>,
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
    Activity { lanes, other }
    FindingLane { title, signatures }
    SignatureLane { files }
    DocPlan { title, answers, params }
    PlanAnswer { title }
    Appendix { rules, kb_problems, plan_problems, not_logs }
    RuleLine { reason }
}
