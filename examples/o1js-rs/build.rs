//! Generates the Rust proxies of o1js's plonk_wasm and kimchi_wasm with `codegen::Builder`.
//!
//! The modules come from the pinned o1js package (`fixtures/o1js/fetch.sh`, cached after
//! the first fetch), or from `O1JS_BINDINGS` when set. Without them the build fails: the
//! point of this crate is that the generated code compiles.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bindings() -> Result<PathBuf, String> {
    println!("cargo:rerun-if-env-changed=O1JS_BINDINGS");
    if let Some(dir) = std::env::var_os("O1JS_BINDINGS") {
        return Ok(PathBuf::from(dir));
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/o1js/fetch.sh");
    let output = Command::new("bash")
        .arg(&script)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed (set O1JS_BINDINGS to the o1js node_bindings directory):\n{}",
            script.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim(),
    ))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = bindings()?;
    for module in ["plonk_wasm", "kimchi_wasm"] {
        // The o1js replay profile is the default for these two module names.
        codegen::Builder::new()
            .wasm(dir.join(format!("{module}_bg.wasm")))
            .generate()?;
    }
    println!("cargo:rustc-env=O1JS_BINDINGS_DIR={}", dir.display());
    Ok(())
}
