//! Runbooks: markdown pages in `runbooks/` with a YAML front matter (id, title, parameters,
//! the rules they answer, product versions, status, last review) and the sections Meaning,
//! Impact, Diagnosis, Mitigation (required) and Escalation, Verification, References (expected:
//! `kb check` warns without them). A finding's parameters fill the page (tera syntax), so the
//! plan reads "scale to 0, then back to 3".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::findings::Finding;
use crate::spec::{Applicability, KbFile, RuleStatus};

/// A runbook's front matter.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RunbookMeta {
    /// Id rules link to.
    pub id: String,
    /// Title of the plan.
    pub title: String,
    /// Parameters the page uses, with what each means.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// Rules this runbook answers (the link back).
    #[serde(default)]
    pub rules: Vec<String>,
    /// Product versions the steps were written for (same form as a rule's `applies_to`).
    #[serde(default)]
    pub applies_to: Vec<Applicability>,
    /// How far the page is trusted (`experimental`, `test`, `stable`, `deprecated`).
    #[serde(default)]
    pub status: Option<RuleStatus>,
    /// When someone last checked the steps against the product (`YYYY-MM-DD`).
    #[serde(default)]
    pub last_reviewed: Option<String>,
}

/// A parsed runbook.
#[derive(Debug, Clone, Serialize)]
pub struct Runbook {
    /// Front matter.
    pub meta: RunbookMeta,
    /// Path in the knowledge base.
    pub path: String,
    /// Sections by heading (`Meaning`, `Impact`, `Diagnosis`, `Mitigation`, ...), in order.
    pub sections: Vec<(String, String)>,
    /// 1-based line where the body starts, for error positions.
    pub body_line: usize,
}

/// The sections every runbook has.
pub(crate) const REQUIRED_SECTIONS: [&str; 4] = ["Meaning", "Impact", "Diagnosis", "Mitigation"];

/// The sections a reviewed runbook also has; `kb check` warns when one is missing.
pub(crate) const EXPECTED_SECTIONS: [&str; 3] = ["Escalation", "Verification", "References"];

/// Runbooks by id.
#[derive(Debug, Clone, Default)]
pub struct RunbookIndex {
    by_id: BTreeMap<String, Runbook>,
}

/// A runbook filled for one finding: the plan for the document.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Runbook id.
    pub runbook: String,
    /// Runbook title.
    pub title: String,
    /// Rules whose findings this plan answers.
    pub answers: Vec<String>,
    /// The findings it answers: indices into the findings the plans were made for.
    pub findings: Vec<usize>,
    /// The Meaning section, parameters filled (markdown).
    pub meaning: String,
    /// The Impact section, parameters filled (markdown).
    pub impact: String,
    /// The Mitigation section, parameters filled (markdown).
    pub steps: String,
    /// The Diagnosis section, parameters filled (markdown).
    pub diagnosis: String,
    /// The Verification section, parameters filled (markdown; empty when the page has none).
    pub verification: String,
    /// The Escalation section, parameters filled (markdown; empty when the page has none).
    pub escalation: String,
    /// Parameters used.
    pub params: BTreeMap<String, serde_json::Value>,
    /// Parameters the runbook needs that no finding supplied.
    pub missing: Vec<String>,
}

