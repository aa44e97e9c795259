// The generated shim in front of the counter fixture behaves exactly like its glue.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { counterFixture, generate } = require('./support.cjs');

const wasm = counterFixture();
const out = generate(wasm);
const glue = require(path.join(path.dirname(wasm), 'counter.cjs'));
const shim = require(path.join(out, 'counter.proxy.cjs'));

test('functions return what the glue returns', () => {
  assert.equal(shim.add(2, 40), glue.add(2, 40));
  assert.equal(shim['größe'](new shim.Counter(21)), 42);
  assert.equal(shim.Mode.Safe, glue.Mode.Safe);
});

test('classes: constructor, methods, static methods, accessors, free', () => {
  const c = new shim.Counter(5);
  const g = new glue.Counter(5);
  assert.ok(c instanceof shim.Counter);
  assert.equal(c.increment(3), g.increment(3));
  assert.equal(c.value, 8);
  c.value = 100;
  assert.equal(c.value, 100);
  c.delete();
  assert.equal(c.value, 0);
  assert.equal(shim.Counter.withSeed(7).value, glue.Counter.withSeed(7).value);
  assert.ok(shim.Counter.withSeed(7) instanceof shim.Counter);
  c.free();
  assert.equal(c.__wbg_ptr, 0);
});

test('class arguments and results are unwrapped and wrapped', () => {
  const c = shim.make_counter(9);
  assert.ok(c instanceof shim.Counter);
  assert.equal(shim.total(c), 9);
  assert.equal(shim.maybe_total(c), 9);
  assert.equal(shim.maybe_total(undefined), glue.maybe_total(undefined));
  assert.equal(shim.maybe_total(null), -1);
});

test('raw pointers adopt into the active instance, as o1js does with Object.create', () => {
  const c = new shim.Counter(31);
  const adopted = Object.create(shim.Counter.prototype);
  adopted.__wbg_ptr = c.__wbg_ptr;
  assert.equal(adopted.value, 31);
  assert.equal(shim.Counter.__wrap(c.__wbg_ptr).value, 31);
  const raw = adopted.__destroy_into_raw();
  assert.equal(raw, c.__wbg_ptr);
});

test('objects of the real glue are refused with a clear error', () => {
  assert.throws(() => shim.total(new glue.Counter(1)), /expected an object created through the proxy, got Counter/);
  assert.throws(() => shim.total(undefined), /expected an object created through the proxy, got undefined/);
});

test('the shim has the same exports as the glue, plus its runtime', () => {
  const own = new Set(Object.keys(shim));
  for (const name of Object.keys(glue)) assert.ok(own.has(name), `missing ${name}`);
  assert.equal(typeof shim.__wasmProxy.memoryBytes(), 'number');
  assert.equal(shim.__wasmProxy.active.id, 1);
});

test('the shim instance is separate from the glue loaded by require', () => {
  const before = glue.add(1, 1);
  new shim.Counter(1);
  assert.notEqual(shim.__wasmProxy.active.exports, glue, 'the runtime loads its own instance');
  assert.equal(glue.add(1, 1), before);
});

test('register.cjs required after the glue says so (the app would swap an instance it does not use)', () => {
  const { spawnSync } = require('node:child_process');
  const gluePath = path.join(path.dirname(wasm), 'counter.cjs');
  const register = path.join(out, 'register.cjs');
  const run = (code) =>
    spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 30_000 });
  const late = run(`require(${JSON.stringify(gluePath)}); require(${JSON.stringify(register)});`);
  assert.equal(late.status, 0, late.stderr);
  assert.match(late.stderr, /WASM_PROXY_LATE_REGISTER/);
  const early = run(`require(${JSON.stringify(register)}); require(${JSON.stringify(gluePath)});`);
  assert.equal(early.status, 0, early.stderr);
  assert.doesNotMatch(early.stderr, /WASM_PROXY_LATE_REGISTER/);
});
