// What the o1js program tests share: the pinned o1js modules, running a program of
// programs.mjs under its proxy, what every swap of such a run must show, and a copy of
// o1js whose kimchi leaks. One heavy test per file, so that `node --test` runs two at
// once (o1js proves on one worker thread: a 2-core machine runs two provers).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { MEMORY_CREEP_TOLERANCE, root, generate, tempDir, codegenBin, runUnderProxy } = require('../support.cjs');

/**
 * The o1js versions the tests prove with (package-lock.json): their prover module, and
 * how many handles a swap may leave behind. o1js 2.2.0 holds a few objects it made from
 * raw pointer arrays, which no logged call rebuilds (2 after the contract's compile, 3
 * after the recursive program's base proof, none later): they stay behind, detached, and
 * fail clearly if used, and the program goes on proving without them.
 */
const versions = {
  '2.15.0': {
    package: 'o1js',
    wasm: path.join(root, 'node_modules/o1js/dist/node/bindings/compiled/node_bindings/kimchi_wasm_bg.wasm'),
    maxStale: 0,
  },
  '2.2.0': {
    package: 'o1js-2.2.0',
    wasm: path.join(root, 'node_modules/o1js-2.2.0/dist/node/bindings/compiled/_node_bindings/plonk_wasm_bg.wasm'),
    maxStale: 3,
  },
};

/** Minutes a program run may take before it counts as hung (two provers share 2 cores). */
const PROGRAM_TIMEOUT_MINUTES = 45;

/**
 * Every swap of a run: complete, nothing left behind, and each fresh instance holds the
 * same state (its memory does not creep swap after swap). A swap after a proof leaves
 * less than the grown instance held; right after a compile it may hold more (the
 * transferred prover indexes carry what o1js computes lazily on the first proof).
 * @param {Record<string, any>} steps
 * @param {number} count swaps expected
 * @param {number} [maxStale] handles a swap may leave behind
 */
function assertSwaps(steps, count, maxStale = 0) {
  const first = steps['swap-1'];
  for (let i = 1; i <= count; i++) {
    const swap = steps[`swap-${i}`];
    assert.ok(swap, `swap ${i} did not happen`);
    assert.equal(swap.to, swap.from + 1);
    assert.ok(swap.stale <= maxStale, `swap ${i}: ${swap.stale} handles left behind`);
    assert.ok(swap.memoryAfter <= first.memoryAfter * MEMORY_CREEP_TOLERANCE, `swap ${i}: ${swap.memoryAfter} bytes after, ${first.memoryAfter} after the first`);
    assert.equal(swap.reservationsAfter, swap.reservationsBefore, `swap ${i}: the retired instance still holds its memory`);
    const afterProof = i > 1 && Object.values(steps).some((s) => s.afterSwap === i - 1);
    if (afterProof) assert.ok(swap.memoryAfter < swap.memoryBefore, `swap ${i}: ${swap.memoryAfter} < ${swap.memoryBefore}`);
  }
  assert.match(steps.metrics.text, new RegExp(`wasm_proxy_swaps_total\\{module="\\w+"\\} ${count}`));
  assert.match(steps.metrics.text, new RegExp(`wasm_proxy_retired_instances_total\\{module="\\w+"\\} ${count}`));
}

/**
 * Runs `PROGRAM=program` of programs.mjs with o1js `version` under its generated proxy.
 * @param {string} program recursive | methods | contract
 * @param {keyof typeof versions} version
 * @param {Record<string, string>} [env]
 */
function runProgram(program, version, env = {}) {
  const { package: o1js, wasm } = versions[version];
  return runUnderProxy(path.join(__dirname, 'programs.mjs'), generate(wasm), { PROGRAM: program, O1JS: o1js, ...env }, PROGRAM_TIMEOUT_MINUTES);
}

/**
 * The recursive ZkProgram, a first run (no prover keys cached): a step after the first
 * swap and another after the third, each verifying the proof made before the swaps. Then
 * the same program from the cache that run filled, as a restart compiles it: the step's
 * prover key is decoded only when the step is first proved, after the swap, on the new
 * instance (this hung while migration calls ran on side threads of the new instance).
 * @param {keyof typeof versions} version
 */
