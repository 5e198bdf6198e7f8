//! The knowledge base and its load phase: manifest, file kinds and components, signatures,
//! rules (rhai compiled), runbooks and document templates, all read and validated before any
//! bundle is opened. `kb check` is this load phase plus cross-checks.
//!
//! A broken rule, signature or runbook is reported as a `Diagnostic` and left out; the rest of
//! the knowledge base still loads, so one typo never stops an analysis. Only a missing or broken
//! manifest or kinds file is fatal.

pub mod changelog;
mod check;
pub mod fingerprint;
pub mod lock;
mod source;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use sha2::{Digest, Sha256};

pub use crate::spec::{
    hex, version_compare, Applicability, BundleMap, CaseFinding, CaseKb, CaseRecord, CaseTemplate,
    ComponentSpec, Expectation, FileFormat, KbFile, KindSpec, Manifest, RuleSignature, RuleSpec, RuleStatus,
    RuleTest, Signature, SignatureFile, SignatureSpec, VersionReq,
};
pub use check::{cross_check, FINDING_FIELDS};
pub use source::{extract_embedded_fixture, read_files, KbOrigin, ROOTS};

use crate::bundle::FileKinds;
use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleSet, SignatureRef};
use crate::runbooks::RunbookIndex;
use crate::tables::Components;
use crate::templating::Templates;

/// The knowledge base's name and version.
pub const MANIFEST: &str = "kb/kb.yaml";
/// The former name of [`MANIFEST`], still read when `kb/kb.yaml` is absent.
const LEGACY_MANIFEST: &str = "kb/manifest.yaml";
const KINDS: &str = "kb/kinds.yaml";

/// A loaded, validated knowledge base.
pub struct KnowledgeBase {
    /// Where it was loaded from.
    pub origin: KbOrigin,
    /// Name and version.
    pub manifest: Manifest,
    /// SHA-256 over every file (path and content), hex: identifies the exact content.
    pub fingerprint: String,
    /// File kinds, as authored.
    pub kind_specs: Vec<KindSpec>,
    /// File kinds, compiled.
    pub kinds: FileKinds,
    /// Workload components.
    pub components: Components,
    /// Literals marking warning-or-worse lines, for the digest (see `kb/kinds.yaml`).
    pub level_markers: Vec<String>,
    /// Every signature: shared ones, then each rule's own, in load order.
    pub signatures: Vec<Signature>,
    /// The rules, compiled.
    pub rules: RuleSet,
    /// Runbooks by id.
    pub runbooks: RunbookIndex,
    /// The document templates (`case.md`, `case.html`), compiled: its own over the defaults
    /// (the defaults alone when its own do not compile).
    pub templates: Templates,
    /// Past cases (`kb/cases/*.json`), by id.
    pub cases: Vec<CaseRecord>,
    /// Problems found while loading; the items concerned were left out.
    pub problems: Vec<Diagnostic>,
    /// Every file's text by path, so later checks can point into it.
    pub sources: BTreeMap<String, String>,
}

impl std::fmt::Debug for KnowledgeBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeBase")
            .field("name", &self.manifest.name)
            .field("version", &self.manifest.version)
            .field("rules", &self.rules.rules().len())
            .finish_non_exhaustive()
    }
}

