//! The guide's build script (docs/rust-guide.md, step 2) on lz4-wasm-nodejs 0.9.2. `vendor/` is
//! a link into the repository's checked package cache, which `fixtures/npm/fetch.sh` fills
//! (a newcomer unpacks the package there by hand).

use std::path::Path;
use std::process::Command;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let script = Path::new("../../fixtures/npm/fetch.sh");
    println!("cargo:rerun-if-changed={}", script.display());
    let fetched = Command::new("bash")
        .arg(script)
        .args(["lz4-wasm-nodejs", "0.9.2"])
        .output()?;
    if !fetched.status.success() {
        return Err(format!(
            "fetch.sh lz4-wasm-nodejs 0.9.2 failed:\n{}",
            String::from_utf8_lossy(&fetched.stderr)
        )
        .into());
    }

    // From here on, the guide's build.rs as written.
    codegen::Builder::new()
        .wasm("vendor/lz4_wasm_nodejs_bg.wasm") // the .d.ts and the glue .js are found beside it
        .generate()?; // writes OUT_DIR/lz4_wasm_nodejs.rs, rewritten only when it changes
    Ok(())
}