function recursiveTest(version) {
  test(`o1js ${version}: recursive ZkProgram, a first run and a run from its cache: steps after swaps verify the proofs made before them`, () => {
    const cacheDir = tempDir('o1js-cache');
    const steps = runProgram('recursive', version, { CACHE_DIR: cacheDir, SWAPS: '3', PROVE_AFTER: '1,3' });
    assert.equal(steps['verify-base'].ok, true);
    for (const [step, afterSwap] of [[1, 1], [2, 3]]) {
      const verified = steps[`verify-step-${step}`];
      assert.ok(verified, `no step ${step}`);
      assert.equal(verified.ok, true, `step ${step}`);
      assert.equal(verified.publicInput, String(step));
      assert.equal(verified.afterSwap, afterSwap);
    }
    assertSwaps(steps, 3, versions[version].maxStale);

    // On o1js 2.15 with side threads: the decode after the swap once hung there, when a side
    // thread of the fresh instance had bound rayon's global pool to itself.
    const sideThreads = version === '2.15.0' ? { WASM_PROXY_SIDE_THREADS: '1' } : {};
    const warm = runProgram('recursive', version, { CACHE_DIR: cacheDir, SWAPS: '1', ...sideThreads });
    assert.equal(warm['verify-base'].ok, true, 'from the cache: base');
    assert.equal(warm['verify-step-1']?.ok, true, 'from the cache: the step after the swap');
    assert.equal(warm['verify-step-1'].afterSwap, 1);
    assertSwaps(warm, 1, versions[version].maxStale);
  });
}

/**
 * The SmartContract on a local chain with proofs enabled, a first run (no prover keys
 * cached): a transaction after the first swap and another after the third change the
 * state. Then the same contract from the cache that run filled, as a restart compiles
 * it (a compile leaves other objects alive when it reads its keys from the cache).
 * @param {keyof typeof versions} version
 */
function contractTest(version) {
  test(`o1js ${version}: SmartContract on a local chain, a first run and a run from its cache: transactions after swaps change the state`, () => {
    const cacheDir = tempDir('o1js-cache');
    const steps = runProgram('contract', version, { CACHE_DIR: cacheDir, SWAPS: '3', PROVE_AFTER: '1,3' });
    assert.equal(steps['state-0'].count, '1');
    for (const [update, afterSwap] of [[1, 1], [2, 3]]) {
      assert.equal(steps[`state-${update}`]?.count, String(1 + 2 * update), `update ${update}`);
      assert.equal(steps[`state-${update}`].afterSwap, afterSwap);
    }
    assertSwaps(steps, 3, versions[version].maxStale);

    const warm = runProgram('contract', version, { CACHE_DIR: cacheDir, SWAPS: '1' });
    assert.equal(warm['state-0'].count, '1', 'from the cache: deployed');
    assert.equal(warm['state-1']?.count, '3', 'from the cache: the transaction after the swap');
    assert.equal(warm['state-1'].afterSwap, 1);
    assertSwaps(warm, 1, versions[version].maxStale);
  });
}

/**
 * A copy of o1js 2.15 whose kimchi leaks `leak` of its heap on every proof, and its proxy.
 * @param {string} leak e.g. `100MiB`
 */
function leakyO1js(leak) {
  const dir = execFileSync('bash', [path.join(__dirname, 'leaky-o1js.sh'), codegenBin, leak], { encoding: 'utf8' }).trim();
  const out = generate(path.join(dir, 'node_modules/o1js/dist/node/bindings/compiled/node_bindings/kimchi_wasm_bg.wasm'));
  return { o1js: path.join(dir, 'node_modules/o1js/dist/node/index.js'), out };
}

module.exports = { versions, runProgram, assertSwaps, recursiveTest, contractTest, leakyO1js, PROGRAM_TIMEOUT_MINUTES };
