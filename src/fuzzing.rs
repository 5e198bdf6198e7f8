//! Entry points for the cargo-fuzz targets under `fuzz/` (`docs/fuzzing.md`): thin wrappers
//! over parsers that are not API, so the targets need no `pub` widening elsewhere. Hidden from
//! the docs; nothing else calls them.

use std::collections::BTreeMap;

use crate::kb::KnowledgeBase;

/// The log-line time parser.
pub fn line_time(line: &[u8]) {
    let _ = crate::logline::line_time(line);
}

/// The pod and event listing parsers (text, JSON, YAML, `kubectl describe`).
pub fn pod_tables(text: &str, kb: &KnowledgeBase) {
    let _ = crate::tables::read_pods("pods.txt", text, &kb.components);
    let _ = crate::tables::read_events("events.txt", text);
}

/// A rule's YAML, then the same text as its rhai script through the sandboxed compiler.
pub fn rule_load(text: &str) {
    let _ = crate::yaml::from_str::<crate::spec::RuleSpec>("rules/fuzz.yaml", text);
    let _ = crate::rules::engine().compile(text);
}

/// A runbook page: parsed, its placeholders checked, then filled with a few parameters.
pub fn runbook_load(text: &str) {
    let Ok(runbook) = crate::runbooks::Runbook::parse("runbooks/fuzz.md", text) else {
        return;
    };
    let _ = runbook.check_completeness(text);
    let _ = runbook.check_placeholders(text, &["pod".to_owned()].into());
    let params: BTreeMap<String, serde_json::Value> = [
        ("pod".to_owned(), serde_json::json!("neuvector-controller-pod-0")),
        ("count".to_owned(), serde_json::json!(3)),
        ("nodes".to_owned(), serde_json::json!(["node-1", "node-2"])),
    ]
    .into_iter()
    .collect();
    let _ = runbook.fill(&params);
}

/// A knowledge base's document template: compiled (sandbox checks included) as `case.md`,
/// then rendered with a small context of strings, numbers, lists and maps.
pub fn template_render(text: &str) {
    let templates: BTreeMap<String, String> = [("case.md".to_owned(), text.to_owned())].into();
    let Ok(compiled) = crate::templating::Templates::compile(&templates) else {
        return;
    };
    let mut context = tera::Context::new();
    context.insert("title", "Consul <b>leaderless</b> `x`");
    context.insert("count", &12_345u64);
    context.insert(
        "findings",
        &serde_json::json!([
            {"id": "f1", "severity": "critical", "captures": {"version": [{"value": "5.3.2", "count": 2}]}},
            {"id": "f2", "severity": "info", "captures": {}}
        ]),
    );
    context.insert("files", &["a.log", "b/c.log", "pods.txt"]);
    let _ = compiled.render("case.md", &context);
}
