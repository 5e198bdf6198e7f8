//! Carries out the command line: the only layer that wires the stages together, adds context to
//! errors and picks exit codes.

mod analyze;
mod case;
mod diff;
mod digest;
mod explain;
mod kb;
mod layout;
mod progress;
mod rule;
mod search;

use std::process::ExitCode;

use crate::cli::{Cli, Command, KbArg, KbCommand, RuleCommand, SynthCommand};
use crate::kb::{KbOrigin, KnowledgeBase};

/// Exit codes (documented in `docs/exit-codes.md`).
pub mod exit {
    /// Nothing at or above `--fail-on`.
    pub const OK: u8 = 0;
    /// A finding at or above `--fail-on`; for `rule test`, a test that failed.
    pub const FINDINGS: u8 = 1;
    /// Usage or input error.
    pub const INPUT: u8 = 2;
    /// Knowledge base invalid.
    pub const KB: u8 = 3;
}

/// An error at the edge, with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: u8,
    /// Message for standard error.
    pub message: String,
}

impl Failure {
    /// An input or usage problem.
    pub fn input(message: impl Into<String>) -> Self {
        Failure {
            code: exit::INPUT,
            message: message.into(),
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    remove_temp_on_signal();
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(&args),
        Command::Digest(args) => digest::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Kb(KbCommand::Check(kb)) => kb::check(&authoring_kb(&kb)),
        Command::Rule(RuleCommand::New(args)) => rule::new(&args, &authoring_kb(&args.kb)),
        Command::Rule(RuleCommand::Test(args)) => rule::test(&args, &authoring_kb(&args.kb)),
        Command::Kb(KbCommand::ExportPatterns(kb)) => kb::export_patterns(&kb),
        Command::Kb(KbCommand::Lock(kb)) => kb::lock(&authoring_kb(&kb)),
        Command::Kb(KbCommand::Changelog(args)) => kb::changelog(&args, &authoring_kb(&args.kb)),
        Command::Kb(KbCommand::List(args)) => kb::list(&args),
        Command::Search(args) => search::run(&args),
        Command::Case(command) => case::run(&command),
        Command::Synth(command) => synth(&command),
        Command::Completions { shell } => completions(shell),
        Command::Man => man(),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            // Messages quote file names and lines from the bundle.
            eprintln!("casebook: {}", crate::render::printable(&failure.message));
            ExitCode::from(failure.code)
        }
    }
}

/// On SIGINT or SIGTERM, removes the extracted bundle (customer data) before exiting with
/// 128 + the signal number, as a shell reports a process the signal ended.
fn remove_temp_on_signal() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            crate::bundle::remove_all_extracted();
            std::process::exit(128 + signal);
        }
    });
}

/// The knowledge base an authoring command works on: `--kb`, else the current directory when it
/// is a knowledge-base root (authors edit files there), else the embedded one.
fn authoring_kb(arg: &KbArg) -> KbArg {
    match &arg.kb {
        Some(_) => arg.clone(),
        None if std::path::Path::new("kb").is_dir() => KbArg {
            kb: Some(std::path::PathBuf::from(".")),
        },
        None => arg.clone(),
    }
}

/// Loads the knowledge base named by `--kb` (or the embedded one).
pub fn load_kb(arg: &KbArg) -> Result<KnowledgeBase, Failure> {
    let origin = arg.kb.clone().map_or(KbOrigin::Embedded, KbOrigin::Dir);
    KnowledgeBase::load(&origin).map_err(|problems| Failure {
        code: exit::KB,
        message: format!(
            "knowledge base {} cannot be used:\n{}",
            origin.describe(),
            problems
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    })
}

/// Shell completions, generated from the clap definition.
fn completions(shell: clap_complete::Shell) -> Result<u8, Failure> {
    let mut command = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut command, "casebook", &mut std::io::stdout());
    Ok(exit::OK)
}

/// The man page, generated from the clap definition.
fn man() -> Result<u8, Failure> {
    let command = <Cli as clap::CommandFactory>::command();
    clap_mangen::Man::new(command)
        .render(&mut std::io::stdout())
        .map_err(|e| Failure::input(format!("cannot write the man page: {e}")))?;
    Ok(exit::OK)
}

fn synth(command: &SynthCommand) -> Result<u8, Failure> {
    let io = |dir: &std::path::Path, e: std::io::Error| Failure::input(format!("{}: {e}", dir.display()));
    match command {
        SynthCommand::Reference { output } => {
            crate::synth::write_reference_bundle(output).map_err(|e| io(output, e))?;
        }
        SynthCommand::Bench { scale, seed, output } => {
            let opts = crate::synth::BenchOptions {
                scale: *scale,
                seed: *seed,
            };
            let manifest = crate::synth::write_bench_bundle(output, &opts).map_err(|e| io(output, e))?;
            println!(
                "{}",
                serde_json::to_string_pretty(&manifest).expect("manifest serialises")
            );
        }
        SynthCommand::Healthy { kind, output } => {
            use crate::synth::HealthyKind;
            let kinds: Vec<(HealthyKind, std::path::PathBuf)> = if kind == "all" {
                HealthyKind::ALL
                    .iter()
                    .map(|k| (*k, output.join(k.name())))
                    .collect()
            } else {
                let k = HealthyKind::parse(kind).ok_or_else(|| {
                    let names: Vec<&str> = HealthyKind::ALL.iter().map(|k| k.name()).collect();
                    Failure::input(format!(
                        "unknown kind `{kind}` (expected {} or all)",
                        names.join(", ")
                    ))
                })?;
                vec![(k, output.clone())]
            };
            for (k, dir) in kinds {
                let files = crate::synth::write_healthy_bundle(&dir, k).map_err(|e| io(&dir, e))?;
                eprintln!("{}: {} file(s) in {}", k.name(), files.len(), dir.display());
            }
        }
    }
    Ok(exit::OK)
}