impl KnowledgeBase {
    /// Loads and validates the knowledge base at `origin`. `Err` only when it cannot be used at
    /// all; other problems are in [`KnowledgeBase::problems`].
    pub fn load(origin: &KbOrigin) -> Result<KnowledgeBase, Vec<Diagnostic>> {
        let (files, mut problems) = read_files(origin).map_err(|d| vec![d])?;
        let by_path: BTreeMap<&str, &KbFile> = files.iter().map(|f| (f.path.as_str(), f)).collect();
        let fingerprint = fingerprint(&files);

        let (manifest_path, manifest_file) = [MANIFEST, LEGACY_MANIFEST]
            .into_iter()
            .find_map(|p| by_path.get(p).map(|f| (p, *f)))
            .ok_or_else(|| vec![Diagnostic::file(MANIFEST, "missing")])?;
        let manifest: Manifest =
            crate::yaml::from_str(manifest_path, &manifest_file.text).map_err(|d| vec![d])?;
        if let Some(min) = &manifest.min_casebook {
            if version_compare(min, env!("CARGO_PKG_VERSION")) == std::cmp::Ordering::Greater {
                return Err(vec![Diagnostic::at_key(
                    manifest_path,
                    &manifest_file.text,
                    "min_casebook",
                    min,
                    format!(
                        "this knowledge base needs casebook {min} or newer; this is {}",
                        env!("CARGO_PKG_VERSION")
                    ),
                )]);
            }
        }
        let kinds_file = by_path
            .get(KINDS)
            .ok_or_else(|| vec![Diagnostic::file(KINDS, "missing")])?;
        let map: BundleMap = crate::yaml::from_str(KINDS, &kinds_file.text).map_err(|d| vec![d])?;
        let kinds = FileKinds::new(&map.kinds, KINDS, &kinds_file.text)?;
        let components = Components::new(&map.components, KINDS, &kinds_file.text)?;
        let kind_ids: BTreeSet<&str> = map.kinds.iter().map(|k| k.id.as_str()).collect();

        // The YAML first (it is quick), so that what takes time, the signatures' regexes and
        // the document templates, compiles on every core at once.
        let shared_files: Vec<(&KbFile, Result<SignatureFile, Diagnostic>)> = files
            .iter()
            .filter(|f| is_under(f, "kb/signatures/", ".yaml"))
            .map(|f| (f, crate::yaml::from_str(&f.path, &f.text)))
            .collect();
        let rule_files: Vec<(&KbFile, Result<RuleSpec, Diagnostic>)> = files
            .iter()
            .filter(|f| is_under(f, "rules/", ".yaml"))
            .map(|f| (f, crate::yaml::from_str(&f.path, &f.text)))
            .collect();
        let patterns: BTreeSet<String> = shared_files
            .iter()
            .filter_map(|(_, parsed)| parsed.as_ref().ok())
            .flat_map(|p| p.signatures.iter().map(|s| s.regex.clone()))
            .chain(
                rule_files
                    .iter()
                    .filter_map(|(_, spec)| spec.as_ref().ok())
                    .flat_map(|r| r.signatures.iter().map(|s| s.regex.clone())),
            )
            .collect();
        let template_texts: BTreeMap<String, String> = files
            .iter()
            .filter_map(|f| {
                let name = f.path.strip_prefix("kb/templates/")?.strip_suffix(".tera")?;
                Some((name.to_owned(), f.text.clone()))
            })
            .collect();
        let (compiled, templates) = compile_all(&patterns, &template_texts);
        let compile = |id: String, spec: SignatureSpec, file: &KbFile| {
            let regex = compiled
                .get(spec.regex.as_str())
                .cloned()
                .unwrap_or_else(|| regex::bytes::Regex::new(&spec.regex));
            Signature::with_regex(id, spec, regex, &file.path, &file.text)
        };

        // Shared signatures.
        let mut signatures = Vec::new();
        let mut seen_ids = BTreeSet::new();
        for (file, parsed) in shared_files {
            let parsed = match parsed {
                Ok(p) => p,
                Err(d) => {
                    problems.push(d);
                    continue;
                }
            };
            for spec in parsed.signatures {
                check_kinds(&spec.kinds, &kind_ids, &file.path, &file.text, &mut problems);
                if !seen_ids.insert(spec.id.clone()) {
                    problems.push(Diagnostic::at_text(
                        &file.path,
                        &file.text,
                        &spec.id,
                        format!("duplicate signature id `{}`", spec.id),
                    ));
                    continue;
                }
                match compile(spec.id.clone(), spec, file) {
                    Ok(sig) => {
                        if version_product(&sig).is_some() && !sig.captures.iter().any(|c| c == "version") {
                            problems.push(
                                Diagnostic::at_text(
                                    &file.path,
                                    &file.text,
                                    &sig.id,
                                    format!(
                                        "signature `{}` reads a product version but has no `version` capture",
                                        sig.id
                                    ),
                                )
                                .with_hint("name the group: `(?P<version>v?[0-9.]+)`"),
                            );
                            continue;
                        }
                        signatures.push(sig)
                    }
                    Err(d) => problems.push(d),
                }
            }
        }

        // Rules and their own signatures.
        let engine = crate::rules::engine();
        let mut rules: Vec<Rule> = Vec::new();
        let mut rule_paths: BTreeMap<String, String> = BTreeMap::new();
        let mut clashes: Vec<Diagnostic> = Vec::new();
        for (file, spec) in rule_files {
            let spec = match spec {
                Ok(s) => s,
                Err(d) => {
                    problems.push(d);
                    continue;
                }
            };
            if let Some(first) = rule_paths.get(&spec.id) {
                // Fatal: which of the two is the real rule cannot be known, and loading by path
                // order would let either displace the other silently.
                clashes.push(
                    Diagnostic::at_text(
                        &file.path,
                        &file.text,
                        &spec.id,
                        format!("duplicate rule id `{}`: {first} defines it too", spec.id),
                    )
                    .with_hint("every rule needs its own id; rename one of the two"),
                );
                continue;
            }
            rule_paths.insert(spec.id.clone(), file.path.clone());
            let script_path = format!("{}.rhai", file.path.trim_end_matches(".yaml"));
            let script_file = by_path.get(script_path.as_str()).copied();
            let mut local = Vec::new();
            let mut broken = false;
            for rs in &spec.signatures {
                check_kinds(&rs.kinds, &kind_ids, &file.path, &file.text, &mut problems);
                let id = format!("{}/{}", spec.id, rs.id);
                match compile(id, rs.to_spec(), file) {
                    Ok(sig) => local.push(sig),
                    Err(d) => {
                        problems.push(d);
                        broken = true;
                    }
                }
            }
            for used in &spec.uses {
                if !seen_ids.contains(used) {
                    problems.push(
                        Diagnostic::at_text(
                            &file.path,
                            &file.text,
                            used,
                            format!("unknown shared signature `{used}`"),
                        )
                        .with_hint("shared signatures live in kb/signatures/*.yaml"),
                    );
                    broken = true;
                }
            }
            if broken {
                continue;
            }
            let names = rule_signature_names(&spec, &local, &signatures);
            match Rule::compile(&engine, spec, file, script_file, names) {
                Ok(rule) => {
                    signatures.extend(local);
                    rules.push(rule);
                }
                Err(d) => problems.extend(d),
            }
        }

        if !clashes.is_empty() {
            return Err(clashes);
        }

        let (runbooks, runbook_problems) =
            RunbookIndex::load(files.iter().filter(|f| is_under(f, "runbooks/", ".md")));
        problems.extend(runbook_problems);

        let templates = templates.unwrap_or_else(|d| {
            // Never replaced silently: the problem is reported wherever KB problems are.
            problems.push(d.with_hint("the embedded default templates are used instead of this KB's"));
            Templates::defaults()
        });

        let version_signatures = signatures
            .iter()
            .filter_map(|s| version_product(s).map(|p| (p.to_owned(), s.id.clone())))
            .collect();
        let rules = RuleSet::new(engine, rules).with_version_signatures(version_signatures);
        // A placeholder typo is a KB problem: `kb check` and `analyze` report it (exit 3).
        // Every section is compiled as a template, which takes longer than anything else
        // at start-up: the runbooks are checked on every core.
        let pages: Vec<_> = runbooks.iter().collect();
        let placeholder_problems: Vec<Vec<Diagnostic>> = pages
            .par_iter()
            .map(|rb| {
                let produced: BTreeSet<String> = rules
                    .rules()
                    .iter()
                    .filter(|r| rb.meta.rules.contains(&r.spec.id))
                    .flat_map(|r| r.params_produced())
                    .collect();
                let text = files
                    .iter()
                    .find(|f| f.path == rb.path)
                    .map_or("", |f| f.text.as_str());
                rb.check_placeholders(text, &produced)
            })
            .collect();
        problems.extend(placeholder_problems.into_iter().flatten());
        let cases = load_cases(&files, &mut problems);
        problems.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
        Ok(KnowledgeBase {
            origin: origin.clone(),
            manifest,
            fingerprint,
            kind_specs: map.kinds,
            level_markers: map.level_markers,
            kinds,
            components,
            signatures,
            rules,
            runbooks,
            templates,
            cases,
            problems,
            sources: files.into_iter().map(|f| (f.path, f.text)).collect(),
        })
    }

