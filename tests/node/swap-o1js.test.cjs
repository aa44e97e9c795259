// The swap runtime on o1js's real prover module (kimchi_wasm from the pinned o1js):
// an SRS with a cached Lagrange basis moves to a fresh instance by transfer and gives
// identical points there; every fault point leaves the active instance serving.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { MEMORY_CREEP_TOLERANCE, root, generate, hex } = require('./support.cjs');

const bindings = path.join(root, 'node_modules/o1js/dist/node/bindings/compiled/node_bindings');

/** A fresh shim (own runtime) with a rayon pool of one thread, started the way o1js does. */
async function loadShim() {
  process.env.WASM_PROXY_CHECK_INTERVAL_MS = '0';
  const out = generate(path.join(bindings, 'kimchi_wasm_bg.wasm'));
  const shim = require(`${out}/kimchi_wasm.proxy.cjs`);
  await shim.initThreadPool(1, path.join(bindings, '../../js/node/node-backend.js'));
  return shim;
}

/** What an SRS looks like from outside: h, and one commitment of its cached basis. */
function fingerprint(shim, srs) {
  const h = shim.caml_fp_srs_h(srs);
  const text = `${hex(h.x)}:${hex(h.y)}`;
  h.free();
  const comm = shim.caml_fp_srs_maybe_lagrange_commitment(srs, 32, 5);
  assert.ok(comm, 'the Lagrange basis for 32 is cached');
  // Points adopted from raw pointers, as o1js reads them; let go of them after (no
  // logged call made them, so a swap would leave them behind, and say so).
  const points = Array.from(comm.unshifted, (ptr) => {
    const p = shim.WasmGVesta.__wrap(ptr);
    const text = `${hex(p.x)}:${hex(p.y)}`;
    p.__destroy_into_raw();
    return text;
  });
  comm.free();
  return { h: text, points };
}

test('an SRS and its Lagrange basis move to a fresh instance by transfer, identical', async () => {
  const shim = await loadShim();
  const runtime = shim.__wasmProxy;
  const srs = shim.caml_fp_srs_create(1 << 10);
  const alias = shim.caml_fp_srs_create(1 << 10);
  shim.caml_fp_srs_add_lagrange_basis(srs, 5);
  shim.caml_fp_srs_add_lagrange_basis(alias, 5);
  const before = fingerprint(shim, srs);
  let fresh;
  for (let i = 0; i < 3; i++) {
    const result = await runtime.swap();
    assert.equal(result.transferred, 2);
    assert.equal(result.stale, 0);
    assert.deepEqual(fingerprint(shim, srs), before);
    assert.deepEqual(fingerprint(shim, alias), before);
    // Each fresh instance holds the same state: its memory at the flip does not creep up swap
    // after swap. (Measured at the flip, not after the reads above: reading the SRS may
    // allocate in the instance, 17 pages at times, which is the program's work, not a creep.)
    fresh ??= result.memoryAfter;
    assert.ok(result.memoryAfter <= fresh * MEMORY_CREEP_TOLERANCE, `swap ${i + 1}: ${result.memoryAfter} bytes at the flip, after the first ${fresh}`);
  }
});

test('a prover index moves by an encode on a side thread of the old instance: the same bytes, a short pause', async () => {
  const shim = await loadShim();
  const runtime = shim.__wasmProxy;
  // Off by default (see the setting); this keeps the side-thread path itself tested.
  runtime.settings.sideThreads = true;
  const srs = shim.caml_fq_srs_create(1 << 8);
  const gates = shim.caml_pasta_fq_plonk_gate_vector_create();
  for (let row = 0; row < 4; row++) {
    const wires = new shim.WasmGateWires(...Array.from({ length: 7 }, (_, i) => shim.Wire.create(row, i)));
    shim.caml_pasta_fq_plonk_gate_vector_add(gates, new shim.WasmFqGate(1, wires, new Uint8Array(32 * 5)));
  }
  const index = shim.caml_pasta_fq_plonk_index_create(gates, 0, new Uint32Array(0), new Uint32Array(0), 0, srs, false);
  const before = hex(shim.caml_pasta_fq_plonk_index_encode(index));
  for (let i = 0; i < 2; i++) {
    const result = await runtime.swap();
    // The SRS and the index (built-in transfers), the gate vector (its own serialize/deserialize).
    assert.equal(result.transferred, 3, 'the SRS, the index and the gate vector');
    assert.equal(result.stale, 0);
    assert.equal(result.unverified, 0, 'every live object was compared with its original');
    assert.equal(hex(shim.caml_pasta_fq_plonk_index_encode(index)), before);
    assert.equal(shim.caml_pasta_fq_plonk_index_domain_d1_size(index), 8);
  }
});

for (const fault of ['instantiate', 'workers', 'replay', 'check', 'oom']) {
  test(`o1js module, fault at ${fault}: the active instance keeps serving with the same results`, async () => {
    const shim = await loadShim();
    const runtime = shim.__wasmProxy;
    const srs = shim.caml_fp_srs_create(1 << 14);
    shim.caml_fp_srs_add_lagrange_basis(srs, 5);
    // A gate vector is rebuilt by replay (the fault `replay` hits it).
    const gates = shim.caml_pasta_fp_plonk_gate_vector_create();
    const wires = new shim.WasmGateWires(...Array.from({ length: 7 }, (_, i) => shim.Wire.create(0, i)));
    shim.caml_pasta_fp_plonk_gate_vector_add(gates, new shim.WasmFpGate(1, wires, new Uint8Array(32 * 15)));
    const digest = hex(shim.caml_pasta_fp_plonk_gate_vector_digest(0, gates));
    const before = fingerprint(shim, srs);
    runtime.settings.fault = fault;
    await assert.rejects(runtime.swap(), (error) => error.name === 'SwapError' && error.stage === fault);
    assert.equal(runtime.active.id, 1);
    assert.deepEqual(fingerprint(shim, srs), before);
    assert.equal(hex(shim.caml_pasta_fp_plonk_gate_vector_digest(0, gates)), digest);
    assert.match(runtime.metrics(), new RegExp(`stage="${fault}"\\} 1`));
    runtime.settings.fault = undefined;
    const result = await runtime.swap();
    assert.equal(result.replayed > 0, true);
    assert.deepEqual(fingerprint(shim, srs), before);
    assert.equal(hex(shim.caml_pasta_fp_plonk_gate_vector_digest(0, gates)), digest);
  });
}
