//! The load phase of one rule: a rule file (YAML, with an inline or sibling rhai script) compiled
//! into a [`Rule`], its script to an AST with the file's path as the source name, every literal
//! name in it checked against the rule's context (positions point into the YAML file).

use std::collections::BTreeMap;
use std::sync::Arc;

use rhai::{Dynamic, Engine, Position, Scope, AST};

use super::context::{RuleContext, SignatureRef};
use super::lint;
use crate::diagnostic::Diagnostic;
use crate::spec::{KbFile, RuleSpec, VersionReq};

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The authored form.
    pub spec: RuleSpec,
    /// Path of its YAML file.
    pub path: String,
    /// The compiled script.
    pub script: Option<Script>,
    /// SHA-256 of the rule's YAML and script: changes whenever the rule does.
    pub fingerprint: String,
    /// The names the rule may use: its signatures (own and `uses:`), the rules in `after:`.
    pub(crate) ctx: Arc<RuleContext>,
    /// `applies_to`, parsed: product and version range.
    pub applies: Vec<(String, VersionReq)>,
}

/// A rule's compiled script and where its text sits, so positions point into the file.
#[derive(Debug, Clone)]
pub struct Script {
    /// The compiled script.
    pub ast: AST,
    /// The file holding it: the `.rhai` file, or the rule's YAML for an inline `script:`.
    pub path: String,
    /// Lines before the script's first line in that file (0 for a `.rhai` file).
    pub line_offset: usize,
    /// Indentation of an inline script (0 for a `.rhai` file).
    pub col_offset: usize,
}

impl Script {
    /// `path:line:col` in the file, from a position in the script.
    pub(super) fn locate(&self, pos: Position) -> String {
        let (line, col) = position(pos);
        if line == 0 {
            return self.path.clone();
        }
        format!(
            "{}:{}:{}",
            self.path,
            line + self.line_offset,
            col + self.col_offset
        )
    }
}

impl Rule {
    /// Compiles a rule: its script (inline or the `.rhai` file beside it) with `engine`, and
    /// checks every literal name in the script against `signatures` (name as the rule writes
    /// it => the signature) and its `after:` list.
    pub(crate) fn compile(
        engine: &Engine,
        spec: RuleSpec,
        file: &KbFile,
        script_file: Option<&KbFile>,
        signatures: BTreeMap<String, SignatureRef>,
    ) -> Result<Rule, Vec<Diagnostic>> {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(file.text.as_bytes());
        let mut applies = Vec::new();
        for a in &spec.applies_to {
            let req = VersionReq::parse(&a.versions).map_err(|msg| {
                vec![Diagnostic::at_key(
                    &file.path,
                    &file.text,
                    "versions",
                    &a.versions,
                    format!("invalid version range: {msg}"),
                )
                .with_hint("comparators >=, >, <=, <, =, != joined by commas, e.g. \">=5.0, <5.5\"")]
            })?;
            applies.push((a.product.clone(), req));
        }
        let applies = applies;
        for sig in &spec.signatures {
            if let Some(within) = &sig.within {
                if sig.window_ms().is_none_or(|ms| ms <= 0) {
                    return Err(vec![Diagnostic::at_key(
                        &file.path,
                        &file.text,
                        "within",
                        within,
                        format!("invalid time window `{within}` on signature `{}`", sig.id),
                    )
                    .with_hint("write a duration such as 90s, 5m, 2h or 1d")]);
                }
            }
        }
        let script = match (&spec.script, script_file) {
            (Some(_), Some(f)) => {
                return Err(vec![Diagnostic::at_text(
                    &file.path,
                    &file.text,
                    "script:",
                    format!("rule has both an inline script and {}", f.path),
                )
                .with_hint("keep one: the inline `script:` or the .rhai file")]);
            }
            (Some(inline), None) => {
                let (line_offset, col_offset) = inline_script_offset(&file.text);
                Some(compile_script(
                    engine,
                    inline,
                    &file.path,
                    &file.text,
                    line_offset,
                    col_offset,
                )?)
            }
            (None, Some(f)) => {
                hasher.update(f.text.as_bytes());
                Some(compile_script(engine, &f.text, &f.path, &f.text, 0, 0)?)
            }
            (None, None) => None,
        };
        let ctx = RuleContext {
            rule: spec.id.clone(),
            signatures,
            after: spec.after.iter().cloned().collect(),
        };
        if let Some(script) = &script {
            let text = script_file.map_or(file.text.as_str(), |f| f.text.as_str());
            let problems: Vec<Diagnostic> = lint::check(&script.ast, &ctx)
                .into_iter()
                .map(|p| {
                    Diagnostic::at(
                        &script.path,
                        text,
                        p.line + script.line_offset,
                        p.column + script.col_offset,
                        p.message,
                    )
                    .with_hint("see docs/authoring.md for the names a script may use")
                })
                .collect();
            if !problems.is_empty() {
                return Err(problems);
            }
        }
        Ok(Rule {
            path: file.path.clone(),
            script,
            fingerprint: crate::spec::hex(&hasher.finalize()),
            ctx: Arc::new(ctx),
            applies,
            spec,
        })
    }

