//! `casebook case record` (an analysis's JSON document -> `kb/cases/<ID>.json`) and
//! `casebook case export` (every case record as bulk-API NDJSON for a shared search server).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::{exit, load_kb, Failure};
use crate::cli::{CaseCommand, CaseExportArgs, CaseRecordArgs};
use crate::kb::{CaseFinding, CaseKb, CaseRecord, CaseTemplate, CASES};

/// Templates kept per case.
const TOP_TEMPLATES: usize = 12;
/// Longest string parameter kept in a record; longer ones are cut with `…`.
const LONGEST_PARAM: usize = 160;

/// Runs a `case` subcommand.
pub(super) fn run(command: &CaseCommand) -> Result<u8, Failure> {
    match command {
        CaseCommand::Record(args) => record(args),
        CaseCommand::Export(args) => export(args),
    }
}

fn record(args: &CaseRecordArgs) -> Result<u8, Failure> {
    let arg = super::authoring_kb(&args.kb);
    let Some(root) = arg.kb.clone() else {
        return Err(Failure::input(
            "case record writes into a knowledge-base folder: give it with --kb DIR (or run it in one)",
        ));
    };
    let path = &args.analysis;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::input(format!("{}: cannot read: {e}", path.display())))?;
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| Failure::input(format!("{}: not an analysis (JSON): {e}", path.display())))?;
    let date = args.date.clone().unwrap_or_else(crate::kb::changelog::today);
    let record = case_record(&doc, args.id.as_deref(), &date, args.resolution.clone())
        .map_err(|why| Failure::input(format!("{}: {why}", path.display())))?;
    if !is_safe_id(&record.id) {
        return Err(Failure::input(format!(
            "case id `{}` cannot name a file: use letters, digits, `-`, `_` and `.`",
            record.id
        )));
    }
    let dir = root.join(CASES);
    std::fs::create_dir_all(&dir).map_err(|e| Failure::input(format!("{}: {e}", dir.display())))?;
    let out = dir.join(format!("{}.json", record.id));
    write_record(&out, &record)?;
    println!("{}", out.display());
    Ok(exit::OK)
}

fn write_record(out: &Path, record: &CaseRecord) -> Result<(), Failure> {
    let mut s = serde_json::to_string_pretty(record).expect("record serialises");
    s.push('\n');
    std::fs::write(out, s).map_err(|e| Failure::input(format!("{}: cannot write: {e}", out.display())))
}

fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The compact record of an analysis document (`analyze --format json`).
pub(crate) fn case_record(
    doc: &Value,
    id: Option<&str>,
    date: &str,
    resolution: Option<String>,
) -> Result<CaseRecord, String> {
    if doc
        .get("schema")
        .and_then(Value::as_str)
        .is_none_or(|s| !s.starts_with("casebook.case/"))
    {
        return Err("not a casebook analysis (no `schema: casebook.case/...`)".to_owned());
    }
    let str_at = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let id = id
        .map(str::to_owned)
        .or_else(|| doc.pointer("/case/id").and_then(Value::as_str).map(str::to_owned))
        .ok_or("the analysis has no case id: pass --id (or analyze with --case)")?;
    let kb = doc.get("knowledge_base").cloned().unwrap_or(Value::Null);
    let products = array(doc.pointer("/environment/facts"))
        .filter_map(|f| {
            let value = array(f.get("values")).next()?.get("value")?.as_str()?.to_owned();
            let label = f
                .get("label")
                .and_then(Value::as_str)
                .unwrap_or_else(|| f.get("signature").and_then(Value::as_str).unwrap_or_default());
            Some((label.to_owned(), value))
        })
        .collect();
    let findings = array(doc.get("findings"))
        .map(|f| CaseFinding {
            rule: str_at(f, "rule"),
            severity: str_at(f, "severity"),
            title: str_at(f, "title"),
            params: f
                .get("params")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), compact(v))).collect())
                .unwrap_or_default(),
        })
        .collect();
    let mut signatures: BTreeMap<String, u64> = BTreeMap::new();
    let mut templates: BTreeMap<String, u64> = BTreeMap::new();
    for log in array(doc.get("logs")) {
        for e in array(log.get("excerpts")) {
            *signatures.entry(str_at(e, "signature")).or_default() +=
                e.get("count").and_then(Value::as_u64).unwrap_or(0);
        }
        for t in array(log.pointer("/digest/top")) {
            *templates.entry(str_at(t, "template")).or_default() +=
                t.get("count").and_then(Value::as_u64).unwrap_or(0);
        }
    }
    signatures.remove("");
    templates.remove("");
    let mut templates: Vec<CaseTemplate> = templates
        .into_iter()
        .map(|(template, count)| CaseTemplate { template, count })
        .collect();
    templates.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.template.cmp(&b.template)));
    templates.truncate(TOP_TEMPLATES);
    Ok(CaseRecord {
        id,
        date: date.to_owned(),
        title: doc
            .pointer("/case/title")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        kb: CaseKb {
            name: str_at(&kb, "name"),
            version: str_at(&kb, "version"),
        },
        products,
        findings,
        signatures,
        templates,
        resolution,
    })
}

fn array(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    v.and_then(Value::as_array).into_iter().flatten()
}

/// A parameter as kept: long strings cut, everything else as is.
fn compact(v: &Value) -> Value {
    match v {
        Value::String(s) if s.chars().count() > LONGEST_PARAM => {
            Value::String(s.chars().take(LONGEST_PARAM).collect::<String>() + "…")
        }
        other => other.clone(),
    }
}

/// Writes every case record as bulk-API NDJSON: an `index` action line, then the document
/// (see `docs/search.md` for the mapping).
fn export(args: &CaseExportArgs) -> Result<u8, Failure> {
    let kb = load_kb(&args.kb)?;
    let mut out = String::new();
    for case in &kb.cases {
        let action = serde_json::json!({ "index": { "_index": args.index, "_id": case.id } });
        out.push_str(&action.to_string());
        out.push('\n');
        out.push_str(&export_document(case, &kb.manifest.name).to_string());
        out.push('\n');
    }
    use std::io::Write;
    std::io::stdout()
        .lock()
        .write_all(out.as_bytes())
        .map_err(|e| Failure::input(format!("cannot write to standard output: {e}")))?;
    Ok(exit::OK)
}

/// One case as a search-server document: flat fields for filters and aggregations,
/// parameters as text (their types differ from case to case).
fn export_document(case: &CaseRecord, kb_name: &str) -> Value {
    serde_json::json!({
        "case_id": case.id,
        "date": case.date,
        "title": case.title,
        "kb_name": if case.kb.name.is_empty() { kb_name } else { case.kb.name.as_str() },
        "kb_version": case.kb.version,
        "products": case.products.iter().map(|(k, v)| serde_json::json!({"name": k, "version": v})).collect::<Vec<_>>(),
        "rules": case.findings.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
        "severities": case.findings.iter().map(|f| f.severity.as_str()).collect::<Vec<_>>(),
        "findings": case.findings.iter().map(|f| serde_json::json!({
            "rule": f.rule,
            "severity": f.severity,
            "title": f.title,
            "params": f.params.iter().map(|(k, v)| format!("{k}={}", match v { Value::String(s) => s.clone(), other => other.to_string() })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "signatures": case.signatures.iter().map(|(k, n)| serde_json::json!({"id": k, "count": n})).collect::<Vec<_>>(),
        "templates": case.templates.iter().map(|t| t.template.as_str()).collect::<Vec<_>>(),
        "resolution": case.resolution,
    })
}
