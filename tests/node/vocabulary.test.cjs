// One vocabulary with the Rust runtime: the kill switch of the emitted runtime and of the
// generated register.cjs reads the shared table of values (fixtures/settings/kill-switch.json),
// and the metric families (types, labels, help, buckets), the events and the failure stages
// are the shared list (fixtures/settings/metrics.json). proxy-runtime/tests/vocabulary.rs
// holds the Rust runtime to the same files.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { root, counterFixture, generate } = require('./support.cjs');

const killSwitchTable = JSON.parse(fs.readFileSync(path.join(root, 'fixtures/settings/kill-switch.json'), 'utf8'));
const shared = JSON.parse(fs.readFileSync(path.join(root, 'fixtures/settings/metrics.json'), 'utf8'));

/** A generated proxy of the counter fixture for the settings and hook tests. */
const out = generate(counterFixture());

/** A fresh shim (own runtime) of the counter fixture, with the timer-driven monitor off. */
function loadShim() {
  const file = require.resolve(`${generate(counterFixture())}/counter.proxy.cjs`);
  const previous = process.env.WASM_PROXY_CHECK_INTERVAL_MS;
  process.env.WASM_PROXY_CHECK_INTERVAL_MS = '0';
  try {
    return require(file);
  } finally {
    if (previous === undefined) delete process.env.WASM_PROXY_CHECK_INTERVAL_MS;
    else process.env.WASM_PROXY_CHECK_INTERVAL_MS = previous;
  }
}

/** `(disabled, warning)` of a case, as the table states it. */
const expected = (c) => ({ value: c.value, disabled: c.disabled, warning: c.warning });

test('the emitted runtime reads the kill switch by the shared table', () => {
  assert.equal(killSwitchTable.variable, 'WASM_PROXY_DISABLE');
  assert.ok(killSwitchTable.cases.length > 10);
  const { killSwitch, readSettings, ENV } = require(`${out}/wasm-proxy-runtime/config.cjs`);
  assert.equal(ENV.disabled, killSwitchTable.variable);
  const got = killSwitchTable.cases.map((c) => {
    const raw = c.value ?? undefined;
    const parsed = killSwitch(raw);
    // readSettings goes through the same rule (its warning is emitted once per value).
    const env = raw === undefined ? {} : { WASM_PROXY_DISABLE: raw };
    assert.equal(readSettings({}, env).disabled, parsed.disabled, JSON.stringify(c.value));
    if (parsed.warning !== undefined) assert.match(parsed.warning, /WASM_PROXY_DISABLE=.*disabled/);
    return { value: c.value, disabled: parsed.disabled, warning: parsed.warning !== undefined };
  });
  assert.deepEqual(got, killSwitchTable.cases.map(expected));
});

test('the generated register.cjs reads the kill switch by the shared table', () => {
  const register = path.join(out, 'register.cjs');
  // One child process loads the hook once per case, as `node -r register.cjs` would at start.
  const script = `
    const cases = ${JSON.stringify(killSwitchTable.cases.map((c) => c.value))};
    const register = ${JSON.stringify(register)};
    const warnings = [];
    process.on('warning', (w) => { if (w.code === 'WASM_PROXY_DISABLE') warnings.push(w.message); });
    const results = [];
    (async () => {
      for (const value of cases) {
        if (value === null) delete process.env.WASM_PROXY_DISABLE;
        else process.env.WASM_PROXY_DISABLE = value;
        delete require.cache[register];
        const before = warnings.length;
        const runtime = require(register);
        await new Promise((resolve) => setImmediate(resolve));
        results.push({ value, disabled: runtime === undefined, warning: warnings.length > before });
      }
      console.log(JSON.stringify(results));
    })();`;
  const env = { ...process.env, WASM_PROXY_CHECK_INTERVAL_MS: '0' };
  delete env.WASM_PROXY_DISABLE;
  const results = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env }));
  assert.deepEqual(results, killSwitchTable.cases.map(expected));
});

/**
 * Reads Prometheus text into families: type, help, the labels their samples carry (`le`
 * aside) and histogram buckets.
 * @param {string} text
 */
