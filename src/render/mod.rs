//! The last stage: render the case document as markdown (like the hand-written seed), HTML (one
//! self-contained file) or JSON, and a short summary for the terminal.
//!
//! Markdown comes from the `case.md` template; HTML is that markdown through pulldown-cmark,
//! wrapped by the `case.html` template, with the activity chart (inline SVG) put where the
//! markdown marks it; JSON is the [`CaseDocument`] itself. Templates come from the knowledge
//! base (`kb/templates/`), the embedded defaults filling in any it lacks.

mod build;
mod document;
mod summary;
mod svg;
mod terminal;

use std::str::FromStr;

pub use build::DocumentInputs;
pub use document::{
    Activity, ActivityLane, ActivityMark, CaseDocument, DocEvidence, DocFinding, DocPlan, SCHEMA,
};
pub use svg::activity_svg;
pub use terminal::summary;

use crate::templating::{self, Templates};

/// Where the markdown template asks for the activity chart in HTML output.
pub const ACTIVITY_MARK: &str = "<!-- casebook:activity -->";

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// GitHub-flavoured markdown.
    Md,
    /// One self-contained HTML page.
    Html,
    /// JSON (`casebook.case/1`, see docs/case-schema.md).
    Json,
}

impl Format {
    /// The name templates see as `format`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Html => "html",
            Format::Json => "json",
        }
    }
}

impl Format {
    /// The format to write: `--format` when given, else the one the output file's extension
    /// names (`.md`, `.markdown`, `.html`, `.htm`, `.json`), else markdown. A `--format` that
    /// contradicts the extension is an error, so `-o case.html --format json` writes nothing.
    pub fn resolve(given: Option<Format>, output: Option<&std::path::Path>) -> Result<Format, String> {
        let named = output
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
            .and_then(|e| match e.to_ascii_lowercase().as_str() {
                "md" | "markdown" => Some(Format::Md),
                "html" | "htm" => Some(Format::Html),
                "json" => Some(Format::Json),
                _ => None,
            });
        match (given, named) {
            (Some(g), Some(n)) if g != n => Err(format!(
                "--format {} contradicts the output file {} (a .{} name); drop one of them",
                g.as_str(),
                output.map(|p| p.display().to_string()).unwrap_or_default(),
                n.as_str()
            )),
            (Some(g), _) => Ok(g),
            (None, Some(n)) => Ok(n),
            (None, None) => Ok(Format::Md),
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "md" | "markdown" => Ok(Format::Md),
            "html" => Ok(Format::Html),
            "json" => Ok(Format::Json),
            other => Err(format!("unknown format `{other}` (md, html, json)")),
        }
    }
}

/// Errors while rendering.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template failed.
    #[error("template {template}: {message}")]
    Template {
        /// Template name.
        template: String,
        /// The error chain.
        message: String,
    },
}

/// Renders the document in `format` with the knowledge base's templates.
pub fn render(doc: &CaseDocument, format: Format, templates: &Templates) -> Result<String, RenderError> {
    match format {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(doc).expect("the document serialises");
            text.push('\n');
            Ok(text)
        }
        Format::Md => render_template(doc, "case.md", format, templates, None),
        Format::Html => {
            let markdown = render_template(doc, "case.md", format, templates, None)?;
            let body = markdown_to_html(&markdown).replacen(ACTIVITY_MARK, &activity_svg(&doc.activity), 1);
            render_template(doc, "case.html", format, templates, Some(body))
        }
    }
}

fn render_template(
    doc: &CaseDocument,
    name: &str,
    format: Format,
    templates: &Templates,
    body: Option<String>,
) -> Result<String, RenderError> {
    let err = |message: String| RenderError::Template {
        template: name.to_owned(),
        message,
    };
    let mut context = tera::Context::from_serialize(doc).map_err(|e| err(templating::error_chain(&e)))?;
    context.insert("format", format.as_str());
    context.insert("activity_mark", ACTIVITY_MARK);
    if let Some(body) = body {
        context.insert("body", &body);
    }
    templates.render(name, &context).map_err(err)
}

/// The one place pulldown-cmark options are set: GitHub tables, strikethrough, task lists.
/// Raw HTML passes only when every tag in it is on a short list of harmless ones (the
/// template's `<details>`, `<summary>`, anchors); anything else, say a `<script>` in a
/// customer's description, is shown as text.
pub fn markdown_to_html(markdown: &str) -> String {
    use pulldown_cmark::{html, CowStr, Event, Options, Parser};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(text) if !harmless_html(&text) => Event::Text(text),
        Event::InlineHtml(text) if !harmless_html(&text) => Event::Text(CowStr::from(text.into_string())),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

fn harmless_html(text: &str) -> bool {
    use std::sync::LazyLock;
    static TAG: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"<(/?)([A-Za-z][A-Za-z0-9]*)([^>]*)>|<!--.*?-->").expect("tag regex")
    });
    const ALLOWED: [&str; 11] = [
        "details", "summary", "a", "br", "span", "sup", "sub", "kbd", "p", "div", "b",
    ];
    let lower = text.to_ascii_lowercase();
    if lower.contains("javascript:") || lower.contains("<script") || lower.contains("<style") {
        return false;
    }
    TAG.captures_iter(text).all(|c| match c.get(2) {
        None => true,
        Some(name) => {
            let attrs = c.get(3).map_or("", |m| m.as_str()).to_ascii_lowercase();
            ALLOWED.contains(&name.as_str().to_ascii_lowercase().as_str())
                && !attrs.contains(" on")
                && !attrs.contains("src=")
                && !attrs.contains("href=\"http")
                && !attrs.contains("style=")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_follows_the_output_name_unless_given() {
        use std::path::Path;
        assert_eq!(
            Format::resolve(None, Some(Path::new("case.html"))),
            Ok(Format::Html)
        );
        assert_eq!(
            Format::resolve(None, Some(Path::new("out/Case.JSON"))),
            Ok(Format::Json)
        );
        assert_eq!(Format::resolve(None, Some(Path::new("case.txt"))), Ok(Format::Md));
        assert_eq!(Format::resolve(None, None), Ok(Format::Md));
        assert_eq!(
            Format::resolve(Some(Format::Json), Some(Path::new("case"))),
            Ok(Format::Json)
        );
        let clash = Format::resolve(Some(Format::Json), Some(Path::new("case.html"))).unwrap_err();
        assert!(clash.contains("case.html"), "{clash}");
    }

    #[test]
    fn raw_html_is_filtered() {
        let html = markdown_to_html("<details><summary>Pods</summary>\n\nx\n\n</details>\n");
        assert!(html.contains("<details><summary>Pods</summary>"));
        let html = markdown_to_html("hello <script src=\"http://x\">alert(1)</script>\n");
        assert!(!html.contains("<script"), "{html}");
        let html = markdown_to_html("<img src=\"http://x/y.png\">\n");
        assert!(!html.contains("<img"), "{html}");
    }
}
