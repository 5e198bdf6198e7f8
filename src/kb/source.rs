//! Where a knowledge base's files come from: the copy embedded in the binary at build time, or a
//! directory named with `--kb` that holds `kb/`, `rules/` and `runbooks/`.

use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};

use crate::diagnostic::Diagnostic;
use crate::spec::KbFile;

static EMBEDDED_KB: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/kb");
static EMBEDDED_RULES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/rules");
static EMBEDDED_RUNBOOKS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/runbooks");
/// Fixture bundles that rule tests name (`bundle: fixtures/bundles/...`), so `rule test` runs
/// every test of the embedded knowledge base anywhere.
static EMBEDDED_FIXTURES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/fixtures");

/// Writes the embedded fixture bundle `rel` (`fixtures/bundles/<name>`) under `to`; `Ok(false)`
/// when the binary holds no such fixture.
pub fn extract_embedded_fixture(rel: &str, to: &Path) -> std::io::Result<bool> {
    let Some(dir) = rel
        .trim_start_matches("./")
        .strip_prefix("fixtures/")
        .and_then(|inner| EMBEDDED_FIXTURES.get_dir(inner.trim_end_matches('/')))
    else {
        return Ok(false);
    };
    let base = dir.path();
    for file in walk_embedded(dir) {
        let rel = file.path().strip_prefix(base).unwrap_or(file.path());
        let target = to.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&target, file.contents())?;
    }
    Ok(true)
}

fn walk_embedded<'a>(dir: &'a Dir<'a>) -> Vec<&'a include_dir::File<'a>> {
    let mut out: Vec<&include_dir::File<'_>> = dir.files().collect();
    for sub in dir.dirs() {
        out.extend(walk_embedded(sub));
    }
    out
}

/// The three top-level folders of a knowledge base.
pub const ROOTS: [&str; 3] = ["kb", "rules", "runbooks"];

/// Which knowledge base to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KbOrigin {
    /// The knowledge base compiled into the binary.
    Embedded,
    /// A directory holding `kb/`, `rules/` and `runbooks/`.
    Dir(PathBuf),
}

impl KbOrigin {
    /// How the origin is named in reports.
    pub fn describe(&self) -> String {
        match self {
            KbOrigin::Embedded => "embedded".to_owned(),
            KbOrigin::Dir(dir) => dir.display().to_string(),
        }
    }
}

/// Reads every file of the knowledge base, sorted by path. Unreadable or non-UTF-8 files are
/// reported as diagnostics and left out.
pub fn read_files(origin: &KbOrigin) -> Result<(Vec<KbFile>, Vec<Diagnostic>), Diagnostic> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    match origin {
        KbOrigin::Embedded => {
            for (root, dir) in [
                ("kb", &EMBEDDED_KB),
                ("rules", &EMBEDDED_RULES),
                ("runbooks", &EMBEDDED_RUNBOOKS),
            ] {
                collect_embedded(root, dir, &mut files, &mut problems);
            }
        }
        KbOrigin::Dir(base) => {
            if !base.join("kb").is_dir() {
                return Err(Diagnostic::file(
                    base.display().to_string(),
                    "not a knowledge base: no `kb/` folder",
                )
                .with_hint(
                    "--kb takes a folder holding kb/, rules/ and runbooks/ (the repository root is one)",
                ));
            }
            for root in ROOTS {
                collect_dir(base, &base.join(root), &mut files, &mut problems);
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((files, problems))
}

fn collect_embedded(root: &str, dir: &Dir<'_>, files: &mut Vec<KbFile>, problems: &mut Vec<Diagnostic>) {
    for entry in dir.entries() {
        if let Some(sub) = entry.as_dir() {
            collect_embedded(root, sub, files, problems);
        } else if let Some(file) = entry.as_file() {
            let path = format!("{root}/{}", file.path().to_string_lossy().replace('\\', "/"));
            match file.contents_utf8() {
                Some(text) => files.push(KbFile {
                    path,
                    text: text.to_owned(),
                }),
                None => problems.push(Diagnostic::file(path, "not valid UTF-8")),
            }
        }
    }
}

fn collect_dir(base: &Path, dir: &Path, files: &mut Vec<KbFile>, problems: &mut Vec<Diagnostic>) {
    if !dir.is_dir() {
        return;
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                problems.push(Diagnostic::file(dir.display().to_string(), err.to_string()));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(base)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        match std::fs::read_to_string(entry.path()) {
            Ok(text) => files.push(KbFile { path: rel, text }),
            Err(err) => problems.push(Diagnostic::file(rel, format!("cannot read: {err}"))),
        }
    }
}
