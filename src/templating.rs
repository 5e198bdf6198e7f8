//! The one door to tera: compiles the document templates once, with every filter casebook
//! registers, and fills small templates (runbook steps) with parameters. Autoescaping is off
//! for markdown and on for HTML (by template name).

use std::collections::BTreeMap;

use tera::{Context, Tera};

use crate::diagnostic::Diagnostic;

/// The default document templates, embedded: a knowledge base without `kb/templates/` still
/// renders.
const DEFAULT_TEMPLATES: [(&str, &str); 2] = [
    ("case.md", include_str!("../kb/templates/case.md.tera")),
    ("case.html", include_str!("../kb/templates/case.html.tera")),
];

/// The document templates, compiled: a knowledge base's own (names like `case.md`,
/// `case.html`) over the embedded defaults (`kb/templates/` of this repository).
#[derive(Debug, Clone)]
pub struct Templates {
    tera: Tera,
}

impl Templates {
    /// Compiles `templates` (name => text) over the defaults; the error points at the
    /// knowledge-base file that does not compile.
    pub fn compile(templates: &BTreeMap<String, String>) -> Result<Templates, Diagnostic> {
        let all = with_defaults(templates);
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html"]);
        let list: Vec<(&str, &str)> = all.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
        tera.add_raw_templates(list)
            .map_err(|err| template_error(&all, &err))?;
        register_filters(&mut tera);
        Ok(Templates { tera })
    }

    /// The defaults alone.
    pub fn defaults() -> Templates {
        Templates::compile(&BTreeMap::new()).expect("the default templates compile")
    }

    /// Renders template `name` with `context`; the error is tera's whole chain of causes.
    pub fn render(&self, name: &str, context: &Context) -> Result<String, String> {
        self.tera.render(name, context).map_err(|e| error_chain(&e))
    }
}

/// `templates` over the [`DEFAULT_TEMPLATES`].
fn with_defaults(templates: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut all: BTreeMap<String, String> = DEFAULT_TEMPLATES
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    all.extend(templates.iter().map(|(n, t)| (n.clone(), t.clone())));
    all
}

/// Fills `text` (a runbook body, say) with `params`, reporting errors against `path`.
pub fn fill(path: &str, text: &str, context: &Context) -> Result<String, Diagnostic> {
    let mut tera = Tera::default();
    register_filters(&mut tera);
    tera.add_raw_template(path, text)
        .and_then(|_| tera.render(path, context))
        .map_err(|err| Diagnostic::file(path, error_chain(&err)))
}

fn register_filters(tera: &mut Tera) {
    tera.register_filter("thousands", thousands);
    tera.register_filter("cell", cell);
    tera.register_filter("size", size);
    tera.register_filter("md_text", crate::mdtext::md_text_filter);
    tera.register_filter("code", crate::mdtext::code_filter);
    tera.register_filter("fence", crate::mdtext::fence_filter);
}

/// Text safe inside a markdown table cell: `|` escaped, line breaks as spaces.
fn cell(
    value: &tera::Value,
    _: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let text = match value {
        tera::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Ok(tera::Value::String(
        text.replace('|', "\\|").replace(['\n', '\r'], " "),
    ))
}

/// Bytes as `2.2 MiB`, `6.1 KiB`, `339 B`.
fn size(
    value: &tera::Value,
    _: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let n = value
        .as_u64()
        .ok_or_else(|| tera::Error::msg("size: not a whole number"))?;
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return Ok(tera::Value::String(format!("{n} B")));
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    Ok(tera::Value::String(format!("{v:.1} {}", UNITS[unit])))
}

/// `28034` => `28,034`.
fn thousands(
    value: &tera::Value,
    _: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let n = value
        .as_u64()
        .ok_or_else(|| tera::Error::msg("thousands: not a whole number"))?;
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    Ok(tera::Value::String(out))
}

fn template_error(templates: &BTreeMap<String, String>, err: &tera::Error) -> Diagnostic {
    let message = error_chain(err);
    let name = templates
        .keys()
        .find(|n| message.contains(n.as_str()))
        .cloned()
        .unwrap_or_default();
    Diagnostic::file(format!("kb/templates/{name}.tera"), message)
}

/// tera nests the useful part of an error in its sources.
pub fn error_chain(err: &tera::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_parameters() {
        let mut ctx = Context::new();
        ctx.insert("replicas", &3);
        assert_eq!(fill("r.md", "back to {{ replicas }}", &ctx).unwrap(), "back to 3");
        assert!(fill("r.md", "{{ missing }}", &ctx).is_err());
    }

    #[test]
    fn thousands_filter() {
        let mut templates = BTreeMap::new();
        templates.insert("t.md".to_owned(), "{{ n | thousands }}".to_owned());
        let templates = Templates::compile(&templates).unwrap();
        let mut ctx = Context::new();
        ctx.insert("n", &88736u64);
        assert_eq!(templates.render("t.md", &ctx).unwrap(), "88,736");
    }

    #[test]
    fn cell_and_size_filters() {
        let mut templates = BTreeMap::new();
        templates.insert(
            "t.md".to_owned(),
            "{{ s | cell }} {{ n | size }} {{ m | size }}".to_owned(),
        );
        let templates = Templates::compile(&templates).unwrap();
        let mut ctx = Context::new();
        ctx.insert("s", "a|b\nc");
        ctx.insert("n", &339u64);
        ctx.insert("m", &2311126u64);
        assert_eq!(templates.render("t.md", &ctx).unwrap(), "a\\|b c 339 B 2.2 MiB");
    }

    #[test]
    fn defaults_fill_in_missing_templates() {
        let mut kb = BTreeMap::new();
        kb.insert("case.md".to_owned(), "mine".to_owned());
        let all = with_defaults(&kb);
        assert_eq!(all["case.md"], "mine");
        assert!(all["case.html"].contains("{{ body"));
        let compiled = Templates::compile(&kb).unwrap();
        assert_eq!(compiled.render("case.md", &Context::new()).unwrap(), "mine");
    }

    #[test]
    fn a_broken_template_points_at_its_file() {
        let mut kb = BTreeMap::new();
        kb.insert("case.md".to_owned(), "{% if %}".to_owned());
        let err = Templates::compile(&kb).unwrap_err();
        assert_eq!(err.path, "kb/templates/case.md.tera", "{err}");
    }
}
