//! Prints the per-line template assignment of one log file as JSON Lines
//! (`{"line":N,"template":"...","cluster":ID}`), for scoring with loghub's `evaluate.py`.
//!
//! Usage: `cargo run --release --example digest_per_line -- FILE [--digest]`
//! (`--digest` prints the human summary instead).

use std::fs::File;
use std::io::{self, BufReader};

use casebook::digest::{digest_reader, render_text, write_per_line, DigestOptions};

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: digest_per_line FILE [--digest]");
        std::process::exit(2);
    };
    let opts = DigestOptions::default();
    let reader = BufReader::with_capacity(1 << 20, File::open(path)?);
    if args.iter().any(|a| a == "--digest") {
        let d = digest_reader(reader, &opts)?;
        print!("{}", render_text(path, &d));
        return Ok(());
    }
    let stdout = io::stdout();
    write_per_line(reader, stdout.lock(), &opts)
}
