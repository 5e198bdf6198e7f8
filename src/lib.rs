//! casebook: diagnose customer support bundles.
