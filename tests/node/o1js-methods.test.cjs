// A ZkProgram of three methods on o1js 2.15, proved one after another with a swap between
// each (xor and and first proved after a swap: their prover indexes made in the fresh
// instance), then the first again after a third swap. A first run, then a run from the
// prover-key cache it filled (each method's key decoded from the cache on the instance of
// the moment: the shape that once hung after a swap). Slow.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { runProgram, assertSwaps } = require('./o1js/harness.cjs');
const { tempDir } = require('./support.cjs');

test('o1js 2.15.0: multi-method ZkProgram, a first run and a run from its cache, three methods with a swap between each and the first again after a third, none hangs', () => {
  const cacheDir = tempDir('o1js-cache');
  for (const run of ['a first run', 'from the cache']) {
    const steps = runProgram('methods', '2.15.0', { CACHE_DIR: cacheDir });
    for (const method of ['rotate', 'xor', 'and', 'rotate-again']) assert.equal(steps[`verify-${method}`]?.ok, true, `${run}: ${method}`);
    assertSwaps(steps, 3);
  }
});
