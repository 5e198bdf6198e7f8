//! The command line: clap definitions only. `cmd` carries them out.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::findings::Severity;
use crate::render::Format;
use crate::search::ItemKind;

/// Diagnose customer support bundles: scan every log against a versioned knowledge base,
/// evaluate its rules, and write the case up.
#[derive(Debug, Parser)]
#[command(name = "casebook", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyze a bundle and write the case document.
    Analyze(AnalyzeArgs),
    /// Summarise logs into templates with hit counts, storms and the loop they end in.
    Digest(DigestArgs),
    /// Knowledge-base commands.
    #[command(subcommand)]
    Kb(KbCommand),
    /// Rule authoring: scaffold a rule, run the rules' tests.
    #[command(subcommand)]
    Rule(RuleCommand),
    /// Search signatures, rules, runbooks and past cases by keyword, or by a pasted log line.
    Search(SearchArgs),
    /// Past cases: record an analysis in the knowledge base, export the records.
    #[command(subcommand)]
    Case(CaseCommand),
    /// Write synthetic bundles (the reference case, benchmark bundles).
    #[command(subcommand)]
    Synth(SynthCommand),
    /// Compare two analyses (bundles or `--format json` documents): findings that appeared,
    /// disappeared or changed severity, signatures whose counts changed most.
    Diff(DiffArgs),
    /// Print a shell completion script (e.g. `casebook completions bash > /etc/bash_completion.d/casebook`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `casebook man > casebook.1`.
    Man,
}

/// Where the knowledge base comes from.
#[derive(Debug, Clone, Args)]
pub struct KbArg {
    /// Knowledge-base root (a folder with kb/, rules/, runbooks/); default: the embedded one.
    #[arg(long, value_name = "DIR", global = true)]
    pub kb: Option<PathBuf>,
}

/// `casebook diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Before: a bundle, or the JSON of `casebook analyze --format json`.
    #[arg(value_name = "A")]
    pub a: PathBuf,
    /// After: a bundle, or an analysis JSON.
    #[arg(value_name = "B")]
    pub b: PathBuf,
    /// Output format, md or json (default: from the `-o` file's extension, else md).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the comparison here (default, and `-`: standard output).
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// No progress on standard error.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub kb: KbArg,
}

/// `casebook analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// A bundle: directory, .tar.gz/.tgz/.tar, .zip, or a single log (.gz allowed).
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    /// Case or ticket id, e.g. NVSHAS-9810.
    #[arg(long, value_name = "ID")]
    pub case: Option<String>,
    /// Title of the case (default: the most severe finding's title).
    #[arg(long)]
    pub title: Option<String>,
    /// Markdown file with the customer's description of the problem.
    #[arg(long, value_name = "FILE")]
    pub description: Option<PathBuf>,
    /// Document format (default: from the `-o` file's extension, `.md`, `.html`, `.json`; else md).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the document here (default, and `-`: standard output).
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_name = "LEVEL", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// No summary on standard error.
    #[arg(short, long)]
    pub quiet: bool,
    /// Replace IP addresses, host names and node names with consistent tokens (`ip-1`,
    /// `host-1`, `node-1`) throughout the document; secrets are masked either way.
    #[arg(long)]
    pub redact: bool,
    /// Leave out each log's digest (templates, storms, the loop it ends in): the scan then only
    /// looks for signatures, which is faster on large bundles with many warning lines.
    #[arg(long)]
    pub no_digest: bool,
    /// Explain on standard error why this rule fired or did not.
    #[arg(long, value_name = "RULE")]
    pub explain: Vec<String>,
    /// Print how the bundle was understood (layouts, which file became which data and what
    /// decided, files not used and why) on standard error, before the summary.
    #[arg(long)]
    pub show_layout: bool,
    /// Most bytes the document template may write (a knowledge base's template cannot exhaust memory).
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_template_output: usize,
    /// Most items one `range(...)` in a template may make.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_template_loop: usize,
    /// Most passes all `for` loops of the document template may make together (a nested
    /// loop's passes count on every pass of its parent).
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub max_template_iterations: u64,
    #[command(flatten)]
    pub limits: LimitArgs,
    #[command(flatten)]
    pub kb: KbArg,
}

