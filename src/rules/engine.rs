//! The one door to rhai: builds the sandboxed engine every rule script is compiled and run with.
//!
//! Limits on operations, call depth, expression depth, string, array and map sizes; strict
//! variables; `eval` disabled; no module loading (the crate builds rhai with `no_module`); a
//! wall-clock deadline per rule run, checked from the progress callback; `print`/`debug`
//! captured for `--explain` instead of written to the terminal.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rhai::{Dynamic, Engine, Position};

use super::api;
use super::context::RuleContext;

/// Operations one rule run may perform.
pub(crate) const MAX_OPERATIONS: u64 = 5_000_000;
/// Wall-clock time one rule run may take.
pub(crate) const DEADLINE: Duration = Duration::from_secs(2);

thread_local! {
    static DEADLINE_AT: Cell<Option<Instant>> = const { Cell::new(None) };
    static TRACE: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static RULE: RefCell<Option<Arc<RuleContext>>> = const { RefCell::new(None) };
    /// Where the running rule called `finding(...)`, once per call, to catch one whose result
    /// was dropped.
    static MADE: RefCell<Vec<Position>> = const { RefCell::new(Vec::new()) };
}

/// Notes a `finding(...)` call of the running rule, at `at` in its script.
pub(crate) fn note_finding_made(at: Position) {
    MADE.with(|m| m.borrow_mut().push(at));
}

/// Where the running rule called `finding(...)` so far, once per call, in call order.
pub(crate) fn findings_made() -> Vec<Position> {
    MADE.with(|m| m.borrow().clone())
}

/// Builds the engine with casebook's API registered.
pub(crate) fn engine() -> Engine {
    let mut engine = Engine::new();
    engine.set_max_operations(MAX_OPERATIONS);
    engine.set_max_call_levels(32);
    engine.set_max_expr_depths(64, 32);
    engine.set_max_string_size(1 << 20);
    engine.set_max_array_size(100_000);
    engine.set_max_map_size(10_000);
    engine.set_strict_variables(true);
    // Scripts are small and run once per bundle; unoptimised ASTs keep every literal where it was
    // written (a constant `#{...}` map is not folded away), so the load-time lint sees them all.
    engine.set_optimization_level(rhai::OptimizationLevel::None);
    // `h.cuont` on a map is an error at its position, not a silent `()`.
    engine.set_fail_on_invalid_map_property(true);
    engine.disable_symbol("eval");
    engine.on_progress(|_| {
        let late = DEADLINE_AT.with(|d| d.get().is_some_and(|at| Instant::now() > at));
        late.then(|| Dynamic::from("deadline exceeded (the rule's or the budget for all rules)".to_owned()))
    });
    // `sleep` is one operation however long it sleeps: the deadline, checked between
    // operations, would never fire. No rule needs to wait.
    engine.register_fn("sleep", |_: rhai::INT| -> Result<(), Box<rhai::EvalAltResult>> {
        Err("`sleep` is not available to rules".into())
    });
    engine.register_fn(
        "sleep",
        |_: rhai::FLOAT| -> Result<(), Box<rhai::EvalAltResult>> {
            Err("`sleep` is not available to rules".into())
        },
    );
    engine.on_print(|text| trace(text.to_owned()));
    engine.on_debug(|text, _, pos| trace(format!("{pos}: {text}")));
    api::register(&mut engine);
    engine
}

fn trace(line: String) {
    TRACE.with(|t| t.borrow_mut().push(line));
}

/// The names the running rule may use (for functions that get no `bundle`, like `finding`).
pub(crate) fn current_rule() -> Arc<RuleContext> {
    RULE.with(|r| r.borrow().clone()).unwrap_or_default()
}

/// Runs `f` for the rule `ctx` with the deadline at `at` armed (the per-rule deadline or the
/// end of the budget for all rules, whichever comes first) and returns its result with what
/// the script printed.
pub(crate) fn guarded_until<T>(
    at: Instant,
    ctx: Arc<RuleContext>,
    f: impl FnOnce() -> T,
) -> (T, Vec<String>) {
    DEADLINE_AT.with(|d| d.set(Some(at)));
    TRACE.with(|t| t.borrow_mut().clear());
    MADE.with(|m| m.borrow_mut().clear());
    RULE.with(|r| *r.borrow_mut() = Some(ctx));
    let out = f();
    RULE.with(|r| *r.borrow_mut() = None);
    DEADLINE_AT.with(|d| d.set(None));
    let printed = TRACE.with(|t| std::mem::take(&mut *t.borrow_mut()));
    (out, printed)
}
