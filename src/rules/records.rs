//! The typed values scripts read like maps: `File`, `Pod`, `Event`, `CrashLoop` and
//! `CrashLoops`. Each is a handle into the analysis' [`Facts`] with read-only properties, not a
//! rhai map, so a bundle with thousands of pods, events or files stays within the sandbox's
//! string and map limits (which add up every string and map entry an array holds), and a
//! misspelt property is an error instead of `()`.
//!
//! Every property is listed once, in a `(name, getter)` table per type; registration and the
//! documentation check (`docs/authoring.md` names every property) read the same tables.

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, ImmutableString};

use super::api::Facts;
use super::crashloop::{classify, CrashLoop, CrashLoopGroup};
use crate::tables::events::{last_seen_secs, Event};
use crate::tables::{owner_guess, Pod};
use crate::time::Timestamp;

/// A property: its name and how it is read.
type Property<T> = (&'static str, fn(&T) -> Dynamic);

fn text(s: &str) -> Dynamic {
    s.into()
}

fn opt_text(s: Option<&str>) -> Dynamic {
    s.map_or(Dynamic::UNIT, Into::into)
}

fn opt_int(n: Option<i64>) -> Dynamic {
    n.map_or(Dynamic::UNIT, Into::into)
}

fn opt_time(t: Option<Timestamp>) -> Dynamic {
    t.map_or(Dynamic::UNIT, |t| t.to_string().into())
}

fn opt_ms(t: Option<Timestamp>) -> Dynamic {
    opt_int(t.map(Timestamp::millis))
}

/// kubectl prints `<none>` for a pod without a node or IP yet.
fn listed(s: Option<&str>) -> Dynamic {
    opt_text(s.filter(|v| *v != "<none>"))
}

/// `bundle.files()[i]`.
#[derive(Clone)]
pub(crate) struct FileRef {
    facts: Arc<Facts>,
    index: usize,
}

impl FileRef {
    fn file(&self) -> &crate::scan::FileScan {
        &self.facts.scan.files[self.index]
    }
}

/// The properties of a `File`.
pub(crate) const FILE_PROPERTIES: [Property<FileRef>; 8] = [
    ("file", |f| text(&f.file().path)),
    ("kind", |f| opt_text(f.file().kind.as_deref())),
    ("previous", |f| f.file().previous.into()),
    ("lines", |f| (f.file().lines as i64).into()),
    ("first_time", |f| opt_time(f.file().time_range().0)),
    ("last_time", |f| opt_time(f.file().time_range().1)),
    ("first_ms", |f| opt_ms(f.file().time_range().0)),
    ("last_ms", |f| opt_ms(f.file().time_range().1)),
];

/// `bundle.pods()[i]`: one pod, every source merged.
#[derive(Clone)]
pub(crate) struct PodRef {
    facts: Arc<Facts>,
    index: usize,
}

impl PodRef {
    pub(crate) fn pod(&self) -> &Pod {
        &self.facts.pods[self.index]
    }

    /// The listing file the pod's row comes from, its line and the row: what a finding quotes.
    pub(crate) fn row(&self) -> (String, u64, String) {
        let p = self.pod();
        (
            p.sources.first().cloned().unwrap_or_default(),
            p.line,
            p.raw.clone(),
        )
    }
}

/// The properties of a `Pod`.
pub(crate) const POD_PROPERTIES: [Property<PodRef>; 26] = [
    ("name", |p| text(&p.pod().name)),
    ("namespace", |p| opt_text(p.pod().namespace.as_deref())),
    ("component", |p| opt_text(p.pod().component.as_deref())),
    // A component's workload, else the one Kubernetes' naming tells (`app-7d9f8c6b5-x2k4p` =>
    // `app`).
    ("workload", |p| {
        let pod = p.pod();
        text(pod.workload.as_deref().unwrap_or_else(|| owner_guess(&pod.name)))
    }),
    ("node", |p| listed(p.pod().node.as_deref())),
    ("ip", |p| listed(p.pod().ip.as_deref())),
    ("ready", |p| i64::from(p.pod().ready).into()),
    ("containers", |p| i64::from(p.pod().containers).into()),
    ("status", |p| text(&p.pod().status)),
    ("restarts", |p| (p.pod().restarts as i64).into()),
    ("last_restart_ago", |p| {
        opt_text(p.pod().last_restart_ago.as_deref())
    }),
    ("last_restart_ago_secs", |p| {
        opt_int(p.pod().last_restart_ago_secs)
    }),
    ("last_restart_time", |p| opt_time(p.pod().last_restart)),
    ("last_restart_ms", |p| opt_ms(p.pod().last_restart)),
    ("last_reason", |p| opt_text(p.pod().last_reason.as_deref())),
    ("last_exit_code", |p| opt_int(p.pod().last_exit_code)),
    ("image", |p| opt_text(p.pod().image.as_deref())),
    ("version", |p| opt_text(p.pod().version.as_deref())),
    ("age", |p| text(&p.pod().age)),
    ("age_secs", |p| opt_int(p.pod().age_secs)),
    ("healthy", |p| p.pod().is_healthy().into()),
    ("crash_loop", |p| {
        classify(p.pod()).map_or(Dynamic::UNIT, Dynamic::from)
    }),
    ("raw", |p| text(&p.pod().raw)),
    ("file", |p| {
        text(p.pod().sources.first().map_or("", String::as_str))
    }),
    ("files", |p| {
        let files: Array = p.pod().sources.iter().map(|s| text(s)).collect();
        files.into()
    }),
    ("line", |p| (p.pod().line as i64).into()),
];

/// The properties of `pod.crash_loop`.
pub(crate) const CRASH_LOOP_PROPERTIES: [Property<CrashLoop>; 3] = [
    ("verdict", |c| text(c.verdict.as_str())),
    ("reason", |c| opt_text(c.reason.as_deref())),
    ("down", |c| c.down.into()),
];

/// `bundle.crashloops()[i]`: one component's crash-looping pods.
#[derive(Clone)]
pub(crate) struct CrashLoopsRef {
    facts: Arc<Facts>,
    group: Arc<CrashLoopGroup>,
}

impl CrashLoopsRef {
    fn pods(&self, indices: &[usize]) -> Dynamic {
        let pods: Array = indices
            .iter()
            .map(|&index| {
                Dynamic::from(PodRef {
                    facts: self.facts.clone(),
                    index,
                })
            })
            .collect();
        pods.into()
    }
}

/// The properties of a `CrashLoops` value.
pub(crate) const CRASH_LOOPS_PROPERTIES: [Property<CrashLoopsRef>; 10] = [
    ("component", |g| text(&g.group.component)),
    ("workload", |g| text(&g.group.workload)),
    ("namespace", |g| opt_text(g.group.namespace.as_deref())),
    ("pods", |g| (g.group.pods as i64).into()),
    ("looping", |g| g.pods(&g.group.looping)),
    ("restarting", |g| g.pods(&g.group.restarting)),
    ("down", |g| (g.group.down as i64).into()),
    ("max_restarts", |g| (g.group.max_restarts as i64).into()),
    ("reasons", |g| {
        if g.group.reasons.is_empty() {
            return Dynamic::UNIT;
        }
        let parts: Vec<String> = g
            .group
            .reasons
            .iter()
            .map(|(r, n)| format!("{r} ({n})"))
            .collect();
        text(&parts.join(", "))
    }),
    ("pod_names", |g| {
        let names: Vec<&str> = (g.group.looping.iter().chain(&g.group.restarting))
            .map(|&i| g.facts.pods[i].name.as_str())
            .collect();
        text(&names.join(" "))
    }),
];

/// `bundle.events()[i]`.
#[derive(Clone)]
pub(crate) struct EventRef {
    facts: Arc<Facts>,
    table: usize,
    index: usize,
}

impl EventRef {
    fn event(&self) -> &Event {
        &self.facts.scan.event_tables[self.table].events[self.index]
    }
}

/// The properties of an `Event`.
pub(crate) const EVENT_PROPERTIES: [Property<EventRef>; 16] = [
    ("reason", |e| text(&e.event().reason)),
    ("object", |e| text(&e.event().object)),
    ("kind", |e| opt_text(e.event().kind.as_deref())),
    ("name", |e| text(&e.event().name)),
    ("namespace", |e| opt_text(e.event().namespace.as_deref())),
    ("count", |e| (e.event().count as i64).into()),
    ("first_time", |e| opt_time(e.event().first_time)),
    ("last_time", |e| opt_time(e.event().last_time)),
    ("first_ms", |e| opt_ms(e.event().first_time)),
    ("last_ms", |e| opt_ms(e.event().last_time)),
    ("last_seen", |e| opt_text(e.event().last_seen.as_deref())),
    ("last_seen_secs", |e| opt_int(last_seen_secs(e.event()))),
    ("message", |e| text(&e.event().message)),
    ("type", |e| text(&e.event().kind_of_event)),
    ("file", |e| text(&e.event().file)),
    ("line", |e| (e.event().line as i64).into()),
];

/// The files, optionally of one kind.
pub(crate) fn files(facts: &Arc<Facts>, kind: Option<&str>) -> Array {
    (facts.scan.files.iter().enumerate())
        .filter(|(_, f)| kind.is_none() || f.kind.as_deref() == kind)
        .map(|(index, _)| {
            Dynamic::from(FileRef {
                facts: facts.clone(),
                index,
            })
        })
        .collect()
}

/// One pod, as a `Pod` value.
pub(crate) fn pod(facts: &Arc<Facts>, index: usize) -> Dynamic {
    Dynamic::from(PodRef {
        facts: facts.clone(),
        index,
    })
}

/// The pods matching `keep`, as `Pod` values.
pub(crate) fn pods(facts: &Arc<Facts>, keep: impl Fn(&Pod) -> bool) -> Array {
    (facts.pods.iter().enumerate())
        .filter(|(_, p)| keep(p))
        .map(|(index, _)| {
            Dynamic::from(PodRef {
                facts: facts.clone(),
                index,
            })
        })
        .collect()
}

/// The events, optionally of one reason.
pub(crate) fn events(facts: &Arc<Facts>, reason: Option<&str>) -> Array {
    let mut out = Array::new();
    for (table, t) in facts.scan.event_tables.iter().enumerate() {
        for (index, e) in t.events.iter().enumerate() {
            if reason.is_none_or(|r| e.reason == r) {
                out.push(Dynamic::from(EventRef {
                    facts: facts.clone(),
                    table,
                    index,
                }));
            }
        }
    }
    out
}

/// The crash-looping pods by component, optionally of one component.
pub(crate) fn crashloops(facts: &Arc<Facts>, component: Option<&str>) -> Array {
    super::crashloop::groups(&facts.pods, component)
        .into_iter()
        .map(|group| {
            Dynamic::from(CrashLoopsRef {
                facts: facts.clone(),
                group: Arc::new(group),
            })
        })
        .collect()
}

fn register_properties<T: Clone + Send + Sync + 'static>(
    engine: &mut Engine,
    name: &str,
    properties: &[Property<T>],
    describe: fn(&T) -> String,
) {
    engine.register_type_with_name::<T>(name);
    for &(property, get) in properties {
        engine.register_get(property, move |v: &mut T| get(v));
    }
    engine.register_fn("to_string", move |v: &mut T| -> ImmutableString {
        describe(v).into()
    });
    engine.register_fn("to_debug", move |v: &mut T| -> ImmutableString {
        describe(v).into()
    });
}

