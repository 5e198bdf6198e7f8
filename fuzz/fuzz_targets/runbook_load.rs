//! The runbook loader: arbitrary text as a runbook page (front matter, sections,
//! placeholders), then filled with parameters through the sandboxed template engine.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    casebook::fuzzing::runbook_load(&String::from_utf8_lossy(data));
});
