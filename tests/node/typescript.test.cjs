// The generated typings type-check under `tsc --strict` for a consumer that
// imports the shim and uses functions and classes.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { root, counterFixture, generate, o1jsBindings } = require('./support.cjs');

const tsc = path.join(root, 'node_modules/typescript/bin/tsc');

/** Type-checks `source` (a consumer of `shimFile` in `dir`); returns tsc's output. */
function typeCheck(dir, source) {
  fs.writeFileSync(path.join(dir, 'consumer.cts'), source);
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'], types: [], skipLibCheck: false },
      files: ['consumer.cts'],
    }),
  );
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return '';
  } catch (error) {
    return String(error.stdout) + String(error.stderr);
  }
}

test('counter shim type-checks, and misuse is rejected', () => {
  const out = generate(counterFixture());
  const ok = `
import counter = require('./counter.proxy.cjs');
const c: counter.Counter = new counter.Counter(1);
const n: number = c.increment(2) + counter.total(c) + counter.maybe_total(undefined) + counter.größe(c);
c.value = n;
const s: counter.Counter = counter.Counter.withSeed(3);
const m: counter.Mode = counter.Mode.Fast;
const bytes: number = counter.__wasmProxy.memoryBytes();
s.free();
export { m, bytes };
`;
  assert.equal(typeCheck(out, ok), '');
  const bad = `
import counter = require('./counter.proxy.cjs');
const n: string = counter.add(1, 2);
counter.total(42);
export { n };
`;
  const errors = typeCheck(out, bad);
  assert.match(errors, /TS2322/);
  assert.match(errors, /TS2345/);
});

test('plonk_wasm shim type-checks for o1js-style use', () => {
  const out = generate(path.join(o1jsBindings(), 'plonk_wasm_bg.wasm'));
  const source = `
import plonk = require('./plonk_wasm.proxy.cjs');
const srs: plonk.WasmFpSrs = plonk.caml_fp_srs_create(4);
const h: plonk.WasmGVesta = plonk.caml_fp_srs_h(srs);
const x: Uint8Array = h.x;
const d = new plonk.WasmFpDomain(4, x);
const size: number = d.log_size_of_group;
const out: Uint8Array = plonk.caml_pasta_fp_poseidon_block_cipher(new Uint8Array(96));
const index: plonk.WasmPastaFpPlonkIndex | undefined = undefined;
srs.free();
export { size, out, index };
`;
  assert.equal(typeCheck(out, source), '');
});

test('the runtime template type-checks under tsc --strict --checkJs', () => {
  const out = generate(counterFixture());
  fs.writeFileSync(
    path.join(out, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, allowJs: true, checkJs: true, module: 'nodenext', moduleResolution: 'nodenext',
        target: 'es2022', lib: ['es2022', 'esnext.disposable'], types: ['node'], typeRoots: [path.join(root, 'node_modules/@types')],
      },
      files: ['wasm-proxy-runtime/index.cjs', 'wasm-proxy-runtime/index.d.cts'],
    }),
  );
  const result = execFileSync(process.execPath, [tsc, '-p', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(result, '');
});