/// Limits on what a bundle and its rules may cost; each one hit is reported in the document's
/// appendix (or as an error) with the flag that raises it.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Bytes the bundle's archives may extract to disk together.
    #[arg(long, value_name = "BYTES", default_value_t = 4 << 30, help_heading = "Limits")]
    pub max_extract_bytes: u64,
    /// How many times its compressed size one archive member may grow.
    #[arg(long, value_name = "N", default_value_t = 200, help_heading = "Limits")]
    pub max_ratio: u64,
    /// Members read from one archive.
    #[arg(long, value_name = "N", default_value_t = 100_000, help_heading = "Limits")]
    pub max_members: u64,
    /// Levels of archives inside archives opened (the bundle itself is the first).
    #[arg(long, value_name = "N", default_value_t = 3, help_heading = "Limits")]
    pub max_nesting: usize,
    /// Files read from one bundle.
    #[arg(long, value_name = "N", default_value_t = 50_000, help_heading = "Limits")]
    pub max_files: usize,
    /// Bytes of one log line matched whole (newline included; at least 4096); a longer line
    /// is matched on its first this many bytes, and listed in the document.
    #[arg(long, value_name = "BYTES", default_value_t = 2 << 20, help_heading = "Limits")]
    pub max_line_bytes: usize,
    /// Bytes of the `--description` file.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20, help_heading = "Limits")]
    pub max_description_bytes: u64,
    /// Seconds all rules together may run; rules not run by then are reported as failed.
    #[arg(long, value_name = "SECS", default_value_t = 60, help_heading = "Limits")]
    pub rule_budget: u64,
}

/// `casebook digest`.
#[derive(Debug, Args)]
pub struct DigestArgs {
    /// A log file or a bundle; `-` reads one log from standard input.
    #[arg(value_name = "FILE|BUNDLE")]
    pub input: PathBuf,
    /// One JSON object per input line: {"line": N, "template": "...", "cluster": ID}.
    #[arg(long)]
    pub per_line: bool,
    /// Print the digest as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also replace IP addresses and host names with tokens (`ip-1`, `host-1`); secrets are
    /// always masked, as in `analyze`.
    #[arg(long)]
    pub redact: bool,
    /// Bytes read at most from an input that is not a regular file (a pipe, a device).
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 30)]
    pub max_input_bytes: u64,
    #[command(flatten)]
    pub kb: KbArg,
}

/// `casebook kb ...`.
#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Load and validate the whole knowledge base; errors point at file:line:column.
    Check(KbArg),
    /// Print the knowledge base's signatures as a pattern file (one regex per line, for `rg -f`).
    ExportPatterns(KbArg),
    /// Rewrite `kb/kb.lock.json` (rule versions and logic fingerprints) after a deliberate
    /// change, and add what changed to `kb/changelog.json`.
    Lock(KbArg),
    /// List rules added, changed, deprecated and removed, per KB version.
    Changelog(ChangelogArgs),
    /// What the knowledge base holds: one line per rule, signature or runbook.
    List(ListArgs),
}

/// `casebook kb changelog`.
#[derive(Debug, Args)]
pub struct ChangelogArgs {
    /// Only versions after this one.
    #[arg(long, value_name = "VERSION")]
    pub since: Option<String>,
    #[command(flatten)]
    pub kb: KbArg,
}

/// Text or JSON listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ListFormat {
    /// One line per item.
    #[default]
    Text,
    /// A JSON array.
    Json,
}

/// `casebook kb list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only items of this kind.
    #[arg(long, value_enum)]
    pub kind: Option<ItemKind>,
    /// Only items with this tag.
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ListFormat,
    #[command(flatten)]
    pub kb: KbArg,
}

