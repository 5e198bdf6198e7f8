//! The document template renderer: arbitrary text as a knowledge base's `case.md`, compiled
//! through the sandbox checks and rendered under the default limits.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    casebook::fuzzing::template_render(&String::from_utf8_lossy(data));
});
