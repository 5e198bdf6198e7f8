use clap::Parser;

fn main() -> std::process::ExitCode {
    casebook::cmd::run(casebook::cli::Cli::parse())
}
