//! The rule loader: arbitrary text as a rule's YAML, then as its rhai script, through the
//! sandboxed engine's compiler.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    casebook::fuzzing::rule_load(&String::from_utf8_lossy(data));
});
