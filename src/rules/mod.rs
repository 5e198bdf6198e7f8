//! The third stage: evaluate every rule over the scan results and tables, never re-reading raw
//! lines. A rule is declarative (fires when each of its signatures reaches `min_count`) or
//! scripted in rhai (its script returns a finding, an array of findings, or nothing).
//!
//! Rules run in dependency order (`after:`), each in a fresh scope with a deadline; a rule that
//! fails is reported with its file and position and every other rule still runs.

mod api;
mod context;
mod crashloop;
mod draft;
mod engine;
pub(crate) mod grade;
mod lint;
mod records;
mod window;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rhai::{Dynamic, Engine, Map, Position, Scope, AST};
use serde::Serialize;

pub(crate) use api::{BundleView, Facts};
pub(crate) use context::SignatureRef;
pub(crate) use engine::{engine, DEADLINE, MAX_OPERATIONS};
pub(crate) use window::max_in_window;

use context::RuleContext;
use draft::FindingDraft;

use crate::diagnostic::Diagnostic;
use crate::findings::{sort_findings, Evidence, Finding};
use crate::scan::ScanReport;
use crate::spec::{KbFile, RuleSpec, RuleStatus, VersionReq};
use crate::time::Timestamp;

/// Time all rules together may take when no budget is given.
pub(crate) const DEFAULT_BUDGET: std::time::Duration = std::time::Duration::from_secs(60);
/// Values shown per capture in a finding's evidence.
const EVIDENCE_VALUES: usize = 3;
/// Lines quoted per evidence item.
const EVIDENCE_LINES: usize = 3;

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The authored form.
    pub spec: RuleSpec,
    /// Path of its YAML file.
    pub path: String,
    /// The compiled script.
    pub script: Option<Script>,
    /// SHA-256 of the rule's YAML and script: changes whenever the rule does.
    pub fingerprint: String,
    /// The names the rule may use: its signatures (own and `uses:`), the rules in `after:`.
    pub(crate) ctx: Arc<RuleContext>,
    /// `applies_to`, parsed: product and version range.
    pub applies: Vec<(String, VersionReq)>,
}

/// A rule's compiled script and where its text sits, so positions point into the file.
#[derive(Debug, Clone)]
pub struct Script {
    /// The compiled script.
    pub ast: AST,
    /// The file holding it: the `.rhai` file, or the rule's YAML for an inline `script:`.
    pub path: String,
    /// Lines before the script's first line in that file (0 for a `.rhai` file).
    pub line_offset: usize,
    /// Indentation of an inline script (0 for a `.rhai` file).
    pub col_offset: usize,
}

impl Script {
    /// `path:line:col` in the file, from a position in the script.
    fn locate(&self, pos: Position) -> String {
        let (line, col) = position(pos);
        if line == 0 {
            return self.path.clone();
        }
        format!(
            "{}:{}:{}",
            self.path,
            line + self.line_offset,
            col + self.col_offset
        )
    }
}

