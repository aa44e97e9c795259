// The generated shims in front of o1js's real plonk_wasm and kimchi_wasm glue
// return the same results as the glue itself for a sample of real calls.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { o1jsBindings, generate, hex } = require('./support.cjs');

const bindings = o1jsBindings();

for (const module of ['plonk_wasm', 'kimchi_wasm']) {
  const out = generate(path.join(bindings, `${module}_bg.wasm`));
  const glue = require(path.join(bindings, `${module}.cjs`));
  const shim = require(path.join(out, `${module}.proxy.cjs`));

  test(`${module}: poseidon block cipher`, () => {
    const state = new Uint8Array(96);
    state[0] = 5;
    state[32] = 7;
    assert.equal(hex(shim.caml_pasta_fp_poseidon_block_cipher(state)), hex(glue.caml_pasta_fp_poseidon_block_cipher(state)));
    assert.equal(hex(shim.caml_pasta_fq_poseidon_block_cipher(state)), hex(glue.caml_pasta_fq_poseidon_block_cipher(state)));
  });

  test(`${module}: curve points through classes`, () => {
    const affine = (m) => {
      const p = m.caml_vesta_double(m.caml_vesta_one());
      const a = m.caml_vesta_to_affine(p);
      return hex(a.x) + hex(a.y) + String(a.infinity);
    };
    assert.equal(affine(shim), affine(glue));
    const one = shim.caml_pallas_one();
    assert.ok(one instanceof shim.WasmPallasGProjective);
    assert.equal(hex(shim.caml_pallas_to_affine(shim.caml_pallas_negate(one)).y), hex(glue.caml_pallas_to_affine(glue.caml_pallas_negate(glue.caml_pallas_one())).y));
  });

  test(`${module}: SRS creation and its h point`, () => {
    const srsShim = shim.caml_fp_srs_create(4);
    const srsGlue = glue.caml_fp_srs_create(4);
    assert.ok(srsShim instanceof shim.WasmFpSrs);
    const [h1, h2] = [shim.caml_fp_srs_h(srsShim), glue.caml_fp_srs_h(srsGlue)];
    assert.equal(hex(h1.x) + hex(h1.y), hex(h2.x) + hex(h2.y));
    srsShim.free();
  });

  test(`${module}: constructors, getters and setters`, () => {
    const gen = new Uint8Array(32);
    gen[0] = 3;
    const d = new shim.WasmFpDomain(4, gen);
    assert.equal(d.log_size_of_group, 4);
    assert.equal(hex(d.group_gen), hex(new glue.WasmFpDomain(4, gen).group_gen));
    d.log_size_of_group = 6;
    assert.equal(d.log_size_of_group, 6);
  });

  test(`${module}: o1js-style pointer wrapping (Object.create + __wbg_ptr)`, () => {
    const p = shim.caml_vesta_one();
    const wrapped = Object.create(shim.WasmVestaGProjective.prototype);
    wrapped.__wbg_ptr = p.__wbg_ptr;
    assert.equal(hex(shim.caml_vesta_to_affine(wrapped).x), hex(shim.caml_vesta_to_affine(p).x));
  });

  test(`${module}: memory is read from the active instance`, () => {
    const bytes = shim.__wasmProxy.memoryBytes();
    assert.ok(bytes >= 19 * 65536, `memory ${bytes}`);
    assert.equal(bytes % 65536, 0);
  });
}
