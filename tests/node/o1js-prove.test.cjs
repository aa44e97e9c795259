// End to end with real o1js (pinned in package-lock.json): a small ZkProgram compiled
// once keeps proving across a swap to a fresh wasm instance, under `node -r
// register.cjs` and no change to o1js; the same with the kill switch on. (The old layout,
// o1js 2.2.0's `_node_bindings/plonk_wasm.cjs`, proves across swaps in
// o1js-recursive-2.2 and o1js-contract-2.2.) Slow: a compile and two proofs each.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { root, generate, runUnderProxy } = require('./support.cjs');
const { PROGRAM_TIMEOUT_MINUTES } = require('./o1js/harness.cjs');

const prover = path.join(__dirname, 'o1js/prover.mjs');

/**
 * Runs the prover under the proxy generated for `wasm`; returns its report lines by step.
 * @param {string} wasm
 * @param {string} o1js package to import
 * @param {Record<string, string>} env
 */
function prove(wasm, o1js, env = {}) {
  return runUnderProxy(prover, generate(wasm), { GLUE: wasm.replace(/_bg\.wasm$/, '.cjs'), O1JS: o1js, ...env }, PROGRAM_TIMEOUT_MINUTES);
}

const kimchi = path.join(root, 'node_modules/o1js/dist/node/bindings/compiled/node_bindings/kimchi_wasm_bg.wasm');

/**
 * What every proxied run must show: proofs verify on both sides of the swap.
 * @param {object} steps
 */
function assertSwapped(steps) {
  assert.equal(steps['proof-before'].ok, true);
  assert.equal(steps['proof-after-1'].ok, true);
  const swap = steps.swap;
  assert.equal(swap.from, 1);
  assert.equal(swap.to, 2);
  assert.equal(swap.stale, 0, `${swap.stale} handles left behind`);
  assert.ok(swap.transferred >= 4, `SRS and prover indexes transferred (${swap.transferred})`);
  // The fresh instance holds the live state only: less than the grown one.
  assert.ok(swap.memoryAfter < swap.memoryBefore, `${swap.memoryAfter} < ${swap.memoryBefore}`);
  // The old instance's memory is unmapped: as many wasm memories as before the swap.
  assert.equal(swap.reservationsAfter, swap.reservationsBefore, 'the retired instance still holds its memory');
  assert.match(steps.metrics.text, /wasm_proxy_swaps_total\{module="\w+"\} 1/);
  assert.match(steps.metrics.text, /wasm_proxy_retired_instances_total\{module="\w+"\} 1/);
}

test('o1js 2.15 (kimchi_wasm): compile, prove, swap, prove again; every proof verifies', () => {
  assertSwapped(prove(kimchi, 'o1js'));
});

test('kill switch: WASM_PROXY_DISABLE=1 leaves o1js on the real module, proofs verify', () => {
  const steps = prove(kimchi, 'o1js', { WASM_PROXY_DISABLE: '1' });
  assert.equal(steps['proof-before'].ok, true);
  assert.equal(steps.swap, undefined, 'no proxy, no swap');
  assert.equal(steps.compile.stats, undefined);
});
