// A ZkProgram of three methods on o1js 2.15, each proved for the first time after a
// swap (its prover index made in the fresh instance), a first run and then a run from
// the prover-key cache it filled (where each method's key is decoded from the cache on
// the fresh instance: the shape that once hung after a swap). Slow.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { runProgram, assertSwaps } = require('./o1js/harness.cjs');
const { tempDir } = require('./support.cjs');

test('o1js 2.15.0: multi-method ZkProgram, a first run and a run from its cache, each method proved for the first time after a swap, none hangs', () => {
  const cacheDir = tempDir('o1js-cache');
  for (const run of ['a first run', 'from the cache']) {
    const steps = runProgram('methods', '2.15.0', { CACHE_DIR: cacheDir });
    for (const method of ['rotate', 'xor', 'and']) assert.equal(steps[`verify-${method}`]?.ok, true, `${run}: ${method}`);
    assertSwaps(steps, 2);
  }
});
