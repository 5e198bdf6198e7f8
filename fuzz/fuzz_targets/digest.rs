//! The log digest (header shape learning, masking, template miner) on arbitrary bytes as one
//! log file.
#![no_main]
use casebook::digest::{digest_reader, DigestOptions};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = digest_reader(data, &DigestOptions::default());
});
