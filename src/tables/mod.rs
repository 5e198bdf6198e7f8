//! Tables parsed from the bundle: pods (from `kubectl get pods` text, JSON, YAML and `kubectl
//! describe pod`, all into one [`Pod`] model) and events. Rules read these, never the files
//! they came from.

pub(crate) mod describe;
pub(crate) mod events;
pub(crate) mod pod_objects;
pub(crate) mod pods;
mod read;

pub(crate) use events::EventTable;
pub(crate) use pods::{owner_guess, Components, Pod, PodTable, Workload};
pub(crate) use read::{is_pod_header, merge_pods, read_events, read_pods};
