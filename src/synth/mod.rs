//! Synthetic support bundles: the NVSHAS-9810 reference case, a large benchmark bundle, and
//! healthy and near-miss bundles rules must stay quiet on.

pub mod bench;
pub mod healthy;
pub mod lines;
pub mod reference;

pub use bench::{write_bench_bundle, BenchFile, BenchManifest, BenchOptions, StormCount};
pub use healthy::{write_healthy_bundle, HealthyKind};
pub use reference::write_reference_bundle;