    /// A signature by global id.
    pub fn signature(&self, id: &str) -> Option<&Signature> {
        self.signatures.iter().find(|s| s.id == id)
    }

    /// `name version (fingerprint prefix)`, as printed in documents.
    pub fn describe(&self) -> String {
        format!(
            "{} {} ({})",
            self.manifest.name,
            self.manifest.version,
            &self.fingerprint[..12]
        )
    }
}

/// The names a rule may pass to `bundle.*`: its own signatures by local id, the shared ones of
/// `uses:` by global id.
fn rule_signature_names(
    spec: &RuleSpec,
    local: &[Signature],
    shared: &[Signature],
) -> BTreeMap<String, SignatureRef> {
    let own = spec.signatures.iter().zip(local).map(|(rs, sig)| {
        (
            rs.id.clone(),
            SignatureRef {
                id: sig.id.clone(),
                captures: sig.captures.clone(),
            },
        )
    });
    let used = spec.uses.iter().filter_map(|id| {
        shared.iter().find(|s| &s.id == id).map(|sig| {
            (
                id.clone(),
                SignatureRef {
                    id: sig.id.clone(),
                    captures: sig.captures.clone(),
                },
            )
        })
    });
    own.chain(used).collect()
}

/// The product whose version a signature reads: tagged `product-version:<product>`.
pub fn version_product(sig: &Signature) -> Option<&str> {
    sig.spec
        .tags
        .iter()
        .find_map(|t| t.strip_prefix("product-version:"))
}