impl RunbookIndex {
    /// Parses every runbook; broken ones are reported and left out.
    pub fn load<'a>(files: impl Iterator<Item = &'a KbFile>) -> (RunbookIndex, Vec<Diagnostic>) {
        let mut index = RunbookIndex::default();
        let mut problems = Vec::new();
        for file in files {
            match Runbook::parse(&file.path, &file.text) {
                Ok(rb) => {
                    if index.by_id.contains_key(&rb.meta.id) {
                        problems.push(Diagnostic::at_text(
                            &file.path,
                            &file.text,
                            &rb.meta.id,
                            format!("duplicate runbook id `{}`", rb.meta.id),
                        ));
                    } else {
                        index.by_id.insert(rb.meta.id.clone(), rb);
                    }
                }
                Err(d) => problems.push(d),
            }
        }
        (index, problems)
    }

    /// A runbook by id.
    pub fn get(&self, id: &str) -> Option<&Runbook> {
        self.by_id.get(id)
    }

    /// All runbooks, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Runbook> {
        self.by_id.values()
    }

    /// Plans for the findings: one per runbook, in the order of the first finding that needs
    /// it, parameters merged from every finding it answers, then from `defaults` (what the
    /// bundle tells whatever the finding, e.g. the product's namespace) for a parameter no
    /// finding gave. Findings whose parameters disagree (two workloads' image-pull failures,
    /// one rate-limited and one refused by the registry's certificate) get a plan each: a
    /// plan's commands are for the findings it answers.
    pub fn plans(
        &self,
        findings: &[Finding],
        defaults: &BTreeMap<String, serde_json::Value>,
    ) -> (Vec<Plan>, Vec<Diagnostic>) {
        // (runbook, merged params, rules answered, finding indices), in first-finding order.
        type Group<'a> = (
            &'a str,
            BTreeMap<String, serde_json::Value>,
            Vec<String>,
            Vec<usize>,
        );
        let mut groups: Vec<Group<'_>> = Vec::new();
        for (index, f) in findings.iter().enumerate() {
            let Some(id) = f.runbook.as_deref() else { continue };
            let agrees = |params: &BTreeMap<String, serde_json::Value>| {
                f.params.iter().all(|(k, v)| params.get(k).is_none_or(|w| w == v))
            };
            let at = match groups.iter().position(|g| g.0 == id && agrees(&g.1)) {
                Some(at) => at,
                None => {
                    groups.push((id, BTreeMap::new(), Vec::new(), Vec::new()));
                    groups.len() - 1
                }
            };
            let (_, params, rules, indices) = &mut groups[at];
            for (k, v) in &f.params {
                params.entry(k.clone()).or_insert_with(|| v.clone());
            }
            if !rules.contains(&f.rule) {
                rules.push(f.rule.clone());
            }
            indices.push(index);
        }
        let mut plans = Vec::new();
        let mut problems = Vec::new();
        for (id, mut given, answers, indices) in groups {
            let Some(rb) = self.get(id) else {
                let missing =
                    Diagnostic::file(format!("runbooks/{id}.md"), format!("runbook `{id}` not found"));
                if !problems.contains(&missing) {
                    problems.push(missing);
                }
                continue;
            };
            for (k, v) in defaults {
                given.entry(k.clone()).or_insert_with(|| v.clone());
            }
            match rb.fill(&given) {
                Ok(plan) => plans.push(Plan {
                    answers,
                    findings: indices,
                    ..plan
                }),
                Err(d) => problems.push(d),
            }
        }
        (plans, problems)
    }
}

impl Runbook {
    /// Parses a runbook page.
    pub fn parse(path: &str, text: &str) -> Result<Runbook, Diagnostic> {
        let rest = text.strip_prefix("---\n").ok_or_else(|| {
            Diagnostic::at(
                path,
                text,
                1,
                1,
                "a runbook starts with a `---` front matter block",
            )
            .with_hint("add `---`, `id:`, `title:`, `params:`, `rules:` and a closing `---`")
        })?;
        let end = rest
            .find("\n---\n")
            .ok_or_else(|| Diagnostic::at(path, text, 1, 1, "front matter is not closed with `---`"))?;
        let front = &rest[..end + 1];
        let body = &rest[end + 5..];
        let body_line = front.lines().count() + 3;
        let meta: RunbookMeta = crate::yaml::from_str(path, front).map_err(|mut d| {
            // Positions inside the front matter are one line down in the file.
            if d.line > 0 {
                d = Diagnostic {
                    line: d.line + 1,
                    source_line: text.lines().nth(d.line).map(str::to_owned),
                    ..d
                };
            }
            d
        })?;
        let sections = split_sections(body);
        for required in REQUIRED_SECTIONS {
            if !sections.iter().any(|(h, _)| h == required) {
                return Err(Diagnostic::at(
                    path,
                    text,
                    body_line,
                    1,
                    format!("missing section `## {required}`"),
                )
                .with_hint("runbooks have the sections Meaning, Impact, Diagnosis, Mitigation"));
            }
        }
        Ok(Runbook {
            meta,
            path: path.to_owned(),
            sections,
            body_line,
        })
    }

