//! Compiles the counter fixture's WAT and generates its Rust proxy with `codegen::Builder`.

use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/bindgen/counter");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);

    let wat = fixture.join("counter_bg.wat");
    println!("cargo:rerun-if-changed={}", wat.display());
    let wasm = out_dir.join("counter_bg.wasm");
    let bytes = wat::parse_file(&wat)?;
    // Rewriting an unchanged file would make its rerun-if-changed fire on every build.
    if std::fs::read(&wasm).ok().as_deref() != Some(bytes.as_slice()) {
        std::fs::write(&wasm, bytes)?;
    }

    let generation = codegen::Builder::new()
        .wasm(&wasm)
        .typings(fixture.join("counter.d.ts"))
        .glue(fixture.join("counter.cjs"))
        .replay_policy_file("replay.toml")
        .generate()?;
    if let Some(shim) = generation.rust {
        // Shown by `cargo build -vv`.
        println!(
            "counter proxy: {} methods, {} replayed",
            shim.methods, shim.replayed
        );
    }
    Ok(())
}
