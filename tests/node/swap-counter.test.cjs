// The swap runtime on the counter fixture: state built by constructors, methods and
// setters survives dozens of swaps; the log stays bounded by live handles; stale and
// foreign objects give clear errors; each fault leaves the active instance serving.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { counterFixture, generate } = require('./support.cjs');

/** A fresh shim (own runtime) of the counter fixture, with `settings` overriding the environment. */
function loadShim(settings = {}) {
  const out = generate(counterFixture());
  const file = require.resolve(`${out}/counter.proxy.cjs`);
  const previous = process.env.WASM_PROXY_CHECK_INTERVAL_MS;
  process.env.WASM_PROXY_CHECK_INTERVAL_MS = '0';
  try {
    const shim = require(file);
    Object.assign(shim.__wasmProxy.settings, settings);
    return shim;
  } finally {
    if (previous === undefined) delete process.env.WASM_PROXY_CHECK_INTERVAL_MS;
    else process.env.WASM_PROXY_CHECK_INTERVAL_MS = previous;
  }
}

test('state survives 40 swaps and matches a model of it, with the log bounded by live handles', async () => {
  const shim = loadShim();
  const runtime = shim.__wasmProxy;
  const counters = [];
  const model = [];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  for (let round = 0; round < 40; round++) {
    for (let call = 0; call < 50; call++) {
      const choice = next() % 5;
      if (choice === 0 || counters.length === 0) {
        const start = next() % 100;
        counters.push(new shim.Counter(start));
        model.push(start);
      } else if (choice === 1 && counters.length > 3) {
        // Drop one: its entries must leave the log.
        const i = next() % counters.length;
        counters[i].free();
        counters.splice(i, 1);
        model.splice(i, 1);
      } else if (choice === 2) {
        const i = next() % counters.length;
        counters[i].value = next() % 1000;
        model[i] = counters[i].value;
      } else {
        const i = next() % counters.length;
        const by = next() % 10;
        counters[i].increment(by);
        model[i] += by;
      }
    }
    const before = runtime.active.id;
    const result = await runtime.swap();
    assert.equal(result.from, before);
    assert.equal(runtime.active.id, result.to);
    assert.equal(result.stale, 0);
    assert.deepEqual(counters.map((c) => c.value), model, `round ${round}`);
    assert.deepEqual(counters.map((c) => shim.total(c)), model);
  }
  // Every live counter needs its birth and the calls that changed it since (a setter
  // resets nothing in the log: the runtime cannot know it overwrites).
  const stats = runtime.stats();
  assert.equal(stats.liveHandles, counters.length);
  assert.ok(stats.logEntries < stats.recorded / 2, `log ${stats.logEntries} of ${stats.recorded} calls`);
  for (const c of counters) c.free();
  assert.equal(runtime.stats().logEntries, 0);
  assert.match(runtime.metrics(), /wasm_proxy_swaps_total\{module="counter"\} 40/);
});

test('a handle left on a retired instance fails clearly instead of reading the wrong memory', async () => {
  const shim = loadShim();
  const runtime = shim.__wasmProxy;
  const glueCounter = new runtime.active.exports.Counter(3);
  // Adopted from a raw pointer (as o1js does): no logged call made it, so it cannot move.
  const adopted = Object.create(shim.Counter.prototype);
  adopted.__wbg_ptr = glueCounter.__destroy_into_raw();
  assert.equal(adopted.value, 3);
  await runtime.swap();
  assert.throws(() => shim.total(adopted), /lives in instance 1, which was swapped out \(active: 2\)/);
  assert.throws(() => adopted.__wbg_ptr, /swapped out/);
  assert.throws(() => shim.total({}), /expected an object created through the proxy/);
});

