//! The last stage: render the case document as markdown (like the hand-written seed), HTML (one
//! self-contained file) or JSON, and a short summary for the terminal.
//!
//! Markdown comes from the `case.md` template; HTML is that markdown through pulldown-cmark,
//! wrapped by the `case.html` template, with the timeline chart (HTML rows around inline SVG) put
//! where the markdown marks it; JSON is the [`CaseDocument`] itself. Templates come from the knowledge
//! base (`kb/templates/`), the embedded defaults filling in any it lacks.

mod build;
mod chart;
mod document;
mod summary;
mod terminal;

use std::str::FromStr;

pub(crate) use build::DocumentInputs;
pub(crate) use chart::timeline_chart;
pub(crate) use document::CaseDocument;
pub(crate) use terminal::{printable, summary};

use crate::templating::{self, Templates};

/// Where the markdown template asks for the activity chart in HTML output.
pub(crate) const ACTIVITY_MARK: &str = "<!-- casebook:activity -->";

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
pub(crate) enum RenderError {
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
pub(crate) fn render(
    doc: &CaseDocument,
    format: Format,
    templates: &Templates,
) -> Result<String, RenderError> {
    match format {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(doc).expect("the document serialises");
            text.push('\n');
            Ok(text)
        }
        Format::Md => render_template(doc, "case.md", format, templates, None),
        Format::Html => {
            let markdown = render_template(doc, "case.md", format, templates, None)?;
            // The sanitiser drops comments, so the chart's mark splits the markdown instead.
            let body = match markdown.split_once(ACTIVITY_MARK) {
                Some((before, after)) => format!(
                    "{}{}{}",
                    markdown_to_html(before),
                    timeline_chart(&doc.activity),
                    markdown_to_html(after)
                ),
                None => markdown_to_html(&markdown),
            };
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

/// The one place pulldown-cmark options are set (GitHub tables, strikethrough, task lists), and
/// the one sanitiser of the HTML that comes out. Bundle text reaches the markdown escaped or in
/// code spans and fences it cannot leave (`crate::mdtext`); the description and runbooks are
/// markdown whose raw HTML the sanitiser (ammonia) cuts to an allow-list: text structure,
/// tables, `<details>`/`<summary>`, links within the page. No script, event attribute, style
/// beyond `text-align`, or link out of the page survives.
pub(crate) fn markdown_to_html(markdown: &str) -> String {
    use pulldown_cmark::{html, Options, Parser};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(markdown, options));
    sanitiser().clean(&out).to_string()
}

fn sanitiser() -> &'static ammonia::Builder<'static> {
    use std::collections::HashSet;
    use std::sync::LazyLock;
    static BUILDER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
        let tags: HashSet<&str> = [
            "a",
            "b",
            "blockquote",
            "br",
            "code",
            "del",
            "details",
            "div",
            "em",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "hr",
            "i",
            "kbd",
            "li",
            "ol",
            "p",
            "pre",
            "span",
            "strong",
            "sub",
            "summary",
            "sup",
            "table",
            "tbody",
            "td",
            "th",
            "thead",
            "tr",
            "ul",
        ]
        .into();
        let mut builder = ammonia::Builder::empty();
        builder
            .tags(tags)
            .tag_attributes(
                [
                    ("a", ["href", "id"].into()),
                    ("td", ["style"].into()),
                    ("th", ["style"].into()),
                ]
                .into(),
            )
            .filter_style_properties(["text-align"].into())
            // `loc`: a file name or file:line that never breaks (the stylesheet's nowrap).
            .allowed_classes([("span", ["loc"].into())].into())
            // Links within the page only: every scheme (http, javascript, data) is dropped.
            .url_schemes(HashSet::new())
            .url_relative(ammonia::UrlRelative::PassThrough)
            .link_rel(None)
            .strip_comments(true);
        builder
    });
    &BUILDER
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