    /// A section's text.
    pub fn section(&self, heading: &str) -> Option<&str> {
        self.sections
            .iter()
            .find(|(h, _)| h == heading)
            .map(|(_, t)| t.as_str())
    }

    /// Load-time checks of the page's placeholders: every section compiles as a template, every
    /// `{{ name }}` is a declared `params:` entry or a parameter the linked rules produce
    /// (`produced`), and literal placeholders the bundle could fill (`<namespace>`, `<pod>`) are
    /// warned about, since a plan holding them cannot be pasted as it is.
    pub fn check_placeholders(
        &self,
        text: &str,
        produced: &std::collections::BTreeSet<String>,
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut context = tera::Context::new();
        for name in self.meta.params.keys().chain(produced) {
            context.insert(name.as_str(), &format!("<{name}>"));
        }
        for (heading, body) in &self.sections {
            // Each unknown name is reported once: render again with it defined.
            for _ in 0..16 {
                let Err(d) = crate::templating::fill(&self.path, body, &context) else {
                    break;
                };
                let Some(name) = undefined_variable(&d.message) else {
                    out.push(
                        Diagnostic::at_text(&self.path, text, &format!("## {heading}"), format!("section `{heading}` does not render: {}", d.message))
                            .with_hint("runbook sections are tera templates: `{{ name }}`, `{% if name %}...{% endif %}`"),
                    );
                    break;
                };
                let mut known: Vec<&str> = self.meta.params.keys().map(String::as_str).collect();
                known.extend(
                    produced
                        .iter()
                        .map(String::as_str)
                        .filter(|p| !self.meta.params.contains_key(*p)),
                );
                out.push(
                    Diagnostic::at_text(
                        &self.path,
                        text,
                        &name,
                        format!(
                            "unknown placeholder `{name}` in section `{heading}` (params: {})",
                            if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                        ),
                    )
                    .with_hint("declare it under `params:` in the front matter, or fix the name to one the rules set"),
                );
                context.insert(name.as_str(), "");
            }
        }
        for (line_no, line) in text.lines().enumerate().skip(self.body_line.saturating_sub(1)) {
            for (offset, literal) in literal_placeholders(line) {
                out.push(
                    Diagnostic::at(
                        &self.path,
                        text,
                        line_no + 1,
                        offset + 1,
                        format!("literal placeholder `{literal}`: the engineer has to fill it by hand"),
                    )
                    .with_hint("use a parameter the rule fills from the bundle (`{{ namespace }}`), declared under `params:`")
                    .warning(),
                );
            }
        }
        out
    }

