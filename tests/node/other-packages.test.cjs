// Generality: the generated shim in front of another real wasm-bindgen package
// from the npm registry (ruff's playground build, pinned), CommonJS and ES module.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { root, generate } = require('./support.cjs');

/** Fetches a pinned npm package and returns its unpacked directory. */
function fetchPackage(name, version) {
  return execFileSync('bash', [path.join(root, 'fixtures/npm/fetch.sh'), name, version], { encoding: 'utf8' }).trim();
}

const source = 'import os\nx=1\ndef f( a ):\n  return a\n';

/** The same calls through any module with ruff's API. */
function sample(m) {
  const ws = new m.Workspace(m.Workspace.defaultSettings(), m.PositionEncoding.Utf16);
  const result = {
    version: m.Workspace.version(),
    diagnostics: ws.check(source).map((d) => d.code),
    formatted: ws.format(source),
    tokens: ws.tokens(source).length,
    instance: ws instanceof m.Workspace,
  };
  assert.throws(() => ws.format('def ('));
  ws.free();
  return result;
}

test('ruff (wasm-pack --target nodejs, CommonJS glue)', () => {
  const pkg = fetchPackage('@astral-sh/ruff-wasm-nodejs', '0.15.0');
  const out = generate(path.join(pkg, 'ruff_wasm_bg.wasm'));
  // `.js` glue: the output says its module type for node and tsc.
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'package.json'), 'utf8')), { type: 'commonjs' });
  const glue = require(path.join(pkg, 'ruff_wasm.js'));
  const shim = require(path.join(out, 'ruff_wasm.proxy.js'));
  const expected = sample(glue);
  assert.ok(expected.diagnostics.length > 0 && expected.instance);
  assert.deepEqual(sample(shim), expected);
});

test('ruff (wasm-pack --target web, ES module glue)', async () => {
  const pkg = fetchPackage('@astral-sh/ruff-wasm-web', '0.15.0');
  const out = generate(path.join(pkg, 'ruff_wasm_bg.wasm'));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'package.json'), 'utf8')), { type: 'module' });
  const glue = await import(path.join(pkg, 'ruff_wasm.js'));
  glue.initSync({ module: fs.readFileSync(path.join(pkg, 'ruff_wasm_bg.wasm')) });
  const shim = await import(path.join(out, 'ruff_wasm.proxy.js'));
  await shim.default(); // the app's own init call still works: the runtime initialised already
  assert.deepEqual(sample(shim), sample(glue));
});

test('ruff keeps its workspaces across swaps (CommonJS and ES module glue)', async () => {
  for (const [name, load] of [
    ['@astral-sh/ruff-wasm-nodejs', (out) => require(path.join(out, 'ruff_wasm.proxy.js'))],
    ['@astral-sh/ruff-wasm-web', (out) => import(path.join(out, 'ruff_wasm.proxy.js'))],
  ]) {
    const pkg = fetchPackage(name, '0.15.0');
    const shim = await load(generate(path.join(pkg, 'ruff_wasm_bg.wasm')));
    const runtime = shim.__wasmProxy;
    runtime.settings.checkIntervalMs = 0;
    // Two workspaces built from different settings: each must come back as it was.
    const strict = new shim.Workspace({ ...shim.Workspace.defaultSettings(), 'line-length': 20, lint: { select: ['ALL'] } }, shim.PositionEncoding.Utf16);
    const loose = new shim.Workspace(shim.Workspace.defaultSettings(), shim.PositionEncoding.Utf16);
    const look = () => ({
      strict: strict.check(source).map((d) => d.code),
      loose: loose.check(source).map((d) => d.code),
      formatted: strict.format(source),
    });
    const before = look();
    assert.notDeepEqual(before.strict, before.loose);
    for (let i = 0; i < 3; i++) {
      const result = await runtime.swap();
      assert.equal(result.stale, 0);
      assert.deepEqual(look(), before, `${name}, swap ${i + 1}`);
    }
    strict.free();
    loose.free();
    assert.equal(runtime.stats().logEntries, 0);
  }
});
