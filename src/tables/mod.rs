//! Tables parsed from the bundle (pod listings today; kubectl JSON/YAML, nodes and events
//! next). Rules read these, never the files they came from.

pub mod pods;

pub use pods::{Components, Pod, PodTable, Workload};
