//! The log-line time parser on arbitrary bytes.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    casebook::fuzzing::line_time(data);
});
