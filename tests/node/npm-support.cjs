// Helpers of the tests on pinned npm packages: fetch, generate a shim, load it and the raw glue.
'use strict';
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { root, generate } = require('./support.cjs');

/** Fetches a pinned npm package (fixtures/npm/pins) and returns its unpacked directory. */
function fetchPackage(name, version) {
  return execFileSync('bash', [path.join(root, 'fixtures/npm/fetch.sh'), name, version], { encoding: 'utf8', timeout: 5 * 60_000 }).trim();
}

/**
 * A new shim (own runtime, automatic monitor off) in front of `dir/stem_bg.wasm`, and the
 * path of the raw glue `dir/stem.js`.
 */
function shimOf(dir, stem) {
  const out = generate(path.join(dir, `${stem}_bg.wasm`));
  const shim = require(path.join(out, `${stem}.proxy.js`));
  const runtime = shim.__wasmProxy;
  runtime.settings.checkIntervalMs = 0;
  runtime.stopMonitor();
  return { shim, runtime, gluePath: path.join(dir, `${stem}.js`) };
}

/** A function that runs the garbage collector (without --expose-gc on the command line). */
function collector() {
  require('node:v8').setFlagsFromString('--expose-gc');
  return require('node:vm').runInNewContext('gc');
}

/** Collects garbage and lets finalizers run. */
async function collect(gc) {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** mulberry32: a small seeded PRNG in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (bytes) => Buffer.from(bytes.buffer ?? bytes, bytes.byteOffset ?? 0, bytes.byteLength ?? bytes.length).toString('hex');

module.exports = { fetchPackage, shimOf, collector, collect, prng, hex };
