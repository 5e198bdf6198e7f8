//! The one door to rhai: builds the sandboxed engine every rule script is compiled and run with.
//!
//! Limits on operations, call depth, expression depth, string, array and map sizes; strict
//! variables; `eval` disabled; no module loading (the crate builds rhai with `no_module`); a
//! wall-clock deadline per rule run, checked from the progress callback; `print`/`debug`
//! captured for `--explain` instead of written to the terminal.

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use rhai::{Dynamic, Engine};

use super::api;

/// Operations one rule run may perform.
pub const MAX_OPERATIONS: u64 = 5_000_000;
/// Wall-clock time one rule run may take.
pub const DEADLINE: Duration = Duration::from_secs(2);

thread_local! {
    static DEADLINE_AT: Cell<Option<Instant>> = const { Cell::new(None) };
    static TRACE: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Builds the engine with casebook's API registered.
pub fn engine() -> Engine {
    let mut engine = Engine::new();
    engine.set_max_operations(MAX_OPERATIONS);
    engine.set_max_call_levels(32);
    engine.set_max_expr_depths(64, 32);
    engine.set_max_string_size(1 << 20);
    engine.set_max_array_size(100_000);
    engine.set_max_map_size(10_000);
    engine.set_strict_variables(true);
    engine.disable_symbol("eval");
    engine.on_progress(|_| {
        let late = DEADLINE_AT.with(|d| d.get().is_some_and(|at| Instant::now() > at));
        late.then(|| Dynamic::from(format!("deadline of {}s exceeded", DEADLINE.as_secs())))
    });
    engine.on_print(|text| trace(text.to_owned()));
    engine.on_debug(|text, _, pos| trace(format!("{pos}: {text}")));
    api::register(&mut engine);
    engine
}

fn trace(line: String) {
    TRACE.with(|t| t.borrow_mut().push(line));
}

/// Runs `f` with the per-rule deadline armed and returns its result with what the script
/// printed.
pub fn guarded<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    DEADLINE_AT.with(|d| d.set(Some(Instant::now() + DEADLINE)));
    TRACE.with(|t| t.borrow_mut().clear());
    let out = f();
    DEADLINE_AT.with(|d| d.set(None));
    let printed = TRACE.with(|t| std::mem::take(&mut *t.borrow_mut()));
    (out, printed)
}