impl Rule {
    /// Compiles a rule: its script (inline or the `.rhai` file beside it) with `engine`, and
    /// checks every literal name in the script against `signatures` (name as the rule writes
    /// it => the signature) and its `after:` list.
    pub(crate) fn compile(
        engine: &Engine,
        spec: RuleSpec,
        file: &KbFile,
        script_file: Option<&KbFile>,
        signatures: BTreeMap<String, SignatureRef>,
    ) -> Result<Rule, Vec<Diagnostic>> {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(file.text.as_bytes());
        let mut applies = Vec::new();
        for a in &spec.applies_to {
            let req = VersionReq::parse(&a.versions).map_err(|msg| {
                vec![Diagnostic::at_key(
                    &file.path,
                    &file.text,
                    "versions",
                    &a.versions,
                    format!("invalid version range: {msg}"),
                )
                .with_hint("comparators >=, >, <=, <, =, != joined by commas, e.g. \">=5.0, <5.5\"")]
            })?;
            applies.push((a.product.clone(), req));
        }
        let applies = applies;
        for sig in &spec.signatures {
            if let Some(within) = &sig.within {
                if sig.window_ms().is_none_or(|ms| ms <= 0) {
                    return Err(vec![Diagnostic::at_key(
                        &file.path,
                        &file.text,
                        "within",
                        within,
                        format!("invalid time window `{within}` on signature `{}`", sig.id),
                    )
                    .with_hint("write a duration such as 90s, 5m, 2h or 1d")]);
                }
            }
        }
        let script = match (&spec.script, script_file) {
            (Some(_), Some(f)) => {
                return Err(vec![Diagnostic::at_text(
                    &file.path,
                    &file.text,
                    "script:",
                    format!("rule has both an inline script and {}", f.path),
                )
                .with_hint("keep one: the inline `script:` or the .rhai file")]);
            }
            (Some(inline), None) => {
                let (line_offset, col_offset) = inline_script_offset(&file.text);
                Some(compile_script(
                    engine,
                    inline,
                    &file.path,
                    &file.text,
                    line_offset,
                    col_offset,
                )?)
            }
            (None, Some(f)) => {
                hasher.update(f.text.as_bytes());
                Some(compile_script(engine, &f.text, &f.path, &f.text, 0, 0)?)
            }
            (None, None) => None,
        };
        let ctx = RuleContext {
            rule: spec.id.clone(),
            signatures,
            after: spec.after.iter().cloned().collect(),
        };
        if let Some(script) = &script {
            let text = script_file.map_or(file.text.as_str(), |f| f.text.as_str());
            let problems: Vec<Diagnostic> = lint::check(&script.ast, &ctx)
                .into_iter()
                .map(|p| {
                    Diagnostic::at(
                        &script.path,
                        text,
                        p.line + script.line_offset,
                        p.column + script.col_offset,
                        p.message,
                    )
                    .with_hint("see docs/authoring.md for the names a script may use")
                })
                .collect();
            if !problems.is_empty() {
                return Err(problems);
            }
        }
        Ok(Rule {
            path: file.path.clone(),
            script,
            fingerprint: crate::spec::hex(&hasher.finalize()),
            ctx: Arc::new(ctx),
            applies,
            spec,
        })
    }

    /// Parameter names the rule is known to produce: those its script sets literally and those
    /// its tests expect (`params.x:` under `finding:`).
    pub fn params_produced(&self) -> std::collections::BTreeSet<String> {
        let mut out = self
            .script
            .as_ref()
            .map(|s| lint::param_names(&s.ast))
            .unwrap_or_default();
        for test in &self.spec.tests {
            out.extend(
                test.finding
                    .keys()
                    .filter_map(|k| k.strip_prefix("params."))
                    .map(|k| k.split('.').next().unwrap_or(k).to_owned()),
            );
        }
        out
    }

    /// Global ids of every signature the rule reads: its own, then those of `uses:`.
    pub fn signature_ids(&self) -> Vec<String> {
        let own = self
            .spec
            .signatures
            .iter()
            .map(|s| format!("{}/{}", self.spec.id, s.id));
        own.chain(self.spec.uses.iter().cloned()).collect()
    }

    /// The global id of a signature as the rule names it.
    fn resolve(&self, name: &str) -> String {
        self.ctx
            .signature(name)
            .map_or_else(|_| name.to_owned(), |s| s.id.clone())
    }
}

/// Where an inline `script: |` block starts: lines before it and its indentation.
fn inline_script_offset(yaml: &str) -> (usize, usize) {
    let mut lines = yaml.lines().enumerate();
    for (i, line) in lines.by_ref() {
        if line.starts_with("script:") {
            let indent = yaml
                .lines()
                .nth(i + 1)
                .map_or(0, |l| l.len() - l.trim_start().len());
            return (i + 1, indent);
        }
    }
    (0, 0)
}

fn compile_script(
    engine: &Engine,
    script: &str,
    path: &str,
    file_text: &str,
    line_offset: usize,
    col_offset: usize,
) -> Result<Script, Vec<Diagnostic>> {
    let mut scope = Scope::new();
    scope.push_constant("bundle", Dynamic::UNIT);
    match engine.compile_with_scope(&scope, script) {
        Ok(mut ast) => {
            ast.set_source(path);
            Ok(Script {
                ast,
                path: path.to_owned(),
                line_offset,
                col_offset,
            })
        }
        Err(err) => {
            let (line, col) = position(err.1);
            Err(vec![Diagnostic::at(
                path,
                file_text,
                line + line_offset,
                col + col_offset,
                format!("rhai: {}", err.0),
            )
            .with_hint("see docs/authoring.md for the script API")])
        }
    }
}

