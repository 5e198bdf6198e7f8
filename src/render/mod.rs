//! The last stage: render the case document as markdown (like the hand-written seed), HTML (one
//! self-contained file) or JSON, and a short summary for the terminal.

mod document;
mod terminal;

use std::str::FromStr;

pub use document::{CaseDocument, DocumentInputs, SCHEMA};
pub use terminal::summary;

use crate::templating;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// GitHub-flavoured markdown.
    Md,
    /// One self-contained HTML page.
    Html,
    /// JSON (`casebook.case/1`).
    Json,
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
pub fn render(
    doc: &CaseDocument,
    format: Format,
    templates: &std::collections::BTreeMap<String, String>,
) -> Result<String, RenderError> {
    match format {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(doc).expect("the document serialises");
            text.push('\n');
            Ok(text)
        }
        Format::Md => render_template(doc, "case.md", templates, None),
        Format::Html => {
            let markdown = render_template(doc, "case.md", templates, None)?;
            let body = markdown_to_html(&markdown);
            render_template(doc, "case.html", templates, Some(body))
        }
    }
}

fn render_template(
    doc: &CaseDocument,
    name: &str,
    templates: &std::collections::BTreeMap<String, String>,
    body: Option<String>,
) -> Result<String, RenderError> {
    let err = |message: String| RenderError::Template {
        template: name.to_owned(),
        message,
    };
    let tera = templating::engine(templates).map_err(|d| err(d.to_string()))?;
    let mut context = tera::Context::from_serialize(doc).map_err(|e| err(templating::error_chain(&e)))?;
    if let Some(body) = body {
        context.insert("body", &body);
    }
    tera.render(name, &context)
        .map_err(|e| err(templating::error_chain(&e)))
}

/// The one place pulldown-cmark options are set: GitHub tables, strikethrough, task lists.
pub fn markdown_to_html(markdown: &str) -> String {
    use pulldown_cmark::{html, Options, Parser};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(markdown, options));
    out
}
