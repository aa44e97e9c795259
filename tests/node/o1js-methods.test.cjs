// A ZkProgram of three methods on o1js 2.15, each proved for the first time after a
// swap (its prover index made in the fresh instance). Slow.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { runProgram, assertSwaps } = require('./o1js/harness.cjs');

test('o1js 2.15.0: multi-method ZkProgram, each method proved for the first time after a swap, none hangs', () => {
  const steps = runProgram('methods', '2.15.0');
  for (const method of ['rotate', 'xor', 'and']) assert.equal(steps[`verify-${method}`]?.ok, true, method);
  assertSwaps(steps, 2);
});
