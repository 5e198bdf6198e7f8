//! The case document's content: everything the write-up says, as owned `Serialize` data. The
//! markdown and HTML templates and the JSON output all read this one structure.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::bundle::{Bundle, Skipped};
use crate::diagnostic::Diagnostic;
use crate::findings::Finding;
use crate::kb::KnowledgeBase;
use crate::rules::{Evaluation, OutcomeStatus, RuleOutcome};
use crate::runbooks::Plan;
use crate::scan::{HitLine, ScanReport};
use crate::tables::Pod;
use crate::time::Timestamp;

/// Version of the JSON schema (`docs/case-schema.md`); bumped on any incompatible change.
pub const SCHEMA: &str = "casebook.case/1";

/// Lines quoted per signature in a log excerpt.
const EXCERPT_HEAD: usize = 3;

/// The whole case document.
#[derive(Debug, Clone, Serialize)]
pub struct CaseDocument {
    /// Schema id.
    pub schema: &'static str,
    /// Case id, title, description.
    pub case: CaseInfo,
    /// The knowledge base that produced it.
    pub knowledge_base: KbInfo,
    /// Bundle inventory.
    pub bundle: BundleInfo,
    /// Pod status, when the bundle has a listing.
    pub pods: Vec<PodSection>,
    /// Per-log time ranges and excerpts.
    pub logs: Vec<LogSection>,
    /// Perf snapshot lines.
    pub perf_snapshots: Vec<Quote>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Plans from the runbooks, in the order of the findings they answer.
    pub plans: Vec<Plan>,
    /// Rules, problems and what was skipped.
    pub appendix: Appendix,
}

