//! Tables parsed from the bundle: pods (from `kubectl get pods` text, JSON, YAML and `kubectl
//! describe pod`, all into one [`Pod`] model) and events. Rules read these, never the files
//! they came from.

pub mod describe;
pub mod events;
pub mod pod_objects;
pub mod pods;
mod read;

pub use events::{Event, EventTable};
pub use pods::{Components, Pod, PodTable, Workload};
pub use read::{is_pod_header, merge_pods, read_events, read_pods, text_form, TextForm};
