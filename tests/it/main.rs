//! casebook's integration tests, in one binary: the real `casebook` on fixture bundles and
//! knowledge bases built by [`common::Scenario`].

mod common;

mod analyze_reference;
mod authoring_errors;
mod authoring_rules;
mod bundle_inputs;
mod bundle_layouts;
mod diff;
mod digest_cli;
mod digest_generality;
mod digest_loghub;
mod healthy_bundles;
mod hostile_inputs;
mod hostile_security;
mod html_safety;
mod kb_chains;
mod kb_search;
mod layering;
mod layouts;
mod render_case;
mod render_chart;
mod render_counts;
mod rule_records;
mod rule_tables;
mod scan_determinism;
mod scan_equivalence;
mod small_cases;
mod synth_reference;
