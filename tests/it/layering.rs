//! The module graph points one way: the `crate::<module>` references of every file under `src/`
//! form a graph of top-level modules with no cycle, and the stages read the authored types from
//! the leaf module `spec`, never from `kb` (the load phase that compiles them).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Top-level module => the top-level modules its files name as `crate::<module>`, comments
/// left out.
fn graph(files: &[(String, String)]) -> Graph {
    let mut g = Graph::new();
    for (rel, text) in files {
        let top = rel.split('/').next().unwrap().trim_end_matches(".rs").to_owned();
        if top == "lib" || top == "main" {
            continue;
        }
        let edges = g.entry(top.clone()).or_default();
        for line in text.lines() {
            let code = line.split("//").next().unwrap();
            let mut rest = code;
            while let Some(at) = rest.find("crate::") {
                let after = &rest[at + "crate::".len()..];
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != top {
                    edges.insert(name);
                }
                rest = after;
            }
        }
    }
    g
}

/// A cycle of the graph, as `a -> b -> a`, if there is one.
fn cycle(g: &Graph) -> Option<String> {
    fn visit(n: &str, g: &Graph, stack: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<String> {
        if let Some(at) = stack.iter().position(|s| s == n) {
            let mut path = stack[at..].to_vec();
            path.push(n.to_owned());
            return Some(path.join(" -> "));
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_owned());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, g, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    g.keys().find_map(|n| visit(n, g, &mut Vec::new(), &mut done))
}

fn sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    walkdir::WalkDir::new(&src)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn top_level_modules_have_no_import_cycle() {
    let g = graph(&sources());
    assert!(g.len() > 10, "the source tree was not read: {g:?}");
    assert_eq!(cycle(&g), None, "import cycle between top-level modules");
}

#[test]
fn stages_read_authored_types_from_spec_not_kb() {
    let g = graph(&sources());
    for stage in [
        "bundle", "scan", "rules", "runbooks", "tables", "findings", "spec",
    ] {
        let edges = g.get(stage).unwrap_or_else(|| panic!("no module `{stage}`"));
        assert!(!edges.contains("kb"), "`{stage}` imports `kb`: {edges:?}");
    }
    let spec = &g["spec"];
    assert!(
        spec.iter().all(|m| ["diagnostic", "time"].contains(&m.as_str())),
        "`spec` is not a leaf: {spec:?}"
    );
}

#[test]
fn a_planted_cycle_is_found() {
    let files = [
        (
            "scan/mod.rs".to_owned(),
            "use crate::bundle::Bundle;\n".to_owned(),
        ),
        (
            "bundle/mod.rs".to_owned(),
            "// crate::rules in a comment is no edge\nuse crate::rules::Rule;\n".to_owned(),
        ),
        (
            "rules/mod.rs".to_owned(),
            "fn f() { crate::scan::run() }\n".to_owned(),
        ),
        (
            "spec/mod.rs".to_owned(),
            "use crate::time::Timestamp;\n".to_owned(),
        ),
    ];
    assert_eq!(
        cycle(&graph(&files)).as_deref(),
        Some("bundle -> rules -> scan -> bundle")
    );
    let acyclic = [files[0].clone(), files[3].clone()];
    assert_eq!(cycle(&graph(&acyclic)), None);
}
