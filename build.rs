//! Rebuilds the binary when the embedded knowledge base changes (include_dir cannot tell cargo).

fn main() {
    for dir in ["kb", "rules", "runbooks"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
