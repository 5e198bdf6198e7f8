//! Builds the [`CaseDocument`] from the pipeline's stages: the knowledge base, the bundle, the
//! scan, the rule evaluation and the plans. Every list comes out in a fixed order, so the same
//! inputs give the same bytes in every format.

use std::collections::{BTreeMap, BTreeSet};

use super::document::*;
use crate::bundle::Bundle;
use crate::diagnostic::Diagnostic;
use crate::findings::{Evidence, Finding};
use crate::kb::KnowledgeBase;
use crate::redact::Redactor;
use crate::rules::{Evaluation, OutcomeStatus};
use crate::runbooks::Plan;
use crate::scan::{FileScan, MinuteCounts, ScanReport, SignatureHits};
use crate::tables::PodTable;
use crate::time::Timestamp;

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

/// What the document is built from.
pub(crate) struct DocumentInputs<'a> {
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
    pub(crate) fn build(input: DocumentInputs<'_>) -> CaseDocument {
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
        let activity = activity(scan.files.iter().filter(|f| is_log(f)), &findings, kb);
        let mut findings = findings;
        link_chains(&mut findings, kb);
        explain_findings(&mut findings, &plans);
        let plans = doc_plans(plans, &findings);
        let logs_end = scan.files.iter().filter_map(|f| f.time_range().1).max();

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
            // Written last, from the redacted findings and plans.
            summary: Summary {
                diagnosis: None,
                first_steps: Vec::new(),
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
        // Runbook text is the KB's: only the bundle's values filled into it are redacted.
        let filled: Vec<_> = doc.plans.iter().map(|p| p.params.clone()).collect();
        let explained: Vec<_> = doc.findings.iter().map(|f| f.params.clone()).collect();
        redactor.redact(&mut doc);
        for (p, params) in doc.plans.iter_mut().zip(&filled) {
            redact_filled(
                &mut redactor,
                params,
                [&mut p.steps, &mut p.diagnosis, &mut p.verification],
            );
        }
        for (f, params) in doc.findings.iter_mut().zip(&explained) {
            let texts = [f.meaning.as_mut(), f.impact.as_mut()].into_iter().flatten();
            redact_filled(&mut redactor, params, texts);
        }
        doc.summary = super::summary::summary(&doc.findings, &doc.plans, logs_end);
        // Bundle bytes never drive a terminal, whichever format shows them.
        crate::redact::VisitStrings::visit_strings(&mut doc, &mut |s| {
            if let std::borrow::Cow::Owned(p) = super::terminal::printable(s) {
                *s = p;
            }
        });
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

/// The past cases (other than `case_id`) where `rule` fired, those sharing more of this
/// bundle's findings (`fired`: their rules) first: a past case that shares one finding of
/// seven was about something else, and its resolution may not fit.
fn seen_before(
    kb: &KnowledgeBase,
    rule: &str,
    fired: &std::collections::BTreeSet<&str>,
    case_id: Option<&str>,
) -> Vec<SeenBefore> {
    let mut out: Vec<SeenBefore> = crate::kb::cases_with_rule(&kb.cases, rule)
        .into_iter()
        .filter(|c| Some(c.id.as_str()) != case_id)
        .map(|c| SeenBefore {
            case: c.id.clone(),
            date: c.date.clone(),
            resolution: c.resolution.clone(),
            shared: c
                .findings
                .iter()
                .filter(|p| fired.contains(p.rule.as_str()))
                .map(|p| p.title.clone())
                .collect(),
            findings: c.findings.len(),
        })
        .collect();
    // Stable: equal overlaps keep the date order `cases_with_rule` gives.
    out.sort_by_key(|c| std::cmp::Reverse(c.shared.len()));
    out
}

fn doc_findings(
    findings: &[Finding],
    kb: &KnowledgeBase,
    scan: &ScanReport,
    plans: &[Plan],
    case_id: Option<&str>,
) -> Vec<DocFinding> {
    let fired: std::collections::BTreeSet<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let evidence: Vec<DocEvidence> = f
                .evidence
                .iter()
                .map(|e| doc_evidence(e, &f.rule, kb, scan))
                .collect();
            let plan = (plans.iter())
                .position(|p| p.findings.contains(&i))
                .map(|n| format!("p{}", n + 1));
            DocFinding {
                id: format!("f{}", i + 1),
                rule: f.rule.clone(),
                title: f.title.clone(),
                severity: f.severity,
                summary: f.summary.clone(),
                why: f.why.clone(),
                first_time: f.first_time,
                // The rule's episode, else the evidence's span.
                last_time: f
                    .last_time
                    .or_else(|| evidence.iter().filter_map(|e| e.last_time).max()),
                runbook: f.runbook.clone(),
                plan,
                leads_to: Vec::new(),
                follows: None,
                meaning: None,
                impact: None,
                params: f.params.clone(),
                evidence,
                seen_before: seen_before(kb, &f.rule, &fired, case_id),
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
                    "{} lines longer than the line limit matched on their first part only (first at line {}; raise it with --max-line-bytes)",
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
                max_restarts: 0,
                nodes: None,
            },
            BTreeSet::new(),
        ));
        c.pods += 1;
        c.unhealthy += usize::from(!pod.is_healthy());
        c.max_restarts = c.max_restarts.max(pod.restarts);
        if let Some(node) = pod.node.as_ref().filter(|n| n.as_str() != "<none>") {
            nodes.insert(node.clone());
        }
    }
    components
        .into_values()
        .map(|(mut c, nodes)| {
            c.nodes = (!nodes.is_empty()).then_some(nodes.len());
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
                file: None,
                line: None,
                starts: Vec::new(),
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
                        file: Some(e.file.clone()),
                        line: Some(hit.line),
                        starts: Vec::new(),
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
    // A finding that starts with one of its hits is said on that hit's row, not on a row of
    // its own at the same time.
    events.retain(|finding| {
        let id = &finding.findings[0];
        let first = by_line
            .values_mut()
            .filter(|e| e.time == finding.time && e.findings.contains(id))
            .min_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        match first {
            Some(e) => {
                e.starts.push(id.clone());
                false
            }
            None => true,
        }
    });
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

/// A pause in a finding's evidence at least this long ends an episode on the chart (as the
/// leaderless rule cuts outages), unless one bin is longer.
const EPISODE_GAP_MS: i64 = 30 * 60_000;

fn activity<'a>(
    files: impl Iterator<Item = &'a FileScan>,
    findings: &[DocFinding],
    kb: &KnowledgeBase,
) -> Activity {
    let files: Vec<&FileScan> = files.collect();
    let minutes = files.iter().flat_map(|f| f.hits.values()).map(|h| &h.histogram);
    let start = minutes.clone().filter_map(|m| m.keys().next()).min();
    let end = minutes
        .filter_map(|m| m.keys().next_back())
        .max()
        .map(|b| b + crate::scan::BUCKET_MS);
    let (Some(start), Some(end)) = (start, end) else {
        return Activity {
            start: None,
            end: None,
            bin_ms: crate::scan::BUCKET_MS,
            episode_gap_ms: EPISODE_GAP_MS,
            lanes: Vec::new(),
            other: Vec::new(),
        };
    };
    let minute = crate::scan::BUCKET_MS;
    let span_minutes = (end - start) / minute;
    // The narrowest round bin that keeps to ACTIVITY_BINS columns.
    let bin_minutes = ((span_minutes + ACTIVITY_BINS as i64 - 1) / ACTIVITY_BINS as i64).max(1);
    let bin_ms = [1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440]
        .into_iter()
        .find(|m| *m >= bin_minutes)
        .unwrap_or(bin_minutes)
        * minute;
    let bins = ((end - start + bin_ms - 1) / bin_ms) as usize;
    let episode_gap_ms = EPISODE_GAP_MS.max(bin_ms);
    let binned = |minutes: &MinuteCounts| {
        let mut counts = vec![0u64; bins];
        for (bucket, n) in minutes.iter() {
            let i = ((bucket - start) / bin_ms) as usize;
            counts[i.min(bins - 1)] += n;
        }
        counts
    };
    let histogram = |file: &str, signature: &str| {
        files
            .iter()
            .find(|f| f.path == file)
            .and_then(|f| f.hits.get(signature))
            .map(|h| &h.histogram)
    };
    // Signatures over the files given, in order of first hit.
    let signature_lanes = |pairs: &BTreeSet<(&str, &str)>| {
        let mut by_signature: BTreeMap<&str, (Vec<String>, MinuteCounts)> = BTreeMap::new();
        for &(file, signature) in pairs {
            let Some(h) = histogram(file, signature).filter(|h| !h.is_empty()) else {
                continue;
            };
            let (files, minutes) = by_signature.entry(signature).or_default();
            files.push(file.to_owned());
            minutes.merge(h);
        }
        let mut lanes: Vec<(i64, SignatureLane)> = by_signature
            .into_iter()
            .map(|(signature, (files, minutes))| {
                let first = minutes.keys().next().unwrap_or(i64::MAX);
                let lane = SignatureLane {
                    signature: signature.to_owned(),
                    files,
                    total: minutes.iter().map(|(_, n)| n).sum(),
                    bins: binned(&minutes),
                };
                (first, lane)
            })
            .collect();
        lanes.sort_by(|a, b| (a.0, &a.1.signature).cmp(&(b.0, &b.1.signature)));
        lanes.into_iter().map(|(_, l)| l).collect::<Vec<_>>()
    };

    let mut cited: BTreeSet<&str> = BTreeSet::new();
    let mut lanes: Vec<FindingLane> = findings
        .iter()
        .map(|f| {
            let pairs: BTreeSet<(&str, &str)> = f
                .evidence
                .iter()
                .filter_map(|e| e.signature.as_deref().map(|s| (e.file.as_str(), s)))
                .collect();
            cited.extend(pairs.iter().map(|p| p.1));
            let mut all = MinuteCounts::default();
            for &(file, signature) in &pairs {
                if let Some(h) = histogram(file, signature) {
                    all.merge(h);
                }
            }
            let span = (
                f.first_time.map_or(i64::MIN, |t| t.millis()),
                f.last_time.or(f.first_time).map_or(i64::MAX, |t| t.millis()),
            );
            let episodes = crate::rules::episodes(&all, episode_gap_ms)
                .into_iter()
                .map(|e| ActivityEpisode {
                    start: Timestamp(e.start_ms),
                    end: Timestamp(e.end_ms),
                    hits: e.count,
                    // Minute precision: the episode's minutes reach into the span.
                    in_span: e.start_ms <= span.1 && e.end_ms > span.0,
                })
                .collect();
            FindingLane {
                finding: f.id.clone(),
                severity: f.severity,
                title: f.title.clone(),
                first_time: f.first_time,
                last_time: f.last_time,
                episodes,
                signatures: signature_lanes(&pairs),
            }
        })
        .collect();
    // By first time; findings with no timed evidence keep document order after the rest.
    lanes.sort_by_key(|l| (l.first_time.is_none(), l.first_time));
    let uncited: BTreeSet<(&str, &str)> = files
        .iter()
        .flat_map(|f| f.hits.keys().map(move |s| (f.path.as_str(), s.as_str())))
        .filter(|(_, s)| !cited.contains(s) && !has_tag(kb, s, ENVIRONMENT_TAG))
        .collect();
    let mut other = signature_lanes(&uncited);
    other.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.signature.cmp(&b.signature)));
    Activity {
        start: Some(Timestamp(start)),
        end: Some(Timestamp(start + bin_ms * bins as i64)),
        bin_ms,
        episode_gap_ms,
        lanes,
        other,
    }
}

