//! casebook: diagnose customer support bundles.

pub mod time;
