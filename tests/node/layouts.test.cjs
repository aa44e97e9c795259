// Layouts of wasm-bindgen output beyond `--target nodejs`, on pinned npm packages:
// - the bundler split (a loader `X.cjs`/`X.js` instantiates the wasm and hands it to the
//   real glue `X_bg.cjs`/`X_bg.js` through `__wbg_set_wasm`): tiktoken 1.0.22 `lite/`
//   (wasm-bindgen 0.2.100) ships both halves in both module systems: three swaps each, the
//   retired instances released, the ES module half as wasm-pack writes it, `--glue`, and
//   `register.cjs` redirecting the loader;
// - ES module glue releases its retired instances (their wasm reservations are unmapped),
//   and the monitor knows the memory of `--target web` glue (ruff's web build; parquet-wasm
//   0.8.0's `esm/`, wasm-bindgen 0.2.100 whose glue declares `let wasmModule, wasmInstance, wasm;`).
// corpus.test.cjs checks one swap of every layout (matrix-sdk-crypto-wasm's split without a
// loader of its own among them) and the refusals (glue re-bundled by a JS bundler...).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { codegenBin, tempDir } = require('./support.cjs');
const { fetchPackage, collector, collect } = require('./npm-support.cjs');
const { int32Stream } = require('./arrow-ipc.cjs');

const gc = collector();

/**
 * Address-space reservations of wasm memories (V8 reserves more than 4 GiB for each, Linux
 * lists them in /proc/self/maps): how many instances of this process still hold memory.
 */
function wasmReservations() {
  return fs
    .readFileSync('/proc/self/maps', 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[0].split('-').map((hex) => BigInt(`0x${hex}`)))
    .filter(([start, end]) => end - start > 4n * 2n ** 30n).length;
}

/** Runs `codegen generate` with `args`; returns the output dir, or throws with codegen's stderr. */
function generate(wasm, ...args) {
  const out = tempDir('layout');
  execFileSync(codegenBin, ['generate', wasm, '--out-dir', out, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out;
}

/** The runtime of a shim, with the timer-driven monitor off. */
function quiet(shim) {
  const runtime = shim.__wasmProxy;
  runtime.settings.checkIntervalMs = 0;
  runtime.stopMonitor();
  return runtime;
}

const tiktoken = () => path.join(fetchPackage('tiktoken', '1.0.22'), 'lite');
const gpt2 = () => require(path.join(fetchPackage('tiktoken', '1.0.22'), 'encoders/gpt2.json'));

/** A GPT-2 encoder made through `m`, and what it answers. */
function encoder(m) {
  const { bpe_ranks, special_tokens, pat_str } = gpt2();
  const enc = new m.Tiktoken(bpe_ranks, special_tokens, pat_str);
  return { enc, answers: () => answers(enc) };
}

/** @param {any} enc */
function answers(enc) {
  return {
    ids: [...enc.encode('hello world, swap me <|endoftext|>', 'all')],
    ordinary: [...enc.encode_ordinary('naïve café')],
    text: Buffer.from(enc.decode(enc.encode('naïve café'))).toString(),
    single: enc.encode_single_token(new TextEncoder().encode('hello')),
  };
}

/**
 * Three swaps of a shim holding one encoder: it answers as before each time, nothing is
 * left stale, and the retired instances' memory is unmapped.
 */
async function swapsKeepEncoder(shim, expected) {
  const runtime = quiet(shim);
  assert.ok(runtime.memoryBytes() > 0, 'the monitor sees the memory of the instance the runtime made');
  const { enc } = encoder(shim);
  assert.deepEqual(answers(enc), expected);
  await collect(gc);
  const before = wasmReservations();
  for (let i = 1; i <= 3; i++) {
    const result = await runtime.swap();
    assert.equal(result.stale, 0, `swap ${i}: ${result.stale} stale`);
    assert.deepEqual(answers(enc), expected, `swap ${i}: the encoder answers differently`);
  }
  await collect(gc);
  assert.equal(wasmReservations(), before, 'retired instances still hold their memory');
}

test('bundler split, CommonJS (tiktoken lite: tiktoken.cjs loads tiktoken_bg.cjs): a CommonJS proxy that answers like the glue and swaps with state kept', async () => {
  const dir = tiktoken();
  const out = generate(path.join(dir, 'tiktoken_bg.wasm'));
  // Named after the loader, which is what the application requires.
  assert.ok(fs.existsSync(path.join(out, 'tiktoken.proxy.cjs')), fs.readdirSync(out).join(' '));
  const expected = encoder(require(path.join(dir, 'tiktoken.cjs'))).answers();
  assert.deepEqual(expected.ids.slice(0, 2), [31373, 995]);
  await swapsKeepEncoder(require(path.join(out, 'tiktoken.proxy.cjs')), expected);
});

test('bundler split, ES module (tiktoken lite as wasm-pack writes it: tiktoken.js loads tiktoken_bg.js): an ES module proxy that answers like the glue and swaps with state kept', async () => {
  // wasm-pack's bundler output has no CommonJS half: the ES module files alone.
  const dir = path.join(tempDir('bundler'), 'pkg');
  fs.mkdirSync(dir);
  for (const file of ['tiktoken.js', 'tiktoken_bg.js', 'tiktoken_bg.wasm', 'tiktoken.d.ts', 'tiktoken_bg.wasm.d.ts']) {
    fs.copyFileSync(path.join(tiktoken(), file), path.join(dir, file));
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const out = generate(path.join(dir, 'tiktoken_bg.wasm'));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'package.json'), 'utf8')), { type: 'module' });
  const shim = await import(path.join(out, 'tiktoken.proxy.js'));
  assert.equal(shim.__wasmProxy.options.loader, path.join(dir, 'tiktoken.js'));
  const expected = encoder(require(path.join(tiktoken(), 'tiktoken.cjs'))).answers();
  await swapsKeepEncoder(shim, expected);
});

