//! The generated proxies on the real modules: build a gate vector, swap, and find it intact.
//! Both modules' proxies compile (the crate's build); kimchi's run waits on the runtime.

use o1js_rs::{config, kimchi, plonk};
use proxy_runtime::Result;

#[test]
fn plonk_gate_vector_survives_a_swap() -> Result<()> {
    use plonk::PlonkWasm;
    let p = plonk::PlonkWasmProxy::new(config("plonk_wasm"))?;
    let v = p.caml_pasta_fp_plonk_gate_vector_create()?;
    for row in 0..3 {
        let wires: Vec<_> = (0..7)
            .map(|col| p.wire_create(row, col))
            .collect::<Result<_>>()?;
        let [w0, w1, w2, w3, w4, w5, w6] = <[_; 7]>::try_from(wires).expect("7 wires");
        let wires = p.wasmgatewires_new(w0, w1, w2, w3, w4, w5, w6)?;
        // No coefficients: an empty byte vector (a dangling, aligned pointer of length 0).
        let gate = p.wasmfpgate_new(0, wires, 1, 0)?;
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
#[ignore = "proxy-runtime does not instantiate kimchi_wasm yet: its `__wbindgen_start` takes an i32"]
fn kimchi_gate_vector_survives_a_swap() -> Result<()> {
    use kimchi::KimchiWasm;
    let k = kimchi::KimchiWasmProxy::new(config("kimchi_wasm"))?;
    let v = k.caml_pasta_fq_plonk_gate_vector_create()?;
    let wires: Vec<_> = (0..7)
        .map(|col| k.wire_create(0, col))
        .collect::<Result<_>>()?;
    let [w0, w1, w2, w3, w4, w5, w6] = <[_; 7]>::try_from(wires).expect("7 wires");
    let wires = k.wasmgatewires_new(w0, w1, w2, w3, w4, w5, w6)?;
    let gate = k.wasmfqgate_new(1, wires, 1, 0)?;
    k.caml_pasta_fq_plonk_gate_vector_add(&v, gate)?;

    k.swap()?;

    assert_eq!(k.caml_pasta_fq_plonk_gate_vector_len(&v)?, 1);
    Ok(())
}