fn position(pos: Position) -> (usize, usize) {
    (pos.line().unwrap_or(0), pos.position().unwrap_or(0))
}

/// All rules with the engine that runs them.
pub struct RuleSet {
    engine: Engine,
    rules: Vec<Rule>,
    /// Signatures that read a product's version: (product, signature id with a `version`
    /// capture).
    version_signatures: Vec<(String, String)>,
}

/// What happened to one rule in an analysis (for the appendix and `--explain`).
#[derive(Debug, Clone, Serialize)]
pub struct RuleOutcome {
    /// Rule id.
    pub rule: String,
    /// `fired`, `silent`, `failed`, `skipped`.
    pub status: OutcomeStatus,
    /// Findings raised.
    pub findings: usize,
    /// Why it failed or was skipped, with the position.
    pub reason: Option<String>,
    /// Hits of each of its signatures.
    pub signature_counts: BTreeMap<String, u64>,
    /// What the script printed.
    pub trace: Vec<String>,
    /// How each condition of a declarative rule came out, or what the script returned (for
    /// `--explain`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
}

/// The result of a rule run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeStatus {
    /// Raised at least one finding.
    Fired,
    /// Ran and raised nothing.
    Silent,
    /// Errored, looped or exceeded a limit.
    Failed,
    /// Not run (deprecated, or the bundle's product version is outside `applies_to`).
    Skipped,
}

/// Findings and per-rule outcomes of one evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Findings, sorted for the document.
    pub findings: Vec<Finding>,
    /// One outcome per rule, in evaluation order.
    pub outcomes: Vec<RuleOutcome>,
    /// Product versions read from the bundle, by product (empty when none was seen).
    pub versions: BTreeMap<String, Vec<String>>,
}

impl RuleSet {
    /// Rules in dependency order (`after:` first, then by id).
    pub fn new(engine: Engine, mut rules: Vec<Rule>) -> RuleSet {
        rules.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
        let mut ordered: Vec<Rule> = Vec::with_capacity(rules.len());
        let mut placed: BTreeSet<String> = BTreeSet::new();
        let ids: BTreeSet<String> = rules.iter().map(|r| r.spec.id.clone()).collect();
        while !rules.is_empty() {
            let ready = rules
                .iter()
                .position(|r| {
                    r.spec
                        .after
                        .iter()
                        .all(|d| placed.contains(d) || !ids.contains(d))
                })
                // A cycle: take the first rule anyway; `kb check` reports the cycle.
                .unwrap_or(0);
            let rule = rules.remove(ready);
            placed.insert(rule.spec.id.clone());
            ordered.push(rule);
        }
        RuleSet {
            engine,
            rules: ordered,
            version_signatures: Vec::new(),
        }
    }

    /// Names the signatures that read product versions (for `applies_to`).
    pub fn with_version_signatures(mut self, signatures: Vec<(String, String)>) -> RuleSet {
        self.version_signatures = signatures;
        self
    }

