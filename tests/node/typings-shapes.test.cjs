// The proxy follows the typings however a package declares its API (pinned npm packages):
// members declared only by an `interface C` merged with `class C` and results typed as a
// union of classes (loro-crdt 1.17.1),
// getters and setters of different types (@matrix-org/matrix-sdk-crypto-wasm 18.9.0),
// closure adapters the glue calls listed with their role (both),
// typings named by package.json at the package root (@automerge/automerge-wasm 0.1.25);
// and a shim that cannot be written fails with its reason (@resvg/resvg-wasm 2.6.2).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync, execFileSync } = require('node:child_process');
const { root, codegenBin, tempDir } = require('./support.cjs');
const { fetchPackage, shimOf } = require('./npm-support.cjs');

const tsc = path.join(root, 'node_modules/typescript/bin/tsc');

/** Members of the prototype of every glue class that the proxy's class of the same name lacks. */
function missingMembers(glue, shim) {
  const missing = [];
  for (const [name, Class] of Object.entries(glue)) {
    if (typeof Class !== 'function' || !/^class\b/.test(Function.prototype.toString.call(Class))) continue;
    assert.ok(shim[name], `the proxy has no class ${name}`);
    for (const member of Object.getOwnPropertyNames(Class.prototype)) {
      if (member.startsWith('__')) continue; // wasm-bindgen's own (`__destroy_into_raw`)
      if (!(member in shim[name].prototype)) missing.push(`${name}.${member}`);
    }
  }
  return missing;
}

test('loro-crdt: members declared only by merged interfaces (getMap...) are forwarded, and kept across a swap', async () => {
  const dir = path.join(fetchPackage('loro-crdt', '1.17.1'), 'nodejs');
  const { shim: L, runtime, gluePath } = shimOf(dir, 'loro_wasm');
  const glue = require(gluePath);
  assert.deepEqual(missingMembers(glue, L), []);

  const doc = new L.LoroDoc();
  doc.setPeerId(7); // a random peer id fails a swap loudly: nothing could rebuild it
  const map = doc.getMap('m');
  assert.ok(map instanceof L.LoroMap, 'getMap returns a handle of the proxy');
  map.set('k', 1);
  const text = doc.getText('t');
  assert.ok(text instanceof L.LoroText);
  text.insert(0, 'hello');
  doc.getList('l').push('x');
  doc.commit();
  // The same calls on the raw glue give the same document.
  const raw = new glue.LoroDoc();
  raw.getMap('m').set('k', 1);
  raw.getText('t').insert(0, 'hello');
  raw.getList('l').push('x');
  raw.commit();
  assert.deepEqual(doc.toJSON(), raw.toJSON());
  assert.deepEqual(doc.toJSON(), { m: { k: 1 }, t: 'hello', l: ['x'] });
  // A snapshot of the proxy's document imports into the raw glue's.
  const copy = new glue.LoroDoc();
  copy.import(doc.export({ mode: 'snapshot' }));
  assert.equal(copy.getText('t').toString(), 'hello');
  // The handles getMap and getText made move with their document.
  const result = await runtime.swap();
  assert.equal(result.stale, 0, JSON.stringify(result));
  assert.equal(map.get('k'), 1);
  assert.equal(text.toString(), 'hello');
  assert.deepEqual(doc.toJSON(), { m: { k: 1 }, t: 'hello', l: ['x'] });
});

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

test('automerge-wasm: typings at the package root, named by package.json, make the proxy', () => {
  const pkg = fetchPackage('@automerge/automerge-wasm', '0.1.25');
  const { shim: A, gluePath } = shimOf(path.join(pkg, 'nodejs'), 'automerge_wasm');
  const glue = require(gluePath);
  assert.deepEqual(missingMembers(glue, A), []);
  /** The same edits through either module. */
  const edit = (m) => {
    const doc = m.create(true, 'aabbcc');
    doc.put('_root', 'title', 'hello');
    const list = doc.putObject('_root', 'items', []);
    doc.insert(list, 0, 'a');
    doc.commit('first', 0);
    const loaded = m.load(doc.save(), true, 'ddeeff');
    return { title: loaded.get('_root', 'title'), items: loaded.length(list), bytes: Buffer.from(doc.save()).toString('hex'), proxied: doc instanceof m.Automerge };
  };
  assert.deepEqual(edit(A), edit(glue));
  assert.ok(edit(A).proxied);
});

test('resvg-wasm: a shim that cannot be written exits non-zero with its reason, writing nothing', () => {
  const pkg = fetchPackage('@resvg/resvg-wasm', '2.6.2');
  const out = path.join(tempDir('resvg'), 'out');
  const run = spawnSync(codegenBin, ['generate', path.join(pkg, 'index_bg.wasm'), '--out-dir', out], { encoding: 'utf8' });
  assert.notEqual(run.status, 0, `generate exited 0: ${run.stdout}`);
  assert.match(run.stderr, /^error: index: .*glue/m, 'the reason is printed');
  assert.doesNotMatch(run.stdout + run.stderr, /see the warning/);
  assert.ok(!fs.existsSync(out), 'files were written');
});
