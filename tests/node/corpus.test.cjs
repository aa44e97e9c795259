// The corpus: real wasm-bindgen packages from the npm registry (pinned in fixtures/npm/pins),
// across targets (nodejs, web, bundler split, deno) and wasm-bindgen versions (0.2.78 ...
// 0.2.128, read from the wasm's `producers` section). One module per package in corpus/
// says where its wasm and glue are, a few real calls, an object to keep across a swap and
// a consumer for tsc; this driver checks each the same way:
//   1. `codegen list` counts as many exports as V8 (`WebAssembly.Module.exports`);
//   2. every export has a role (none `unmatched`);
//   3. the generated proxy loads, and has every function and class member the glue has;
//   4. the proxy answers the package's calls as the real glue does;
//   5. `tsc --strict` passes on the package's consumer of the proxy's typings (one tsc run
//      for every consumer, last), and rejects the misuse each consumer marks
//      `@ts-expect-error` (typings that said `any` would fail there);
//   6. one swap keeps the object made before it (it reads as before, as the glue's reads,
//      and nothing is left stale).
// A layout the proxy cannot serve is a refusal: `generate` exits non-zero with the reason
// the module names, writing nothing (checks 1 and 2 still run on its wasm).
// Every step is bounded: a test that hangs fails at its timeout.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFile, spawnSync } = require('node:child_process');
const { promisify } = require('node:util');
const { root, codegenBin, tempDir } = require('./support.cjs');
const { fetchPackage } = require('./npm-support.cjs');

const run = promisify(execFile);
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const corpus = fs
  .readdirSync(path.join(__dirname, 'corpus'))
  .filter((f) => f.endsWith('.cjs') && !f.startsWith('_')) // `_x.cjs`: shared by entries
  .sort()
  .map((f) => ({ file: f, ...require(path.join(__dirname, 'corpus', f)) }));

/** The wasm-bindgen version in the module's `producers` section (`processed-by wasm-bindgen 0.2.x`). */
function bindgenVersion(module) {
  for (const section of WebAssembly.Module.customSections(module, 'producers')) {
    const text = Buffer.from(section).toString('latin1');
    const found = /wasm-bindgen[\x00-\x1f]+(\d+\.\d+\.\d+)/.exec(text);
    if (found) return found[1];
  }
  return undefined;
}

/** Names of the glue's functions and of its classes' members that the proxy lacks. */
function missingMembers(glue, proxy) {
  const missing = [];
  for (const [name, value] of Object.entries(glue)) {
    if (typeof value !== 'function') continue;
    if (!(name in proxy)) {
      missing.push(name);
      continue;
    }
    if (!/^class\b/.test(Function.prototype.toString.call(value))) continue;
    for (const member of Object.getOwnPropertyNames(value.prototype)) {
      if (member.startsWith('__')) continue; // wasm-bindgen's own (`__destroy_into_raw`)
      if (!(member in proxy[name].prototype)) missing.push(`${name}.${member}`);
    }
    for (const member of Object.getOwnPropertyNames(value)) {
      if (member.startsWith('__') || ['length', 'name', 'prototype'].includes(member)) continue;
      if (!(member in proxy[name])) missing.push(`${name}.${member}`);
    }
  }
  return missing;
}

