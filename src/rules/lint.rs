//! Load-time checks of a compiled script: every name written as a literal (signature names passed
//! to `bundle.*`, capture names after `.captures.`, rules passed to `fired`/`findings`, the fields
//! and evidence of a `finding(#{...})` literal) is checked against the rule's context by walking
//! the AST, so `kb check` reports a typo at its line and column before any bundle is opened.
//! Names built at run time are checked when the script runs.

use rhai::{ASTNode, Expr, FnCallExpr, Position, Stmt, AST};

use super::context::RuleContext;
use super::draft::FIELDS;

/// Functions whose arguments (in method-call form, after the object) at these indices name
/// signatures.
const SIGNATURE_ARGS: [(&str, &[usize]); 7] = [
    ("hits", &[0]),
    ("count_between", &[0]),
    ("max_in_window", &[0]),
    ("longest_stretch", &[0]),
    ("sustained", &[0]),
    ("episodes", &[0]),
    ("followed_by", &[0, 1]),
];
/// Functions whose first argument names a rule.
const RULE_ARGS: [&str; 2] = ["fired", "findings"];

/// A mistake in a script: message and the script-relative (line, column), 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScriptProblem {
    pub(crate) message: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// Every literal name in `ast` that `ctx` does not know.
pub(crate) fn check(ast: &AST, ctx: &RuleContext) -> Vec<ScriptProblem> {
    let mut out = Vec::new();
    let captures = ctx.all_captures();
    ast.walk(&mut |path: &[ASTNode]| {
        let expr = match path.last() {
            Some(ASTNode::Expr(expr)) => expr,
            // A call standing alone as a statement (`finding(#{...});`) is a statement node.
            Some(ASTNode::Stmt(Stmt::FnCall(call, _))) => {
                check_fn_call(call, ctx, &mut out);
                return true;
            }
            _ => return true,
        };
        match expr {
            Expr::MethodCall(call, _) => check_call(call, 0, ctx, &mut out),
            Expr::FnCall(call, _) => check_fn_call(call, ctx, &mut out),
            Expr::Dot(dot, _, _) => {
                if let Expr::Property(p, _) = &dot.lhs {
                    if p.2 == "captures" {
                        let named = match &dot.rhs {
                            Expr::Property(q, pos) => Some((&q.2, *pos)),
                            Expr::Dot(inner, _, _) => match &inner.lhs {
                                Expr::Property(q, pos) => Some((&q.2, *pos)),
                                _ => None,
                            },
                            _ => None,
                        };
                        if let Some((name, pos)) = named {
                            if !captures.contains(name.as_str()) {
                                let known: Vec<&str> = captures.iter().copied().collect();
                                push(
                                    &mut out,
                                    pos,
                                    format!(
                                        "unknown capture `{name}` (captures of this rule's signatures: {})",
                                        if known.is_empty() {
                                            "none".to_owned()
                                        } else {
                                            known.join(", ")
                                        }
                                    ),
                                );
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        true
    });
    out.sort_by_key(|p| (p.line, p.column));
    out.dedup();
    out
}

/// The finding parameters a script sets where it names them literally: keys of a `params:` map
/// literal, of a map literal bound to a variable called `params`, and `params.x = ...`
/// assignments. Runbook placeholders are checked against these at load.
pub(crate) fn param_names(ast: &AST) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let keys = |e: &Expr, out: &mut std::collections::BTreeSet<String>| {
        if let Expr::Map(map, _) = e {
            out.extend(map.0.iter().map(|(k, _)| k.name.to_string()));
        }
    };
    ast.walk(&mut |path: &[ASTNode]| {
        match path.last() {
            Some(ASTNode::Expr(Expr::Map(map, _))) => {
                for (k, v) in map.0.iter() {
                    if k.name == "params" {
                        keys(v, &mut out);
                    }
                }
            }
            Some(ASTNode::Stmt(Stmt::Var(var, ..))) if var.0.name == "params" => keys(&var.1, &mut out),
            Some(ASTNode::Expr(Expr::Dot(dot, ..))) => {
                if let (Expr::Variable(v, ..), Expr::Property(p, _)) = (&dot.lhs, &dot.rhs) {
                    if v.1 == "params" {
                        out.insert(p.2.to_string());
                    }
                }
            }
            _ => {}
        }
        true
    });
    out
}

/// A call in function form: `hits(bundle, "x")` is the function-call form of `bundle.hits("x")`.
fn check_fn_call(call: &FnCallExpr, ctx: &RuleContext, out: &mut Vec<ScriptProblem>) {
    let offset = usize::from(SIGNATURE_ARGS.iter().any(|(n, _)| *n == call.name.as_str()));
    check_call(call, offset, ctx, out);
    if call.name == "finding" {
        if let Some(Expr::Map(map, _)) = call.args.first() {
            check_finding_literal(&map.0, ctx, out);
        }
    }
}

fn check_call(call: &FnCallExpr, offset: usize, ctx: &RuleContext, out: &mut Vec<ScriptProblem>) {
    let name = call.name.as_str();
    if let Some((_, indices)) = SIGNATURE_ARGS.iter().find(|(n, _)| *n == name) {
        for i in indices.iter() {
            if let Some(Expr::StringConstant(s, pos)) = call.args.get(i + offset) {
                if let Err(e) = ctx.signature(s) {
                    push(out, *pos, e);
                }
            }
        }
    }
    if RULE_ARGS.contains(&name) {
        let arg = call.args.get(offset).or_else(|| call.args.last());
        if let Some(Expr::StringConstant(s, pos)) = arg {
            if let Err(e) = ctx.earlier_rule(s) {
                push(out, *pos, e);
            }
        }
    }
}

fn check_finding_literal(fields: &[(rhai::Ident, Expr)], ctx: &RuleContext, out: &mut Vec<ScriptProblem>) {
    for (key, value) in fields {
        if !FIELDS.contains(&key.name.as_str()) {
            push(
                out,
                key.pos,
                format!(
                    "finding: unknown field `{}` (fields: {})",
                    key.name,
                    FIELDS.join(", ")
                ),
            );
        }
        if key.name == "evidence" {
            if let Expr::Array(items, _) = value {
                for (i, item) in items.iter().enumerate() {
                    if let Expr::StringConstant(s, pos) = item {
                        if let Err(e) = ctx.signature(s) {
                            push(out, *pos, format!("finding: evidence {i}: {e}"));
                        }
                    }
                }
            }
        }
    }
}

fn push(out: &mut Vec<ScriptProblem>, pos: Position, message: String) {
    out.push(ScriptProblem {
        message,
        line: pos.line().unwrap_or(0),
        column: pos.position().unwrap_or(0),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::context::SignatureRef;

    fn ctx() -> RuleContext {
        let mut c = RuleContext {
            rule: "t.cert".into(),
            after: ["t.first".to_owned()].into(),
            ..RuleContext::default()
        };
        for name in ["expired", "renewed"] {
            c.signatures.insert(
                name.into(),
                SignatureRef {
                    id: format!("t.cert/{name}"),
                    captures: vec!["notafter".into()],
                },
            );
        }
        c
    }

    fn problems(script: &str) -> Vec<String> {
        let engine = crate::rules::engine();
        let mut scope = rhai::Scope::new();
        scope.push_constant("bundle", rhai::Dynamic::UNIT);
        let ast = engine.compile_with_scope(&scope, script).expect("compiles");
        check(&ast, &ctx())
            .into_iter()
            .map(|p| format!("{}:{}: {}", p.line, p.column, p.message))
            .collect()
    }

    #[test]
    fn parameters_set_literally_are_collected() {
        let engine = crate::rules::engine();
        let mut scope = rhai::Scope::new();
        scope.push_constant("bundle", rhai::Dynamic::UNIT);
        let script = "let params = #{ namespace: \"nv\" };\nparams.replicas = 3;\nfinding(#{ summary: \"s\", params: #{ client: 1 } });";
        let ast = engine.compile_with_scope(&scope, script).expect("compiles");
        let names: Vec<String> = param_names(&ast).into_iter().collect();
        assert_eq!(names, ["client", "namespace", "replicas"]);
    }

    #[test]
    fn literal_names_are_checked_where_written() {
        assert_eq!(
            problems("let h = bundle.hits(\"expird\");"),
            ["1:21: unknown signature `expird` (known: expired, renewed)"]
        );
        assert_eq!(
            problems("let h = bundle.hits(\"expired\");\nlet x = h.captures.notafer.top;"),
            ["2:20: unknown capture `notafer` (captures of this rule's signatures: notafter)"]
        );
        assert_eq!(
            problems("if bundle.followed_by(\"expired\", \"renewd\", 5) { }"),
            ["1:34: unknown signature `renewd` (known: expired, renewed)"]
        );
        assert_eq!(
            problems("if bundle.fired(\"t.later\") { }"),
            ["1:17: rule `t.later` is not listed in `after:` of `t.cert`, so it may not have run yet (after: t.first)"]
        );
        assert_eq!(
            problems("finding(#{ summary: \"s\", evidence: [\"expired\", \"renwed\"], sumary: 1 })"),
            [
                "1:48: finding: evidence 1: unknown signature `renwed` (known: expired, renewed)",
                "1:59: finding: unknown field `sumary` (fields: summary, title, severity, evidence, params, first_ms, last_ms)",
            ]
        );
        assert!(problems(
            "let h = bundle.hits(\"expired\");\nlet n = h.captures.notafter.top;\nbundle.fired(\"t.first\");\nfinding(#{ summary: \"s\", evidence: [\"renewed\"] })"
        )
        .is_empty());
    }
}
