//! Generates the Rust proxies of pinned npm packages with `codegen::Builder`: each package is
//! fetched and checked against its pin by `fixtures/npm/fetch.sh` (cached after the first
//! fetch). Without it the build fails: the point of this crate is that the generated code
//! compiles and runs against modules the runtime was not written for.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The unpacked directory of a pinned package.
fn fetch(name: &str, version: &str) -> Result<PathBuf, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/npm/fetch.sh");
    println!("cargo:rerun-if-changed={}", script.display());
    let output = Command::new("bash")
        .arg(&script)
        .args([name, version])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} {name} {version} failed:\n{}",
            script.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim(),
    ))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // lz4-wasm-nodejs 0.9.2: wasm-bindgen 0.2.80, a plain (unshared) memory, bytes in and
    // out through the return area, an error thrown as a heap object.
    let lz4 = fetch("lz4-wasm-nodejs", "0.9.2")?;
    let wasm = lz4.join("lz4_wasm_nodejs_bg.wasm");
    codegen::Builder::new().wasm(&wasm).generate()?;
    println!("cargo:rustc-env=LZ4_WASM={}", wasm.display());

    // brotli-wasm 3.0.1 (`pkg.node/`): wasm-bindgen 0.2.7x (objects passed as `this.ptr`),
    // a plain memory, stream classes whose state only a replay with the same bytes rebuilds.
    let brotli = fetch("brotli-wasm", "3.0.1")?;
    let wasm = brotli.join("pkg.node/brotli_wasm_bg.wasm");
    codegen::Builder::new().wasm(&wasm).generate()?;
    println!("cargo:rustc-env=BROTLI_WASM={}", wasm.display());

    // @axiom-crypto/halo2-wasm 0.3.4 (`js/`): a shared memory (`env.memory`, built for
    // wasm-bindgen-rayon), a configuration passed as a JS object (read by
    // serde-wasm-bindgen), objects that hold a circuit under construction.
    let halo2 = fetch("@axiom-crypto/halo2-wasm", "0.3.4")?;
    let wasm = halo2.join("js/halo2_wasm_bg.wasm");
    codegen::Builder::new().wasm(&wasm).generate()?;
    println!("cargo:rustc-env=HALO2_WASM={}", wasm.display());
    Ok(())
}
