//! The bundle reader (magic-byte sniffing, tar, gzip and zip extraction, limits) on an
//! arbitrary file, under a name taken from the first byte.
#![no_main]
use std::sync::OnceLock;

use casebook::bundle::{Bundle, BundleLimits};
use casebook::kb::{KbOrigin, KnowledgeBase};

fn kb() -> &'static KnowledgeBase {
    static KB: OnceLock<KnowledgeBase> = OnceLock::new();
    KB.get_or_init(|| KnowledgeBase::load(&KbOrigin::Embedded).expect("embedded KB loads"))
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let name = ["b.tar.gz", "b.zip", "b.tar", "ctl.log.gz", "ctl.log"][usize::from(pick) % 5];
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    let limits = BundleLimits {
        extract_bytes: 16 << 20,
        ..BundleLimits::default()
    };
    if let Ok(bundle) = Bundle::open_with(&path, &kb().kinds, &limits) {
        for file in &bundle.files {
            if let Ok(mut r) = casebook::bundle::open_stream(file) {
                let _ = std::io::copy(&mut std::io::Read::take(&mut r, 16 << 20), &mut std::io::sink());
            }
        }
    }
});
