//! Synthetic support bundles: the NVSHAS-9810 reference case and a large benchmark bundle.

pub mod bench;
pub mod lines;
pub mod reference;

pub use bench::{write_bench_bundle, BenchFile, BenchManifest, BenchOptions, StormCount};
pub use reference::write_reference_bundle;
