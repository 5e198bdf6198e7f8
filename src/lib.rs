//! casebook: diagnose customer support bundles.

pub mod synth;
pub mod time;
