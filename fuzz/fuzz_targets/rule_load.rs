//! The rule loader: arbitrary text as a rule's YAML, then as its rhai script, through the
//! sandboxed engine's compiler.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = casebook::yaml::from_str::<casebook::spec::RuleSpec>("rules/fuzz.yaml", &text);
    let engine = casebook::rules::engine();
    let _ = engine.compile(text.as_ref());
});
