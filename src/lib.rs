//! casebook: diagnose customer support bundles.

pub mod digest;
pub mod time;