/// Each distinct signature regex, compiled (or why not).
type Compiled = HashMap<String, Result<regex::bytes::Regex, regex::Error>>;

/// What takes time in loading, on every core: each distinct signature regex, and the
/// document templates.
fn compile_all(
    patterns: &BTreeSet<String>,
    templates: &BTreeMap<String, String>,
) -> (Compiled, Result<Templates, Diagnostic>) {
    rayon::join(
        || {
            patterns
                .par_iter()
                .map(|p| (p.clone(), regex::bytes::Regex::new(p)))
                .collect()
        },
        || Templates::compile(templates),
    )
}

/// Folder of the past cases.
pub const CASES: &str = "kb/cases/";

/// Every readable case record, sorted by id; unreadable ones are problems.
fn load_cases(files: &[KbFile], problems: &mut Vec<Diagnostic>) -> Vec<CaseRecord> {
    let parsed: Vec<Result<CaseRecord, Diagnostic>> = files
        .par_iter()
        .filter(|f| is_under(f, CASES, ".json"))
        .map(|f| {
            serde_json::from_str(&f.text).map_err(|e| {
                Diagnostic::at(
                    &f.path,
                    &f.text,
                    e.line(),
                    e.column(),
                    format!("unreadable case record: {e}"),
                )
            })
        })
        .collect();
    let mut cases = Vec::new();
    for p in parsed {
        match p {
            Ok(c) => cases.push(c),
            Err(d) => problems.push(d),
        }
    }
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    cases
}

/// The past cases in which `rule` fired, oldest first.
pub fn cases_with_rule<'a>(cases: &'a [CaseRecord], rule: &str) -> Vec<&'a CaseRecord> {
    let mut out: Vec<&CaseRecord> = cases.iter().filter(|c| c.finding(rule).is_some()).collect();
    out.sort_by(|a, b| (&a.date, &a.id).cmp(&(&b.date, &b.id)));
    out
}

fn is_under(file: &KbFile, dir: &str, ext: &str) -> bool {
    file.path.starts_with(dir) && file.path.ends_with(ext)
}

fn check_kinds(
    kinds: &[String],
    known: &BTreeSet<&str>,
    path: &str,
    text: &str,
    problems: &mut Vec<Diagnostic>,
) {
    for kind in kinds {
        if !known.contains(kind.as_str()) {
            problems.push(
                Diagnostic::at_text(path, text, kind, format!("unknown file kind `{kind}`")).with_hint(
                    format!(
                        "kinds are declared in {KINDS}: {}",
                        known.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                ),
            );
        }
    }
}

/// The content hash of the knowledge base at `origin` (as [`KnowledgeBase::fingerprint`])
/// without loading it.
pub fn content_hash(origin: &KbOrigin) -> Option<String> {
    read_files(origin).ok().map(|(files, _)| fingerprint(&files))
}

/// SHA-256 over every file's path and content, in path order.
fn fingerprint(files: &[KbFile]) -> String {
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(f.path.as_bytes());
        hasher.update([0]);
        hasher.update(f.text.as_bytes());
        hasher.update([0]);
    }
    hex(&hasher.finalize())
}
