// The proxy follows the typings however a package declares its API (pinned npm packages):
// results typed as a union of classes (loro-crdt 1.17.1),
// getters and setters of different types (@matrix-org/matrix-sdk-crypto-wasm 18.9.0),
// closure adapters the glue calls listed with their role (both).
// (corpus.test.cjs checks, on every package, that the proxy has every member of the glue,
// merged interfaces, package-root typings and the refusals included.)
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync, execFileSync } = require('node:child_process');
const { root, codegenBin, tempDir } = require('./support.cjs');
const { fetchPackage, shimOf } = require('./npm-support.cjs');

const tsc = path.join(root, 'node_modules/typescript/bin/tsc');

test('loro-crdt: a result typed as a union of classes (`Container | undefined`) is a handle of the proxy, never a raw glue object', async () => {
  const dir = path.join(fetchPackage('loro-crdt', '1.17.1'), 'nodejs');
  const { shim: L, runtime } = shimOf(dir, 'loro_wasm');
  const doc = new L.LoroDoc();
  doc.setPeerId(9);
  const text = doc.getText('t');
  text.insert(0, 'union');
  doc.commit();
  const found = doc.getContainerById(text.id);
  assert.ok(found instanceof L.LoroText, `getContainerById gave ${found?.constructor?.name}`);
  assert.equal(found.toString(), 'union');
  const result = await runtime.swap();
  // Its call is not logged (a union is not known to hold a class, and `get…` reads): the
  // handle stays behind and says so, where a raw object of the retired instance would
  // have answered from a stripped prototype. Its document and `text` moved.
  assert.equal(result.stale, 1, JSON.stringify(result));
  assert.throws(() => found.toString(), /LoroText #\d+ lives in instance 1, which was swapped out/);
  assert.equal(text.toString(), 'union');
  // A change made through such a handle is in no log: the next swap finds the document
  // reading differently from its replay and fails, the active instance keeps serving.
  doc.getContainerById(text.id).insert(5, '!');
  doc.commit();
  await assert.rejects(runtime.swap(), /LoroDoc #\d+, built by LoroDoc.new \(call #1\), differs from its original/);
  assert.equal(text.toString(), 'union!');
});

test('closure adapters the glue calls are listed as closures (loro-crdt 2, matrix-sdk-crypto-wasm 5)', () => {
  const roles = (wasm) => {
    const listing = JSON.parse(execFileSync(codegenBin, ['list', wasm, '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    return listing.exports.filter((e) => /closure/i.test(e.name) && !e.name.startsWith('__wbindgen_')).map((e) => e.role);
  };
  const loro = roles(path.join(fetchPackage('loro-crdt', '1.17.1'), 'nodejs/loro_wasm_bg.wasm'));
  assert.deepEqual(loro, ['closure', 'closure']);
  const matrix = roles(path.join(fetchPackage('@matrix-org/matrix-sdk-crypto-wasm', '18.9.0'), 'pkg/matrix_sdk_crypto_wasm_bg.wasm'));
  assert.deepEqual(matrix, Array(5).fill('closure'));
});

/** Type-checks `source` as `consumer.cts` in `dir`; returns tsc's output ('' when clean). */
function typeCheck(dir, source) {
  fs.writeFileSync(path.join(dir, 'consumer.cts'), source);
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [], skipLibCheck: true },
      files: ['consumer.cts'],
    }),
  );
  const run = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
  return run.stdout + run.stderr;
}

test('matrix-sdk-crypto-wasm: a setter takes its own type (`sessionRotationPeriodMs = null`) under tsc --strict', () => {
  const pkg = path.join(fetchPackage('@matrix-org/matrix-sdk-crypto-wasm', '18.9.0'), 'pkg');
  const out = tempDir('matrix');
  execFileSync(codegenBin, ['generate', path.join(pkg, 'matrix_sdk_crypto_wasm_bg.wasm'), '--glue', path.join(pkg, 'matrix_sdk_crypto_wasm_bg.cjs'), '--out-dir', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  const dts = fs.readdirSync(out).find((f) => f.endsWith('.proxy.d.cts'));
  assert.ok(dts, `no .proxy.d.cts in ${fs.readdirSync(out)}`);
  const shim = `./${dts.replace(/\.d\.cts$/, '.cjs')}`;
  const use = (body) => `import m = require('${shim}');\ndeclare const settings: m.RoomSettings;\n${body}\nexport {};\n`;
  assert.equal(
    typeCheck(out, use(`
settings.sessionRotationPeriodMs = null;
settings.sessionRotationPeriodMs = undefined;
settings.sessionRotationPeriodMs = 604800000;
const period: number | undefined = settings.sessionRotationPeriodMs;
void period;`)),
    '',
  );
  // The getter still reads `number | undefined`, never null; a string is no period.
  const errors = typeCheck(out, use(`
const period: number = settings.sessionRotationPeriodMs;
settings.sessionRotationPeriodMs = 'weekly';
void period;`));
  assert.match(errors, /consumer\.cts\(4,7\): error TS2322: Type 'number \| undefined' is not assignable to type 'number'/);
  assert.match(errors, /consumer\.cts\(5,1\): error TS2322: Type 'string' is not assignable to type 'number'/);
});
