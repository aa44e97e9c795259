//! The generated proxies on the real modules: build a gate vector, swap, and find it intact.
//! plonk_wasm is wasm-bindgen 0.2.89 (JS values on an object heap), kimchi_wasm 0.2.100
//! (`externref`s, `__wbindgen_start(stack_size)`, multi-value results).

use o1js_rs::{config, kimchi, plonk};
use proxy_runtime::Result;

#[test]
fn plonk_gate_vector_survives_a_swap() -> Result<()> {
    let p = plonk::PlonkWasmProxy::new(config("plonk_wasm"))?;
    let v = p.caml_pasta_fp_plonk_gate_vector_create()?;
    for row in 0..3 {
        let wires: Vec<_> = (0..7)
            .map(|col| p.wire_create(row, col))
            .collect::<Result<_>>()?;
        let [w0, w1, w2, w3, w4, w5, w6] = <[_; 7]>::try_from(wires).expect("7 wires");
        let wires = p.wasmgatewires_new(w0, w1, w2, w3, w4, w5, w6)?;
        // No coefficients: the high-level method copies an empty byte slice in.
        let gate = p.wasmfpgate_new(0, wires, &[])?;
        p.caml_pasta_fp_plonk_gate_vector_add(&v, gate)?;
    }
    assert_eq!(p.caml_pasta_fp_plonk_gate_vector_len(&v)?, 3);
    let generation = p.generation();

    p.swap()?;

    assert_eq!(p.generation(), generation + 1);
    assert_eq!(p.caml_pasta_fp_plonk_gate_vector_len(&v)?, 3);
    let gate = p.caml_pasta_fp_plonk_gate_vector_get(&v, 2)?;
    assert_eq!(p.wasmfpgate_get_typ(&gate)?, 0);
    Ok(())
}

#[test]
fn kimchi_gate_vector_survives_a_swap() -> Result<()> {
    let k = kimchi::KimchiWasmProxy::new(config("kimchi_wasm"))?;
    let v = k.caml_pasta_fq_plonk_gate_vector_create()?;
    let wires: Vec<_> = (0..7)
        .map(|col| k.wire_create(0, col))
        .collect::<Result<_>>()?;
    let [w0, w1, w2, w3, w4, w5, w6] = <[_; 7]>::try_from(wires).expect("7 wires");
    let wires = k.wasmgatewires_new(w0, w1, w2, w3, w4, w5, w6)?;
    let gate = k.wasmfqgate_new(1, wires, &[])?;
    k.caml_pasta_fq_plonk_gate_vector_add(&v, gate)?;

    k.swap()?;

    assert_eq!(k.caml_pasta_fq_plonk_gate_vector_len(&v)?, 1);
    Ok(())
}

/// A field element of Pallas's base field (Fp): the x coordinate of an SRS point, as fresh
/// wasm-owned bytes `(ptr, len)` that a raw call may take (the raw getter, through the trait).
fn fp_bytes(
    k: &kimchi::KimchiWasmProxy,
    srs: &proxy_runtime::Handle<kimchi::WasmFqSrs>,
) -> Result<(i32, i32)> {
    use kimchi::KimchiWasm;
    KimchiWasm::wasmgpallas_get_x(k, &k.caml_fq_srs_h(srs)?)
}

/// The same field element through the high-level getter: the bytes themselves.
fn fp(
    k: &kimchi::KimchiWasmProxy,
    srs: &proxy_runtime::Handle<kimchi::WasmFqSrs>,
) -> Result<Vec<u8>> {
    k.wasmgpallas_get_x(&k.caml_fq_srs_h(srs)?)
}

#[test]
fn kimchi_exports_a_typed_call_cannot_make_are_called_untyped() -> Result<()> {
    use kimchi::KimchiWasm;
    use proxy_runtime::{JsValue, Value};
    let k = kimchi::KimchiWasmProxy::new(config("kimchi_wasm"))?;

    // `get_memory(): any` returns an externref: the host's model of the JS value.
    assert!(matches!(
        k.get_memory(&[])?.as_slice(),
        [Value::Js(JsValue::Memory)]
    ));

    // `new WasmFpRandomOracles(...)`: 24 parameters, 12 field elements as (ptr, len) pairs;
    // the first two are optional (a null pointer).
    let srs = k.caml_fq_srs_create(1 << 2)?;
    let (ptr, len) = fp_bytes(&k, &srs)?;
    let expected = k.read_memory(ptr as u32 as u64, len as u32 as u64)?;
    let mut args = vec![Value::I32(0), Value::I32(0), Value::I32(0), Value::I32(0)];
    args.extend([Value::I32(ptr), Value::I32(len)]);
    for _ in 0..9 {
        let (ptr, len) = fp_bytes(&k, &srs)?;
        args.extend([Value::I32(ptr), Value::I32(len)]);
    }
    let [Value::I32(oracles)] = k.wasmfprandomoracles_new(&args)?[..] else {
        panic!("the constructor returns one pointer");
    };
    let oracles = k.adopt::<kimchi::WasmFpRandomOracles>(oracles);
    let (ptr, len) = KimchiWasm::wasmfprandomoracles_get_beta(&k, &oracles)?;
    assert_eq!(
        k.read_memory(ptr as u32 as u64, len as u32 as u64)?,
        expected
    );
    assert_eq!(k.wasmfprandomoracles_get_beta(&oracles)?, expected);
    assert_eq!(fp(&k, &srs)?, expected);

    // `initThreadPool(1, source)` takes a JS value and returns a promise; the host starts a
    // rayon worker and a parallel export then gives what the serial one gives.
    let started = k.init_thread_pool(&[Value::I32(1), Value::Js(JsValue::Str("host".into()))])?;
    assert!(matches!(started.as_slice(), [Value::Js(JsValue::Promise)]));
    let parallel = k.caml_fq_srs_create_parallel(1 << 2)?;
    let read = |(ptr, len): (i32, i32)| k.read_memory(ptr as u32 as u64, len as u32 as u64);
    assert_eq!(read(fp_bytes(&k, &parallel)?)?, expected);
    // The pool was started by an unlogged call: a standby would have none to replay the
    // parallel export on (`WasmBindgenImports::threads` gives every instance its pool).
    drop(parallel);

    // Untyped calls are not logged: the adopted handle is stale after a swap, the SRS is not.
    k.swap()?;
    assert!(k.wasmfprandomoracles_get_beta(&oracles).is_err());
    assert_eq!(fp(&k, &srs)?, expected);
    Ok(())
}

#[test]
fn kimchi_parallel_srs_survives_swaps_on_each_instances_pool() -> Result<()> {
    use proxy_runtime::{ImportsPreset, WasmBindgenImports};
    let imports = WasmBindgenImports {
        threads: 1,
        ..WasmBindgenImports::default()
    }
    .js_imports(kimchi::JS_IMPORTS);
    let k = kimchi::KimchiWasmProxy::new(
        config("kimchi_wasm").imports(ImportsPreset::WasmBindgen(imports)),
    )?;
    let serial = k.caml_fq_srs_create(1 << 6)?;
    let parallel = k.caml_fq_srs_create_parallel(1 << 6)?;
    let expected = fp(&k, &serial)?;
    assert_eq!(fp(&k, &parallel)?, expected);
    for generation in 1..=3 {
        let report = k.swap()?;
        assert_eq!(report.entries_replayed, 2);
        assert_eq!(k.generation(), generation);
        assert_eq!(fp(&k, &parallel)?, expected);
        assert_eq!(fp(&k, &serial)?, expected);
    }
    Ok(())
}
