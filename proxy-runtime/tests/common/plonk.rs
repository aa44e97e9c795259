//! plonk_wasm (o1js 2.15.0): the few exports an SRS round trip needs, and how to find the wasm.

use std::path::{Path, PathBuf};

use proxy_runtime::imports::Randomness;
use proxy_runtime::{Handle, ImportsPreset, ProxyConfig, Result, WasmBindgenImports, proxied};

proxy_runtime::classes! {
    /// wasm-bindgen class `WasmFpSrs`.
    pub WasmFpSrs = "__wbg_wasmfpsrs_free";
    /// wasm-bindgen class `WasmGVesta` (an affine point).
    pub WasmGVesta = "__wbg_wasmgvesta_free";
}

/// plonk_wasm's JS imports, as codegen generates them (`js_imports/README.md`).
pub mod imports {
    include!("js_imports/plonk_wasm.rs");
}

/// The few plonk_wasm exports an SRS round trip needs.
#[proxied]
pub trait PlonkSrs {
    #[replay]
    fn caml_fp_srs_create(&self, depth: i32) -> Result<Handle<WasmFpSrs>>;
    #[replay]
    fn caml_fp_srs_create_parallel(&self, depth: i32) -> Result<Handle<WasmFpSrs>>;
    fn caml_fp_srs_h(&self, srs: &Handle<WasmFpSrs>) -> Result<Handle<WasmGVesta>>;
    #[export = "__wbindgen_add_to_stack_pointer"]
    fn add_to_stack_pointer(&self, delta: i32) -> Result<i32>;
    #[export = "__wbg_get_wasmgvesta_x"]
    fn wasmgvesta_get_x(&self, retptr: i32, this: &Handle<WasmGVesta>) -> Result<()>;
    #[export = "__wbg_get_wasmgvesta_y"]
    fn wasmgvesta_get_y(&self, retptr: i32, this: &Handle<WasmGVesta>) -> Result<()>;
    /// The module's own view of its memory size.
    fn get_memory_byte_length(&self) -> Result<i32>;
    #[export = "__wbindgen_free"]
    fn wbindgen_free(&self, ptr: i32, len: i32, align: i32) -> Result<()>;
}

pub fn bindings_dir() -> Option<PathBuf> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let out = std::process::Command::new("bash")
        .arg("fixtures/o1js/fetch.sh")
        .current_dir(root)
        .output();
    let found = match out {
        Ok(o) if o.status.success() => {
            let dir = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
            dir.join("plonk_wasm_bg.wasm").exists().then_some(dir)
        }
        _ => None,
    };
    if found.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "CI: plonk_wasm_bg.wasm is needed (bash fixtures/o1js/fetch.sh)"
        );
        eprintln!("skipped: plonk_wasm_bg.wasm not available (run bash fixtures/o1js/fetch.sh)");
    }
    found
}

/// A getter that returns bytes through wasm-bindgen's return area (`retptr`), as the glue does.
pub fn field(
    p: &PlonkSrsProxy,
    point: &Handle<WasmGVesta>,
    get: fn(&PlonkSrsProxy, i32, &Handle<WasmGVesta>) -> Result<()>,
) -> Vec<u8> {
    let retptr = p.add_to_stack_pointer(-16).unwrap();
    get(p, retptr, point).unwrap();
    let area = p.read_memory(retptr as u32 as u64, 8).unwrap();
    let (ptr, len) = (
        i32::from_le_bytes(area[0..4].try_into().unwrap()),
        i32::from_le_bytes(area[4..8].try_into().unwrap()),
    );
    let bytes = p.read_memory(ptr as u32 as u64, len as u32 as u64).unwrap();
    p.wbindgen_free(ptr, len, 1).unwrap();
    p.add_to_stack_pointer(16).unwrap();
    bytes
}

pub fn h_coordinates(p: &PlonkSrsProxy, srs: &Handle<WasmFpSrs>) -> (Vec<u8>, Vec<u8>) {
    let h = p.caml_fp_srs_h(srs).unwrap();
    (
        field(p, &h, PlonkSrsProxy::wasmgvesta_get_x),
        field(p, &h, PlonkSrsProxy::wasmgvesta_get_y),
    )
}

pub fn config(dir: &Path, threads: usize) -> ProxyConfig {
    ProxyConfig::from_path(dir.join("plonk_wasm_bg.wasm"))
        .imports(ImportsPreset::WasmBindgen(WasmBindgenImports {
            randomness: Randomness::Seeded(7),
            threads,
            js_imports: imports::JS_IMPORTS,
            ..WasmBindgenImports::default()
        }))
        .module_cache(concat!(env!("CARGO_TARGET_TMPDIR"), "/module-cache"))
}