/// `casebook search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Keywords; identifiers match as written and by their parts (`rpc max conns`).
    #[arg(value_name = "QUERY", required_unless_present_any = ["line", "file"])]
    pub query: Vec<String>,
    /// A pasted log line: which signatures match it, their rules, the past cases that saw them.
    #[arg(long, value_name = "LINE", conflicts_with_all = ["query", "file"])]
    pub line: Option<String>,
    /// A log file: `--line` for each of its lines, summed by signature.
    #[arg(long, value_name = "LOG", conflicts_with = "query")]
    pub file: Option<PathBuf>,
    /// Only items of this kind.
    #[arg(long, value_enum)]
    pub kind: Option<ItemKind>,
    /// Only items with this tag.
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// At most this many results.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ListFormat,
    /// Build the index in a temporary folder and drop it afterwards (no cache).
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub kb: KbArg,
}

/// `casebook case ...`.
#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Store a compact record of an analysis (`analyze --format json`) in `kb/cases/<ID>.json`.
    Record(CaseRecordArgs),
    /// Write every case record for a search server (OpenSearch or Elasticsearch bulk API).
    Export(CaseExportArgs),
}

/// `casebook case record`.
#[derive(Debug, Args)]
pub struct CaseRecordArgs {
    /// The analysis: the JSON document of `casebook analyze --format json`.
    #[arg(value_name = "ANALYSIS.json")]
    pub analysis: PathBuf,
    /// How the case was resolved.
    #[arg(long, value_name = "TEXT")]
    pub resolution: Option<String>,
    /// The case id (default: the analysis's case id).
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// The day the case was recorded (`YYYY-MM-DD`; default: the analysis's date).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    #[command(flatten)]
    pub kb: KbArg,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Newline-delimited JSON in the bulk API's action/document pairs.
    Ndjson,
}

/// `casebook case export`.
#[derive(Debug, Args)]
pub struct CaseExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "ndjson")]
    pub format: ExportFormat,
    /// Index name in the bulk actions.
    #[arg(long, default_value = "casebook-cases")]
    pub index: String,
    #[command(flatten)]
    pub kb: KbArg,
}

/// `casebook rule ...`.
#[derive(Debug, Subcommand)]
pub enum RuleCommand {
    /// Scaffold a rule (`rules/AREA/NAME.yaml`), its runbook (`runbooks/NAME.md`) and one
    /// match and one no_match test.
    New(RuleNewArgs),
    /// Run the rules' inline and fixture-bundle tests; exit 1 when one fails.
    Test(RuleTestArgs),
}

/// `casebook rule new`.
#[derive(Debug, Args)]
pub struct RuleNewArgs {
    /// Where the rule goes: `<area>/<name>`, e.g. `neuvector/scanner-db-stale`.
    #[arg(value_name = "AREA/NAME")]
    pub name: String,
    /// Rule id (default: the area's id prefix, then the name with its first `-` as a `.`).
    #[arg(long)]
    pub id: Option<String>,
    /// Also write a rhai script beside the rule.
    #[arg(long)]
    pub script: bool,
    #[command(flatten)]
    pub kb: KbArg,
}

/// `casebook rule test`.
#[derive(Debug, Args)]
pub struct RuleTestArgs {
    /// Only rules whose id or path contains this text.
    #[arg(value_name = "FILTER")]
    pub filter: Option<String>,
    /// Seconds all rules together may run on one test's bundle.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub rule_budget: u64,
    #[command(flatten)]
    pub kb: KbArg,
}

/// `casebook synth ...`.
#[derive(Debug, Subcommand)]
pub enum SynthCommand {
    /// Write the reference bundle (case NVSHAS-9810) into DIR.
    Reference {
        /// Target directory.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// Write a deterministic benchmark bundle (about 100 MB of logs per unit of scale) into DIR
    /// and print its manifest (files, lines, planted storm counts) as JSON.
    Bench {
        /// Size: 1.0 is about 100 MB of logs, 10 about 1 GB.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Seed of the generator.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Target directory.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// Write a healthy or near-miss bundle (no finding of medium or higher may fire on it) into
    /// DIR; `--kind all` writes every kind into `DIR/<kind>/`.
    Healthy {
        /// fresh, longrun, leader-change, rollout, old-restart, or all.
        #[arg(long, default_value = "all")]
        kind: String,
        /// Target directory.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
}

fn parse_severity(text: &str) -> Result<Severity, String> {
    Severity::parse(text)
        .ok_or_else(|| format!("unknown severity `{text}` (info, low, medium, high, critical)"))
}