/** Rejects after `ms` unless `promise` settles first. */
function bounded(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Loads the package's real glue as an application would. */
async function loadGlue(entry, dir) {
  const glue = path.join(dir, entry.glue);
  if (entry.load === 'require') return require(glue);
  const m = await import(glue);
  if (entry.load === 'web') m.initSync({ module: fs.readFileSync(path.join(dir, entry.wasm)) });
  if (entry.load === 'bundler') {
    // What a bundler does with the loader: the real glue's exports are the wasm's imports.
    const module = new WebAssembly.Module(fs.readFileSync(path.join(dir, entry.wasm)));
    const instance = new WebAssembly.Instance(module, { [`./${path.basename(glue)}`]: m });
    m.__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start?.();
  }
  return m;
}

// Consumers written by the package tests, checked together by the last test.
const consumers = new Map();
const tscRoot = tempDir('corpus-tsc');

for (const entry of corpus) {
  const label = `${entry.package}@${entry.version} ${entry.wasm} (${entry.layout}, wasm-bindgen ${entry.wasmBindgen})`;
  test(label, { timeout: 120_000 }, async () => {
    const dir = fetchPackage(entry.package, entry.version);
    const wasm = path.join(dir, entry.wasm);
    const module = new WebAssembly.Module(fs.readFileSync(wasm));
    assert.equal(bindgenVersion(module), entry.wasmBindgen, 'the wasm-bindgen version of the wasm');

    // 1, 2: the listing.
    const { stdout } = await bounded(run(codegenBin, ['list', wasm, '--format', 'json'], { maxBuffer: 64 << 20 }), 60_000, 'codegen list');
    const listing = JSON.parse(stdout);
    assert.equal(listing.exports.length, WebAssembly.Module.exports(module).length, 'exports listed vs V8');
    // codegen's list of tested wasm-bindgen versions holds every version of the corpus.
    assert.deepEqual(listing.findings.filter((f) => /has not been tested/.test(f.message)).map((f) => f.message), []);
    const unmatched = listing.exports.filter((e) => !e.role || e.role === 'unmatched').map((e) => e.name);
    if (entry.unmatched) {
      // A refused layout whose exports nothing maps (the entry says why): each is reported.
      assert.ok(entry.refuse && unmatched.length > 0, 'an entry that expects unmatched exports has none, or is not refused');
      const warned = listing.findings.filter((f) => f.severity === 'warning').map((f) => f.message).join('\n');
      assert.deepEqual(unmatched.filter((name) => !warned.includes(`\`${name}\``)), [], 'unmatched exports without a warning');
    } else {
      assert.deepEqual(unmatched, [], 'exports without a role');
    }

    const out = path.join(tempDir('corpus'), 'proxy');
    if (entry.refuse) {
      const refused = spawnSync(codegenBin, ['generate', wasm, '--out-dir', out], { encoding: 'utf8', timeout: 60_000 });
      assert.notEqual(refused.status, 0, `generate exited ${refused.status}: ${refused.stdout}${refused.stderr}`);
      assert.match(refused.stderr, entry.refuse);
      assert.equal(fs.existsSync(out), false, 'a refused generate wrote files');
      return;
    }
    await bounded(run(codegenBin, ['generate', wasm, '--out-dir', out]), 60_000, 'codegen generate');

    // 3: the proxy loads and has what the glue has.
    const proxyFile = fs.readdirSync(out).find((f) => /\.proxy\.c?js$/.test(f));
    assert.ok(proxyFile, `no proxy in ${fs.readdirSync(out)}`);
    const commonjs = proxyFile.endsWith('.cjs') || JSON.parse(fs.readFileSync(path.join(out, 'package.json'), 'utf8')).type === 'commonjs';
    const proxy = commonjs ? require(path.join(out, proxyFile)) : await import(path.join(out, proxyFile));
    const runtime = proxy.__wasmProxy;
    assert.ok(runtime, 'the proxy exports no runtime (__wasmProxy)');
    runtime.settings.checkIntervalMs = 0;
    runtime.stopMonitor();
    assert.ok(runtime.memoryBytes() > 0, 'the monitor does not see the memory');
    const glue = await loadGlue(entry, dir);
    assert.deepEqual(missingMembers(glue, proxy), [], 'members of the glue the proxy lacks');

    // 4: the same answers as the glue.
    const expected = entry.sample(glue);
    assert.deepEqual(entry.sample(proxy), expected, 'the proxy answers differently from the glue');

    // 5 (checked by the last test): a consumer of the proxy's typings.
    const importLine = commonjs ? `import m = require('./${proxyFile}');` : `import * as m from './${proxyFile}';`;
    assert.match(entry.consumer, /@ts-expect-error/, 'the consumer marks no misuse');
    const consumer = path.join(out, commonjs ? 'consumer.cts' : 'consumer.mts');
    fs.writeFileSync(consumer, `${importLine}\n${entry.consumer}\nexport {};\n`);
    consumers.set(entry.file, consumer);

    // 6: one swap keeps the state made before it.
    const state = entry.state.make(proxy);
    const before = entry.state.read(state);
    assert.deepEqual(before, entry.state.read(entry.state.make(glue)), 'the state reads differently from the glue\'s');
    const result = await bounded(runtime.swap(), 90_000, 'swap');
    assert.equal(result.to, result.from + 1, JSON.stringify(result));
    assert.equal(result.stale, 0, `stale handles: ${JSON.stringify(result)}`);
    assert.ok(result.verified + result.unverified >= (entry.state.handles ?? 1), `nothing moved: ${JSON.stringify(result)}`);
    // An entry whose class has a way to move by value says how many must move verified: a
    // transfer or verification silently off (an unrecognised object pointer) would fail here.
    assert.ok(result.verified >= (entry.state.verified ?? 0), `moved unverified: ${JSON.stringify(result)}`);
    assert.deepEqual(entry.state.read(state), before, 'the state reads differently after the swap');
    assert.deepEqual(entry.sample(proxy), expected, 'the proxy answers differently after the swap');
  });
}

test('tsc --strict on every consumer of the proxies\' typings (one run)', { timeout: 180_000 }, async (t) => {
  const expected = corpus.filter((e) => !e.refuse).map((e) => e.file);
  assert.deepEqual([...consumers.keys()].sort(), expected.sort(), 'packages whose test wrote no consumer (see their failure above)');
  fs.writeFileSync(
    path.join(tscRoot, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom', 'esnext.disposable'], types: [], skipLibCheck: false },
      files: [...consumers.values()],
    }),
  );
  const checked = await bounded(
    run(process.execPath, [tsc, '-p', tscRoot], { cwd: tscRoot, maxBuffer: 64 << 20 }).then(
      (r) => r.stdout + r.stderr,
      (e) => String(e.stdout) + String(e.stderr),
    ),
    170_000,
    'tsc',
  );
  const lines = checked.split('\n').filter((l) => l.trim());
  for (const [file, consumer] of consumers) {
    const out = path.dirname(consumer);
    await t.test(file, () => {
      assert.deepEqual(lines.filter((l) => l.includes(out) || l.includes(path.relative(tscRoot, out))), [], `tsc on ${consumer}`);
    });
  }
  assert.deepEqual(lines, [], 'tsc errors');
});