/// Replaces, in runbook text filled with `params`, each parameter's value by its redacted
/// form; the rest of the text (the KB's own, `secret=...` in an example command) stays.
fn redact_filled<'t>(
    redactor: &mut Redactor,
    params: &BTreeMap<String, serde_json::Value>,
    texts: impl IntoIterator<Item = &'t mut String>,
) {
    let mut values: Vec<(String, String)> = params
        .values()
        .flat_map(|v| match v {
            serde_json::Value::Array(items) => items.iter().filter_map(|i| i.as_str()).collect(),
            other => other.as_str().into_iter().collect::<Vec<_>>(),
        })
        .filter(|v| !v.is_empty())
        .filter_map(|v| {
            let mut redacted = v.to_owned();
            redactor.apply(&mut redacted);
            (redacted != v).then(|| (v.to_owned(), redacted))
        })
        .collect();
    // Longest first, so a value that contains another is replaced whole.
    values.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    values.dedup();
    for text in texts {
        for (from, to) in &values {
            if text.contains(from.as_str()) {
                *text = text.replace(from.as_str(), to);
            }
        }
    }
}

/// Links each finding to the finding it follows from: the first fired finding of a rule in its
/// rule's `after:` (rules read those findings, so the link is the chain the KB authored).
fn link_chains(findings: &mut [DocFinding], kb: &KnowledgeBase) {
    let after = kb.rules.after_lists();
    let links: Vec<Option<usize>> = findings
        .iter()
        .map(|f| {
            let causes = after.get(f.rule.as_str()).copied().unwrap_or_default();
            findings
                .iter()
                .position(|c| c.rule != f.rule && causes.contains(&c.rule))
        })
        .collect();
    for (i, cause) in links.into_iter().enumerate() {
        if let Some(c) = cause {
            let id = findings[i].id.clone();
            findings[i].follows = Some(findings[c].id.clone());
            findings[c].leads_to.push(id);
        }
    }
}

/// The runbook's Meaning and Impact go with the first finding its plan answers.
fn explain_findings(findings: &mut [DocFinding], plans: &[Plan]) {
    let mut explained = BTreeSet::new();
    for (i, f) in findings.iter_mut().enumerate() {
        let Some(at) = plans.iter().position(|p| p.findings.contains(&i)) else {
            continue;
        };
        let plan = &plans[at];
        if explained.insert(at) {
            let text = |s: &str| Some(s.trim().to_owned()).filter(|t| !t.is_empty());
            f.meaning = text(&plan.meaning);
            f.impact = text(&plan.impact);
        }
    }
}

fn doc_plans(plans: Vec<Plan>, findings: &[DocFinding]) -> Vec<DocPlan> {
    plans
        .into_iter()
        .enumerate()
        .map(|(i, p)| DocPlan {
            id: format!("p{}", i + 1),
            answers: (p.findings.iter())
                .filter_map(|&i| findings.get(i))
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
            verification: p.verification,
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
