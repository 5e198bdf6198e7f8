//! The one door to tera: compiles the document templates once, with every filter casebook
//! registers, and fills small templates (runbook steps) with parameters. Autoescaping is off
//! for markdown and on for HTML (by template name).
//!
//! Templates come from knowledge bases, so they are sandboxed (`docs/security.md`): no
//! function reads the environment or files (`get_env` fails), a template or macro that can
//! reach itself is a KB error at load time (tera would overflow the stack), `range` is capped
//! at [`TemplateLimits::max_loop`] items, every `for` loop of one rendering together at
//! [`TemplateLimits::max_iterations`] passes (nested loops that write nothing would otherwise
//! run unbounded in time) and the output at [`TemplateLimits::max_output`] bytes.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

use tera::ast::{Expr, ExprVal, FunctionCall, Node};
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
    limits: TemplateLimits,
}

/// Bounds on what one rendering may build; each names the `analyze` flag that raises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateLimits {
    /// Bytes one rendering may write (`--max-template-output`).
    pub max_output: usize,
    /// Items one `range(...)` may make (`--max-template-loop`).
    pub max_loop: usize,
    /// Passes all `for` loops of one rendering may make together, a nested loop's counted on
    /// every pass of its parent (`--max-template-iterations`).
    pub max_iterations: u64,
}

