//! Which pod and which component a file belongs to, so rules can name a process by what it is
//! rather than by the file it was logged in. In: the merged pods, the file's path and kind; out:
//! `bundle.pod_of(file)`, `bundle.component_of(file)` and `bundle.namespace_of(file)`
//! (docs/authoring.md).
//!
//! A file belongs to the pod its path names: a segment equal to the pod's name or starting with
//! it before `.`, `_` or `-` (`<pod>.log`, `<pod>_<container>.log`, `<pod>-previous.log`,
//! `<pod>/<container>.log`), or the `<namespace>_<pod>_<uid>` directory of `/var/log/pods`. The
//! longest name wins, so `web-1` never takes `web-12`'s file.

use crate::tables::{owner_guess, Pod};

/// The file name without directories, compression, rotation and log extensions
/// (`app-7d9f-x2k4p.log.1.gz` => `app-7d9f-x2k4p`).
fn stem(path: &str) -> &str {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let mut s = base.strip_suffix(".gz").unwrap_or(base);
    // Rotation suffixes: `.1`, `.2`.
    if let Some((head, tail)) = s.rsplit_once('.') {
        if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) {
            s = head;
        }
    }
    for ext in [".log", ".txt", ".out", ".json"] {
        if let Some(head) = s.strip_suffix(ext) {
            return head;
        }
    }
    s
}

/// A `/var/log/pods/<namespace>_<pod>_<uid>/` directory's namespace, pod and uid.
fn pods_dir(segment: &str) -> Option<(&str, &str, &str)> {
    let mut parts = segment.split('_');
    let (ns, pod, uid) = (parts.next()?, parts.next()?, parts.next()?);
    let whole = parts.next().is_none() && !ns.is_empty() && !pod.is_empty() && !uid.is_empty();
    whole.then_some((ns, pod, uid))
}

/// Whether a path segment names the pod.
fn names(segment: &str, pod: &str) -> bool {
    if let Some(rest) = segment.strip_prefix(pod) {
        return rest.is_empty() || rest.starts_with(['.', '_', '-']);
    }
    pods_dir(segment).is_some_and(|(_, p, _)| p == pod)
}

