// Real o1js programs across swaps (o1js 2.15, kimchi_wasm), under `node -r register.cjs`
// with no change to o1js: a recursive ZkProgram whose step after each swap takes the
// proof made before it, compiled without a prover-key cache (a first run); a ZkProgram
// of three methods proved one after another
// with a swap between each; a SmartContract on a local chain with proofs enabled,
// a transaction after each swap; and a busy prover (proofs back to back, never idle) on
// a kimchi that leaks per proof, which must swap on its own without a failed proof.
// Slow: each is a real compile and real proofs. Every wait is bounded (a hang fails).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { root, generate, tempDir, codegenBin, runUnderProxy } = require('./support.cjs');

const programs = path.join(__dirname, 'o1js/programs.mjs');
const kimchi = path.join(root, 'node_modules/o1js/dist/node/bindings/compiled/node_bindings/kimchi_wasm_bg.wasm');

const run = runUnderProxy;

/**
 * The trap test's cap on every instance: ~390 MB after the first proof of the square
 * program with its 100 MiB leak, so the second proof's leak fails to allocate; a fresh
 * instance (~30 MB after its migration) proves again within it.
 */
const TRAP_CAP_BYTES = 450 * 2 ** 20;

/**
 * Every swap of a run: complete, nothing left behind, and each fresh instance holds the
 * same state (its memory does not creep swap after swap). After a proof the fresh
 * instance holds less than the grown one; right after a compile it may hold more (the
 * transferred prover indexes carry what o1js computes lazily on the first proof).
 */
function assertSwaps(steps, count) {
  const first = steps['swap-1'];
  for (let i = 1; i <= count; i++) {
    const swap = steps[`swap-${i}`];
    assert.ok(swap, `swap ${i} did not happen`);
    assert.equal(swap.to, swap.from + 1);
    assert.equal(swap.stale, 0, `swap ${i}: ${swap.stale} handles left behind`);
    assert.ok(swap.memoryAfter <= first.memoryAfter * 1.05, `swap ${i}: ${swap.memoryAfter} bytes after, ${first.memoryAfter} after the first`);
    if (i > 1) assert.ok(swap.memoryAfter < swap.memoryBefore, `swap ${i}: ${swap.memoryAfter} < ${swap.memoryBefore}`);
  }
  assert.match(steps.metrics.text, new RegExp(`wasm_proxy_swaps_total\\{module="kimchi_wasm"\\} ${count}`));
}

test('recursive ZkProgram: a step after each of 3 swaps verifies the proof made before it (a first run, no cache)', () => {
  const steps = run(programs, generate(kimchi), { PROGRAM: 'recursive', CACHE_DIR: tempDir('o1js-cache'), SWAPS: '3' });
  assert.equal(steps['verify-base'].ok, true);
  for (let i = 1; i <= 3; i++) {
    assert.equal(steps[`verify-step-${i}`].ok, true, `step ${i}`);
    assert.equal(steps[`verify-step-${i}`].publicInput, String(i));
  }
  assertSwaps(steps, 3);
});

test('multi-method ZkProgram: each method proved for the first time after a swap (its prover index made then), none hangs', () => {
  const steps = run(programs, generate(kimchi), { PROGRAM: 'methods' });
  for (const method of ['rotate', 'xor', 'and']) assert.equal(steps[`verify-${method}`].ok, true, method);
  assertSwaps(steps, 2);
});

test('SmartContract on a local chain (proofs enabled): a transaction after each of 3 swaps changes the state', () => {
  const steps = run(programs, generate(kimchi), { PROGRAM: 'contract', SWAPS: '3' });
  assert.equal(steps['state-0'].count, '1');
  for (let i = 1; i <= 3; i++) assert.equal(steps[`state-${i}`].count, String(1 + 2 * i));
  assertSwaps(steps, 3);
});

/**
 * A copy of o1js whose kimchi grows wasm memory by `leak` on every proof, and its proxy.
 * @param {string} leak e.g. `100MiB`
 */
function leakyO1js(leak) {
  const dir = execFileSync('bash', [path.join(__dirname, 'o1js/leaky-o1js.sh'), codegenBin, leak], { encoding: 'utf8' }).trim();
  const out = generate(path.join(dir, 'node_modules/o1js/dist/node/bindings/compiled/node_bindings/kimchi_wasm_bg.wasm'));
  return { dir, out };
}

test('a busy prover on a leaking kimchi swaps on its own between proofs, and no proof fails', () => {
  const { dir, out } = leakyO1js('100MiB');
  const steps = run(path.join(__dirname, 'o1js/soak.mjs'), out, {
    O1JS: path.join(dir, 'node_modules/o1js/dist/node/index.js'),
    PROOFS: '5',
    // ~290 MB after the first proof, +100 MiB per proof: over the thresholds after each.
    WASM_PROXY_MAX_BYTES: String(600 * 2 ** 20),
    WASM_PROXY_PREPARE_AT: '0.5',
    WASM_PROXY_SWAP_AT: '0.6',
    WASM_PROXY_CHECK_INTERVAL_MS: '1000',
  });
  const summary = steps.summary;
  assert.equal(summary.failedProofs, 0);
  assert.ok(summary.swaps >= 2, `${summary.swaps} automatic swaps`);
  assert.deepEqual(summary.standbyFailures, []);
  // Without swaps this run reaches ~820 MB.
  assert.ok(summary.wasmHighWaterBytes < 600 * 2 ** 20, `wasm memory high-water mark ${summary.wasmHighWaterBytes}`);
});

test('a proof driven into the memory cap traps, and its retry succeeds on a fresh instance', () => {
  const { dir, out } = leakyO1js('100MiB');
  const steps = run(path.join(__dirname, 'o1js/soak.mjs'), out, {
    O1JS: path.join(dir, 'node_modules/o1js/dist/node/index.js'),
    PROOFS: '2',
    RETRY_TRAPS: '1',
    // No automatic swap (the monitor is off): the leak fills the instance up to this cap,
    // and a proof then fails to allocate (`unreachable` at `__rg_oom`), as at 4 GiB.
    WASM_PROXY_INSTANCE_MAX_BYTES: String(TRAP_CAP_BYTES),
  });
  const summary = steps.summary;
  assert.ok(summary.trappedProofs >= 1, `${summary.trappedProofs} proofs trapped (the cap was not reached)`);
  assert.equal(summary.recoveries, summary.trappedProofs, 'each trap was followed by a recovery');
  assert.equal(summary.failedProofs, 0, 'every retried proof succeeded');
  assert.deepEqual(summary.standbyFailures, []);
  // Stale: what o1js made for the proof that trapped (its witness, by unlogged calls) and
  // never used again; the retry makes its own.
  assert.ok(steps['proof-error'].instance > 1, 'the retry ran on a fresh instance');
});