test('bundler split, given the real glue (--glue tiktoken_bg.js) beside a CommonJS loader: the proxy follows the glue given', async () => {
  const dir = tiktoken();
  const out = generate(path.join(dir, 'tiktoken_bg.wasm'), '--glue', path.join(dir, 'tiktoken_bg.js'));
  const shim = await import(path.join(out, 'tiktoken.proxy.js'));
  quiet(shim);
  assert.deepEqual(encoder(shim).answers(), encoder(require(path.join(dir, 'tiktoken.cjs'))).answers());
});

test('bundler split under `node -r register.cjs`: the application requiring the loader gets the proxy', () => {
  const dir = tiktoken();
  const out = generate(path.join(dir, 'tiktoken_bg.wasm'));
  const app = path.join(tempDir('app'), 'app.cjs');
  fs.writeFileSync(
    app,
    `const { bpe_ranks, special_tokens, pat_str } = require(${JSON.stringify(path.join(dir, '../encoders/gpt2.json'))});
     const T = require(${JSON.stringify(path.join(dir, 'tiktoken.cjs'))});
     const enc = new T.Tiktoken(bpe_ranks, special_tokens, pat_str);
     const before = [...enc.encode('hello world')];
     T.__wasmProxy.settings.checkIntervalMs = 0;
     T.__wasmProxy.swap().then((r) => console.log(JSON.stringify({ before, after: [...enc.encode('hello world')], to: r.to })));`,
  );
  const stdout = execFileSync(process.execPath, ['-r', path.join(out, 'register.cjs'), app], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(stdout), { before: [31373, 995], after: [31373, 995], to: 2 });
});

test('ES module glue (ruff --target web): three swaps release the retired instances; the monitor knows the memory', async () => {
  const dir = fetchPackage('@astral-sh/ruff-wasm-web', '0.15.0');
  const shim = await import(path.join(generate(path.join(dir, 'ruff_wasm_bg.wasm')), 'ruff_wasm.proxy.js'));
  const runtime = quiet(shim);
  assert.ok(runtime.memoryBytes() > 0, 'memoryBytes() of a web-target instance is 0');
  const ws = new shim.Workspace(shim.Workspace.defaultSettings(), shim.PositionEncoding.Utf16);
  const source = 'import os\nx=1\n';
  const expected = ws.check(source).map((d) => d.code);
  assert.ok(expected.length > 0);
  await collect(gc);
  const before = wasmReservations();
  for (let i = 1; i <= 3; i++) {
    await runtime.swap();
    assert.deepEqual(ws.check(source).map((d) => d.code), expected, `swap ${i}`);
  }
  await collect(gc);
  assert.equal(wasmReservations(), before, 'retired ES module instances still hold their memory');
  assert.ok(runtime.memoryBytes() > 0);
});

test('ES module glue (parquet-wasm 0.8.0 esm/, web target): three swaps after writing 100 tables each release the retired instances', async () => {
  const dir = path.join(fetchPackage('parquet-wasm', '0.8.0'), 'esm');
  const P = await import(path.join(generate(path.join(dir, 'parquet_wasm_bg.wasm')), 'parquet_wasm.proxy.js'));
  const runtime = quiet(P);
  const big = int32Stream('v', [Array.from({ length: 100_000 }, (_, i) => i)]);
  const grow = () => {
    for (let i = 0; i < 100; i++) P.writeParquet(P.Table.fromIPCStream(big));
  };
  const live = P.Table.fromIPCStream(int32Stream('v', [[1, 2, 3], [4, 5]]));
  grow();
  assert.ok(runtime.memoryBytes() > 0);
  await collect(gc);
  const before = wasmReservations();
  for (let i = 1; i <= 3; i++) {
    await runtime.swap();
    grow();
    assert.equal(live.numBatches, 2, `swap ${i}`);
  }
  await collect(gc);
  assert.equal(wasmReservations(), before, 'retired ES module instances still hold their memory');
});