    /// Product versions seen in the scan: each version signature's `version` values.
    pub fn versions(&self, scan: &ScanReport) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (product, id) in &self.version_signatures {
            if let Some(stats) = scan.total(id).captures.get("version") {
                let seen = out.entry(product.clone()).or_default();
                for v in stats.values.keys() {
                    if !seen.contains(v) {
                        seen.push(v.clone());
                    }
                }
            }
        }
        for seen in out.values_mut() {
            seen.sort_by(|a, b| crate::spec::version_compare(a, b));
        }
        out.retain(|_, v| !v.is_empty());
        out
    }

    /// The rules, in evaluation order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The engine (for `rule test` and `--explain`).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Evaluates every rule over `facts`, within the default budget.
    pub fn evaluate(&self, facts: &Arc<Facts>) -> Evaluation {
        self.evaluate_within(facts, DEFAULT_BUDGET)
    }

    /// Evaluates every rule over `facts`; all rules together may take `budget`, each at most
    /// [`DEADLINE`]. Rules not run when the budget is spent are reported as failed.
    pub fn evaluate_within(&self, facts: &Arc<Facts>, budget: std::time::Duration) -> Evaluation {
        let started = std::time::Instant::now();
        let budget_end = started + budget;
        let mut earlier: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
        let mut outcomes = Vec::new();
        let versions = Arc::new(self.versions(&facts.scan));
        for rule in &self.rules {
            if std::time::Instant::now() >= budget_end {
                outcomes.push(RuleOutcome {
                    rule: rule.spec.id.clone(),
                    status: OutcomeStatus::Failed,
                    findings: 0,
                    reason: Some(format!(
                        "not run: the rules together used up their budget of {}s (raise with --rule-budget)",
                        budget.as_secs()
                    )),
                    signature_counts: BTreeMap::new(),
                    trace: Vec::new(),
                    conditions: Vec::new(),
                });
                continue;
            }
            let signature_counts = rule
                .signature_ids()
                .into_iter()
                .map(|id| {
                    let n = facts.scan.total(&id).count;
                    (id, n)
                })
                .collect();
            let skip = if rule.spec.status == RuleStatus::Deprecated {
                Some("deprecated".to_owned())
            } else {
                not_applicable(rule, &versions)
            };
            if let Some(reason) = skip {
                outcomes.push(RuleOutcome {
                    rule: rule.spec.id.clone(),
                    status: OutcomeStatus::Skipped,
                    findings: 0,
                    reason: Some(reason),
                    signature_counts,
                    trace: Vec::new(),
                    conditions: Vec::new(),
                });
                continue;
            }
            // Only the findings of the rules in `after:`: the rest may not be read.
            let readable: BTreeMap<String, Vec<Finding>> = rule
                .spec
                .after
                .iter()
                .filter_map(|d| earlier.get(d).map(|f| (d.clone(), f.clone())))
                .collect();
            let view = BundleView::new(
                facts.clone(),
                rule.ctx.clone(),
                Arc::new(readable),
                versions.clone(),
            );
            let mut conditions = Vec::new();
            let deadline = (std::time::Instant::now() + DEADLINE).min(budget_end);
            let (result, trace) = engine::guarded_until(deadline, rule.ctx.clone(), || {
                self.run(rule, view, &facts.scan, &mut conditions)
            });
            let outcome = match result {
                Ok(found) => {
                    let n = found.len();
                    if n > 0 {
                        earlier.insert(rule.spec.id.clone(), found);
                    }
                    RuleOutcome {
                        rule: rule.spec.id.clone(),
                        status: if n > 0 {
                            OutcomeStatus::Fired
                        } else {
                            OutcomeStatus::Silent
                        },
                        findings: n,
                        reason: None,
                        signature_counts,
                        trace,
                        conditions,
                    }
                }
                Err(reason) => RuleOutcome {
                    rule: rule.spec.id.clone(),
                    status: OutcomeStatus::Failed,
                    findings: 0,
                    reason: Some(reason),
                    signature_counts,
                    trace,
                    conditions,
                },
            };
            outcomes.push(outcome);
        }
        let mut findings: Vec<Finding> = earlier.into_values().flatten().collect();
        sort_findings(&mut findings);
        Evaluation {
            findings,
            outcomes,
            versions: Arc::unwrap_or_clone(versions),
        }
    }

    fn run(
        &self,
        rule: &Rule,
        view: BundleView,
        scan: &ScanReport,
        conditions: &mut Vec<String>,
    ) -> Result<Vec<Finding>, String> {
        let Some(script) = &rule.script else {
            return Ok(declarative(rule, scan, conditions).into_iter().collect());
        };
        let mut scope = Scope::new();
        scope.push_constant("bundle", view);
        let value: Dynamic = self
            .engine
            .eval_ast_with_scope(&mut scope, &script.ast)
            .map_err(|err| failure_reason(script, *err))?;
        conditions.push(format!("the script returned {}", describe_value(&value)));
        let path = &script.path;
        let returned = |v: Dynamic| -> Result<FindingDraft, String> {
            if v.is::<FindingDraft>() {
                Ok(v.cast::<FindingDraft>())
            } else if v.is_map() {
                FindingDraft::from_map(v.cast::<Map>(), &rule.ctx).map_err(|e| format!("{path}: {e}"))
            } else {
                Err(format!(
                    "{path}: the script returned a {} among its findings; return finding(#{{...}}), an array of them, or nothing",
                    v.type_name()
                ))
            }
        };
        let drafts: Vec<FindingDraft> = if value.is_unit() || value.as_bool() == Ok(false) {
            Vec::new()
        } else if value.is_array() {
            value
                .cast::<rhai::Array>()
                .into_iter()
                .map(returned)
                .collect::<Result<_, _>>()?
        } else if value.is::<FindingDraft>() || value.is_map() {
            vec![returned(value)?]
        } else {
            return Err(format!(
                "{path}: the script returned a {}; return finding(#{{...}}), an array of them, or nothing",
                value.type_name()
            ));
        };
        Ok(drafts.into_iter().map(|d| to_finding(rule, scan, d)).collect())
    }
}

