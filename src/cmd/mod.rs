//! Carries out the command line: the only layer that wires the stages together, adds context to
//! errors and picks exit codes.

mod analyze;
mod kb;
mod progress;

use std::process::ExitCode;

use crate::cli::{Cli, Command, KbArg, KbCommand, SynthCommand};
use crate::kb::{KbOrigin, KnowledgeBase};

/// Exit codes (documented in the README).
pub mod exit {
    /// Nothing at or above `--fail-on`.
    pub const OK: u8 = 0;
    /// A finding at or above `--fail-on`.
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
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(&args),
        Command::Digest(_args) => Err(Failure::input("digest: not available yet")),
        Command::Kb(KbCommand::Check(kb)) => kb::check(&kb),
        Command::Kb(KbCommand::ExportPatterns(kb)) => kb::export_patterns(&kb),
        Command::Synth(command) => synth(&command),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("casebook: {}", failure.message);
            ExitCode::from(failure.code)
        }
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
    }
    Ok(exit::OK)
}
