//! The pod and event listing parsers (text, JSON, YAML, describe) on arbitrary text.
#![no_main]
use std::sync::OnceLock;

use casebook::kb::{KbOrigin, KnowledgeBase};

fn kb() -> &'static KnowledgeBase {
    static KB: OnceLock<KnowledgeBase> = OnceLock::new();
    KB.get_or_init(|| KnowledgeBase::load(&KbOrigin::Embedded).expect("embedded KB loads"))
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    casebook::fuzzing::pod_tables(&String::from_utf8_lossy(data), kb());
});
