//! Writes the NVSHAS-9810 reference bundle: `cargo run --example synth_reference [DIR]`
//! (default `fixtures/bundles/nvshas-9810`).

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fixtures/bundles/nvshas-9810".to_string());
    casebook::synth::write_reference_bundle(std::path::Path::new(&dir))?;
    println!("wrote {dir}");
    Ok(())
}
