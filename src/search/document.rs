//! What the search index holds: one document per rule, signature, runbook and past case, with
//! the text a support engineer would search for (a rule carries its signatures' text and its
//! runbook's, so a symptom or a remedy finds the rule).

use serde::Serialize;

use super::ItemKind;
use crate::kb::KnowledgeBase;

/// One searchable item.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SearchDoc {
    /// What it is.
    pub kind: ItemKind,
    /// Its id (rule, signature, runbook or case id).
    pub id: String,
    /// One line.
    pub title: String,
    /// The main text: descriptions, pattern text, runbook sections, case findings.
    pub body: String,
    /// Related text that should count less (a rule's runbook).
    pub related: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Severity of a rule; empty otherwise.
    pub level: String,
    /// Status of a rule or runbook; empty otherwise.
    pub status: String,
}

/// Every item of the knowledge base, in a stable order.
pub(crate) fn documents(kb: &KnowledgeBase) -> Vec<SearchDoc> {
    let mut out = Vec::new();
    for rule in kb.rules.rules() {
        let s = &rule.spec;
        let mut body = vec![s.description.clone()];
        body.extend(s.falsepositives.iter().cloned());
        for sig in &s.signatures {
            body.push(format!("{} {} {}", sig.id, sig.description, sig.regex));
        }
        for id in &s.uses {
            body.push(id.clone());
            if let Some(sig) = kb.signature(id) {
                body.push(format!("{} {}", sig.spec.description, sig.spec.regex));
            }
        }
        if let Some(by) = &s.replaced_by {
            body.push(format!("replaced by {by}"));
        }
        let related = s
            .runbook
            .as_deref()
            .and_then(|id| kb.runbooks.get(id))
            .map(runbook_text)
            .unwrap_or_default();
        out.push(SearchDoc {
            kind: ItemKind::Rule,
            id: s.id.clone(),
            title: s.title.clone(),
            body: body.join("\n"),
            related,
            tags: s.tags.clone(),
            level: s.severity.to_string(),
            status: format!("{:?}", s.status).to_lowercase(),
        });
    }
    for sig in &kb.signatures {
        out.push(SearchDoc {
            kind: ItemKind::Signature,
            id: sig.id.clone(),
            title: sig.spec.description.trim().to_owned(),
            body: format!("{}\n{}", sig.spec.description, sig.spec.regex),
            related: sig.spec.keywords.join(" "),
            tags: sig.spec.tags.clone(),
            level: String::new(),
            status: String::new(),
        });
    }
    for rb in kb.runbooks.iter() {
        out.push(SearchDoc {
            kind: ItemKind::Runbook,
            id: rb.meta.id.clone(),
            title: rb.meta.title.clone(),
            body: runbook_text(rb),
            related: rb.meta.rules.join(" "),
            tags: Vec::new(),
            level: String::new(),
            status: rb
                .meta
                .status
                .map(|s| format!("{s:?}").to_lowercase())
                .unwrap_or_default(),
        });
    }
    for case in &kb.cases {
        let mut body = Vec::new();
        if let Some(r) = &case.resolution {
            body.push(format!("Resolution: {r}"));
        }
        for f in &case.findings {
            let params: Vec<String> = f.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            body.push(format!(
                "{} {}: {} {}",
                f.severity,
                f.rule,
                f.title,
                params.join(" ")
            ));
        }
        for (label, version) in &case.products {
            body.push(format!("{label} {version}"));
        }
        let related: Vec<String> = case
            .templates
            .iter()
            .map(|t| t.template.clone())
            .chain(case.signatures.keys().cloned())
            .collect();
        out.push(SearchDoc {
            kind: ItemKind::Case,
            id: case.id.clone(),
            title: case.title.clone(),
            body: body.join("\n"),
            related: related.join("\n"),
            tags: Vec::new(),
            level: String::new(),
            status: String::new(),
        });
    }
    out
}

fn runbook_text(rb: &crate::runbooks::Runbook) -> String {
    let mut text = rb.meta.title.clone();
    for (heading, section) in &rb.sections {
        text.push('\n');
        text.push_str(heading);
        text.push('\n');
        text.push_str(section);
    }
    text
}
