//! Real plonk_wasm (o1js 2.15.0) under wasmtime: wasm-bindgen imports, shared memory, the rayon
//! pool, and an SRS that survives a swap with identical points.
//!
//! Needs `bash fixtures/o1js/fetch.sh` (run by scripts/test). Without it the test fails under
//! `CI=true` and is skipped with a message otherwise.

use std::path::PathBuf;
use std::time::Instant;

use proxy_runtime::{Handle, ImportsPreset, ProxyConfig, RawValue, Result, WasmBindgenImports, proxied};
use proxy_runtime::imports::Randomness;

proxy_runtime::classes! {
    /// wasm-bindgen class `WasmFpSrs`.
    pub WasmFpSrs = "__wbg_wasmfpsrs_free";
    /// wasm-bindgen class `WasmGVesta` (an affine point).
    pub WasmGVesta = "__wbg_wasmgvesta_free";
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

fn bindings_dir() -> Option<PathBuf> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let out = std::process::Command::new("bash").arg("fixtures/o1js/fetch.sh").current_dir(root).output();
    let found = match out {
        Ok(o) if o.status.success() => {
            let dir = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
            dir.join("plonk_wasm_bg.wasm").exists().then_some(dir)
        }
        _ => None,
    };
    if found.is_none() {
        assert!(std::env::var("CI").is_err(), "CI: plonk_wasm_bg.wasm is needed (bash fixtures/o1js/fetch.sh)");
        eprintln!("skipped: plonk_wasm_bg.wasm not available (run bash fixtures/o1js/fetch.sh)");
    }
    found
}

/// A getter that returns bytes through wasm-bindgen's return area (`retptr`), as the glue does.
fn field(p: &PlonkSrsProxy, point: &Handle<WasmGVesta>, get: fn(&PlonkSrsProxy, i32, &Handle<WasmGVesta>) -> Result<()>) -> Vec<u8> {
    let retptr = p.add_to_stack_pointer(-16).unwrap();
    get(p, retptr, point).unwrap();
    let area = p.read_memory(retptr as u32 as u64, 8).unwrap();
    let (ptr, len) = (i32::from_le_bytes(area[0..4].try_into().unwrap()), i32::from_le_bytes(area[4..8].try_into().unwrap()));
    let bytes = p.read_memory(ptr as u32 as u64, len as u32 as u64).unwrap();
    p.wbindgen_free(ptr, len, 1).unwrap();
    p.add_to_stack_pointer(16).unwrap();
    bytes
}

fn h_coordinates(p: &PlonkSrsProxy, srs: &Handle<WasmFpSrs>) -> (Vec<u8>, Vec<u8>) {
    let h = p.caml_fp_srs_h(srs).unwrap();
    (field(p, &h, PlonkSrsProxy::wasmgvesta_get_x), field(p, &h, PlonkSrsProxy::wasmgvesta_get_y))
}

fn config(dir: &std::path::Path, threads: usize) -> ProxyConfig {
    ProxyConfig::from_path(dir.join("plonk_wasm_bg.wasm"))
        .imports(ImportsPreset::WasmBindgen(WasmBindgenImports { randomness: Randomness::Seeded(7), threads }))
        .module_cache(concat!(env!("CARGO_TARGET_TMPDIR"), "/module-cache"))
}

#[test]
fn an_srs_survives_a_swap_with_identical_points() {
    let Some(dir) = bindings_dir() else { return };
    let t = Instant::now();
    let p = PlonkSrsProxy::new(config(&dir, 0)).expect("plonk_wasm instantiates under wasmtime");
    eprintln!("plonk: compile (or cache load) + first instance: {:?}", t.elapsed());
    let srs = p.caml_fp_srs_create(1 << 8).unwrap();
    let (x, y) = h_coordinates(&p, &srs);
    assert_eq!((x.len(), y.len()), (32, 32), "field elements are 32 bytes");
    assert_ne!(x, vec![0; 32]);

    // Grow the active with state nobody keeps: a larger SRS, dropped.
    let t = Instant::now();
    let big = p.caml_fp_srs_create(1 << 14).unwrap();
    eprintln!("plonk: SRS of 2^14 points: {:?}", t.elapsed());
    // The host's view of the shared memory is the module's own.
    assert_eq!(p.memory_bytes(), p.get_memory_byte_length().unwrap() as u64);
    drop(big);
    p.collect();

    let t = Instant::now();
    let fresh = p.fresh_instance().unwrap();
    eprintln!("plonk: fresh instance: {:?}", t.elapsed());
    drop(fresh);

    let report = p.swap().expect("swap");
    eprintln!(
        "plonk: swap with SRS of 2^8 points: {:?} (pause {:?}), memory {} -> {} bytes",
        report.duration, report.pause, report.memory_before, report.memory_after
    );
    assert_eq!(report.entries_replayed, 1, "only the live SRS is rebuilt");
    assert!(report.memory_after < report.memory_before, "memory goes back down");
    assert_eq!(h_coordinates(&p, &srs), (x.clone(), y.clone()), "replayed SRS gives the same h");

    // A probe that compares h between active and standby on the next swap.
    let srs = std::sync::Arc::new(srs);
    let probed = srs.clone();
    p.add_probe("srs h", move |cx| {
        let ptr = cx.ptr(&probed)?;
        let h = cx.call("caml_fp_srs_h", &[RawValue::I32(ptr)])?;
        Ok(format!("{h:?}").into_bytes())
    });
    p.swap().expect("probe agrees");
    assert_eq!(h_coordinates(&p, &srs), (x, y));
}

#[test]
fn parallel_exports_run_on_the_host_rayon_pool_across_swaps() {
    let Some(dir) = bindings_dir() else { return };
    let p = PlonkSrsProxy::new(config(&dir, 1)).expect("instance with a one-worker pool");
    let serial = p.caml_fp_srs_create(1 << 8).unwrap();
    let parallel = p.caml_fp_srs_create_parallel(1 << 8).unwrap();
    let expected = h_coordinates(&p, &serial);
    assert_eq!(h_coordinates(&p, &parallel), expected, "parallel and serial SRS agree");
    let report = p.swap().expect("swap replays a parallel export on the new pool");
    eprintln!("plonk: swap with two SRS of 2^8 points (one parallel): {:?}", report.duration);
    assert_eq!(h_coordinates(&p, &parallel), expected);
    assert_eq!(h_coordinates(&p, &serial), expected);
}
