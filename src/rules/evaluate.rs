//! The run phase: every rule of a [`RuleSet`] evaluated over the facts in dependency order
//! (`after:`), each in a fresh scope with a deadline; what happened to each rule is a
//! [`RuleOutcome`], and a rule that fails is reported with its file and position while every
//! other rule still runs.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rhai::{Dynamic, Engine, Map, Scope};
use serde::Serialize;

use super::api::{BundleView, Facts};
use super::compile::{Rule, Script};
use super::draft::FindingDraft;
use super::engine::{self, DEADLINE, MAX_OPERATIONS};
use super::evidence::{declarative, to_finding};
use crate::findings::Finding;
use crate::scan::ScanReport;
use crate::spec::{RuleStatus, VersionReq};

/// Time all rules together may take when no budget is given.
pub(crate) const DEFAULT_BUDGET: std::time::Duration = std::time::Duration::from_secs(60);

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

    /// Each rule's `after:` list, by rule id: the chains the knowledge base authors (a finding
    /// follows from the fired findings of the rules its rule lists).
    pub fn after_lists(&self) -> BTreeMap<&str, &[String]> {
        self.rules
            .iter()
            .map(|r| (r.spec.id.as_str(), r.spec.after.as_slice()))
            .collect()
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
        super::chains::order_findings(&mut findings, &self.after_lists());
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
        // A finding made but not returned would be lost without a word: `finding(...)` builds
        // the finding, the script's value reports it. Named at the first call site that made
        // more findings than came back from it.
        if let Some((at, made, back)) = unreturned(super::engine::findings_made(), &drafts) {
            return Err(format!(
                "{}: finding(...) here built {made} finding(s) and the script returned {back} of them; a finding counts only when returned (`return finding(#{{...}})`, or collect them in an array and return it)",
                script.locate(at)
            ));
        }
        Ok(drafts.into_iter().map(|d| to_finding(rule, scan, d)).collect())
    }
}

/// The first call site (in script order) where `finding(...)` built more findings than the
/// script returned from it: (position, built, returned).
fn unreturned(made: Vec<rhai::Position>, drafts: &[FindingDraft]) -> Option<(rhai::Position, usize, usize)> {
    if made.len() <= drafts.iter().filter(|d| d.made_at.is_some()).count() {
        return None;
    }
    let mut sites: Vec<(rhai::Position, usize, usize)> = Vec::new();
    for at in made {
        match sites.iter_mut().find(|s| s.0 == at) {
            Some(site) => site.1 += 1,
            None => sites.push((at, 1, 0)),
        }
    }
    for at in drafts.iter().filter_map(|d| d.made_at) {
        if let Some(site) = sites.iter_mut().find(|s| s.0 == at) {
            site.2 += 1;
        }
    }
    sites.sort_by_key(|s| (s.0.line(), s.0.position()));
    sites.into_iter().find(|s| s.1 > s.2)
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