/// Registers the types and their properties.
pub(crate) fn register(engine: &mut Engine) {
    register_properties(engine, "File", &FILE_PROPERTIES, |f| {
        format!("File({})", f.file().path)
    });
    register_properties(engine, "Pod", &POD_PROPERTIES, |p| {
        format!("Pod({})", p.pod().name)
    });
    register_properties(engine, "CrashLoop", &CRASH_LOOP_PROPERTIES, |c| {
        format!("CrashLoop({})", c.verdict.as_str())
    });
    register_properties(engine, "CrashLoops", &CRASH_LOOPS_PROPERTIES, |g| {
        format!("CrashLoops({})", g.group.component)
    });
    register_properties(engine, "Event", &EVENT_PROPERTIES, |e| {
        format!("Event({} {})", e.event().reason, e.event().object)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs/authoring.md` names every property scripts can read.
    #[test]
    fn every_property_is_documented() {
        let doc = include_str!("../../docs/authoring.md");
        let names = (FILE_PROPERTIES.iter().map(|p| p.0))
            .chain(POD_PROPERTIES.iter().map(|p| p.0))
            .chain(CRASH_LOOP_PROPERTIES.iter().map(|p| p.0))
            .chain(CRASH_LOOPS_PROPERTIES.iter().map(|p| p.0))
            .chain(EVENT_PROPERTIES.iter().map(|p| p.0));
        let missing: Vec<&str> = names.filter(|n| !doc.contains(&format!("`{n}`"))).collect();
        assert!(missing.is_empty(), "undocumented properties: {missing:?}");
    }
}
