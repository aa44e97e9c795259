// A proof driven into the memory cap traps (`unreachable` at `__rg_oom`, as at 4 GiB),
// and its retry succeeds on a fresh instance the runtime recovered to. o1js 2.15. Slow.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { runUnderProxy } = require('./support.cjs');
const { leakyO1js, PROGRAM_TIMEOUT_MINUTES } = require('./o1js/harness.cjs');

/**
 * The cap on every instance: ~390 MB after the first proof of the square program with
 * its 100 MiB leak, so the second proof's leak fails to allocate; a fresh instance
 * (~30 MB after its migration) proves again within it.
 */
const TRAP_CAP_BYTES = 450 * 2 ** 20;

test('a proof driven into the memory cap traps, and its retry succeeds on a fresh instance', () => {
  const { o1js, out } = leakyO1js('100MiB');
  const steps = runUnderProxy(path.join(__dirname, 'o1js/soak.mjs'), out, {
    O1JS: o1js,
    PROOFS: '2',
    RETRY_TRAPS: '1',
    // No automatic swap (the monitor is off): the leak fills the instance up to the cap.
    WASM_PROXY_INSTANCE_MAX_BYTES: String(TRAP_CAP_BYTES),
  }, PROGRAM_TIMEOUT_MINUTES);
  const summary = steps.summary;
  assert.ok(summary.trappedProofs >= 1, `${summary.trappedProofs} proofs trapped (the cap was not reached)`);
  assert.equal(summary.recoveries, summary.trappedProofs, 'each trap was followed by a recovery');
  assert.equal(summary.failedProofs, 0, 'every retried proof succeeded');
  assert.deepEqual(summary.standbyFailures, []);
  // Stale: what o1js made for the proof that trapped (its witness, by unlogged calls) and
  // never used again; the retry makes its own.
  assert.ok(steps['proof-error'].instance > 1, 'the retry ran on a fresh instance');
});
