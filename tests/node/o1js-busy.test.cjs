// A busy prover (proofs back to back, never idle) on an o1js 2.15 whose kimchi leaks on
// every proof: the monitor must swap on its own between proofs, and no proof fails. Slow.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runUnderProxy } = require('./support.cjs');
const { leakyO1js, PROGRAM_TIMEOUT_MINUTES } = require('./o1js/harness.cjs');

test('a busy prover on a leaking kimchi swaps on its own between proofs, and no proof fails', () => {
  const { o1js, out } = leakyO1js('100MiB');
  const steps = runUnderProxy(path.join(__dirname, 'o1js/soak.mjs'), out, {
    O1JS: o1js,
    PROOFS: '5',
    // ~290 MB after the first proof, +100 MiB per proof: over the thresholds after each.
    WASM_PROXY_MAX_BYTES: String(600 * 2 ** 20),
    WASM_PROXY_PREPARE_AT: '0.5',
    WASM_PROXY_SWAP_AT: '0.6',
    WASM_PROXY_CHECK_INTERVAL_MS: '1000',
  }, PROGRAM_TIMEOUT_MINUTES);
  const summary = steps.summary;
  assert.equal(summary.failedProofs, 0);
  assert.ok(summary.swaps >= 2, `${summary.swaps} automatic swaps`);
  assert.deepEqual(summary.standbyFailures, []);
  // Without swaps this run reaches ~820 MB.
  assert.ok(summary.wasmHighWaterBytes < 600 * 2 ** 20, `wasm memory high-water mark ${summary.wasmHighWaterBytes}`);
});
