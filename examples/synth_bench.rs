//! Writes a benchmark bundle and prints its manifest and the time taken:
//! `cargo run --release --example synth_bench -- SCALE DIR [SEED]`.

use std::time::Instant;

use casebook::synth::{write_bench_bundle, BenchOptions};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let scale: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let dir = args.next().unwrap_or_else(|| "out/bench".to_string());
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(42);
    let started = Instant::now();
    let manifest = write_bench_bundle(std::path::Path::new(&dir), &BenchOptions { scale, seed })?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::to_string_pretty(&manifest).expect("manifest serializes")
    );
    eprintln!(
        "{} files, {} bytes ({} on disk), {} lines in {secs:.2}s ({:.1} MB/s)",
        manifest.files.len(),
        manifest.bytes,
        manifest.disk_bytes,
        manifest.lines,
        manifest.bytes as f64 / secs / 1e6
    );
    Ok(())
}
