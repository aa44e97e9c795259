//! @axiom-crypto/halo2-wasm 0.3.4 (`js/`, shared memory) through its generated high-level
//! methods: a circuit configured with a JS object (read by serde-wasm-bindgen through the
//! host's JS values) keeps its cells across swaps, rebuilt by replaying the calls that made
//! them (the configuration object and the strings included), equal to a never-swapped one.

use npm_rs::halo2::Halo2WasmModuleProxy;
use npm_rs::halo2_config;
use proxy_runtime::{JsValue, Result};

/// The configuration the package's own examples start from.
fn config() -> JsValue {
    JsValue::object([
        ("k", JsValue::Number(10.0)),
        ("numAdvice", JsValue::Number(1.0)),
        ("numLookupAdvice", JsValue::Number(1.0)),
        ("numInstance", JsValue::Number(1.0)),
        ("numLookupBits", JsValue::Number(9.0)),
        ("numVirtualInstance", JsValue::Number(1.0)),
    ])
}

/// Configures a circuit and builds a few cells (`5 + 7`, `(5 + 7) * 3`), calling `between`
/// after each step; the values read back.
fn cells(p: &Halo2WasmModuleProxy, between: impl Fn() -> Result<()>) -> Result<Vec<String>> {
    let circuit = p.halo2wasm_new()?;
    p.halo2wasm_config(&circuit, &config())?;
    between()?;
    let lib = p.halo2libwasm_new(&circuit)?;
    let a = p.halo2libwasm_witness(&lib, "5")?;
    between()?;
    let b = p.halo2libwasm_constant(&lib, "7")?;
    let sum = p.halo2libwasm_add(&lib, a, b)?;
    between()?;
    let three = p.halo2libwasm_constant(&lib, "3")?;
    let product = p.halo2libwasm_mul(&lib, sum, three)?;
    between()?;
    [a, b, sum, product]
        .into_iter()
        .map(|cell| p.halo2libwasm_value(&lib, cell))
        .collect()
}

#[test]
fn a_configured_circuit_keeps_its_cells_across_swaps_on_a_shared_memory() -> Result<()> {
    let reference = Halo2WasmModuleProxy::new(halo2_config())?;
    let shared = reference.with_instance(|i| i.store_mut().data().shared_memory().is_some());
    assert!(shared, "the module imports a shared memory");
    let expected = cells(&reference, || Ok(()))?;
    let hex = |n: u8| format!("0x{n:064x}");
    assert_eq!(expected[2..], [hex(12), hex(36)]);

    let p = Halo2WasmModuleProxy::new(halo2_config())?;
    let swapped = cells(&p, || p.swap().map(|_| ()))?;
    assert_eq!(p.generation(), 4);
    assert_eq!(swapped, expected);
    Ok(())
}

/// Automatic swaps: one right after a circuit is made and before it is configured once
/// found that observing an unconfigured circuit (`getVk()` panics) left it borrowed; only
/// serialisations and getters observe now, and the standby is observed first.
#[test]
fn circuits_swap_on_their_own_under_a_small_budget() -> Result<()> {
    let reference = Halo2WasmModuleProxy::new(halo2_config())?;
    let expected = cells(&reference, || Ok(()))?;
    // 1.5 times what one circuit needs, swapping at half of it: each circuit crosses it.
    let peak = reference.memory_bytes();
    let p = Halo2WasmModuleProxy::new(
        halo2_config()
            .memory_budget(peak + peak / 2)
            .swap_threshold(0.5),
    )?;
    for round in 0..3 {
        assert_eq!(cells(&p, || Ok(()))?, expected, "round {round}");
    }
    assert!(
        p.generation() >= 1,
        "the monitor swapped (memory {} of {} bytes)",
        p.memory_bytes(),
        p.cap_bytes()
    );
    Ok(())
}