/// `path:line:col: reason` for a script that failed (the position in the file that holds the
/// script, inline or not); limits are named as such.
fn failure_reason(script: &Script, err: rhai::EvalAltResult) -> String {
    use rhai::EvalAltResult as E;
    let mut err = err;
    // Errors inside functions the script calls wrap the one that happened; keep the innermost.
    while let E::ErrorInFunctionCall(_, _, inner, _) = err {
        err = *inner;
    }
    let at = script.locate(err.position());
    let message = match &mut err {
        E::ErrorTerminated(value, _) => format!("stopped: {value}"),
        E::ErrorTooManyOperations(_) => {
            format!("stopped: more than {MAX_OPERATIONS} operations (an endless loop?)")
        }
        E::ErrorStackOverflow(_) => "stopped: calls nested too deep (endless recursion?)".to_owned(),
        E::ErrorDataTooLarge(what, _) => format!("stopped: {what} over the sandbox's limit"),
        other => {
            let _ = other.take_position();
            other.to_string()
        }
    };
    format!("{at}: {message}")
}

/// Why a rule does not apply to this bundle: a product it names was seen, at versions all
/// outside its ranges. A product whose version was not seen counts as unknown: the rule runs.
fn not_applicable(rule: &Rule, versions: &BTreeMap<String, Vec<String>>) -> Option<String> {
    let mut products: Vec<&str> = rule.applies.iter().map(|(p, _)| p.as_str()).collect();
    products.dedup();
    for product in products {
        let Some(seen) = versions.get(product) else {
            continue;
        };
        let ranges: Vec<&VersionReq> = rule
            .applies
            .iter()
            .filter(|(p, _)| p == product)
            .map(|(_, r)| r)
            .collect();
        if !seen.iter().any(|v| ranges.iter().any(|r| r.matches(v))) {
            let wanted: Vec<String> = ranges.iter().map(|r| r.to_string()).collect();
            return Some(format!(
                "not applicable: applies to {product} {}, the bundle shows {product} {}",
                wanted.join(" or "),
                seen.join(", ")
            ));
        }
    }
    None
}

/// What a script returned, in words.
fn describe_value(value: &Dynamic) -> String {
    if value.is_unit() {
        "nothing: no finding".to_owned()
    } else if value.as_bool() == Ok(false) {
        "false: no finding".to_owned()
    } else if value.is_map() {
        "one finding".to_owned()
    } else if let Ok(n) = value.as_array_ref().map(|a| a.len()) {
        format!("an array of {n} finding(s)")
    } else {
        format!("a {}", value.type_name())
    }
}

