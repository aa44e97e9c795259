// The Rust guide is this crate's documentation, so `cargo test -p guide-rs` compiles and runs
// every Rust block of it as a doc test (hidden `# ` lines hold the setup a reader does not need
// to see). `vendor/` and build.rs are the guide's steps 1 and 2 on lz4-wasm-nodejs 0.9.2, and
// the code below is its step 3 (tests/guide.rs checks that the guide quotes it as written).
#![doc = include_str!("../../../docs/rust-guide.md")]

// src/lib.rs
/// lz4-wasm-nodejs 0.9.2 behind a proxy: `lz4::Lz4WasmNodejsProxy`.
pub mod lz4 {
    proxy_runtime::include_proxy!("lz4_wasm_nodejs"); // OUT_DIR/lz4_wasm_nodejs.rs
}

use proxy_runtime::{ImportsPreset, ProxyConfig, WasmBindgenImports};

/// The module, and its wasm-bindgen imports served as its generated table says.
pub fn lz4_config() -> ProxyConfig {
    let wasm = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/vendor/lz4_wasm_nodejs_bg.wasm"
    );
    ProxyConfig::from_path(wasm).imports(ImportsPreset::WasmBindgen(
        WasmBindgenImports::default().js_imports(lz4::JS_IMPORTS),
    ))
}