test('a retired instance is freed while the program still holds objects of it', async () => {
  const v8 = require('node:v8');
  v8.setFlagsFromString('--expose-gc');
  const gc = require('node:vm').runInNewContext('gc');
  const shim = loadShim();
  const runtime = shim.__wasmProxy;
  // Two kinds of handles that cannot move: adopted from a raw pointer (untracked), and
  // the result of a call whose class the profile neither logs nor transfers.
  const adopted = Object.create(shim.Counter.prototype);
  adopted.__wbg_ptr = new runtime.active.exports.Counter(3).__destroy_into_raw();
  const kept = [adopted, new shim.Counter(4)];
  kept[1].increment(1);
  // A FinalizationRegistry, not a WeakRef: deref() would keep the memory alive for the job.
  let collected = false;
  const registry = new FinalizationRegistry(() => (collected = true));
  registry.register(runtime.active.memory(), 'old memory');
  const result = await runtime.swap();
  // The adopted one has no logged birth and no transfer: counted stale, truthfully.
  assert.equal(result.stale, 1, 'the logged counter moved, the adopted one stays behind');
  assert.equal(result.verified, 1, 'the counter: replayed, then read back equal (its value getter)');
  assert.equal(kept[1].value, 5);
  for (let round = 0; round < 10 && !collected; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(collected, "the old instance's memory was collected");
  assert.throws(() => adopted.value, /swapped out/);
  adopted.free(); // nothing to free any more: no error
  assert.throws(() => shim.total(adopted), /swapped out/);
  assert.equal(kept[1].value, 5);
});

for (const fault of ['instantiate', 'replay', 'check']) {
  test(`fault at ${fault}: the swap fails, the active instance keeps serving, the metrics count it`, async () => {
    const shim = loadShim();
    const runtime = shim.__wasmProxy;
    const counter = new shim.Counter(10);
    counter.increment(5);
    if (fault === 'check') {
      // Checks belong to transfers: give the counter one, through a custom profile's class.
      runtime.profile.classes.Counter = {
        transfer: (ctx) => new ctx.to.Counter(ctx.inner.value),
        check: () => undefined,
      };
    }
    runtime.settings.fault = fault;
    const events = [];
    runtime.on('standby-failed', (e) => events.push(e.stage));
    await assert.rejects(runtime.swap(), (error) => error.name === 'SwapError' && error.stage === fault);
    assert.deepEqual(events, [fault]);
    assert.equal(runtime.active.id, 1);
    assert.equal(counter.value, 15);
    counter.increment(1);
    assert.equal(shim.total(counter), 16);
    assert.match(runtime.metrics(), new RegExp(`wasm_proxy_standby_failures_total\\{module="counter",stage="${fault}"\\} 1`));
    runtime.settings.fault = undefined;
    await runtime.swap();
    assert.equal(counter.value, 16);
  });
}

test('the kill switch makes the runtime a pass-through: no log, no swap', async () => {
  const shim = loadShim();
  const runtime = shim.__wasmProxy;
  runtime.settings.disabled = true;
  await assert.rejects(runtime.swap(), /disabled/);
});

test('leak simulator: 1,000 leaking operations, the monitor swaps 50+ times, nothing fails, memory stays under the cap', async () => {
  const shim = loadShim();
  const runtime = shim.__wasmProxy;
  const cap = 32 * 65536;
  // Automatic swaps only: the monitor prepares at half the cap and flips at 60 %.
  Object.assign(runtime.settings, { maxBytes: cap, prepareAt: 0.5, swapAt: 0.6, checkIntervalMs: 1 });
  const swaps = [];
  runtime.on('swap-complete', (result) => swaps.push(result));
  const failures = [];
  runtime.on('standby-failed', (error) => failures.push(error));
  // The monitor was started with the environment's settings (off): start it again.
  runtime.startMonitor();
  const counters = [new shim.Counter(1), new shim.Counter(2), new shim.Counter(3)];
  const model = [1, 2, 3];
  let peak = 0;
  try {
    for (let op = 0; op < 1000; op++) {
      const i = op % counters.length;
      counters[i].increment(op % 7);
      model[i] += op % 7;
      // The leak: 64 KiB of linear memory per operation, never given back.
      runtime.active.exports.__wasm.memory.grow(1);
      peak = Math.max(peak, runtime.memoryBytes());
      assert.ok(runtime.memoryBytes() < cap, `operation ${op}: ${runtime.memoryBytes()} bytes reached the cap`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } finally {
    runtime.stopMonitor();
  }
  assert.deepEqual(failures, []);
  assert.ok(swaps.length >= 50, `${swaps.length} swaps`);
  assert.deepEqual(counters.map((c) => c.value), model);
  assert.ok(swaps.every((s) => s.memoryAfter <= 2 * 65536), 'every fresh instance starts small');
  assert.ok(peak < cap);
});

test('a program that never idles still swaps on its own: the monitor and the swap run from its calls', async () => {
  // Memory is over the thresholds at once; the timer never gets a turn (one macrotask,
  // only resolved promises awaited), as in a prover proving back to back.
  const shim = loadShim({ checkIntervalMs: 60_000, prepareAt: 0.01, swapAt: 0.01, quiescenceMs: 0 });
  const runtime = shim.__wasmProxy;
  runtime.settings.maxBytes = runtime.memoryBytes();
  runtime.startMonitor();
  const kept = new shim.Counter(1);
  let timerRan = false;
  const timer = setTimeout(() => (timerRan = true), 0);
  const swaps = [];
  runtime.on('swap-complete', (detail) => swaps.push(detail));
  for (let i = 0; i < 20_000 && swaps.length < 2; i++) {
    const c = new shim.Counter(i);
    c.increment(1);
    c.free();
    await null;
  }
  assert.equal(timerRan, false, 'the event loop turned: the test no longer shows a busy program');
  clearTimeout(timer);
  runtime.stopMonitor();
  assert.ok(swaps.length >= 2, `${swaps.length} automatic swaps`);
  assert.equal(kept.value, 1);
  assert.ok(swaps.every((s) => s.stale === 0));
});

test('an automatic swap never flips inside a declared operation, nor while a handle would be left behind', async () => {
  const shim = loadShim({ checkIntervalMs: 60_000, prepareAt: 0.01, swapAt: 0.01, quiescenceMs: 60_000 });
  const runtime = shim.__wasmProxy;
  runtime.settings.maxBytes = runtime.memoryBytes();
  let flips = 0;
  runtime.on('swap-complete', () => flips++);
  runtime.startMonitor();
  // An object nothing can rebuild (adopted from a raw pointer): no flip while it lives.
  const adopted = Object.create(shim.Counter.prototype);
  adopted.__wbg_ptr = new runtime.active.exports.Counter(3).__destroy_into_raw();
  const churn = async (n) => {
    for (let i = 0; i < n; i++) {
      new shim.Counter(i).free();
      if (i % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await churn(5000);
  assert.equal(flips, 0, 'flipped while a handle would have been left behind');
  adopted.free();
  // Inside an operation: no flip either; at its end the prepared standby flips, before
  // the host's next step.
  let flipsInside = -1;
  await runtime.operation(async () => {
    await churn(5000);
    flipsInside = flips;
  });
  assert.equal(flipsInside, 0, 'flipped inside an operation');
  assert.equal(flips, 1, 'the prepared standby did not flip at the end of the operation');
  runtime.stopMonitor();
});

test('the preload hook is how an app reaches the runtime (undefined with the kill switch)', () => {
  const { execFileSync } = require('node:child_process');
  const path = require('node:path');
  const wasm = counterFixture();
  const out = generate(wasm);
  const register = path.join(out, 'register.cjs');
  const glue = path.join(path.dirname(wasm), 'counter.cjs');
  const script = `const p = require(${JSON.stringify(register)}); const g = require(${JSON.stringify(glue)});
    console.log(JSON.stringify({ swap: typeof p?.swap, same: p === g.__wasmProxy }));`;
  const run = (env) => JSON.parse(execFileSync(process.execPath, ['-r', register, '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } }));
  assert.deepEqual(run({}), { swap: 'function', same: true });
  assert.deepEqual(run({ WASM_PROXY_DISABLE: '1' }), { swap: 'undefined', same: true });
});

/** A fresh shim holding two counters (values 7 and 42), and the swaps it completes. */
function twoCounters() {
  const shim = loadShim();
  const runtime = shim.__wasmProxy;
  /** @type {any[]} */
  const completed = [];
  runtime.on('swap-complete', (result) => completed.push(result));
  const kept = [new shim.Counter(3), new shim.Counter(10)];
  kept[0].increment(4);
  kept[1].value = 42;
  return { shim, runtime, completed, kept };
}

test('a trap moves the live state to a fresh instance before the caller sees it; the retry works there', () => {
  const { shim, runtime, completed, kept } = twoCounters();
  // The fixture's allocator only bumps: its one page of memory holds 16,380 counters,
  // freed or not. Fill it with counters the program lets go of.
  const first = runtime.active.id;
  let trap;
  for (let i = 0; i < 20000 && trap === undefined; i++) {
    try {
      new shim.Counter(i).free();
    } catch (error) {
      trap = error;
    }
  }
  assert.ok(trap instanceof WebAssembly.RuntimeError, `the caller gets the trap itself: ${trap}`);
  assert.equal(completed.length, 1, 'one recovery');
  assert.equal(completed[0].cause, 'trap');
  assert.equal(completed[0].from, first);
  assert.equal(runtime.active.id, completed[0].to);
  assert.equal(completed[0].stale, 0);
  // The live counters moved (only they were rebuilt: the fresh memory has room again).
  assert.deepEqual(kept.map((c) => c.value), [7, 42]);
  const retry = new shim.Counter(5);
  assert.equal(retry.increment(1), 6);
  assert.equal(kept[0].increment(1), 8);
});

test('reading an object for verification traps the active instance: the swap fails and the program goes on in a fresh instance, state intact', async () => {
  const { shim, runtime, completed, kept } = twoCounters();
  const totals = kept.map((c) => shim.total(c));
  const first = runtime.active;
  // A reading that traps in this instance only, as an allocation in a full memory would
  // (a panic leaves a wasm-bindgen object borrowed for good: the instance is undefined).
  Object.defineProperty(first.exports.Counter.prototype, 'value', {
    get() {
      throw new WebAssembly.RuntimeError('unreachable');
    },
  });
  await assert.rejects(runtime.swap(), (error) => error.name === 'SwapError' && error.stage === 'check' && /trapped while read/.test(error.message));
  assert.equal(completed.length, 1, 'one recovery');
  assert.equal(completed[0].cause, 'trap');
  assert.equal(completed[0].from, first.id);
  assert.notEqual(runtime.active, first, 'the trapped instance no longer serves');
  assert.equal(completed[0].stale, 0);
  assert.deepEqual(kept.map((c) => c.value), [7, 42]);
  assert.deepEqual(kept.map((c) => shim.total(c)), totals);
  assert.equal(kept[0].increment(1), 8);
});

test('an error the module throws is not a trap: no recovery, the same instance serves', () => {
  const shim = loadShim();
  const runtime = shim.__wasmProxy;
  const before = runtime.active.id;
  assert.throws(() => shim.total({}), /expected an object created through the proxy/);
  assert.equal(runtime.active.id, before);
});
