//! Synthetic support bundles: the NVSHAS-9810 reference case and a large benchmark bundle.

pub mod lines;
pub mod reference;

pub use reference::write_reference_bundle;