function parseExposition(text) {
  /** @type {Map<string, { type: string, help: string, labels: Set<string>, buckets: number[] }>} */
  const families = new Map();
  const family = (name) => {
    if (!families.has(name)) families.set(name, { type: '', help: '', labels: new Set(), buckets: [] });
    return families.get(name);
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m;
    if ((m = /^# TYPE (\S+) (\S+)$/.exec(line))) {
      family(m[1]).type = m[2];
    } else if ((m = /^# HELP (\S+) (.*)$/.exec(line))) {
      family(m[1]).help = m[2];
    } else {
      m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
      assert.ok(m, `not a sample: ${line}`);
      assert.ok(!Number.isNaN(Number(m[3])), `not a number: ${line}`);
      let name = m[1];
      const histogram = /^(.*)_(bucket|sum|count)$/.exec(name);
      if (histogram && families.get(histogram[1])?.type === 'histogram') name = histogram[1];
      assert.ok(families.has(name), `sample before its # TYPE: ${line}`);
      for (const pair of m[2].split(',')) {
        const [key, quoted] = pair.split('=');
        const value = quoted.replace(/^"|"$/g, '');
        if (key === 'le') {
          if (value !== '+Inf') family(name).buckets.push(Number(value));
        } else {
          family(name).labels.add(key);
        }
      }
    }
  }
  return families;
}

/** The shared list as parseExposition reads an exposition, labels sorted. */
function sharedFamilies() {
  return Object.fromEntries(
    shared.families.map((f) => [
      f.name,
      { type: f.type, help: f.help, labels: [...shared.common_labels, ...f.labels].sort(), buckets: f.buckets ?? [] },
    ]),
  );
}

/** A failed standby (stage instantiate), then a swap that moves one counter. */
async function runSwaps() {
  const shim = loadShim();
  const runtime = shim.__wasmProxy;
  const seen = new Set();
  for (const name of shared.events) runtime.on(name, () => seen.add(name));
  const counter = new shim.Counter(10);
  runtime.settings.fault = 'instantiate';
  await assert.rejects(runtime.swap(), (error) => error.stage === 'instantiate');
  runtime.settings.fault = undefined;
  await runtime.swap();
  assert.equal(counter.value, 10);
  return { runtime, seen, counter };
}

test('the metrics exposition has exactly the shared families, types, labels, help and buckets', async () => {
  const { runtime, counter } = await runSwaps();
  const text = runtime.metrics();
  const exposed = parseExposition(text);
  const got = Object.fromEntries(
    [...exposed].map(([name, f]) => [name, { type: f.type, help: f.help, labels: [...f.labels].sort(), buckets: f.buckets }]),
  );
  assert.deepEqual(Object.keys(got).sort(), Object.keys(sharedFamilies()).sort(), text);
  assert.deepEqual(got, sharedFamilies());
  // The values are this runtime's.
  const value = (series) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    assert.ok(line, `${series} missing in\n${text}`);
    return Number(line.slice(series.length + 1));
  };
  assert.equal(value('wasm_proxy_swaps_total{module="counter"}'), 1);
  assert.equal(value('wasm_proxy_standby_failures_total{module="counter",stage="instantiate"}'), 1);
  assert.equal(value('wasm_proxy_swap_duration_seconds_count{module="counter"}'), 1);
  assert.equal(value('wasm_proxy_swap_duration_seconds_bucket{module="counter",le="+Inf"}'), 1);
  assert.ok(value('wasm_proxy_swap_duration_seconds_sum{module="counter"}') > 0);
  assert.equal(value('wasm_proxy_swap_pause_seconds_count{module="counter"}'), 1);
  assert.equal(value('wasm_proxy_retired_instances_total{module="counter"}'), 1);
  assert.equal(value('wasm_proxy_live_handles{module="counter"}'), 1);
  assert.equal(value('wasm_proxy_memory_bytes{module="counter"}'), runtime.active.memoryBytes());
  const moved = value('wasm_proxy_moved_handles_total{module="counter",verified="true"}') + value('wasm_proxy_moved_handles_total{module="counter",verified="false"}');
  assert.equal(moved, 1);
  counter.free();
});

test('the runtime emits the shared events and fails at the shared stages', async () => {
  const { EVENTS } = require(`${out}/wasm-proxy-runtime/metrics.cjs`);
  assert.deepEqual([...EVENTS], shared.events);
  const { seen, counter } = await runSwaps();
  assert.deepEqual([...seen].sort(), [...shared.events].sort());
  const { FAULT_POINTS } = require(`${out}/wasm-proxy-runtime/config.cjs`);
  for (const stage of FAULT_POINTS) assert.ok(shared.stages.includes(stage), stage);
  counter.free();
});