    /// Parameter names the rule is known to produce: those its script sets literally and those
    /// its tests expect (`params.x:` under `finding:`).
    pub fn params_produced(&self) -> std::collections::BTreeSet<String> {
        let mut out = self
            .script
            .as_ref()
            .map(|s| lint::param_names(&s.ast))
            .unwrap_or_default();
        for test in &self.spec.tests {
            out.extend(
                test.finding
                    .keys()
                    .filter_map(|k| k.strip_prefix("params."))
                    .map(|k| k.split('.').next().unwrap_or(k).to_owned()),
            );
        }
        out
    }

    /// Global ids of every signature the rule reads: its own, then those of `uses:`.
    pub fn signature_ids(&self) -> Vec<String> {
        let own = self
            .spec
            .signatures
            .iter()
            .map(|s| format!("{}/{}", self.spec.id, s.id));
        own.chain(self.spec.uses.iter().cloned()).collect()
    }

    /// The global id of a signature as the rule names it.
    pub(super) fn resolve(&self, name: &str) -> String {
        self.ctx
            .signature(name)
            .map_or_else(|_| name.to_owned(), |s| s.id.clone())
    }
}

/// Where an inline `script: |` block starts: lines before it and its indentation.
fn inline_script_offset(yaml: &str) -> (usize, usize) {
    let mut lines = yaml.lines().enumerate();
    for (i, line) in lines.by_ref() {
        if line.starts_with("script:") {
            let indent = yaml
                .lines()
                .nth(i + 1)
                .map_or(0, |l| l.len() - l.trim_start().len());
            return (i + 1, indent);
        }
    }
    (0, 0)
}

fn compile_script(
    engine: &Engine,
    script: &str,
    path: &str,
    file_text: &str,
    line_offset: usize,
    col_offset: usize,
) -> Result<Script, Vec<Diagnostic>> {
    let mut scope = Scope::new();
    scope.push_constant("bundle", Dynamic::UNIT);
    match engine.compile_with_scope(&scope, script) {
        Ok(mut ast) => {
            ast.set_source(path);
            Ok(Script {
                ast,
                path: path.to_owned(),
                line_offset,
                col_offset,
            })
        }
        Err(err) => {
            let (line, col) = position(err.1);
            Err(vec![Diagnostic::at(
                path,
                file_text,
                line + line_offset,
                col + col_offset,
                format!("rhai: {}", err.0),
            )
            .with_hint("see docs/authoring.md for the script API")])
        }
    }
}

pub(super) fn position(pos: Position) -> (usize, usize) {
    (pos.line().unwrap_or(0), pos.position().unwrap_or(0))
}