/// Case id, title and description.
#[derive(Debug, Clone, Serialize)]
pub struct CaseInfo {
    /// Ticket id (`--case`).
    pub id: Option<String>,
    /// Title: `--title`, else the most severe finding's title.
    pub title: String,
    /// Description (`--description FILE`), markdown.
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

/// Bundle inventory.
#[derive(Debug, Clone, Serialize)]
pub struct BundleInfo {
    /// Bundle name.
    pub name: String,
    /// Files with kind, size and time span.
    pub files: Vec<FileEntry>,
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
    /// Size on disk.
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
    /// Per component: pods, unhealthy, restarts.
    pub components: Vec<ComponentSummary>,
    /// Unhealthy pods first, then the rest: the table as it should be read.
    pub table: String,
    /// Unhealthy pods.
    pub unhealthy: Vec<Pod>,
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
}

/// A log's time range and excerpts.
#[derive(Debug, Clone, Serialize)]
pub struct LogSection {
    /// Path inside the bundle.
    pub file: String,
    /// Kind id.
    pub kind: Option<String>,
    /// Lines.
    pub lines: u64,
    /// First timestamped line.
    pub first: Option<HitLine>,
    /// Last timestamped line.
    pub last: Option<HitLine>,
    /// Signature hits in this log, in order of first appearance.
    pub excerpts: Vec<Excerpt>,
    /// Read problems (early end, invalid UTF-8, long lines).
    pub notes: Vec<String>,
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
    /// First and last time.
    pub first_time: Option<Timestamp>,
    /// Last time.
    pub last_time: Option<Timestamp>,
    /// First hit line number.
    pub first_line: u64,
    /// Quoted lines: the first few, then the last.
    pub lines: Vec<HitLine>,
}

/// A quoted line with its file.
#[derive(Debug, Clone, Serialize)]
pub struct Quote {
    /// File inside the bundle.
    pub file: String,
    /// The line.
    pub line: HitLine,
}

/// Rules and problems.
#[derive(Debug, Clone, Serialize)]
pub struct Appendix {
    /// Rules evaluated.
    pub rules_evaluated: usize,
    /// Rules that fired.
    pub rules_fired: usize,
    /// Rules skipped (deprecated).
    pub rules_skipped: usize,
    /// Rules that failed, with reasons.
    pub rules_failed: Vec<RuleOutcome>,
    /// Knowledge-base problems (items left out), rendered as compiler-style text.
    pub kb_problems: Vec<String>,
    /// Problems filling runbooks.
    pub plan_problems: Vec<String>,
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
        } = input;
        let title = title
            .or_else(|| evaluation.findings.first().map(|f| f.title.clone()))
            .unwrap_or_else(|| "No known problem found".to_owned());
        let perf_ids: Vec<&str> = kb
            .signatures
            .iter()
            .filter(|s| s.spec.tags.iter().any(|t| t == "perf-snapshot"))
            .map(|s| s.id.as_str())
            .collect();
        let scans: BTreeMap<&str, _> = scan.files.iter().map(|f| (f.path.as_str(), f)).collect();
        let files = bundle
            .files
            .iter()
            .map(|f| {
                let s = scans.get(f.path.as_str());
                FileEntry {
                    path: f.path.clone(),
                    kind: f.kind.clone(),
                    size: f.size,
                    lines: s.map(|s| s.lines),
                    first_time: s.and_then(|s| s.time_range().0),
                    last_time: s.and_then(|s| s.time_range().1),
                }
            })
            .collect();
        let mut skipped = bundle.skipped.clone();
        skipped.extend(scan.skipped.iter().cloned());
        let mut perf_snapshots = Vec::new();
        let logs = scan
            .files
            .iter()
            .map(|f| {
                let mut excerpts: Vec<Excerpt> = f
                    .hits
                    .iter()
                    .map(|(id, h)| {
                        let mut lines: Vec<HitLine> = h.head.iter().take(EXCERPT_HEAD).cloned().collect();
                        if let Some(last) = h.last() {
                            if !lines.iter().any(|l| l.line == last.line) {
                                lines.push(last.clone());
                            }
                        }
                        if perf_ids.contains(&id.as_str()) {
                            perf_snapshots.extend(h.samples().into_iter().map(|l| Quote {
                                file: f.path.clone(),
                                line: l.clone(),
                            }));
                        }
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
                            lines,
                        }
                    })
                    .collect();
                excerpts.sort_by(|a, b| {
                    a.first_line
                        .cmp(&b.first_line)
                        .then_with(|| a.signature.cmp(&b.signature))
                });
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
                    file: f.path.clone(),
                    kind: f.kind.clone(),
                    lines: f.lines,
                    first: f.first.clone(),
                    last: f.last.clone(),
                    excerpts,
                    notes,
                }
            })
            .collect();
        perf_snapshots
            .sort_by(|a, b| (a.line.time, &a.file, a.line.line).cmp(&(b.line.time, &b.file, b.line.line)));
        let pods = scan.pod_tables.iter().map(pod_section).collect();
        let count = |s: OutcomeStatus| evaluation.outcomes.iter().filter(|o| o.status == s).count();
        CaseDocument {
            schema: SCHEMA,
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
            bundle: BundleInfo {
                name: bundle.name.clone(),
                files,
                skipped,
            },
            pods,
            logs,
            perf_snapshots,
            findings: evaluation.findings.clone(),
            plans,
            appendix: Appendix {
                rules_evaluated: evaluation.outcomes.len() - count(OutcomeStatus::Skipped),
                rules_fired: count(OutcomeStatus::Fired),
                rules_skipped: count(OutcomeStatus::Skipped),
                rules_failed: evaluation
                    .outcomes
                    .iter()
                    .filter(|o| o.status == OutcomeStatus::Failed)
                    .cloned()
                    .collect(),
                kb_problems: kb.problems.iter().map(|d| d.to_string()).collect(),
                plan_problems: plan_problems.iter().map(|d| d.to_string()).collect(),
            },
        }
    }
}

fn pod_section(table: &crate::tables::PodTable) -> PodSection {
    let mut components: BTreeMap<String, ComponentSummary> = BTreeMap::new();
    for pod in &table.pods {
        let name = pod.component.clone().unwrap_or_else(|| "other".to_owned());
        let c = components.entry(name.clone()).or_insert(ComponentSummary {
            component: name,
            pods: 0,
            unhealthy: 0,
            restarting: 0,
        });
        c.pods += 1;
        c.unhealthy += usize::from(!pod.is_healthy());
        c.restarting += usize::from(pod.restarts >= 100);
    }
    let unhealthy: Vec<Pod> = table.pods.iter().filter(|p| !p.is_healthy()).cloned().collect();
    let mut rows: Vec<&Pod> = table.pods.iter().collect();
    // Unhealthy first, then pods restarting a lot, each group in listing order.
    rows.sort_by_key(|p| (p.is_healthy(), p.restarts < 100, p.line));
    let mut text = table.header.clone();
    for p in rows {
        text.push('\n');
        text.push_str(&p.raw);
    }
    PodSection {
        file: table.file.clone(),
        total: table.pods.len(),
        components: components.into_values().collect(),
        table: text,
        unhealthy,
    }
}