/// A rule with no script fires when every signature reaches its `min_count` (within its
/// `within:` window when it has one). Every condition is recorded for `--explain`.
fn declarative(rule: &Rule, scan: &ScanReport, conditions: &mut Vec<String>) -> Option<Finding> {
    let mut parts = Vec::new();
    let mut holds = true;
    for sig in &rule.spec.signatures {
        let total = scan.total(&rule.resolve(&sig.id));
        let (seen, scope) = match (sig.window_ms(), &sig.within) {
            (Some(ms), Some(text)) => (max_in_window(&total.histogram, ms), format!(" within {text}")),
            _ => (total.count, String::new()),
        };
        let ok = seen >= sig.min_count;
        conditions.push(format!(
            "signature `{}`: {}{seen} hit(s){scope}, needs {}: {}",
            sig.id,
            if scope.is_empty() { "" } else { "at most " },
            sig.min_count,
            if ok { "holds" } else { "FAILS" }
        ));
        holds &= ok;
        parts.push(format!("{} × `{}`{scope}", seen, sig.id));
    }
    if parts.is_empty() {
        conditions.push("the rule has neither signatures nor a script: it never fires".to_owned());
        return None;
    }
    if !holds {
        return None;
    }
    let names: Vec<String> = rule.spec.signatures.iter().map(|s| s.id.clone()).collect();
    let evidence = signature_evidence(rule, scan, &names);
    Some(Finding {
        rule: rule.spec.id.clone(),
        title: rule.spec.title.clone(),
        severity: rule.spec.severity,
        summary: format!("Seen {}.", parts.join(", ")),
        why: rule.spec.description.trim().to_owned(),
        first_time: evidence.iter().filter_map(|e| e.first_time).min(),
        last_time: evidence.iter().filter_map(|e| e.last_time).max(),
        evidence,
        params: BTreeMap::new(),
        runbook: rule.spec.runbook.clone(),
    })
}

fn to_finding(rule: &Rule, scan: &ScanReport, d: FindingDraft) -> Finding {
    let mut evidence = signature_evidence(rule, scan, &d.signatures);
    evidence.extend(pod_evidence(d.pods));
    let first_time = d
        .first_ms
        .map(Timestamp)
        .or_else(|| evidence.iter().filter_map(|e| e.first_time).min());
    let last_time = d
        .last_ms
        .map(Timestamp)
        .or_else(|| evidence.iter().filter_map(|e| e.last_time).max());
    Finding {
        rule: rule.spec.id.clone(),
        title: d.title.unwrap_or_else(|| rule.spec.title.clone()),
        severity: d.severity.unwrap_or(rule.spec.severity),
        summary: d.summary,
        why: rule.spec.description.trim().to_owned(),
        first_time,
        last_time,
        evidence,
        params: d.params,
        runbook: rule.spec.runbook.clone(),
    }
}

/// Evidence for named signatures: one item per file where each hit.
fn signature_evidence(rule: &Rule, scan: &ScanReport, names: &[String]) -> Vec<Evidence> {
    let mut out = Vec::new();
    for name in names {
        let id = rule.resolve(name);
        for file in &scan.files {
            let Some(h) = file.hits.get(&id) else { continue };
            let mut lines = vec![h.first().map_or(0, |x| x.line)];
            if let Some(last) = h.last().filter(|l| l.line != lines[0]) {
                lines.push(last.line);
            }
            let mut excerpt: Vec<String> = h
                .head
                .iter()
                .take(EVIDENCE_LINES - 1)
                .map(|x| x.text.clone())
                .collect();
            if let Some(last) = h.last() {
                if h.count as usize > excerpt.len() {
                    excerpt.push(last.text.clone());
                }
            }
            out.push(Evidence {
                file: file.path.clone(),
                what: name.clone(),
                count: h.count,
                lines,
                first_time: h.first_time,
                last_time: h.last_time,
                captures: h
                    .captures
                    .iter()
                    .map(|(k, v)| (k.clone(), v.top(EVIDENCE_VALUES)))
                    .collect(),
                excerpt,
            });
        }
    }
    out
}

/// Evidence for pod rows (listing file, line, row), grouped by listing file.
fn pod_evidence(pods: Vec<(String, u64, String)>) -> Vec<Evidence> {
    let mut by_file: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
    for (file, line, raw) in pods {
        by_file.entry(file).or_default().push((line, raw));
    }
    by_file
        .into_iter()
        .map(|(file, mut rows)| {
            rows.sort();
            rows.dedup();
            Evidence {
                file,
                what: "pods".into(),
                count: rows.len() as u64,
                lines: rows.iter().map(|r| r.0).collect(),
                first_time: None,
                last_time: None,
                captures: BTreeMap::new(),
                excerpt: rows.into_iter().map(|r| r.1).collect(),
            }
        })
        .collect()
}