impl Default for TemplateLimits {
    fn default() -> Self {
        TemplateLimits {
            max_output: 64 << 20,
            max_loop: 100_000,
            max_iterations: 1_000_000,
        }
    }
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
        sandbox(&tera)
            .map_err(|(name, message)| Diagnostic::file(format!("kb/templates/{name}.tera"), message))?;
        meter_loops(&mut tera);
        let limits = TemplateLimits::default();
        register_filters(&mut tera, limits);
        Ok(Templates { tera, limits })
    }

    /// Sets the limits of later renderings.
    pub fn set_limits(&mut self, limits: TemplateLimits) {
        self.limits = limits;
        register_filters(&mut self.tera, limits);
    }

    /// The defaults alone.
    pub fn defaults() -> Templates {
        Templates::compile(&BTreeMap::new()).expect("the default templates compile")
    }

    /// Renders template `name` with `context`; the error is tera's whole chain of causes.
    pub fn render(&self, name: &str, context: &Context) -> Result<String, String> {
        render_capped(&self.tera, name, context, self.limits)
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
/// Runbooks are filled with the default [`TemplateLimits`].
pub(crate) fn fill(path: &str, text: &str, context: &Context) -> Result<String, Diagnostic> {
    let limits = TemplateLimits::default();
    if !has_markup(text) && text.len() <= limits.max_output {
        // Renders as itself: half the runbook sections are plain markdown, and parsing them
        // as templates was the largest part of loading the knowledge base.
        return Ok(text.to_owned());
    }
    let mut tera = Tera::default();
    register_filters(&mut tera, limits);
    tera.add_raw_template(path, text)
        .map_err(|err| Diagnostic::file(path, error_chain(&err)))?;
    sandbox(&tera).map_err(|(_, message)| Diagnostic::file(path, message))?;
    meter_loops(&mut tera);
    render_capped(&tera, path, context, limits).map_err(|message| Diagnostic::file(path, message))
}

/// Whether `text` holds a tera expression, statement or comment (`{{`, `{%`, `{#`); without
/// one, tera would render it unchanged.
fn has_markup(text: &str) -> bool {
    memchr::memmem::find_iter(text.as_bytes(), b"{")
        .any(|at| matches!(text.as_bytes().get(at + 1), Some(b'{' | b'%' | b'#')))
}

/// Registers casebook's filters, and the functions that replace tera's: a `range` capped at
/// `limits.max_loop` items and a `get_env` that fails.
fn register_filters(tera: &mut Tera, limits: TemplateLimits) {
    tera.register_filter("thousands", thousands);
    tera.register_filter("cell", cell);
    tera.register_filter("size", size);
    tera.register_filter("md_text", crate::mdtext::md_text_filter);
    tera.register_filter("code", crate::mdtext::code_filter);
    tera.register_filter("fence", crate::mdtext::fence_filter);
    let max = limits.max_loop;
    tera.register_function("range", move |args: &HashMap<String, tera::Value>| {
        bounded_range(args, max)
    });
    tera.register_function("get_env", |_: &HashMap<String, tera::Value>| {
        Err(tera::Error::msg(ENV_REFUSED))
    });
    tera.register_filter(LOOP_METER, loop_meter);
}

thread_local! {
    /// The loop passes the rendering under way on this thread may still make, and its limit.
    static LOOP_BUDGET: Cell<(u64, u64)> = const { Cell::new((u64::MAX, u64::MAX)) };
}

/// The filter [`meter_loops`] appends to every `for` loop's container.
const LOOP_METER: &str = "__casebook_loop_meter";

/// Appends [`LOOP_METER`] to the container of every `for` loop of `tera`'s templates (their
/// bodies, macros and blocks), so each loop, when it starts, charges its length to the
/// rendering's budget: the passes of all loops together, nested ones included, are then
/// bounded whatever the loops iterate over (`range`, a literal array, a context value, a
/// `set` variable).
fn meter_loops(tera: &mut Tera) {
    for template in tera.templates.values_mut() {
        meter_nodes(&mut template.ast);
        for m in template.macros.values_mut() {
            meter_nodes(&mut m.body);
        }
        for b in template.blocks.values_mut() {
            meter_nodes(&mut b.body);
        }
        for defs in template.blocks_definitions.values_mut() {
            for (_, b) in defs {
                meter_nodes(&mut b.body);
            }
        }
    }
}

fn meter_nodes(nodes: &mut [Node]) {
    for node in nodes {
        match node {
            Node::Forloop(_, f, _) => {
                f.container.filters.push(FunctionCall {
                    name: LOOP_METER.to_owned(),
                    args: HashMap::new(),
                });
                meter_nodes(&mut f.body);
                if let Some(body) = &mut f.empty_body {
                    meter_nodes(body);
                }
            }
            Node::MacroDefinition(_, m, _) => meter_nodes(&mut m.body),
            Node::FilterSection(_, f, _) => meter_nodes(&mut f.body),
            Node::Block(_, b, _) => meter_nodes(&mut b.body),
            Node::If(i, _) => {
                for (_, _, body) in &mut i.conditions {
                    meter_nodes(body);
                }
                if let Some((_, body)) = &mut i.otherwise {
                    meter_nodes(body);
                }
            }
            _ => {}
        }
    }
}

/// Charges the passes a loop over `value` will make to the rendering's budget.
fn loop_meter(value: &tera::Value, _: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let passes = match value {
        tera::Value::Array(a) => a.len(),
        tera::Value::Object(o) => o.len(),
        tera::Value::String(s) => s.chars().count(),
        _ => 0,
    } as u64;
    LOOP_BUDGET.with(|budget| {
        let (left, max) = budget.get();
        if passes > left {
            return Err(tera::Error::msg(format!(
                "loops: more than {max} loop passes in one rendering (nested loops count on every pass of their parent; raise it with --max-template-iterations)"
            )));
        }
        budget.set((left - passes, max));
        Ok(value.clone())
    })
}

const ENV_REFUSED: &str = "get_env is not available: knowledge-base templates cannot read the environment";

/// tera's `range(start, end, step_by)`, refusing more than `max` items.
fn bounded_range(args: &HashMap<String, tera::Value>, max: usize) -> tera::Result<tera::Value> {
    let arg = |name: &str, default: Option<usize>| -> tera::Result<usize> {
        match args.get(name) {
            Some(v) => v
                .as_u64()
                .map(|n| n as usize)
                .ok_or_else(|| tera::Error::msg(format!("range: `{name}` must be a whole number, not {v}"))),
            None => default.ok_or_else(|| tera::Error::msg(format!("range: `{name}` is missing"))),
        }
    };
    let (start, end, step) = (
        arg("start", Some(0))?,
        arg("end", None)?,
        arg("step_by", Some(1))?,
    );
    if step == 0 {
        return Err(tera::Error::msg("range: `step_by` must not be 0"));
    }
    if start > end {
        return Err(tera::Error::msg("range: `start` is after `end`"));
    }
    let items = (end - start).div_ceil(step);
    if items > max {
        return Err(tera::Error::msg(format!(
            "range: {items} items is over the limit of {max} (raise it with --max-template-loop)"
        )));
    }
    Ok(tera::Value::Array(
        (start..end).step_by(step).map(tera::Value::from).collect(),
    ))
}

/// A `Write` that refuses to grow past `max` bytes.
struct Capped {
    out: Vec<u8>,
    max: usize,
    hit: bool,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() + buf.len() > self.max {
            self.hit = true;
            return Err(std::io::Error::other("template output limit"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Renders `name`, stopping once the output passes `limits.max_output` bytes or the loops
/// `limits.max_iterations` passes.
fn render_capped(
    tera: &Tera,
    name: &str,
    context: &Context,
    limits: TemplateLimits,
) -> Result<String, String> {
    let max = limits.max_output;
    LOOP_BUDGET.with(|b| b.set((limits.max_iterations, limits.max_iterations)));
    let mut out = Capped {
        out: Vec::new(),
        max,
        hit: false,
    };
    match tera.render_to(name, context, &mut out) {
        Ok(()) => String::from_utf8(out.out).map_err(|e| format!("{name}: output is not UTF-8: {e}")),
        Err(_) if out.hit => Err(format!(
            "{name}: the output passed the limit of {max} bytes (raise it with --max-template-output)"
        )),
        Err(e) => Err(error_chain(&e)),
    }
}

/// Checks every template of `tera` before it is used: no call of `get_env`, and no template
/// or macro that can reach itself through includes and macro calls (tera would recurse until
/// the stack overflows, aborting the process). Returns the template at fault and the message.
fn sandbox(tera: &Tera) -> Result<(), (String, String)> {
    let mut graph = CallGraph::default();
    let mut names: Vec<&String> = tera.templates.keys().collect();
    names.sort();
    for name in names {
        let template = &tera.templates[name];
        let mut walker = Walker {
            template: name,
            imports: &template.imported_macro_files,
            graph: &mut graph,
        };
        walker.nodes(&format!("template `{name}`"), &template.ast);
    }
    if let Some((at, _)) = graph.env.iter().next() {
        return Err((at.clone(), format!("{ENV_REFUSED} (`get_env` in {at})")));
    }
    if let Some(cycle) = graph.cycle() {
        let at = graph.owner.get(&cycle[0]).cloned().unwrap_or_default();
        return Err((
            at,
            format!(
                "recursion: {} (templates and macros may not reach themselves: tera would overflow the stack)",
                cycle.join(" -> ")
            ),
        ));
    }
    Ok(())
}

/// Who calls or includes whom: nodes are `template `x`` and `macro `file::name``.
#[derive(Default)]
struct CallGraph {
    edges: BTreeMap<String, BTreeSet<String>>,
    /// The template each node lives in.
    owner: BTreeMap<String, String>,
    /// Templates that call `get_env`.
    env: BTreeMap<String, ()>,
}

impl CallGraph {
    fn cycle(&self) -> Option<Vec<String>> {
        fn visit(
            g: &CallGraph,
            n: &str,
            stack: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            if let Some(at) = stack.iter().position(|s| s == n) {
                let mut path = stack[at..].to_vec();
                path.push(n.to_owned());
                return Some(path);
            }
            if !done.insert(n.to_owned()) {
                return None;
            }
            stack.push(n.to_owned());
            for m in g.edges.get(n).into_iter().flatten() {
                if let Some(c) = visit(g, m, stack, done) {
                    return Some(c);
                }
            }
            stack.pop();
            None
        }
        let mut done = BTreeSet::new();
        self.edges
            .keys()
            .find_map(|n| visit(self, n, &mut Vec::new(), &mut done))
    }
}

/// Walks one template's syntax tree, adding its edges to the graph.
struct Walker<'a> {
    template: &'a str,
    imports: &'a [(String, String)],
    graph: &'a mut CallGraph,
}

impl Walker<'_> {
    fn edge(&mut self, from: &str, to: String) {
        self.graph
            .owner
            .entry(from.to_owned())
            .or_insert_with(|| self.template.to_owned());
        self.graph.edges.entry(from.to_owned()).or_default().insert(to);
    }

    fn nodes(&mut self, from: &str, nodes: &[Node]) {
        for node in nodes {
            self.node(from, node);
        }
    }

    fn node(&mut self, from: &str, node: &Node) {
        match node {
            Node::VariableBlock(_, e) => self.expr(from, e),
            Node::MacroDefinition(_, m, _) => {
                let me = format!("macro `{}::{}`", self.template, m.name);
                self.graph.owner.insert(me.clone(), self.template.to_owned());
                for e in m.args.values().flatten() {
                    self.expr(&me, e);
                }
                self.nodes(&me, &m.body);
            }
            Node::Extends(_, parent) => self.edge(from, format!("template `{parent}`")),
            Node::Include(_, names, _) => {
                for n in names {
                    self.edge(from, format!("template `{n}`"));
                }
            }
            Node::Set(_, set) => self.expr(from, &set.value),
            Node::FilterSection(_, f, _) => {
                self.call(from, &f.filter);
                self.nodes(from, &f.body);
            }
            Node::Block(_, b, _) => self.nodes(from, &b.body),
            Node::Forloop(_, f, _) => {
                self.expr(from, &f.container);
                self.nodes(from, &f.body);
                if let Some(body) = &f.empty_body {
                    self.nodes(from, body);
                }
            }
            Node::If(i, _) => {
                for (_, e, body) in &i.conditions {
                    self.expr(from, e);
                    self.nodes(from, body);
                }
                if let Some((_, body)) = &i.otherwise {
                    self.nodes(from, body);
                }
            }
            _ => {}
        }
    }

    fn call(&mut self, from: &str, f: &FunctionCall) {
        if f.name == "get_env" {
            self.graph.env.insert(self.template.to_owned(), ());
        }
        for e in f.args.values() {
            self.expr(from, e);
        }
    }

    fn expr(&mut self, from: &str, e: &Expr) {
        self.val(from, &e.val);
        for f in &e.filters {
            self.call(from, f);
        }
    }

    fn val(&mut self, from: &str, v: &ExprVal) {
        match v {
            ExprVal::Math(m) => {
                self.expr(from, &m.lhs);
                self.expr(from, &m.rhs);
            }
            ExprVal::Logic(l) => {
                self.expr(from, &l.lhs);
                self.expr(from, &l.rhs);
            }
            ExprVal::In(i) => {
                self.expr(from, &i.lhs);
                self.expr(from, &i.rhs);
            }
            ExprVal::Test(t) => t.args.iter().for_each(|e| self.expr(from, e)),
            ExprVal::Array(items) => items.iter().for_each(|e| self.expr(from, e)),
            ExprVal::StringConcat(c) => c.values.iter().for_each(|v| self.val(from, v)),
            ExprVal::FunctionCall(f) => self.call(from, f),
            ExprVal::MacroCall(m) => {
                let file = if m.namespace == "self" {
                    Some(self.template.to_owned())
                } else {
                    self.imports
                        .iter()
                        .find(|(_, ns)| *ns == m.namespace)
                        .map(|(file, _)| file.clone())
                };
                if let Some(file) = file {
                    self.edge(from, format!("macro `{file}::{}`", m.name));
                }
                for e in m.args.values() {
                    self.expr(from, e);
                }
            }
            _ => {}
        }
    }
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
pub(crate) fn error_chain(err: &tera::Error) -> String {
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
    fn text_without_markup_renders_as_itself_and_markup_is_still_seen() {
        let ctx = Context::new();
        let plain = "kubectl get pods -o jsonpath='{.items[*].metadata.name}' { } }}";
        assert!(!has_markup(plain));
        assert_eq!(fill("r.md", plain, &ctx).unwrap(), plain);
        for marked in ["a {{ x }}", "{% if x %}y{% endif %}", "{# note #}", "x {{"] {
            assert!(has_markup(marked), "{marked}");
            // Through tera: an error, or not the text as it is.
            assert_ne!(
                fill("r.md", marked, &ctx).ok().as_deref(),
                Some(marked),
                "{marked}"
            );
        }
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
    fn environment_recursion_and_size_are_refused() {
        let compile = |name: &str, text: &str| {
            let mut kb = BTreeMap::new();
            kb.insert(name.to_owned(), text.to_owned());
            Templates::compile(&kb)
        };
        let err = compile("case.md", "{{ get_env(name='HOME') | upper }}").unwrap_err();
        assert!(err.to_string().contains("get_env"), "{err}");
        let err = compile("case.md", "{% include 'case.md' %}").unwrap_err();
        assert!(err.to_string().contains("recursion"), "{err}");
        let mut kb = BTreeMap::new();
        kb.insert("m.md".to_owned(), "{% macro a() %}{{ self::b() }}{% endmacro a %}{% macro b() %}{% if true %}{{ self::a() }}{% endif %}{% endmacro b %}".to_owned());
        kb.insert(
            "case.md".to_owned(),
            "{% import 'm.md' as m %}{{ m::a() }}".to_owned(),
        );
        let err = Templates::compile(&kb).unwrap_err();
        assert!(err.to_string().contains("recursion"), "{err}");
        // A macro calling another, without a cycle, is fine.
        kb.insert(
            "m.md".to_owned(),
            "{% macro a() %}{{ self::b() }}{% endmacro a %}{% macro b() %}b{% endmacro b %}".to_owned(),
        );
        assert_eq!(
            Templates::compile(&kb)
                .unwrap()
                .render("case.md", &Context::new())
                .unwrap(),
            "b"
        );

        let mut t = compile("case.md", "{% for i in range(end=11) %}x{% endfor %}").unwrap();
        t.set_limits(TemplateLimits {
            max_output: 10,
            max_loop: 100,
            ..TemplateLimits::default()
        });
        assert!(t
            .render("case.md", &Context::new())
            .unwrap_err()
            .contains("--max-template-output"));
        t.set_limits(TemplateLimits {
            max_output: 100,
            max_loop: 10,
            ..TemplateLimits::default()
        });
        assert!(t
            .render("case.md", &Context::new())
            .unwrap_err()
            .contains("--max-template-loop"));
        t.set_limits(TemplateLimits {
            max_output: 11,
            max_loop: 11,
            ..TemplateLimits::default()
        });
        assert_eq!(t.render("case.md", &Context::new()).unwrap(), "xxxxxxxxxxx");

        let ctx = Context::new();
        assert!(fill("r.md", "{{ get_env(name='HOME') }}", &ctx).is_err());
        assert!(fill("r.md", "{% include 'r.md' %}", &ctx)
            .unwrap_err()
            .to_string()
            .contains("recursion"));
    }

    #[test]
    fn nested_loops_are_bounded_in_passes() {
        let limits = TemplateLimits {
            max_iterations: 1_000,
            ..TemplateLimits::default()
        };
        let render = |text: &str, ctx: &Context| {
            let mut t =
                Templates::compile(&BTreeMap::from([("case.md".to_owned(), text.to_owned())])).unwrap();
            t.set_limits(limits);
            t.render("case.md", ctx)
        };
        let ctx = Context::new();
        // Two loops of 100 that write nothing: 100 + 100 x 100 passes.
        let err = render(
            "{% for a in range(end=100) %}{% for b in range(end=100) %}{% endfor %}{% endfor %}",
            &ctx,
        )
        .unwrap_err();
        assert!(err.contains("--max-template-iterations"), "{err}");
        // Whatever the loops iterate over: a `set` list, a literal array, context values, a
        // macro's loop inside a loop, a block.
        for text in [
            "{% set xs = range(end=40) %}{% for a in xs %}{% for b in xs %}{% endfor %}{% endfor %}",
            "{% for a in [1,2,3,4,5,6,7,8,9,10] %}{% for b in [1,2,3,4,5,6,7,8,9,10] %}{% for c in [1,2,3,4,5,6,7,8,9,10] %}{% endfor %}{% endfor %}{% endfor %}",
            "{% for a in xs %}{% for b in xs %}{% endfor %}{% endfor %}",
            "{% macro m(xs) %}{% for b in xs %}{% endfor %}{% endmacro m %}{% for a in xs %}{{ self::m(xs=xs) }}{% endfor %}",
            "{% block body %}{% for a in xs %}{% for b in xs %}{% endfor %}{% endfor %}{% endblock body %}",
        ] {
            let mut ctx = Context::new();
            ctx.insert("xs", &(0..40).collect::<Vec<u32>>());
            let err = render(text, &ctx).unwrap_err();
            assert!(err.contains("--max-template-iterations"), "{text}: {err}");
        }
        // Under the budget, and the budget is per rendering (the second starts afresh).
        let mut ctx = Context::new();
        ctx.insert("xs", &(0..30).collect::<Vec<u32>>());
        let text = "{% for a in xs %}{% for b in xs %}{% endfor %}{% endfor %}ok";
        assert_eq!(render(text, &ctx).unwrap(), "ok");
        let mut t = Templates::compile(&BTreeMap::from([("case.md".to_owned(), text.to_owned())])).unwrap();
        t.set_limits(limits);
        assert_eq!(t.render("case.md", &ctx).unwrap(), "ok");
        assert_eq!(t.render("case.md", &ctx).unwrap(), "ok");
        // Runbook bodies (filled with the defaults) are metered too.
        let err = fill(
            "runbooks/r.md",
            "{% for a in range(end=100000) %}{% for b in range(end=100000) %}{% endfor %}{% endfor %}",
            &ctx,
        )
        .unwrap_err();
        assert!(err.to_string().contains("--max-template-iterations"), "{err}");
    }

    #[test]
    fn a_broken_template_points_at_its_file() {
        let mut kb = BTreeMap::new();
        kb.insert("case.md".to_owned(), "{% if %}".to_owned());
        let err = Templates::compile(&kb).unwrap_err();
        assert_eq!(err.path, "kb/templates/case.md.tera", "{err}");
    }
}