/// The index of the pod the file's path names, if any (the longest name when several do).
pub(crate) fn pod_of(pods: &[Pod], path: &str) -> Option<usize> {
    let segments: Vec<&str> = path.split(['/', '\\']).filter(|s| !s.is_empty()).collect();
    (pods.iter().enumerate())
        .filter(|(_, p)| !p.name.is_empty() && segments.iter().any(|s| names(s, &p.name)))
        .max_by_key(|(i, p)| (p.name.len(), std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
}

/// What process wrote the file: the component its kind names (`controller-log` => `controller`
/// when `controller` is a component), else its pod's component or workload, else the workload
/// its file name reads as (`coredns-66bff467f8-4xk2p.log` => `coredns`).
pub(crate) fn component_of(pods: &[Pod], components: &[String], path: &str, kind: Option<&str>) -> String {
    if let Some(c) = kind.and_then(|k| k.strip_suffix("-log")) {
        if components.iter().any(|id| id == c) {
            return c.to_owned();
        }
    }
    if let Some(pod) = pod_of(pods, path).map(|i| &pods[i]) {
        let name = (pod.component.as_deref())
            .or(pod.workload.as_deref())
            .unwrap_or_else(|| owner_guess(&pod.name));
        return name.to_owned();
    }
    owner_guess(stem(path)).to_owned()
}

/// The namespace of the pod that wrote the file: its listed pod's, else the one the
/// `/var/log/pods/<namespace>_<pod>_<uid>` directory names, else (a knowledge-base component's
/// log) one its component's pods list or the product's namespace, else a directory named like a
/// namespace some listed pod is in (`kube-system/coredns.log`).
pub(crate) fn namespace_of(
    pods: &[Pod],
    components: &[String],
    product_namespace: Option<&str>,
    path: &str,
    kind: Option<&str>,
) -> Option<String> {
    if let Some(ns) = pod_of(pods, path).and_then(|i| pods[i].namespace.clone()) {
        return Some(ns);
    }
    let segments: Vec<&str> = path.split(['/', '\\']).filter(|s| !s.is_empty()).collect();
    for s in &segments {
        if let Some((ns, _, _)) = pods_dir(s).filter(|(_, _, uid)| uid.len() >= 8) {
            return Some(ns.to_owned());
        }
    }
    let component = component_of(pods, components, path, kind);
    if components.contains(&component) {
        let listed = (pods.iter())
            .filter(|p| p.component.as_deref() == Some(component.as_str()))
            .find_map(|p| p.namespace.clone());
        return listed.or_else(|| product_namespace.map(str::to_owned));
    }
    let dirs = &segments[..segments.len().saturating_sub(1)];
    (dirs.iter().rev())
        .find(|d| pods.iter().any(|p| p.namespace.as_deref() == Some(**d)))
        .map(|d| (*d).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str) -> Pod {
        Pod {
            name: name.into(),
            ..Pod::default()
        }
    }

    #[test]
    fn paths_name_their_pod_in_the_usual_layouts() {
        let pods = [pod("web-1"), pod("web-12"), pod("coredns-66bff467f8-4xk2p")];
        assert_eq!(pod_of(&pods, "logs/web-12.log"), Some(1));
        assert_eq!(pod_of(&pods, "logs/web-1_app.log"), Some(0));
        assert_eq!(pod_of(&pods, "ns/web-1/app.log"), Some(0));
        assert_eq!(
            pod_of(
                &pods,
                "var/log/pods/kube-system_coredns-66bff467f8-4xk2p_0c1f/coredns/0.log"
            ),
            Some(2)
        );
        assert_eq!(pod_of(&pods, "logs/web-123.log"), None);
    }

    #[test]
    fn components_come_from_the_kind_then_the_pod_then_the_name() {
        let mut ctl = pod("neuvector-controller-pod-5d8f9c7b4-abcde");
        ctl.component = Some("controller".into());
        let pods = [ctl, pod("coredns-66bff467f8-4xk2p")];
        let ids = ["controller".to_owned()];
        let c = |path, kind| component_of(&pods, &ids, path, kind);
        assert_eq!(c("a/x.log", Some("controller-log")), "controller");
        assert_eq!(
            c("a/neuvector-controller-pod-5d8f9c7b4-abcde.log", Some("log")),
            "controller"
        );
        assert_eq!(c("kube-system/coredns-66bff467f8-4xk2p.log", None), "coredns");
        assert_eq!(
            c("logs/prow-plank-7d9f8c6b5-xk2pq.log.1.gz", Some("log")),
            "prow-plank"
        );
        assert_eq!(c("logs/app.log", Some("log")), "app");
        assert_eq!(c("logs/x.log", Some("weird-log")), "x");
    }

    #[test]
    fn namespaces_come_from_the_pod_the_path_or_the_product() {
        let mut ctl = pod("neuvector-controller-pod-5d8f9c7b4-abcde");
        ctl.component = Some("controller".into());
        let mut dns = pod("coredns-66bff467f8-4xk2p");
        dns.namespace = Some("kube-system".into());
        let pods = [ctl, dns];
        let ids = ["controller".to_owned(), "enforcer".to_owned()];
        let ns = |path, kind| namespace_of(&pods, &ids, Some("nv"), path, kind);
        assert_eq!(
            ns("coredns-66bff467f8-4xk2p.log", None).as_deref(),
            Some("kube-system")
        );
        assert_eq!(
            ns(
                "var/log/pods/apps_web-7d9f8c6b5-xk2pq_3f1e2d4c-aaaa/web/0.log",
                None
            )
            .as_deref(),
            Some("apps")
        );
        assert_eq!(ns("x/enforcer.log", Some("enforcer-log")).as_deref(), Some("nv"));
        assert_eq!(ns("kube-system/other.log", None).as_deref(), Some("kube-system"));
        assert_eq!(ns("logs/other.log", None), None);
    }
}