    /// Warnings for what a reviewed page has and this one lacks: the sections Escalation,
    /// Verification and References, `status:` and a `last_reviewed:` date (`YYYY-MM-DD`).
    pub fn check_completeness(&self, text: &str) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for expected in EXPECTED_SECTIONS {
            if self.section(expected).is_none() {
                out.push(
                    Diagnostic::at(&self.path, text, self.body_line, 1, format!("no `## {expected}` section"))
                        .with_hint("runbooks also say when to escalate, how to verify the fix, and where the steps come from")
                        .warning(),
                );
            }
        }
        if self.meta.status.is_none() {
            out.push(
                Diagnostic::at(&self.path, text, 1, 1, "front matter has no `status:`")
                    .with_hint("add `status: experimental|test|stable|deprecated`")
                    .warning(),
            );
        }
        match &self.meta.last_reviewed {
            None => out.push(
                Diagnostic::at(
                    &self.path,
                    text,
                    1,
                    1,
                    "front matter has no `last_reviewed:` date",
                )
                .with_hint("add `last_reviewed: YYYY-MM-DD`, the day the steps were last checked")
                .warning(),
            ),
            Some(date) if !is_iso_date(date) => out.push(
                Diagnostic::at_key(
                    &self.path,
                    text,
                    "last_reviewed",
                    date,
                    format!("`last_reviewed: {date}` is not a YYYY-MM-DD date"),
                )
                .with_hint("write the date as 2025-02-03"),
            ),
            Some(_) => {}
        }
        for a in &self.meta.applies_to {
            if let Err(e) = crate::spec::VersionReq::parse(&a.versions) {
                out.push(
                    Diagnostic::at_key(
                        &self.path,
                        text,
                        "versions",
                        &a.versions,
                        format!("invalid version range: {e}"),
                    )
                    .with_hint(
                        "ranges read like `>=5.0, <5.5` (comparators >=, >, <=, <, =, != joined by commas)",
                    ),
                );
            }
        }
        out
    }

    /// Fills the Diagnosis and Mitigation sections with `params`; parameters the page declares
    /// but nobody supplied are shown as `<name?>` and listed in `missing`.
    pub fn fill(&self, params: &BTreeMap<String, serde_json::Value>) -> Result<Plan, Diagnostic> {
        let mut context = tera::Context::new();
        let mut missing = Vec::new();
        for name in self.meta.params.keys() {
            match params.get(name) {
                Some(v) => context.insert(name.as_str(), v),
                None => {
                    context.insert(name.as_str(), &format!("<{name}?>"));
                    missing.push(name.clone());
                }
            }
        }
        for (k, v) in params {
            if !self.meta.params.contains_key(k) {
                context.insert(k.as_str(), v);
            }
        }
        // A name the page uses but does not declare (a typo `kb check` reports) renders as
        // `<name?>` and is listed as missing, so the rest of the plan is still shown.
        let mut render = |heading: &str| -> Result<String, Diagnostic> {
            let body = self.section(heading).unwrap_or_default();
            loop {
                match crate::templating::fill(&self.path, body, &context) {
                    Err(d) => match undefined_variable(&d.message) {
                        Some(name) if !missing.contains(&name) => {
                            context.insert(name.as_str(), &format!("<{name}?>"));
                            missing.push(name);
                        }
                        _ => return Err(d),
                    },
                    ok => return ok,
                }
            }
        };
        let meaning = render("Meaning")?;
        let impact = render("Impact")?;
        let steps = render("Mitigation")?;
        let diagnosis = render("Diagnosis")?;
        let verification = render("Verification")?;
        let escalation = render("Escalation")?;
        missing.sort();
        Ok(Plan {
            runbook: self.meta.id.clone(),
            title: self.meta.title.clone(),
            answers: Vec::new(),
            findings: Vec::new(),
            meaning,
            impact,
            steps,
            diagnosis,
            verification,
            escalation,
            params: params.clone(),
            missing,
        })
    }
}

/// Whether `s` reads `YYYY-MM-DD` with a plausible month and day.
fn is_iso_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let num = |p: &str, len: usize| p.len() == len && p.bytes().all(|b| b.is_ascii_digit());
    if parts.len() != 3 || !num(parts[0], 4) || !num(parts[1], 2) || !num(parts[2], 2) {
        return false;
    }
    let (m, d): (u32, u32) = (parts[1].parse().unwrap_or(0), parts[2].parse().unwrap_or(0));
    (1..=12).contains(&m) && (1..=31).contains(&d)
}

/// The variable a tera error says is missing (`Variable `x` not found in context ...`).
fn undefined_variable(message: &str) -> Option<String> {
    let rest = &message[message.find("Variable `")? + "Variable `".len()..];
    let name = &rest[..rest.find('`')?];
    rest.contains("not found in context")
        .then(|| name.split('.').next().unwrap_or(name).to_owned())
}

/// Names the bundle can give that a runbook should never leave for the engineer to type.
const FILLABLE: [&str; 12] = [
    "namespace",
    "ns",
    "pod",
    "pod-name",
    "pod_name",
    "node",
    "deployment",
    "daemonset",
    "container",
    "controller",
    "enforcer",
    "cluster",
];

/// `<namespace>`-style placeholders in `line` naming something the bundle can fill, with
/// their byte offsets.
fn literal_placeholders(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = line[from..].find('<').map(|i| i + from) {
        let Some(len) = line[start + 1..].find('>') else {
            break;
        };
        let name = &line[start + 1..start + 1 + len];
        if FILLABLE.contains(&name.to_ascii_lowercase().as_str()) {
            out.push((start, &line[start..start + len + 2]));
        }
        from = start + 1;
    }
    out
}

