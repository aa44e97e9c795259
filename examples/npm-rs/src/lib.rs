//! wasm-bindgen packages from the npm registry behind generated Rust proxies: modules the
//! runtime was not written against, used through the high-level methods codegen derives
//! from their glue (`compress(&self, input: &[u8]) -> Result<Vec<u8>>`).

/// `lz4-wasm-nodejs` 0.9.2 (wasm-bindgen 0.2.80, plain memory).
pub mod lz4 {
    proxy_runtime::include_proxy!("lz4_wasm_nodejs");
}

/// `brotli-wasm` 3.0.1, its `pkg.node` build (wasm-bindgen 0.2.7x, plain memory).
pub mod brotli {
    proxy_runtime::include_proxy!("brotli_wasm");
}

/// `@axiom-crypto/halo2-wasm` 0.3.4, its `js/` build (shared memory).
pub mod halo2 {
    proxy_runtime::include_proxy!("halo2_wasm");
}

use proxy_runtime::{ImportsPreset, ProxyConfig, WasmBindgenImports};

/// The proxy config of lz4-wasm-nodejs: its wasm, and the wasm-bindgen imports served as its
/// generated `JS_IMPORTS` table says.
pub fn lz4_config() -> ProxyConfig {
    ProxyConfig::from_path(env!("LZ4_WASM")).imports(ImportsPreset::WasmBindgen(
        WasmBindgenImports::default().js_imports(lz4::JS_IMPORTS),
    ))
}

/// The proxy config of brotli-wasm's node build, with its generated `JS_IMPORTS`.
pub fn brotli_config() -> ProxyConfig {
    ProxyConfig::from_path(env!("BROTLI_WASM")).imports(ImportsPreset::WasmBindgen(
        WasmBindgenImports::default().js_imports(brotli::JS_IMPORTS),
    ))
}

/// The proxy config of halo2-wasm's node build, with its generated `JS_IMPORTS`.
pub fn halo2_config() -> ProxyConfig {
    ProxyConfig::from_path(env!("HALO2_WASM")).imports(ImportsPreset::WasmBindgen(
        WasmBindgenImports::default().js_imports(halo2::JS_IMPORTS),
    ))
}