/// Splits a markdown body at its `## ` headings.
fn split_sections(body: &str) -> Vec<(String, String)> {
    let mut sections: Vec<(String, String)> = Vec::new();
    let mut in_fence = false;
    for line in body.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence {
            if let Some(h) = line.strip_prefix("## ") {
                sections.push((h.trim().to_owned(), String::new()));
                continue;
            }
        }
        if let Some((_, text)) = sections.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    for (_, text) in &mut sections {
        *text = text.trim().to_owned();
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "---\nid: rb\ntitle: Recover\nparams:\n  replicas: how many\nrules: [r]\n---\n## Meaning\nm\n## Impact\ni\n## Diagnosis\nd\n## Mitigation\nScale to 0, then back to {{ replicas }}.\n";

    #[test]
    fn parses_and_fills() {
        let rb = Runbook::parse("runbooks/rb.md", PAGE).unwrap();
        assert_eq!(rb.meta.rules, vec!["r"]);
        let mut p = BTreeMap::new();
        p.insert("replicas".to_owned(), serde_json::json!(5));
        let plan = rb.fill(&p).unwrap();
        assert_eq!(plan.steps, "Scale to 0, then back to 5.");
        assert!(plan.missing.is_empty());
        let plan = rb.fill(&BTreeMap::new()).unwrap();
        assert_eq!(plan.steps, "Scale to 0, then back to <replicas?>.");
        assert_eq!(plan.missing, vec!["replicas"]);
    }

    #[test]
    fn placeholder_typos_and_literal_placeholders_are_reported_with_positions() {
        let text = PAGE.replace(
            "back to {{ replicas }}.",
            "back to {{ replcas }} in `kubectl -n <namespace> get pod <pod>`.",
        );
        let rb = Runbook::parse("runbooks/rb.md", &text).unwrap();
        let got: Vec<String> = rb
            .check_placeholders(&text, &std::collections::BTreeSet::from(["namespace".to_owned()]))
            .iter()
            .map(|d| {
                format!(
                    "{}:{}:{}: {}{}",
                    d.path,
                    d.line,
                    d.column,
                    if d.warning { "warning: " } else { "" },
                    d.message
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "runbooks/rb.md:15:29: unknown placeholder `replcas` in section `Mitigation` (params: replicas, namespace)",
                "runbooks/rb.md:15:55: warning: literal placeholder `<namespace>`: the engineer has to fill it by hand",
                "runbooks/rb.md:15:75: warning: literal placeholder `<pod>`: the engineer has to fill it by hand",
            ]
        );
    }

    #[test]
    fn completeness_warns_on_missing_sections_and_review_fields_and_rejects_bad_dates() {
        let rb = Runbook::parse("runbooks/rb.md", PAGE).unwrap();
        let got: Vec<(String, bool)> = rb
            .check_completeness(PAGE)
            .into_iter()
            .map(|d| (d.message, d.warning))
            .collect();
        assert_eq!(got.len(), 5, "{got:?}");
        assert!(got.iter().all(|(_, w)| *w));
        assert!(got[0].0.contains("Escalation"));

        let full = PAGE
            .replace("rules: [r]\n", "rules: [r]\nstatus: stable\nlast_reviewed: 2025-13-01\napplies_to:\n  - product: neuvector\n    versions: '>= five'\n")
            .replace("## Mitigation", "## Escalation\ne\n## Verification\nv {{ replicas }}\n## References\nr\n## Mitigation");
        let rb = Runbook::parse("runbooks/rb.md", &full).unwrap();
        let got: Vec<(String, bool)> = rb
            .check_completeness(&full)
            .into_iter()
            .map(|d| (d.message, d.warning))
            .collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].0.contains("2025-13-01") && !got[0].1, "{got:?}");
        assert!(got[1].0.contains("invalid version range") && !got[1].1, "{got:?}");
        let mut p = BTreeMap::new();
        p.insert("replicas".to_owned(), serde_json::json!(3));
        assert_eq!(rb.fill(&p).unwrap().verification, "v 3");
    }

    #[test]
    fn missing_section_is_an_error_with_position() {
        let text = PAGE.replace("## Impact\ni\n", "");
        let err = Runbook::parse("runbooks/rb.md", &text).unwrap_err();
        assert!(err.message.contains("Impact"), "{}", err.message);
        assert_eq!(err.line, 8);
    }
}
